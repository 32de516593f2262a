-- tide.io.safetensors: the safetensors format (https://github.com/huggingface/safetensors):
--   8 bytes   N, little-endian u64, the header's size
--   N bytes   UTF-8 JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
--             ..., "__metadata__": {string: string}} (offsets relative to the data that follows)
--   rest      every tensor's little-endian row-major bytes, back to back, covering it exactly
-- Reading applies the reference implementation's checks (header size limit, UTF-8, JSON, dtypes,
-- shape x dtype size == offset span, offsets that tile the data from 0 with no gap or overlap,
-- data ending exactly at the end of the file) and reads each tensor straight into its memory.
-- Writing sorts tensors as the reference does (descending dtype alignment, then name), writes the
-- header compactly with "__metadata__" first, pads it with spaces to 8 bytes, and is atomic.
local core = require("tide._core")
local files = require("tide.io.files")
local json = require("tide.io.json")
local raise = core.raise
local format = string.format

local M = {}

-- dtype -> raw element type of core (tide/io.h), the Tide dtype it reads into, bytes per element
local READ = {
  F32 = { 0, "float32", 4 }, F64 = { 1, "float64", 8 }, I32 = { 2, "int32", 4 }, I64 = { 3, "int64", 8 },
  U8 = { 4, "uint8", 1 }, BOOL = { 5, "bool", 1 }, I8 = { 6, "int32", 1 }, I16 = { 7, "int32", 2 },
  U16 = { 8, "int32", 2 }, U32 = { 9, "int64", 4 }, F16 = { 10, "float32", 2 }, BF16 = { 11, "float32", 2 },
}
local WRITE = { float32 = "F32", float64 = "F64", int32 = "I32", int64 = "I64", uint8 = "U8", bool = "BOOL" }
-- the reference's Dtype enum order (its writer sorts by it, descending)
local RANK = { BOOL = 0, U8 = 1, I8 = 2, F8_E5M2 = 3, F8_E4M3 = 4, I16 = 5, U16 = 6, F16 = 7, BF16 = 8, I32 = 9,
  U32 = 10, F32 = 11, F64 = 12, I64 = 13, U64 = 14 }
local SIZE = { BOOL = 1, U8 = 1, I8 = 1, F8_E5M2 = 1, F8_E4M3 = 1, I16 = 2, U16 = 2, F16 = 2, BF16 = 2, I32 = 4,
  U32 = 4, F32 = 4, F64 = 8, I64 = 8, U64 = 8 }
local MAX_HEADER = 100000000 -- the reference's limit

local function is_count(x) return type(x) == "number" and x >= 0 and x == math.floor(x) and x < 2 ^ 53 end

local function shape_str(shape)
  local p = {}
  for i, d in ipairs(shape) do p[i] = format("%d", d) end
  return "[" .. table.concat(p, ", ") .. "]"
end

-- Parse and validate a file's header: entries sorted by offset {name, dtype, shape, b, e},
-- the metadata table (or nil), and where the data starts.
function M.read_header(op, path)
  local src = files.file_source(op, path)
  local size = src.size
  local function bad(fmt, ...) raise(format("%s: %s: " .. fmt, op, path, ...)) end
  if size < 8 then bad("not a safetensors file (%d bytes, too short for the 8-byte header length)", size) end
  local n = files.le_uint(src:read(0, 8), 1, 8)
  if not n or n > MAX_HEADER then
    bad("header length %s is larger than the limit of %d bytes (not a safetensors file?)",
      n and format("%d", n) or ">= 2^53", MAX_HEADER)
  end
  if 8 + n > size then
    bad("truncated: the header length says %d bytes but only %d follow it", n, size - 8)
  end
  local text = src:read(8, n)
  if text:sub(1, 1) ~= "{" then bad("the header does not start with '{' (not a safetensors file?)") end
  local at = json.utf8_error(text)
  if at then bad("the header is not valid UTF-8 (byte %d)", 8 + at - 1) end
  local ok, header = pcall(json.raw_decode, text)
  if not ok then bad("the header is not valid JSON (%s)", tostring(header):gsub("^.-: ", "")) end
  if type(header) ~= "table" then bad("the header is not a JSON object") end

  local metadata = header.__metadata__
  if metadata ~= nil then
    if type(metadata) ~= "table" then bad("__metadata__ must be an object of strings") end
    for k, v in pairs(metadata) do
      if type(v) ~= "string" then
        bad("__metadata__ value of '%s' must be a string, got %s", tostring(k), v == json.null and "null" or type(v))
      end
    end
  end
  local entries = {}
  for name, info in pairs(header) do
    if name ~= "__metadata__" then
      local function bad_t(fmt, ...) bad("tensor '%s': " .. fmt, name, ...) end
      if type(info) ~= "table" then bad_t("expected an object with dtype, shape and data_offsets") end
      local dt = info.dtype
      if type(dt) ~= "string" then bad_t("missing dtype") end
      if not READ[dt] then
        if RANK[dt] then bad_t("dtype %s is not supported by Tide", dt) end
        bad_t("unknown dtype '%s'", dt)
      end
      local shape = info.shape
      if type(shape) ~= "table" then bad_t("missing shape") end
      local numel, count = 1, 0
      for _ in pairs(shape) do count = count + 1 end
      if count ~= #shape then bad_t("shape must be an array of sizes") end
      for i = 1, #shape do
        if not is_count(shape[i]) then bad_t("shape entry %d is not a non-negative integer", i) end
        numel = numel * shape[i]
      end
      if #shape > 8 then bad_t("has %d dims; Tide tensors have at most 8", #shape) end
      local off = info.data_offsets
      if type(off) ~= "table" or #off ~= 2 or not is_count(off[1]) or not is_count(off[2]) then
        bad_t("data_offsets must be [begin, end], two non-negative integers")
      end
      if off[2] < off[1] then bad_t("data_offsets [%d, %d] end before they begin", off[1], off[2]) end
      local nbytes = numel * SIZE[dt]
      if nbytes ~= off[2] - off[1] then
        bad_t("shape %s of %s needs %.0f bytes, but data_offsets [%d, %d] span %d", shape_str(shape), dt, nbytes,
          off[1], off[2], off[2] - off[1])
      end
      entries[#entries + 1] = { name = name, dtype = dt, shape = shape, b = off[1], e = off[2] }
    end
  end
  table.sort(entries, function(a, b)
    if a.b ~= b.b then return a.b < b.b end
    if a.e ~= b.e then return a.e < b.e end
    return a.name < b.name
  end)
  local pos = 0
  for _, t in ipairs(entries) do
    if t.b > pos then bad("bytes %d..%d of the data belong to no tensor (before tensor '%s')", pos, t.b, t.name) end
    if t.b < pos then bad("tensor '%s' (data_offsets [%d, %d]) overlaps the tensor before it", t.name, t.b, t.e) end
    pos = t.e
  end
  local have = size - 8 - n
  if pos > have then
    bad("truncated: the tensors need %d bytes of data but the file has %d after the header", pos, have)
  elseif pos < have then
    bad("%d bytes after the last tensor's data (the offsets must cover the data exactly)", have - pos)
  end
  return entries, metadata, 8 + n, src
end

-- load(path) -> {name = tensor}, metadata (a table, empty when the file has none)
function M.load(path, op)
  op = op or "load_safetensors"
  files.check_path(op, path)
  local entries, metadata, data_at, src = M.read_header(op, path)
  local out = {}
  for _, t in ipairs(entries) do
    local r = READ[t.dtype]
    out[t.name] = src:tensor(data_at + t.b, t.shape, r[2], r[1], false)
  end
  return out, metadata or {}
end

-- info(path) -> {name = {dtype =, shape =, data_offsets = {b, e}}}, metadata: the header only
function M.info(path, op)
  op = op or "safetensors_info"
  files.check_path(op, path)
  local entries, metadata = M.read_header(op, path)
  local out = {}
  for _, t in ipairs(entries) do
    out[t.name] = { dtype = t.dtype, shape = t.shape, data_offsets = { t.b, t.e } }
  end
  return out, metadata or {}
end

-- The {name, tensor} list to write: from a map (sorted as the reference sorts) or a list of
-- {name, tensor} pairs (kept in the given order).
local function entries_of(op, tensors)
  local Tensor = core.Tensor
  if type(tensors) ~= "table" or getmetatable(tensors) == Tensor then
    raise(op .. ": expected a table of name = tensor (or a list of {name, tensor} pairs), got " .. type(tensors))
  end
  local list, ordered = {}, false
  local first = tensors[1]
  if type(first) == "table" and getmetatable(first) ~= Tensor then
    ordered = true
    local seen = {}
    for k, pair in pairs(tensors) do
      if type(k) ~= "number" or type(pair) ~= "table" or getmetatable(pair) == Tensor then
        raise(op .. ": a list of tensors must hold only {name, tensor} pairs")
      end
    end
    for i, pair in ipairs(tensors) do
      local name, t = pair[1], pair[2]
      if type(name) ~= "string" then raise(format("%s: pair %d: the name must be a string, got %s", op, i, type(name))) end
      if seen[name] then raise(format("%s: the name '%s' appears twice", op, name)) end
      seen[name] = true
      list[i] = { name = name, t = t }
    end
  else
    for name, t in pairs(tensors) do
      if type(name) ~= "string" then
        raise(format("%s: tensor names must be strings, got the %s key %s", op, type(name), tostring(name)))
      end
      list[#list + 1] = { name = name, t = t }
    end
  end
  for _, e in ipairs(list) do
    if getmetatable(e.t) ~= Tensor then raise(format("%s: '%s' is a %s, not a tensor", op, e.name, type(e.t))) end
    if e.name == "__metadata__" then raise(op .. ": '__metadata__' is reserved for the metadata") end
    if json.utf8_error(e.name) then raise(format("%s: the name %q is not valid UTF-8", op, e.name)) end
    e.dtype = WRITE[e.t.dtype]
  end
  if not ordered then
    table.sort(list, function(a, b)
      if a.dtype ~= b.dtype then return RANK[a.dtype] > RANK[b.dtype] end
      return a.name < b.name
    end)
  end
  return list
end

-- save(path, tensors, [metadata]): atomic.
function M.save(path, tensors, metadata, op)
  op = op or "save_safetensors"
  files.check_path(op, path)
  local list = entries_of(op, tensors)
  local head = {}
  if metadata ~= nil then
    if type(metadata) ~= "table" then raise(op .. ": metadata must be a table of strings, got " .. type(metadata)) end
    local keys = {}
    for k, v in pairs(metadata) do
      if type(k) ~= "string" or type(v) ~= "string" then
        raise(format("%s: metadata must map strings to strings; %s = %s (a %s)", op, tostring(k), tostring(v), type(v)))
      end
      if json.utf8_error(k) or json.utf8_error(v) then raise(format("%s: metadata %q is not valid UTF-8", op, k)) end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    if #keys > 0 then
      local m = {}
      for i, k in ipairs(keys) do m[i] = json.quote(k) .. ":" .. json.quote(metadata[k]) end
      head[1] = '"__metadata__":{' .. table.concat(m, ",") .. "}"
    end
  end
  local parts, keep, offset = { "", "" }, {}, 0
  for _, e in ipairs(list) do
    local part, t = files.tensor_part(op, e.t)
    keep[#keep + 1] = t
    local dims = {}
    for i, d in ipairs(t.shape) do dims[i] = format("%d", d) end
    head[#head + 1] = format('%s:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}', json.quote(e.name), e.dtype,
      table.concat(dims, ","), offset, offset + part.len)
    offset = offset + part.len
    parts[#parts + 1] = part
  end
  local text = "{" .. table.concat(head, ",") .. "}"
  text = text .. string.rep(" ", (8 - #text % 8) % 8)
  local n = #text
  local len = {}
  for k = 1, 8 do
    len[k] = string.char(n % 256)
    n = math.floor(n / 256)
  end
  parts[1], parts[2] = table.concat(len), text
  files.write(op, path, parts, keep)
end

return M
