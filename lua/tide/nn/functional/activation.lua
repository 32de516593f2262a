-- Activations and dropout over core/activation.c: each forward and each backward is one fused C
-- pass (F.relu's backward reads the saved output: g * (y > 0); no mask or temporary).
--   F.relu(x)  F.leaky_relu(x, negative_slope = 0.01)  F.elu(x, alpha = 1)
--   F.gelu(x, {approximate = "none" | "tanh"})  F.sigmoid(x)  F.tanh(x)
--   F.softmax(x, dim)  F.log_softmax(x, dim)        (dim 1-based; negative counts from the end)
--   F.dropout(x, p = 0.5, training = true)          (mask from tide.manual_seed's generator)
-- Inputs are float32 or float64 tensors of any shape and layout; results are new contiguous
-- tensors recorded for autograd when an input requires grad.
local core = require("tide._core")
local C = core.C
local raise = core.raise
local U = require("tide.nn.functional.util")
local check_tensor, number_arg, new_like, result, recorded = U.check_tensor, U.number, U.new_like, U.result, U.recorded
local type, tostring = type, tostring
local format = string.format

local BOOL = 5 -- TIDE_BOOL

local F = {}

-- ---------------------------------------------------------------- pointwise

-- f(x) for a forward kernel taking (x, out); backward from the saved output y.
local function from_output(name, fwd, bwd)
  return function(x)
    check_tensor(name, x, "input")
    local y = result(fwd, x._c, nil)
    return recorded(name, x, y, function(g, gx) return bwd(g._c, y._c, gx._c, 0) end)
  end
end

F.relu = from_output("relu", C.tide_relu_forward, C.tide_relu_backward)
F.sigmoid = from_output("sigmoid", C.tide_sigmoid_forward, C.tide_sigmoid_backward)
F.tanh = from_output("tanh", C.tide_tanh_forward, C.tide_tanh_backward)

function F.leaky_relu(x, negative_slope)
  check_tensor("leaky_relu", x, "input")
  if type(negative_slope) == "table" then negative_slope = negative_slope.negative_slope end
  local slope = number_arg("leaky_relu", "negative_slope", negative_slope, 0.01)
  local y = result(C.tide_leaky_relu_forward, x._c, nil, slope)
  return recorded("leaky_relu", x, y, function(g, gx)
    return C.tide_leaky_relu_backward(g._c, x._c, gx._c, slope, 0)
  end)
end

function F.elu(x, alpha)
  check_tensor("elu", x, "input")
  if type(alpha) == "table" then alpha = alpha.alpha end
  alpha = number_arg("elu", "alpha", alpha, 1)
  local y = result(C.tide_elu_forward, x._c, nil, alpha)
  return recorded("elu", x, y, function(g, gx) return C.tide_elu_backward(g._c, x._c, y._c, gx._c, alpha, 0) end)
end

-- F.gelu(x, {approximate = "none"}) — also F.gelu(x, "tanh")
function F.gelu(x, opts)
  check_tensor("gelu", x, "input")
  local approximate = opts
  if type(opts) == "table" then approximate = opts.approximate end
  if approximate == nil then approximate = "none" end
  if approximate ~= "none" and approximate ~= "tanh" then
    raise(format("gelu: approximate must be \"none\" or \"tanh\", got %s", tostring(approximate)))
  end
  local mode = approximate == "tanh" and 1 or 0
  local y = result(C.tide_gelu_forward, x._c, nil, mode)
  return recorded("gelu", x, y, function(g, gx) return C.tide_gelu_backward(g._c, x._c, gx._c, mode, 0) end)
end

-- ---------------------------------------------------------------- softmax

-- The 0-based C dim for a 1-based (or negative) Lua dim; a 0-d tensor has the one dim 1 / -1.
local function softmax_dim(op, x, dim)
  if dim == nil then raise(op .. ": dim is required (the dim to normalise over, e.g. -1)") end
  if type(dim) ~= "number" or dim ~= math.floor(dim) then
    raise(format("%s: dim must be an integer, got %s", op, tostring(dim)))
  end
  local nd = x._c.ndim
  local n = nd > 0 and nd or 1
  local d = dim < 0 and n + dim + 1 or dim
  if d < 1 or d > n then raise(format("%s: dim %d out of range for a tensor with %d dims", op, dim, nd)) end
  return d - 1
end

local function softmax_like(name, fwd, bwd)
  return function(x, dim)
    check_tensor(name, x, "input")
    local d = softmax_dim(name, x, dim)
    local y = result(fwd, x._c, nil, d)
    return recorded(name, x, y, function(g, gx) return bwd(g._c, y._c, gx._c, d, 0) end)
  end
end

F.softmax = softmax_like("softmax", C.tide_softmax_forward, C.tide_softmax_backward)
F.log_softmax = softmax_like("log_softmax", C.tide_log_softmax_forward, C.tide_log_softmax_backward)

-- ---------------------------------------------------------------- dropout

-- F.dropout(x, p = 0.5, training = true): in training, each element is zeroed with probability p
-- (draws from the generator tide.manual_seed sets) and the rest scaled by 1 / (1 - p). In
-- evaluation, or with p = 0, x itself is returned (as PyTorch does); p = 1 zeroes everything.
function F.dropout(x, p, training)
  check_tensor("dropout", x, "input")
  if type(p) == "table" then p, training = p.p, p.training end
  if p == nil then p = 0.5 end
  if type(p) ~= "number" or not (p >= 0 and p <= 1) then
    raise(format("dropout: probability has to be between 0 and 1, but got %s", tostring(p)))
  end
  if training == nil then training = true end
  if not training or p == 0 then return x end
  local mask = new_like(x, BOOL)
  local y = result(C.tide_dropout_forward, x._c, nil, mask._c, p)
  return recorded("dropout", x, y, function(g, gx) return C.tide_dropout_backward(g._c, mask._c, gx._c, p, 0) end)
end

return F
