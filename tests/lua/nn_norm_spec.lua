-- F.batch_norm and F.layer_norm: forward values, gradients and running statistics against
-- PyTorch (tests/gen/gen_nn_ops.py), float64 gradchecks, the parallel paths, and bad calls.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.norm")
local ref = H.fixture("nn_ops")

local T = H.tensor -- a fixture entry as a tensor

local function tol(dtype) return dtype == "float32" and 5e-5 or 1e-10 end

-- The gradients of x, w and b (when affine) against the case's.
local function check_grads(c, x, w, b, what)
  H.assert_matches(x.grad, c.gx, tol(c.dtype), what .. " grad input")
  if w then
    H.assert_matches(w.grad, c.gw, tol(c.dtype), what .. " grad weight")
    H.assert_matches(b.grad, c.gb, tol(c.dtype), what .. " grad bias")
  end
end

local function param(a, dtype)
  local t = T(a, dtype)
  if t then t:requires_grad_() end
  return t
end

describe("batch_norm", function()
  it("matches PyTorch: output, gradients and running statistics (" .. #ref.bn .. " cases)", function()
    for i, c in ipairs(ref.bn) do
      local what = string.format("case %d (%s, training=%s)", i, c.dtype, tostring(c.training))
      local x = T(c.x, c.dtype):requires_grad_()
      local w, b = param(c.w, c.dtype), param(c.b, c.dtype)
      local rm, rv = T(c.rm, c.dtype), T(c.rv, c.dtype)
      local y = F.batch_norm(x, rm, rv, w, b, c.training, c.momentum, c.eps)
      H.assert_matches(y:detach(), c.y, tol(c.dtype), what .. " output")
      H.assert_matches(rm, c.rm_after, tol(c.dtype), what .. " running_mean")
      H.assert_matches(rv, c.rv_after, tol(c.dtype), what .. " running_var")
      y:backward(T(c.g, c.dtype))
      check_grads(c, x, w, b, what)
    end
  end)

  it("passes float64 gradchecks in training and evaluation, 2-d, 3-d and 4-d", function()
    tide.manual_seed(4)
    for _, shape in ipairs({ { 5, 3 }, { 4, 3, 6 }, { 3, 3, 2, 4 } }) do
      local x = tide.randn(shape, "float64"):requires_grad_()
      local w = tide.randn(3, "float64"):requires_grad_()
      local b = tide.randn(3, "float64"):requires_grad_()
      local rm, rv = tide.zeros(3, "float64"), tide.ones(3, "float64")
      for _, training in ipairs({ true, false }) do
        assert.is_true(tide.autograd.gradcheck(function(a, ww, bb)
          return F.batch_norm(a, rm, rv, ww, bb, training, 0.1, 1e-5)
        end, { x, w, b }))
      end
      -- no affine parameters and no running statistics
      assert.is_true(tide.autograd.gradcheck(function(a) return F.batch_norm(a, nil, nil, nil, nil, true) end, { x }))
    end
  end)

  it("agrees with composed tensor ops on a CNN-sized batch (parallel path)", function()
    tide.manual_seed(5)
    local x = tide.randn(16, 32, 14, 14) * 3 + 1
    local rm, rv = tide.zeros(32), tide.ones(32)
    local w, b = tide.randn(32), tide.randn(32)
    local y = F.batch_norm(x, rm, rv, w, b, true, 0.1, 1e-5)
    local xd = x:to("float64")
    local mean = xd:mean({ 1, 3, 4 }, true)
    local var = ((xd - mean) ^ 2):mean({ 1, 3, 4 }, true)
    local want = (xd - mean) / (var + 1e-5):sqrt() * w:to("float64"):reshape(1, 32, 1, 1) +
      b:to("float64"):reshape(1, 32, 1, 1)
    assert.is_true((y:to("float64") - want):abs():max() < 1e-5)
    local n = 16 * 14 * 14
    local want_rv = var:reshape(32) * (n / (n - 1)) * 0.1 + 0.9
    assert.is_true((rv:to("float64") - want_rv):abs():max() < 1e-5)
    assert.is_true((rm:to("float64") - mean:reshape(32) * 0.1):abs():max() < 1e-6)
  end)

  it("reads a non-contiguous input", function()
    tide.manual_seed(6)
    local base = tide.randn(3, 4, 5, "float64")
    local v = base:transpose(1, 3) -- [5, 4, 3]
    local a = F.batch_norm(v, nil, nil, nil, nil, true)
    local b = F.batch_norm(v:contiguous(), nil, nil, nil, nil, true)
    assert.equals(0, (a - b):abs():max())
  end)

  it("rejects bad input", function()
    local x = tide.randn(4, 3)
    H.assert_error(function() F.batch_norm(tide.randn(4), nil, nil, nil, nil, true) end,
      "batch_norm: input must have at least 2 dims")
    H.assert_error(function() F.batch_norm(x, nil, nil, tide.randn(4), nil, true) end, "batch_norm: weight", "[3]")
    H.assert_error(function() F.batch_norm(x, tide.zeros(2), tide.ones(2), nil, nil, true) end,
      "batch_norm: running_mean")
    H.assert_error(function() F.batch_norm(x, nil, nil, nil, nil, false) end,
      "batch_norm: running_mean and running_var are required")
    H.assert_error(function() F.batch_norm(tide.randn(1, 3), nil, nil, nil, nil, true) end,
      "batch_norm: expected more than 1 value per channel when training")
    H.assert_error(function() F.batch_norm(x, tide.zeros(3, "float64"), tide.ones(3, "float64"), nil, nil, true) end,
      "batch_norm: running_mean is float64, expected float32")
    H.assert_error(function() F.batch_norm(tide.tensor({ { 1, 2 } }, "int64"), nil, nil, nil, nil, true) end,
      "batch_norm: input must be float32 or float64")
    H.assert_error(function() F.batch_norm("x") end, "batch_norm: input must be a tensor")
    H.assert_error(function() F.batch_norm(x, nil, nil, nil, nil, true, "fast") end, "batch_norm: momentum")
  end)
end)

describe("layer_norm", function()
  it("matches PyTorch: output and gradients (" .. #ref.ln .. " cases)", function()
    for i, c in ipairs(ref.ln) do
      local what = string.format("case %d (%s)", i, c.dtype)
      local x = T(c.x, c.dtype):requires_grad_()
      local w, b = param(c.w, c.dtype), param(c.b, c.dtype)
      local y = F.layer_norm(x, c.ns, w, b, c.eps)
      H.assert_matches(y:detach(), c.y, tol(c.dtype), what .. " output")
      y:backward(T(c.g, c.dtype))
      check_grads(c, x, w, b, what)
    end
  end)

  it("passes float64 gradchecks", function()
    tide.manual_seed(8)
    local x = tide.randn(3, 4, 5, "float64"):requires_grad_()
    local w = tide.randn(4, 5, "float64"):requires_grad_()
    local b = tide.randn(4, 5, "float64"):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(a, ww, bb) return F.layer_norm(a, { 4, 5 }, ww, bb) end,
      { x, w, b }))
    local w1 = tide.randn(5, "float64"):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(a, ww) return F.layer_norm(a, 5, ww, nil, 1e-3) end, { x, w1 }))
    assert.is_true(tide.autograd.gradcheck(function(a) return F.layer_norm(a, { 3, 4, 5 }) end, { x }))
  end)

  it("agrees with composed tensor ops on many rows (parallel path)", function()
    tide.manual_seed(9)
    local x = tide.randn(512, 256)
    local w, b = tide.randn(256), tide.randn(256)
    local y = F.layer_norm(x, 256, w, b)
    local xd = x:to("float64")
    local mean = xd:mean(2, true)
    local var = ((xd - mean) ^ 2):mean(2, true)
    local want = (xd - mean) / (var + 1e-5):sqrt() * w:to("float64") + b:to("float64")
    assert.is_true((y:to("float64") - want):abs():max() < 1e-5)
    -- weight / bias gradients summed over rows split across threads
    local xr = x:to("float64"):requires_grad_()
    local wr, br = w:to("float64"):requires_grad_(), b:to("float64"):requires_grad_()
    local g = tide.randn(512, 256, "float64")
    F.layer_norm(xr, 256, wr, br):backward(g)
    local xhat = (xd - mean) / (var + 1e-5):sqrt()
    assert.is_true((wr.grad - (g * xhat):sum(1)):abs():max() < 1e-9)
    assert.is_true((br.grad - g:sum(1)):abs():max() < 1e-9)
  end)

  it("rejects bad input", function()
    local x = tide.randn(2, 3, 4)
    H.assert_error(function() F.layer_norm(x, 3) end, "layer_norm: normalized_shape {3} does not match", "{2, 3, 4}")
    H.assert_error(function() F.layer_norm(x, { 2, 2, 3, 4 }) end, "layer_norm: normalized_shape")
    H.assert_error(function() F.layer_norm(x, {}) end, "layer_norm: normalized_shape must be")
    H.assert_error(function() F.layer_norm(x, 4, tide.randn(3)) end, "layer_norm: weight has shape [3], expected [4]")
    H.assert_error(function() F.layer_norm(x, 4, nil, tide.randn(4, "float64")) end, "layer_norm: bias is float64")
    H.assert_error(function() F.layer_norm(tide.tensor({ 1, 2 }, "int32"), 2) end, "layer_norm: input must be float32")
    H.assert_error(function() F.layer_norm(x, 4, nil, nil, -1) end, "layer_norm: eps must be >= 0")
    H.assert_error(function() F.layer_norm(nil, 4) end, "layer_norm: input must be a tensor")
  end)
end)
