-- tide.nn.init: in-place parameter initialisers with PyTorch's names, fan computation and gains.
-- Every function fills its tensor under no_grad (parameters require grad) and returns it. The
-- random draws come from Tide's generator (tide.manual_seed), so the values are reproducible
-- in Tide but differ from PyTorch's; their distributions are the same.
--
--   fan_in  = size(2) * receptive field,  fan_out = size(1) * receptive field
--   (receptive field = product of the sizes after the second: kh * kw for a conv weight)
local core = require("tide._core")
local Tensor = core.Tensor
local raise = core.raise
local format, sqrt = string.format, math.sqrt

local T = require("tide.nn.module").util.tide

local init = {}

local function check_tensor(op, t)
  if getmetatable(t) ~= Tensor then raise(format("init.%s: expected a tensor, got %s", op, type(t))) end
  local d = t.dtype
  if d ~= "float32" and d ~= "float64" then
    raise(format("init.%s: expected a float32 or float64 tensor, got %s", op, d))
  end
end

local function check_number(op, name, v)
  if type(v) ~= "number" or v ~= v then
    raise(format("init.%s: %s must be a number, got %s", op, name, tostring(v)))
  end
end

-- The recommended gain for a nonlinearity (PyTorch's calculate_gain).
function init.calculate_gain(nonlinearity, param)
  local n = nonlinearity
  if n == "linear" or n == "conv1d" or n == "conv2d" or n == "conv3d" or n == "conv_transpose1d"
    or n == "conv_transpose2d" or n == "conv_transpose3d" or n == "sigmoid" then
    return 1
  elseif n == "tanh" then
    return 5 / 3
  elseif n == "relu" then
    return sqrt(2)
  elseif n == "leaky_relu" then
    local slope = param
    if slope == nil then slope = 0.01 end
    if type(slope) ~= "number" then
      raise("init.calculate_gain: negative_slope " .. tostring(param) .. " is not a valid number")
    end
    return sqrt(2 / (1 + slope * slope))
  elseif n == "selu" then
    return 3 / 4
  end
  raise("init.calculate_gain: unsupported nonlinearity " .. tostring(n) ..
    " (linear, conv1d, conv2d, conv3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu)")
end

-- fan_in, fan_out of a weight with at least 2 dims.
function init.calculate_fan_in_and_fan_out(t, op)
  op = op or "calculate_fan_in_and_fan_out"
  if getmetatable(t) ~= Tensor then raise(format("init.%s: expected a tensor, got %s", op, type(t))) end
  local s = t.shape
  if #s < 2 then
    raise(format("init.%s: fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape {%s})",
      op, table.concat(s, ", ")))
  end
  local receptive = 1
  for i = 3, #s do receptive = receptive * s[i] end
  return s[2] * receptive, s[1] * receptive
end

local function fan(t, mode, op)
  local fin, fout = init.calculate_fan_in_and_fan_out(t, op)
  if mode == nil or mode == "fan_in" then return fin end
  if mode == "fan_out" then return fout end
  raise(format("init.%s: mode must be \"fan_in\" or \"fan_out\", got %s", op, tostring(mode)))
end

local function fill_uniform(t, a, b)
  T().no_grad(function() t:uniform_(a, b) end)
  return t
end

local function fill_normal(t, mean, std)
  T().no_grad(function() t:normal_(mean, std) end)
  return t
end

-- uniform_(t, a=0, b=1): values drawn from U(a, b).
function init.uniform_(t, a, b)
  check_tensor("uniform_", t)
  a, b = a or 0, b or 1
  check_number("uniform_", "a", a)
  check_number("uniform_", "b", b)
  if a > b then raise(format("init.uniform_: a (%g) must not exceed b (%g)", a, b)) end
  return fill_uniform(t, a, b)
end

-- normal_(t, mean=0, std=1)
function init.normal_(t, mean, std)
  check_tensor("normal_", t)
  mean, std = mean or 0, std or 1
  check_number("normal_", "mean", mean)
  check_number("normal_", "std", std)
  if std < 0 then raise(format("init.normal_: std must be non-negative, got %g", std)) end
  return fill_normal(t, mean, std)
end

function init.constant_(t, v)
  check_tensor("constant_", t)
  check_number("constant_", "value", v)
  T().no_grad(function() t:fill_(v) end)
  return t
end

function init.zeros_(t)
  check_tensor("zeros_", t)
  T().no_grad(function() t:fill_(0) end)
  return t
end

function init.ones_(t)
  check_tensor("ones_", t)
  T().no_grad(function() t:fill_(1) end)
  return t
end

-- Options as PyTorch's keyword arguments, given positionally or as one table:
-- kaiming_uniform_(t, a, mode, nonlinearity) == kaiming_uniform_(t, {a=, mode=, nonlinearity=})
local function kaiming_args(op, t, a, mode, nonlinearity)
  check_tensor(op, t)
  if type(a) == "table" then a, mode, nonlinearity = a.a, a.mode, a.nonlinearity end
  a = a or 0
  check_number(op, "a", a)
  nonlinearity = nonlinearity or "leaky_relu"
  local f = fan(t, mode, op)
  local gain = init.calculate_gain(nonlinearity, a)
  return f, gain
end

-- kaiming_uniform_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
-- U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al. 2015).
function init.kaiming_uniform_(t, a, mode, nonlinearity)
  local f, gain = kaiming_args("kaiming_uniform_", t, a, mode, nonlinearity)
  if t:numel() == 0 then return t end
  local bound = sqrt(3) * gain / sqrt(f)
  return fill_uniform(t, -bound, bound)
end

-- kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"): N(0, (gain / sqrt(fan))^2)
function init.kaiming_normal_(t, a, mode, nonlinearity)
  local f, gain = kaiming_args("kaiming_normal_", t, a, mode, nonlinearity)
  if t:numel() == 0 then return t end
  return fill_normal(t, 0, gain / sqrt(f))
end

local function xavier_std(op, t, gain)
  check_tensor(op, t)
  if type(gain) == "table" then gain = gain.gain end
  gain = gain or 1
  check_number(op, "gain", gain)
  local fin, fout = init.calculate_fan_in_and_fan_out(t, op)
  return gain * sqrt(2 / (fin + fout))
end

-- xavier_uniform_(t, gain=1): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot 2010).
function init.xavier_uniform_(t, gain)
  local std = xavier_std("xavier_uniform_", t, gain)
  if t:numel() == 0 then return t end
  local a = sqrt(3) * std
  return fill_uniform(t, -a, a)
end

-- xavier_normal_(t, gain=1): N(0, gain^2 * 2 / (fan_in + fan_out))
function init.xavier_normal_(t, gain)
  local std = xavier_std("xavier_normal_", t, gain)
  if t:numel() == 0 then return t end
  return fill_normal(t, 0, std)
end

return init
