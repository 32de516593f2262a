-- tide.optim.RMSprop(params, {lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
-- centered = false, maximize = false}): divides the gradient by a running root mean square
-- (centered: of the gradient's deviation from its running mean); PyTorch 1.13's formulas (eps
-- added outside the square root). State per parameter: step, square_avg, momentum_buffer (when
-- momentum > 0), grad_avg (when centered).
local core = require("tide._core")
local base = require("tide.optim.optimizer")
local tensor = require("tide.tensor")

local C = core.C
local check = core.check
local num, bool = base.check_number, base.check_bool

local RMSprop = base.class({
  name = "RMSprop",
  defaults = { lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0, centered = false,
    maximize = false },
})

function RMSprop.check_group(name, g)
  num(name, g, "lr", 0)
  num(name, g, "alpha", 0)
  num(name, g, "eps", 0)
  num(name, g, "weight_decay", 0)
  num(name, g, "momentum", 0)
  bool(name, g, "centered")
  bool(name, g, "maximize")
end

function RMSprop:init_state(p, group)
  local st = { step = 0, square_avg = tensor.zeros_like(p) }
  if group.momentum > 0 then st.momentum_buffer = tensor.zeros_like(p) end
  if group.centered then st.grad_avg = tensor.zeros_like(p) end
  return st
end

function RMSprop:check_state(st, group)
  local err = base.check_step_state(st, { "square_avg" })
  if err then return err end
  if group.momentum > 0 and not tensor.is_tensor(st.momentum_buffer) then return "momentum_buffer is missing" end
  if group.centered and not tensor.is_tensor(st.grad_avg) then return "grad_avg is missing (centered)" end
end

function RMSprop:update(p, g, st, group)
  st.step = st.step + 1
  local momentum, centered = group.momentum, group.centered
  local buf = momentum > 0 and base.state_buffer(st, "momentum_buffer", p) or nil
  local ga = centered and base.state_buffer(st, "grad_avg", p) or nil
  check(C.tide_rmsprop_step(p._c, g._c, st.square_avg._c, ga, buf, group.lr, group.alpha, group.eps,
    group.weight_decay, momentum, centered and 1 or 0, group.maximize and 1 or 0))
end

return RMSprop
