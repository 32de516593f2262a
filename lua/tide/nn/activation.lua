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

-- A layer with one number setting, given positionally or in the options table, and {inplace = }:
--   nn.LeakyReLU(negative_slope = 0.01, {inplace = false})
--   nn.ELU(alpha = 1, {inplace = false})
-- forward is F[fname](x, setting).
local function with_number(name, fname, setting, default)
  local cls = Module:extend(name)
  function cls:init(v, opts)
    if type(v) == "table" and opts == nil then v, opts = v[setting], v end
    opts = U.options(name, opts, { ["?" .. setting] = true, inplace = false })
    if v == nil then v = default end
    if type(v) ~= "number" then raise(format("%s: %s must be a number, got %s", name, setting, tostring(v))) end
    self[setting] = v
    self.inplace = opts.inplace and true or false
  end
  function cls:forward(x)
    U.check_input(name, x)
    return F[fname](x, self[setting])
  end
  function cls:extra_repr()
    return setting .. "=" .. U.show(self[setting]) .. (self.inplace and ", inplace=true" or "")
  end
  out[name] = cls
  return cls
end

with_number("LeakyReLU", "leaky_relu", "negative_slope", 0.01)
with_number("ELU", "elu", "alpha", 1)

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
