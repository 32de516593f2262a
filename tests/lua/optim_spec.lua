-- Optimizers against PyTorch 1.13: every fixture case (tests/gen/gen_optim.py) replays the same
-- gradients from the same parameters and must give PyTorch's parameters after every step, bit
-- for bit (the kernels follow PyTorch's order of operations and its fused multiply-adds, and fma
-- is exact on every machine). Also state_dict round trips, param groups, zero_grad, closures,
-- gradient clipping, the threaded path, and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local F = H.fixture("optim")
local optim = tide.optim

local function mk(ref) return tide.tensor(ref.data, ref.dtype):reshape(ref.shape) end

local function params_for(dtype)
  local init = F["init_" .. dtype]
  return { mk(init[1]):requires_grad_(), mk(init[2]):requires_grad_() }
end

-- The params argument of a case: plain tensors, or one group per tensor with its options.
local function param_arg(case, ps)
  if not case.groups then return ps end
  local groups = {}
  for j, g in ipairs(case.groups) do
    local t = { params = { ps[j] } }
    for k, v in pairs(g) do t[k] = v end
    groups[j] = t
  end
  return groups
end

local function skip_set(case)
  local skip = {}
  if case.skip then
    for _, s in ipairs(F.skip) do skip[s[1] .. ":" .. s[2]] = true end
  end
  return skip
end

-- Set the fixture gradients of step k (nil where the case skips).
local function set_grads(ps, dtype, k, skip)
  local grads = F["grads_" .. dtype]
  for j = 1, #ps do
    ps[j].grad = (not skip[k .. ":" .. j]) and mk(grads[k][j]) or nil
  end
end

local function assert_same(t, ref, what)
  H.assert_matches(t:detach(), { shape = ref.shape, data = mk(ref):to("float64"):reshape(-1):totable() }, nil, what)
end

local function case_names()
  local names = {}
  for k, v in pairs(F) do
    if type(v) == "table" and v.optimizer and v.params then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

describe("optimizers match PyTorch 1.13", function()
  for _, name in ipairs(case_names()) do
    it(name, function()
      local case = F[name]
      local dtype = name:match("_(float%d%d)$")
      local ps = params_for(dtype)
      local opt = optim[case.optimizer](param_arg(case, ps), case.options)
      local skip = skip_set(case)
      for k = 1, #case.params do
        set_grads(ps, dtype, k, skip)
        opt:step()
        for j = 1, 2 do
          assert.equals(dtype, ps[j].dtype)
          assert_same(ps[j], case.params[k][j], string.format("%s step %d param %d", name, k, j))
        end
      end
    end)
  end
end)

describe("optimizer state_dict", function()
  -- 5 steps, save; continue 5 steps. A fresh optimizer on fresh copies of the step-5 params,
  -- loaded from the saved state, continues identically (and still equals PyTorch).
  for _, name in ipairs({ "sgd_momentum_float64", "sgd_groups_skip_float32", "adam_wd_amsgrad_float64",
    "adam_groups_skip_float64", "adamw_amsgrad_float32", "rmsprop_all_float64", "rmsprop_centered_float32",
    "adagrad_decay_float64", "adagrad_plain_float32" }) do
    it("round trip continues identically: " .. name, function()
      local case = F[name]
      local dtype = name:match("_(float%d%d)$")
      local skip = skip_set(case)
      local ps = params_for(dtype)
      local opt = optim[case.optimizer](param_arg(case, ps), case.options)
      for k = 1, 5 do
        set_grads(ps, dtype, k, skip)
        opt:step()
      end
      local sd = opt:state_dict()
      local saved = { ps[1]:detach():clone(), ps[2]:detach():clone() }
      -- meta is plain data, and survives JSON (as in tide.io's checkpoints)
      local json = require("tide.io.json")
      sd.meta = json.decode(json.encode(sd.meta))
      for k = 6, 10 do
        set_grads(ps, dtype, k, skip)
        opt:step()
      end
      local qs = { saved[1]:requires_grad_(), saved[2]:requires_grad_() }
      local opt2 = optim[case.optimizer](param_arg(case, qs), case.options)
      opt2:load_state_dict(sd)
      for k = 6, 10 do
        set_grads(qs, dtype, k, skip)
        opt2:step()
        for j = 1, 2 do assert_same(qs[j], case.params[k][j], name .. " resumed step " .. k) end
      end
      for j = 1, 2 do assert.same(ps[j]:totable(), qs[j]:totable()) end
    end)
  end

  it("is a snapshot with JSON-able meta and <index>.<name> tensor keys", function()
    local p = tide.tensor({ 1, 2, 3 }):requires_grad_()
    local q = tide.tensor({ { 1, 2 } }):requires_grad_()
    local opt = optim.Adam({ p, q }, { lr = 0.1, amsgrad = true })
    p.grad = tide.ones(3)
    opt:step()
    local sd = opt:state_dict()
    local keys = {}
    for k in pairs(sd.tensors) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.same({ "1.exp_avg", "1.exp_avg_sq", "1.max_exp_avg_sq" }, keys)
    assert.same({ [1] = { step = 1 } }, sd.meta.state)
    assert.equals("Adam", sd.meta.optimizer)
    assert.same({ 1, 2 }, sd.meta.param_groups[1].params)
    assert.same({ 0.9, 0.999 }, sd.meta.param_groups[1].betas)
    local before = sd.tensors["1.exp_avg"]:totable()
    opt:step()
    assert.same(before, sd.tensors["1.exp_avg"]:totable())
    assert.is_string(require("cjson").encode(sd.meta))
  end)

  it("loads meta that went through plain cjson (holes as nulls, string keys)", function()
    local cjson = require("cjson")
    local function run(opt, ps, steps)
      for k = 1, steps do
        for j, p in ipairs(ps) do p.grad = (j ~= 2) and tide.full({ 2 }, k * j, "float64") or nil end
        opt:step()
      end
    end
    local ps = { tide.zeros(2, "float64"):requires_grad_(), tide.zeros(2, "float64"):requires_grad_(),
      tide.zeros(2, "float64"):requires_grad_() }
    local opt = optim.RMSprop(ps, { momentum = 0.5 })
    run(opt, ps, 3)
    local sd = opt:state_dict()
    assert.same({ [1] = { step = 3 }, [3] = { step = 3 } }, sd.meta.state)
    for _, text in ipairs({ cjson.encode(sd.meta), '{"optimizer": "RMSprop", "state": {"1": {"step": 3}, "3": {"step": 3}}, '
        .. '"param_groups": ' .. cjson.encode(sd.meta.param_groups) .. "}" }) do
      local qs = { ps[1]:detach():clone():requires_grad_(), ps[2]:detach():clone():requires_grad_(),
        ps[3]:detach():clone():requires_grad_() }
      local opt2 = optim.RMSprop(qs, { momentum = 0.5 })
      opt2:load_state_dict({ tensors = sd.tensors, meta = cjson.decode(text) })
      assert.equals(3, opt2.state[qs[3]].step)
      assert.is_nil(opt2.state[qs[2]])
      local copy = opt:state_dict()
      local o1 = optim.RMSprop({ ps[1]:detach():clone():requires_grad_(), ps[2]:detach():clone():requires_grad_(),
        ps[3]:detach():clone():requires_grad_() }, { momentum = 0.5 })
      o1:load_state_dict(copy)
      run(o1, o1.param_groups[1].params, 2)
      run(opt2, qs, 2)
      for j = 1, 3 do assert.same(o1.param_groups[1].params[j]:detach():totable(), qs[j]:detach():totable()) end
    end
  end)

  it("restores hyper-parameters and converts state to the param dtype", function()
    local p = tide.tensor({ 1, 2 }, "float64"):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.5, momentum = 0.9 })
    p.grad = tide.tensor({ 1, 1 }, "float64")
    opt:step()
    local sd = opt:state_dict()
    sd.tensors["1.momentum_buffer"] = sd.tensors["1.momentum_buffer"]:to("float32")
    local q = tide.tensor({ 1, 2 }, "float64"):requires_grad_()
    local opt2 = optim.SGD({ q }, { lr = 0.01 })
    opt2:load_state_dict(sd)
    assert.equals(0.5, opt2.param_groups[1].lr)
    assert.equals(0.9, opt2.param_groups[1].momentum)
    assert.equals("float64", opt2.state[q].momentum_buffer.dtype)
  end)

  it("rejects state dicts that do not fit", function()
    local p = tide.zeros(3):requires_grad_()
    local q = tide.zeros(2, 2):requires_grad_()
    local opt = optim.Adam({ p, q })
    p.grad, q.grad = tide.ones(3), tide.ones(2, 2)
    opt:step()
    local sd = opt:state_dict()
    H.assert_error(function() optim.Adam({ p }):load_state_dict(sd) end, "Adam: load_state_dict",
      "has 2 params in the state dict, 1 in this optimizer")
    H.assert_error(function() optim.Adam({ { params = { p } }, { params = { q } } }):load_state_dict(sd) end,
      "has 1 parameter groups, this optimizer has 2")
    local r = tide.zeros(4):requires_grad_()
    H.assert_error(function() optim.Adam({ p, r }):load_state_dict(sd) end,
      "state '2.exp_avg' has shape [2, 2] but param 2 has shape [4]")
    H.assert_error(function() optim.SGD({ p, q }, { lr = 1 }):load_state_dict(sd) end,
      "SGD: load_state_dict: the state dict is from Adam")
    local bad = opt:state_dict()
    bad.tensors["1.exp_avg"] = nil
    H.assert_error(function() optim.Adam({ p, q }):load_state_dict(bad) end, "state of param 1: exp_avg is missing")
    bad = opt:state_dict()
    bad.tensors["9.exp_avg"] = tide.zeros(3)
    H.assert_error(function() optim.Adam({ p, q }):load_state_dict(bad) end, "is for param 9, but there are 2 params")
    bad = opt:state_dict()
    bad.meta.param_groups[1].lr = -1
    H.assert_error(function() optim.Adam({ p, q }):load_state_dict(bad) end, "param group 1: invalid lr -1")
    H.assert_error(function() opt:load_state_dict({}) end, "Adam: load_state_dict: the state dict has no meta table")
    -- a failed load changes nothing
    assert.equals(1, opt.state[p].step)
  end)
end)

describe("optimizer API", function()
  it("skips params without gradients and updates in place", function()
    local p = tide.tensor({ 1, 2 }, "float64"):requires_grad_()
    local q = tide.tensor({ 3, 4 }, "float64"):requires_grad_()
    local opt = optim.SGD({ p, q }, { lr = 0.5 })
    p.grad = tide.tensor({ 1, -2 }, "float64")
    local data_before = p:data_ptr()
    opt:step()
    assert.is_nil(rawget(p, "grad_fn")) -- nothing recorded: p is still a leaf
    assert.same({ 0.5, 3 }, p:detach():totable())
    assert.same({ 3, 4 }, q:detach():totable())
    assert.equals(data_before, p:data_ptr())
    assert.is_nil(opt.state[q])
  end)

  it("zero_grad sets grads to nil, or zeros them", function()
    local p = tide.ones(3):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.1 })
    p.grad = tide.ones(3)
    opt:zero_grad()
    assert.is_nil(p.grad)
    local g = tide.ones(3)
    p.grad = g
    opt:zero_grad({ set_to_none = false })
    assert.equals(g, p.grad)
    assert.same({ 0, 0, 0 }, g:totable())
  end)

  it("reads hyper-parameters from the groups at every step", function()
    local p = tide.tensor({ 1 }, "float64"):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.5 })
    p.grad = tide.tensor({ 1 }, "float64")
    opt:step()
    opt.param_groups[1].lr = 0.25
    opt:step()
    assert.same({ 0.25 }, p:totable())
  end)

  it("param groups take missing options from the defaults; add_param_group", function()
    local a, b, c = tide.zeros(2):requires_grad_(), tide.zeros(2):requires_grad_(), tide.zeros(2):requires_grad_()
    local opt = optim.Adam({ { params = { a } }, { params = { b }, lr = 0.5, betas = { 0.5, 0.6 } } },
      { lr = 0.1, weight_decay = 0.01 })
    assert.equals(0.1, opt.param_groups[1].lr)
    assert.equals(0.01, opt.param_groups[2].weight_decay)
    assert.same({ 0.5, 0.6 }, opt.param_groups[2].betas)
    assert.same({ 0.9, 0.999 }, opt.param_groups[1].betas)
    opt:add_param_group({ params = { c }, lr = 0.2 })
    assert.equals(3, #opt.param_groups)
    assert.equals(0.2, opt.param_groups[3].lr)
    c.grad = tide.ones(2)
    opt:step()
    assert.equals(1, opt.state[c].step)
    H.assert_error(function() opt:add_param_group({ params = { a } }) end,
      "Adam: param 1 of param group 4 appears more than once")
  end)

  it("step(closure) runs the closure with grad mode on and returns its loss", function()
    local p = tide.tensor({ 2 }, "float64"):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.1 })
    local loss = tide.no_grad(function()
      return opt:step(function()
        opt:zero_grad()
        assert.is_true(tide.is_grad_enabled())
        local l = (p * p):sum()
        l:backward()
        return l
      end)
    end)
    assert.equals(4, loss:item())
    assert.near(2 - 0.1 * 4, p:item(), 1e-15)
  end)

  it("trains a least-squares fit with autograd", function()
    tide.manual_seed(3)
    local X = tide.randn(64, 3, "float64")
    local w_true = tide.tensor({ { 1.5 }, { -2 }, { 0.5 } }, "float64")
    local y = X:matmul(w_true)
    local w = tide.zeros(3, 1, "float64"):requires_grad_()
    local opt = optim.Adam({ w }, { lr = 0.1 })
    for _ = 1, 300 do
      opt:zero_grad()
      local d = X:matmul(w) - y
      local loss = (d * d):mean()
      loss:backward()
      opt:step()
    end
    local got = w:reshape(3):totable()
    assert.near(1.5, got[1], 1e-3)
    assert.near(-2, got[2], 1e-3)
    assert.near(0.5, got[3], 1e-3)
  end)

  it("prints its groups", function()
    local s = tostring(optim.RMSprop({ tide.zeros(1) }, { lr = 0.5 }))
    assert.truthy(s:find("RMSprop", 1, true))
    assert.truthy(s:find("lr: 0.5", 1, true))
  end)
end)

describe("large parameters (threaded kernels)", function()
  it("give the same bits on 1 and 2 threads, for every optimizer", function()
    local saved = tide.threads()
    local n = 300001
    tide.manual_seed(11)
    local p0, g = tide.randn(n), tide.randn(n)
    local function run(threads, name, opts)
      tide.threads(threads)
      local p = p0:clone():requires_grad_()
      local opt = optim[name]({ p }, opts)
      for _ = 1, 3 do
        p.grad = g
        opt:step()
      end
      return p
    end
    for name, opts in pairs({ SGD = { lr = 0.1, momentum = 0.9, nesterov = true }, Adam = { amsgrad = true },
      AdamW = {}, RMSprop = { centered = true, momentum = 0.5 }, Adagrad = { lr_decay = 0.1 } }) do
      local a, b = run(1, name, opts), run(2, name, opts)
      assert.is_true(tide.equal(a, b), name)
      assert.is_false(tide.equal(a, p0), name)
    end
    tide.threads(saved)
  end)
end)

describe("gradient clipping", function()
  local function grads_params(dtype)
    local ps = {}
    for i, g in ipairs(F.clip_grads) do
      ps[i] = tide.zeros(g.shape, dtype or "float64"):requires_grad_()
      ps[i].grad = mk(g):to(dtype or "float64")
    end
    return ps
  end

  it("clip_grad_norm matches PyTorch for every norm type", function()
    for _, c in ipairs(F.clip_norm) do
      local ps = grads_params()
      local total = optim.clip_grad_norm(ps, c.max_norm, c.norm_type)
      assert.is_number(total)
      assert.near(c.total, total, 1e-13 * c.total)
      for i, p in ipairs(ps) do
        H.assert_matches(p.grad, c.grads[i], 1e-13, "norm_type " .. c.norm_type .. " grad " .. i)
      end
    end
  end)

  it("clip_grad_norm in float32, on one tensor, skipping params without grad", function()
    local c = F.clip_norm[1]
    local ps = grads_params("float32")
    table.insert(ps, tide.zeros(5):requires_grad_())
    local total = optim.clip_grad_norm(ps, c.max_norm)
    assert.near(c.total, total, 1e-6 * c.total)
    for i = 1, 3 do H.assert_matches(ps[i].grad, c.grads[i], 1e-6) end
    local p = tide.zeros(2):requires_grad_()
    p.grad = tide.tensor({ 3, 4 })
    assert.near(5, optim.clip_grad_norm(p, 10), 1e-6)
    assert.same({ 3, 4 }, p.grad:totable())
    assert.equals(0, optim.clip_grad_norm({ tide.zeros(1) }, 1))
    assert.equals(optim.clip_grad_norm, optim.clip_grad_norm_)
  end)

  it("clip_grad_norm clips a non-contiguous gradient (replaced by a contiguous copy)", function()
    local p = tide.zeros(2, 2, "float64"):requires_grad_()
    p.grad = tide.tensor({ { 3, 0 }, { 4, 0 } }, "float64"):t()
    local total = optim.clip_grad_norm({ p }, 1)
    assert.near(5, total, 1e-12)
    assert.is_true(p.grad:is_contiguous())
    H.assert_matches(p.grad, { shape = { 2, 2 }, data = { 0.6, 0.8, 0, 0 } }, 1e-6)
  end)

  it("the norm does not depend on the number of threads", function()
    local saved = tide.threads()
    tide.manual_seed(5)
    local p = tide.zeros(1000003):requires_grad_()
    p.grad = tide.randn(1000003)
    tide.threads(1)
    local a = optim.clip_grad_norm({ p }, math.huge, 3)
    tide.threads(2)
    local b = optim.clip_grad_norm({ p }, math.huge, 3)
    assert.equals(a, b)
    tide.threads(saved)
  end)

  it("error_if_nonfinite, and NaN propagates otherwise", function()
    local p = tide.zeros(2):requires_grad_()
    p.grad = tide.tensor({ 1, 0 / 0 })
    H.assert_error(function() optim.clip_grad_norm({ p }, 1, 2, { error_if_nonfinite = true }) end,
      "clip_grad_norm: the total norm of order 2 of the gradients is non-finite")
    local t = optim.clip_grad_norm({ p }, 1)
    assert.is_true(t ~= t)
    p.grad = tide.tensor({ 1, 0 / 0 })
    local m = optim.clip_grad_norm({ p }, 1, math.huge)
    assert.is_true(m ~= m)
  end)

  it("clip_grad_value matches PyTorch", function()
    local ps = grads_params()
    optim.clip_grad_value(ps, F.clip_value.clip_value)
    for i, p in ipairs(ps) do H.assert_matches(p.grad, F.clip_value.grads[i]) end
  end)

  it("rejects bad arguments", function()
    local p = tide.zeros(2):requires_grad_()
    p.grad = tide.ones(2)
    H.assert_error(function() optim.clip_grad_norm({ p }, "1") end, "clip_grad_norm: max_norm must be a number")
    H.assert_error(function() optim.clip_grad_norm({ p }, 1, -1) end, "clip_grad_norm: norm_type must be")
    H.assert_error(function() optim.clip_grad_norm({ p, 3 }, 1) end, "clip_grad_norm: param 2 must be a tensor, got number")
    H.assert_error(function() optim.clip_grad_norm(5, 1) end, "clip_grad_norm: params must be a tensor or an array")
    H.assert_error(function() optim.clip_grad_value({ p }, -1) end, "clip_grad_value: clip_value must be a number >= 0")
    local q = tide.zeros(2):requires_grad_()
    q.grad = tide.ones(2, "int64")
    H.assert_error(function() optim.clip_grad_value({ q }, 1) end, "gradient of param 1 is int64")
  end)
end)

describe("bad optimizer input", function()
  local p = tide.zeros(3):requires_grad_()

  it("names the optimizer and the problem", function()
    H.assert_error(function() optim.Adam({ p }, { lr = -1 }) end, "Adam: invalid lr -1 (must be >= 0)")
    H.assert_error(function() optim.AdamW({ p }, { betas = { 1, 0.9 } }) end,
      "AdamW: invalid beta parameter at index 1: 1 (must be in [0, 1))")
    H.assert_error(function() optim.Adam({ p }, { betas = { 0.9, -0.1 } }) end, "Adam: invalid beta parameter at index 2")
    H.assert_error(function() optim.Adam({ p }, { betas = 0.9 }) end, "Adam: betas must be a pair of numbers")
    H.assert_error(function() optim.Adam({ p }, { eps = -1 }) end, "Adam: invalid eps -1")
    H.assert_error(function() optim.SGD({ p }) end, "SGD: lr is required")
    H.assert_error(function() optim.SGD({ p }, { lr = 0.1, nesterov = true }) end,
      "SGD: Nesterov momentum requires a momentum and zero dampening")
    H.assert_error(function() optim.SGD({ p }, { lr = 0.1, momentum = -1 }) end, "SGD: invalid momentum -1")
    H.assert_error(function() optim.RMSprop({ p }, { alpha = -0.5 }) end, "RMSprop: invalid alpha -0.5")
    H.assert_error(function() optim.RMSprop({ p }, { centered = 1 }) end, "RMSprop: centered must be true or false")
    H.assert_error(function() optim.Adagrad({ p }, { lr_decay = -1 }) end, "Adagrad: invalid lr_decay -1")
    H.assert_error(function() optim.Adagrad({ p }, { initial_accumulator_value = -1 }) end,
      "Adagrad: invalid initial_accumulator_value -1")
    H.assert_error(function() optim.Adam({ p }, { lr = "fast" }) end, "Adam: lr must be a number, got string")
    H.assert_error(function() optim.Adam({ p }, { learning_rate = 1 }) end, "Adam: unknown option 'learning_rate'")
    H.assert_error(function() optim.Adam({ p }, 0.1) end, "Adam: options must be a table")
  end)

  it("checks the params", function()
    H.assert_error(function() optim.Adam({ p, 3 }) end, "Adam: param 2 must be a tensor, got number")
    H.assert_error(function() optim.Adam({}) end, "Adam: got an empty parameter list")
    H.assert_error(function() optim.Adam(p) end, "Adam: params must be an array of tensors or of param groups")
    H.assert_error(function() optim.Adam("p") end, "Adam: params must be an array")
    H.assert_error(function() optim.SGD({ tide.zeros(2, "int64") }, { lr = 1 }) end,
      "SGD: param 1 is int64; only float32 and float64 tensors can be optimized")
    H.assert_error(function() optim.Adam({ tide.zeros(2, 3):t() }) end, "Adam: param 1 is not contiguous")
    H.assert_error(function() optim.Adam({ p, p }) end, "Adam: param 2 appears more than once")
    H.assert_error(function() optim.Adam({ p * 2 }) end, "Adam: param 1 is not a leaf tensor")
    H.assert_error(function() optim.Adam({ { params = { p } }, { params = { tide.zeros(1), "x" } } }) end,
      "Adam: param 2 of param group 2 must be a tensor, got string")
    H.assert_error(function() optim.Adam({ { params = { p }, lrr = 1 } }) end,
      "Adam: unknown option 'lrr' in param group 1")
    H.assert_error(function() optim.Adam({ { params = { p }, lr = -2 } }) end, "Adam: invalid lr -2")
  end)

  it("checks gradients at step", function()
    local q = tide.zeros(3):requires_grad_()
    local opt = optim.Adam({ tide.zeros(1), q })
    q.grad = tide.zeros(4)
    H.assert_error(function() opt:step() end,
      "Adam: the gradient of param 2 has shape [4] but the param has shape [3]")
    q.grad = tide.zeros(3, "float64")
    H.assert_error(function() opt:step() end, "Adam: the gradient of param 2 is float64 but the param is float32")
    q.grad = "g"
    H.assert_error(function() opt:step() end, "Adam: the .grad of param 2 must be a tensor, got string")
    q.grad = nil
    H.assert_error(function() opt:step(42) end, "Adam: step's closure must be a function")
  end)

  it("the C kernels validate everything too", function()
    local C = tide._core.C
    local a, g = tide.zeros(3), tide.zeros(3)
    assert.equals(-1, C.tide_adam_step(a._c, g._c, tide.zeros(3)._c, tide.zeros(2)._c, nil, 1, 0.1, 0.9, 0.9, 1e-8, 0,
      0, 0))
    assert.truthy(tide._core.ffi.string(C.tide_last_error()):find("adam_step: exp_avg_sq has shape [2]", 1, true))
    assert.equals(-1, C.tide_sgd_step(a._c, a._c, nil, 0.1, 0, 0, 0, 0, 0, 0))
    assert.truthy(tide._core.ffi.string(C.tide_last_error()):find("grad shares memory with param", 1, true))
    C.tide_clear_error()
  end)
end)
