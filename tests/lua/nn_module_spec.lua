-- tide.nn.Module and the containers: class creation, registration by assignment, traversal order,
-- train/eval, zero_grad, state_dict keys and strict loading, dtype conversion, printing, summary,
-- positional error messages; nn.init (fans, gains, bounds) and the layers' default
-- initialisation. (The examples of docs/nn.md run in docs_spec.)
local tide = require("tide")
local H = require("spec_helpers")
local nn = tide.nn

-- a full reduction's value: a number, or a 0-d tensor when the input requires grad
local function num(v)
  if tide.is_tensor(v) then return v:item() end
  return v
end

local function keys_of(iter)
  local out = {}
  for k in iter do out[#out + 1] = k end
  return out
end

local function same_list(a, b, what)
  assert.equals(#b, #a, (what or "list") .. " length: " .. table.concat(a, ", "))
  for i = 1, #b do assert.equals(b[i], a[i], (what or "list") .. " element " .. i) end
end

-- A module with its own parameter, a buffer and two children.
local Scale = nn.Module:extend("Scale")
function Scale:init(n)
  self.w = nn.Parameter(tide.ones(n))
  self:register_buffer("calls", tide.zeros(1))
end
function Scale:forward(x)
  tide.no_grad(function() self.calls:add_(1) end)
  return x * self.w
end

local Net = nn.Module:extend("Net")
function Net:init()
  self.fc1 = nn.Linear(4, 3)
  self.scale = Scale(3)
  self.fc2 = nn.Linear(3, 2, { bias = false })
end
function Net:forward(x) return self.fc2(self.scale(self.fc1(x))) end

describe("nn.Module classes", function()
  it("extends, constructs with init, and runs forward when called", function()
    local m = Net()
    assert.is_true(nn.is_module(m))
    assert.is_false(nn.is_module(Net))
    assert.is_false(nn.is_module(tide.ones(2)))
    assert.equals("Net", m:class_name())
    local y = m(tide.randn(5, 4))
    assert.same({ 5, 2 }, y.shape)
    assert.equals(1, m.scale.calls[1])
    -- forward is the method; calling runs it with all arguments
    local Add = nn.Module:extend("Add")
    function Add:forward(a, b) return a + b, "second" end
    local r, s = Add()(tide.ones(2), tide.ones(2))
    assert.equals(4, r:sum())
    assert.equals("second", s)
  end)

  it("subclasses inherit methods and can call their parent's init", function()
    local Wide = Net:extend("Wide")
    function Wide:init()
      Net.init(self)
      self.extra = nn.Linear(2, 2)
    end
    function Wide:forward(x) return self.extra(Net.forward(self, x)) end
    local w = Wide()
    assert.same({ 3, 2 }, w(tide.randn(3, 4)).shape)
    same_list(w:state_dict_keys(), { "fc1.weight", "fc1.bias", "scale.w", "scale.calls", "fc2.weight",
      "extra.weight", "extra.bias" })
  end)

  it("a module without forward says so", function()
    local Empty = nn.Module:extend("Empty")
    H.assert_error(function() local _ = Empty()(tide.ones(1)) end, "Empty: forward is not implemented")
    H.assert_error(function() nn.Module:extend("not a name") end, "extend")
  end)
end)

describe("registration by assignment", function()
  it("keeps parameters, buffers and children in registration order", function()
    local m = Net()
    same_list(keys_of(m:named_parameters()), { "fc1.weight", "fc1.bias", "scale.w", "fc2.weight" })
    same_list(keys_of(m:named_buffers()), { "scale.calls" })
    same_list(keys_of(m:named_children()), { "fc1", "scale", "fc2" })
    same_list(keys_of(m:named_modules()), { "", "fc1", "scale", "fc2" })
    assert.equals(4, #m:parameters())
    assert.equals(m.fc1.weight, m:parameters()[1])
    assert.equals(3, #m:children())
    assert.equals(4, #m:modules())
    assert.equals(4 * 3 + 3 + 3 + 3 * 2, m:num_parameters())
    -- a direct parameter only
    same_list(keys_of(m.scale:named_parameters(false)), { "w" })
  end)

  it("parameters are float32 leaves that require grad", function()
    local m = Net()
    for _, p in ipairs(m:parameters()) do
      assert.equals("float32", p.dtype)
      assert.is_true(p.requires_grad)
      assert.is_true(p:is_leaf())
    end
    assert.is_nil(m.scale.calls.requires_grad)
    assert.is_nil(m.fc2.bias) -- registered as absent: not a parameter, not in the state_dict
  end)

  it("replacing a child keeps its place; nil removes it", function()
    local m = Net()
    m.scale = nn.Linear(3, 3)
    same_list(keys_of(m:named_children()), { "fc1", "scale", "fc2" })
    m.fc1 = nil
    same_list(keys_of(m:named_children()), { "scale", "fc2" })
    assert.is_nil(m.fc1)
    m.fc1 = nn.Linear(4, 3) -- back, at its old place
    same_list(keys_of(m:named_children()), { "fc1", "scale", "fc2" })
  end)

  it("shared parameters and modules are listed once, saved under every key", function()
    local Tied = nn.Module:extend("Tied")
    function Tied:init()
      self.a = nn.Linear(3, 3)
      self.b = self.a
    end
    function Tied:forward(x) return self.b(self.a(x)) end
    local t = Tied()
    assert.equals(2, #t:parameters())
    assert.equals(2, #t:modules())
    same_list(t:state_dict_keys(), { "a.weight", "a.bias", "b.weight", "b.bias" })
  end)

  it("refuses bad assignments with the module's name", function()
    local m = Net()
    H.assert_error(function() m.scale.w = tide.ones(3) end, "Scale", "parameter 'w'", "nn.Parameter")
    H.assert_error(function() m.fc1 = 3 end, "Net", "child module 'fc1'")
    H.assert_error(function() m.scale.calls = "x" end, "buffer 'calls'")
    H.assert_error(function() m:register_parameter("train", tide.ones(1)) end, "method or field")
    H.assert_error(function() m:register_buffer("a.b", tide.ones(1)) end, "must not contain '.'")
    H.assert_error(function() nn.Parameter(tide.ones(2, "int64")) end, "Parameter", "int64")
    -- a plain tensor or value is a plain attribute
    m.note = tide.ones(2)
    m.rate = 0.5
    assert.equals(4, #m:parameters())
    assert.equals(0.5, m.rate)
  end)

  it("nn.Parameter detaches a computed tensor", function()
    local a = tide.ones(2):requires_grad_()
    local p = nn.Parameter(a * 2)
    assert.is_true(p:is_leaf())
    assert.is_true(p.requires_grad)
    local frozen = nn.Parameter(tide.zeros(2, "int64"), false)
    assert.is_nil(frozen.requires_grad)
  end)
end)

describe("train / eval, zero_grad, requires_grad_", function()
  it("switches modes recursively", function()
    local m = nn.Sequential(Net(), nn.Sequential(nn.Linear(2, 2)))
    assert.is_true(m.training)
    assert.equals(m, m:eval())
    for _, sub in ipairs(m:modules()) do assert.is_false(sub.training) end
    m:train()
    for _, sub in ipairs(m:modules()) do assert.is_true(sub.training) end
    m[2]:train(false)
    assert.is_true(m[1].fc1.training)
    assert.is_false(m[2][1].training)
  end)

  it("zero_grad drops gradients (or zeroes them in place)", function()
    local m = Net()
    m(tide.randn(2, 4)):sum():backward()
    for _, p in ipairs(m:parameters()) do assert.is_not_nil(p.grad) end
    local g = m.fc1.weight.grad
    m:zero_grad(false)
    assert.equals(g, m.fc1.weight.grad)
    assert.equals(0, g:abs():sum())
    m:zero_grad()
    for _, p in ipairs(m:parameters()) do assert.is_nil(p.grad) end
  end)

  it("requires_grad_(false) freezes parameters", function()
    local m = Net()
    m:requires_grad_(false)
    for _, p in ipairs(m:parameters()) do assert.is_nil(p.requires_grad) end
    assert.is_nil(m(tide.randn(2, 4)).requires_grad)
    m:requires_grad_()
    assert.is_true(m(tide.randn(2, 4)).requires_grad)
  end)
end)

describe("state_dict / load_state_dict", function()
  it("uses PyTorch's keys and order (params, buffers, then children; Sequential 0-based)", function()
    local m = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 3)), Net())
    same_list(m:state_dict_keys(), { "0.weight", "0.bias", "1.0.weight", "1.0.bias", "2.fc1.weight", "2.fc1.bias",
      "2.scale.w", "2.scale.calls", "2.fc2.weight" })
    local sd = m:state_dict()
    assert.same({ 3, 2 }, sd["0.weight"].shape)
    assert.is_true(sd["0.weight"]:is_leaf())
    assert.is_nil(sd["0.weight"].requires_grad) -- detached ...
    tide.no_grad(function() m[1].weight:fill_(7) end)
    assert.equals(7, sd["0.weight"][{ 1, 1 }]) -- ... but sharing the data
    same_list(m:state_dict_keys(), (function()
      local out = {}
      for i, e in ipairs(m:state_items()) do out[i] = e[1] end
      return out
    end)())
  end)

  it("non-persistent buffers stay out of the state_dict", function()
    local m = nn.Linear(2, 2)
    m:register_buffer("cache", tide.zeros(2), false)
    same_list(m:state_dict_keys(), { "weight", "bias" })
    same_list(keys_of(m:named_buffers()), { "cache" })
  end)

  it("copies values in place (the parameters stay the same tensors)", function()
    local a, b = Net(), Net()
    local w = b.fc1.weight
    local r = b:load_state_dict(a:state_dict())
    assert.same({}, r.missing_keys)
    assert.same({}, r.unexpected_keys)
    assert.equals(w, b.fc1.weight)
    local x = tide.randn(3, 4)
    assert.equals(0, num((a(x) - b(x)):abs():max()))
  end)

  it("strict loading lists missing and unexpected keys and size mismatches", function()
    local a = Net()
    local sd = a:state_dict()
    sd["fc2.weight"] = nil
    sd["fc3.bias"] = tide.zeros(2)
    local err = H.assert_error(function() Net():load_state_dict(sd) end,
      "load_state_dict: missing keys: fc2.weight", "unexpected keys: fc3.bias")
    assert.truthy(err:find("nn_module_spec.lua:%d+:"), err) -- at the caller's line
    -- strict = false loads what matches and reports the rest
    local b = Net()
    local r = b:load_state_dict(sd, { strict = false })
    assert.same({ "fc2.weight" }, r.missing_keys)
    assert.same({ "fc3.bias" }, r.unexpected_keys)
    assert.equals(0, num((b.fc1.weight - a.fc1.weight):abs():max()))
  end)

  it("a size mismatch names the key and both shapes, strict or not", function()
    local Mlp = nn.Module:extend("Mlp")
    function Mlp:init(n) self.fc1 = nn.Linear(n, 128) end
    local sd = Mlp(3136):state_dict()
    local err = H.assert_error(function() Mlp(784):load_state_dict(sd) end)
    assert.truthy(err:find("load_state_dict: size mismatch for fc1.weight: checkpoint has {128, 3136}, model has {128, 784}",
      1, true), err)
    H.assert_error(function() Mlp(784):load_state_dict(sd, { strict = false }) end, "size mismatch for fc1.weight")
    H.assert_error(function() Mlp(784):load_state_dict({ ["fc1.weight"] = 3 }) end, "entry 'fc1.weight' is a number")
    H.assert_error(function() Mlp(784):load_state_dict("x") end, "load_state_dict: expected a table")
  end)

  it("converts dtypes on load", function()
    local a = nn.Linear(3, 2):to("float64")
    local b = nn.Linear(3, 2)
    b:load_state_dict(a:state_dict())
    assert.equals("float32", b.weight.dtype)
    assert.is_true(num((b.weight:to("float64") - a.weight):abs():max()) < 1e-7)
  end)
end)

describe("m:to(dtype)", function()
  it("converts floating parameters and buffers, keeps integer buffers", function()
    local m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    m:to("float64")
    for _, p in ipairs(m:parameters()) do
      assert.equals("float64", p.dtype)
      assert.is_true(p.requires_grad)
      assert.is_true(p:is_leaf())
    end
    assert.equals("float64", m[2].running_mean.dtype)
    assert.equals("int64", m[2].num_batches_tracked.dtype)
    m:float()
    assert.equals("float32", m[1].weight.dtype)
    H.assert_error(function() m:to("int64") end, "Sequential:to", "float32")
  end)

  it("a float64 module gradchecks (Linear)", function()
    local m = nn.Linear(3, 2):double()
    local x = tide.randn(4, 3):to("float64"):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(xx) return m(xx) end, { x, m.weight, m.bias }))
  end)
end)

describe("printing", function()
  it("looks like PyTorch's repr", function()
    local m = Net()
    assert.equals(table.concat({
      "Net(",
      "  (fc1): Linear(in_features=4, out_features=3, bias=true)",
      "  (scale): Scale()",
      "  (fc2): Linear(in_features=3, out_features=2, bias=false)",
      ")" }, "\n"), tostring(m))
    local s = nn.Sequential(nn.Conv2d(1, 8, 3, { padding = 1 }), nn.Sequential(nn.Flatten(), nn.Identity()))
    assert.equals(table.concat({
      "Sequential(",
      "  (1): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
      "  (2): Sequential(",
      "    (1): Flatten(start_dim=2, end_dim=-1)",
      "    (2): Identity()",
      "  )",
      ")" }, "\n"), tostring(s))
    local named = nn.Sequential({ { "conv", nn.Conv2d(3, 4, { 3, 1 }, { stride = 2, bias = false, groups = 1 }) } })
    assert.equals("Sequential(\n  (conv): Conv2d(3, 4, kernel_size=(3, 1), stride=(2, 2), bias=false)\n)", tostring(named))
    assert.equals("BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)",
      tostring(nn.BatchNorm2d(16)))
    assert.equals("LayerNorm((10,), eps=1e-05, elementwise_affine=true)", tostring(nn.LayerNorm(10)))
    assert.equals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)", tostring(nn.MaxPool2d(2)))
    assert.equals("Dropout(p=0.25, inplace=false)", tostring(nn.Dropout(0.25)))
    assert.equals("Embedding(10, 3, padding_idx=1)", tostring(nn.Embedding(10, 3, { padding_idx = 1 })))
    assert.equals("ReLU()", tostring(nn.ReLU()))
    assert.equals("Softmax(dim=2)", tostring(nn.Softmax(2)))
    assert.equals("CrossEntropyLoss()", tostring(nn.CrossEntropyLoss()))
    assert.equals("ModuleList(\n  (1): ReLU()\n  (2): Tanh()\n)", tostring(nn.ModuleList({ nn.ReLU(), nn.Tanh() })))
  end)
end)

describe("summary", function()
  local function model()
    return nn.Sequential(
      nn.Sequential(nn.Conv2d(1, 4, 3, { padding = 1 }), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2)),
      nn.Flatten(), nn.Linear(4 * 4 * 4, 10))
  end

  it("lists each layer with its output shape and parameters, with totals", function()
    local m = model()
    local text = m:summary({ 1, 1, 8, 8 })
    assert.equals("string", type(text))
    for _, s in ipairs({ "Layer (type)", "[1] (Sequential)", "[1][1] (Conv2d)", "[1, 4, 8, 8]", "[1][4] (MaxPool2d)",
      "[1, 4, 4, 4]", "[3] (Linear)", "[1, 10]", "Total params: 698", "Trainable params: 698",
      "Non-trainable params: 0", "Input shape: [1, 1, 8, 8]", "Output shape: [1, 10]" }) do
      assert.truthy(text:find(s, 1, true), "summary lacks '" .. s .. "':\n" .. text)
    end
    local t = m:summary_table({ 1, 1, 8, 8 })
    assert.equals(7, #t.rows)
    local sum = 0
    for _, r in ipairs(t.rows) do sum = sum + r.params end
    assert.equals(698, sum)
    assert.equals(650, t.rows[7].params)
    assert.equals("[1][2]", t.rows[3].name)
    assert.equals("BatchNorm2d", t.rows[3].type)
    assert.equals(1, t.rows[3].depth)
  end)

  it("runs without side effects: modes restored, running stats untouched, no graph", function()
    local m = model()
    m[1][2]:eval()
    local before = m[1][2].running_mean:clone()
    m:summary({ 2, 1, 8, 8 })
    assert.is_true(m.training)
    assert.is_false(m[1][2].training)
    assert.is_true(m[1][1].training)
    assert.equals(0, (m[1][2].running_mean - before):abs():max())
    assert.equals(0, m[1][2].num_batches_tracked:item())
    for _, p in ipairs(m:parameters()) do assert.is_nil(p.grad) end
  end)

  it("reports bad input shapes through the layer that failed", function()
    H.assert_error(function() model():summary({ 1, 3, 8, 8 }) end, "Sequential[1][1] Conv2d: input has 3 channels, weight expects 1")
    H.assert_error(function() model():summary("x") end, "summary: expected the input shape")
  end)
end)

describe("error messages name the module and its position", function()
  it("Linear with the wrong input width", function()
    local err = H.assert_error(function() local _ = nn.Linear(3136, 128)(tide.zeros(2, 784)) end)
    assert.truthy(err:find("Linear: input has 784 features, weight expects 3136", 1, true), err)
    assert.truthy(err:find("nn_module_spec.lua:%d+: Linear"), err)
  end)

  it("Sequential prefixes the 1-based position", function()
    local m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(1, 2, 3))
    local err = H.assert_error(function() local _ = m(tide.zeros(1, 1, 8, 8)) end)
    assert.truthy(err:find("Sequential[3] Conv2d: input has 4 channels, weight expects 1", 1, true), err)
    local m2 = nn.Sequential(nn.Linear(5, 5), nn.Linear(4, 2))
    err = H.assert_error(function() local _ = m2(tide.zeros(1, 5)) end)
    assert.truthy(err:find("Sequential[2] Linear: input has 5 features, weight expects 4", 1, true), err)
  end)

  it("nested paths go through named children and inner containers", function()
    local Block = nn.Module:extend("Block")
    function Block:init() self.block = nn.Sequential(nn.Linear(7, 2)) end
    function Block:forward(x) return self.block(x) end
    local m = nn.Sequential(nn.Linear(3, 5), Block())
    local err = H.assert_error(function() local _ = m(tide.zeros(2, 3)) end)
    assert.truthy(err:find("Sequential[2].block[1] Linear: input has 5 features, weight expects 7", 1, true), err)
    -- a ModuleList attribute is part of the path too
    local Stack = nn.Module:extend("Stack")
    function Stack:init() self.layers = nn.ModuleList({ nn.Linear(2, 2), nn.Linear(3, 3) }) end
    function Stack:forward(x)
      for _, l in ipairs(self.layers) do x = l(x) end
      return x
    end
    err = H.assert_error(function() local _ = Stack()(tide.zeros(1, 2)) end)
    assert.truthy(err:find("Stack.layers[2] Linear: input has 2 features, weight expects 3", 1, true), err)
  end)

  it("errors raised in a user's forward keep their line and gain the path", function()
    local Bad = nn.Module:extend("Bad")
    function Bad:forward(x) return x.no_such_method(x) end
    local err = H.assert_error(function() local _ = nn.Sequential(nn.Identity(), Bad())(tide.zeros(1)) end)
    assert.truthy(err:find("nn_module_spec.lua:%d+: Sequential%[2%] Bad: "), err)
    -- the module call chain is reset after an error: the next error is not nested
    err = H.assert_error(function() local _ = nn.Linear(2, 2)(tide.zeros(1, 3)) end)
    assert.truthy(err:find(": Linear: input has 3 features", 1, true), err)
  end)

  it("conv input rank and dtype", function()
    H.assert_error(function() local _ = nn.Conv2d(1, 2, 3)(tide.zeros(8, 8)) end,
      "Conv2d: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got 2-d {8, 8}")
    H.assert_error(function() local _ = nn.Linear(2, 2)(tide.zeros(1, 2, "uint8")) end,
      "Linear: input is uint8, expected float32")
    H.assert_error(function() local _ = nn.Linear(2, 2)("x") end, "Linear: input must be a tensor")
  end)

  it("constructors check their arguments", function()
    H.assert_error(function() nn.Linear(-1, 2) end, "Linear: in_features must be an integer >= 0")
    H.assert_error(function() nn.Linear(2, 2, { biass = true }) end, "Linear: unknown option 'biass' (expected bias, dtype)")
    H.assert_error(function() nn.Conv2d(3, 4, 3, { groups = 2 }) end, "Conv2d: in_channels (3) must be divisible by groups (2)")
    H.assert_error(function() nn.Conv2d(3, 4, 2, { padding = "same" }) end, "Conv2d: padding \"same\" with an even kernel")
    H.assert_error(function() nn.Conv2d(3, 4, 3, { padding = "same", stride = 2 }) end, "strided")
    H.assert_error(function() nn.Conv2d(3, 4, 3, { padding_mode = "reflect" }) end, "padding_mode")
    H.assert_error(function() nn.ConvTranspose2d(3, 4, 3, { output_padding = 1 }) end, "output_padding (1) must be smaller")
    H.assert_error(function() nn.Dropout(1.5) end, "Dropout: dropout probability has to be between 0 and 1, but got 1.5")
    H.assert_error(function() nn.Softmax() end, "Softmax: dim must be given")
    H.assert_error(function() nn.GELU("fast") end, "GELU: approximate")
    H.assert_error(function() nn.BatchNorm2d(0) end, "BatchNorm2d: num_features")
    H.assert_error(function() nn.MaxPool2d(2, { padding = 2 }) end, "MaxPool2d: padding (2) should be at most half")
    H.assert_error(function() nn.CrossEntropyLoss({ reduction = "avg" }) end, "CrossEntropyLoss: reduction")
    H.assert_error(function() nn.Embedding(4, 2, { padding_idx = 5 }) end, "Embedding: padding_idx")
    H.assert_error(function() nn.Unflatten(2, { -1, -1 }) end, "Unflatten: at most one")
    H.assert_error(function() nn.LayerNorm({}) end, "LayerNorm: normalized_shape")
  end)

  it("layers check their inputs' shapes", function()
    H.assert_error(function() local _ = nn.BatchNorm2d(3)(tide.zeros(2, 4, 2, 2)) end,
      "BatchNorm2d: input has 4 channels, expected 3")
    H.assert_error(function() local _ = nn.BatchNorm1d(3)(tide.zeros(2, 3, 2, 2)) end, "BatchNorm1d: expected a 2-d")
    H.assert_error(function() local _ = nn.BatchNorm1d(3)(tide.zeros(1, 3)) end,
      "BatchNorm1d: expected more than 1 value per channel when training")
    H.assert_error(function() local _ = nn.LayerNorm({ 3, 4 })(tide.zeros(2, 4, 3)) end,
      "LayerNorm: input of shape {2, 4, 3} does not end with normalized_shape {3, 4}")
    H.assert_error(function() local _ = nn.Unflatten(2, { 2, 2 })(tide.zeros(2, 5)) end, "Unflatten: dim 2 has size 5")
    H.assert_error(function() local _ = nn.Flatten(3)(tide.zeros(2, 5)) end, "Flatten: dims (3, -1) out of range")
    H.assert_error(function() local _ = nn.ConvTranspose2d(2, 2, 3, { stride = 2 })(tide.zeros(1, 2, 4, 4), { 20, 20 }) end,
      "ConvTranspose2d: requested output size 20 is not between 9 and 10")
    H.assert_error(function() local _ = nn.MSELoss()(tide.zeros(2), 3) end, "MSELoss: target must be a tensor")
  end)
end)

describe("containers", function()
  it("Sequential: indexing, length, ipairs, append / insert / remove", function()
    local a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    local s = nn.Sequential(a, b)
    assert.equals(2, #s)
    assert.equals(a, s[1])
    assert.equals(b, s[-1])
    s:append(c)
    assert.equals(3, s:len())
    local seen = {}
    for i, m in ipairs(s) do seen[i] = m end
    assert.same({ a, b, c }, seen)
    same_list(s:state_dict_keys(), { "0.weight", "0.bias", "2.weight", "2.bias" })
    local id = nn.Identity()
    s:insert(2, id)
    assert.equals(id, s[2])
    assert.equals(c, s[4])
    assert.equals(id, s:remove(2))
    assert.equals(3, #s)
    s[2] = nn.Tanh() -- replace in place
    assert.equals("Tanh", s[2]:class_name())
    s[4] = nn.Identity() -- append at the end
    assert.equals(4, #s)
    H.assert_error(function() s[9] = nn.ReLU() end, "Sequential: index 9 out of range")
    H.assert_error(function() s[5] = 3 end, "Sequential[5]: expected a module")
    H.assert_error(function() nn.Sequential(nn.ReLU(), 3) end, "Sequential: argument 2 must be a module")
    assert.same({ 4, 1 }, s(tide.randn(4, 2)).shape)
    assert.equals("table", type(nn.Sequential()(tide.ones(1)))) -- empty: the input back
  end)

  it("Sequential from {name, module} pairs uses the names as keys", function()
    local s = nn.Sequential({ { "conv1", nn.Conv2d(1, 2, 3) }, { "act", nn.ReLU() }, { "fc", nn.Linear(2, 2) } })
    same_list(s:state_dict_keys(), { "conv1.weight", "conv1.bias", "fc.weight", "fc.bias" })
    assert.equals(s[1], s.conv1)
    s.fc = nn.Linear(2, 3)
    assert.equals(3, s[3].out_features)
    s.head = nn.Linear(3, 1) -- a new named child joins the sequence
    assert.equals(4, #s)
    same_list(keys_of(s:named_children()), { "conv1", "act", "fc", "head" })
    H.assert_error(function() nn.Sequential({ { "a", nn.ReLU() }, { "a", nn.ReLU() } }) end, "'a' already exists")
  end)

  it("ModuleList registers its modules and has no forward", function()
    local l = nn.ModuleList({ nn.Linear(2, 2), nn.Linear(2, 2) })
    l:append(nn.Linear(2, 1))
    assert.equals(3, #l)
    same_list(l:state_dict_keys(), { "0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias" })
    H.assert_error(function() local _ = l(tide.ones(2)) end, "ModuleList: has no forward")
    H.assert_error(function() nn.ModuleList({ 1 }) end, "ModuleList: element 1 must be a module")
  end)

  it("ModuleDict keeps order (pairs) or sorts (map)", function()
    local d = nn.ModuleDict({ { "z", nn.Linear(1, 1) }, { "a", nn.Linear(1, 2) } })
    same_list(d:keys(), { "z", "a" })
    assert.equals(2, d.a.out_features)
    assert.equals(d.z, d:get("z"))
    local m = nn.ModuleDict({ b = nn.ReLU(), a = nn.Tanh() })
    same_list(m:keys(), { "a", "b" })
    m:set("c", nn.Linear(1, 1))
    same_list(m:state_dict_keys(), { "c.weight", "c.bias" })
    assert.equals(3, m:len())
    local n = 0
    for k, v in m:items() do n = n + 1; assert.equals(v, m[k]) end
    assert.equals(3, n)
  end)
end)

describe("nn.init", function()
  local init = nn.init

  it("computes fans and gains as PyTorch", function()
    local fi, fo = init.calculate_fan_in_and_fan_out(tide.empty(32, 16, 3, 5))
    assert.equals(16 * 15, fi)
    assert.equals(32 * 15, fo)
    fi, fo = init.calculate_fan_in_and_fan_out(tide.empty(7, 3))
    assert.equals(3, fi)
    assert.equals(7, fo)
    H.assert_error(function() init.calculate_fan_in_and_fan_out(tide.empty(5)) end, "fewer than 2 dims")
    assert.equals(1, init.calculate_gain("linear"))
    assert.equals(1, init.calculate_gain("conv2d"))
    assert.equals(5 / 3, init.calculate_gain("tanh"))
    assert.equals(math.sqrt(2), init.calculate_gain("relu"))
    assert.equals(math.sqrt(2 / (1 + 0.01 ^ 2)), init.calculate_gain("leaky_relu"))
    assert.equals(math.sqrt(2 / (1 + 5)), init.calculate_gain("leaky_relu", math.sqrt(5)))
    assert.equals(0.75, init.calculate_gain("selu"))
    H.assert_error(function() init.calculate_gain("swish") end, "unsupported nonlinearity swish")
  end)

  -- max |w| close to (and within) the bound; std close to bound / sqrt(3)
  local function check_uniform(t, bound)
    local m = num(t:abs():max())
    assert.is_true(m <= bound * (1 + 1e-6), "max " .. m .. " above bound " .. bound)
    assert.is_true(m >= bound * 0.97, "max " .. m .. " far below bound " .. bound)
    local std = math.sqrt(num(t:to("float64"):square():mean()))
    assert.is_true(math.abs(std - bound / math.sqrt(3)) < 0.05 * bound, "std " .. std)
  end

  it("kaiming and xavier fill with the right spread", function()
    tide.manual_seed(3)
    local w = tide.empty(200, 100)
    check_uniform(init.kaiming_uniform_(w), math.sqrt(2) * math.sqrt(3 / 100)) -- a = 0: leaky_relu gain sqrt(2)
    check_uniform(init.kaiming_uniform_(w, { mode = "fan_out", nonlinearity = "relu" }), math.sqrt(2) * math.sqrt(3 / 200))
    check_uniform(init.kaiming_uniform_(w, 0, "fan_in", "relu"), math.sqrt(6 / 100))
    check_uniform(init.xavier_uniform_(w, 2), 2 * math.sqrt(6 / 300))
    local std = init.kaiming_normal_(w, { nonlinearity = "relu" }):std()
    assert.is_true(math.abs(std - math.sqrt(2 / 100)) < 0.01 * 5 * math.sqrt(2 / 100), "kaiming_normal std " .. std)
    std = init.xavier_normal_(w):std()
    assert.is_true(math.abs(std - math.sqrt(2 / 300)) < 0.05 * math.sqrt(2 / 300), "xavier_normal std " .. std)
    check_uniform(init.uniform_(w, -0.3, 0.3), 0.3)
    local n = init.normal_(tide.empty(10000), 2, 0.5)
    assert.is_true(math.abs(n:mean() - 2) < 0.03 and math.abs(n:std() - 0.5) < 0.03)
    assert.equals(0, init.zeros_(w):abs():sum())
    assert.equals(20000, init.ones_(w):sum())
    assert.equals(2.5, init.constant_(w, 2.5):mean())
    H.assert_error(function() init.kaiming_uniform_(w, { mode = "fan_avg" }) end, "mode must be")
    H.assert_error(function() init.uniform_(tide.empty(2, "int64")) end, "init.uniform_: expected a float32 or float64 tensor")
    H.assert_error(function() init.normal_(w, 0, -1) end, "std must be non-negative")
  end)

  it("works on parameters that require grad, without recording", function()
    local p = nn.Parameter(tide.empty(4, 4))
    init.xavier_uniform_(p)
    assert.is_true(p:is_leaf())
    assert.is_true(p.requires_grad)
  end)

  it("layers initialise as PyTorch: kaiming_uniform_(a = sqrt(5)) and bias in 1/sqrt(fan_in)", function()
    tide.manual_seed(5)
    local l = nn.Linear(400, 300)
    -- gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    check_uniform(l.weight, 1 / math.sqrt(400))
    assert.is_true(num(l.bias:abs():max()) <= 1 / math.sqrt(400))
    local c = nn.Conv2d(16, 64, 5)
    check_uniform(c.weight, 1 / math.sqrt(16 * 25))
    assert.is_true(num(c.bias:abs():max()) <= 1 / math.sqrt(16 * 25))
    local t = nn.ConvTranspose2d(64, 16, 4, { groups = 2 }) -- weight [64, 8, 4, 4]: fan_in = 8 * 16
    assert.same({ 64, 8, 4, 4 }, t.weight.shape)
    check_uniform(t.weight, 1 / math.sqrt(8 * 16))
    local e = nn.Embedding(1000, 50, { padding_idx = 2 })
    assert.is_true(math.abs(num(e.weight:std()) - 1) < 0.05)
    assert.equals(0, num(e.weight[2]:abs():sum()))
    local bn = nn.BatchNorm2d(3)
    assert.equals(3, num(bn.weight:sum()))
    assert.equals(0, num(bn.bias:abs():sum()))
    assert.equals(3, bn.running_var:sum())
    local d = nn.Linear(3, 2, { dtype = "float64" })
    assert.equals("float64", d.weight.dtype)
  end)
end)

describe("Sequential without recording", function()
  it("frees each intermediate output once the next child has used it", function()
    local tide = require("tide")
    local nn = tide.nn
    local Spy = nn.Module:extend("Spy")
    function Spy:forward(x)
      self.seen = x
      return x * 2
    end
    local spy = Spy()
    local m = nn.Sequential(nn.Linear(3, 4), spy, nn.ReLU())
    local input = tide.randn(2, 3)
    local out = tide.no_grad(function() return m(input) end)
    assert.are.same({ 2, 4 }, out.shape)
    assert.has_error(function() return spy.seen:sum() end, nil)   -- the Linear's output: freed
    assert.are.equal(6, input:numel())                             -- the caller's input: kept
    -- while recording, every intermediate stays for backward
    local y = m(input)
    assert.are.same({ 2, 4 }, spy.seen.shape)                     -- still alive
    y:sum():backward()
  end)
end)
