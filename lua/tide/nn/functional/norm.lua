-- Normalisation over core/norm.c (one C kernel each way; statistics in double):
--   F.batch_norm(x [N, C, ...], running_mean, running_var, weight, bias, training = false,
--                momentum = 0.1, eps = 1e-5)
--     training: normalise with the batch's statistics over N and the trailing dims, and update
--     running_mean / running_var in place (running = (1 - momentum) running + momentum stat, the
--     variance unbiased) when they are given; evaluation: normalise with the running ones.
--   F.layer_norm(x [..., *S], normalized_shape S (a number or a table), weight S, bias S,
--                eps = 1e-5)
-- weight / bias may be nil. Gradients flow to x, weight and bias (never to the running stats).
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local raise, raise_c = core.raise, core.raise_c
local needs, record = autograd.needs, autograd.record
local U = require("tide.nn.functional.util")
local check_tensor, new, grad_buffers, result, tc = U.check_tensor, U.new, U.grad_buffers, U.result, U.tc
local getmetatable, type, tostring = getmetatable, type, tostring
local format, concat = string.format, table.concat
local ffi = core.ffi

local F = {}

-- Record y = f(x, weight, bias): the backward fills new gradient buffers for the inputs that need
-- them with bwd(g, gx, gw, gb), which returns the C status.
local function record_xwb(op, y, x, weight, bias, bwd)
  record(op, y, { x, weight, bias }, function(g, nd)
    local gx, gw, gb = grad_buffers(nd, x, weight, bias)
    if bwd(g, gx, gw, gb) ~= 0 then raise_c() end
    return gx, gw, gb
  end)
end

function F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
  local op = "batch_norm"
  check_tensor(op, x, "input")
  check_tensor(op, running_mean, "running_mean", true)
  check_tensor(op, running_var, "running_var", true)
  check_tensor(op, weight, "weight", true)
  check_tensor(op, bias, "bias", true)
  if momentum == nil then momentum = 0.1 end
  if eps == nil then eps = 1e-5 end
  if type(momentum) ~= "number" then raise(op .. ": momentum must be a number, got " .. type(momentum)) end
  if type(eps) ~= "number" then raise(op .. ": eps must be a number, got " .. type(eps)) end
  local train = training and 1 or 0
  local xc = x._c
  if xc.ndim < 2 then
    raise(format("%s: input must have at least 2 dims [N, C, ...], got shape {%s}", op, concat(x.shape, ", ")))
  end
  local record_it = needs(x, weight, bias)
  local save_mean, save_invstd
  if record_it then
    local cshape = ffi.new("int64_t[1]", xc.shape[1])
    save_mean, save_invstd = new(1, cshape, xc.dtype), new(1, cshape, xc.dtype)
  end
  local y = result(C.tide_batch_norm_forward, xc, tc(weight), tc(bias), tc(running_mean), tc(running_var), nil,
    tc(save_mean), tc(save_invstd), train, momentum, eps)
  if record_it then
    record_xwb(op, y, x, weight, bias, function(g, gx, gw, gb)
      return C.tide_batch_norm_backward(g._c, x._c, tc(weight), save_mean._c, save_invstd._c, tc(gx), tc(gw), tc(gb),
        train, 0)
    end)
  end
  return y
end

-- normalized_shape: a number or a table of sizes that must equal the input's trailing dims.
local function normalized_ndim(op, x, ns)
  if type(ns) == "number" then ns = { ns } end
  if getmetatable(ns) == Tensor or type(ns) ~= "table" or #ns == 0 then
    raise(format("%s: normalized_shape must be a number or a non-empty table of sizes, got %s", op, tostring(ns)))
  end
  local xs = x.shape
  local k = #ns
  local ok = k <= #xs
  for i = 1, k do
    if type(ns[i]) ~= "number" then
      raise(format("%s: normalized_shape[%d] must be a number, got %s", op, i, type(ns[i])))
    end
    if ok and xs[#xs - k + i] ~= ns[i] then ok = false end
  end
  if not ok then
    raise(format("%s: normalized_shape {%s} does not match the trailing dims of the input's shape {%s}", op,
      concat(ns, ", "), concat(xs, ", ")))
  end
  return k
end

function F.layer_norm(x, normalized_shape, weight, bias, eps)
  local op = "layer_norm"
  check_tensor(op, x, "input")
  check_tensor(op, weight, "weight", true)
  check_tensor(op, bias, "bias", true)
  if eps == nil then eps = 1e-5 end
  if type(eps) ~= "number" then raise(op .. ": eps must be a number, got " .. type(eps)) end
  local k = normalized_ndim(op, x, normalized_shape)
  local xc = x._c
  local record_it = needs(x, weight, bias)
  local save_mean, save_rstd
  if record_it then
    local rows = ffi.new("int64_t[1]", 1)
    for i = 0, xc.ndim - k - 1 do rows[0] = rows[0] * xc.shape[i] end
    save_mean, save_rstd = new(1, rows, xc.dtype), new(1, rows, xc.dtype)
  end
  local y = result(C.tide_layer_norm_forward, xc, tc(weight), tc(bias), nil, tc(save_mean), tc(save_rstd), k, eps)
  if record_it then
    record_xwb(op, y, x, weight, bias, function(g, gx, gw, gb)
      return C.tide_layer_norm_backward(g._c, x._c, tc(weight), save_mean._c, save_rstd._c, tc(gx), tc(gw), tc(gb), k,
        0)
    end)
  end
  return y
end

return F
