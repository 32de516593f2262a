-- tide.preprocess.categories: reading categorical input for the encoders. X is a table of
-- columns, or { names = {...}, columns = {...} } (tide.csv.read's result); each column is
--   * a Lua array of strings or of numbers (missing: false or NaN; pass n = ... in X when the
--     last cells are missing), or
--   * a column table of the tide.csv contract { type = "string", offsets =, bytes =, missing = }
--     or { type = "float64" | "int64" | "bool", data =, missing = }, or
--   * a 1-d tensor (numbers; NaN missing);
-- a 2-d tensor [n, d] is d numeric columns. Values come back as Lua arrays (strings or
-- numbers) with C.MISSING for a missing cell; categories sort as scikit-learn's (strings by
-- code point, numbers ascending) with the missing category last.
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local raise = core.raise

local C = {}
C.MISSING = setmetatable({}, { __tostring = function() return "nan" end })
local MISSING = C.MISSING

local function tensor_values(t, n)
  local v = t:to("float64"):contiguous()
  local p, out = v:data_ptr(), {}
  for i = 0, n - 1 do
    local x = p[i]
    out[i + 1] = x ~= x and MISSING or x
  end
  return out
end

local function contract_column(op, col, j)
  local n
  local out = {}
  if col.type == "string" then
    if not (tensor.is_tensor(col.offsets) and tensor.is_tensor(col.bytes)) then
      raise(string.format("%s: string column %d lacks offsets / bytes", op, j))
    end
    n = col.offsets:numel() - 1
    local off = col.offsets:contiguous()
    local bytes = col.bytes:contiguous()
    local po, pb = off:data_ptr(), ffi.cast("const char *", bytes:data_ptr())
    for i = 0, n - 1 do out[i + 1] = ffi.string(pb + po[i], po[i + 1] - po[i]) end
  else
    if not tensor.is_tensor(col.data) then raise(string.format("%s: column %d has no data tensor", op, j)) end
    n = col.data:numel()
    out = tensor_values(col.data:reshape(n), n)
  end
  if col.missing then
    local m = col.missing:to("uint8"):contiguous()
    local pm = m:data_ptr()
    for i = 0, n - 1 do if pm[i] ~= 0 then out[i + 1] = MISSING end end
  end
  return out, n
end

-- -> columns (array of value arrays), n, names (or nil)
function C.read(op, X)
  if tensor.is_tensor(X) then
    if X:dim() ~= 2 then raise(op .. ": expected a 2-d tensor [n, d] or a table of columns") end
    local n, d = X.shape[1], X.shape[2]
    local cols = {}
    for j = 1, d do cols[j] = tensor_values(X:select(2, j):contiguous(), n) end
    if n == 0 or d == 0 then raise(string.format("%s: empty input (%d rows, %d columns)", op, n, d)) end
    return cols, n, nil
  end
  if type(X) ~= "table" then raise(op .. ": expected a table of columns or a tensor, got " .. type(X)) end
  local names, list = X.names, X.columns or X
  if type(list) ~= "table" or #list == 0 then raise(op .. ": empty input (no columns)") end
  local cols, n = {}, X.n or X.nrows
  local given_n = n
  for j, col in ipairs(list) do
    local vals, len
    if tensor.is_tensor(col) then
      len = col:numel()
      vals = tensor_values(col:reshape(len), len)
    elseif type(col) == "table" and col.type then
      vals, len = contract_column(op, col, j)
    elseif type(col) == "table" then
      len = #col
      if given_n and given_n > len then len = given_n end
      vals = {}
      for i = 1, len do
        local v = col[i]
        if v == nil or v == false or v ~= v then v = MISSING
        elseif type(v) ~= "string" and type(v) ~= "number" then
          raise(string.format("%s: column %d row %d is a %s; expected strings or numbers", op, j, i, type(v)))
        end
        vals[i] = v
      end
    else
      raise(string.format("%s: column %d is a %s; expected an array, a column table or a tensor", op, j, type(col)))
    end
    if n == nil then n = len end
    if len ~= n then raise(string.format("%s: column %d has %d rows, column 1 has %d", op, j, len, n)) end
    cols[j] = vals
  end
  if n == 0 then raise(op .. ": empty input (no rows)") end
  return cols, n, names
end

local function kind(v) return v == MISSING and "missing" or type(v) end

-- sorted unique values of a column, missing last; counts[k] = occurrences of cats[k]
function C.unique(op, vals, j)
  local seen, cats, has_missing = {}, {}, false
  local counts = {}
  local t
  for _, v in ipairs(vals) do
    if v == MISSING then has_missing = true
    else
      local k = type(v)
      if t == nil then t = k elseif t ~= k then
        raise(string.format("%s: column %d mixes strings and numbers", op, j))
      end
      if not seen[v] then seen[v] = true; cats[#cats + 1] = v end
    end
  end
  table.sort(cats)
  if has_missing then cats[#cats + 1] = MISSING end
  local index = C.index(cats)
  for k = 1, #cats do counts[k] = 0 end
  for _, v in ipairs(vals) do
    local k = index[v]
    counts[k] = counts[k] + 1
  end
  return cats, counts
end

-- value -> 1-based position in cats
function C.index(cats)
  local idx = {}
  for k, v in ipairs(cats) do idx[v] = k end
  return idx
end

-- categories in JSON form (missing as {missing = true}) and back
function C.to_plain(cats)
  local out = {}
  for k, v in ipairs(cats) do out[k] = v == MISSING and { missing = true } or v end
  return out
end
function C.from_plain(cats)
  local out = {}
  for k, v in ipairs(cats) do out[k] = type(v) == "table" and MISSING or v end
  return out
end

function C.show(v)
  if v == MISSING then return "nan" end
  if type(v) == "number" then
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.17g", v)
  end
  return v
end
C.kind = kind

return C
