-- The README's examples run: the ten-line tensor example as written (its first ```lua block),
-- and the network example (the second) on a slice of Fashion-MNIST.
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

  it("trains the network example on a slice of Fashion-MNIST", function()
    local f = io.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "rb")
    if not f then return pending("dataset-fashion-mnist is not installed") end
    f:close()
    local src = (os.getenv("TIDE_SOURCE_DIR") or ".") .. "/README.md"
    local fh = assert(io.open(src))
    local text = fh:read("*a")
    fh:close()
    local blocks = {}
    for code in text:gmatch("```lua\n(.-)```") do blocks[#blocks + 1] = code end
    local code = assert(blocks[2], "README has a network example")
    local path = os.tmpname()
    code = code:gsub('model:save%("[^"]*"%)', 'model:save("' .. path .. '")')
    -- the same library, with the data set cut to 640 images so the test stays short
    local lib = setmetatable({ datasets = { load = function(name, opts)
      local x, y = tide.datasets.load(name, opts)
      return x:narrow(1, 1, 640), y:narrow(1, 1, 640)
    end } }, { __index = tide })
    local env = setmetatable({ require = function(m) if m == "tide" then return lib end return require(m) end },
      { __index = _G })
    local chunk = assert(loadstring(code, "=README"))
    setfenv(chunk, env)
    chunk()
    local tensors = tide.io.load_safetensors(path)
    assert.are.same({ 32, 1, 3, 3 }, tensors["0.weight"].shape)
    os.remove(path)
  end)
end)
