-- tide.frame: a data frame of typed columns (float64, int64, bool, string, categorical,
-- datetime) with missing values tracked per cell, over C-owned tensors (see column.lua for the
-- column layout, the contract of tide.csv.read). Row operations (filter, sort, group-by, join)
-- work on whole columns: factorized int64 key codes, tensor gathers and the kernels of
-- core/frame_ops.c. Reference with examples: docs/frame.md.
local core = require("tide._core")
require("tide") -- the tensor methods the columns use (sum, ...) are installed by tide's init
local colmod = require("tide.frame.column")
local raise = core.raise
local format = string.format

local Column, NA = colmod.Column, colmod.NA
local tide
local function T()
  if not tide then tide = require("tide") end
  return tide
end

local Frame = {}
local M = { Frame = Frame, Column = Column, NA = NA, types = colmod.types }

-- ---------------------------------------------------------------- names and errors
-- Edit distance with transpositions (optimal string alignment), for "did you mean" hints.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local v = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        v = math.min(v, d[i - 2][j - 2] + 1)
      end
      d[i][j] = v
    end
  end
  return d[#a][#b]
end

local function no_column(op, self, name)
  local best, bd
  for _, nm in ipairs(self.names) do
    local d = distance(tostring(name), nm)
    if bd == nil or d < bd then best, bd = nm, d end
  end
  local hint = ""
  if best and bd <= math.max(1, math.floor(#best / 3)) then hint = format(" (did you mean '%s'?)", best) end
  raise(format("%s: no column '%s'%s", op, tostring(name), hint))
end

-- ---------------------------------------------------------------- construction
local function build(names, cols, op)
  op = op or "frame"
  local f = { names = {}, columns = {}, _cols = {} }
  local n
  for i, c in ipairs(cols) do
    local nm = names[i]
    if f._cols[nm] then raise(format("%s: duplicate column name '%s'", op, nm)) end
    if n == nil then n = c.n
    elseif c.n ~= n then
      raise(format("%s: columns have different lengths ('%s' has %d rows, '%s' has %d)", op, names[1], n, nm, c.n))
    end
    f.names[i] = nm
    f._cols[nm] = c.name == nm and c or c:renamed(nm)
    f.columns[i] = f._cols[nm]
  end
  f._n = n or 0
  return setmetatable(f, Frame)
end

local function to_column(name, v, op)
  if getmetatable(v) == Column then return v.name == name and v or v:renamed(name) end
  if colmod.is_tensor(v) then return colmod.from_tensor(name, v) end
  if type(v) == "table" then
    if v.type ~= nil and (v.data ~= nil or v.offsets ~= nil) then return colmod.from_contract(name, v) end
    local n = v.n or #v
    return colmod.from_lua(name, v, n)
  end
  raise(format("%s: column '%s' must be a Lua array, a tensor or a column, got %s", op, name, type(v)))
end

-- new(columns, [names]) / new(columns, {names = {...}, types = {col = type}})
--   columns: { Age = {22, 38, NA}, Name = {"a", "b", "c"}, X = tensor } (order: names, else
--   sorted names), or an array of { name, values } pairs (order kept).
function M.new(columns, opts)
  local op = "frame.new"
  if type(columns) ~= "table" then raise(op .. ": expected a table of columns, got " .. type(columns)) end
  if opts ~= nil and type(opts) ~= "table" then raise(op .. ": the second argument must be a names list or an options table") end
  opts = opts or {}
  local order = opts.names or (opts[1] ~= nil and opts) or nil
  local types = opts.types or {}
  local names, vals = {}, {}
  if #columns > 0 and type(columns[1]) == "table" and type(columns[1][1]) == "string" and columns[1][2] ~= nil
    and getmetatable(columns[1]) == nil then
    for i, p in ipairs(columns) do
      if type(p) ~= "table" or type(p[1]) ~= "string" then raise(format("%s: pair %d must be { name, values }", op, i)) end
      names[i], vals[i] = p[1], p[2]
    end
  else
    if order then
      for i, nm in ipairs(order) do
        if columns[nm] == nil then raise(format("%s: names lists '%s', which is not among the columns", op, tostring(nm))) end
        names[i], vals[i] = nm, columns[nm]
      end
    else
      for k in pairs(columns) do
        if type(k) ~= "string" then raise(format("%s: column keys must be names (strings), got %s", op, type(k))) end
        names[#names + 1] = k
      end
      table.sort(names)
      for i, nm in ipairs(names) do vals[i] = columns[nm] end
    end
  end
  local cols = {}
  for i, nm in ipairs(names) do
    local c = to_column(nm, vals[i], op)
    if types[nm] then c = c:astype(types[nm]) end
    cols[i] = c
  end
  return build(names, cols, op)
end

-- from_tensor(x [n, k], names?) -> frame of float64 / int64 / bool columns.
function M.from_tensor(x, names)
  if not colmod.is_tensor(x) or x.ndim ~= 2 then raise("frame.from_tensor: expected a 2-d tensor [n, k]") end
  local k = x.shape[2]
  names = names or {}
  if #names ~= 0 and #names ~= k then raise(format("frame.from_tensor: %d names for %d columns", #names, k)) end
  local ns, cols = {}, {}
  for j = 1, k do
    ns[j] = names[j] or ("col" .. j)
    cols[j] = colmod.from_tensor(ns[j], x:select(2, j):contiguous())
  end
  return build(ns, cols, "frame.from_tensor")
end

-- from_csv_result(r): a frame from tide.csv.read's result.
function M.from_csv(r)
  local cols = {}
  for i, c in ipairs(r.columns) do cols[i] = colmod.from_contract(r.names[i], c) end
  return build(r.names, cols, "read_csv")
end

function M.read_csv(path, opts) return M.from_csv(require("tide.csv").read(path, opts)) end

-- ---------------------------------------------------------------- access
function Frame:nrows() return self._n end
function Frame:ncols() return #self.names end
function Frame:shape() return { self._n, #self.names } end

function Frame:col(name)
  local c = self._cols[name]
  if c == nil then no_column("frame", self, name) end
  return c
end

function Frame:has(name) return self._cols[name] ~= nil end

-- f.names and f.columns (column objects, in order) make a frame the { names =, columns = } table
-- tide.csv.read returns, so frames go wherever such tables do (tide.csv.write, tide.preprocess).
-- to_table() is that table with categoricals as strings (the CSV contract has no categoricals).
function Frame:to_table()
  local cols = {}
  for i, nm in ipairs(self.names) do
    local c = self._cols[nm]
    cols[i] = c.type == "categorical" and c:astype("string") or c
  end
  return { names = { unpack(self.names) }, columns = cols, nrows = self._n }
end

-- dtypes() -> { Age = "float64", ... } plus the array part in column order.
function Frame:dtypes()
  local out = {}
  for i, nm in ipairs(self.names) do
    out[i] = self._cols[nm].type
    out[nm] = self._cols[nm].type
  end
  return out
end

Frame.__index = function(self, k)
  local m = Frame[k]
  if m ~= nil then return m end
  if type(k) == "string" then
    local c = rawget(self, "_cols")[k]
    if c == nil then no_column("frame", self, k) end
    return c
  end
  return nil
end

Frame.__len = function(self) return self._n end

-- f[name] = values adds a column at the end or replaces one in place (pandas' df[name] = ...);
-- f[name] = nil removes it.
Frame.__newindex = function(self, k, v)
  if type(k) ~= "string" then raise("frame: column names must be strings, got " .. type(k)) end
  local cols = rawget(self, "_cols")
  if v == nil then
    if cols[k] == nil then no_column("frame", self, k) end
    cols[k] = nil
    for i, nm in ipairs(self.names) do
      if nm == k then
        table.remove(self.names, i)
        table.remove(self.columns, i)
        break
      end
    end
    return
  end
  local c = to_column(k, v, "frame")
  if #self.names > 0 and c.n ~= self._n then
    raise(format("frame: column '%s' has %d rows, the frame %d", k, c.n, self._n))
  end
  if cols[k] == nil then self.names[#self.names + 1] = k end
  if #self.names == 1 then rawset(self, "_n", c.n) end
  cols[k] = c
  for i, nm in ipairs(self.names) do
    if nm == k then self.columns[i] = c end
  end
end

local function check_names(op, self, cols)
  if type(cols) == "string" then cols = { cols } end
  if type(cols) ~= "table" then raise(format("%s: expected a column name or a list of names, got %s", op, type(cols))) end
  for _, nm in ipairs(cols) do
    if self._cols[nm] == nil then no_column(op, self, nm) end
  end
  return cols
end
M._check_names = check_names

-- select(names) -> a frame of those columns in that order (no copy).
function Frame:select(cols)
  cols = check_names("select", self, cols)
  local cs = {}
  for i, nm in ipairs(cols) do cs[i] = self._cols[nm] end
  return build(cols, cs, "select")
end

function Frame:drop(cols)
  cols = check_names("drop", self, cols)
  local gone = {}
  for _, nm in ipairs(cols) do gone[nm] = true end
  local keep = {}
  for _, nm in ipairs(self.names) do if not gone[nm] then keep[#keep + 1] = nm end end
  return self:select(keep)
end

-- Rows by 0-based int64 index (-1: a missing row).
function Frame:take0(idx)
  local cs = {}
  for i, nm in ipairs(self.names) do cs[i] = self._cols[nm]:take0(idx) end
  local f = build(self.names, cs, "take")
  f._n = idx:numel()
  return f
end

-- take(rows): rows by 1-based index (a Lua array or an int tensor).
function Frame:take(rows)
  local t = T()
  local idx = colmod.is_tensor(rows) and rows:to("int64") or t.tensor(rows, "int64")
  if idx:numel() > 0 and (idx:amin() < 1 or idx:amax() > self._n) then
    raise(format("take: row index out of range 1..%d", self._n))
  end
  return self:take0(idx - 1)
end

function Frame:head(k)
  k = math.min(k or 5, self._n)
  return self:take0(T().arange(k, "int64"))
end

function Frame:tail(k)
  k = math.min(k or 5, self._n)
  return self:take0(T().arange(self._n - k, self._n, 1, "int64"))
end

-- filter(mask): rows where mask (bool [n] tensor, or a function(frame) -> mask) is true.
function Frame:filter(mask)
  if type(mask) == "function" then mask = mask(self) end
  if not colmod.is_tensor(mask) or mask.ndim ~= 1 then raise("filter: expected a bool tensor [n] or a function returning one") end
  if mask:numel() ~= self._n then raise(format("filter: mask has %d values for %d rows", mask:numel(), self._n)) end
  if mask.dtype ~= "bool" then raise("filter: mask must be a bool tensor, got " .. mask.dtype) end
  local idx = mask:nonzero()
  idx = idx:numel() > 0 and idx:select(2, 1):contiguous() - 1 or T().zeros({ 0 }, "int64")
  return self:take0(idx)
end

-- with_column(name, values): a new frame with the column added (at the end) or replaced.
function Frame:with_column(name, v)
  if type(name) ~= "string" then raise("with_column: name must be a string") end
  local c = to_column(name, v, "with_column")
  local names, cs = {}, {}
  local found = false
  for i, nm in ipairs(self.names) do
    names[i] = nm
    if nm == name then cs[i], found = c, true else cs[i] = self._cols[nm] end
  end
  if not found then
    names[#names + 1] = name
    cs[#cs + 1] = c
  end
  return build(names, cs, "with_column")
end

-- rename{ old = "new", ... }
function Frame:rename(map)
  if type(map) ~= "table" then raise("rename: expected a table old name -> new name") end
  for old in pairs(map) do if self._cols[old] == nil then no_column("rename", self, old) end end
  local names, cs = {}, {}
  for i, nm in ipairs(self.names) do
    names[i] = map[nm] or nm
    cs[i] = self._cols[nm]
  end
  return build(names, cs, "rename")
end

-- astype{ col = type } or astype(type) for every column.
function Frame:astype(spec)
  local cs = {}
  if type(spec) == "string" then
    for i, nm in ipairs(self.names) do cs[i] = self._cols[nm]:astype(spec) end
  elseif type(spec) == "table" then
    for k in pairs(spec) do if self._cols[k] == nil then no_column("astype", self, k) end end
    for i, nm in ipairs(self.names) do cs[i] = spec[nm] and self._cols[nm]:astype(spec[nm]) or self._cols[nm] end
  else
    raise("astype: expected a type name or a table column -> type")
  end
  return build(self.names, cs, "astype")
end

-- fillna(value) for every column it fits, or fillna{ col = value }.
function Frame:fillna(spec)
  local cs = {}
  if type(spec) == "table" and spec ~= NA then
    for k in pairs(spec) do if self._cols[k] == nil then no_column("fillna", self, k) end end
    for i, nm in ipairs(self.names) do
      cs[i] = spec[nm] ~= nil and self._cols[nm]:fillna(spec[nm]) or self._cols[nm]
    end
  else
    local str = type(spec) == "string"
    for i, nm in ipairs(self.names) do
      local c = self._cols[nm]
      local sc = c.type == "string" or c.type == "categorical"
      cs[i] = (sc == str and c.type ~= "datetime") and c:fillna(spec) or c
    end
  end
  return build(self.names, cs, "fillna")
end

-- drop_na([cols]): rows with no missing cell (in cols, default every column).
function Frame:drop_na(cols)
  cols = cols and check_names("drop_na", self, cols) or self.names
  local bad = T().zeros({ self._n }, "bool")
  for _, nm in ipairs(cols) do
    local m = self._cols[nm].missing
    if m then bad = bad:logical_or(m) end
  end
  return self:filter(bad:logical_not())
end
Frame.dropna = Frame.drop_na

-- to_tensor([cols]) -> float64 [n, k] (missing -> NaN; bool 0/1; categorical codes 1-based).
function Frame:to_tensor(cols)
  cols = cols and check_names("to_tensor", self, cols) or self.names
  local parts = {}
  for i, nm in ipairs(cols) do
    parts[i] = self._cols[nm]:to_tensor("float64"):unsqueeze(2)
  end
  if #parts == 0 then return T().zeros({ self._n, 0 }, "float64") end
  return T().cat(parts, 2)
end

-- concat({f1, f2, ...}): rows of frames with the same column names (types promote).
function M.concat(frames)
  if type(frames) ~= "table" or #frames == 0 then raise("concat: expected a non-empty list of frames") end
  local first = frames[1]
  for i, f in ipairs(frames) do
    if getmetatable(f) ~= Frame then raise(format("concat: item %d is not a frame", i)) end
    if #f.names ~= #first.names then raise(format("concat: frame %d has %d columns, frame 1 has %d", i, #f.names, #first.names)) end
    for _, nm in ipairs(first.names) do
      if f._cols[nm] == nil then raise(format("concat: frame %d has no column '%s'", i, nm)) end
    end
  end
  local cs = {}
  for j, nm in ipairs(first.names) do
    local parts = {}
    for i, f in ipairs(frames) do parts[i] = f._cols[nm] end
    cs[j] = colmod.concat(parts)
  end
  return build(first.names, cs, "concat")
end

function M.is_frame(x) return getmetatable(x) == Frame end

function Frame:to_csv(path, opts)
  return require("tide.csv").write(path, self:to_table().columns, opts)
end

require("tide.frame.ops")(M, Frame, colmod)
require("tide.frame.print")(M, Frame, colmod)

return M
