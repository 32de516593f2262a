-- Every tide.nn layer and loss against PyTorch (tests/gen/gen_nn_modules.py): the PyTorch
-- module's state_dict loads into the Tide module, then the output, the input gradient and the
-- parameter gradients of sum(output * r) match, and BatchNorm's running statistics after a
-- training step too. Then float64 gradchecks through the modules, save -> load -> identical
-- outputs for every module, and train / eval behaviour (Dropout, BatchNorm).
local tide = require("tide")
local H = require("spec_helpers")
local nn = tide.nn
local ref = H.fixture("nn_modules")

local function num(v)
  if tide.is_tensor(v) then return v:item() end
  return v
end

-- compare without the graph (a tensor that requires grad indexes into 0-d tensors)
local function match(t, expected, tol, what)
  H.assert_matches(t:detach(), expected, tol, what)
end

local function from(a)
  return tide.tensor(a.data, a.dtype):reshape(a.shape)
end

-- A model with named children, as the generator's Net.
local Net = nn.Module:extend("Net")
function Net:init()
  self.features = nn.Sequential(nn.Conv2d(1, 4, 3, { padding = 1 }), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
  self.classifier = nn.Linear(4 * 3 * 3, 3)
end
function Net:forward(x) return self.classifier(self.features(x):flatten(2)) end

-- Tide's construction of each fixture case (PyTorch's in tests/gen/gen_nn_modules.py).
local BUILD = {
  linear = function() return nn.Linear(5, 3) end,
  linear_nobias_3d = function() return nn.Linear(4, 2, { bias = false }) end,
  conv1d = function() return nn.Conv1d(3, 4, 3, { stride = 2, padding = 1 }) end,
  conv2d = function() return nn.Conv2d(3, 4, 3, { padding = 1 }) end,
  conv2d_groups = function()
    return nn.Conv2d(4, 6, { 3, 2 }, { stride = { 2, 1 }, padding = { 1, 0 }, dilation = { 1, 2 }, groups = 2, bias = false })
  end,
  conv2d_same = function() return nn.Conv2d(2, 3, 3, { padding = "same", dilation = 2 }) end,
  conv2d_unbatched = function() return nn.Conv2d(2, 3, 2) end,
  conv_transpose2d = function() return nn.ConvTranspose2d(4, 2, 3, { stride = 2, padding = 1, output_padding = 1 }) end,
  conv_transpose2d_groups = function()
    return nn.ConvTranspose2d(4, 6, { 2, 3 }, { stride = { 1, 2 }, groups = 2, dilation = { 2, 1 } })
  end,
  maxpool2d = function() return nn.MaxPool2d(2) end,
  maxpool2d_opts = function() return nn.MaxPool2d(3, { stride = 2, padding = 1, ceil_mode = true }) end,
  avgpool2d = function() return nn.AvgPool2d(2) end,
  avgpool2d_opts = function() return nn.AvgPool2d(3, { stride = 2, padding = 1, count_include_pad = false }) end,
  adaptive_avgpool2d = function() return nn.AdaptiveAvgPool2d({ 2, 3 }) end,
  adaptive_avgpool2d_1 = function() return nn.AdaptiveAvgPool2d(1) end,
  batchnorm1d_eval = function() return nn.BatchNorm1d(4) end,
  batchnorm1d_train = function() return nn.BatchNorm1d(4) end,
  batchnorm1d_3d_train = function() return nn.BatchNorm1d(3) end,
  batchnorm2d_eval = function() return nn.BatchNorm2d(3) end,
  batchnorm2d_train = function() return nn.BatchNorm2d(3, { momentum = 0.2 }) end,
  batchnorm2d_noaffine_train = function() return nn.BatchNorm2d(3, { affine = false }) end,
  layernorm = function() return nn.LayerNorm(5) end,
  layernorm_2d = function() return nn.LayerNorm({ 3, 4 }, { eps = 1e-3 }) end,
  embedding = function() return nn.Embedding(10, 4) end,
  embedding_padding = function() return nn.Embedding(6, 3, { padding_idx = 3 }) end,
  flatten = function() return nn.Flatten() end,
  flatten_dims = function() return nn.Flatten(1, 2) end,
  unflatten = function() return nn.Unflatten(2, { 2, 3 }) end,
  identity = function() return nn.Identity() end,
  relu = function() return nn.ReLU() end,
  leaky_relu = function() return nn.LeakyReLU(0.2) end,
  elu = function() return nn.ELU(0.5) end,
  gelu = function() return nn.GELU() end,
  gelu_tanh = function() return nn.GELU("tanh") end,
  sigmoid = function() return nn.Sigmoid() end,
  tanh = function() return nn.Tanh() end,
  softmax = function() return nn.Softmax(2) end,
  softmax_dim0 = function() return nn.Softmax(1) end,
  log_softmax = function() return nn.LogSoftmax(2) end,
  dropout_eval = function() return nn.Dropout(0.3) end,
  cross_entropy = function() return nn.CrossEntropyLoss() end,
  cross_entropy_weight_smooth = function()
    return nn.CrossEntropyLoss({ weight = tide.ones(4), label_smoothing = 0.1 })
  end,
  cross_entropy_sum = function() return nn.CrossEntropyLoss({ reduction = "sum" }) end,
  cross_entropy_none = function() return nn.CrossEntropyLoss({ reduction = "none" }) end,
  cross_entropy_probs = function() return nn.CrossEntropyLoss() end,
  cross_entropy_spatial = function() return nn.CrossEntropyLoss() end,
  nll = function() return nn.NLLLoss({ weight = tide.ones(4) }) end,
  mse = function() return nn.MSELoss() end,
  mse_none = function() return nn.MSELoss({ reduction = "none" }) end,
  l1 = function() return nn.L1Loss() end,
  l1_sum = function() return nn.L1Loss({ reduction = "sum" }) end,
  huber = function() return nn.HuberLoss({ delta = 0.5 }) end,
  bce = function() return nn.BCELoss({ weight = tide.ones(4) }) end,
  bce_with_logits = function() return nn.BCEWithLogitsLoss({ pos_weight = tide.ones(4) }) end,
  bce_with_logits_sum = function() return nn.BCEWithLogitsLoss({ weight = tide.ones(3, 1), reduction = "sum" }) end,
  model_cnn = function()
    return nn.Sequential(
      nn.Conv2d(1, 4, 3, { padding = 1 }), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
      nn.Conv2d(4, 8, 3, { padding = 1, bias = false }), nn.BatchNorm2d(8), nn.ReLU(),
      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 5))
  end,
  model_named = function() return Net() end,
  model_mlp_train = function()
    return nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Tanh(),
      nn.Linear(8, 2), nn.LogSoftmax(2))
  end,
}

local names = {}
for name in pairs(ref) do names[#names + 1] = name end
table.sort(names)

-- The fixture's state_dict as a table key -> tensor (and the keys in PyTorch's order).
local function state_of(c)
  local sd, keys = {}, {}
  for i, e in ipairs(c.sd) do
    sd[e[1]] = from(e[2])
    keys[i] = e[1]
  end
  return sd, keys
end

-- The case's module with PyTorch's weights, in the mode the generator used.
local function build(name)
  local c = ref[name]
  local m = BUILD[name]()
  local sd, keys = state_of(c)
  m:load_state_dict(sd)
  m:train(c.after ~= nil)
  return m, keys
end

local function inputs(c)
  local x = from(c.x)
  if c.x.dtype == "float32" then x:requires_grad_() end
  local t = c.target and from(c.target) or nil
  return x, t
end

local function run(m, x, t)
  if t ~= nil then return m(x, t) end
  return m(x)
end

describe("nn layers match PyTorch", function()
  it("has a Tide construction for every fixture case", function()
    for _, name in ipairs(names) do assert.is_not_nil(BUILD[name], "no BUILD entry for " .. name) end
  end)

  for _, name in ipairs(names) do
    it(name .. ": state_dict keys, output, gradients", function()
      local c = ref[name]
      local m, keys = build(name)
      -- PyTorch's keys, in PyTorch's order
      local ours = m:state_dict_keys()
      assert.same(keys, ours)
      local x, t = inputs(c)
      local y = run(m, x, t)
      match(y, c.y, 2e-5, name .. " output")
      if c.after then
        local after = {}
        for _, e in ipairs(c.after) do after[e[1]] = e[2] end
        for k, v in pairs(m:state_dict()) do match(v, after[k], 2e-6, name .. " " .. k .. " after forward") end
      end
      if c.gx or c.grads then
        (y * from(c.r)):sum():backward()
        if c.gx then match(x.grad, c.gx, 1e-4, name .. " input gradient") end
        local grads = {}
        for _, e in ipairs(c.grads or {}) do grads[e[1]] = e[2] end
        for k, p in m:named_parameters() do
          assert.is_not_nil(grads[k], name .. ": PyTorch has no gradient for " .. k)
          match(p.grad, grads[k], 1e-4, name .. " gradient of " .. k)
        end
      end
    end)
  end
end)

describe("pooling options", function()
  it("MaxPool2d return_indices gives 1-based positions; AvgPool2d divisor_override", function()
    local x = tide.arange(16):reshape(1, 1, 4, 4)
    local y, idx = nn.MaxPool2d(2, { return_indices = true })(x)
    assert.same({ { { { 5, 7 }, { 13, 15 } } } }, y:totable())
    assert.equals("int64", idx.dtype)
    assert.same({ { { { 6, 8 }, { 14, 16 } } } }, idx:totable())
    local _, idx3 = nn.MaxPool2d(2, { return_indices = true })(x[1]) -- unbatched
    assert.same({ 1, 2, 2 }, idx3.shape)
    assert.same({ { { { 10, 18 }, { 42, 50 } } } }, nn.AvgPool2d(2, { divisor_override = 1 })(x):totable())
    H.assert_error(function() nn.AvgPool2d(2, { divisor_override = 0 }) end, "AvgPool2d: divisor_override")
  end)
end)

describe("float64 gradchecks through modules", function()
  local CASES = {
    { "Linear", function() return nn.Linear(3, 2) end, { 4, 3 } },
    { "Conv1d", function() return nn.Conv1d(2, 3, 3, { stride = 2, padding = 1 }) end, { 2, 2, 5 } },
    { "Conv2d", function() return nn.Conv2d(2, 2, 2, { padding = 1, groups = 2 }) end, { 1, 2, 3, 3 } },
    { "ConvTranspose2d", function() return nn.ConvTranspose2d(2, 2, 2, { stride = 2 }) end, { 1, 2, 2, 2 } },
    { "MaxPool2d", function() return nn.MaxPool2d(2) end, { 1, 2, 4, 4 } },
    { "AvgPool2d", function() return nn.AvgPool2d(3, { stride = 2, padding = 1 }) end, { 1, 1, 4, 4 } },
    { "AdaptiveAvgPool2d", function() return nn.AdaptiveAvgPool2d({ 2, 3 }) end, { 1, 2, 5, 4 } },
    { "BatchNorm1d (train)", function() return nn.BatchNorm1d(3) end, { 4, 3 } },
    { "BatchNorm2d (train)", function() return nn.BatchNorm2d(2) end, { 2, 2, 2, 2 } },
    { "BatchNorm2d (eval)", function() return nn.BatchNorm2d(2):eval() end, { 2, 2, 2, 2 } },
    { "LayerNorm", function() return nn.LayerNorm({ 2, 3 }) end, { 2, 2, 3 } },
    { "LeakyReLU", function() return nn.LeakyReLU(0.1) end, { 3, 4 } },
    { "ELU", function() return nn.ELU() end, { 3, 4 } },
    { "GELU", function() return nn.GELU() end, { 3, 4 } },
    { "GELU tanh", function() return nn.GELU("tanh") end, { 3, 4 } },
    { "Sigmoid", function() return nn.Sigmoid() end, { 3, 4 } },
    { "Tanh", function() return nn.Tanh() end, { 3, 4 } },
    { "Softmax", function() return nn.Softmax(2) end, { 3, 4 } },
    { "LogSoftmax", function() return nn.LogSoftmax(1) end, { 3, 4 } },
    { "Dropout (train, reseeded)", function() return nn.Dropout(0.4) end, { 3, 4 }, true },
    { "Flatten / Unflatten", function() return nn.Sequential(nn.Flatten(), nn.Unflatten(2, { 3, 2 })) end, { 2, 3, 2 } },
    { "Sequential CNN", function()
      return nn.Sequential(nn.Conv2d(1, 2, 3, { padding = 1 }), nn.BatchNorm2d(2), nn.ELU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(8, 3))
    end, { 2, 1, 4, 4 } },
  }
  for _, case in ipairs(CASES) do
    it(case[1], function()
      tide.manual_seed(11)
      local m = case[2]():to("float64")
      local x = tide.randn(case[3]):to("float64"):requires_grad_()
      local args = { x }
      for _, p in ipairs(m:parameters()) do args[#args + 1] = p end
      local reseed = case[4]
      assert.is_true(tide.autograd.gradcheck(function(xx)
        if reseed then tide.manual_seed(5) end
        return m(xx)
      end, args))
    end)
  end

  it("Embedding (weight)", function()
    local ids = tide.tensor({ { 1, 2, 5 }, { 5, 3, 2 } }, "int64")
    local plain = nn.Embedding(5, 3):to("float64")
    assert.is_true(tide.autograd.gradcheck(function() return plain(ids) end, { plain.weight }))
    -- with a padding row, that row's output still reads the weight but gets no gradient (as PyTorch)
    local m = nn.Embedding(5, 3, { padding_idx = 2 }):to("float64")
    m(ids):sum():backward()
    assert.equals(6, num(m.weight.grad[5]:sum())) -- id 5 appears twice: 2 in each of its 3 elements
    assert.equals(0, num(m.weight.grad[2]:abs():sum())) -- the padding row gets no gradient
  end)

  local LOSSES = {
    { "CrossEntropyLoss", function() return nn.CrossEntropyLoss({ label_smoothing = 0.2 }) end, "class" },
    { "NLLLoss", function() return nn.NLLLoss({ reduction = "sum" }) end, "class" },
    { "MSELoss", function() return nn.MSELoss() end, "real" },
    { "L1Loss", function() return nn.L1Loss() end, "real" },
    { "HuberLoss", function() return nn.HuberLoss({ delta = 0.7 }) end, "real" },
    { "BCELoss", function() return nn.BCELoss() end, "prob" },
    { "BCEWithLogitsLoss", function() return nn.BCEWithLogitsLoss({ pos_weight = tide.full({ 4 }, 1.5) }) end, "binary" },
  }
  for _, case in ipairs(LOSSES) do
    it(case[1], function()
      tide.manual_seed(12)
      local m = case[2]():to("float64")
      local x = tide.randn(3, 4):to("float64")
      local t
      if case[3] == "class" then t = tide.tensor({ 1, 4, 2 }, "int64")
      elseif case[3] == "real" then t = tide.randn(3, 4):to("float64")
      elseif case[3] == "prob" then
        x = tide.rand(3, 4):to("float64") * 0.8 + 0.1
        t = tide.rand(3, 4):to("float64")
      else t = tide.rand(3, 4):gt(0.5):to("float64") end
      x = x:contiguous():detach():requires_grad_()
      assert.is_true(tide.autograd.gradcheck(function(xx) return m(xx, t) end, { x }))
    end)
  end
end)

describe("save -> load gives identical outputs", function()
  local path = os.tmpname()
  for _, name in ipairs(names) do
    it(name, function()
      local c = ref[name]
      local m = build(name)
      m:eval()
      m:save(path)
      local fresh = BUILD[name]()
      fresh:load(path)
      fresh:eval()
      -- the file holds the state_dict under PyTorch's keys
      local tensors = tide.io.load_safetensors(path)
      for _, k in ipairs(m:state_dict_keys()) do assert.is_not_nil(tensors[k], name .. ": file lacks " .. k) end
      local x, t = inputs(c)
      local a, b = run(m, x, t), run(fresh, x, t)
      assert.same(a.shape, b.shape)
      if a.dtype ~= "int64" then assert.equals(0, num((a - b):abs():max()), name) end
      for k, v in pairs(m:state_dict()) do
        assert.equals(0, num((v:to("float64") - fresh:state_dict()[k]:to("float64")):abs():max()), name .. " " .. k)
      end
    end)
  end
  it("loads strictly by default and reports a mismatch", function()
    nn.Linear(3, 2):save(path)
    H.assert_error(function() nn.Linear(4, 2):load(path) end, "size mismatch for weight: checkpoint has {2, 3}, model has {2, 4}")
    H.assert_error(function() nn.Sequential(nn.Linear(3, 2)):load(path) end, "missing keys: 0.weight, 0.bias",
      "unexpected keys: bias, weight")
    local r = nn.Sequential(nn.Linear(3, 2))
    r:load(path, { strict = false })
    H.assert_error(function() nn.Linear(3, 2):save(3) end, "Linear:save: path must be a string")
  end)
  it("writes a metadata entry naming the class", function()
    nn.Sequential(nn.Linear(1, 1)):save(path, { note = "hi" })
    local _, meta = tide.io.load_safetensors(path)
    assert.equals("Sequential", meta["tide.module"])
    assert.equals("hi", meta.note)
  end)
  os.remove(path)
end)

describe("train / eval behaviour", function()
  it("Dropout zeroes and rescales in training, passes through in evaluation", function()
    tide.manual_seed(1)
    local d = nn.Dropout(0.25)
    local x = tide.ones(200, 100)
    local y = d(x)
    local zeros = num(y:eq(0):sum())
    assert.is_true(math.abs(zeros / 20000 - 0.25) < 0.02, "dropped share " .. zeros / 20000)
    local kept = y:masked_select(y:ne(0))
    assert.is_true(math.abs(num(kept:min()) - 1 / 0.75) < 1e-6 and math.abs(num(kept:max()) - 1 / 0.75) < 1e-6)
    d:eval()
    assert.equals(0, num((d(x) - x):abs():max()))
    -- reproducible from the seed
    d:train()
    tide.manual_seed(7)
    local a = d(x)
    tide.manual_seed(7)
    assert.equals(0, num((d(x) - a):abs():max()))
    assert.equals(0, num((nn.Dropout(0)(x) - x):abs():max()))
    assert.equals(0, num(nn.Dropout(1)(x):abs():max()))
  end)

  it("BatchNorm uses batch statistics and updates running ones in training, running ones in eval", function()
    tide.manual_seed(2)
    local bn = nn.BatchNorm1d(3, { momentum = 0.5 })
    local x = tide.randn(64, 3) * 2 + 1
    local y = bn(x)
    -- normalised per feature with the batch statistics
    for j = 1, 3 do
      local col = y[{ {}, j }]
      assert.is_true(math.abs(num(col:mean())) < 1e-5)
    end
    assert.equals(1, bn.num_batches_tracked:item())
    local mean = x:mean(1)
    match(bn.running_mean, { shape = { 3 }, data = H.flat(mean * 0.5) }, 1e-5)
    local var_unbiased = x:var(1) -- running_var uses the unbiased variance
    match(bn.running_var, { shape = { 3 }, data = H.flat(var_unbiased * 0.5 + 0.5) }, 1e-5)
    -- evaluation: (x - running_mean) / sqrt(running_var + eps)
    bn:eval()
    local before = bn.running_mean:clone()
    local z = bn(x)
    local expect = (x - bn.running_mean) / (bn.running_var + 1e-5):sqrt()
    assert.is_true(num((z - expect):abs():max()) < 1e-5)
    assert.equals(0, num((bn.running_mean - before):abs():max()))
    assert.equals(1, bn.num_batches_tracked:item())
    -- a batch of one is fine in evaluation
    assert.same({ 1, 3 }, bn(tide.randn(1, 3)).shape)
  end)

  it("BatchNorm with momentum = false keeps a cumulative average", function()
    local bn = nn.BatchNorm1d(2, { momentum = false })
    local a, b = tide.randn(8, 2), tide.randn(8, 2)
    bn(a)
    bn(b)
    assert.equals(2, bn.num_batches_tracked:item())
    match(bn.running_mean, { shape = { 2 }, data = H.flat((a:mean(1) + b:mean(1)) / 2) }, 1e-5)
  end)

  it("BatchNorm without running stats normalises with the batch in eval too", function()
    local bn = nn.BatchNorm1d(2, { track_running_stats = false })
    assert.same({ "weight", "bias" }, bn:state_dict_keys())
    bn:eval()
    local y = bn(tide.randn(16, 2) * 3 + 2)
    assert.is_true(math.abs(num(y:mean())) < 1e-5)
  end)
end)
