-- tide.metrics.labels: label vectors shared by the metric families. A label argument is a tensor
-- (1-d or a column [N, 1]) or a Lua array of numbers or of strings; these helpers check it and
-- encode several of them against one sorted set of classes (scikit-learn's unique_labels), so the
-- metrics work on codes 1..K whatever the labels were (0/1, -1/1, digits 0..9, "cat"/"dog").
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")

local raise = core.raise
local is_tensor = tide.is_tensor
local format = string.format

local L = {}

-- A label argument as a 1-d tensor (numbers) or a Lua array of strings (checked: no mixing).
function L.vector(op, name, y, what)
  if is_tensor(y) then
    if y.ndim == 2 and y.shape[2] == 1 then
      y = y:reshape(y.shape[1])
    elseif y.ndim == 2 then
      raise(format("%s: %s has shape [%d, %d]; expected 1-d %s", op, name, y.shape[1], y.shape[2], what or "labels"))
    elseif y.ndim ~= 1 then
      raise(format("%s: %s must be 1-d, got %d dims", op, name, y.ndim))
    end
    return y
  elseif type(y) == "table" then
    if type(y[1]) == "string" then
      for i = 2, #y do
        if type(y[i]) ~= "string" then
          raise(format("%s: %s[%d] is a %s, expected a string (the labels start with strings)", op, name, i, type(y[i])))
        end
      end
      return y
    end
    if type(y[1]) == "boolean" then
      local t = {}
      for i = 1, #y do
        if type(y[i]) ~= "boolean" then raise(format("%s: %s[%d] is a %s, expected a boolean", op, name, i, type(y[i]))) end
        t[i] = y[i] and 1 or 0
      end
      return tide.tensor(t, "float64")
    end
    return args.numbers(op, name, y)
  end
  raise(format("%s: %s must be a tensor or a Lua array, got %s", op, name, type(y)))
end

function L.len(v)
  if is_tensor(v) then return v:numel() end
  return #v
end

local function is_strings(v) return not is_tensor(v) end

-- Checks a numeric label tensor holds finite values; bool tensors become 0/1.
local function numeric(op, name, t)
  if t.dtype == "bool" then return t:to("int64") end
  if (t.dtype == "float32" or t.dtype == "float64") and not t:isfinite():all() then
    raise(format("%s: %s contains NaN or infinity", op, name))
  end
  return t
end

-- codes[j] <- the piece of inv (the codes of all parts, concatenated) that belongs to part j
local function split_codes(inv, pieces, codes)
  local at = 1
  for j, p in ipairs(pieces) do
    local n = p:numel()
    codes[j] = n > 0 and inv:narrow(1, at, n):contiguous() or tide.empty(0, "int64")
    at = at + n
  end
  return codes
end

-- encode(op, parts) with parts = {{name, vector}, ...} (vectors from L.vector; a Lua array of
-- label values may stand for extra classes, e.g. opts.labels) -> classes (sorted Lua array of
-- the distinct values of all parts: numbers or strings), codes (one int64 tensor of 1-based
-- class codes per part, in order).
function L.encode(op, parts)
  local strings
  for i, p in ipairs(parts) do
    local s = is_strings(p[2])
    if strings == nil then
      strings = s
    elseif s ~= strings and L.len(p[2]) > 0 then
      raise(format("%s: %s holds %s but %s holds %s", op, p[1], s and "strings" or "numbers",
        parts[1][1], strings and "strings" or "numbers"))
    end
    if not s then parts[i] = { p[1], numeric(op, p[1], p[2]) } end
  end
  local codes = {}
  if strings then
    local seen, classes = {}, {}
    for _, p in ipairs(parts) do
      for _, v in ipairs(p[2]) do
        if not seen[v] then seen[v] = true; classes[#classes + 1] = v end
      end
    end
    table.sort(classes)
    local index = {}
    for i, v in ipairs(classes) do index[v] = i end
    for j, p in ipairs(parts) do
      local n = #p[2]
      local c = tide.empty(n, "int64")
      local cp = c:data_ptr()
      for i = 1, n do cp[i - 1] = index[p[2][i]] end
      codes[j] = c
    end
    return classes, codes
  end
  local int = true
  local pieces = {}
  for _, p in ipairs(parts) do
    local t = p[2]
    if t.dtype == "float32" or t.dtype == "float64" then
      if t:numel() > 0 and not t:eq(t:floor()):all() then int = false end
    end
    pieces[#pieces + 1] = t:to("float64")
  end
  local all = #pieces == 1 and pieces[1] or tide.cat(pieces)
  if int and all:numel() > 0 then
    -- integer labels in a modest range: count them in a table indexed by value (linear time)
    -- rather than sorting
    local lo, hi = all:amin(), all:amax()
    if hi - lo < 1e6 and hi - lo < all:numel() * 4 + 64 then
      local pos = (all - (lo - 1)):to("int64")
      local seen = tide.zeros(hi - lo + 1, "int64")
      seen:put_(pos, 1)
      local present = seen:nonzero():reshape(-1) -- 1-based positions of the present values
      local lut = tide.zeros(hi - lo + 1, "int64")
      lut:put_(present, tide.arange(1, present:numel() + 1, 1, "int64"))
      local classes = {}
      present = present:contiguous() -- kept alive while pp is read
      local pp = present:data_ptr()
      for i = 1, present:numel() do classes[i] = tonumber(pp[i - 1]) + lo - 1 end
      local inv = lut:index_select(1, pos)
      return classes, split_codes(inv, pieces, codes)
    end
  end
  local u, inv = all:unique({ return_inverse = true })
  local classes = u:totable()
  if int then
    for i, v in ipairs(classes) do classes[i] = math.floor(v) end
  end
  return classes, split_codes(inv, pieces, codes)
end

-- The 1-based position of value v in classes (or nil).
function L.position(classes, v)
  for i, c in ipairs(classes) do
    if c == v then return i end
  end
  return nil
end

-- "0, 1" / "'a', 'b'" for messages
function L.show(classes, limit)
  local out = {}
  for i, c in ipairs(classes) do
    if limit and i > limit then out[#out + 1] = "..."; break end
    out[#out + 1] = type(c) == "string" and ("'" .. c .. "'") or tostring(c)
  end
  return table.concat(out, ", ")
end

-- The positive class of a binary problem with classes (sorted): pos_label when given (it must be
-- one of them unless only one class is present), else scikit-learn's rule — 1 for labels in
-- {0, 1} or {-1, 1} — extended to Tide's 1-based class ids {1, 2}, where it is 2. With
-- opts.greater, any numeric labels default to the greater one (brier_score_loss). Returns the
-- 1-based position of the positive class in classes (classes + 1 when absent).
function L.positive(op, classes, pos_label, opts)
  if pos_label ~= nil then
    if type(pos_label) ~= "number" and type(pos_label) ~= "string" then
      raise(format("%s: pos_label must be a number or a string, got %s", op, type(pos_label)))
    end
    local i = L.position(classes, pos_label)
    if i then return i end
    if #classes >= 2 then
      raise(format("%s: pos_label = %s is not one of the labels (%s)", op, L.show({ pos_label }), L.show(classes)))
    end
    return #classes + 1
  end
  local function within(set)
    for _, c in ipairs(classes) do
      if not set[c] then return false end
    end
    return true
  end
  if within({ [0] = true, [1] = true }) or within({ [-1] = true, [1] = true }) then
    return L.position(classes, 1) or #classes + 1
  end
  if within({ [1] = true, [2] = true }) then return L.position(classes, 2) or #classes + 1 end
  if opts and opts.greater and type(classes[1]) == "number" then return #classes end
  raise(format("%s: y_true takes the values %s; pass pos_label (the positive class) explicitly, or use " ..
    "labels in {0, 1}, {-1, 1} or Tide's class ids {1, 2}", op, L.show(classes, 10)))
end

return L
