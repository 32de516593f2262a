-- bench/cnn_vs_torch.lua — Tide's side of bench/run_cnn_vs_torch.sh: the benchmark CNN of issue 3 on Fashion-MNIST,
-- the same network, optimiser, batch size and thread count as bench/cnn_vs_torch_peer.py (PyTorch).
--
-- Network: conv 32 3x3 pad 1, ReLU, maxpool 2, conv 64 3x3 pad 1, ReLU, maxpool 2,
-- linear 3136->128, ReLU, linear 128->10; cross-entropy; Adam lr 1e-3; batch 64.
-- Prints RESULT lines: training images/s (every epoch's images over its wall time, loader
-- included), inference images/s over the test set (batch 1000, eval mode, no_grad), test
-- accuracy, peak resident memory; with --memory also the resident and live tensor memory after
-- each epoch.
--
-- Usage: tide bench/cnn_vs_torch.lua [--epochs 2] [--threads 2] [--limit N] [--data DIR] [--memory]
local tide = require("tide")
local nn, F = tide.nn, tide.nn.functional
local now = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/clock.lua").now

local opts = require("tide.cli").options({ ... }, {
  { "epochs", 2, "passes over the training data" },
  { "threads", 2, "threads for Tide and OpenBLAS" },
  { "batch", 64, "images per step" },
  { "limit", 0, "train on the first N images only (0: all)" },
  { "data", nil, "folder with the Fashion-MNIST IDX files (default: the registry)" },
  { "memory", false, "print resident and live memory after every epoch" },
}, "The benchmark CNN on Fashion-MNIST (Tide's side of bench/run_cnn_vs_torch.sh)")

local function status(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s+(%d+)")
    if v then return tonumber(v) / 1024 end
  end
end

tide.threads(opts.threads)
tide.manual_seed(1)
local xtr, ytr = tide.datasets.load("fashion-mnist", { split = "train", path = opts.data })
local xte, yte = tide.datasets.load("fashion-mnist", { split = "test", path = opts.data })
if opts.limit > 0 then xtr, ytr = xtr:narrow(1, 1, opts.limit), ytr:narrow(1, 1, opts.limit) end

local model = nn.Sequential(
  nn.Conv2d(1, 32, 3, { padding = 1 }), nn.ReLU(), nn.MaxPool2d(2),
  nn.Conv2d(32, 64, 3, { padding = 1 }), nn.ReLU(), nn.MaxPool2d(2),
  nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
local opt = tide.optim.Adam(model:parameters(), { lr = 1e-3 })
local loader = tide.data.DataLoader(tide.data.TensorDataset(xtr, ytr),
  { batch_size = opts.batch, shuffle = true, drop_last = true, seed = 1 })

local trained, train_time = 0, 0
for epoch = 1, opts.epochs do
  model:train()
  local t0 = now()
  local last
  for x, y in loader:iter() do
    opt:zero_grad()
    local loss = F.cross_entropy(model(x), y)
    loss:backward()
    opt:step()
    trained = trained + opts.batch
    last = loss
  end
  local dt = now() - t0
  train_time = train_time + dt
  io.write(string.format("tide epoch %d: %.1f s, loss %.4f\n", epoch, dt, last:item()))
  if opts.memory then
    tide.collect()
    io.write(string.format("RESULT rss_after_epoch_%d_mb %.1f\nRESULT live_after_epoch_%d_mb %.1f\n", epoch,
      status("VmRSS"), epoch, tide.memory().live / 2 ^ 20))
  end
  io.flush()
end

model:eval()
local xt = xte:to("float32"):div(255):unsqueeze(2)
local correct, t0 = 0, now()
tide.no_grad(function()
  for s = 1, xt.shape[1], 1000 do
    local n = math.min(1000, xt.shape[1] - s + 1)
    local _, pred = model(xt:narrow(1, s, n)):max(2)
    correct = correct + pred:eq(yte:narrow(1, s, n)):sum()
  end
end)
local infer_time = now() - t0
print(string.format("RESULT train_img_s %.1f", trained / train_time))
print(string.format("RESULT infer_img_s %.1f", xt.shape[1] / infer_time))
print(string.format("RESULT test_acc %.2f", 100 * correct / xt.shape[1]))
print(string.format("RESULT peak_rss_mb %.1f", status("VmHWM")))
