-- Loss modules (PyTorch's names, options and defaults); forward(input, target) calls the
-- matching tide.nn.functional op. reduction = "mean" (default) | "sum" | "none".
--   CrossEntropyLoss({weight, ignore_index, reduction, label_smoothing})  logits [N, C] or [N, C, ...],
--       target 1-based int64 class ids [N] / [N, ...] or class probabilities shaped like the logits
--   NLLLoss({weight, ignore_index, reduction})       log-probabilities and 1-based class ids
--   MSELoss, L1Loss({reduction}), HuberLoss({reduction, delta = 1})
--   BCELoss({weight, reduction}), BCEWithLogitsLoss({weight, reduction, pos_weight})
-- A class weight (and pos_weight) is a buffer, as in PyTorch: saved with the state_dict and
-- converted by m:to().
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local T = U.tide
local raise = core.raise
local format = string.format

local out = {}

local function check_reduction(name, r)
  if r ~= "mean" and r ~= "sum" and r ~= "none" then
    raise(format("%s: reduction must be \"mean\", \"sum\" or \"none\", got %s", name, tostring(r)))
  end
  return r
end

local function weight_buffer(self, name, key, w)
  if w ~= nil and not T().is_tensor(w) then
    raise(format("%s: %s must be a tensor or nil, got %s", name, key, type(w)))
  end
  self:register_buffer(key, w)
end

local function check_pair(name, input, target)
  if not T().is_tensor(input) then raise(format("%s: input must be a tensor, got %s", name, type(input))) end
  if not T().is_tensor(target) then raise(format("%s: target must be a tensor, got %s", name, type(target))) end
end

local function loss_class(name, spec)
  local cls = Module:extend(name)
  function cls:init(opts)
    opts = U.options(name, opts, spec.defaults)
    self.reduction = check_reduction(name, opts.reduction)
    if spec.setup then spec.setup(self, opts) end
  end
  function cls:forward(input, target)
    check_pair(name, input, target)
    return spec.call(self, input, target)
  end
  function cls:extra_repr() return spec.repr and spec.repr(self) or "" end
  out[name] = cls
  return cls
end

loss_class("CrossEntropyLoss", {
  defaults = { reduction = "mean", ["?weight"] = true, ["?ignore_index"] = true, label_smoothing = 0 },
  setup = function(self, o)
    weight_buffer(self, "CrossEntropyLoss", "weight", o.weight)
    if o.ignore_index ~= nil then U.int("CrossEntropyLoss", "ignore_index", o.ignore_index, -math.huge) end
    if type(o.label_smoothing) ~= "number" or o.label_smoothing < 0 or o.label_smoothing > 1 then
      raise("CrossEntropyLoss: label_smoothing must be in [0, 1], got " .. tostring(o.label_smoothing))
    end
    self.ignore_index = o.ignore_index
    self.label_smoothing = o.label_smoothing
  end,
  call = function(self, input, target)
    return F.cross_entropy(input, target, { weight = self.weight, ignore_index = self.ignore_index,
      reduction = self.reduction, label_smoothing = self.label_smoothing })
  end,
})

loss_class("NLLLoss", {
  defaults = { reduction = "mean", ["?weight"] = true, ["?ignore_index"] = true },
  setup = function(self, o)
    weight_buffer(self, "NLLLoss", "weight", o.weight)
    if o.ignore_index ~= nil then U.int("NLLLoss", "ignore_index", o.ignore_index, -math.huge) end
    self.ignore_index = o.ignore_index
  end,
  call = function(self, input, target)
    return F.nll_loss(input, target, { weight = self.weight, ignore_index = self.ignore_index,
      reduction = self.reduction })
  end,
})

loss_class("MSELoss", {
  defaults = { reduction = "mean" },
  call = function(self, input, target) return F.mse_loss(input, target, { reduction = self.reduction }) end,
})

loss_class("L1Loss", {
  defaults = { reduction = "mean" },
  call = function(self, input, target) return F.l1_loss(input, target, { reduction = self.reduction }) end,
})

loss_class("HuberLoss", {
  defaults = { reduction = "mean", delta = 1 },
  setup = function(self, o)
    if type(o.delta) ~= "number" or not (o.delta > 0) then
      raise("HuberLoss: delta must be a positive number, got " .. tostring(o.delta))
    end
    self.delta = o.delta
  end,
  call = function(self, input, target)
    return F.huber_loss(input, target, { reduction = self.reduction, delta = self.delta })
  end,
})

loss_class("BCELoss", {
  defaults = { reduction = "mean", ["?weight"] = true },
  setup = function(self, o) weight_buffer(self, "BCELoss", "weight", o.weight) end,
  call = function(self, input, target)
    return F.binary_cross_entropy(input, target, { weight = self.weight, reduction = self.reduction })
  end,
})

loss_class("BCEWithLogitsLoss", {
  defaults = { reduction = "mean", ["?weight"] = true, ["?pos_weight"] = true },
  setup = function(self, o)
    weight_buffer(self, "BCEWithLogitsLoss", "weight", o.weight)
    weight_buffer(self, "BCEWithLogitsLoss", "pos_weight", o.pos_weight)
  end,
  call = function(self, input, target)
    return F.binary_cross_entropy_with_logits(input, target, { weight = self.weight, pos_weight = self.pos_weight,
      reduction = self.reduction })
  end,
})

return out
