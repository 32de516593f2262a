-- tide.optim.lr_scheduler: learning-rate schedules with PyTorch 1.13's semantics and values.
--
--   local sched = lr_scheduler.StepLR(opt, {step_size = 30, gamma = 0.1})
--   ... opt:step() ... sched:step()        -- once per epoch (OneCycleLR: once per batch)
--   sched:get_last_lr()                    -- {lr of group 1, lr of group 2, ...}
--   sched:state_dict() / sched:load_state_dict(sd)   -- plain, JSON-able Lua tables
--
-- Constructing a scheduler sets each group's initial_lr (when absent) and performs the first
-- step (last_epoch 0), as PyTorch does. step() uses the chainable form: it updates the lr the
-- optimizer currently has, so several schedulers can act on one optimizer; step(epoch) (deprecated
-- in PyTorch) jumps to an epoch using the closed form where the schedule has one.
-- ReduceLROnPlateau is stepped with the monitored value: sched:step(val_loss).
local core = require("tide._core")
local base = require("tide.optim.optimizer")

local raise = core.raise
local format, type, pairs, ipairs, floor = string.format, type, pairs, ipairs, math.floor
local cos, pi, huge = math.cos, math.pi, math.huge
local copy_value = base.copy_value

local M = {}

-- ---------------------------------------------------------------- option handling

local function fail(name, msg, ...) raise(format("%s: " .. msg, name, ...)) end

-- Merge opts over the defaults, rejecting unknown names. `required` lists options without
-- default that must be given, `optional` those without default that may be.
local function options(name, opts, defaults, required, optional)
  if opts ~= nil and (type(opts) ~= "table" or getmetatable(opts) ~= nil) then
    fail(name, "options must be a table, got %s", type(opts))
  end
  opts = opts or {}
  local o = {}
  for k, v in pairs(defaults) do o[k] = v end
  local known = {}
  for k in pairs(defaults) do known[k] = true end
  for _, k in ipairs(required or {}) do known[k] = true end
  for _, k in ipairs(optional or {}) do known[k] = true end
  for k, v in pairs(opts) do
    if not known[k] then fail(name, "unknown option '%s'", tostring(k)) end
    o[k] = v
  end
  for _, k in ipairs(required or {}) do
    if o[k] == nil then fail(name, "option '%s' is required", k) end
  end
  return o
end

local function is_int(v) return type(v) == "number" and v == floor(v) and v > -huge and v < huge end

local function need_number(name, key, v, lo, hi)
  if type(v) ~= "number" or v ~= v then fail(name, "%s must be a number, got %s", key, tostring(v)) end
  if (lo and v < lo) or (hi and v > hi) then
    fail(name, "%s must be in [%s, %s], got %s", key, tostring(lo or -huge), tostring(hi or huge), tostring(v))
  end
  return v
end

local function need_int(name, key, v, lo)
  if not is_int(v) or (lo and v < lo) then
    fail(name, "%s must be an integer%s, got %s", key, lo and format(" >= %d", lo) or "", tostring(v))
  end
  return v
end

local function check_optimizer(name, opt)
  if not base.is_optimizer(opt) then
    fail(name, "expected an optimizer as first argument, got %s", type(opt))
  end
end

-- A number or one per param group, as a list.
local function per_group(name, key, opt, v)
  local n = #opt.param_groups
  if type(v) == "table" then
    if #v ~= n then fail(name, "expected %d values for %s (one per param group), got %d", n, key, #v) end
    local out = {}
    for i = 1, n do out[i] = need_number(name, key, v[i]) end
    return out
  end
  need_number(name, key, v)
  local out = {}
  for i = 1, n do out[i] = v end
  return out
end

local function group_lrs(opt)
  local lrs = {}
  for i, g in ipairs(opt.param_groups) do lrs[i] = g.lr end
  return lrs
end

-- The groups' current lrs times f (a chainable step).
local function scaled_lrs(self, f)
  local lrs = group_lrs(self.optimizer)
  for i = 1, #lrs do lrs[i] = lrs[i] * f end
  return lrs
end

-- The base lrs times f (a closed form).
local function scaled_base_lrs(self, f)
  local out = {}
  for i, b in ipairs(self.base_lrs) do out[i] = b * f end
  return out
end

-- ---------------------------------------------------------------- the epoch-based base

local LRScheduler = {}
LRScheduler.__index = LRScheduler
M.LRScheduler = LRScheduler

-- Fields every scheduler's state dict holds (plus its class's `state_keys`).
local BASE_KEYS = { "last_epoch", "_step_count", "base_lrs", "_last_lr" }

local function start(self, opt, last_epoch)
  local name = self.name
  need_int(name, "last_epoch", last_epoch, -1)
  self.optimizer = opt
  if last_epoch == -1 then
    for _, g in ipairs(opt.param_groups) do
      if g.initial_lr == nil then g.initial_lr = g.lr end
    end
  else
    for i, g in ipairs(opt.param_groups) do
      if g.initial_lr == nil then
        fail(name, "param group %d has no initial_lr; it is needed to resume at last_epoch %d", i, last_epoch)
      end
    end
  end
  local base_lrs = {}
  for i, g in ipairs(opt.param_groups) do base_lrs[i] = g.initial_lr end
  self.base_lrs = base_lrs
  self.last_epoch = last_epoch
  self._step_count = 0
  self:step()
  return self
end

-- Advance one epoch (chainable form), or jump to `epoch` (closed form when the schedule has one).
function LRScheduler:step(epoch)
  self._step_count = self._step_count + 1
  local values
  if epoch == nil then
    self.last_epoch = self.last_epoch + 1
    values = self:get_lr()
  else
    need_int(self.name, "epoch", epoch, 0)
    self.last_epoch = epoch
    values = self.closed_form_lr and self:closed_form_lr() or self:get_lr()
  end
  for i, g in ipairs(self.optimizer.param_groups) do g.lr = values[i] end
  self._last_lr = group_lrs(self.optimizer)
end

function LRScheduler:get_last_lr() return copy_value(self._last_lr) end

function LRScheduler:state_dict()
  local sd = { scheduler = self.name }
  for _, k in ipairs(BASE_KEYS) do sd[k] = copy_value(self[k]) end
  for _, k in ipairs(self.state_keys) do sd[k] = copy_value(self[k]) end
  return sd
end

function LRScheduler:load_state_dict(sd)
  local name = self.name
  if type(sd) ~= "table" then fail(name, "load_state_dict: expected a table, got %s", type(sd)) end
  if sd.scheduler ~= nil and sd.scheduler ~= name then
    fail(name, "load_state_dict: the state dict is from %s, not %s", tostring(sd.scheduler), name)
  end
  need_int(name, "last_epoch", sd.last_epoch, -1)
  need_int(name, "_step_count", sd._step_count, 0)
  for _, k in ipairs({ "base_lrs", "_last_lr" }) do
    local v = sd[k]
    if type(v) ~= "table" or #v ~= #self.optimizer.param_groups then
      fail(name, "load_state_dict: %s must hold one number per param group (%d)", k, #self.optimizer.param_groups)
    end
  end
  for _, k in ipairs(BASE_KEYS) do self[k] = copy_value(sd[k]) end
  for _, k in ipairs(self.state_keys) do
    if sd[k] ~= nil then self[k] = copy_value(sd[k]) end
  end
  if self.after_load then self:after_load() end
end

local function class(name, state_keys)
  local cls = setmetatable({ name = name, state_keys = state_keys }, { __index = LRScheduler })
  cls.__index = cls
  return cls
end

-- ---------------------------------------------------------------- StepLR
-- lr * gamma every step_size epochs.
local StepLR = class("StepLR", { "step_size", "gamma" })

function M.StepLR(opt, opts)
  check_optimizer("StepLR", opt)
  local o = options("StepLR", opts, { gamma = 0.1, last_epoch = -1 }, { "step_size" })
  local self = setmetatable({}, StepLR)
  self.step_size = need_int("StepLR", "step_size", o.step_size, 1)
  self.gamma = need_number("StepLR", "gamma", o.gamma)
  return start(self, opt, o.last_epoch)
end

function StepLR:get_lr()
  local e = self.last_epoch
  if e == 0 or e % self.step_size ~= 0 then return group_lrs(self.optimizer) end
  return scaled_lrs(self, self.gamma)
end

function StepLR:closed_form_lr()
  return scaled_base_lrs(self, self.gamma ^ floor(self.last_epoch / self.step_size))
end

-- ---------------------------------------------------------------- MultiStepLR
-- lr * gamma at each milestone epoch (a milestone listed k times multiplies by gamma^k).
local MultiStepLR = class("MultiStepLR", { "milestones", "gamma" })

function M.MultiStepLR(opt, opts)
  check_optimizer("MultiStepLR", opt)
  local o = options("MultiStepLR", opts, { gamma = 0.1, last_epoch = -1 }, { "milestones" })
  local self = setmetatable({}, MultiStepLR)
  if type(o.milestones) ~= "table" then fail("MultiStepLR", "milestones must be an array of epochs") end
  local ms = {}
  for i, m in ipairs(o.milestones) do ms[i] = need_int("MultiStepLR", "milestone", m, 0) end
  table.sort(ms)
  self.milestones = ms
  self.gamma = need_number("MultiStepLR", "gamma", o.gamma)
  self:after_load()
  return start(self, opt, o.last_epoch)
end

function MultiStepLR:after_load()
  self._count = {}
  for _, m in ipairs(self.milestones) do self._count[m] = (self._count[m] or 0) + 1 end
end

function MultiStepLR:get_lr()
  local k = self._count[self.last_epoch]
  if k == nil then return group_lrs(self.optimizer) end
  return scaled_lrs(self, self.gamma ^ k)
end

function MultiStepLR:closed_form_lr()
  local passed = 0 -- milestones <= last_epoch (bisect_right)
  for _, m in ipairs(self.milestones) do
    if m <= self.last_epoch then passed = passed + 1 end
  end
  return scaled_base_lrs(self, self.gamma ^ passed)
end

-- ---------------------------------------------------------------- ExponentialLR
-- lr * gamma every epoch.
local ExponentialLR = class("ExponentialLR", { "gamma" })

function M.ExponentialLR(opt, opts)
  check_optimizer("ExponentialLR", opt)
  local o = options("ExponentialLR", opts, { last_epoch = -1 }, { "gamma" })
  local self = setmetatable({}, ExponentialLR)
  self.gamma = need_number("ExponentialLR", "gamma", o.gamma)
  return start(self, opt, o.last_epoch)
end

function ExponentialLR:get_lr()
  if self.last_epoch == 0 then return group_lrs(self.optimizer) end
  return scaled_lrs(self, self.gamma)
end

function ExponentialLR:closed_form_lr() return scaled_base_lrs(self, self.gamma ^ self.last_epoch) end

-- ---------------------------------------------------------------- CosineAnnealingLR
-- eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, continued periodically
-- past T_max (the lr climbs back), in PyTorch's recursive form.
local CosineAnnealingLR = class("CosineAnnealingLR", { "T_max", "eta_min" })

function M.CosineAnnealingLR(opt, opts)
  local name = "CosineAnnealingLR"
  check_optimizer(name, opt)
  local o = options(name, opts, { eta_min = 0, last_epoch = -1 }, { "T_max" })
  local self = setmetatable({}, CosineAnnealingLR)
  self.T_max = need_int(name, "T_max", o.T_max, 1)
  self.eta_min = need_number(name, "eta_min", o.eta_min)
  return start(self, opt, o.last_epoch)
end

function CosineAnnealingLR:get_lr()
  local e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
  local groups = self.optimizer.param_groups
  local out = {}
  if e == 0 then return group_lrs(self.optimizer) end
  if self._step_count == 1 and e > 0 then
    for i, b in ipairs(self.base_lrs) do out[i] = eta_min + (b - eta_min) * (1 + cos(e * pi / T)) / 2 end
  elseif (e - 1 - T) % (2 * T) == 0 then
    for i, b in ipairs(self.base_lrs) do out[i] = groups[i].lr + (b - eta_min) * (1 - cos(pi / T)) / 2 end
  else
    for i, g in ipairs(groups) do
      out[i] = (1 + cos(pi * e / T)) / (1 + cos(pi * (e - 1) / T)) * (g.lr - eta_min) + eta_min
    end
  end
  return out
end

function CosineAnnealingLR:closed_form_lr()
  local out = {}
  for i, b in ipairs(self.base_lrs) do
    out[i] = self.eta_min + (b - self.eta_min) * (1 + cos(pi * self.last_epoch / self.T_max)) / 2
  end
  return out
end

-- ---------------------------------------------------------------- LinearLR
-- lr * factor, the factor moving linearly from start_factor to end_factor over total_iters.
local LinearLR = class("LinearLR", { "start_factor", "end_factor", "total_iters" })

function M.LinearLR(opt, opts)
  local name = "LinearLR"
  check_optimizer(name, opt)
  local o = options(name, opts, { start_factor = 1 / 3, end_factor = 1, total_iters = 5, last_epoch = -1 })
  local self = setmetatable({}, LinearLR)
  self.start_factor = need_number(name, "start_factor", o.start_factor, 0, 1)
  if self.start_factor == 0 then fail(name, "start_factor must be > 0") end
  self.end_factor = need_number(name, "end_factor", o.end_factor, 0, 1)
  self.total_iters = need_int(name, "total_iters", o.total_iters, 1)
  return start(self, opt, o.last_epoch)
end

function LinearLR:get_lr()
  local e, s, f, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
  if e == 0 then return scaled_lrs(self, s) end
  if e <= n then return scaled_lrs(self, 1 + (f - s) / (n * s + (e - 1) * (f - s))) end
  return group_lrs(self.optimizer)
end

function LinearLR:closed_form_lr()
  local s, f, n = self.start_factor, self.end_factor, self.total_iters
  return scaled_base_lrs(self, s + (f - s) * math.min(n, self.last_epoch) / n)
end

-- ---------------------------------------------------------------- LambdaLR
-- base_lr * lr_lambda(epoch); lr_lambda a function or one per param group. The functions are not
-- part of the state dict.
local LambdaLR = class("LambdaLR", {})

function M.LambdaLR(opt, opts)
  local name = "LambdaLR"
  check_optimizer(name, opt)
  local o = options(name, opts, { last_epoch = -1 }, { "lr_lambda" })
  local self = setmetatable({}, LambdaLR)
  local f, n = o.lr_lambda, #opt.param_groups
  local fs = {}
  if type(f) == "table" then
    if #f ~= n then fail(name, "expected %d lr_lambda functions (one per param group), got %d", n, #f) end
    for i = 1, n do fs[i] = f[i] end
  else
    for i = 1, n do fs[i] = f end
  end
  for i = 1, n do
    if type(fs[i]) ~= "function" then fail(name, "lr_lambda must be a function, got %s", type(fs[i])) end
  end
  self.lr_lambdas = fs
  return start(self, opt, o.last_epoch)
end

function LambdaLR:get_lr()
  local out = {}
  for i, b in ipairs(self.base_lrs) do
    local f = self.lr_lambdas[i](self.last_epoch)
    if type(f) ~= "number" then fail("LambdaLR", "lr_lambda returned %s, expected a number", type(f)) end
    out[i] = b * f
  end
  return out
end

-- ---------------------------------------------------------------- OneCycleLR
-- The 1cycle policy (per batch): the lr climbs from max_lr / div_factor to max_lr over the first
-- pct_start of total_steps, then anneals to initial_lr / final_div_factor (three_phase: back to
-- initial_lr first, then down). Momentum (SGD, RMSprop) or beta1 (Adam, AdamW) cycles inversely
-- between max_momentum and base_momentum unless cycle_momentum = false.
local OneCycleLR = class("OneCycleLR", { "total_steps", "pct_start", "anneal_strategy", "three_phase",
  "cycle_momentum", "use_beta1" })

local function anneal_cos(a, b, pct) return b + (a - b) / 2 * (cos(pi * pct) + 1) end
local function anneal_linear(a, b, pct) return (b - a) * pct + a end

function M.OneCycleLR(opt, opts)
  local name = "OneCycleLR"
  check_optimizer(name, opt)
  local o = options(name, opts, { pct_start = 0.3, anneal_strategy = "cos", cycle_momentum = true,
    base_momentum = 0.85, max_momentum = 0.95, div_factor = 25, final_div_factor = 1e4, three_phase = false,
    last_epoch = -1 }, { "max_lr" }, { "total_steps", "epochs", "steps_per_epoch" })
  local self = setmetatable({}, OneCycleLR)
  if o.total_steps == nil and o.epochs == nil and o.steps_per_epoch == nil then
    fail(name, "define either total_steps or (epochs and steps_per_epoch)")
  end
  if o.total_steps ~= nil then
    self.total_steps = need_int(name, "total_steps", o.total_steps, 1)
  else
    need_int(name, "epochs", o.epochs, 1)
    need_int(name, "steps_per_epoch", o.steps_per_epoch, 1)
    self.total_steps = o.epochs * o.steps_per_epoch
  end
  self.pct_start = need_number(name, "pct_start", o.pct_start, 0, 1)
  if o.anneal_strategy ~= "cos" and o.anneal_strategy ~= "linear" then
    fail(name, "anneal_strategy must be 'cos' or 'linear', got %s", tostring(o.anneal_strategy))
  end
  self.anneal_strategy = o.anneal_strategy
  self.three_phase = o.three_phase and true or false
  self.cycle_momentum = o.cycle_momentum and true or false
  need_number(name, "div_factor", o.div_factor)
  need_number(name, "final_div_factor", o.final_div_factor)
  local max_lrs = per_group(name, "max_lr", opt, o.max_lr)
  if o.last_epoch == -1 then
    for i, g in ipairs(opt.param_groups) do
      g.initial_lr = max_lrs[i] / o.div_factor
      g.max_lr = max_lrs[i]
      g.min_lr = g.initial_lr / o.final_div_factor
    end
  end
  if self.cycle_momentum then
    local d = opt.defaults
    if d.momentum == nil and d.betas == nil then
      fail(name, "the optimizer (%s) has no momentum or betas to cycle; pass cycle_momentum = false",
        tostring(opt.name))
    end
    self.use_beta1 = d.betas ~= nil
    local maxm = per_group(name, "max_momentum", opt, o.max_momentum)
    local basem = per_group(name, "base_momentum", opt, o.base_momentum)
    if o.last_epoch == -1 then
      for i, g in ipairs(opt.param_groups) do
        if self.use_beta1 then g.betas = { maxm[i], g.betas[2] } else g.momentum = maxm[i] end
        g.max_momentum = maxm[i]
        g.base_momentum = basem[i]
      end
    end
  else
    self.use_beta1 = false
  end
  self:after_load()
  return start(self, opt, o.last_epoch)
end

function OneCycleLR:after_load()
  local n, pct = self.total_steps, self.pct_start
  if self.three_phase then
    self._phases = {
      { end_step = pct * n - 1, lr = { "initial_lr", "max_lr" }, mom = { "max_momentum", "base_momentum" } },
      { end_step = 2 * pct * n - 2, lr = { "max_lr", "initial_lr" }, mom = { "base_momentum", "max_momentum" } },
      { end_step = n - 1, lr = { "initial_lr", "min_lr" }, mom = { "max_momentum", "max_momentum" } },
    }
  else
    self._phases = {
      { end_step = pct * n - 1, lr = { "initial_lr", "max_lr" }, mom = { "max_momentum", "base_momentum" } },
      { end_step = n - 1, lr = { "max_lr", "min_lr" }, mom = { "base_momentum", "max_momentum" } },
    }
  end
  self._anneal = self.anneal_strategy == "linear" and anneal_linear or anneal_cos
end

function OneCycleLR:get_lr()
  local step_num = self.last_epoch
  if step_num > self.total_steps then
    fail("OneCycleLR", "tried to step %d times; the schedule has %d total steps", step_num + 1, self.total_steps)
  end
  local phases, anneal = self._phases, self._anneal
  local lrs = {}
  for gi, g in ipairs(self.optimizer.param_groups) do
    local start_step, lr, mom = 0, nil, nil
    for i, ph in ipairs(phases) do
      if step_num <= ph.end_step or i == #phases then
        local pct = (step_num - start_step) / (ph.end_step - start_step)
        lr = anneal(g[ph.lr[1]], g[ph.lr[2]], pct)
        if self.cycle_momentum then mom = anneal(g[ph.mom[1]], g[ph.mom[2]], pct) end
        break
      end
      start_step = ph.end_step
    end
    lrs[gi] = lr
    if self.cycle_momentum then
      if self.use_beta1 then g.betas = { mom, g.betas[2] } else g.momentum = mom end
    end
  end
  return lrs
end

-- ---------------------------------------------------------------- ReduceLROnPlateau
-- Multiplies the lr by factor when the monitored value (sched:step(value)) has not improved for
-- more than patience epochs; then waits cooldown epochs. Improvement: mode "min"/"max",
-- threshold relative ("rel": best * (1 -/+ threshold)) or absolute ("abs": best -/+ threshold).
-- An lr never goes below min_lr (a number or one per group); changes smaller than eps are skipped.
local Plateau = { name = "ReduceLROnPlateau" }
Plateau.__index = Plateau
local PLATEAU_KEYS = { "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lrs", "eps",
  "cooldown_counter", "num_bad_epochs", "last_epoch", "_last_lr" }

local function plateau_check_modes(self)
  local name = self.name
  if self.mode ~= "min" and self.mode ~= "max" then fail(name, "mode must be 'min' or 'max', got %s", tostring(self.mode)) end
  if self.threshold_mode ~= "rel" and self.threshold_mode ~= "abs" then
    fail(name, "threshold_mode must be 'rel' or 'abs', got %s", tostring(self.threshold_mode))
  end
  self.mode_worse = self.mode == "min" and huge or -huge
end

function M.ReduceLROnPlateau(opt, opts)
  local name = "ReduceLROnPlateau"
  check_optimizer(name, opt)
  local o = options(name, opts, { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4,
    threshold_mode = "rel", cooldown = 0, min_lr = 0, eps = 1e-8 })
  local self = setmetatable({ optimizer = opt }, Plateau)
  self.factor = need_number(name, "factor", o.factor)
  if self.factor >= 1 then fail(name, "factor must be < 1, got %s", tostring(self.factor)) end
  self.min_lrs = per_group(name, "min_lr", opt, o.min_lr)
  self.patience = need_int(name, "patience", o.patience, 0)
  self.cooldown = need_int(name, "cooldown", o.cooldown, 0)
  self.threshold = need_number(name, "threshold", o.threshold)
  self.eps = need_number(name, "eps", o.eps)
  self.mode, self.threshold_mode = o.mode, o.threshold_mode
  plateau_check_modes(self)
  self.last_epoch = 0
  self:_reset()
  self._last_lr = group_lrs(opt)
  return self
end

function Plateau:_reset()
  self.best = self.mode_worse
  self.cooldown_counter = 0
  self.num_bad_epochs = 0
end

function Plateau:is_better(a, best)
  local t = self.threshold
  if self.mode == "min" then
    if self.threshold_mode == "rel" then return a < best * (1 - t) end
    return a < best - t
  end
  if self.threshold_mode == "rel" then return a > best * (t + 1) end
  return a > best + t
end

function Plateau:in_cooldown() return self.cooldown_counter > 0 end

function Plateau:step(metric, epoch)
  if type(metric) == "table" and getmetatable(metric) == core.Tensor then
    if metric:numel() ~= 1 then
      fail(self.name, "step expects one value (a number or a one-element tensor), got %d elements", metric:numel())
    end
    metric = metric:item()
  end
  if type(metric) ~= "number" then fail(self.name, "step expects the monitored value, got %s", type(metric)) end
  if epoch == nil then epoch = self.last_epoch + 1 else need_int(self.name, "epoch", epoch, 0) end
  self.last_epoch = epoch
  if self:is_better(metric, self.best) then
    self.best = metric
    self.num_bad_epochs = 0
  else
    self.num_bad_epochs = self.num_bad_epochs + 1
  end
  if self:in_cooldown() then
    self.cooldown_counter = self.cooldown_counter - 1
    self.num_bad_epochs = 0
  end
  if self.num_bad_epochs > self.patience then
    for i, g in ipairs(self.optimizer.param_groups) do
      local old = g.lr
      local new = math.max(old * self.factor, self.min_lrs[i])
      if old - new > self.eps then g.lr = new end
    end
    self.cooldown_counter = self.cooldown
    self.num_bad_epochs = 0
  end
  self._last_lr = group_lrs(self.optimizer)
end

function Plateau:get_last_lr() return copy_value(self._last_lr) end

-- best is left out while it is still +-inf (not JSON-able); loading restores it from the mode.
function Plateau:state_dict()
  local sd = { scheduler = self.name }
  for _, k in ipairs(PLATEAU_KEYS) do sd[k] = copy_value(self[k]) end
  if self.best ~= huge and self.best ~= -huge then sd.best = self.best end
  return sd
end

function Plateau:load_state_dict(sd)
  local name = self.name
  if type(sd) ~= "table" then fail(name, "load_state_dict: expected a table, got %s", type(sd)) end
  if sd.scheduler ~= nil and sd.scheduler ~= name then
    fail(name, "load_state_dict: the state dict is from %s, not %s", tostring(sd.scheduler), name)
  end
  for _, k in ipairs(PLATEAU_KEYS) do
    if sd[k] == nil then fail(name, "load_state_dict: '%s' is missing", k) end
  end
  if type(sd.min_lrs) ~= "table" or #sd.min_lrs ~= #self.optimizer.param_groups then
    fail(name, "load_state_dict: min_lrs must hold one number per param group (%d)", #self.optimizer.param_groups)
  end
  local saved = {}
  for _, k in ipairs(PLATEAU_KEYS) do saved[k] = copy_value(sd[k]) end
  local probe = setmetatable({ mode = saved.mode, threshold_mode = saved.threshold_mode }, Plateau)
  plateau_check_modes(probe)
  for k, v in pairs(saved) do self[k] = v end
  self.mode_worse = probe.mode_worse
  self.best = sd.best or self.mode_worse
end

return M
