-- The README's ten-line example runs as written (its first ```lua block).
local tide = require("tide")

describe("README example", function()
  it("runs and prints what it says", function()
    local src = (os.getenv("TIDE_SOURCE_DIR") or ".") .. "/README.md"
    local f = assert(io.open(src))
    local text = f:read("*a")
    f:close()
    local code = text:match("```lua\n(.-)```")
    assert.is_not_nil(code, "README has a lua example")
    local lines = select(2, code:gsub("\n", "\n"))
    assert.is_true(lines <= 12, "the example stays about ten lines")
    local printed = {}
    local env = setmetatable({ print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, "\t")
    end }, { __index = _G })
    local chunk = assert(loadstring(code, "=README"))
    setfenv(chunk, env)
    chunk()
    assert.matches("shape=%[4, 2%], dtype=float32", printed[1])
    assert.matches("shape=%[2%]", printed[2])
    assert.matches("shape=%[2%]", printed[3])
    assert.equals(4, #printed)
    assert.is_not_nil(tide)
  end)
end)
