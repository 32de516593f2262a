-- tide.optim.Adagrad(params, {lr = 1e-2, lr_decay = 0, weight_decay = 0,
-- initial_accumulator_value = 0, eps = 1e-10, maximize = false}): per-element learning rates
-- from the running sum of squared gradients; PyTorch 1.13's formulas. As in PyTorch, the state
-- (step = 0, sum = initial_accumulator_value) exists from construction.
local core = require("tide._core")
local base = require("tide.optim.optimizer")
local tensor = require("tide.tensor")

local C = core.C
local check = core.check
local num, bool = base.check_number, base.check_bool

local Adagrad = base.class({
  name = "Adagrad",
  defaults = { lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10,
    maximize = false },
})

function Adagrad.check_group(name, g)
  num(name, g, "lr", 0)
  num(name, g, "lr_decay", 0)
  num(name, g, "weight_decay", 0)
  num(name, g, "initial_accumulator_value", 0)
  num(name, g, "eps", 0)
  bool(name, g, "maximize")
end

function Adagrad:init_state(p, group)
  return { step = 0, sum = tensor.full_like(p, group.initial_accumulator_value) }
end

-- PyTorch creates Adagrad's state with the optimizer (and with each added group).
function Adagrad:on_add_group(group)
  for _, p in ipairs(group.params) do
    if self.state[p] == nil then self.state[p] = self:init_state(p, group) end
  end
end

function Adagrad:check_state(st, group) return base.check_step_state(st, { "sum" }) end

function Adagrad:update(p, g, st, group)
  local step = st.step + 1
  st.step = step
  check(C.tide_adagrad_step(p._c, g._c, st.sum._c, step, group.lr, group.lr_decay, group.weight_decay, group.eps,
    group.maximize and 1 or 0))
end

return Adagrad
