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
-- (core.C: the FFI namespace; C here is this module)
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
  elseif col.type == "categorical" then
    local coded
    coded, n = C.categorical_coded(op, col, j)
    local v = coded.codes:contiguous()
    local p = v:data_ptr()
    for i = 0, n - 1 do out[i + 1] = p[i] == 0 and MISSING or coded.uniq[tonumber(p[i])] end
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

-- Codes (1-based in first-seen order, 0 for MISSING) of a Lua array of n values read by C.read.
local function factorize_values(vals, n)
  local seen, uniq, codes, nm = {}, {}, {}, 0
  for i = 1, n do
    local v = vals[i]
    if v == MISSING then codes[i] = 0; nm = nm + 1
    else
      local c = seen[v]
      if not c then c = #uniq + 1; uniq[c] = v; seen[v] = c end
      codes[i] = c
    end
  end
  return { codes = tensor.tensor(codes, "int64"), uniq = uniq, n_missing = nm }
end

-- The same columns factorised: each { codes = int64 [n] (0: missing, c: the value uniq[c]),
-- uniq = distinct values in order of first appearance, n_missing = k }. String columns of the
-- tide.csv contract are factorised in C (core/preprocess_factorize.c) without a Lua step per cell.
function C.read_coded(op, X)
  local list = (type(X) == "table" and not tensor.is_tensor(X)) and (X.columns or X) or nil
  local out, n, names = {}, nil, nil
  if list and type(list) == "table" and #list > 0 then
    names = X.names
    for j, col in ipairs(list) do
      local coded, len
      if type(col) == "table" and col.type == "string" and tensor.is_tensor(col.offsets) and tensor.is_tensor(col.bytes) then
        len = col.offsets:numel() - 1
        local off = col.offsets:to("int64"):contiguous()
        local bytes = col.bytes:contiguous()
        local miss = col.missing and col.missing:to("bool"):contiguous() or nil
        local codes, first = tensor.empty({ len }, "int64"), tensor.empty({ len }, "int64")
        local u = tonumber(core.C.tide_preprocess_factorize_strings(off._c, bytes._c, miss and miss._c or nil, codes._c, first._c))
        if u < 0 then core.raise_c() end
        local po, pb, pf = off:data_ptr(), ffi.cast("const char *", bytes:data_ptr()), first:data_ptr()
        local uniq = {}
        for c = 0, u - 1 do
          local r = pf[c]
          uniq[c + 1] = ffi.string(pb + po[r], po[r + 1] - po[r])
        end
        local nm = miss and tonumber(miss:to("int64"):sum()) or 0
        coded = { codes = codes + 1, uniq = uniq, n_missing = nm }
      elseif type(col) == "table" and col.type == "categorical" then
        coded, len = C.categorical_coded(op, col, j)
      elseif tensor.is_tensor(col) or (type(col) == "table" and col.type and tensor.is_tensor(col.data)) then
        coded, len = C.factorize_numbers(col)
      else
        local cols1, len1 = C.read(op, { col, n = X.n or X.nrows })
        len = len1
        coded = factorize_values(cols1[1], len)
      end
      if n == nil then n = len end
      if len ~= n then raise(string.format("%s: column %d has %d rows, column 1 has %d", op, j, len, n)) end
      out[j] = coded
    end
    if n == 0 then raise(op .. ": empty input (no rows)") end
    return out, n, names
  end
  if tensor.is_tensor(X) and X:dim() == 2 and X.shape[1] > 0 and X.shape[2] > 0 then
    for j = 1, X.shape[2] do out[j] = C.factorize_numbers(X:select(2, j)) end
    return out, X.shape[1], nil
  end
  local cols, nn = C.read(op, X)
  for j, vals in ipairs(cols) do out[j] = factorize_values(vals, nn) end
  return out, nn, nil
end

-- a tide.frame categorical column (int32 codes 0-based, -1 missing; categories = strings):
-- only the categories that occur count, as scikit-learn sees the values
function C.categorical_coded(op, col, j)
  if not tensor.is_tensor(col.data) or type(col.categories) ~= "table" then
    raise(string.format("%s: categorical column %d needs data codes and categories", op, j))
  end
  local n = col.data:numel()
  local K = #col.categories
  local codes = col.data:reshape(n):to("int64")
  if col.missing then codes = codes:masked_fill(col.missing:reshape(n):to("bool"), -1) end
  if n > 0 and (codes:amin() < -1 or codes:amax() >= K) then
    raise(string.format("%s: categorical column %d has a code outside its %d categories", op, j, K))
  end
  local per = tensor.zeros({ K + 1 }, "float64")
  per:index_add_(1, codes + 2, tensor.ones({ n }, "float64"))
  local remap, uniq = { 0 }, {}
  for c = 1, K do
    if per[c + 1] > 0 then uniq[#uniq + 1] = col.categories[c]; remap[c + 1] = #uniq else remap[c + 1] = 0 end
  end
  local new = tensor.tensor(remap, "int64"):index_select(1, codes + 2)
  return { codes = new, uniq = uniq, n_missing = per[1] }, n
end

-- a numeric column (1-d tensor or a numeric column table) factorised in C
function C.factorize_numbers(col)
  local data, miss = col, nil
  if not tensor.is_tensor(col) then data, miss = col.data, col.missing end
  local n = data:numel()
  local x = data:reshape(n):to("float64")
  if miss then x = x:masked_fill(miss:reshape(n):to("bool"), 0 / 0) end
  x = x:contiguous()
  local codes, first = tensor.empty({ n }, "int64"), tensor.empty({ n }, "int64")
  local u = tonumber(core.C.tide_preprocess_factorize_doubles(x._c, codes._c, first._c))
  if u < 0 then core.raise_c() end
  local px, pf = x:data_ptr(), first:data_ptr()
  local uniq = {}
  for c = 0, u - 1 do uniq[c + 1] = px[pf[c]] end
  local nm = tonumber(codes:eq(-1):sum())
  return { codes = codes + 1, uniq = uniq, n_missing = nm }, n
end

-- sorted categories of a coded column (missing last) and their counts
function C.unique_coded(op, col, j)
  local t
  for _, v in ipairs(col.uniq) do
    local k = type(v)
    if t == nil then t = k elseif t ~= k then raise(string.format("%s: column %d mixes strings and numbers", op, j)) end
  end
  local u = #col.uniq
  local per = tensor.zeros({ u + 1 }, "float64")
  per:index_add_(1, col.codes + 1, tensor.ones({ col.codes:numel() }, "float64"))
  local cats = {}
  for c, v in ipairs(col.uniq) do cats[c] = v end
  table.sort(cats)
  local pos = C.index(col.uniq)
  local counts = {}
  for k, v in ipairs(cats) do counts[k] = per[pos[v] + 1] end
  if col.n_missing > 0 then
    cats[#cats + 1] = MISSING
    counts[#counts + 1] = col.n_missing
  end
  return cats, counts
end

-- values[code + 1] for every row: a float64 [n] tensor from a Lua array of u + 1 numbers
-- (entry 1 for a missing cell, entry c + 1 for uniq[c])
function C.map_codes(col, values)
  return tensor.tensor(values, "float64"):index_select(1, col.codes + 1)
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

-- ---------------------------------------------------------------- fitted encoders
-- An encoder's fitted categories (state.categories, in JSON form) decoded once and cached on it:
-- per column the categories and their value -> position index. Fitting sets self._cats = nil.
function C.fitted(enc)
  if not enc._cats then
    enc._cats, enc._index = {}, {}
    for j, c in ipairs(enc.state.categories) do
      enc._cats[j] = C.from_plain(c)
      enc._index[j] = C.index(enc._cats[j])
    end
  end
  return enc._cats, enc._index
end

-- The columns read for a transform match the fitted encoder's width.
function C.check_width(op, enc, cols)
  local d = enc.state.n_features_in
  if #cols ~= d then
    raise(string.format("%s: X has %d columns, but the encoder was fitted with %d", op, #cols, d))
  end
end

return C
