-- bench/reduce_sum.lua — sums against PyTorch: the sum of 16M float32 values (a Lua number),
-- the row-wise sum of a 4096x4096 float32 matrix (sum over dim 2, new result and out=) and the
-- column-wise sum (dim 1, no transposed copy), both sides on the same thread count (default 2).
-- Tide and bench/reduce_sum_peer.py (PyTorch, run with /usr/bin/python3, kept alive and fed
-- case names through a FIFO) alternate case by case for several rounds; each measurement is the
-- median of 21 runs and the best round counts, to damp machine noise. Prints each time, the ratio PyTorch time / Tide time (> 1: Tide faster) and
-- whether the target (Tide at least as fast as PyTorch on the 16M sum) is met.
-- Run: luajit bench/reduce_sum.lua [threads] [rounds]   (or: tide bench/reduce_sum.lua)
local tide = require("tide")
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "bench") .. "/?.lua;" .. package.path
local now = require("clock")
local peer = require("peer")

local threads, rounds = peer.args()
tide.threads(threads)
tide.manual_seed(0)

-- Each case cycles through K copies of its input: a buffer's speed depends on where its pages
-- landed (on this VM by up to 2x), so one buffer per side would measure luck; cycling also
-- keeps every run reading from memory rather than from a warm cache.
local N, R, K = 16 * 1024 * 1024, 4096, 4
local xs, ms = {}, {}
for k = 1, K do
  xs[k] = tide.rand(N)
  ms[k] = tide.rand(R, R)
end
local x = xs[1]
local out = tide.empty(R)
local turn = 0
local function nextk()
  turn = turn % K + 1
  return turn
end

-- median time (ms) of reps runs after two warm-ups
local function median_ms(f, reps)
  reps = reps or 21
  return now.samples(f, reps)[math.ceil(reps / 2)]
end

local CASES = {
  { "sum16M", "sum of 16M float32 (t:sum())", function() return xs[nextk()]:sum() end },
  { "rowsum", "row sums of 4096x4096 (m:sum(2))", function() local r = ms[nextk()]:sum(2) r:free() end },
  { "rowsum_out", "row sums into out= (m:sum(2, {out=o}))", function() return ms[nextk()]:sum(2, { out = out }) end },
  { "colsum", "column sums of 4096x4096 (m:sum(1))", function() local r = ms[nextk()]:sum(1) r:free() end },
}

-- Tide and the peer (bench/reduce_sum_peer.py) alternate case by case.
local p = peer.start("reduce_sum", "reduce_sum_peer.py", threads)
local best_tide, best_torch = {}, {}
for _ = 1, rounds do
  for _, c in ipairs(CASES) do
    peer.keep(best_tide, c[1], median_ms(c[3]))
    local name, pms = p:ask(c[1], "RESULT torch:(%S+)%s+([%d.]+) ms")
    peer.keep(best_torch, name, tonumber(pms))
  end
end
p:close()

peer.table_header(threads, rounds, p.header)
for _, c in ipairs(CASES) do peer.row(c[2], best_tide[c[1]], best_torch[c[1]]) end
-- the accuracy of the 16M sum against float64
local s, s64 = x:sum(), x:double():sum()
print(string.format("sum16M relative error vs float64: %.2e", math.abs(s - s64) / s64))
local t, p = best_tide.sum16M, best_torch.sum16M
if p then
  print(string.format("sum16M target (Tide at least as fast as PyTorch): %s (Tide %.3f ms, PyTorch %.3f ms, %.2fx)",
    t <= p and "met" or "MISSED", t, p, p / t))
end
