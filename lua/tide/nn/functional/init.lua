-- tide.nn.functional (F): the differentiable neural-network ops, one table merged from the part
-- files of this folder. Each part returns a table of functions; a name defined twice is an error.
local PARTS = { "linear", "conv", "pool", "activation", "norm", "embedding", "embedding_bag", "loss" }

local F = {}
for _, part in ipairs(PARTS) do
  for name, f in pairs(require("tide.nn.functional." .. part)) do
    if F[name] ~= nil then error("tide.nn.functional: " .. name .. " is defined by two parts", 0) end
    F[name] = f
  end
end
return F
