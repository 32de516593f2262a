-- bench/bandwidth.lua — large elementwise ops, memory-bound: 16M-float add into out=, unary ops
-- into out= (relu, exp, sigmoid), a broadcast add, and sum when tide.sum exists. Prints
-- "RESULT <name> <ms> ms <GB/s> GB/s" lines that bench/run_ops.sh pairs with
-- bench/bandwidth_peer.py. Threads: tide.threads(TIDE_BENCH_THREADS or 2).
-- Run: luajit bench/bandwidth.lua [n]
local tide = require("tide")

package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "bench") .. "/?.lua;" .. package.path
local now = require("clock")

local N = tonumber(arg and arg[1]) or 16 * 1024 * 1024
local threads = tonumber(os.getenv("TIDE_BENCH_THREADS") or "2")
tide.threads(threads)
print(string.format("# tide: n = %d float32, %d threads", N, threads))

-- best of `reps` runs, in ms (the machine may be shared: the best run is the least disturbed);
-- bytes moved per run give GB/s
local function bench(name, bytes, f, reps)
  local ms = now.samples(f, reps or 15)[1]
  print(string.format("RESULT %-16s %8.3f ms %7.2f GB/s", name, ms, bytes / ms / 1e6))
end

local a, b, out = tide.rand(N), tide.rand(N), tide.empty(N)
local row = tide.rand(1024)
local a2 = a:view(N / 1024, 1024)
local out2 = out:view(N / 1024, 1024)
local B = 4 * N

bench("add_out", 3 * B, function() tide.add(a, b, out) end)
bench("add_new", 3 * B, function() local c = a + b; c:free() end)
bench("add_inplace", 3 * B, function() out:add_(b) end)
bench("mul_scalar_out", 2 * B, function() tide.mul(a, 3, out) end)
bench("add_bcast_out", 2 * B, function() tide.add(a2, row, out2) end)
bench("relu_out", 2 * B, function() tide.relu(a, out) end)
bench("exp_out", 2 * B, function() tide.exp(a, out) end)
bench("sigmoid_out", 2 * B, function() tide.sigmoid(a, out) end)
if tide.sum then
  bench("sum", B, function() return tide.sum(a) end)
else
  print("# tide.sum not available: sum skipped")
end
