-- The generated FFI bindings: every declared function resolves in libtide, and every public
-- struct has the same size in LuaJIT's FFI as in C (printed by the generated struct_sizes program).
local ffi = require("ffi")
local bindings = require("tide.cdef")
local core = require("tide._core")

describe("generated bindings", function()
  it("declare functions that all resolve in libtide", function()
    assert.is_true(#bindings.functions > 40)
    local missing = {}
    for _, name in ipairs(bindings.functions) do
      local ok = pcall(function() return core.C[name] end)
      if not ok then missing[#missing + 1] = name end
    end
    assert.same({}, missing)
  end)

  it("give every public struct its C size", function()
    local exe = os.getenv("TIDE_STRUCT_SIZES") or ((os.getenv("TIDE_BUILD_DIR") or "build") .. "/struct_sizes")
    local p = assert(io.popen(exe))
    local sizes = {}
    for line in p:lines() do
      local name, size = line:match("^(%S+) (%d+)$")
      if name then sizes[name] = tonumber(size) end
    end
    p:close()
    assert.is_true(#bindings.structs >= 3)
    for _, name in ipairs(bindings.structs) do
      assert.is_not_nil(sizes[name], "struct_sizes lacks " .. name)
      -- variable-length structs (a trailing flexible array) have no size without a count
      local ok, size = pcall(ffi.sizeof, name)
      if not ok then size = ffi.sizeof(name, 0) end
      assert.equals(sizes[name], size, name)
    end
  end)
end)
