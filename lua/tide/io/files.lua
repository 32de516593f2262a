-- tide.io.files: what the format modules share: argument checks, header reads into Lua strings
-- (headers only: bulk data goes from C straight into tensor memory), atomic writes of a list of
-- buffers, and sources (a file, or bytes held in a uint8 tensor) that decode raw elements into
-- a new tensor.
local core = require("tide._core")
local tensor = require("tide.tensor")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap

local M = {}

function M.check_path(op, path)
  if type(path) ~= "string" or path == "" then
    raise(string.format("%s: expected a file path (string), got %s", op, type(path) == "string" and "an empty string"
      or type(path)))
  end
end

function M.size(op, path)
  local n = C.tide_file_size(path, op)
  if n < 0 then raise_c() end
  return tonumber(n)
end

local shape_buf = ffi.new("int64_t[8]")

-- A new contiguous tensor (no autograd, no slot: C fills it right away).
function M.empty(op, shape, dtype)
  if #shape > 8 then raise(op .. ": " .. #shape .. " dims, Tide tensors have at most 8") end
  for i, d in ipairs(shape) do shape_buf[i - 1] = d end
  local p = core.retry(C.tide_tensor_empty, #shape, shape_buf, tensor.dtype_id[dtype])
  return wrap(p)
end

-- A source of bytes: a file ({path =}) or a uint8 tensor ({bytes =}); `where` names it in errors.
local Source = {}
Source.__index = Source

function M.file_source(op, path)
  return setmetatable({ op = op, path = path, where = path, size = M.size(op, path) }, Source)
end

function M.bytes_source(op, bytes, where)
  return setmetatable({ op = op, bytes = bytes, where = where, size = bytes:numel() }, Source)
end

-- len bytes at offset as a Lua string (for headers); the caller has checked the bounds.
function Source:read(offset, len)
  if self.bytes then
    if offset < 0 or offset + len > self.size then
      raise(string.format("%s: %s: truncated: needs bytes %d..%d of %d", self.op, self.where, offset, offset + len,
        self.size))
    end
    return ffi.string(ffi.cast("const char *", C.tide_tensor_data_ptr(self.bytes._c)) + offset, len)
  end
  local buf = ffi.new("uint8_t[?]", len > 0 and len or 1)
  if C.tide_file_read_range(self.path, offset, len, buf, self.op) ~= 0 then raise_c() end
  return ffi.string(buf, len)
end

-- A new tensor of shape / dtype filled from raw elements at offset (C converts and checks bounds).
function Source:tensor(offset, shape, dtype, raw, big_endian)
  local t = M.empty(self.op, shape, dtype)
  local st
  if self.bytes then
    st = C.tide_bytes_read_raw(self.bytes._c, offset, t._c, raw, big_endian and 1 or 0, self.op)
  else
    st = C.tide_file_read_raw(self.path, offset, t._c, raw, big_endian and 1 or 0, self.op)
  end
  if st ~= 0 then
    local msg = ffi.string(C.tide_last_error())
    C.tide_clear_error()
    -- the C message names the operation; add which member of an archive it was
    if self.bytes then msg = msg:gsub("^([^:]*): ", "%1: " .. self.where .. ": ", 1) end
    raise(msg)
  end
  return t
end

-- Write parts (Lua strings, or {ptr =, len =} for tensor memory) to path atomically. `keep` holds
-- whatever must stay alive during the call (tensors whose memory is written).
function M.write(op, path, parts, keep)
  local n = #parts
  local bufs = ffi.new("const void *[?]", n > 0 and n or 1)
  local lens = ffi.new("int64_t[?]", n > 0 and n or 1)
  for i, p in ipairs(parts) do
    if type(p) == "string" then
      bufs[i - 1], lens[i - 1] = p, #p
    else
      bufs[i - 1], lens[i - 1] = p.ptr, p.len
    end
  end
  local st = C.tide_file_write(path, n, bufs, lens, op)
  local _ = keep -- anchored until the write is done
  if st ~= 0 then raise_c() end
end

-- A path quoted for the shell.
function M.shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Whether path is a folder that can be listed.
function M.is_dir(path)
  if C.tide_dir_list(path, nil, 0) < 0 then
    C.tide_clear_error()
    return false
  end
  return true
end

-- Create a folder and its parents (mkdir -p); true when the folder exists afterwards. Callers
-- raise their own error (naming their operation) on false.
function M.mkdir_p(path)
  if M.is_dir(path) then return true end
  os.execute("mkdir -p " .. M.shell_quote(path) .. " 2>/dev/null")
  return M.is_dir(path)
end

-- The bytes of a tensor for writing: {ptr, len}, and the contiguous tensor to keep alive.
function M.tensor_part(op, t)
  local c = t._c
  if C.tide_tensor_is_contiguous(c) ~= 1 then
    local p = C.tide_contiguous(c)
    if p == nil then raise_c() end
    t = wrap(p)
    c = t._c
  end
  return { ptr = C.tide_tensor_data_ptr(c), len = tonumber(c.numel) * tonumber(C.tide_dtype_size(c.dtype)) }, t
end

-- Little-endian unsigned integers of a header string (exact below 2^53; nil above).
function M.le_uint(s, i, nbytes)
  local v = 0
  for k = nbytes - 1, 0, -1 do v = v * 256 + s:byte(i + k) end
  if v >= 2 ^ 53 then return nil end
  return v
end

return M
