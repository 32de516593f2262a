-- Activations and dropout over core/activation.c: each forward and each backward is one fused C
-- pass (F.relu's backward reads the saved output: g * (y > 0); no mask or temporary).
--   F.relu(x)  F.leaky_relu(x, negative_slope = 0.01)  F.elu(x, alpha = 1)
--   F.gelu(x, {approximate = "none" | "tanh"})  F.sigmoid(x)  F.tanh(x)
--   F.softmax(x, dim)  F.log_softmax(x, dim)        (dim 1-based; negative counts from the end)
--   F.dropout(x, p = 0.5, training = true)          (mask from tide.manual_seed's generator)
-- Inputs are float32 or float64 tensors of any shape and layout; results are new contiguous
-- tensors recorded for autograd when an input requires grad.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local needs, record = autograd.needs, autograd.record
local getmetatable, type, tostring = getmetatable, type, tostring
local format = string.format

local BOOL = 5 -- TIDE_BOOL

local function check_input(op, x)
  if getmetatable(x) ~= Tensor then raise(format("%s: input must be a tensor, got %s", op, type(x))) end
end

-- A new uninitialised tensor shaped like t (dtype of t unless given): a gradient buffer.
local function new_like(t, dtype)
  local c = t._c
  local s = slot()
  return wrap(retry(C.tide_tensor_empty, c.ndim, c.shape, dtype or c.dtype), nil, s)
end

local F = {}

-- ---------------------------------------------------------------- pointwise

-- f(x) for a forward kernel taking (x, out); backward from the saved output y.
local function from_output(name, fwd, bwd)
  return function(x)
    check_input(name, x)
    local s = slot()
    local y = wrap(retry(fwd, x._c, nil), nil, s)
    if needs(x) then
      record(name, y, { x }, function(g)
        local gx = new_like(g)
        if bwd(g._c, y._c, gx._c, 0) ~= 0 then raise_c() end
        return gx
      end)
    end
    return y
  end
end

F.relu = from_output("relu", C.tide_relu_forward, C.tide_relu_backward)
F.sigmoid = from_output("sigmoid", C.tide_sigmoid_forward, C.tide_sigmoid_backward)
F.tanh = from_output("tanh", C.tide_tanh_forward, C.tide_tanh_backward)

local function number_arg(op, name, v, default)
  if v == nil then return default end
  if type(v) ~= "number" then raise(format("%s: %s must be a number, got %s", op, name, type(v))) end
  return v
end

function F.leaky_relu(x, negative_slope)
  check_input("leaky_relu", x)
  if type(negative_slope) == "table" then negative_slope = negative_slope.negative_slope end
  local slope = number_arg("leaky_relu", "negative_slope", negative_slope, 0.01)
  local s = slot()
  local y = wrap(retry(C.tide_leaky_relu_forward, x._c, nil, slope), nil, s)
  if needs(x) then
    record("leaky_relu", y, { x }, function(g)
      local gx = new_like(g)
      if C.tide_leaky_relu_backward(g._c, x._c, gx._c, slope, 0) ~= 0 then raise_c() end
      return gx
    end)
  end
  return y
end

function F.elu(x, alpha)
  check_input("elu", x)
  if type(alpha) == "table" then alpha = alpha.alpha end
  alpha = number_arg("elu", "alpha", alpha, 1)
  local s = slot()
  local y = wrap(retry(C.tide_elu_forward, x._c, nil, alpha), nil, s)
  if needs(x) then
    record("elu", y, { x }, function(g)
      local gx = new_like(g)
      if C.tide_elu_backward(g._c, x._c, y._c, gx._c, alpha, 0) ~= 0 then raise_c() end
      return gx
    end)
  end
  return y
end

-- F.gelu(x, {approximate = "none"}) — also F.gelu(x, "tanh")
function F.gelu(x, opts)
  check_input("gelu", x)
  local approximate = opts
  if type(opts) == "table" then approximate = opts.approximate end
  if approximate == nil then approximate = "none" end
  if approximate ~= "none" and approximate ~= "tanh" then
    raise(format("gelu: approximate must be \"none\" or \"tanh\", got %s", tostring(approximate)))
  end
  local mode = approximate == "tanh" and 1 or 0
  local s = slot()
  local y = wrap(retry(C.tide_gelu_forward, x._c, nil, mode), nil, s)
  if needs(x) then
    record("gelu", y, { x }, function(g)
      local gx = new_like(g)
      if C.tide_gelu_backward(g._c, x._c, gx._c, mode, 0) ~= 0 then raise_c() end
      return gx
    end)
  end
  return y
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
    check_input(name, x)
    local d = softmax_dim(name, x, dim)
    local s = slot()
    local y = wrap(retry(fwd, x._c, nil, d), nil, s)
    if needs(x) then
      record(name, y, { x }, function(g)
        local gx = new_like(g)
        if bwd(g._c, y._c, gx._c, d, 0) ~= 0 then raise_c() end
        return gx
      end)
    end
    return y
  end
end

F.softmax = softmax_like("softmax", C.tide_softmax_forward, C.tide_softmax_backward)
F.log_softmax = softmax_like("log_softmax", C.tide_log_softmax_forward, C.tide_log_softmax_backward)

-- ---------------------------------------------------------------- dropout

-- F.dropout(x, p = 0.5, training = true): in training, each element is zeroed with probability p
-- (draws from the generator tide.manual_seed sets) and the rest scaled by 1 / (1 - p). In
-- evaluation, or with p = 0, x itself is returned (as PyTorch does); p = 1 zeroes everything.
function F.dropout(x, p, training)
  check_input("dropout", x)
  if type(p) == "table" then p, training = p.p, p.training end
  if p == nil then p = 0.5 end
  if type(p) ~= "number" or not (p >= 0 and p <= 1) then
    raise(format("dropout: probability has to be between 0 and 1, but got %s", tostring(p)))
  end
  if training == nil then training = true end
  if not training or p == 0 then return x end
  local mask = new_like(x, BOOL)
  local s = slot()
  local y = wrap(retry(C.tide_dropout_forward, x._c, nil, mask._c, p), nil, s)
  if needs(x) then
    record("dropout", y, { x }, function(g)
      local gx = new_like(g)
      if C.tide_dropout_backward(g._c, mask._c, gx._c, p, 0) ~= 0 then raise_c() end
      return gx
    end)
  end
  return y
end

return F
