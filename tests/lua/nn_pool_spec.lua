-- F.max_pool2d, F.avg_pool2d and F.adaptive_avg_pool2d: forward values, indices and gradients
-- against PyTorch (tests/gen/gen_conv.py) for stride, padding, dilation, ceil_mode,
-- count_include_pad, divisor_override, unbatched inputs; float64 gradchecks; the 2x2 fast path
-- against the general one; and bad calls.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.pool")
local ref = H.fixture("conv")

local T = H.tensor -- a fixture entry as a tensor

local function tol(dtype) return dtype == "float32" and 1e-5 or 1e-12 end

local function names(op)
  local list = {}
  for name, c in pairs(ref.pool) do
    if c.op == op then list[#list + 1] = name end
  end
  table.sort(list)
  return list
end

local function run_fixture(name)
  local c = ref.pool[name]
  local x = T(c.x, c.dtype):requires_grad_()
  local y, idx
  if c.op == "max_pool2d" then
    local opts = {}
    for k, v in pairs(c.opts) do opts[k] = v end
    opts.return_indices = true
    y, idx = F.max_pool2d(x, c.kernel, opts)
    assert.equals("int64", idx.dtype)
    H.assert_matches(idx, c.idx, nil, name .. " indices")
  elseif c.op == "avg_pool2d" then
    y = F.avg_pool2d(x, c.kernel, c.opts)
  else
    y = F.adaptive_avg_pool2d(x, c.output_size)
  end
  assert.equals(c.dtype, y.dtype)
  H.assert_matches(y:detach(), c.y, tol(c.dtype), name .. " output")
  y:backward(T(c.g, c.dtype))
  H.assert_matches(x.grad, c.gx, tol(c.dtype), name .. " grad input")
end

for _, op in ipairs({ "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d" }) do
  describe(op, function()
    local list = names(op)
    it("matches PyTorch: output" .. (op == "max_pool2d" and ", indices" or "") .. " and gradient (" .. #list ..
      " cases)", function()
      for _, name in ipairs(list) do run_fixture(name) end
    end)
  end)
end

describe("pooling gradients", function()
  it("pass float64 gradchecks", function()
    tide.manual_seed(21)
    -- distinct values so no max window has a tie (finite differences need a unique maximum)
    local x = (tide.randperm and tide.randperm(2 * 3 * 7 * 8) or tide.arange(2 * 3 * 7 * 8)):to("float64")
    x = (x * 0.37):sin():reshape(2, 3, 7, 8):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(a) return F.max_pool2d(a, 2) end, { x }))
    assert.is_true(tide.autograd.gradcheck(function(a)
      return F.max_pool2d(a, { 3, 2 }, { stride = { 2, 1 }, padding = 1, dilation = { 1, 2 }, ceil_mode = true })
    end, { x }))
    assert.is_true(tide.autograd.gradcheck(function(a)
      return F.avg_pool2d(a, 3, { stride = 2, padding = 1, count_include_pad = false, ceil_mode = true })
    end, { x }))
    assert.is_true(tide.autograd.gradcheck(function(a) return F.avg_pool2d(a, 2, { divisor_override = 3 }) end, { x }))
    assert.is_true(tide.autograd.gradcheck(function(a) return F.adaptive_avg_pool2d(a, { 3, 5 }) end, { x }))
    local u = x:detach()[1]:clone():requires_grad_() -- unbatched [C, H, W]
    assert.is_true(tide.autograd.gradcheck(function(a) return F.max_pool2d(a, 3, { stride = 2 }) end, { u }))
  end)

  it("record nothing when the input needs no gradient", function()
    local y = F.max_pool2d(tide.randn(1, 2, 4, 4), 2)
    assert.is_nil(y.grad_fn)
    local x = tide.randn(1, 2, 4, 4):requires_grad_()
    assert.is_nil(tide.no_grad(function() return F.avg_pool2d(x, 2) end).grad_fn)
  end)
end)

describe("max_pool2d", function()
  it("takes the 2x2 fast path with the same results as the general windows", function()
    tide.manual_seed(22)
    for _, shape in ipairs({ { 4, 8, 28, 28 }, { 2, 3, 14, 14 }, { 1, 2, 9, 40 } }) do
      local x = tide.randn(shape):requires_grad_()
      local y, i = F.max_pool2d(x, 2, { return_indices = true })
      -- the same windows through the general kernel (dilation 1 written as a 2x2 dilated-1 pair
      -- would take the fast path too: use a padded copy and padding 0 windows via stride 2 on 3x3 -> no;
      -- instead compare against a strided view of the maximum of the four shifted planes)
      local H2, W2 = math.floor(shape[3] / 2) * 2, math.floor(shape[4] / 2) * 2
      local xv = x:detach():narrow(3, 1, H2):narrow(4, 1, W2)
      local a = xv:slice(3, 1, H2, 2):slice(4, 1, W2, 2)
      local b = xv:slice(3, 1, H2, 2):slice(4, 2, W2, 2)
      local c = xv:slice(3, 2, H2, 2):slice(4, 1, W2, 2)
      local d = xv:slice(3, 2, H2, 2):slice(4, 2, W2, 2)
      local m = tide.maximum and tide.maximum(tide.maximum(a, b), tide.maximum(c, d)) or nil
      if m then assert.equals(0, (y:detach() - m):abs():max()) end
      -- every index points at its maximum
      local flat = x:detach():reshape(shape[1], shape[2], shape[3] * shape[4])
      local picked = flat:gather(3, i:reshape(shape[1], shape[2], -1))
      assert.equals(0, (picked:reshape(y.shape) - y:detach()):abs():max())
      -- the gradient lands on the maxima only
      y:sum():backward()
      assert.equals(y:numel(), x.grad:sum())
    end
  end)

  it("lets NaN win and keeps the first of equal values", function()
    local x = tide.tensor({ { { { 1, 0 / 0, 3, 3 }, { 2, 5, 3, -1 } } } })
    local y, i = F.max_pool2d(x, 2, { return_indices = true })
    assert.is_true(y[1][1][1][1] ~= y[1][1][1][1])
    assert.same({ 2, 3 }, { i[1][1][1][1], i[1][1][1][2] })
  end)

  it("rejects bad calls with messages naming the op", function()
    local x = tide.randn(2, 3, 5, 5)
    H.assert_error(function() F.max_pool2d(x, 6) end, "max_pool2d: output size would be 0 x 0")
    H.assert_error(function() F.max_pool2d(tide.randn(5, 5), 2) end,
      "max_pool2d: input must be 3-d [C, H, W] or 4-d [N, C, H, W], got 2-d")
    H.assert_error(function() F.max_pool2d(x, 2, { padding = 2 }) end,
      "max_pool2d: padding (2) should be at most half of the dilated kernel size (2)")
    H.assert_error(function() F.max_pool2d(x, 0) end, "max_pool2d: kernel_size must be integers >= 1, got 0")
    H.assert_error(function() F.max_pool2d(x, { 2, 2, 2 }) end, "max_pool2d: kernel_size must be a number or a {h, w} pair")
    H.assert_error(function() F.max_pool2d(x, 2, { stride = 0 }) end, "max_pool2d: stride must be integers >= 1")
    H.assert_error(function() F.max_pool2d(x:to("int64"), 2) end, "max_pool2d: input must be float32 or float64")
    H.assert_error(function() F.max_pool2d(x, 2, { pad = 1 }) end, "max_pool2d: unknown option pad")
    H.assert_error(function() F.max_pool2d("x", 2) end, "max_pool2d: input must be a tensor, got string")
    local ok, err = pcall(function() F.max_pool2d(x, 6) end)
    assert.is_false(ok)
    assert.truthy(err:find("nn_pool_spec.lua:%d+: max_pool2d:"))
  end)
end)

describe("avg_pool2d and adaptive_avg_pool2d", function()
  it("keep an unbatched input unbatched", function()
    local x = tide.randn(3, 6, 6)
    assert.same({ 3, 3, 3 }, F.avg_pool2d(x, 2).shape)
    assert.same({ 3, 2, 4 }, F.adaptive_avg_pool2d(x, { 2, 4 }).shape)
    assert.same({ 3, 2, 6 }, F.adaptive_avg_pool2d(x, { 2, nil }).shape)
  end)

  it("reject bad calls with messages naming the op", function()
    local x = tide.randn(2, 3, 5, 5)
    H.assert_error(function() F.avg_pool2d(x, 2, { dilation = 2 }) end, "avg_pool2d: unknown option dilation")
    H.assert_error(function() F.avg_pool2d(x, 2, { divisor_override = 0 }) end,
      "avg_pool2d: divisor_override must be a positive integer, got 0")
    H.assert_error(function() F.avg_pool2d(x, 3, { padding = 2 }) end,
      "avg_pool2d: padding (2) should be at most half of the kernel size (3)")
    H.assert_error(function() F.adaptive_avg_pool2d(x, 0) end, "adaptive_avg_pool2d: output_size must be integers >= 1")
    H.assert_error(function() F.adaptive_avg_pool2d(x, "big") end, "adaptive_avg_pool2d: output_size must be a number")
  end)
end)

describe("tide.nn.functional", function()
  it("exposes max_pool2d, avg_pool2d and adaptive_avg_pool2d", function()
    local NF = require("tide.nn.functional")
    assert.equals(F.max_pool2d, NF.max_pool2d)
    assert.equals(F.avg_pool2d, NF.avg_pool2d)
    assert.equals(F.adaptive_avg_pool2d, NF.adaptive_avg_pool2d)
  end)
end)
