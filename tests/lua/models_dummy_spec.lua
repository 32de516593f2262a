-- tide.models DummyClassifier / DummyRegressor against scikit-learn 1.2 (fixtures from
-- tests/gen/gen_models_knn.py): class priors (weighted too), predictions and probabilities of
-- every deterministic strategy, the constant_ of mean / median / quantiles with and without
-- weights; the random strategies by their frequencies and repeatability; save -> load; params;
-- bad input. Tolerance 1e-12: the same float64 arithmetic as NumPy's.
local tide = require("tide")
local H = require("spec_helpers")
local M = tide.models
local ref = H.fixture("models_knn_dummy")
local splits = H.fixture("models_knn_splits")

local function T(a, dtype) return H.tensor(a, dtype) end
local HAVE_DATA = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv")

describe("DummyClassifier matches scikit-learn", function()
  local y, w = T(ref.y), T(ref.w, "float64")
  local X = tide.zeros(12, 2, "float64")

  it("most_frequent and prior (with and without sample weights), uniform probabilities", function()
    for _, strategy in ipairs({ "most_frequent", "prior", "uniform" }) do
      for _, weighted in ipairs({ false, true }) do
        local key = strategy .. (weighted and "_w" or "")
        local want = ref.clf[key]
        local m = M.DummyClassifier({ strategy = strategy }):fit(X, y, weighted and { sample_weight = w } or nil)
        H.assert_matches(m.class_prior_, want.class_prior, 1e-12, key .. " class_prior_")
        H.assert_matches(m:predict_proba(X[{ { 1, 3 } }]), want.proba, 1e-12, key .. " proba")
        if want.pred then H.assert_matches(m:predict(X[{ { 1, 3 } }]), want.pred, nil, key .. " predict") end
        assert.same({ 1, 2, 4, 7 }, m.classes_)
        assert.equal(4, m.n_classes_)
      end
    end
  end)

  it("constant", function()
    local m = M.DummyClassifier({ strategy = "constant", constant = 2 }):fit(X, y)
    H.assert_matches(m:predict_proba(X[{ { 1, 2 } }]), ref.clf.constant.proba, nil, "constant proba")
    H.assert_matches(m:predict(X[{ { 1, 2 } }]), ref.clf.constant.pred, nil, "constant predict")
    local s = M.DummyClassifier({ strategy = "constant", constant = "spam" }):fit(X, { "ham", "spam", "ham", "eggs",
      "ham", "ham", "ham", "ham", "ham", "ham", "ham", "ham" })
    assert.same({ "spam", "spam" }, s:predict(X[{ { 1, 2 } }]))
  end)

  it("stratified and uniform draw with the right frequencies and repeat with random_state", function()
    local big = tide.zeros(20000, 1, "float64")
    local m = M.DummyClassifier({ strategy = "stratified", random_state = 5 }):fit(X, y)
    local pred = m:predict(big)
    local prior = H.flat(m.class_prior_)
    for i, c in ipairs(m.classes_) do
      local share = pred:eq(c):to("float64"):mean()
      assert.is_true(math.abs(share - prior[i]) < 0.02, "class " .. c .. " share " .. share)
    end
    assert.is_true(tide.equal(pred, m:predict(big)), "random_state repeats")
    local p = m:predict_proba(big[{ { 1, 100 } }])
    assert.is_true(tide.equal(p:sum(2), tide.ones(100, "float64")))
    local u = M.DummyClassifier({ strategy = "uniform", random_state = 1 }):fit(X, y):predict(big)
    for _, c in ipairs({ 1, 2, 4, 7 }) do
      assert.is_true(math.abs(u:eq(c):to("float64"):mean() - 0.25) < 0.02)
    end
    -- without random_state the draws follow tide.manual_seed
    local free = M.DummyClassifier({ strategy = "uniform" }):fit(X, y)
    tide.manual_seed(11)
    local a = free:predict(big)
    tide.manual_seed(11)
    assert.is_true(tide.equal(a, free:predict(big)))
  end)
end)

describe("DummyRegressor matches scikit-learn", function()
  it("mean, median and quantiles, with and without weights, odd and even n", function()
    local yr, wr = T(ref.yr, "float64"), T(ref.wr, "float64")
    for _, c in ipairs(ref.reg) do
      local params = { strategy = c.strategy }
      if c.quantile >= 0 then params.quantile = c.quantile end
      local y = yr[{ { 1, c.n } }]
      local m = M.DummyRegressor(params):fit(tide.zeros(c.n, 1), y, c.weighted and { sample_weight = wr[{ { 1, c.n } }] } or nil)
      local what = string.format("%s q=%s n=%d weighted=%s", c.strategy, c.quantile, c.n, tostring(c.weighted))
      assert.is_true(math.abs(m.constant_ - c.constant) <= 1e-12 * math.max(1, math.abs(c.constant)),
        what .. ": got " .. m.constant_ .. ", expected " .. c.constant)
      assert.is_true(tide.equal(m:predict(tide.zeros(3, 1)), tide.full({ 3 }, c.constant, "float64")) or
        math.abs(m:predict(tide.zeros(3, 1))[1] - c.constant) < 1e-12)
    end
    local k = M.DummyRegressor({ strategy = "constant", constant = 2.5 }):fit(tide.zeros(4, 1), { 1, 2, 3, 4 })
    assert.equal(2.5, k:predict(tide.zeros(2, 3))[2])
    local y, std = k:predict(tide.zeros(2, 3), { return_std = true })
    assert.is_true(tide.equal(std, tide.zeros(2, "float64")) and y[1] == 2.5)
  end)
end)

describe("dummy baselines on breast cancer, digits and wine", function()
  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    local it_ = HAVE_DATA and it or pending
    it_(name .. ": most_frequent accuracy equals scikit-learn's", function()
      local s = splits[name]
      local X, y = tide.datasets.load((name:gsub("_", "-")))
      local tr, te = T(s.train), T(s.test)
      local m = M.DummyClassifier({ strategy = "most_frequent" }):fit(X:index_select(1, tr), y:index_select(1, tr))
      H.assert_matches(m:predict(X:index_select(1, te)), s.models.dummy.pred, nil, name)
      assert.is_true(math.abs(m:score(X:index_select(1, te), y:index_select(1, te)) - s.models.dummy.accuracy) < 1e-12)
    end)
  end
end)

describe("dummy estimator contract", function()
  local X, y = tide.zeros(12, 2, "float64"), T(ref.y)

  it("save -> tide.models.load -> identical predictions", function()
    local path = H.tmpname()
    local c = M.DummyClassifier({ strategy = "stratified", random_state = 3 }):fit(X, y)
    c:save(path)
    local c2 = M.load(path)
    assert.is_true(tide.equal(c:predict(tide.zeros(50, 2)), c2:predict(tide.zeros(50, 2))))
    assert.is_true(tide.equal(c.class_prior_, c2.class_prior_))
    local r = M.DummyRegressor({ strategy = "quantile", quantile = 0.25 }):fit(X, T(ref.yr, "float64"))
    r:save(path)
    assert.equal(r.constant_, M.load(path).constant_)
    os.remove(path)
  end)

  it("get_params / set_params / clone; score", function()
    local m = M.DummyClassifier()
    assert.equal("prior", m:get_params().strategy)
    m:set_params({ strategy = "most_frequent" })
    assert.equal("most_frequent", m:clone().params.strategy)
    m:fit(X, y)
    assert.is_true(math.abs(m:score(X, y) - 5 / 12) < 1e-12)
    assert.equal("mean", M.DummyRegressor():get_params().strategy)
    H.assert_error(function() m:set_params({ strat = 1 }) end, "unknown parameter 'strat'")
  end)

  it("bad input is a clear error", function()
    H.assert_error(function() M.DummyClassifier({ strategy = "median" }) end, "strategy must be one of")
    H.assert_error(function() M.DummyClassifier({ strategy = "constant" }):fit(X, y) end, "Constant target value has to be specified")
    H.assert_error(function() M.DummyClassifier({ strategy = "constant", constant = 3 }):fit(X, y) end,
      "The constant target value must be present in the training data")
    H.assert_error(function() M.DummyRegressor({ quantile = 2 }) end, "quantile must be <= 1")
    H.assert_error(function() M.DummyRegressor({ strategy = "quantile" }):fit(X, T(ref.yr, "float64")) end, "specify the desired quantile")
    H.assert_error(function() M.DummyRegressor():fit(X, { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l" }) end,
      "a regressor needs numeric targets")
    H.assert_error(function() M.DummyRegressor():fit(X, { 1, 2 }) end, "y has 2 values but X has 12 rows")
    H.assert_error(function() M.DummyClassifier():fit(tide.zeros(0, 2), {}) end, "empty input")
    H.assert_error(function() M.DummyClassifier():predict(X) end, "not fitted")
    local yn = T(ref.yr, "float64"):clone()
    yn[3] = 0 / 0
    H.assert_error(function() M.DummyRegressor():fit(X, yn) end, "y contains NaN or infinity")
  end)
end)
