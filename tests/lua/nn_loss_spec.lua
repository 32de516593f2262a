-- The losses: values and gradients against PyTorch for every option (tests/gen/gen_nn_ops.py),
-- float64 gradchecks, class ids out of range, wrong shapes and dtypes, thread-count independence.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.loss")
local ref = H.fixture("nn_ops")

local T = H.tensor -- a fixture entry as a tensor

local function tol(dtype) return dtype == "float32" and 5e-5 or 1e-10 end

local function opts_of(c)
  local o = {}
  for k, v in pairs(c.opts) do
    o[k] = type(v) == "table" and T(v, c.dtype) or v
  end
  return o
end

describe("losses", function()
  it("match PyTorch values and gradients in every fixture case (" .. #ref.loss .. " cases)", function()
    for i, c in ipairs(ref.loss) do
      local what = string.format("case %d: %s %s reduction=%s", i, c.op, c.dtype, tostring(c.opts.reduction))
      local x = T(c.x, c.dtype):requires_grad_()
      local soft = c.gt ~= nil
      local t = T(c.target, c.target.dtype == "int64" and "int64" or c.dtype)
      if soft then t:requires_grad_() end
      local y = F[c.op](x, t, opts_of(c))
      assert.equals(c.dtype, y.dtype, what)
      H.assert_matches(y:detach(), c.y, tol(c.dtype), what .. " value")
      y:backward(T(c.g, c.dtype))
      H.assert_matches(x.grad, c.gx, tol(c.dtype), what .. " grad input")
      if soft then H.assert_matches(t.grad, c.gt, tol(c.dtype), what .. " grad target") end
    end
  end)

  it("pass float64 gradchecks for every loss and option", function()
    tide.manual_seed(12)
    local gc = tide.autograd.gradcheck
    local x = tide.randn(5, 4, "float64"):requires_grad_()
    local t = tide.tensor({ 1, 4, 2, 2, 3 }, "int64")
    local ti = tide.tensor({ 1, -100, 2, 2, -100 }, "int64")
    local w = tide.rand(4, "float64") + 0.2
    for _, red in ipairs({ "mean", "sum", "none" }) do
      for _, ls in ipairs({ 0, 0.25 }) do
        assert.is_true(gc(function(a) return F.cross_entropy(a, ti, { weight = w, reduction = red, label_smoothing = ls }) end,
          { x }, { name = "cross_entropy " .. red .. " " .. ls }))
      end
      assert.is_true(gc(function(a) return F.nll_loss(a, ti, { weight = w, reduction = red }) end, { x }))
    end
    -- [N, C, d1, d2] and probability targets (gradient for the target too)
    local x4 = tide.randn(2, 3, 2, 2, "float64"):requires_grad_()
    local t4 = tide.tensor({ { { 1, 3 }, { 2, 2 } }, { { 3, 1 }, { 1, 2 } } }, "int64")
    assert.is_true(gc(function(a) return F.cross_entropy(a, t4, { label_smoothing = 0.1 }) end, { x4 }))
    local p4 = tide.rand(2, 3, 2, 2, "float64"):requires_grad_()
    assert.is_true(gc(function(a, p) return F.cross_entropy(a, p, { label_smoothing = 0.2, weight = tide.tensor({ 1, 2, 3 },
      "float64") }) end, { x4, p4 }))
    -- an unbatched [C] input
    local x1 = tide.randn(6, "float64"):requires_grad_()
    assert.is_true(gc(function(a) return F.cross_entropy(a, tide.tensor(4, "int64")) end, { x1 }))
    assert.is_true(gc(function(a) return F.cross_entropy(a, tide.tensor(4, "int64"), { reduction = "none" }) end, { x1 }))
    -- elementwise losses, broadcasting target
    local a, b = tide.randn(3, 4, "float64"):requires_grad_(), tide.randn(4, "float64"):requires_grad_()
    for _, name in ipairs({ "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss" }) do
      for _, red in ipairs({ "mean", "sum", "none" }) do
        assert.is_true(gc(function(u, v) return F[name](u, v, { reduction = red }) end, { a, b }, { name = name }))
      end
    end
    assert.is_true(gc(function(u, v) return F.huber_loss(u, v, { delta = 0.3 }) end, { a, b }))
    assert.is_true(gc(function(u, v) return F.smooth_l1_loss(u, v, { beta = 0.3 }) end, { a, b }))
    local p = (tide.rand(3, 4, "float64") * 0.9 + 0.05):requires_grad_()
    local y = tide.rand(3, 4, "float64"):requires_grad_()
    local bw, pw = tide.rand(4, "float64") + 0.1, tide.rand(4, "float64") * 3
    for _, red in ipairs({ "mean", "sum", "none" }) do
      assert.is_true(gc(function(u, v) return F.binary_cross_entropy(u, v, { weight = bw, reduction = red }) end, { p, y }))
      assert.is_true(gc(function(u, v)
        return F.binary_cross_entropy_with_logits(u, v, { weight = bw, pos_weight = pw, reduction = red })
      end, { a, y }))
    end
  end)

  it("cross_entropy is stable for huge logits and NaN for all-ignored means, as in PyTorch", function()
    local x = tide.tensor({ { 1e4, -1e4, 0 }, { -3e4, 2e4, 2e4 } })
    local l = F.cross_entropy(x, tide.tensor({ 1, 2 }, "int64"), { reduction = "none" })
    assert.equals(0, l[1])
    assert.is_true(math.abs(l[2] - math.log(2)) < 1e-6)
    local all = F.cross_entropy(x, tide.tensor({ -100, -100 }, "int64"))
    assert.is_true(all:item() ~= all:item())
    assert.equals(0, F.cross_entropy(x, tide.tensor({ -100, -100 }, "int64"), { reduction = "sum" }):item())
    -- binary_cross_entropy_with_logits at +-100 stays finite
    local bl = F.binary_cross_entropy_with_logits(tide.tensor({ 100, -100 }, "float64"), tide.tensor({ 0, 1 }, "float64"),
      { reduction = "none" })
    assert.equals(100, bl[1])
    assert.equals(100, bl[2])
  end)

  it("give the same value on any thread count (fixed-chunk sums)", function()
    tide.manual_seed(13)
    local x = tide.randn(20000, 10)
    local t = tide.randint(1, 11, { 20000 }, "int64")
    local a, b = tide.randn(300000), tide.randn(300000)
    local n0 = tide.threads()
    tide.threads(1)
    local c1, m1 = F.cross_entropy(x, t):item(), F.mse_loss(a, b):item()
    tide.threads(2)
    local c2, m2 = F.cross_entropy(x, t):item(), F.mse_loss(a, b):item()
    tide.threads(n0)
    assert.equals(c1, c2)
    assert.equals(m1, m2)
    -- and agree with composed ops
    local xd = x:to("float64")
    local lse = (xd - xd:amax(2, true)):exp():sum(2):log() + xd:amax(2)
    local want = (lse - xd:gather(2, t:reshape(20000, 1)):reshape(20000)):mean()
    assert.is_true(math.abs(c1 - want) < 1e-5)
  end)

  it("names the op, the position and the value of a class id out of range", function()
    local x = tide.randn(20, 10)
    local t = tide.randint(1, 11, { 20 }, "int64")
    t[17] = 11
    H.assert_error(function() F.cross_entropy(x, t) end,
      "cross_entropy: target[17] = 11 is out of range for 10 classes")
    t[17] = 0
    H.assert_error(function() F.nll_loss(x, t) end, "nll_loss: target[17] = 0 is out of range for 10 classes")
    local x4 = tide.randn(2, 3, 4, 5)
    local t4 = tide.ones(2, 4, 5, "int64")
    t4[2][3][4] = 4
    H.assert_error(function() F.cross_entropy(x4, t4) end, "cross_entropy: target[2, 3, 4] = 4 is out of range for 3 classes")
    -- the ignored id is not checked
    t4[2][3][4] = -100
    assert.is_true(F.cross_entropy(x4, t4):item() > 0)
  end)

  it("reject wrong shapes, dtypes and options", function()
    local x = tide.randn(4, 3)
    local t = tide.tensor({ 1, 2, 3, 1 }, "int64")
    H.assert_error(function() F.cross_entropy(x, tide.tensor({ 1, 2, 3 }, "int64")) end,
      "cross_entropy: target has shape [3], expected [4]")
    H.assert_error(function() F.cross_entropy(x, tide.tensor({ 1, 2, 3, 1 }, "uint8")) end, "cross_entropy: target must hold")
    H.assert_error(function() F.cross_entropy(x, tide.rand(4, 2)) end, "cross_entropy: a probability target must have")
    H.assert_error(function() F.cross_entropy(x, tide.rand(4, 3, "float64")) end, "cross_entropy: target is float64")
    H.assert_error(function() F.cross_entropy(x, t, { weight = tide.ones(4) }) end, "cross_entropy: weight must have shape [3]")
    H.assert_error(function() F.cross_entropy(x, t, { reduction = "avg" }) end, "cross_entropy: reduction must be")
    H.assert_error(function() F.cross_entropy(x, t, { label_smoothing = 1.5 }) end, "cross_entropy: label_smoothing")
    H.assert_error(function() F.cross_entropy(x, t, { ignore = 3 }) end, "cross_entropy: unknown option 'ignore'")
    H.assert_error(function() F.cross_entropy(tide.tensor(1.0), t) end, "cross_entropy: input must be")
    H.assert_error(function() F.cross_entropy(x:to("int64"), t) end, "cross_entropy: input must be float32 or float64")
    H.assert_error(function() F.cross_entropy(tide.randn(3), t) end, "cross_entropy: the target of a [C] input is a 0-d")
    H.assert_error(function() F.nll_loss(x, tide.rand(4, 3)) end, "nll_loss: target must hold class ids")
    H.assert_error(function() F.nll_loss(x, t, { label_smoothing = 0.1 }) end, "nll_loss: unknown option 'label_smoothing'")
    H.assert_error(function() F.mse_loss(tide.randn(3, 4), tide.randn(3, 5)) end, "mse_loss", "do not broadcast")
    H.assert_error(function() F.mse_loss(tide.randn(3), tide.randn(3, "float64")) end, "mse_loss: target is float64")
    H.assert_error(function() F.huber_loss(tide.randn(3), tide.randn(3), { delta = 0 }) end,
      "huber_loss: delta must be a positive number")
    H.assert_error(function() F.smooth_l1_loss(tide.randn(3), tide.randn(3), { beta = -1 }) end, "smooth_l1_loss: beta")
    H.assert_error(function() F.binary_cross_entropy(tide.tensor({ 0.5, 1.5 }), tide.tensor({ 0, 1 })) end,
      "binary_cross_entropy: input must hold probabilities in [0, 1], found 1.5")
    H.assert_error(function() F.binary_cross_entropy(tide.rand(3), tide.rand(4)) end,
      "binary_cross_entropy: target has shape {4}, the input {3}")
    H.assert_error(function() F.binary_cross_entropy(tide.rand(3), tide.rand(3), { weight = tide.rand(2) }) end,
      "binary_cross_entropy: weight of shape {2} does not broadcast")
    H.assert_error(function() F.binary_cross_entropy_with_logits(tide.rand(2, 3), tide.rand(2, 3), { pos_weight = tide.rand(2) }) end,
      "binary_cross_entropy_with_logits: pos_weight of shape {2}")
    H.assert_error(function() F.l1_loss(tide.randn(3), nil) end, "l1_loss: target must be a tensor")
  end)
end)
