-- Losses over core/loss.c and core/loss_pointwise.c; each forward and backward is one fused C
-- kernel (cross_entropy computes log_softmax and nll in one pass and keeps only the per-sample
-- log-sum-exp for backward). Options use PyTorch's names; reduction is "mean" (default), "sum"
-- or "none".
--   F.cross_entropy(input [N, C, d...] or [C], target, {weight =, ignore_index = -100,
--                   reduction =, label_smoothing = 0})
--     target: int64 class ids counting from 1, shape [N, d...] (or 0-d for a [C] input), or
--     class probabilities of the input's shape and dtype.
--   F.nll_loss(logp [N, C, d...] or [C], target ids, {weight =, ignore_index = -100, reduction =})
--   F.mse_loss(x, y, {reduction =})   F.l1_loss(x, y, {reduction =})
--   F.huber_loss(x, y, {delta = 1, reduction =})   F.smooth_l1_loss(x, y, {beta = 1, reduction =})
--     (x and y broadcast together, as in PyTorch)
--   F.binary_cross_entropy(p, y, {weight =, reduction =})             p, y of one shape
--   F.binary_cross_entropy_with_logits(x, y, {weight =, pos_weight =, reduction =})
--     (weight and pos_weight broadcast to the input's shape)
-- Gradients flow to the input and, where the loss is differentiable in it, the target
-- (float targets); class weights, weight and pos_weight are constants.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local wrap, raise, raise_c = core.wrap, core.raise, core.raise_c
local needs, record = autograd.needs, autograd.record
local U = require("tide.nn.functional.util")
local check_tensor, number, new, new_like, grad_buffers, result, tc =
  U.check_tensor, U.number, U.new, U.new_like, U.grad_buffers, U.result, U.tc
local getmetatable, type, tostring, pairs = getmetatable, type, tostring, pairs
local format, concat = string.format, table.concat
local ffi = core.ffi

local REDUCTION = { none = 0, mean = 1, sum = 2 }

-- The options table (a reduction string alone is accepted too), checked against known names.
local function options(op, opts, known)
  if opts == nil then return {} end
  if type(opts) == "string" then return { reduction = opts } end
  if type(opts) ~= "table" or getmetatable(opts) == Tensor then
    raise(format("%s: options must be a table, got %s", op, type(opts)))
  end
  for k in pairs(opts) do
    if not known[k] then raise(format("%s: unknown option '%s'", op, tostring(k))) end
  end
  return opts
end

local function reduction_of(op, opts)
  local r = opts.reduction
  if r == nil then return 1 end
  local id = REDUCTION[r]
  if id == nil then
    raise(format("%s: reduction must be \"mean\", \"sum\" or \"none\", got %s", op, tostring(r)))
  end
  return id
end

local shape_buf = ffi.new("int64_t[8]")

-- t reshaped (a view when possible) without recording anything: sizes given as numbers.
local function reshaped(t, ...)
  local n = select("#", ...)
  for i = 1, n do shape_buf[i - 1] = select(i, ...) end
  return wrap(C.tide_reshape(t._c, n, shape_buf), t)
end

local F = {}

-- ---------------------------------------------------------------- classification

local CE_OPTS = { weight = true, ignore_index = true, reduction = true, label_smoothing = true }
local NLL_OPTS = { weight = true, ignore_index = true, reduction = true }

local function classification(op, nll, input, target, opts)
  check_tensor(op, input, "input")
  check_tensor(op, target, "target")
  opts = options(op, opts, nll and NLL_OPTS or CE_OPTS)
  local weight = opts.weight
  check_tensor(op, weight, "weight", true)
  local red = reduction_of(op, opts)
  local ignore = number(op, "ignore_index", opts.ignore_index, -100)
  if ignore ~= math.floor(ignore) then raise(format("%s: ignore_index must be an integer, got %s", op, ignore)) end
  local eps = nll and 0 or number(op, "label_smoothing", opts.label_smoothing, 0)
  if not (eps >= 0 and eps <= 1) then raise(format("%s: label_smoothing must be in [0, 1], got %s", op, eps)) end

  -- an unbatched [C] input is one sample: seen as [1, C]
  local x, t = input, target
  local ic = input._c
  local soft = target.dtype == "float32" or target.dtype == "float64"
  local unbatched = ic.ndim == 1
  if unbatched then
    x = reshaped(input, 1, tonumber(ic.shape[0]))
    if soft then
      if target._c.ndim ~= 1 then
        raise(format("%s: a probability target for a [C] input must be [C], got shape {%s}", op,
          concat(target.shape, ", ")))
      end
      t = reshaped(target, 1, tonumber(target._c.shape[0]))
    else
      if target._c.ndim ~= 0 then
        raise(format("%s: the target of a [C] input is a 0-d class id, got shape {%s}", op,
          concat(target.shape, ", ")))
      end
      t = reshaped(target, 1)
    end
  elseif ic.ndim == 0 then
    raise(op .. ": input must be [N, C, ...] or [C], got a 0-d tensor")
  end

  local record_it = needs(input, soft and target or nil)
  local lse
  if record_it and not nll then
    local P = tonumber(x._c.numel) / math.max(1, tonumber(x._c.shape[1]))
    shape_buf[0] = P
    lse = new(1, shape_buf, ic.dtype)
  end
  local out
  if nll then
    out = result(C.tide_nll_loss_forward, x._c, t._c, tc(weight), nil, ignore, red, 1)
  else
    out = result(C.tide_cross_entropy_forward, x._c, t._c, tc(weight), nil, tc(lse), ignore, eps, red, 1)
  end
  if unbatched and red == 0 then out = reshaped(out) end
  if record_it then
    record(op, out, { input, target }, function(g, nd)
      local gx = nd[1] and new_like(x) or nil
      local gt = nd[2] and soft and new_like(t) or nil
      local gg = g
      if unbatched and red == 0 then gg = reshaped(g, 1) end
      local st
      if nll then
        st = C.tide_nll_loss_backward(gg._c, x._c, t._c, tc(weight), tc(gx), ignore, red, 1, 0)
      else
        st = C.tide_cross_entropy_backward(gg._c, x._c, t._c, tc(weight), tc(lse), tc(gx), tc(gt), ignore, eps, red,
          1, 0)
      end
      if st ~= 0 then raise_c() end
      if unbatched then
        if gx then gx = reshaped(gx, tonumber(ic.shape[0])) end
        if gt then gt = reshaped(gt, tonumber(ic.shape[0])) end
      end
      return gx, gt
    end)
  end
  return out
end

function F.cross_entropy(input, target, opts) return classification("cross_entropy", false, input, target, opts) end
function F.nll_loss(input, target, opts) return classification("nll_loss", true, input, target, opts) end

-- ---------------------------------------------------------------- elementwise

-- The broadcast shape of a and b (tables), or nil when they do not broadcast.
local function broadcast_shape(a, b)
  local n = math.max(#a, #b)
  local out = {}
  for i = 1, n do
    local x, y = a[#a - n + i] or 1, b[#b - n + i] or 1
    if x ~= y and x ~= 1 and y ~= 1 then return nil end
    out[i] = x == 1 and y or x
  end
  return out
end

local function same(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

-- t expanded (a stride-0 view, nothing recorded) to shape
local function expanded(t, shape)
  for i = 1, #shape do shape_buf[i - 1] = shape[i] end
  return wrap(C.tide_expand(t._c, #shape, shape_buf), t)
end

-- `what` (weight, pos_weight) broadcast to the input's shape
local function weight_like(op, what, w, x)
  if w == nil then return nil end
  check_tensor(op, w, what, true)
  local xs, ws = x.shape, w.shape
  if same(xs, ws) then return w end
  local b = broadcast_shape(xs, ws)
  if b == nil or not same(b, xs) then
    raise(format("%s: %s of shape {%s} does not broadcast to the input's shape {%s}", op, what, concat(ws, ", "),
      concat(xs, ", ")))
  end
  return expanded(w, xs)
end

-- A loss over elementwise kernels fwd(x, y, [w, pw,] out, [param,] reduction) and bwd.
-- spec: { known options, param = option name or nil, default, broadcast = true/false,
--         weights = 0 (none), 1 (weight), 2 (weight and pos_weight), check = param validator }
local function pointwise(op, fwd, bwd, spec)
  return function(input, target, opts)
    check_tensor(op, input, "input")
    check_tensor(op, target, "target")
    opts = options(op, opts, spec.known)
    local red = reduction_of(op, opts)
    local param
    if spec.param then
      param = number(op, spec.param, opts[spec.param], spec.default)
      spec.check(op, param)
    end
    local x, y = input, target
    local xs, ys = input.shape, target.shape
    if not same(xs, ys) then
      if not spec.broadcast then
        raise(format("%s: target has shape {%s}, the input {%s}; they must be the same", op, concat(ys, ", "),
          concat(xs, ", ")))
      end
      local b = broadcast_shape(xs, ys)
      if b == nil then
        raise(format("%s: the input's shape {%s} and the target's {%s} do not broadcast", op, concat(xs, ", "),
          concat(ys, ", ")))
      end
      x, y = expanded(input, b), expanded(target, b)
    end
    local w = spec.weights >= 1 and weight_like(op, "weight", opts.weight, x) or nil
    local pw = spec.weights >= 2 and weight_like(op, "pos_weight", opts.pos_weight, x) or nil
    local out
    if spec.weights == 2 then
      out = result(fwd, x._c, y._c, tc(w), tc(pw), nil, red)
    elseif spec.weights == 1 then
      out = result(fwd, x._c, y._c, tc(w), nil, red)
    elseif param then
      out = result(fwd, x._c, y._c, nil, param, red)
    else
      out = result(fwd, x._c, y._c, nil, red)
    end
    if needs(input, target) then
      record(op, out, { input, target }, function(g, nd)
        local gx, gy = grad_buffers(nd, x, y)
        local st
        if spec.weights == 2 then
          st = bwd(g._c, x._c, y._c, tc(w), tc(pw), tc(gx), tc(gy), red, 0)
        elseif spec.weights == 1 then
          st = bwd(g._c, x._c, y._c, tc(w), tc(gx), tc(gy), red, 0)
        elseif param then
          st = bwd(g._c, x._c, y._c, tc(gx), tc(gy), param, red, 0)
        else
          st = bwd(g._c, x._c, y._c, tc(gx), tc(gy), red, 0)
        end
        if st ~= 0 then raise_c() end
        return gx, gy -- of the broadcast shape: autograd sums them down to each operand's
      end)
    end
    return out
  end
end

local function positive(name)
  return function(op, v)
    if not (v > 0 and v < math.huge) then raise(format("%s: %s must be a positive number, got %s", op, name, v)) end
  end
end

F.mse_loss = pointwise("mse_loss", C.tide_mse_loss_forward, C.tide_mse_loss_backward,
  { known = { reduction = true }, broadcast = true, weights = 0 })
F.l1_loss = pointwise("l1_loss", C.tide_l1_loss_forward, C.tide_l1_loss_backward,
  { known = { reduction = true }, broadcast = true, weights = 0 })
F.huber_loss = pointwise("huber_loss", C.tide_huber_loss_forward, C.tide_huber_loss_backward,
  { known = { reduction = true, delta = true }, broadcast = true, weights = 0, param = "delta", default = 1,
    check = positive("delta") })
F.smooth_l1_loss = pointwise("smooth_l1_loss", C.tide_smooth_l1_loss_forward, C.tide_smooth_l1_loss_backward,
  { known = { reduction = true, beta = true }, broadcast = true, weights = 0, param = "beta", default = 1,
    check = function(op, v)
      if not (v >= 0 and v < math.huge) then raise(format("%s: beta must be >= 0, got %s", op, v)) end
    end })
F.binary_cross_entropy = pointwise("binary_cross_entropy", C.tide_binary_cross_entropy_forward,
  C.tide_binary_cross_entropy_backward, { known = { reduction = true, weight = true }, broadcast = false, weights = 1 })
F.binary_cross_entropy_with_logits = pointwise("binary_cross_entropy_with_logits",
  C.tide_binary_cross_entropy_with_logits_forward, C.tide_binary_cross_entropy_with_logits_backward,
  { known = { reduction = true, weight = true, pos_weight = true }, broadcast = false, weights = 2 })

return F
