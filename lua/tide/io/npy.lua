-- tide.io.npy: NumPy's .npy (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
-- and .npz (a zip of .npy members, stored or deflated).
--   magic "\x93NUMPY", major, minor version; header length (u16 LE for 1.0, u32 LE for 2.0 / 3.0);
--   a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded
--   with spaces and a newline; then the elements.
-- Read: little / big endian, C or Fortran order; <f4 <f8 <i4 <i8 |u1 |b1 as they are, and
-- |i1 <i2 <u2 -> int32, <u4 -> int64, <f2 -> float32 (exact conversions). Object (pickled),
-- structured, complex, 64-bit unsigned and other dtypes are refused with a clear message.
-- Write: the header NumPy's np.save writes (version 1.0, 64-byte aligned), byte for byte.
local core = require("tide._core")
local files = require("tide.io.files")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap
local format = string.format

local M = {}

local MAGIC = "\147NUMPY"
local MAX_HEADER = 1024 * 1024

-- type code + size -> raw element type (tide/io.h), Tide dtype
local TYPES = {
  f4 = { 0, "float32" }, f8 = { 1, "float64" }, i4 = { 2, "int32" }, i8 = { 3, "int64" }, u1 = { 4, "uint8" },
  b1 = { 5, "bool" }, i1 = { 6, "int32" }, i2 = { 7, "int32" }, u2 = { 8, "int32" }, u4 = { 9, "int64" },
  f2 = { 10, "float32" },
}
local RAW_SIZE = { [0] = 4, 8, 4, 8, 1, 1, 1, 2, 2, 4, 2, 2 }
local KIND_NAMES = { c = "complex", O = "object (pickled Python objects)", U = "unicode string", S = "byte string",
  V = "void / structured", M = "datetime", m = "timedelta", u = "unsigned integer", i = "integer", f = "float",
  b = "boolean" }
local DESCR = { float32 = "<f4", float64 = "<f8", int32 = "<i4", int64 = "<i8", uint8 = "|u1", bool = "|b1" }

-- ---------------------------------------------------------------- the header's Python literal

-- Parses the subset of Python literals NumPy writes: dicts, tuples, lists, strings, integers,
-- True / False / None. Returns the value; errors call bad(msg).
local function parse_literal(s, bad)
  local pos = 1
  local function skip() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function seq(close)
    local items = {}
    skip()
    if s:sub(pos, pos) == close then pos = pos + 1 return items end
    while true do
      items[#items + 1] = value()
      skip()
      local c = s:sub(pos, pos)
      pos = pos + 1
      if c == close then return items end
      if c ~= "," then bad("expected ',' or '" .. close .. "' at header byte " .. (pos - 1)) end
      skip()
      if s:sub(pos, pos) == close then pos = pos + 1 return items end
    end
  end
  function value()
    skip()
    local c = s:sub(pos, pos)
    if c == "'" or c == '"' then
      local e = pos + 1
      local out = {}
      while true do
        local ch = s:sub(e, e)
        if ch == "" then bad("unterminated string in the header") end
        if ch == c then break end
        if ch == "\\" then e = e + 1 ch = s:sub(e, e) end
        out[#out + 1] = ch
        e = e + 1
      end
      pos = e + 1
      return table.concat(out)
    elseif c == "(" or c == "[" then
      pos = pos + 1
      return { list = seq(c == "(" and ")" or "]") }
    elseif c == "{" then
      pos = pos + 1
      local d = {}
      skip()
      if s:sub(pos, pos) == "}" then pos = pos + 1 return { dict = d } end
      while true do
        local k = value()
        if type(k) ~= "string" then bad("dict keys must be strings") end
        skip()
        if s:sub(pos, pos) ~= ":" then bad("expected ':' at header byte " .. pos) end
        pos = pos + 1
        if d[k] ~= nil then bad("key '" .. k .. "' appears twice") end
        d[k] = value()
        skip()
        local ch = s:sub(pos, pos)
        pos = pos + 1
        if ch == "}" then return { dict = d } end
        if ch ~= "," then bad("expected ',' or '}' at header byte " .. (pos - 1)) end
        skip()
        if s:sub(pos, pos) == "}" then pos = pos + 1 return { dict = d } end
      end
    end
    local word = s:match("^[%w_]+", pos)
    if not word then bad("unexpected character '" .. c .. "' at header byte " .. pos) end
    pos = pos + #word
    if word == "True" then return true elseif word == "False" then return false elseif word == "None" then
      return { none = true }
    end
    local num = word:match("^(%d+)L?$")
    if not num then bad("unexpected word '" .. word .. "' in the header") end
    return tonumber(num)
  end
  local v = value()
  skip()
  if pos <= #s then bad("unexpected text after the header's dict at byte " .. pos) end
  return v
end

-- ---------------------------------------------------------------- reading

-- Decode one .npy held in a source (file or bytes); `where` names it in messages.
local function read_npy(op, src)
  local where = src.where
  local function bad(fmt, ...) raise(format("%s: %s: " .. fmt, op, where, ...)) end
  local size = src.size
  if size < 10 or src:read(0, 6) ~= MAGIC then
    if size >= 6 and src:read(0, 6):sub(1, 2) == "PK" then bad("not a .npy file (a zip archive: use load_npz)") end
    bad("not a .npy file (no \\x93NUMPY magic)")
  end
  local pre = src:read(6, size >= 12 and 6 or 4)
  local major, minor = pre:byte(1), pre:byte(2)
  local hlen, start
  if major == 1 then
    hlen, start = files.le_uint(pre, 3, 2), 10
  elseif major == 2 or major == 3 then
    if size < 12 then bad("truncated header") end
    hlen, start = files.le_uint(pre, 3, 4), 12
  else
    bad("unsupported .npy format version %d.%d", major, minor)
  end
  if hlen > MAX_HEADER then bad("header length %d is larger than the limit of %d bytes", hlen, MAX_HEADER) end
  if start + hlen > size then bad("truncated: the header needs %d bytes but the file has %d", start + hlen, size) end
  local text = src:read(start, hlen)
  local function bad_header(msg) bad("corrupt header (%s)", msg) end
  local d = parse_literal(text, bad_header)
  if type(d) ~= "table" or not d.dict then bad_header("not a dict") end
  d = d.dict
  for k in pairs(d) do
    if k ~= "descr" and k ~= "fortran_order" and k ~= "shape" then bad_header("unexpected key '" .. k .. "'") end
  end
  local descr, fortran, shape_t = d.descr, d.fortran_order, d.shape
  if descr == nil or fortran == nil or shape_t == nil then
    bad_header("it needs the keys 'descr', 'fortran_order' and 'shape'")
  end
  if type(descr) ~= "string" then bad("structured dtypes (records with named fields) are not supported") end
  if type(fortran) ~= "boolean" then bad_header("fortran_order must be True or False") end
  if type(shape_t) ~= "table" or not shape_t.list then bad_header("shape must be a tuple") end
  local shape, numel = {}, 1
  for i, v in ipairs(shape_t.list) do
    if type(v) ~= "number" then bad_header("shape entries must be integers") end
    shape[i] = v
    numel = numel * v
  end
  if #shape > 8 then bad("the array has %d dims; Tide tensors have at most 8", #shape) end
  local order, kind, bytes = descr:match("^([<>|=]?)(%a)(%d+)$")
  local ty = kind and TYPES[kind .. bytes]
  if not ty then
    local k = descr:match("^[<>|=]?(%a)")
    bad("dtype '%s' (%s) is not supported (Tide reads <f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 <u2 <u4 |b1)", descr,
      KIND_NAMES[k] or "unknown")
  end
  local raw, dtype = ty[1], ty[2]
  if order == "|" and RAW_SIZE[raw] > 1 then bad_header("byte order '|' on a multi-byte dtype") end
  local nbytes = numel * RAW_SIZE[raw]
  local data_at = start + hlen
  if data_at + nbytes > size then
    bad("truncated: the array %s of %s needs %.0f bytes of data but the file has %d after the header",
      "(" .. table.concat(shape, ", ") .. ")", descr, nbytes, size - data_at)
  elseif data_at + nbytes < size then
    bad("%d unexpected bytes after the array's data (corrupt file?)", size - data_at - nbytes)
  end
  local big = order == ">"
  if not fortran or #shape < 2 then return src:tensor(data_at, shape, dtype, raw, big) end
  -- Fortran order: the data is the transpose, row-major: read it as reversed dims, permute back
  local rev, perm = {}, {}
  for i = 1, #shape do rev[i] = shape[#shape + 1 - i] perm[i] = #shape + 1 - i end
  local t = src:tensor(data_at, rev, dtype, raw, big)
  local pb = ffi.new("int32_t[8]")
  for i = 1, #perm do pb[i - 1] = perm[i] - 1 end
  local v = wrap(C.tide_permute(t._c, pb), t)
  local c = C.tide_clone(v._c)
  if c == nil then raise_c() end
  return wrap(c)
end

function M.load_npy(path)
  files.check_path("load_npy", path)
  return read_npy("load_npy", files.file_source("load_npy", path))
end

-- load_npz(path) -> {name = tensor} for every .npy member (name without ".npy"); other members
-- are skipped.
function M.load_npz(path)
  local op = "load_npz"
  files.check_path(op, path)
  local z = C.tide_zip_open(path, op)
  if z == nil then raise_c() end
  ffi.gc(z, C.tide_zip_close)
  local out = {}
  for i = 0, tonumber(C.tide_zip_count(z)) - 1 do
    local name = ffi.string(C.tide_zip_name(z, i))
    local key = name:match("^(.*)%.npy$")
    if key then
      if out[key] then raise(format("%s: %s: the member '%s' appears twice", op, path, name)) end
      local p = C.tide_zip_read(z, i)
      if p == nil then raise_c() end
      local bytes = wrap(p)
      out[key] = read_npy(op, files.bytes_source(op, bytes, path .. ": member " .. name))
      bytes:free()
    end
  end
  ffi.gc(z, nil)
  C.tide_zip_close(z)
  return out
end

-- ---------------------------------------------------------------- writing

-- The header np.save writes: keys sorted, the shape's repr, room for the first dim to grow to
-- 21 digits, spaces and a newline up to a multiple of 64 bytes with the 10-byte preamble.
function M.npy_header(dtype, shape)
  local dims = {}
  for i, d in ipairs(shape) do dims[i] = format("%d", d) end
  local shape_repr = #dims == 1 and "(" .. dims[1] .. ",)" or "(" .. table.concat(dims, ", ") .. ")"
  local h = format("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", DESCR[dtype], shape_repr)
  if #dims > 0 then h = h .. string.rep(" ", 21 - #dims[1]) end
  local hlen = #h + 1
  local pad = 64 - (10 + hlen) % 64
  local total = hlen + pad
  return MAGIC .. "\1\0" .. string.char(total % 256, math.floor(total / 256)) .. h .. string.rep(" ", pad) .. "\n"
end

function M.save_npy(path, t)
  local op = "save_npy"
  files.check_path(op, path)
  if getmetatable(t) ~= core.Tensor then raise(op .. ": expected a tensor, got " .. type(t)) end
  local part, c = files.tensor_part(op, t)
  files.write(op, path, { M.npy_header(t.dtype, t.shape), part }, c)
end

return M
