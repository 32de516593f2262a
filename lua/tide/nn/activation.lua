-- Activation layers (PyTorch's names and defaults): ReLU, LeakyReLU(negative_slope = 0.01),
-- ELU(alpha = 1), GELU(approximate = "none" | "tanh"), Sigmoid, Tanh, Softmax(dim),
-- LogSoftmax(dim). Dims are 1-based: nn.Softmax(2) normalises the classes of [N, C] logits.
-- {inplace = true} is accepted for PyTorch compatibility; the result is computed out of place
-- (autograd needs the input), with the same values.
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local raise = core.raise
local format = string.format

local out = {}

-- A layer whose constructor takes only {inplace = } and whose forward is F[fname](x).
local function simple(name, fname, inplace_opt)
  local cls = Module:extend(name)
  function cls:init(opts)
    if inplace_opt then
      if type(opts) == "boolean" then opts = { inplace = opts } end
      opts = U.options(name, opts, { inplace = false })
      self.inplace = opts.inplace and true or false
    elseif opts ~= nil then
      raise(name .. ": takes no arguments")
    end
  end
  function cls:forward(x)
    U.check_input(name, x)
    return F[fname](x)
  end
  if inplace_opt then
    function cls:extra_repr() return self.inplace and "inplace=true" or "" end
  end
  out[name] = cls
  return cls
end

simple("ReLU", "relu", true)
simple("Sigmoid", "sigmoid", false)
simple("Tanh", "tanh", false)

-- nn.LeakyReLU(negative_slope = 0.01, {inplace = false})
local LeakyReLU = Module:extend("LeakyReLU")
function LeakyReLU:init(negative_slope, opts)
  if type(negative_slope) == "table" and opts == nil then negative_slope, opts = negative_slope.negative_slope, negative_slope end
  opts = U.options("LeakyReLU", opts, { ["?negative_slope"] = true, inplace = false })
  if negative_slope == nil then negative_slope = 0.01 end
  if type(negative_slope) ~= "number" then
    raise("LeakyReLU: negative_slope must be a number, got " .. tostring(negative_slope))
  end
  self.negative_slope = negative_slope
  self.inplace = opts.inplace and true or false
end
function LeakyReLU:forward(x)
  U.check_input("LeakyReLU", x)
  return F.leaky_relu(x, self.negative_slope)
end
function LeakyReLU:extra_repr()
  return "negative_slope=" .. U.show(self.negative_slope) .. (self.inplace and ", inplace=true" or "")
end
out.LeakyReLU = LeakyReLU

-- nn.ELU(alpha = 1, {inplace = false})
local ELU = Module:extend("ELU")
function ELU:init(alpha, opts)
  if type(alpha) == "table" and opts == nil then alpha, opts = alpha.alpha, alpha end
  opts = U.options("ELU", opts, { ["?alpha"] = true, inplace = false })
  if alpha == nil then alpha = 1 end
  if type(alpha) ~= "number" then raise("ELU: alpha must be a number, got " .. tostring(alpha)) end
  self.alpha = alpha
  self.inplace = opts.inplace and true or false
end
function ELU:forward(x)
  U.check_input("ELU", x)
  return F.elu(x, self.alpha)
end
function ELU:extra_repr()
  return "alpha=" .. U.show(self.alpha) .. (self.inplace and ", inplace=true" or "")
end
out.ELU = ELU

-- nn.GELU(approximate = "none") or nn.GELU({approximate = "tanh"})
local GELU = Module:extend("GELU")
function GELU:init(approximate)
  if type(approximate) == "table" then
    approximate = U.options("GELU", approximate, { approximate = "none" }).approximate
  end
  approximate = approximate or "none"
  if approximate ~= "none" and approximate ~= "tanh" then
    raise("GELU: approximate must be \"none\" or \"tanh\", got " .. tostring(approximate))
  end
  self.approximate = approximate
end
function GELU:forward(x)
  U.check_input("GELU", x)
  return F.gelu(x, { approximate = self.approximate })
end
function GELU:extra_repr() return "approximate=" .. U.show(self.approximate) end
out.GELU = GELU

-- nn.Softmax(dim), nn.LogSoftmax(dim): dim is required (1-based; -1 is the last).
local function softmax_class(name, fname)
  local cls = Module:extend(name)
  function cls:init(dim)
    if type(dim) == "table" then dim = dim.dim end
    if type(dim) ~= "number" or dim ~= math.floor(dim) or dim == 0 then
      raise(format("%s: dim must be given as a non-zero integer (1-based, negative from the end; " ..
        "nn.%s(2) for the classes of [N, C]), got %s", name, name, tostring(dim)))
    end
    self.dim = dim
  end
  function cls:forward(x)
    U.check_input(name, x)
    return F[fname](x, self.dim)
  end
  function cls:extra_repr() return "dim=" .. self.dim end
  out[name] = cls
end
softmax_class("Softmax", "softmax")
softmax_class("LogSoftmax", "log_softmax")

return out
