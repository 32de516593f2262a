-- bench/clock.lua — a monotonic clock for the Lua benchmarks: require("clock")() is seconds.
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } tide_bench_timespec;
int clock_gettime(int clk, tide_bench_timespec *ts);
]])
local ts = ffi.new("tide_bench_timespec")
return function()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end
