-- bench/conv_layers.lua — the convolution and pooling layers of the CNN benchmark against PyTorch:
--   conv1  conv 1->32 3x3 pad 1 on [64, 1, 28, 28]     (its input needs no gradient)
--   pool1  max_pool 2 on [64, 32, 28, 28]
--   conv2  conv 32->64 3x3 pad 1 on [64, 32, 14, 14]
--   pool2  max_pool 2 on [64, 64, 14, 14]
-- each forward and backward as a training step runs them (autograd on, parameters requiring
-- grad, .grad reset before each run, forward then backward timed separately), and the four
-- chained, forward + backward. Both sides use the same thread count (default 2). Tide and
-- bench/conv_layers_peer.py (PyTorch, /usr/bin/python3, kept alive and fed case names through a
-- FIFO) alternate case by case for several rounds; each measurement is the median of 21 runs and
-- the best round counts, to damp the noise of a shared machine. Prints each time and the ratio
-- PyTorch time / Tide time (> 1: Tide faster).
-- Run: bench/run_conv_layers.sh [threads] [rounds]   (or: tide bench/conv_layers.lua [threads] [rounds])
local tide = require("tide")
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "bench") .. "/?.lua;" .. package.path
local now = require("clock")
local peer = require("peer")
local Fc = require("tide.nn.functional.conv")
local Fp = require("tide.nn.functional.pool")

local threads, rounds = peer.args()
tide.threads(threads)
tide.manual_seed(0)

local B = 64
local x1 = tide.randn(B, 1, 28, 28)
local w1 = (tide.randn(32, 1, 3, 3) * 0.3):requires_grad_()
local b1 = (tide.randn(32) * 0.1):requires_grad_()
local a1 = tide.randn(B, 32, 28, 28):requires_grad_() -- pool1's input
local x2 = tide.randn(B, 32, 14, 14):requires_grad_() -- conv2's input
local w2 = (tide.randn(64, 32, 3, 3) * 0.06):requires_grad_()
local b2 = (tide.randn(64) * 0.1):requires_grad_()
local a2 = tide.randn(B, 64, 14, 14):requires_grad_() -- pool2's input
local g1, gp1 = tide.randn(B, 32, 28, 28), tide.randn(B, 32, 14, 14)
local g2, gp2 = tide.randn(B, 64, 14, 14), tide.randn(B, 64, 7, 7)
local leaves = { w1, b1, a1, x2, w2, b2, a2 }

-- Drop (and free at once) the gradients of the previous run, as zero_grad would.
local function clear()
  for _, t in ipairs(leaves) do
    if t.grad then t.grad:free() end
    t.grad = nil
  end
end

local P1 = { padding = 1 }
local LAYERS = {
  conv1 = { function() return Fc.conv2d(x1, w1, b1, P1) end, g1 },
  pool1 = { function() return Fp.max_pool2d(a1, 2) end, gp1 },
  conv2 = { function() return Fc.conv2d(x2, w2, b2, P1) end, g2 },
  pool2 = { function() return Fp.max_pool2d(a2, 2) end, gp2 },
}

local function stack()
  return Fp.max_pool2d(Fc.conv2d(Fp.max_pool2d(Fc.conv2d(x1, w1, b1, P1), 2), w2, b2, P1), 2)
end

-- One run of a layer (or the stack): forward then backward, as a training step runs them.
-- Returns the forward and backward times in ms. The results are freed at once, so every run
-- starts from the same memory state (a training loop reaches it through tide's collector).
local function sample(layer)
  clear()
  local f, g
  if layer == "stack" then
    f, g = stack, gp2
  else
    f, g = LAYERS[layer][1], LAYERS[layer][2]
  end
  local t0 = now()
  local y = f()
  local t1 = now()
  y:backward(g)
  local t2 = now()
  y:free()
  return (t1 - t0) * 1e3, (t2 - t1) * 1e3
end

-- Medians of 21 runs after three warm-ups: forward, backward and their sum per run.
local function medians(layer)
  return now.medians(function()
    local f, b = sample(layer)
    return f, b, f + b
  end, 21, 3)
end

local LAYER_NAMES = { "conv1", "pool1", "conv2", "pool2", "stack" }
local ROWS = {
  { "conv1_fwd", "conv 1->32 3x3 on [64,1,28,28], forward" },
  { "conv1_bwd", "  backward (weight and bias)" },
  { "pool1_fwd", "max_pool 2 on [64,32,28,28], forward" },
  { "pool1_bwd", "  backward" },
  { "conv2_fwd", "conv 32->64 3x3 on [64,32,14,14], forward" },
  { "conv2_bwd", "  backward (input, weight and bias)" },
  { "pool2_fwd", "max_pool 2 on [64,64,14,14], forward" },
  { "pool2_bwd", "  backward" },
  { "stack_all", "the four chained, forward + backward" },
}

-- Tide and the peer (bench/conv_layers_peer.py) alternate case by case.
local p = peer.start("conv_layers", "conv_layers_peer.py", threads)
local best_tide, best_torch = {}, {}
local PHASES = { "_fwd", "_bwd", "_all" }
for _ = 1, rounds do
  for _, layer in ipairs(LAYER_NAMES) do
    local tide_ms = { medians(layer) }
    local torch_ms = { p:ask(layer, "RESULT torch:%S+%s+([%d.]+)%s+([%d.]+)%s+([%d.]+) ms") }
    for i, phase in ipairs(PHASES) do
      peer.keep(best_tide, layer .. phase, tide_ms[i])
      peer.keep(best_torch, layer .. phase, tonumber(torch_ms[i]))
    end
  end
end
p:close()

peer.table_header(threads, rounds, p.header)
local sum_t, sum_p = 0, 0
for _, c in ipairs(ROWS) do
  local t, pt = best_tide[c[1]], best_torch[c[1]]
  if c[1] ~= "stack_all" then sum_t, sum_p = sum_t + t, sum_p + pt end
  peer.row(c[2], t, pt)
end
peer.row("sum of the layer rows", sum_t, sum_p)
