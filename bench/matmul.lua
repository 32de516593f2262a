-- matmul.lua — Tide's side of bench/run_matmul.sh: a 2048x2048 float32 matmul through the Lua
-- API (tide.matmul, OpenBLAS sgemm underneath) with the thread count given (default 2), best
-- GFLOP/s over several repetitions; then the per-op cost of a 4x4 matmul from Lua (ns/op), with
-- a fresh result each time and with out=. Prints machine-readable lines "gflops <new result>",
-- "gflops_out <into out=>" and "small_ns <new> <out=>".
-- Run: tide bench/matmul.lua [n] [threads] [reps]
local tide = require("tide")
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "bench") .. "/?.lua;" .. package.path
local now = require("clock")

local args = arg or {}
local n = tonumber(args[1]) or 2048
local threads = tonumber(args[2]) or 2
local reps = tonumber(args[3]) or 5
tide.threads(threads)
tide.manual_seed(42)

local a, b = tide.empty(n, n):uniform_(-0.5, 0.5), tide.empty(n, n):uniform_(-0.5, 0.5)
tide.matmul(a, b) -- warm-up (and the result allocation path)
local best = math.huge
for _ = 1, reps do
  local t0 = now()
  local c = tide.matmul(a, b)
  local t = now() - t0
  c:free()
  if t < best then best = t end
end
local gflops = 2 * n * n * n / best / 1e9
print(string.format("Tide tide.matmul (Lua)     %dx%d float32, %d threads: %7.1f GFLOP/s (best of %d, %.1f ms)",
  n, n, threads, gflops, reps, best * 1e3))
-- the same into a preallocated result (out=), as a training loop reusing buffers does
local c = tide.empty(n, n)
tide.matmul(a, b, c)
local best_out = math.huge
for _ = 1, reps do
  local t0 = now()
  tide.matmul(a, b, c)
  local t = now() - t0
  if t < best_out then best_out = t end
end
local gflops_out = 2 * n * n * n / best_out / 1e9
print(string.format("Tide tide.matmul(a, b, out)  %dx%d float32, %d threads: %7.1f GFLOP/s (best of %d, %.1f ms)",
  n, n, threads, gflops_out, reps, best_out * 1e3))

-- per-op cost of a tiny product from Lua
local x, y = tide.rand(4, 4), tide.rand(4, 4)
local out = tide.empty(4, 4)
local N = 1000000
for _ = 1, 10000 do x:matmul(y) end
local t0 = now()
for _ = 1, N do x:matmul(y) end
local fresh = (now() - t0) / N * 1e9
t0 = now()
for _ = 1, N do tide.matmul(x, y, out) end
local into = (now() - t0) / N * 1e9
print(string.format("Tide 4x4 float32 matmul from Lua: %.0f ns/op (new result), %.0f ns/op (out=)", fresh, into))
print(string.format("gflops %.3f", gflops))
print(string.format("gflops_out %.3f", gflops_out))
print(string.format("small_ns %.1f %.1f", fresh, into))
