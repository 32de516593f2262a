-- nn.Linear(in_features, out_features, {bias = true, dtype = "float32"}): y = x W^T + b over the
-- last dim of x [..., in] -> [..., out]. weight [out, in], bias [out], initialised as PyTorch:
-- kaiming_uniform_(W, a = sqrt(5)) (that is U(-1/sqrt(in), 1/sqrt(in))) and b ~ U(-1/sqrt(in), 1/sqrt(in)).
local core = require("tide._core")
local base = require("tide.nn.module")
local Module, U = base.Module, base.util
local init = require("tide.nn.initializers")
local F = require("tide.nn.functional")
local raise = core.raise
local format = string.format

local Linear = Module:extend("Linear")

function Linear:init(in_features, out_features, opts)
  opts = U.options("Linear", opts, { bias = true, dtype = "float32" })
  self.in_features = U.int("Linear", "in_features", in_features)
  self.out_features = U.int("Linear", "out_features", out_features)
  self.weight = U.param("Linear", opts.dtype, out_features, in_features)
  if opts.bias then self.bias = U.param("Linear", opts.dtype, out_features) else self:register_parameter("bias", nil) end
  self:reset_parameters()
end

function Linear:reset_parameters()
  init.kaiming_uniform_(self.weight, math.sqrt(5))
  if self.bias then
    local fan_in = init.calculate_fan_in_and_fan_out(self.weight)
    local bound = fan_in > 0 and 1 / math.sqrt(fan_in) or 0
    init.uniform_(self.bias, -bound, bound)
  end
end

function Linear:forward(x)
  U.check_input("Linear", x, self.weight)
  local nd = x:dim()
  if nd < 1 then raise("Linear: input must have at least 1 dim [..., in_features], got a 0-d tensor") end
  local n = x:size(nd)
  if n ~= self.in_features then
    raise(format("Linear: input has %d features, weight expects %d", n, self.in_features))
  end
  return F.linear(x, self.weight, self.bias)
end

function Linear:extra_repr()
  return format("in_features=%d, out_features=%d, bias=%s", self.in_features, self.out_features,
    tostring(self.bias ~= nil))
end

return { Linear = Linear }
