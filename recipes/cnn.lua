-- Train and evaluate a CNN image classifier (Fashion-MNIST, or a folder of PNG images)
--
--   tide run cnn                              3 epochs on Fashion-MNIST (Debian's dataset-fashion-mnist)
--   tide run cnn --data DIR                   PNGs: DIR/<class>/*.png, or DIR/train/<class> + DIR/test/<class>
--   tide run cnn --epochs 5 --width 48 --out runs/cnn
--   tide run cnn --resume --epochs 5          continue from OUT/checkpoint.safetensors up to epoch 5
--
-- Writes to --out: model.safetensors (weights) + model.json (architecture and class names),
-- checkpoint.safetensors (model, optimizer, scheduler, generator and history after every epoch),
-- metrics.json, confusion_matrix.png, training_curves.png.
local tide = require("tide")
local cli = require("tide.cli")
local cjson = require("cjson")
local nn, F = tide.nn, tide.nn.functional

local opts = cli.options({ ... }, {
  { "data", nil, "folder of PNG images, one subfolder per class (default: Fashion-MNIST)" },
  { "epochs", 3, "passes over the training data" },
  { "batch-size", 64, "images per training step" },
  { "lr", 3e-3, "peak learning rate (Adam with a one-cycle schedule)" },
  { "width", 32, "channels of the first conv block (the second block has twice as many)" },
  { "seed", 1, "random seed (weights, shuffling, dropout, validation split)" },
  { "threads", 0, "threads for Tide's kernels and OpenBLAS (0: all cores)" },
  { "out", "cnn-output", "output folder" },
  { "val-fraction", 0.1, "share of the training images held out for validation" },
  { "limit", 0, "use only the first N training images and N/5 test images (0: all)" },
  { "augment", false, "random crop (padding 2) and horizontal flip while training" },
  { "resume", false, "continue from OUT/checkpoint.safetensors" },
  { "stop-after", 0, "stop after this epoch, leaving the checkpoint for --resume (0: run every epoch)" },
  { "progress", true, "show a progress bar" },
}, "Train and evaluate a CNN image classifier (Fashion-MNIST, or a folder of PNG images)")

local function fail(msg)
  io.stderr:write("cnn: ", msg, "\n")
  os.exit(1)
end
if opts.epochs < 1 or opts.epochs ~= math.floor(opts.epochs) then fail("--epochs must be a positive integer") end
if opts.batch_size < 1 or opts.batch_size ~= math.floor(opts.batch_size) then fail("--batch-size must be a positive integer") end
if opts.width < 1 or opts.width ~= math.floor(opts.width) then fail("--width must be a positive integer") end
if not (opts.lr > 0) then fail("--lr must be positive") end
if not (opts.val_fraction >= 0 and opts.val_fraction < 1) then fail("--val-fraction must be in [0, 1)") end

tide.threads(opts.threads)
tide.manual_seed(opts.seed)
local files = require("tide.io.files")
local is_dir = files.is_dir
if not files.mkdir_p(opts.out) then fail("--out " .. opts.out .. ": cannot create the folder") end
local function out(name) return opts.out .. "/" .. name end

-- ---------------------------------------------------------------- data
-- train / validation / test datasets, class names, image shape {C, H, W}

local train_set, test_set, classes, source
if opts.data then
  if not is_dir(opts.data) then fail("--data " .. opts.data .. ": no such folder") end
  if is_dir(opts.data .. "/train") then
    train_set = tide.data.ImageFolder(opts.data .. "/train")
    test_set = is_dir(opts.data .. "/test") and tide.data.ImageFolder(opts.data .. "/test") or nil
  else
    train_set = tide.data.ImageFolder(opts.data)
  end
  classes = train_set.classes
  if test_set == nil then -- no separate test folder: hold out a fifth
    local n = #train_set
    local ntest = math.max(1, math.floor(n / 5))
    train_set, test_set = unpack(tide.data.random_split(train_set, { n - ntest, ntest }, { seed = opts.seed }))
  end
  source = opts.data
else
  local xtr, ytr, info = tide.datasets.load("fashion-mnist", { split = "train" })
  local xte, yte = tide.datasets.load("fashion-mnist", { split = "test" })
  train_set, test_set = tide.data.TensorDataset(xtr, ytr), tide.data.TensorDataset(xte, yte)
  classes, source = info.classes, info.source
end
if opts.limit > 0 then
  train_set = tide.data.Subset(train_set, tide.arange(1, math.min(opts.limit, #train_set) + 1, "int64"))
  test_set = tide.data.Subset(test_set, tide.arange(1, math.min(math.max(1, math.floor(opts.limit / 5)), #test_set) + 1, "int64"))
end
local nval = math.floor(#train_set * opts.val_fraction)
local val_set
if nval > 0 then
  train_set, val_set = unpack(tide.data.random_split(train_set, { #train_set - nval, nval }, { seed = opts.seed }))
end

local transform
if opts.augment then
  local T = tide.data.transforms
  transform = T.Compose({ T.RandomCrop(nil, { padding = 2 }), T.RandomHorizontalFlip(0.5) })
end
local train_loader = tide.data.DataLoader(train_set, { batch_size = opts.batch_size, shuffle = true, drop_last = true,
  seed = opts.seed, transform = transform })
local function eval_loader(set) return tide.data.DataLoader(set, { batch_size = 500 }) end
if #train_loader == 0 then fail(string.format("%d training images are fewer than one batch of %d", #train_set, opts.batch_size)) end

-- the image shape, from the first batch
local probe = eval_loader(train_set)
local x0 = probe:iter()()
local shape = { x0.shape[2], x0.shape[3], x0.shape[4] }
local nclass = #classes
print(string.format("data: %s; %d classes; images %dx%dx%d; %d train, %d validation, %d test",
  source, nclass, shape[1], shape[2], shape[3], #train_set, val_set and #val_set or 0, #test_set))

-- ---------------------------------------------------------------- model
-- two blocks of (conv 3x3 + batch norm + ReLU) x 2 and a 2x2 max pool, then a small classifier
local function block(cin, cout)
  return nn.Sequential(
    nn.Conv2d(cin, cout, 3, { padding = 1, bias = false }), nn.BatchNorm2d(cout), nn.ReLU(),
    nn.Conv2d(cout, cout, 3, { padding = 1, bias = false }), nn.BatchNorm2d(cout), nn.ReLU(),
    nn.MaxPool2d(2))
end
local w = opts.width
local flat = 2 * w * math.floor(math.floor(shape[2] / 2) / 2) * math.floor(math.floor(shape[3] / 2) / 2)
if flat == 0 then fail(string.format("images of %dx%d are too small for two 2x2 poolings", shape[2], shape[3])) end
local model = nn.Sequential(
  block(shape[1], w), block(w, 2 * w), nn.Flatten(),
  nn.Linear(flat, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, nclass))
print(model:summary({ 1, shape[1], shape[2], shape[3] }))

local steps = #train_loader * opts.epochs
local opt = tide.optim.Adam(model:parameters(), { lr = opts.lr })
local sched = tide.optim.lr_scheduler.OneCycleLR(opt, { max_lr = opts.lr, total_steps = steps })

-- ---------------------------------------------------------------- checkpoint / resume
local history = { train_loss = {}, train_acc = {}, val_loss = {}, val_acc = {} }
local first_epoch = 1
local ckpt_path = out("checkpoint.safetensors")
if opts.resume then
  local f = io.open(ckpt_path, "rb")
  if not f then fail("--resume: no checkpoint at " .. ckpt_path) end
  f:close()
  local extra = tide.io.load_checkpoint(ckpt_path, { model = model, optimizer = opt, scheduler = sched })
  if extra.width ~= opts.width or extra.nclass ~= nclass or extra.steps_per_epoch ~= #train_loader then
    fail("--resume: the checkpoint was made with other settings (width, classes or batches per epoch differ)")
  end
  history, first_epoch = extra.history, extra.epoch + 1
  tide.set_rng_state(extra.rng)
  print(string.format("resumed from %s after epoch %d", ckpt_path, extra.epoch))
  if first_epoch > opts.epochs then print("nothing to do: the checkpoint is at epoch " .. extra.epoch) end
end

-- ---------------------------------------------------------------- training
-- mean loss and accuracy over a loader, without recording
local function evaluate(set)
  model:eval()
  local loss_sum, correct, n = 0, 0, 0
  local preds, labels = {}, {}
  tide.no_grad(function()
    for x, y in eval_loader(set):iter() do
      local logits = model(x)
      loss_sum = loss_sum + F.cross_entropy(logits, y, { reduction = "sum" }):item()
      local p = logits:argmax(2)
      correct = correct + p:eq(y):sum()
      n = n + y.shape[1]
      preds[#preds + 1], labels[#labels + 1] = p, y
    end
  end)
  return loss_sum / n, correct / n, tide.cat(preds), tide.cat(labels)
end

for epoch = first_epoch, opts.epochs do
  model:train()
  train_loader:set_epoch(epoch)
  local bar = opts.progress and tide.progress.new({ total = #train_loader * opts.batch_size, unit = "img",
    desc = string.format("epoch %d/%d", epoch, opts.epochs) }) or nil
  local loss_sum, correct, seen = 0, 0, 0
  for x, y in train_loader:iter() do
    opt:zero_grad()
    local logits = model(x)
    local loss = F.cross_entropy(logits, y)
    loss:backward()
    opt:step()
    sched:step()
    local l = loss:item()
    loss_sum = loss_sum + l * y.shape[1]
    correct = correct + logits:detach():argmax(2):eq(y):sum()
    seen = seen + y.shape[1]
    if bar then bar:update(y.shape[1], { loss = string.format("%.4f", l) }) end
  end
  if bar then bar:close() end
  history.train_loss[epoch], history.train_acc[epoch] = loss_sum / seen, correct / seen
  local msg = string.format("epoch %d/%d  train loss %.4f  acc %.2f%%", epoch, opts.epochs, loss_sum / seen,
    100 * correct / seen)
  if val_set then
    local vl, va = evaluate(val_set)
    history.val_loss[epoch], history.val_acc[epoch] = vl, va
    msg = msg .. string.format("  |  validation loss %.4f  acc %.2f%%", vl, 100 * va)
  end
  print(msg)
  tide.io.save_checkpoint(ckpt_path, { model = model, optimizer = opt, scheduler = sched, extra = {
    epoch = epoch, history = history, rng = tide.get_rng_state(), width = opts.width, nclass = nclass,
    steps_per_epoch = #train_loader } })
  if epoch == opts.stop_after and epoch < opts.epochs then
    print(string.format("stopped after epoch %d; continue with --resume", epoch))
    os.exit(0)
  end
end

-- ---------------------------------------------------------------- evaluation and artefacts
local test_loss, test_acc, pred, truth = evaluate(test_set)
print(string.format("\ntest: loss %.4f  accuracy %.2f%% (%d images)", test_loss, 100 * test_acc, truth.shape[1]))
print(tide.metrics.classification_report(truth, pred, { names = classes, digits = 3 }))
local cm = tide.metrics.confusion_matrix(truth, pred, { num_classes = nclass })
print("confusion matrix (rows: true class, columns: predicted):")
print(cm)

model:save(out("model.safetensors"))
local function write_json(path, value) -- atomic: temp file, fsync, rename
  files.write("cnn", path, { cjson.encode(value), "\n" })
end
write_json(out("model.json"), { architecture = "tide cnn recipe", width = opts.width, input = shape, classes = classes })
local p, r, f1, support = tide.metrics.precision_recall_f1_support(truth, pred, { num_classes = nclass })
local per_class = {}
for k = 1, nclass do
  per_class[k] = { class = classes[k], precision = p[k], recall = r[k], f1 = f1[k], support = support[k] }
end
write_json(out("metrics.json"), { test_accuracy = test_acc, test_loss = test_loss, per_class = per_class,
  history = history, epochs = opts.epochs, data = source })

tide.plot.confusion_matrix(cm, { names = classes, path = out("confusion_matrix.png"),
  title = string.format("Confusion matrix (test accuracy %.2f%%)", 100 * test_acc) })
local epochs_x = {}
for e = 1, #history.train_loss do epochs_x[e] = e end
local fig = tide.plot.figure({ width = 1000, height = 420, cols = 2 })
local ax1 = fig:axes({ title = "Loss", xlabel = "epoch", ylabel = "cross-entropy", col = 1, xticks = epochs_x })
ax1:line(epochs_x, history.train_loss, { label = "train", marker = "o" })
if #history.val_loss > 0 then ax1:line(epochs_x, history.val_loss, { label = "validation", marker = "o" }) end
local ax2 = fig:axes({ title = "Accuracy", xlabel = "epoch", ylabel = "accuracy", col = 2, xticks = epochs_x })
ax2:line(epochs_x, history.train_acc, { label = "train", marker = "o" })
if #history.val_acc > 0 then ax2:line(epochs_x, history.val_acc, { label = "validation", marker = "o" }) end
fig:save(out("training_curves.png"))
print("wrote " .. table.concat({ out("model.safetensors"), out("model.json"), out("metrics.json"),
  out("confusion_matrix.png"), out("training_curves.png"), ckpt_path }, ", "))
