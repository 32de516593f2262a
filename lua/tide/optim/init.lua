-- tide.optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) with PyTorch's API and update
-- formulas, learning-rate schedulers (tide.optim.lr_scheduler) and gradient clipping.
--
--   local opt = tide.optim.Adam(model:parameters(), {lr = 1e-3})
--   local sched = tide.optim.lr_scheduler.StepLR(opt, {step_size = 10, gamma = 0.5})
--   for epoch = 1, n do
--     for x, y in loader:iter() do
--       opt:zero_grad()
--       local loss = F.cross_entropy(model:forward(x), y)
--       loss:backward()
--       tide.optim.clip_grad_norm(model:parameters(), 1.0)
--       opt:step()
--     end
--     sched:step()
--   end
--
-- See docs/optim.md.
local base = require("tide.optim.optimizer")
local adam = require("tide.optim.adam")
local clip = require("tide.optim.clip")

local optim = {
  Optimizer = base.Optimizer,
  is_optimizer = base.is_optimizer,
  SGD = require("tide.optim.sgd"),
  Adam = adam.Adam,
  AdamW = adam.AdamW,
  RMSprop = require("tide.optim.rmsprop"),
  Adagrad = require("tide.optim.adagrad"),
  lr_scheduler = require("tide.optim.lr_scheduler"),
  clip_grad_norm = clip.clip_grad_norm,
  clip_grad_value = clip.clip_grad_value,
  clip_grad_norm_ = clip.clip_grad_norm_,
  clip_grad_value_ = clip.clip_grad_value_,
}

return optim
