-- F.conv1d, F.conv2d and F.conv_transpose2d: forward values and every gradient against PyTorch
-- (tests/gen/gen_conv.py) over strides, paddings ("same" / "valid" too), dilations, groups, bias
-- and output_padding, through each kernel path (Winograd, direct, im2col); float64 gradchecks;
-- the skipped input gradient of a first layer; the benchmark network's shapes against the
-- general path; and bad calls, whose errors name the op and point at the caller's line.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.conv")
local ref = H.fixture("conv")

local T = H.tensor -- a fixture entry as a tensor

local function tol(dtype) return dtype == "float32" and 1e-4 or 1e-10 end

local function names(prefix)
  local list = {}
  for name in pairs(ref.conv) do
    if name:sub(1, #prefix) == prefix then list[#list + 1] = name end
  end
  table.sort(list)
  return list
end

local function run_fixture(name)
  local c = ref.conv[name]
  local x = T(c.x, c.dtype):requires_grad_()
  local w = T(c.w, c.dtype):requires_grad_()
  local b = c.b and T(c.b, c.dtype):requires_grad_() or nil
  local y = F[c.op](x, w, b, c.opts)
  assert.equals(c.dtype, y.dtype)
  H.assert_matches(y:detach(), c.y, tol(c.dtype), name .. " output")
  y:backward(T(c.g, c.dtype))
  H.assert_matches(x.grad, c.gx, tol(c.dtype), name .. " grad input")
  H.assert_matches(w.grad, c.gw, tol(c.dtype), name .. " grad weight")
  if b then H.assert_matches(b.grad, c.gb, tol(c.dtype), name .. " grad bias") end
end

describe("conv2d", function()
  local list = names("c2_")
  it("matches PyTorch: output and gradients (" .. #list .. " cases)", function()
    for _, name in ipairs(list) do run_fixture(name) end
  end)

  it("passes float64 gradchecks: stride, padding, dilation, groups, bias, few channels", function()
    tide.manual_seed(11)
    local cases = {
      { { 2, 3, 5, 6 }, { 4, 3, 3, 3 }, { padding = 1 } },
      { { 1, 4, 7, 6 }, { 6, 2, 3, 2 }, { stride = { 2, 1 }, padding = { 1, 0 }, dilation = { 1, 2 }, groups = 2 } },
      { { 2, 1, 6, 17 }, { 3, 1, 3, 3 }, { padding = 1 } }, -- the direct path (one input channel)
      { { 1, 3, 4, 4 }, { 2, 3, 1, 1 }, {} },               -- pointwise
    }
    for _, c in ipairs(cases) do
      local x = tide.randn(c[1], "float64"):requires_grad_()
      local w = tide.randn(c[2], "float64"):requires_grad_()
      local b = tide.randn(c[2][1], "float64"):requires_grad_()
      assert.is_true(tide.autograd.gradcheck(function(a, ww, bb) return F.conv2d(a, ww, bb, c[3]) end, { x, w, b }))
      assert.is_true(tide.autograd.gradcheck(function(a, ww) return F.conv2d(a, ww, nil, c[3]) end, { x, w }))
    end
  end)

  it("skips the input gradient when the input needs none (a first layer)", function()
    local x = tide.randn(2, 1, 8, 8)
    local w = tide.randn(4, 1, 3, 3):requires_grad_()
    local b = tide.randn(4):requires_grad_()
    local y = F.conv2d(x, w, b, { padding = 1 })
    y:sum():backward()
    assert.is_nil(x.grad)
    assert.same({ 4, 1, 3, 3 }, w.grad.shape)
    -- the bias gradient of a sum is the number of output positions per channel
    assert.near(2 * 8 * 8, b.grad[1], 1e-3)
  end)

  it("records nothing under no_grad and for inputs that need no gradient", function()
    local w = tide.randn(4, 3, 3, 3):requires_grad_()
    local y = tide.no_grad(function() return F.conv2d(tide.randn(1, 3, 5, 5), w) end)
    assert.is_nil(y.grad_fn)
    assert.is_nil(y.requires_grad)
    local y2 = F.conv2d(tide.randn(1, 3, 5, 5), tide.randn(4, 3, 3, 3))
    assert.is_nil(y2.grad_fn)
  end)

  it("gives the same result on the benchmark network's layers by every path", function()
    -- the Winograd / direct kernels against the float64 im2col path on the same values
    tide.manual_seed(3)
    local layers = {
      { { 8, 1, 28, 28 }, { 32, 1, 3, 3 } },
      { { 4, 32, 14, 14 }, { 64, 32, 3, 3 } },
    }
    for _, l in ipairs(layers) do
      local x = tide.randn(l[1]):requires_grad_()
      local w = (tide.randn(l[2]) * 0.1):requires_grad_()
      local b = tide.randn(l[2][1]):requires_grad_()
      local y = F.conv2d(x, w, b, { padding = 1 })
      local g = tide.randn(y.shape)
      y:backward(g)
      local x64 = x:detach():to("float64"):requires_grad_()
      local w64 = w:detach():to("float64"):requires_grad_()
      local b64 = b:detach():to("float64"):requires_grad_()
      local y64 = F.conv2d(x64, w64, b64, { padding = 1 })
      y64:backward(g:to("float64"))
      local function close(a, r, what)
        a, r = a:detach(), r:detach()
        local err = (a:to("float64") - r):abs():max()
        local scale = r:abs():max()
        assert(err <= 1e-5 * scale, string.format("%s: max error %g (scale %g)", what, err, scale))
      end
      close(y, y64, "output")
      close(x.grad, x64.grad, "grad input")
      close(w.grad, w64.grad, "grad weight")
      close(b.grad, b64.grad, "grad bias")
    end
  end)

  it("gives bitwise the same results on every run and thread count", function()
    tide.manual_seed(6)
    local x = tide.randn(6, 16, 14, 14)
    local w = tide.randn(32, 16, 3, 3) * 0.1
    local g = tide.randn(6, 32, 14, 14)
    local function grads(threads)
      local before = tide.threads()
      tide.threads(threads)
      local xi, wi = x:clone():requires_grad_(), w:clone():requires_grad_()
      local y = F.conv2d(xi, wi, nil, { padding = 1 })
      y:backward(g)
      tide.threads(before)
      return y:detach(), xi.grad, wi.grad
    end
    local y1, gx1, gw1 = grads(1)
    for _, threads in ipairs({ 2, 2, 3 }) do
      local y2, gx2, gw2 = grads(threads)
      assert.equals(0, (y1 - y2):abs():max())
      assert.equals(0, (gx1 - gx2):abs():max())
      assert.equals(0, (gw1 - gw2):abs():max())
    end
  end)

  it("takes strided inputs", function()
    tide.manual_seed(5)
    local x = tide.randn(2, 3, 6, 5)
    local w = tide.randn(4, 3, 3, 3)
    local xt = x:transpose(3, 4):contiguous():transpose(3, 4) -- same values, non-contiguous
    assert.is_false(xt:is_contiguous())
    local a, b = F.conv2d(x, w, nil, { padding = 1 }), F.conv2d(xt, w, nil, { padding = 1 })
    assert.equals(0, (a - b):abs():max())
  end)

  it("rejects bad calls with messages naming conv2d", function()
    local x, w = tide.randn(2, 3, 5, 5), tide.randn(4, 3, 3, 3)
    H.assert_error(function() F.conv2d(x, tide.randn(4, 1, 3, 3)) end, "conv2d: input has 3 channels, weight expects 1")
    H.assert_error(function() F.conv2d(tide.randn(3, 5, 5), w) end, "conv2d: input must be 4-d [N, C, H, W], got 3-d")
    H.assert_error(function() F.conv2d(x, tide.randn(4, 3, 3)) end, "conv2d: weight must be 4-d")
    H.assert_error(function() F.conv2d(x, w, nil, { padding = 0, dilation = 3 }) end,
      "conv2d: output size would be 0 x 0")
    H.assert_error(function() F.conv2d(x, w, tide.randn(3)) end, "conv2d: bias must have shape {4}")
    H.assert_error(function() F.conv2d(x, w:to("float64")) end, "conv2d: input is float32 but weight is float64")
    H.assert_error(function() F.conv2d(x:to("int32"), w) end, "conv2d: input must be float32 or float64, got int32")
    H.assert_error(function() F.conv2d(x, w, nil, { stride = 0 }) end, "conv2d: stride must be integers >= 1")
    H.assert_error(function() F.conv2d(x, w, nil, { padding = -1 }) end, "conv2d: padding must be integers >= 0")
    H.assert_error(function() F.conv2d(x, w, nil, { padding = { 1, 2, 3 } }) end,
      "conv2d: padding must be a number or a {h, w} pair, got a table of 3 values")
    H.assert_error(function() F.conv2d(x, w, nil, { groups = 2 }) end, "conv2d: groups (2) must divide")
    H.assert_error(function() F.conv2d(x, w, nil, { strides = 2 }) end, "conv2d: unknown option strides")
    H.assert_error(function() F.conv2d(x, w, nil, { padding = "same", stride = 2 }) end,
      "conv2d: padding \"same\" needs stride 1")
    H.assert_error(function() F.conv2d(x, tide.randn(4, 3, 2, 2), nil, { padding = "same" }) end,
      "even (dilated) kernel")
    H.assert_error(function() F.conv2d(x, "w") end, "conv2d: weight must be a tensor, got string")
    H.assert_error(function() F.conv2d(x, w, nil, 3) end, "conv2d: options must be a table, got number")
    -- the error points at the caller's line
    local ok, err = pcall(function() F.conv2d(x, tide.randn(4, 1, 3, 3)) end)
    assert.is_false(ok)
    assert.truthy(err:find("nn_conv_spec.lua:%d+: conv2d:"))
  end)
end)

describe("conv_transpose2d", function()
  local list = names("ct_")
  it("matches PyTorch: output and gradients (" .. #list .. " cases)", function()
    for _, name in ipairs(list) do run_fixture(name) end
  end)

  it("passes float64 gradchecks", function()
    tide.manual_seed(12)
    local cases = {
      { { 2, 3, 3, 4 }, { 3, 2, 3, 3 }, { stride = 2, padding = 1, output_padding = 1 } },
      { { 1, 4, 3, 3 }, { 4, 1, 2, 3 }, { stride = { 1, 2 }, dilation = { 2, 1 }, groups = 2 } },
    }
    for _, c in ipairs(cases) do
      local x = tide.randn(c[1], "float64"):requires_grad_()
      local w = tide.randn(c[2], "float64"):requires_grad_()
      local b = tide.randn(c[2][2] * (c[3].groups or 1), "float64"):requires_grad_()
      assert.is_true(tide.autograd.gradcheck(function(a, ww, bb) return F.conv_transpose2d(a, ww, bb, c[3]) end,
        { x, w, b }))
    end
  end)

  it("is the input gradient of conv2d", function()
    tide.manual_seed(13)
    local x = tide.randn(2, 3, 7, 6, "float64"):requires_grad_()
    local w = tide.randn(4, 3, 3, 3, "float64")
    local y = F.conv2d(x, w, nil, { stride = 2, padding = 1 })
    local g = tide.randn(y.shape, "float64")
    y:backward(g)
    local gx = F.conv_transpose2d(g, w, nil, { stride = 2, padding = 1, output_padding = { 0, 1 } })
    assert.same(x.shape, gx.shape)
    assert.is_true((gx - x.grad):abs():max() < 1e-10)
  end)

  it("rejects bad calls with messages naming conv_transpose2d", function()
    local x = tide.randn(2, 3, 4, 4)
    H.assert_error(function() F.conv_transpose2d(x, tide.randn(2, 4, 3, 3)) end,
      "conv_transpose2d: input has 3 channels, weight expects 2")
    H.assert_error(function() F.conv_transpose2d(x, tide.randn(3, 4, 3, 3), nil, { output_padding = 1 }) end,
      "conv_transpose2d: output_padding (1) must be smaller than stride (1) or dilation (1)")
    H.assert_error(function() F.conv_transpose2d(x, tide.randn(3, 4, 3, 3), nil, { padding = "same" }) end,
      "conv_transpose2d: padding must be a number")
    H.assert_error(function() F.conv_transpose2d(x, tide.randn(3, 4, 3, 3), tide.randn(3)) end,
      "conv_transpose2d: bias must have shape {4}")
  end)
end)

describe("conv1d", function()
  local list = names("c1_")
  it("matches PyTorch: output and gradients (" .. #list .. " cases)", function()
    for _, name in ipairs(list) do run_fixture(name) end
  end)

  it("passes float64 gradchecks", function()
    tide.manual_seed(14)
    local x = tide.randn(2, 4, 9, "float64"):requires_grad_()
    local w = tide.randn(6, 2, 3, "float64"):requires_grad_()
    local b = tide.randn(6, "float64"):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(a, ww, bb)
      return F.conv1d(a, ww, bb, { stride = 2, padding = 2, dilation = 2, groups = 2 })
    end, { x, w, b }))
  end)

  it("rejects bad calls with messages naming conv1d", function()
    local x = tide.randn(2, 3, 5)
    H.assert_error(function() F.conv1d(x, tide.randn(4, 2, 3)) end, "conv1d: input has 3 channels, weight expects 2")
    H.assert_error(function() F.conv1d(tide.randn(2, 3, 5, 5), tide.randn(4, 3, 3)) end,
      "conv1d: input must be 3-d [N, C, L], got 4-d")
    H.assert_error(function() F.conv1d(x, tide.randn(4, 3, 7)) end, "conv1d: output length would be 0")
    H.assert_error(function() F.conv1d(x, tide.randn(4, 3, 3), nil, { stride = { 1, 2 } }) end,
      "conv1d: stride must be a number")
  end)
end)

describe("tide.nn.functional", function()
  it("exposes conv1d, conv2d and conv_transpose2d", function()
    local NF = require("tide.nn.functional")
    assert.equals(F.conv1d, NF.conv1d)
    assert.equals(F.conv2d, NF.conv2d)
    assert.equals(F.conv_transpose2d, NF.conv_transpose2d)
  end)
end)
