-- Helpers the nn.functional part files share: argument checks whose messages name the op, and
-- new tensors for results and gradients. Not a part: init.lua does not merge it into F.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local needs, record = autograd.needs, autograd.record
local getmetatable, type, tostring, pairs = getmetatable, type, tostring, pairs
local format, floor, concat = string.format, math.floor, table.concat

local U = {}

-- t is a tensor (or nil when optional): "conv2d: weight must be a tensor, got string".
function U.check_tensor(op, t, what, optional)
  if t == nil and optional then return end
  if getmetatable(t) ~= Tensor then
    raise(format("%s: %s must be a tensor%s, got %s", op, what, optional and " or nil" or "", type(t)))
  end
end

-- The options table (nil: {}) checked against the known names, a set: "max_pool2d: unknown
-- option pad".
function U.options(op, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" or getmetatable(opts) == Tensor then
    raise(format("%s: options must be a table, got %s", op, type(opts)))
  end
  for k in pairs(opts) do
    if not known[k] then raise(format("%s: unknown option %s", op, tostring(k))) end
  end
  return opts
end

-- An integer that fits the C side's int.
function U.is_int(v) return type(v) == "number" and v == floor(v) and v >= -2 ^ 31 and v < 2 ^ 31 end
local is_int = U.is_int

-- A spatial option: a number or an {h, w} pair -> h, w (integers >= min). nd = 1 (conv1d) takes
-- a number or a one-value table, which gives h = w.
function U.pair(op, what, v, min, nd)
  nd = nd or 2
  local h, w
  if type(v) == "number" then
    h, w = v, v
  elseif type(v) == "table" and getmetatable(v) ~= Tensor and #v == nd then
    h, w = v[1], v[nd]
  else
    raise(format("%s: %s must be a number%s, got %s", op, what, nd == 2 and " or a {h, w} pair" or "",
      type(v) == "table" and format("a table of %d values", #v) or tostring(v)))
  end
  if not is_int(h) or not is_int(w) or h < min or w < min then
    raise(format("%s: %s must be %s >= %d, got %s", op, what, nd == 2 and "integers" or "an integer", min,
      type(v) == "table" and format("{%s}", concat(v, ", ")) or tostring(v)))
  end
  return h, w
end

-- A number option or argument (default when nil).
function U.number(op, name, v, default)
  if v == nil then return default end
  if type(v) ~= "number" then raise(format("%s: %s must be a number, got %s", op, name, type(v))) end
  return v
end

-- A new uninitialised tensor of shape (nd, shape) and dtype.
function U.new(nd, shape, dtype)
  local s = slot()
  return wrap(retry(C.tide_tensor_empty, nd, shape, dtype), nil, s)
end
local new = U.new

-- A new uninitialised tensor shaped like t (t's dtype unless given): a gradient buffer.
function U.new_like(t, dtype)
  local c = t._c
  return new(c.ndim, c.shape, dtype or c.dtype)
end

-- New gradient buffers shaped like the inputs a, b, c that need one (needs[i], as autograd passes
-- to a backward function), nil for the others.
function U.grad_buffers(needs, a, b, c)
  return needs[1] and U.new_like(a) or nil, needs[2] and U.new_like(b) or nil, needs[3] and U.new_like(c) or nil
end

-- Returns y = f(x), recorded for autograd when x requires grad: the backward fills a new gradient
-- buffer gx shaped like x with bwd(g, gx), which returns the C status.
function U.recorded(name, x, y, bwd)
  if needs(x) then
    record(name, y, { x }, function(g)
      local gx = U.new_like(x)
      if bwd(g, gx) ~= 0 then raise_c() end
      return gx
    end)
  end
  return y
end

-- The new tensor a C op returns (fn(...), retried after a collection when memory ran short), in
-- a result slot offered just before the call; raises the C error on failure.
function U.result(fn, ...)
  local s = slot()
  return wrap(retry(fn, ...), nil, s)
end

-- The C tensor of an optional argument.
function U.tc(t) return t ~= nil and t._c or nil end

return U
