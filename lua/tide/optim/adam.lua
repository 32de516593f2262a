-- tide.optim.Adam(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0,
-- amsgrad = false, maximize = false}) and tide.optim.AdamW (same options, weight_decay = 1e-2):
-- Adam with bias correction; Adam adds weight decay to the gradient (L2), AdamW decays the
-- parameter directly ("decoupled", Loshchilov & Hutter). PyTorch 1.13's formulas.
-- State per parameter: step, exp_avg, exp_avg_sq, and max_exp_avg_sq with amsgrad.
local core = require("tide._core")
local base = require("tide.optim.optimizer")
local tensor = require("tide.tensor")

local C = core.C
local raise, check = core.raise, core.check
local num, bool = base.check_number, base.check_bool
local format, type = string.format, type

local function check_group(name, g)
  num(name, g, "lr", 0)
  num(name, g, "eps", 0)
  num(name, g, "weight_decay", 0)
  local b = g.betas
  if type(b) ~= "table" or type(b[1]) ~= "number" or type(b[2]) ~= "number" or #b ~= 2 then
    raise(format("%s: betas must be a pair of numbers {beta1, beta2}, got %s", name, tostring(b)))
  end
  for i = 1, 2 do
    if not (b[i] >= 0 and b[i] < 1) then
      raise(format("%s: invalid beta parameter at index %d: %s (must be in [0, 1))", name, i, tostring(b[i])))
    end
  end
  bool(name, g, "amsgrad")
  bool(name, g, "maximize")
end

local function init_state(self, p, group)
  local st = { step = 0, exp_avg = tensor.zeros_like(p), exp_avg_sq = tensor.zeros_like(p) }
  if group.amsgrad then st.max_exp_avg_sq = tensor.zeros_like(p) end
  return st
end

local function check_state(self, st, group)
  local err = base.check_step_state(st, { "exp_avg", "exp_avg_sq" })
  if err then return err end
  if group.amsgrad and not tensor.is_tensor(st.max_exp_avg_sq) then return "max_exp_avg_sq is missing (amsgrad)" end
end

local function make(name, cfn, weight_decay)
  local cls = base.class({
    name = name,
    defaults = { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8, weight_decay = weight_decay, amsgrad = false,
      maximize = false },
    check_group = check_group,
    init_state = init_state,
    check_state = check_state,
  })
  function cls:update(p, g, st, group)
    local step = st.step + 1
    st.step = step
    local mx = group.amsgrad and base.state_buffer(st, "max_exp_avg_sq", p) or nil
    local b = group.betas
    check(cfn(p._c, g._c, st.exp_avg._c, st.exp_avg_sq._c, mx, step, group.lr, b[1], b[2], group.eps,
      group.weight_decay, group.amsgrad and 1 or 0, group.maximize and 1 or 0))
  end
  return cls
end

return {
  Adam = make("Adam", C.tide_adam_step, 0),
  AdamW = make("AdamW", C.tide_adamw_step, 1e-2),
}
