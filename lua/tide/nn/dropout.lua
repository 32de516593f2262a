-- nn.Dropout(p = 0.5): in training mode zeroes each element with probability p and scales the
-- rest by 1 / (1 - p); in evaluation mode (m:eval()) it passes the input through unchanged.
-- The mask is drawn from Tide's generator (tide.manual_seed makes it reproducible).
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local raise = core.raise
local format = string.format

local Dropout = Module:extend("Dropout")

function Dropout:init(p, opts)
  if type(p) == "table" and opts == nil then p, opts = p.p, p end
  if p == nil then p = 0.5 end
  opts = U.options("Dropout", opts, { ["?p"] = true, inplace = false })
  if type(p) ~= "number" or not (p >= 0 and p <= 1) then
    raise(format("Dropout: dropout probability has to be between 0 and 1, but got %s", tostring(p)))
  end
  self.p = p
  -- accepted for PyTorch compatibility; Tide computes out of place (autograd needs the input)
  self.inplace = opts.inplace and true or false
end

function Dropout:forward(x)
  U.check_input("Dropout", x)
  return F.dropout(x, self.p, self.training)
end

function Dropout:extra_repr()
  return format("p=%s, inplace=%s", U.show(self.p), tostring(self.inplace))
end

return { Dropout = Dropout }
