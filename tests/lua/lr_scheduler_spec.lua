-- Learning-rate schedulers against PyTorch 1.13 (fixtures from tests/gen/gen_optim.py): the lr of
-- two param groups (and the cycled momentum / beta1) after construction and after every step,
-- equal to PyTorch's values exactly; chaining, the closed form of step(epoch), resuming with
-- last_epoch; state_dict round trips (also through JSON); bad input.
local tide = require("tide")
local H = require("spec_helpers")
local S = H.fixture("optim").schedulers
local optim = tide.optim
local ls = optim.lr_scheduler

local function make_opt(kind)
  local ps = { tide.zeros(2):requires_grad_(), tide.zeros(2):requires_grad_() }
  local groups = { { params = { ps[1] }, lr = 0.1 }, { params = { ps[2] }, lr = 0.02 } }
  if kind == "SGD" then return optim.SGD(groups, { lr = 0.1, momentum = 0.9 }) end
  return optim.Adam(groups, { lr = 0.1 })
end

local function momentum_of(g) return g.betas and g.betas[1] or g.momentum end

-- lr (and momentum, when given) of every group equal to row k of the expected lists.
local function check_row(opt, lrs, moms, k, what)
  for i, g in ipairs(opt.param_groups) do
    assert(g.lr == lrs[k][i], string.format("%s: row %d group %d lr %.17g, expected %.17g", what, k, i, g.lr,
      lrs[k][i]))
    if moms then
      local m = momentum_of(g)
      assert(m == moms[k][i], string.format("%s: row %d group %d momentum %.17g, expected %.17g", what, k, i, m,
        moms[k][i]))
    end
  end
end

local function step(sched, c, k)
  if c.scheduler == "ReduceLROnPlateau" then sched:step(S.plateau_metrics[k]) else sched:step() end
end

local names = {}
for k, v in pairs(S) do
  if type(v) == "table" and v.scheduler and v.steps then names[#names + 1] = k end
end
table.sort(names)

describe("schedulers match PyTorch 1.13", function()
  for _, name in ipairs(names) do
    it(name, function()
      local c = S[name]
      local opt = make_opt(c.optimizer)
      local sched = ls[c.scheduler](opt, c.options)
      check_row(opt, c.lr, c.momentum, 1, name)
      for k = 1, c.steps do
        opt:step()
        step(sched, c, k)
        check_row(opt, c.lr, c.momentum, k + 1, name)
        assert.same(c.lr[k + 1], sched:get_last_lr())
      end
    end)
  end

  it("two schedulers chain on one optimizer", function()
    local c = S.chained_step_exponential
    local opt = make_opt("SGD")
    local s1 = ls.StepLR(opt, { step_size = 2, gamma = 0.5 })
    local s2 = ls.ExponentialLR(opt, { gamma = 0.9 })
    check_row(opt, c.lr, nil, 1, "chained")
    for k = 1, #c.lr - 1 do
      s1:step()
      s2:step()
      check_row(opt, c.lr, nil, k + 1, "chained")
    end
  end)

  it("LambdaLR", function()
    local c = S.lambda
    local opt = make_opt("SGD")
    local sched = ls.LambdaLR(opt, { lr_lambda = { function(e) return 0.95 ^ e end, function(e) return 1 / (e + 1) end } })
    check_row(opt, c.lr, nil, 1, "lambda")
    for k = 1, #c.lr - 1 do
      sched:step()
      check_row(opt, c.lr, nil, k + 1, "lambda")
    end
  end)

  it("resumes with last_epoch from the groups' initial_lr", function()
    local c = S.cosine_resume
    local opt = make_opt("SGD")
    for _, g in ipairs(opt.param_groups) do g.initial_lr = g.lr * 2 end
    local sched = ls.CosineAnnealingLR(opt, { T_max = 6, eta_min = 0.001, last_epoch = 3 })
    check_row(opt, c.lr, nil, 1, "resume")
    for k = 1, #c.lr - 1 do
      sched:step()
      check_row(opt, c.lr, nil, k + 1, "resume")
    end
  end)

  for _, name in ipairs({ "closed_step", "closed_multistep", "closed_exponential", "closed_cosine" }) do
    it("step(epoch) uses the closed form: " .. name, function()
      local c = S[name]
      local opt = make_opt("SGD")
      local sched = ls[c.scheduler](opt, c.options)
      check_row(opt, c.lr, nil, 1, name)
      for k, e in ipairs(c.epochs) do
        sched:step(e)
        check_row(opt, c.lr, nil, k + 1, name)
      end
    end)
  end
end)

describe("scheduler state_dict", function()
  local cjson = require("cjson")
  for _, name in ipairs({ "step", "multistep", "cosine", "onecycle_cos", "onecycle_linear_adam",
    "onecycle_three_phase", "plateau_max_abs_cooldown", "plateau_min_rel", "linear_warmup" }) do
    it("round trip continues identically: " .. name, function()
      local c = S[name]
      local opt = make_opt(c.optimizer)
      local sched = ls[c.scheduler](opt, c.options)
      local half = math.floor(c.steps / 2)
      for k = 1, half do
        opt:step()
        step(sched, c, k)
      end
      local osd, ssd = opt:state_dict(), sched:state_dict()
      -- plain data (JSON), except that plain Lua keeps every bit of the numbers
      assert.is_string(cjson.encode(ssd))
      assert.is_string(cjson.encode(osd.meta))
      local opt2 = make_opt(c.optimizer)
      local sched2 = ls[c.scheduler](opt2, c.options)
      opt2:load_state_dict(osd)
      sched2:load_state_dict(ssd)
      assert.same(sched:get_last_lr(), sched2:get_last_lr())
      for k = half + 1, c.steps do
        opt2:step()
        step(sched2, c, k)
        check_row(opt2, c.lr, c.momentum, k + 1, name .. " resumed")
      end
    end)
  end

  it("ReduceLROnPlateau leaves out an infinite best and restores it", function()
    local opt = make_opt("SGD")
    local sched = ls.ReduceLROnPlateau(opt, { mode = "max" })
    local sd = sched:state_dict()
    assert.is_nil(sd.best)
    local sched2 = ls.ReduceLROnPlateau(make_opt("SGD"))
    sched2:load_state_dict(cjson.decode(cjson.encode(sd)))
    assert.equals(-math.huge, sched2.best)
    assert.equals("max", sched2.mode)
    sched:step(0.5)
    assert.equals(0.5, sched:state_dict().best)
  end)

  it("ReduceLROnPlateau takes a one-element tensor", function()
    local opt = make_opt("SGD")
    local sched = ls.ReduceLROnPlateau(opt, { patience = 0 })
    sched:step(tide.tensor(1.0))
    sched:step(tide.tensor({ 2.0 }))
    assert.same({ 0.1 * 0.1, 0.02 * 0.1 }, sched:get_last_lr())
  end)

  it("rejects a state dict of another scheduler or of the wrong size", function()
    local opt = make_opt("SGD")
    local step_sd = ls.StepLR(opt, { step_size = 2 }):state_dict()
    H.assert_error(function() ls.ExponentialLR(make_opt("SGD"), { gamma = 0.5 }):load_state_dict(step_sd) end,
      "ExponentialLR: load_state_dict: the state dict is from StepLR")
    local one = optim.SGD({ tide.zeros(1) }, { lr = 1 })
    H.assert_error(function() ls.StepLR(one, { step_size = 2 }):load_state_dict(step_sd) end,
      "StepLR: load_state_dict: base_lrs must hold one number per param group (1)")
    H.assert_error(function() ls.ReduceLROnPlateau(one):load_state_dict({ mode = "min" }) end,
      "ReduceLROnPlateau: load_state_dict: 'factor' is missing")
  end)
end)

describe("bad scheduler input", function()
  it("names the scheduler and the problem", function()
    local opt = make_opt("SGD")
    H.assert_error(function() ls.StepLR({}, { step_size = 1 }) end, "StepLR: expected an optimizer as first argument")
    H.assert_error(function() ls.StepLR(opt, {}) end, "StepLR: option 'step_size' is required")
    H.assert_error(function() ls.StepLR(opt, { step_size = 0 }) end, "StepLR: step_size must be an integer >= 1, got 0")
    H.assert_error(function() ls.StepLR(opt, { step_size = 2, gama = 0.1 }) end, "StepLR: unknown option 'gama'")
    H.assert_error(function() ls.MultiStepLR(opt, { milestones = 3 }) end, "MultiStepLR: milestones must be an array")
    H.assert_error(function() ls.ExponentialLR(opt, { gamma = "x" }) end, "ExponentialLR: gamma must be a number")
    H.assert_error(function() ls.CosineAnnealingLR(opt, { T_max = 0 }) end, "CosineAnnealingLR: T_max must be an integer >= 1")
    H.assert_error(function() ls.LinearLR(opt, { start_factor = 2 }) end, "LinearLR: start_factor must be in [0, 1]")
    H.assert_error(function() ls.LambdaLR(opt, { lr_lambda = 3 }) end, "LambdaLR: lr_lambda must be a function")
    H.assert_error(function() ls.StepLR(make_opt("SGD"), { step_size = 2, last_epoch = 4 }) end,
      "StepLR: param group 1 has no initial_lr; it is needed to resume at last_epoch 4")
  end)

  it("OneCycleLR", function()
    local opt = make_opt("SGD")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = 1 }) end,
      "OneCycleLR: define either total_steps or (epochs and steps_per_epoch)")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = 1, total_steps = 0 }) end,
      "OneCycleLR: total_steps must be an integer >= 1")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = 1, epochs = 2 }) end,
      "OneCycleLR: steps_per_epoch must be an integer >= 1, got nil")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = { 1 }, total_steps = 5 }) end,
      "OneCycleLR: expected 2 values for max_lr (one per param group), got 1")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = 1, total_steps = 5, pct_start = 1.5 }) end,
      "OneCycleLR: pct_start must be in [0, 1]")
    H.assert_error(function() ls.OneCycleLR(opt, { max_lr = 1, total_steps = 5, anneal_strategy = "exp" }) end,
      "OneCycleLR: anneal_strategy must be 'cos' or 'linear'")
    local ada = optim.Adagrad({ tide.zeros(1) })
    H.assert_error(function() ls.OneCycleLR(ada, { max_lr = 1, total_steps = 5 }) end,
      "OneCycleLR: the optimizer (Adagrad) has no momentum or betas to cycle")
    local s = ls.OneCycleLR(ada, { max_lr = 1, total_steps = 2, cycle_momentum = false })
    s:step()
    s:step()
    H.assert_error(function() s:step() end, "OneCycleLR: tried to step 4 times; the schedule has 2 total steps")
  end)

  it("ReduceLROnPlateau", function()
    local opt = make_opt("SGD")
    H.assert_error(function() ls.ReduceLROnPlateau(opt, { factor = 1 }) end, "ReduceLROnPlateau: factor must be < 1")
    H.assert_error(function() ls.ReduceLROnPlateau(opt, { mode = "up" }) end,
      "ReduceLROnPlateau: mode must be 'min' or 'max', got up")
    H.assert_error(function() ls.ReduceLROnPlateau(opt, { threshold_mode = "x" }) end,
      "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs'")
    H.assert_error(function() ls.ReduceLROnPlateau(opt, { min_lr = { 1, 2, 3 } }) end,
      "ReduceLROnPlateau: expected 2 values for min_lr")
    local s = ls.ReduceLROnPlateau(opt)
    H.assert_error(function() s:step("low") end, "ReduceLROnPlateau: step expects the monitored value, got string")
    H.assert_error(function() s:step(tide.zeros(2)) end, "ReduceLROnPlateau: step expects one value")
  end)
end)
