-- tide._core: loads libtide through the generated FFI bindings, and holds what every part of
-- the Lua library shares: raising errors at the caller's line, wrapping C tensors in Lua
-- handles, and triggering collection when C-side memory grows (LuaJIT's collector cannot see it).
local ffi = require("ffi")
local paths = require("tide.paths")
local bindings = require("tide.cdef")

ffi.cdef(bindings.cdef)
-- OpenBLAS's idle workers spin for ~2^28 cycles after each call by default, fighting Tide's
-- OpenMP workers for the cores between GEMMs (a CNN step lost a third of its speed on 2 cores).
-- Read when OpenBLAS loads, i.e. with libtide below; a value the user set is kept.
pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite);")
ffi.C.setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0)
-- Likewise libgomp's workers spin ~300,000 times at every barrier and between parallel regions:
-- when other processes share the cores (CI running two tests at once, a busy machine) a spinning
-- worker holds the core its partner needs and iterative kernels ran 5-20x slower (Ridge on CSR
-- 1.3 s instead of 0.15 s, at load 13 on 2 cores). A short spin keeps the quick hand-over of a
-- quiet machine. Kept when the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
if os.getenv("OMP_WAIT_POLICY") == nil then ffi.C.setenv("GOMP_SPINCOUNT", "1000", 0) end
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
    -- user code: any Lua frame not from a file of the library (scripts, -e strings, the REPL)
    if info.what ~= "C" and not (src:sub(1, 1) == "@" and src:sub(2, #libdir + 1) == libdir) then
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
local MIN_SOFT = 64 * 1024 * 1024
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
local setmetatable, rawget = setmetatable, rawget
local TENSOR = ffi.typeof("tide_tensor")
local TPTR = ffi.typeof("tide_tensor*")
local offer = C.tide_slot_offer
local band = require("bit").band
local SLOT_DOUBLES = C.TIDE_SLOT_SPACE / 8

-- A result slot (see tide_slot_offer in core/include/tide/tensor.h): a tide_tensor with room
-- for a tiny tensor's data, offered to C before an op so a tiny result lives in Lua-collected
-- memory with no finaliser. Pass it to wrap() afterwards, which always withdraws the offer.
function core.slot()
  local s = TENSOR(SLOT_DOUBLES)
  offer(s, C.TIDE_SLOT_SPACE)
  return s
end

-- Finaliser of a slot whose tensor's data did not fit and went to the heap.
local function release_slot(s) free(s) end

-- Wrap a tide_tensor* returned by C in a Lua handle; NULL raises the C error.
--   base: for views, the handle they view, whose memory they keep alive (slot or foreign data)
--   s:    the slot offered before the call, if any
-- A handle is {_c = the tensor, _keep = what must outlive it (slot or foreign owner)}. For a
-- result in a slot, _c is the slot object itself, so whoever holds _c keeps the tensor alive.
local function wrap(p, base, s)
  if s ~= nil then offer(nil, 0) end
  if p == nil then core.raise_c() end
  if band(p.flags, 1) ~= 0 then -- the result lives in the offered slot
    if s == nil then
      error("tide internal error: a result took a slot offered for another call", 2)
    end
    if band(p.flags, 2) == 0 then -- its data went to the heap
      gc(s, release_slot)
      if tonumber(stats.live_bytes) > soft_limit then collect() end
    end
    return setmetatable({ _c = s, _keep = s }, Tensor)
  end
  gc(p, free)
  local keep = nil
  if band(p.flags, 2) ~= 0 then
    -- data in a slot: the offered one (a view of a temporary that took it), or the base's
    if s ~= nil and p.storage == s.storage then
      keep = s
    else
      keep = base ~= nil and rawget(base, "_keep") or nil
      if keep == nil then
        error("tide internal error: a view of a slot tensor was wrapped without its base", 2)
      end
    end
  elseif base ~= nil then
    keep = rawget(base, "_keep") -- foreign memory (from_ptr) stays alive with its views
  end
  if tonumber(stats.live_bytes) > soft_limit then collect() end
  return setmetatable({ _c = p, _keep = keep }, Tensor)
end
core.wrap = wrap

-- Release a handle's C tensor now; the handle is unusable afterwards.
function core.free(t)
  local p = rawget(t, "_c")
  if p == nil then return end
  gc(p, nil) -- the finaliser (for a slot result, p is the slot itself) must not run again
  free(p)
  rawset(t, "_c", nil)
end

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
