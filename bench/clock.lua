-- bench/clock.lua — a monotonic clock for the Lua benchmarks: require("clock")() is seconds,
-- and require("clock").samples(f, reps) the sorted times (ms) of reps runs of f after two warm-ups.
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } tide_bench_timespec;
int clock_gettime(int clk, tide_bench_timespec *ts);
]])
local ts = ffi.new("tide_bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local function samples(f, reps)
  f()
  f()
  local t = {}
  for i = 1, reps do
    local t0 = now()
    f()
    t[i] = (now() - t0) * 1e3
  end
  table.sort(t)
  return t
end

return setmetatable({ now = now, samples = samples }, { __call = function() return now() end })
