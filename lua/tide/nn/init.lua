-- tide.nn: neural-network modules (PyTorch's torch.nn in Lua). Every layer class, the containers,
-- nn.init (initialisers) and nn.functional (the differentiable ops the layers call).
local base = require("tide.nn.module")

local nn = {
  Module = base.Module,
  Parameter = base.Parameter,
  is_module = base.is_module,
  init = require("tide.nn.initializers"),
  functional = require("tide.nn.functional"),
}

for _, part in ipairs({ "container", "linear", "conv", "pooling", "normalization", "dropout", "embedding",
  "embedding_bag", "flatten", "activation", "loss" }) do
  for name, cls in pairs(require("tide.nn." .. part)) do
    if nn[name] ~= nil then error("tide.nn: " .. name .. " is defined twice", 0) end
    nn[name] = cls
  end
end

return nn
