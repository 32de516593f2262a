-- tide.csv: CSV files to typed columns and back, over core/csv_read.c, csv_parse.c, csv_write.c.
-- All bulk work is in C (one pass finds rows and fields, columns convert in parallel); this
-- module checks options, resolves column names and wraps the resulting tensors.
--
--   tide.csv.read(path, opts) -> { names = {...}, columns = { col, ... }, nrows = n, skipped = k }
--   a column: { name =, type = "bool"|"int64"|"float64"|"datetime"|"string", data = tensor [n]
--     (nil for strings), offsets = int64 [n + 1] and bytes = uint8 (strings), missing = bool [n]
--     or nil }
--   tide.csv.write(path, columns_or_table, opts)
--   tide.csv.string(column, i) -> the i-th (1-based) value of a string column as a Lua string
-- Reference with examples: docs/csv.md.
local core = require("tide._core")
local args = require("tide._args")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap
local format = string.format

local csv = {}

local TYPE_CODE = { bool = 0, int64 = 1, float64 = 2, datetime = 3, string = 4 }
local TYPE_NAME = { [0] = "bool", "int64", "float64", "datetime", "string" }
csv.types = { "bool", "int64", "float64", "datetime", "string" }

local READ_OPTS = args.set({ "delimiter", "sep", "quote", "comment", "header", "skip_rows", "nrows", "na_values",
  "on_bad_row", "invalid_utf8", "allow_empty", "types", "usecols" })

local function byte_opt(op, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "string" or #v ~= 1 then
    raise(format("%s: %s must be a one-character string, got %s", op, key, type(v) == "string" and format("%q", v) or type(v)))
  end
  return v:byte()
end

local function int_opt(op, opts, key, default, min)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= math.floor(v) or v < min then
    raise(format("%s: %s must be an integer >= %d, got %s", op, key, min, tostring(v)))
  end
  return v
end

local function choice(op, opts, key, allowed, default)
  local v = opts[key]
  if v == nil then return default end
  if not allowed[v] then
    local names = {}
    for k in pairs(allowed) do names[#names + 1] = format("%q", k) end
    table.sort(names)
    raise(format("%s: %s must be one of %s, got %s", op, key, table.concat(names, ", "), tostring(v)))
  end
  return v
end

-- read(path, opts)
--   delimiter (or sep): one character; default: detected among , ; TAB |
--   quote = '"', comment = nil (a character: the rest of a line after it is ignored)
--   header = true (false: columns are named col1, col2, ...)
--   skip_rows = 0 (lines skipped at the top), nrows = all (data rows read at most)
--   na_values = pandas' markers ("", "NA", "N/A", "NaN", "null", "None", "nan", "NULL", "#N/A", ...)
--   on_bad_row = "error" | "skip", invalid_utf8 = "error" | "replace", allow_empty = false
--   types = { Age = "float64", ... } (others inferred), usecols = { "Age", "Name" } or { 1, 3 }
function csv.read(path, opts)
  local op = "csv read"
  if type(path) ~= "string" then raise(op .. ": path must be a string, got " .. type(path)) end
  opts = args.options(op, opts, READ_OPTS)
  local o = ffi.new("tide_csv_options")
  if opts.delimiter ~= nil and opts.sep ~= nil then raise(op .. ": give delimiter or sep, not both") end
  local dkey = opts.sep ~= nil and "sep" or "delimiter"
  local delim = opts[dkey]
  if delim == "\\t" then delim = "\t" end
  o.delimiter = byte_opt(op, { [dkey] = delim }, dkey, 0)
  o.quote = byte_opt(op, opts, "quote", 34)
  o.comment = byte_opt(op, opts, "comment", 0)
  if opts.header ~= nil and type(opts.header) ~= "boolean" then raise(op .. ": header must be true or false") end
  o.header = opts.header == false and 0 or 1
  o.skip_rows = int_opt(op, opts, "skip_rows", 0, 0)
  o.nrows = int_opt(op, opts, "nrows", -1, 0)
  o.skip_bad_rows = choice(op, opts, "on_bad_row", { error = true, skip = true }, "error") == "skip" and 1 or 0
  o.replace_invalid_utf8 = choice(op, opts, "invalid_utf8", { error = true, replace = true }, "error") == "replace"
    and 1 or 0
  if opts.allow_empty ~= nil and type(opts.allow_empty) ~= "boolean" then raise(op .. ": allow_empty must be true or false") end
  o.allow_empty = opts.allow_empty and 1 or 0
  local na_keep
  if opts.na_values ~= nil then
    if type(opts.na_values) ~= "table" then raise(op .. ": na_values must be a list of strings") end
    local n = #opts.na_values
    na_keep = ffi.new("const char*[?]", n + 1)
    for i = 1, n do
      local s = opts.na_values[i]
      if type(s) ~= "string" then raise(format("%s: na_values[%d] is a %s, expected a string", op, i, type(s))) end
      na_keep[i - 1] = s
    end
    o.n_na = n
    o.na_values = na_keep
  else
    o.n_na = -1
  end
  if opts.types ~= nil and type(opts.types) ~= "table" then raise(op .. ": types must be a table name -> type") end
  if opts.usecols ~= nil and type(opts.usecols) ~= "table" then raise(op .. ": usecols must be a list of names or indices") end

  local r = C.tide_csv_open(path, o)
  if r == nil then raise_c() end
  r = ffi.gc(r, C.tide_csv_close)
  local ncols = tonumber(C.tide_csv_ncols(r))
  local nrows = tonumber(C.tide_csv_nrows(r))
  local all_names, index = {}, {}
  for c = 1, ncols do
    local nm = ffi.string(C.tide_csv_name(r, c - 1))
    all_names[c] = nm
    index[nm] = c
  end
  -- the columns to read
  local sel = {}
  if opts.usecols ~= nil then
    local seen = {}
    for i, u in ipairs(opts.usecols) do
      local c
      if type(u) == "number" then
        if u ~= math.floor(u) or u < 1 or u > ncols then
          raise(format("%s: usecols[%d] = %s is not a column index (the file has %d columns)", op, i, tostring(u), ncols))
        end
        c = u
      elseif type(u) == "string" then
        c = index[u]
        if not c then raise(format("%s: %s has no column %q (usecols)", op, path, u)) end
      else
        raise(format("%s: usecols[%d] is a %s, expected a name or an index", op, i, type(u)))
      end
      if not seen[c] then
        seen[c] = true
        sel[#sel + 1] = c
      end
    end
    table.sort(sel)
  else
    for c = 1, ncols do sel[c] = c end
  end
  local n = #sel
  local cols = ffi.new("int64_t[?]", math.max(n, 1))
  local types = ffi.new("int32_t[?]", math.max(n, 1))
  local wanted = {}
  for i, c in ipairs(sel) do wanted[all_names[c]] = i end
  for i, c in ipairs(sel) do
    cols[i - 1] = c - 1
    types[i - 1] = -1
  end
  if opts.types ~= nil then
    for k, t in pairs(opts.types) do
      if type(k) ~= "string" then raise(op .. ": types keys must be column names") end
      if not index[k] then raise(format("%s: %s has no column %q (types)", op, path, k)) end
      if TYPE_CODE[t] == nil then
        raise(format("%s: types.%s = %s is not a type (expected bool, int64, float64, datetime or string)", op, k,
          tostring(t)))
      end
      local i = wanted[k]
      if i then types[i - 1] = TYPE_CODE[t] end
    end
  end
  local out = ffi.new("tide_tensor*[?]", math.max(3 * n, 1))
  if C.tide_csv_parse(r, n, cols, types, out) ~= 0 then raise_c() end
  local result = { names = {}, columns = {}, nrows = nrows, skipped = tonumber(C.tide_csv_skipped(r)),
    delimiter = string.char(C.tide_csv_delimiter(r)) }
  -- every result gets its finaliser before anything else can raise
  local wrapped = {}
  for k = 0, 3 * n - 1 do
    if out[k] ~= nil then wrapped[k] = wrap(out[k]) end
  end
  for i, c in ipairs(sel) do
    local t = TYPE_NAME[tonumber(types[i - 1])]
    local col = { name = all_names[c], type = t, missing = wrapped[3 * (i - 1) + 2] }
    if t == "string" then
      col.offsets = wrapped[3 * (i - 1)]
      col.bytes = wrapped[3 * (i - 1) + 1]
    else
      col.data = wrapped[3 * (i - 1)]
    end
    result.names[i] = col.name
    result.columns[i] = col
  end
  C.tide_csv_close(ffi.gc(r, nil))
  return result
end

-- The i-th (1-based) value of a string column, or nil when missing.
function csv.string(col, i)
  if type(col) ~= "table" or col.type ~= "string" then raise("csv string: expected a string column") end
  local n = tonumber(col.offsets._c.numel) - 1
  if type(i) ~= "number" or i < 1 or i > n then raise(format("csv string: index %s out of range 1..%d", tostring(i), n)) end
  if col.missing ~= nil and ffi.cast("const uint8_t*", C.tide_tensor_data_ptr(col.missing._c))[i - 1] ~= 0 then
    return nil
  end
  local off = ffi.cast("const int64_t*", C.tide_tensor_data_ptr(col.offsets._c))
  local a, b = tonumber(off[i - 1]), tonumber(off[i])
  local bytes = ffi.cast("const char*", C.tide_tensor_data_ptr(col.bytes._c))
  return ffi.string(bytes + a, b - a)
end

local WRITE_OPTS = args.set({ "delimiter", "sep", "header", "line_end", "na_rep" })

local function contiguous(t) return t:contiguous() end

-- write(path, columns, opts): columns is read()'s result or a list of columns (the read
-- contract). opts: delimiter = ",", header = true, line_end = "\n", na_rep = "" (missing cells).
function csv.write(path, columns, opts)
  local op = "csv write"
  if type(path) ~= "string" then raise(op .. ": path must be a string, got " .. type(path)) end
  opts = args.options(op, opts, WRITE_OPTS)
  if type(columns) ~= "table" then raise(op .. ": columns must be a table, got " .. type(columns)) end
  if columns.columns ~= nil then columns = columns.columns end
  local n = #columns
  if n == 0 then raise(op .. ": no columns to write") end
  local delim = opts.delimiter or opts.sep or ","
  if delim == "\\t" then delim = "\t" end
  if type(delim) ~= "string" or #delim ~= 1 then raise(op .. ": delimiter must be one character") end
  if opts.header ~= nil and type(opts.header) ~= "boolean" then raise(op .. ": header must be true or false") end
  if opts.line_end ~= nil and type(opts.line_end) ~= "string" then raise(op .. ": line_end must be a string") end
  if opts.na_rep ~= nil and type(opts.na_rep) ~= "string" then raise(op .. ": na_rep must be a string") end
  local cs = ffi.new("tide_csv_column[?]", n)
  local keep = {}
  local is_tensor = require("tide.tensor").is_tensor
  for i, col in ipairs(columns) do
    if type(col) ~= "table" then raise(format("%s: columns[%d] is a %s, expected a column table", op, i, type(col))) end
    local code = TYPE_CODE[col.type]
    if code == nil then raise(format("%s: column %d (%s) has unknown type %s", op, i, tostring(col.name), tostring(col.type))) end
    local name = col.name ~= nil and tostring(col.name) or ("col" .. i)
    keep[#keep + 1] = name
    cs[i - 1].name = name
    cs[i - 1].type = code
    local function tensor_field(key)
      local t = col[key]
      if t == nil then return nil end
      if not is_tensor(t) then raise(format("%s: column %s: %s must be a tensor", op, name, key)) end
      t = contiguous(t)
      keep[#keep + 1] = t
      return t._c
    end
    if code == 4 then
      cs[i - 1].offsets = tensor_field("offsets")
      cs[i - 1].bytes = tensor_field("bytes")
    else
      cs[i - 1].data = tensor_field("data")
    end
    cs[i - 1].missing = tensor_field("missing")
  end
  local st = C.tide_csv_write(path, n, cs, delim:byte(), opts.header == false and 0 or 1, opts.line_end, opts.na_rep)
  if st ~= 0 then raise_c() end
  return path
end

return csv
