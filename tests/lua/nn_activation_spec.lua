-- F.relu / leaky_relu / elu / gelu / sigmoid / tanh / softmax / log_softmax / dropout: forward
-- values and gradients against PyTorch (tests/gen/gen_nn_ops.py), float64 gradchecks, layouts,
-- the parallel paths, dropout's seeded mask, and bad calls.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.activation")
local ref = H.fixture("nn_ops")

local T = H.tensor -- a fixture entry as a tensor

local function tol(dtype) return dtype == "float32" and 2e-5 or 1e-10 end

local function call(c, x)
  if c.op == "gelu" then return F.gelu(x, { approximate = c.arg }) end
  if c.arg ~= nil then return F[c.op](x, c.arg) end
  return F[c.op](x)
end

describe("activations", function()
  it("match PyTorch forward and backward in every fixture case (" .. #ref.act .. " cases)", function()
    for i, c in ipairs(ref.act) do
      local what = string.format("case %d: %s(%s) %s", i, c.op, tostring(c.arg), c.dtype)
      local x = T(c.x, c.dtype):requires_grad_()
      local y = call(c, x)
      assert.equals(c.dtype, y.dtype, what)
      H.assert_matches(y:detach(), c.y, tol(c.dtype), what .. " forward")
      y:backward(T(c.g, c.dtype))
      H.assert_matches(x.grad, c.gx, tol(c.dtype), what .. " backward")
    end
  end)

  it("pass float64 gradchecks", function()
    tide.manual_seed(7)
    local x = tide.randn(3, 4, 5, "float64"):requires_grad_()
    local fns = {
      relu = F.relu, sigmoid = F.sigmoid, tanh = F.tanh,
      leaky_relu = function(a) return F.leaky_relu(a, 0.3) end,
      elu = function(a) return F.elu(a, 0.7) end,
      gelu = F.gelu,
      gelu_tanh = function(a) return F.gelu(a, { approximate = "tanh" }) end,
      softmax1 = function(a) return F.softmax(a, 1) end,
      softmax2 = function(a) return F.softmax(a, 2) end,
      softmax3 = function(a) return F.softmax(a, -1) end,
      log_softmax1 = function(a) return F.log_softmax(a, 1) end,
      log_softmax2 = function(a) return F.log_softmax(a, 2) end,
      log_softmax3 = function(a) return F.log_softmax(a, 3) end,
      dropout = function(a) tide.manual_seed(11); return F.dropout(a, 0.4) end,
    }
    for name, fn in pairs(fns) do
      assert.is_true(tide.autograd.gradcheck(fn, { x }, { name = name }), name)
    end
  end)

  it("read non-contiguous inputs", function()
    tide.manual_seed(1)
    local base = tide.randn(4, 6, "float64")
    local v = base:transpose(1, 2)
    local c = v:contiguous()
    for _, op in ipairs({ "relu", "sigmoid", "tanh", "gelu", "elu" }) do
      H.assert_matches(F[op](v), { shape = c.shape, data = H.flat(F[op](c)) }, 0, op)
    end
    H.assert_matches(F.softmax(v, 1), { shape = c.shape, data = H.flat(F.softmax(c, 1)) }, 0, "softmax")
    H.assert_matches(F.log_softmax(v, 2), { shape = c.shape, data = H.flat(F.log_softmax(c, 2)) }, 0, "log_softmax")
  end)

  it("agree with the tensor ops on large inputs (parallel paths)", function()
    tide.manual_seed(2)
    local x = tide.randn(8, 32, 28, 28) -- 200k floats: above the parallel grain
    local y = F.relu(x)
    assert.equals(0, (y - tide.relu(x)):abs():max())
    local s = F.sigmoid(x)
    assert.is_true((s - tide.sigmoid(x)):abs():max() < 1e-6)
    local th = F.tanh(x)
    assert.is_true((th - tide.tanh(x)):abs():max() < 1e-6)
    -- softmax over a middle dim (tiles of the inner positions) against exp / sum
    local z = tide.randn(4, 50, 300, "float64") * 5
    local e = (z - z:amax(2, true)):exp()
    local want = e / e:sum(2, true)
    assert.is_true((F.softmax(z, 2) - want):abs():max() < 1e-14)
    assert.is_true((F.log_softmax(z, 2) - want:log()):abs():max() < 1e-12)
    -- and over the last dim of many rows
    local r = tide.randn(3000, 40)
    local er = (r - r:amax(2, true)):exp()
    assert.is_true((F.softmax(r, -1) - er / er:sum(2, true)):abs():max() < 1e-6)
  end)

  it("handle special values like PyTorch", function()
    local x = tide.tensor({ 0 / 0, 1 / 0, -1 / 0, 0 }, "float64")
    local r = F.relu(x)
    assert.is_true(r[1] ~= r[1])
    assert.equals(math.huge, r[2])
    assert.equals(0, r[3])
    local s = F.sigmoid(tide.tensor({ -1000, 1000 }))
    assert.equals(0, s[1])
    assert.equals(1, s[2])
    local t = F.tanh(tide.tensor({ -1000, 1000, 1e-8 }))
    assert.equals(-1, t[1])
    assert.equals(1, t[2])
    assert.is_true(math.abs(t[3] - 1e-8) < 1e-14)
    -- huge finite logits: the max shift keeps softmax and log_softmax finite and exact
    local sm = F.softmax(tide.tensor({ { 1000, 0, -1000 } }), 2)
    assert.equals(1, sm[1][1])
    assert.equals(0, sm[1][3])
    local ls = F.log_softmax(tide.tensor({ { 1000, 0, -1000 } }, "float64"), 2)
    assert.equals(0, ls[1][1])
    assert.equals(-2000, ls[1][3])
  end)

  it("work on empty and 0-d tensors", function()
    assert.same({ 0, 3 }, F.relu(tide.zeros(0, 3)).shape)
    assert.same({ 2, 0 }, F.softmax(tide.zeros(2, 0), 2).shape)
    local s = F.softmax(tide.tensor(3.0), 1)
    assert.equals(1, s:item())
    assert.equals(0, F.log_softmax(tide.tensor(3.0), -1):item())
  end)

  it("do not record under no_grad and keep the input's dtype", function()
    local x = tide.randn(3, "float64"):requires_grad_()
    local y = tide.no_grad(function() return F.relu(x) end)
    assert.is_nil(y.grad_fn)
    assert.is_nil(y.requires_grad)
    assert.equals("float64", F.sigmoid(x).dtype)
    assert.is_not_nil(F.tanh(x).grad_fn)
  end)

  it("reject bad input with the op's name", function()
    H.assert_error(function() F.relu(3) end, "relu: input must be a tensor")
    H.assert_error(function() F.relu(tide.tensor({ 1, 2 }, "int64")) end, "relu", "float32 or float64", "int64")
    H.assert_error(function() F.sigmoid(tide.tensor({ true }, "bool")) end, "sigmoid", "bool")
    H.assert_error(function() F.softmax(tide.randn(2, 3)) end, "softmax: dim is required")
    H.assert_error(function() F.softmax(tide.randn(2, 3), 3) end, "softmax: dim 3 out of range")
    H.assert_error(function() F.log_softmax(tide.randn(2, 3), -3) end, "log_softmax: dim -3 out of range")
    H.assert_error(function() F.log_softmax(tide.randn(2, 3), 1.5) end, "log_softmax: dim must be an integer")
    H.assert_error(function() F.gelu(tide.randn(2), { approximate = "fast" }) end, "gelu: approximate must be")
    H.assert_error(function() F.leaky_relu(tide.randn(2), "x") end, "leaky_relu: negative_slope must be a number")
    H.assert_error(function() F.elu(tide.randn(2), 0 / 0) end, "elu: alpha must be finite")
    local ok, err = pcall(function() F.relu("x") end)
    assert.is_false(ok)
    assert.truthy(err:find("nn_activation_spec.lua", 1, true)) -- raised at the caller's line
  end)
end)

describe("dropout", function()
  it("draws the same mask for the same seed, another for another seed", function()
    local x = tide.ones(1000)
    tide.manual_seed(42)
    local a = F.dropout(x, 0.3)
    tide.manual_seed(42)
    local b = F.dropout(x, 0.3)
    assert.equals(0, (a - b):abs():max())
    tide.manual_seed(43)
    local c = F.dropout(x, 0.3)
    assert.is_true((a - c):abs():max() > 0)
    -- successive calls advance the generator
    tide.manual_seed(42)
    F.dropout(x, 0.3)
    local d = F.dropout(x, 0.3)
    assert.is_true((a - d):abs():max() > 0)
  end)

  it("gives the same mask on any thread count", function()
    local x = tide.ones(300000)
    local n0 = tide.threads()
    tide.threads(1)
    tide.manual_seed(5)
    local a = F.dropout(x, 0.5)
    tide.threads(2)
    tide.manual_seed(5)
    local b = F.dropout(x, 0.5)
    tide.threads(n0)
    assert.equals(0, (a - b):abs():max())
  end)

  it("zeroes a fraction p and scales the rest by 1 / (1 - p)", function()
    for _, p in ipairs({ 0.1, 0.5, 0.8 }) do
      tide.manual_seed(3)
      local n = 200000
      local y = F.dropout(tide.ones(n, "float64"), p)
      local zeros = y:eq(0):sum()
      assert.is_true(math.abs(zeros / n - p) < 0.01, "fraction for p = " .. p)
      local kept = y:gt(0)
      assert.is_true(math.abs(y:max() - 1 / (1 - p)) < 1e-12)
      assert.is_true(math.abs(y:sum() - (n - zeros) / (1 - p)) < 1e-6 * n)
      assert.equals(n - zeros, kept:sum())
    end
  end)

  it("backward routes the gradient through the kept elements only", function()
    tide.manual_seed(9)
    local x = tide.randn(50, "float64"):requires_grad_()
    local y = F.dropout(x, 0.25)
    local g = tide.randn(50, "float64")
    y:backward(g)
    local mask = y:ne(0):to("float64")
    H.assert_matches(x.grad, { shape = { 50 }, data = H.flat(g * mask / 0.75) }, 1e-14)
  end)

  it("is the identity in evaluation and for p = 0; p = 1 zeroes everything", function()
    local x = tide.randn(4, 5)
    assert.equals(x, F.dropout(x, 0.5, false))
    assert.equals(x, F.dropout(x, 0))
    local xr = tide.randn(4, 5, "float64"):requires_grad_()
    local z = F.dropout(xr, 1)
    assert.equals(0, z:detach():abs():max())
    z:sum():backward()
    assert.equals(0, xr.grad:abs():max())
    -- default p = 0.5, training = true
    tide.manual_seed(1)
    local d = F.dropout(tide.ones(10000))
    assert.is_true(math.abs(d:eq(0):sum() / 10000 - 0.5) < 0.03)
  end)

  it("rejects p outside [0, 1] and non-float input", function()
    H.assert_error(function() F.dropout(tide.randn(3), 1.5) end, "dropout: probability has to be between 0 and 1", "1.5")
    H.assert_error(function() F.dropout(tide.randn(3), -0.1) end, "dropout", "-0.1")
    H.assert_error(function() F.dropout(tide.randn(3), 0 / 0) end, "dropout: probability")
    H.assert_error(function() F.dropout(tide.randn(3), "a") end, "dropout: probability")
    H.assert_error(function() F.dropout(tide.tensor({ 1, 2 }, "int32"), 0.5) end, "dropout", "int32")
    H.assert_error(function() F.dropout(nil, 0.5) end, "dropout: input must be a tensor")
  end)
end)
