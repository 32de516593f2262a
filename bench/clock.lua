-- bench/clock.lua — a monotonic clock for the Lua benchmarks: require("clock")() is seconds,
-- require("clock").samples(f, reps) the sorted times (ms) of reps runs of f after two warm-ups,
-- and require("clock").medians(sample, reps, warmups) the median of each value sample() returns.
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

-- The median of each of the numbers sample() returns, over reps runs after `warmups` (default 2)
-- runs: for samples that time several phases of one run (forward, backward, ...).
local function medians(sample, reps, warmups)
  for _ = 1, warmups or 2 do sample() end
  local cols = {}
  for i = 1, reps do
    local v = { sample() }
    for j = 1, #v do
      cols[j] = cols[j] or {}
      cols[j][i] = v[j]
    end
  end
  local m, out = math.ceil(reps / 2), {}
  for j, c in ipairs(cols) do
    table.sort(c)
    out[j] = c[m]
  end
  return unpack(out)
end

return setmetatable({ now = now, samples = samples, medians = medians }, { __call = function() return now() end })
