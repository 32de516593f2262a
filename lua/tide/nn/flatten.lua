-- Shape layers: nn.Flatten, nn.Unflatten, nn.Identity. Dims are 1-based (as in all of Tide's Lua
-- API): nn.Flatten() keeps dim 1 (the batch) and flattens the rest, like PyTorch's default.
local core = require("tide._core")
local base = require("tide.nn.module")
local Module, U = base.Module, base.util
local raise = core.raise
local format = string.format

-- nn.Flatten(start_dim = 2, end_dim = -1)
local Flatten = Module:extend("Flatten")

function Flatten:init(start_dim, end_dim)
  self.start_dim = start_dim or 2
  self.end_dim = end_dim or -1
  for _, d in ipairs({ self.start_dim, self.end_dim }) do
    if type(d) ~= "number" or d ~= math.floor(d) or d == 0 then
      raise("Flatten: dims must be non-zero integers (1-based, negative from the end), got " .. tostring(d))
    end
  end
end

function Flatten:forward(x)
  U.check_input("Flatten", x)
  local nd = x:dim()
  local s, e = self.start_dim, self.end_dim
  local cs, ce = s < 0 and nd + s + 1 or s, e < 0 and nd + e + 1 or e
  if nd == 0 then return x:reshape(1) end
  if cs < 1 or cs > nd or ce < 1 or ce > nd then
    raise(format("Flatten: dims (%d, %d) out of range for a %d-d input %s", s, e, nd, U.shape_str(x)))
  end
  if cs > ce then raise(format("Flatten: start_dim (%d) comes after end_dim (%d) for a %d-d input", s, e, nd)) end
  return x:flatten(cs, ce)
end

function Flatten:extra_repr() return format("start_dim=%d, end_dim=%d", self.start_dim, self.end_dim) end

-- nn.Unflatten(dim, sizes): dim becomes the dims `sizes` (one of them may be -1).
local Unflatten = Module:extend("Unflatten")

function Unflatten:init(dim, sizes)
  if type(dim) ~= "number" or dim ~= math.floor(dim) or dim == 0 then
    raise("Unflatten: dim must be a non-zero integer (1-based, negative from the end), got " .. tostring(dim))
  end
  if type(sizes) ~= "table" or #sizes == 0 then raise("Unflatten: sizes must be a non-empty table of sizes") end
  local unknown = 0
  for i, s in ipairs(sizes) do
    if s == -1 then unknown = unknown + 1
    else U.int("Unflatten", "sizes[" .. i .. "]", s, 0) end
  end
  if unknown > 1 then raise("Unflatten: at most one size may be -1") end
  self.dim = dim
  self.unflattened_size = { unpack(sizes) }
end

function Unflatten:forward(x)
  U.check_input("Unflatten", x)
  local shape = x.shape
  local nd = #shape
  local d = self.dim < 0 and nd + self.dim + 1 or self.dim
  if d < 1 or d > nd then
    raise(format("Unflatten: dim %d out of range for a %d-d input %s", self.dim, nd, U.shape_str(x)))
  end
  local sizes, known, free = self.unflattened_size, 1, nil
  for i, s in ipairs(sizes) do
    if s == -1 then free = i else known = known * s end
  end
  local n = shape[d]
  local out = {}
  for i = 1, d - 1 do out[#out + 1] = shape[i] end
  for i, s in ipairs(sizes) do
    if i == free then
      if known == 0 or n % known ~= 0 then
        raise(format("Unflatten: dim %d of size %d cannot be split into %s", self.dim, n, U.tuple(sizes)))
      end
      out[#out + 1] = n / known
    else
      out[#out + 1] = s
    end
  end
  if not free and known ~= n then
    raise(format("Unflatten: dim %d has size %d, the sizes %s multiply to %d", self.dim, n, U.tuple(sizes), known))
  end
  for i = d + 1, nd do out[#out + 1] = shape[i] end
  return x:reshape(out)
end

function Unflatten:extra_repr()
  return format("dim=%d, unflattened_size=%s", self.dim, U.tuple(self.unflattened_size))
end

-- nn.Identity(): returns its input (arguments to the constructor are accepted and ignored).
local Identity = Module:extend("Identity")
function Identity:init() end
function Identity:forward(x) return x end

return { Flatten = Flatten, Unflatten = Unflatten, Identity = Identity }
