-- require("tide"): every part named in its table of lazily loaded parts loads on first access
-- (a missing or broken part is an error there, not a silently smaller API).
local tide = require("tide")

describe("tide's parts", function()
  it("all load on first use", function()
    local names = {}
    for name in pairs(tide._parts) do names[#names + 1] = name end
    table.sort(names)
    assert.is_true(#names >= 13)
    for _, name in ipairs(names) do
      local ok, part = pcall(function() return tide[name] end)
      assert(ok, "tide." .. name .. " failed to load: " .. tostring(part))
      assert.are.equal("table", type(part), "tide." .. name)
      assert.are.equal(part, rawget(tide, name)) -- cached after the first access
    end
  end)

  it("other unknown names are nil", function()
    assert.is_nil(tide.no_such_part)
  end)
end)
