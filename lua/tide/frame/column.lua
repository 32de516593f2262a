-- tide.frame.column: one typed column of a frame, over C-owned tensors (the contract of
-- tide.csv.read):
--   type "float64" | "int64" | "bool" | "datetime": data = tensor [n] (float64 / int64 / bool /
--        int64 nanoseconds since the Unix epoch, UTC)
--   type "string": offsets = int64 [n + 1], bytes = uint8 (value i is bytes[offsets[i] ..
--        offsets[i + 1]), 0-based)
--   type "categorical": data = int32 codes [n] (0-based, -1 where missing), categories = a Lua
--        array of strings
--   missing = bool [n] or nil (no missing cell). A missing float64 cell also holds NaN.
-- Bulk work (gather, factorize, compare, aggregate) goes through tensor ops or the kernels of
-- core/frame_ops.c; Lua loops only touch the few rows that are printed or converted to Lua.
local core = require("tide._core")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap
local format = string.format

local tide -- loaded lazily (tide.frame loads before tide's tensor ops are installed)
local function T()
  if not tide then tide = require("tide") end
  return tide
end

local Column = {}
Column.__index = Column

local M = { Column = Column }
M.NA = setmetatable({}, { __tostring = function() return "NA" end, __name = "tide.frame.NA" })
M.types = { "float64", "int64", "bool", "string", "categorical", "datetime" }
local TYPES = {}
for _, t in ipairs(M.types) do TYPES[t] = true end

M.AGG = { sum = 0, mean = 1, count = 2, min = 3, max = 4, std = 5, var = 6, median = 7, first = 8, last = 9,
  nunique = 10, size = 11 }

local function is_tensor(x) return getmetatable(x) == core.Tensor end
M.is_tensor = is_tensor

function M.is_column(x) return getmetatable(x) == Column end

-- ---------------------------------------------------------------- construction
local function make(name, typ, n, fields)
  fields.name, fields.type, fields.n = name, typ, n
  if fields.missing ~= nil then
    -- a mask with no true cell is dropped, so `missing == nil` means "nothing missing"
    if fields.missing:sum() == 0 then fields.missing = nil end
  end
  return setmetatable(fields, Column)
end
M.make = make

local function str_n(offsets) return offsets:numel() - 1 end

-- A string column from a Lua array of strings (M.NA / nil / false... only NA and nil are missing).
local function strings_from_lua(name, vals, n)
  local lens = ffi.new("int64_t[?]", n + 1)
  local total = 0
  local miss = nil
  for i = 1, n do
    local v = vals[i]
    lens[i - 1] = total
    if v == nil or v == M.NA then
      miss = miss or {}
      miss[i] = true
    else
      total = total + #v
    end
  end
  lens[n] = total
  local bytes = ffi.new("uint8_t[?]", math.max(total, 1))
  for i = 1, n do
    local v = vals[i]
    if v ~= nil and v ~= M.NA then ffi.copy(bytes + lens[i - 1], v, #v) end
  end
  local t = T()
  local offsets = t.from_ptr(lens, { n + 1 }, "int64", lens):clone()
  local b = t.from_ptr(bytes, { total }, "uint8", bytes):clone()
  local missing
  if miss then
    local m = ffi.new("bool[?]", n)
    for i in pairs(miss) do m[i - 1] = true end
    missing = t.from_ptr(m, { n }, "bool", m):clone()
  end
  return make(name, "string", n, { offsets = offsets, bytes = b, missing = missing })
end

-- Column from a Lua array (values: numbers, booleans, strings; tide.frame.NA or NaN for
-- missing). n: the length (needed when the last values are nil).
function M.from_lua(name, vals, n, typ)
  local t = T()
  n = n or #vals
  local kind
  local all_int = true
  for i = 1, n do
    local v = vals[i]
    if v ~= nil and v ~= M.NA and not (type(v) == "number" and v ~= v) then
      local k = type(v)
      if k ~= "number" and k ~= "boolean" and k ~= "string" then
        raise(format("frame: column '%s' value %d is a %s (expected numbers, booleans or strings)", name, i, k))
      end
      if kind == nil then kind = k
      elseif kind ~= k then
        raise(format("frame: column '%s' mixes %ss and %ss (value %d)", name, kind, k, i))
      end
      if k == "number" and v ~= math.floor(v) then all_int = false end
    elseif type(v) == "number" then
      all_int = false -- NaN: pandas makes the column float64
    end
  end
  if typ == nil then
    if kind == "string" then typ = "string"
    elseif kind == "boolean" then typ = "bool"
    elseif kind == "number" and all_int then typ = "int64"
    else typ = "float64" end
  end
  if typ == "string" or typ == "categorical" then
    if kind ~= nil and kind ~= "string" then
      raise(format("frame: column '%s' holds %ss, not strings", name, kind))
    end
    local c = strings_from_lua(name, vals, n)
    if typ == "categorical" then c = c:astype("categorical") end
    return c
  end
  if kind == "string" then raise(format("frame: column '%s' holds strings, not %s", name, typ)) end
  local miss = ffi.new("bool[?]", math.max(n, 1))
  local buf = ffi.new("double[?]", math.max(n, 1))
  local any = false
  for i = 1, n do
    local v = vals[i]
    if v == nil or v == M.NA or (type(v) == "number" and v ~= v) then
      miss[i - 1] = true
      buf[i - 1] = 0 / 0
      any = true
    elseif type(v) == "boolean" then
      buf[i - 1] = v and 1 or 0
    else
      buf[i - 1] = v
    end
  end
  local data = t.from_ptr(buf, { n }, "float64", buf):clone()
  local missing = any and t.from_ptr(miss, { n }, "bool", miss):clone() or nil
  local c = make(name, "float64", n, { data = data, missing = missing })
  if typ ~= "float64" then c = c:astype(typ) end
  return c
end

-- Column from a 1-d tensor: float32/float64 -> float64 (NaN is missing), int32/int64/uint8 ->
-- int64, bool -> bool.
function M.from_tensor(name, x, typ)
  if x.ndim ~= 1 then raise(format("frame: column '%s' tensor must be 1-d, got %d dims", name, x.ndim)) end
  local n = x:numel()
  local c
  if x.dtype == "float32" or x.dtype == "float64" then
    local d = x:to("float64"):contiguous()
    if d == x then d = d:clone() end
    c = make(name, "float64", n, { data = d, missing = d:isnan() })
  elseif x.dtype == "bool" then
    c = make(name, "bool", n, { data = x:clone():contiguous() })
  else
    local d = x:to("int64"):contiguous()
    if d == x then d = d:clone() end
    c = make(name, "int64", n, { data = d })
  end
  if typ and typ ~= c.type then c = c:astype(typ) end
  return c
end

-- Column from a contract table { type =, data =, offsets =, bytes =, missing =, categories = }.
function M.from_contract(name, t)
  local typ = t.type
  if not TYPES[typ] then raise(format("frame: column '%s' has unknown type %s", name, tostring(typ))) end
  if typ == "string" then
    if not is_tensor(t.offsets) or not is_tensor(t.bytes) then
      raise(format("frame: string column '%s' needs offsets and bytes tensors", name))
    end
    return make(name, typ, str_n(t.offsets), { offsets = t.offsets:contiguous(), bytes = t.bytes:contiguous(),
      missing = t.missing })
  end
  if not is_tensor(t.data) then raise(format("frame: column '%s' needs a data tensor", name)) end
  local n = t.data:numel()
  if t.missing ~= nil and t.missing:numel() ~= n then
    raise(format("frame: column '%s' missing mask has %d values for %d", name, t.missing:numel(), n))
  end
  local want = ({ float64 = "float64", int64 = "int64", bool = "bool", datetime = "int64", categorical = "int32" })[typ]
  local f = { data = t.data:to(want):contiguous(), missing = t.missing and t.missing:contiguous() or nil }
  if typ == "categorical" then
    if type(t.categories) ~= "table" then raise(format("frame: categorical column '%s' needs categories", name)) end
    f.categories = t.categories
  end
  return make(name, typ, n, f)
end

-- ---------------------------------------------------------------- basics
function Column:size() return self.n end
Column.__len = function(self) return self.n end

-- A copy with another name (tensors are shared; columns are never modified in place).
function Column:renamed(name)
  local f = {}
  for k, v in pairs(self) do f[k] = v end
  f.name = name
  return setmetatable(f, Column)
end

function Column:isna()
  if self.missing then return self.missing:clone() end
  return T().zeros({ self.n }, "bool")
end

function Column:notna() return self:isna():logical_not() end

function Column:count() return self.n - (self.missing and self.missing:sum() or 0) end

function Column:has_missing() return self.missing ~= nil end

local function is_numeric(typ) return typ == "float64" or typ == "int64" or typ == "bool" end
M.is_numeric = is_numeric

-- Value i (1-based) as a Lua value: number, boolean, string; nil when missing. Datetimes are
-- int64 nanoseconds (a number; exact below 2^53).
function Column:get(i)
  if type(i) ~= "number" or i < 1 or i > self.n or i ~= math.floor(i) then
    raise(format("frame: row %s out of range 1..%d (column '%s')", tostring(i), self.n, self.name))
  end
  if self.missing and self.missing:data_ptr()[i - 1] then return nil end
  if self.type == "string" then
    local o = self.offsets:data_ptr()
    local a, b = tonumber(o[i - 1]), tonumber(o[i])
    return ffi.string(ffi.cast("const char*", self.bytes:data_ptr()) + a, b - a)
  elseif self.type == "categorical" then
    return self.categories[self.data:data_ptr()[i - 1] + 1]
  elseif self.type == "bool" then
    return self.data:data_ptr()[i - 1] and true or false
  else
    return tonumber(self.data:data_ptr()[i - 1])
  end
end

-- All values as a Lua array (missing -> tide.frame.NA); for tests and small columns.
function Column:totable()
  local out = {}
  for i = 1, self.n do
    local v = self:get(i)
    if v == nil then v = M.NA end
    out[i] = v
  end
  return out
end

-- ---------------------------------------------------------------- gather
-- idx: int64 [m], 0-based row numbers, -1 gives a missing cell.
function Column:take0(idx)
  local t = T()
  local m = idx:numel()
  local neg = idx:lt(0)
  local anyneg = neg:sum() > 0
  local missing
  if self.missing then
    local safe = anyneg and idx:masked_fill(neg, 0) or idx
    missing = self.missing:index_select(1, safe + 1)
    if anyneg then missing = missing:logical_or(neg) end
  elseif anyneg then
    missing = neg
  end
  if self.type == "string" then
    local bo = ffi.new("tide_tensor*[1]")
    local o = C.tide_frame_str_take(self.offsets._c, self.bytes._c, idx:contiguous()._c, bo)
    if o == nil then raise_c() end
    local offsets = wrap(o)
    return make(self.name, "string", m, { offsets = offsets, bytes = wrap(bo[0]), missing = missing })
  end
  local data
  if self.n == 0 then
    data = t.zeros({ m }, self.data.dtype)
  else
    local safe = anyneg and idx:masked_fill(neg, 0) or idx
    data = self.data:index_select(1, safe + 1)
  end
  if missing and self.type == "float64" then data:masked_fill_(missing, 0 / 0) end
  if missing and self.type == "categorical" then data:masked_fill_(missing, -1) end
  return make(self.name, self.type, m, { data = data, missing = missing, categories = self.categories })
end

-- ---------------------------------------------------------------- factorize
-- -> codes int64 [n] (0-based rank of each value in sorted order, -1 where missing), number
-- of distinct non-missing values.
function Column:codes()
  if self._codes then return self._codes, self._nuniq end
  local t = T()
  local codes, u
  if self.type == "string" then
    local nu = ffi.new("int64_t[1]")
    local p = C.tide_frame_str_codes(self.offsets._c, self.bytes._c, self.missing and self.missing._c or nil, nu)
    if p == nil then raise_c() end
    codes, u = wrap(p), tonumber(nu[0])
  else
    local key
    if self.type == "float64" then
      key = self.data -- missing cells hold NaN, which sorts last
      if self.missing then key = key:masked_fill(self.missing, 0 / 0) end
    elseif self.type == "categorical" then
      key = self.data:to("int64")
      if self.missing then key = key:masked_fill(self.missing, 2 ^ 62) end
    else
      key = self.data:to("int64")
      if self.missing then key = key:masked_fill(self.missing, 2 ^ 62) end
    end
    local vals, inv = key:unique(true, true)
    codes, u = inv - 1, vals:numel()
    if self.missing and self.n > 0 then
      codes:masked_fill_(self.missing, -1)
      u = u - 1
    end
    if self.type == "float64" and not self.missing and self.n > 0 and vals[u] ~= vals[u] then
      u = u - 1 -- (NaN without a mask cannot happen for frame-made columns; kept safe)
    end
  end
  rawset(self, "_codes", codes)
  rawset(self, "_nuniq", u)
  return codes, u
end

-- Grouped aggregate through the C kernel: values float64 [n], groups int64 [n] -> float64 [g].
function M.group_agg(values, missing, groups, ngroups, op)
  local code = M.AGG[op]
  local p = C.tide_frame_group_agg(values:contiguous()._c, missing and missing:contiguous()._c or nil,
    groups:contiguous()._c, ngroups, code)
  if p == nil then raise_c() end
  return wrap(p)
end

-- Row (0-based) of the first cell holding each code -> int64 [u].
function Column:code_rows()
  local codes, u = self:codes()
  local rows = T().arange(self.n, "float64")
  return M.group_agg(rows, nil, codes, u, "first"):to("int64")
end

-- ---------------------------------------------------------------- conversions
local function float_data(self, op)
  if self.type == "float64" then return self.data end
  if self.type == "int64" or self.type == "bool" then
    local d = self.data:to("float64")
    if self.missing then d:masked_fill_(self.missing, 0 / 0) end
    return d
  end
  raise(format("%s: column '%s' is %s, not numeric", op, self.name, self.type))
end
M.float_data = float_data

-- to_tensor([dtype]): the data as a tensor. Without dtype: float64 / int64 / bool as stored,
-- datetime int64 ns, categorical int64 codes (1-based, 0 missing); a column with missing cells
-- gives float64 with NaN there. Strings cannot be converted (use codes or astype).
function Column:to_tensor(dtype)
  local d
  if self.type == "string" then
    raise(format("to_tensor: column '%s' is string; use :astype('categorical') or :astype('float64') first", self.name))
  elseif self.type == "categorical" then
    d = self.data:to("int64") + 1
    if self.missing then d = d:to("float64"):masked_fill(self.missing, 0 / 0) end
  elseif self.missing then
    d = self.data:to("float64"):masked_fill(self.missing, 0 / 0)
  else
    d = self.data:clone()
  end
  if dtype then d = d:to(dtype) end
  return d
end

-- The categorical's categories (sorted distinct strings) from a string column.
local function to_categorical(self)
  local codes, u = self:codes()
  local rows = self:code_rows()
  local rep = self:take0(rows)
  local cats = {}
  for i = 1, u do cats[i] = rep:get(i) end
  return make(self.name, "categorical", self.n, { data = codes:to("int32"), missing = self.missing, categories = cats })
end

local function cat_to_string(self)
  local cats = strings_from_lua(self.name, self.categories, #self.categories)
  return cats:take0(self.data:to("int64")):renamed(self.name)
end

-- "2024-01-05 13:45:00" (UTC) from nanoseconds since the epoch; date only when date_only.
function M.datetime_text(ns, date_only)
  local sec = math.floor(ns / 1e9)
  local frac = ns - sec * 1e9
  local s = os.date("!%Y-%m-%d" .. (date_only and "" or " %H:%M:%S"), sec)
  if not date_only and frac ~= 0 then s = s .. format(".%06d", math.floor(frac / 1e3)) end
  return s
end

-- astype(type): float64 <-> int64 <-> bool, numbers <-> strings, strings <-> categorical,
-- datetime -> int64 (ns). Missing cells stay missing. Bad conversions raise naming the column.
function Column:astype(typ)
  if not TYPES[typ] then
    raise(format("astype: unknown type %s (expected %s)", tostring(typ), table.concat(M.types, ", ")))
  end
  local from = self.type
  if typ == from then return self end
  local t = T()
  if from == "categorical" then
    local s = cat_to_string(self)
    return typ == "string" and s or s:astype(typ)
  end
  if typ == "categorical" then
    if from ~= "string" then return to_categorical(self:astype("string")) end
    return to_categorical(self)
  end
  if from == "string" then
    local dt = typ == "datetime"
    local p = C.tide_frame_str_parse(self.offsets._c, self.bytes._c, self.missing and self.missing._c or nil, dt and 1 or 0)
    if p == nil then
      local msg = ffi.string(C.tide_last_error())
      C.tide_clear_error()
      raise(format("%s (column '%s')", msg, self.name))
    end
    local c = make(self.name, dt and "datetime" or "float64", self.n, { data = wrap(p), missing = self.missing })
    return c:astype(typ)
  end
  if typ == "string" then
    if from == "datetime" then
      local vals = {} -- datetimes are rare as text; formatted per cell
      for i = 1, self.n do
        local v = self:get(i)
        vals[i] = v == nil and M.NA or M.datetime_text(v, false)
      end
      return strings_from_lua(self.name, vals, self.n)
    end
    local bo = ffi.new("tide_tensor*[1]")
    local p = C.tide_frame_to_str(self.data._c, self.missing and self.missing._c or nil, bo)
    if p == nil then raise_c() end
    local offsets = wrap(p)
    return make(self.name, "string", self.n, { offsets = offsets, bytes = wrap(bo[0]), missing = self.missing })
  end
  if from == "datetime" or typ == "datetime" then
    if not (typ == "int64" or from == "int64") then
      raise(format("astype: column '%s': %s to %s is not supported", self.name, from, typ))
    end
    return make(self.name, typ, self.n, { data = self.data:clone(), missing = self.missing })
  end
  -- numeric to numeric
  if typ == "float64" then
    return make(self.name, typ, self.n, { data = float_data(self, "astype"), missing = self.missing })
  end
  local d = self.data
  if from == "float64" then
    local valid = self.missing and d:masked_fill(self.missing, 0) or d
    if valid:isinf():sum() > 0 then raise(format("astype: column '%s' holds infinity, which cannot be %s", self.name, typ)) end
    if typ == "int64" and valid:ne(valid:trunc()):sum() > 0 then
      raise(format("astype: column '%s' holds non-integer values, which cannot be int64 exactly", self.name))
    end
    d = valid
  end
  if typ == "bool" then d = d:ne(0) else d = d:to(typ) end
  if self.missing then d:masked_fill_(self.missing, 0) end
  return make(self.name, typ, self.n, { data = d, missing = self.missing })
end

-- fillna(value): missing cells get value (a number / boolean / string of the column's kind).
function Column:fillna(value)
  if not self.missing then return self end
  if value == nil or value == M.NA then raise("fillna: value must not be missing") end
  if self.type == "string" or self.type == "categorical" then
    if type(value) ~= "string" then raise(format("fillna: column '%s' is %s; value must be a string, got %s", self.name, self.type, type(value))) end
    if self.type == "categorical" then
      local s = cat_to_string(self):fillna(value)
      return s:astype("categorical")
    end
    -- append the value as row n, then take row n wherever a cell is missing
    local ext = M.concat({ self:renamed(self.name), strings_from_lua(self.name, { value }, 1) })
    local idx = T().arange(self.n, "int64"):masked_fill(self.missing, self.n)
    local c = ext:take0(idx)
    c.missing = nil
    return c
  end
  if type(value) == "boolean" then value = value and 1 or 0 end
  if type(value) ~= "number" then raise(format("fillna: column '%s' is %s; value must be a number, got %s", self.name, self.type, type(value))) end
  if self.type == "int64" and value ~= math.floor(value) then
    return self:astype("float64"):fillna(value)
  end
  return make(self.name, self.type, self.n, { data = self.data:masked_fill(self.missing, value) })
end

-- ---------------------------------------------------------------- concat (rows)
function M.concat(cols)
  local t = T()
  local first = cols[1]
  local typ = first.type
  for i = 2, #cols do
    local c = cols[i]
    if c.type ~= typ then
      if is_numeric(typ) and is_numeric(c.type) and (typ == "float64" or c.type == "float64") then typ = "float64"
      elseif (typ == "string" or typ == "categorical") and (c.type == "string" or c.type == "categorical") then typ = "string"
      elseif typ == "int64" and c.type == "bool" or typ == "bool" and c.type == "int64" then typ = "int64"
      else
        raise(format("concat: column '%s' is %s in one frame and %s in another", first.name, typ, c.type))
      end
    end
  end
  if typ == "categorical" then
    local same = true
    for i = 2, #cols do
      if table.concat(cols[i].categories, "\0") ~= table.concat(first.categories, "\0") then same = false end
    end
    if not same then typ = "string" end
  end
  local cs, n, anymiss = {}, 0, false
  for i, c in ipairs(cols) do
    cs[i] = c.type == typ and c or c:astype(typ)
    n = n + c.n
    anymiss = anymiss or c.missing ~= nil
  end
  local missing
  if anymiss then
    local ms = {}
    for i, c in ipairs(cs) do ms[i] = c.missing or t.zeros({ c.n }, "bool") end
    missing = t.cat(ms)
  end
  if typ == "string" then
    local offs, bs, base = {}, {}, 0
    for i, c in ipairs(cs) do
      local o = c.offsets
      if i > 1 then o = o:narrow(1, 2, c.n) end
      offs[#offs + 1] = o + (base - (c.n >= 0 and c.offsets[1] or 0))
      bs[#bs + 1] = c.bytes:narrow(1, c.offsets[1] + 1, c.offsets[c.n + 1] - c.offsets[1])
      base = base + c.offsets[c.n + 1] - c.offsets[1]
    end
    return make(first.name, "string", n, { offsets = t.cat(offs):contiguous(), bytes = t.cat(bs):contiguous(),
      missing = missing })
  end
  local ds = {}
  for i, c in ipairs(cs) do ds[i] = c.data end
  return make(first.name, typ, n, { data = t.cat(ds):contiguous(), missing = missing, categories = first.categories })
end

-- ---------------------------------------------------------------- comparisons -> bool tensors
local CMP = { eq = 0, lt = 1, le = 2, gt = 3, ge = 4, ne = 5 }
local function compare(self, op, v)
  local out
  if self.type == "string" or self.type == "categorical" then
    if type(v) ~= "string" then raise(format("%s: column '%s' is %s; compare it with a string, got %s", op, self.name, self.type, type(v))) end
    local src = self.type == "categorical" and cat_to_string(self) or self
    local p = C.tide_frame_str_compare(src.offsets._c, src.bytes._c, v, #v, CMP[op])
    if p == nil then raise_c() end
    out = wrap(p)
  else
    if type(v) == "boolean" then v = v and 1 or 0 end
    if type(v) ~= "number" then raise(format("%s: column '%s' is %s; compare it with a number, got %s", op, self.name, self.type, type(v))) end
    local d = self.type == "bool" and self.data:to("int64") or self.data
    out = d[op](d, v)
  end
  if self.missing then out:masked_fill_(self.missing, false) end -- missing compares false (pandas)
  return out
end
for op in pairs(CMP) do
  Column[op] = function(self, v) return compare(self, op, v) end
end

-- isin(list) -> bool [n]
function Column:isin(list)
  if type(list) ~= "table" then raise("isin: expected a list of values") end
  local out = T().zeros({ self.n }, "bool")
  for _, v in ipairs(list) do out = out:logical_or(compare(self, "eq", v)) end
  return out
end

-- ---------------------------------------------------------------- reductions (pandas: skip missing)
local function reduce(self, op)
  if self.n == 0 then return op == "count" and 0 or 0 / 0 end
  local g = T().zeros({ self.n }, "int64")
  local typ = self.type
  if op == "count" or op == "nunique" then
    return M.group_agg(self:codes():to("float64"), self.missing, g, 1, op)[1]
  end
  if op == "min" or op == "max" or op == "first" or op == "last" then
    if typ ~= "float64" then
      local row
      if op == "first" or op == "last" then
        row = M.group_agg(T().arange(self.n, "float64"), self.missing, g, 1, op)[1]
      else
        local c = M.group_agg(self:codes():to("float64"), self.missing, g, 1, op)[1]
        if c == c then row = self:code_rows()[c + 1] end
      end
      if row == nil or row ~= row then return nil end
      return self:get(row + 1)
    end
  end
  return M.group_agg(float_data(self, op), self.missing, g, 1, op)[1]
end
for _, op in ipairs({ "sum", "mean", "std", "var", "median", "min", "max", "first", "last", "nunique" }) do
  Column[op] = function(self) return reduce(self, op) end
end

-- quantile(q) with linear interpolation (pandas' default); NaN when every cell is missing.
-- q may be a list: one sort gives every quantile (returned as a list).
function Column:quantile(q)
  local d = float_data(self, "quantile")
  local v = self.missing and d:masked_select(self.missing:logical_not()) or d
  local m = v:numel()
  local qs = type(q) == "table" and q or { q }
  local out = {}
  local s = m > 0 and v:sort() or nil
  for i, p in ipairs(qs) do
    if type(p) ~= "number" or p < 0 or p > 1 then raise(format("quantile: q must be in [0, 1], got %s", tostring(p))) end
    if m == 0 then out[i] = 0 / 0
    else
      local pos = p * (m - 1)
      local lo = math.floor(pos)
      local hi = math.min(lo + 1, m - 1)
      local a, b = s[lo + 1], s[hi + 1]
      out[i] = a + (b - a) * (pos - lo)
    end
  end
  if type(q) == "table" then return out end
  return out[1]
end

return M
