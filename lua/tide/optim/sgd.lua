-- tide.optim.SGD(params, {lr =, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
-- maximize = false}): stochastic gradient descent with optional (Nesterov) momentum, PyTorch's
-- formulation (the momentum buffer starts as the first gradient; lr multiplies the whole step).
-- lr is required, as in PyTorch. State per parameter: momentum_buffer (when momentum ~= 0).
local core = require("tide._core")
local base = require("tide.optim.optimizer")
local tensor = require("tide.tensor")

local C = core.C
local raise, check = core.raise, core.check
local num, bool = base.check_number, base.check_bool

local SGD = base.class({
  name = "SGD",
  defaults = { momentum = 0, dampening = 0, weight_decay = 0, nesterov = false, maximize = false },
})

function SGD.check_group(name, g)
  num(name, g, "lr", 0)
  num(name, g, "momentum", 0)
  num(name, g, "dampening")
  num(name, g, "weight_decay", 0)
  bool(name, g, "nesterov")
  bool(name, g, "maximize")
  if g.nesterov and (g.momentum <= 0 or g.dampening ~= 0) then
    raise(name .. ": Nesterov momentum requires a momentum and zero dampening")
  end
end

function SGD:init_state(p, group) return {} end

function SGD:check_state(st, group)
  local b = st.momentum_buffer
  if b ~= nil and not tensor.is_tensor(b) then return "momentum_buffer must be a tensor" end
end

function SGD:update(p, g, st, group)
  local momentum = group.momentum
  local buf, init = nil, 0
  if momentum ~= 0 then
    buf = st.momentum_buffer
    if buf == nil then
      buf = tensor.empty_like(p)
      st.momentum_buffer = buf
      init = 1
    end
    buf = buf._c
  end
  check(C.tide_sgd_step(p._c, g._c, buf, group.lr, momentum, group.dampening, group.weight_decay,
    group.nesterov and 1 or 0, group.maximize and 1 or 0, init))
end

return SGD
