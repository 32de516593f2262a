-- The `cnn` recipe end to end on small slices of real data: Fashion-MNIST (Debian's
-- dataset-fashion-mnist) and the MNIST PNG folders of ../shared/data (through TIDE_DATA);
-- every artefact written, --resume reproducing an uninterrupted run exactly, bad options.
local H = require("spec_helpers")
local cjson = require("cjson")

local FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
local function have_fashion() return H.exists(FASHION) end

local function run(args)
  local full = { "run", "cnn", "--threads", "2", "--no-progress" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

local exists = H.exists

describe("tide run cnn", function()
  it("trains on a slice of Fashion-MNIST and writes every artefact", function()
    if not have_fashion() then return pending("dataset-fashion-mnist is not installed") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--limit", "1500", "--epochs", "2", "--width", "8", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("epoch 1/2  train loss", 1, true), o)
    assert.truthy(o:find("validation loss", 1, true))
    assert.truthy(o:find("test: loss", 1, true))
    assert.truthy(o:find("precision", 1, true)) -- the classification report
    assert.truthy(o:find("confusion matrix", 1, true))
    for _, f in ipairs({ "model.safetensors", "model.json", "metrics.json", "confusion_matrix.png",
      "training_curves.png", "checkpoint.safetensors" }) do
      assert.is_true(exists(dir .. "/" .. f), f .. " missing")
    end
    local m = cjson.decode(H.read_file(dir .. "/metrics.json"))
    assert.is_true(m.test_accuracy > 0.5, "accuracy " .. tostring(m.test_accuracy))
    assert.are.equal(10, #m.per_class)
    assert.are.equal("T-shirt/top", m.per_class[1].class)
    assert.are.equal(2, #m.history.train_loss)
    -- PNGs start with the signature
    assert.are.equal("\137PNG", H.read_file(dir .. "/confusion_matrix.png"):sub(1, 4))
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("resumes from a checkpoint exactly where an uninterrupted run would be", function()
    if not have_fashion() then return pending("dataset-fashion-mnist is not installed") end
    local a, b = H.mkdtemp(), H.mkdtemp()
    local common = { "--limit", "800", "--width", "4", "--augment" }
    local function with(extra)
      local t = {}
      for _, v in ipairs(common) do t[#t + 1] = v end
      for _, v in ipairs(extra) do t[#t + 1] = v end
      return t
    end
    local o, e, code = run(with({ "--epochs", "2", "--out", a }))
    assert.are.equal(0, code, o .. e)
    o, e, code = run(with({ "--epochs", "1", "--out", b }))
    assert.are.equal(0, code, o .. e)
    -- the one-epoch run's schedule was for one epoch: resuming continues the 2-epoch run instead,
    -- so start b again from a's first checkpoint
    H.sh("rm -rf " .. H.q(b) .. " && mkdir -p " .. H.q(b))
    o, e, code = run(with({ "--epochs", "2", "--out", b, "--stop-after", "1" }))
    assert.are.equal(0, code, o .. e)
    o, e, code = run(with({ "--epochs", "2", "--out", b, "--resume" }))
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("resumed from", 1, true))
    local ma = cjson.decode(H.read_file(a .. "/metrics.json"))
    local mb = cjson.decode(H.read_file(b .. "/metrics.json"))
    assert.are.same(ma.history, mb.history)
    assert.are.equal(ma.test_accuracy, mb.test_accuracy)
    assert.are.equal(H.read_file(a .. "/model.safetensors"), H.read_file(b .. "/model.safetensors"))
    H.sh("rm -rf " .. H.q(a) .. " " .. H.q(b))
  end)

  it("trains on a folder of PNGs with --data", function()
    local png = H.data_dir("mnist-png-subset")
    if not png then return pending("TIDE_DATA with mnist-png-subset is not set") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--data", png, "--epochs", "1", "--width", "4", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("10 classes", 1, true), o)
    assert.truthy(o:find("2000", 1, true) or o:find("1800", 1, true), o) -- training images
    assert.is_true(exists(dir .. "/model.safetensors"))
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("rejects bad options with a clear message", function()
    local _, e, code = run({ "--data", "/nonexistent/folder" })
    assert.are.equal(1, code)
    assert.truthy(e:find("cnn: --data /nonexistent/folder: no such folder", 1, true), e)
    _, e, code = run({ "--epochs", "0" })
    assert.are.equal(1, code)
    assert.truthy(e:find("--epochs must be a positive integer", 1, true), e)
    _, e, code = run({ "--resume", "--out", "/nonexistent/out" })
    assert.are_not.equal(0, code)
  end)
end)
