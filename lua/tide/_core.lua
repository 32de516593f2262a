-- tide._core: loads libtide through the generated FFI bindings, and holds what every part of
-- the Lua library shares: raising errors at the caller's line, wrapping C tensors in Lua
-- handles, and triggering collection when C-side memory grows (LuaJIT's collector cannot see it).
local ffi = require("ffi")
local paths = require("tide.paths")
local bindings = require("tide.cdef")

ffi.cdef(bindings.cdef)
local C = ffi.load(os.getenv("TIDE_LIB") or paths.lib)

local core = { ffi = ffi, C = C, paths = paths, bindings = bindings }

-- ---------------------------------------------------------------- errors
-- An error is raised at the first stack frame outside the Tide library, so the message points
-- to the user's line, however deep inside tide the failure was detected.
local libdir = debug.getinfo(1, "S").source:match("^@(.*/)[^/]*$") or ""

local function user_level()
  local level = 3
  while true do
    local info = debug.getinfo(level, "S")
    if not info then return 1 end
    local src = info.source
    if info.what ~= "C" and src:sub(1, 1) == "@" and src:sub(2, #libdir + 1) ~= libdir then
      return level - 1
    end
    level = level + 1
  end
end

function core.raise(msg)
  error(msg, user_level())
end

-- Raise the C library's last error.
function core.raise_c()
  local msg = ffi.string(C.tide_last_error())
  if msg == "" then msg = "tide: operation failed" end
  C.tide_clear_error()
  error(msg, user_level())
end

-- ---------------------------------------------------------------- memory
-- Core counts live bytes; past a soft limit we run a full collection so finalisers release
-- unreachable tensors. The limit then grows with the live set (twice what survived).
local stats = C.tide_memory()
local MIN_SOFT = 256 * 1024 * 1024
local soft_limit = MIN_SOFT

local function collect()
  collectgarbage("collect")
  local live = tonumber(stats.live_bytes)
  soft_limit = math.max(MIN_SOFT, 2 * live)
end
core.collect = collect

function core.memory()
  return {
    live = tonumber(stats.live_bytes),
    peak = tonumber(stats.peak_bytes),
    tensors = tonumber(stats.live_tensors),
    allocations = tonumber(stats.n_allocs),
    soft_limit = soft_limit,
  }
end

function core.set_soft_limit(bytes)
  MIN_SOFT = bytes
  soft_limit = bytes
end

-- The class table tensors get as metatable; filled in by tide.tensor.
local Tensor = {}
core.Tensor = Tensor

local free = C.tide_tensor_free
local gc = ffi.gc
local setmetatable = setmetatable

-- Wrap a freshly returned tide_tensor* in a Lua handle; NULL raises the C error.
-- `retry` (optional) re-runs the C call once after a collection when it failed for lack of memory.
local function wrap(p)
  if p == nil then core.raise_c() end
  gc(p, free)
  if tonumber(stats.live_bytes) > soft_limit then collect() end
  return setmetatable({ _c = p }, Tensor)
end
core.wrap = wrap

-- For calls that may fail on memory: returns p or, after one collection and retry, raises.
function core.retry(fn, ...)
  local p = fn(...)
  if p == nil and C.tide_last_status() == 2 then
    C.tide_clear_error()
    collect()
    p = fn(...)
  end
  return p
end

-- Check an int status returned by C (0 ok, else raise).
function core.check(status)
  if status ~= 0 then core.raise_c() end
end

return core
