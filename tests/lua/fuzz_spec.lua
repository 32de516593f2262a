-- Random calls, good and bad, across the tensor API: each must return or raise a Lua error that
-- names an op; none may crash the process. A fixed seed keeps the run reproducible.
local tide = require("tide")

local rng = tonumber(os.getenv("TIDE_FUZZ_SEED")) or 20261124
local function rand(n) -- 1..n, a small LCG independent of math.random
  rng = (rng * 1103515245 + 12345) % 2147483648
  return rng % n + 1
end
local function pick(list) return list[rand(#list)] end

local DTYPES = { "float32", "float64", "int32", "int64", "uint8", "bool" }
local function random_shape()
  local s = {}
  for i = 1, rand(4) - 1 do s[i] = rand(4) - 1 end
  return s
end
local function random_tensor()
  local s = random_shape()
  local t = tide.rand(s, "float64"):mul(10):sub(5):to(pick(DTYPES))
  local r = rand(5)
  if r == 1 and t:dim() >= 2 then t = t:transpose(1, 2) end
  if r == 2 and t:dim() >= 1 and t:size(1) > 1 then t = t:narrow(1, 2, t:size(1) - 1) end
  return t
end
local function arg_of()
  local r = rand(8)
  if r <= 4 then return random_tensor() end
  if r == 5 then return rand(7) - 4 end
  if r == 6 then return random_shape() end
  if r == 7 then return pick({ "x", true, {}, 0.5 }) end
  return nil
end

local unary = { "neg", "abs", "exp", "log", "sqrt", "sigmoid", "relu", "floor", "logical_not", "isnan",
  "sum", "mean", "prod", "max", "min", "argmax", "std", "var", "norm", "cumsum", "any", "all", "sort",
  "unique", "contiguous", "clone", "flatten", "squeeze", "t", "totable", "item" }
local binary = { "add", "sub", "mul", "div", "remainder", "pow", "maximum", "eq", "lt", "logical_and",
  "bitwise_and", "matmul", "dot", "outer", "where", "masked_fill", "masked_select", "index_select", "gather",
  "cat", "stack", "copy_", "expand", "reshape", "view", "permute", "select", "narrow", "topk", "split",
  "chunk", "clamp", "scatter_add", "transpose", "unsqueeze", "sum", "max", "cumsum", "to" }

describe("random calls", function()
  it("raise errors or return, never crash (20000 calls)", function()
    local ok_count, err_count = 0, 0
    for _ = 1, 20000 do
      local ok, err = pcall(function()
        local t = random_tensor()
        if rand(2) == 1 then
          local name = pick(unary)
          return t[name](t, rand(3) == 1 and (rand(5) - 3) or nil)
        end
        local name = pick(binary)
        if name == "cat" or name == "stack" then return tide[name]({ t, arg_of() }, rand(3) - 1) end
        if name == "where" then return tide.where(t, arg_of(), arg_of()) end
        return t[name](t, arg_of(), arg_of(), arg_of())
      end)
      if ok then
        ok_count = ok_count + 1
      else
        err_count = err_count + 1
        assert.equals("string", type(err))
        assert.is_nil(err:find("internal error", 1, true), err)
      end
    end
    assert.is_true(ok_count > 300, "some calls succeed: " .. ok_count)
    assert.is_true(err_count > 300, "some calls fail: " .. err_count)
    collectgarbage("collect")
    assert.same({ 2, 2 }, tide.ones(2, 2).shape)
  end)
end)
