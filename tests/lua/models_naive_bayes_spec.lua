-- tide.models GaussianNB, MultinomialNB, ComplementNB and BernoulliNB against scikit-learn 1.2
-- (fixtures from tests/gen/gen_models_knn.py): fitted attributes, joint log-likelihoods,
-- log-probabilities and predictions — with sample weights, priors, partial_fit, dense and CSR
-- input; accuracy on breast cancer, digits and wine with scikit-learn's split; save -> load;
-- params; bad input.
--
-- Tolerance 1e-10 relative: every statistic is computed in float64 in NumPy's summation order
-- (the discrete models' products go through BLAS like NumPy's), so values agree to a few ulps.
local tide = require("tide")
local H = require("spec_helpers")
local M = tide.models
local ref = H.fixture("models_knn_nb")
local splits = H.fixture("models_knn_splits")

local TOL = 1e-10
local HAVE_DATA = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv")

local function T(a, dtype) return H.tensor(a, dtype) end

local function check_model(m, want, Xte, attrs, what)
  for _, a in ipairs(attrs) do H.assert_matches(m[a], want[a], TOL, what .. " " .. a) end
  H.assert_matches(m:predict_joint_log_proba(Xte), want.jll, TOL, what .. " jll")
  H.assert_matches(m:predict_log_proba(Xte), want.log_proba, TOL, what .. " log_proba")
  H.assert_matches(m:predict(Xte), want.pred, nil, what .. " predict")
  local p = m:predict_proba(Xte)
  assert.is_true((p:sum(2) - 1):abs():max() < 1e-12, what .. ": probabilities sum to 1")
end

describe("GaussianNB matches scikit-learn", function()
  local g = ref.gauss
  local X, y, w, Xte = T(g.X, "float64"), T(g.y), T(g.w, "float64"), T(g.Xte, "float64")
  local attrs = { "theta_", "var_", "class_count_", "class_prior_" }

  it("fit: theta_, var_, epsilon_, priors, log-probabilities", function()
    local m = M.GaussianNB():fit(X, y)
    check_model(m, g.default, Xte, attrs, "default")
    assert.is_true(math.abs(m.epsilon_ - g.default.epsilon_) <= TOL * g.default.epsilon_)
    assert.same({ 3, 7, 9 }, m.classes_)
    check_model(M.GaussianNB({ var_smoothing = 1e-3, priors = { 0.2, 0.3, 0.5 } }):fit(X, y), g.priors, Xte, attrs, "priors")
  end)

  it("fit with sample_weight", function()
    check_model(M.GaussianNB():fit(X, y, { sample_weight = w }), g.weighted, Xte, attrs, "weighted")
  end)

  it("partial_fit in batches equals scikit-learn's (and the epsilon quirk it has)", function()
    local m = M.GaussianNB()
    m:partial_fit(X[{ { 1, 25 } }], y[{ { 1, 25 } }], { classes = { 3, 7, 9 } })
    m:partial_fit(X[{ { 26, 60 } }], y[{ { 26, 60 } }])
    check_model(m, g.partial, Xte, attrs, "partial")
    assert.is_true(math.abs(m.epsilon_ - g.partial.epsilon_) <= TOL * g.partial.epsilon_)
    local mw = M.GaussianNB()
    mw:partial_fit(X[{ { 1, 30 } }], y[{ { 1, 30 } }], { classes = { 3, 7, 9 }, sample_weight = w[{ { 1, 30 } }] })
    mw:partial_fit(X[{ { 31, 60 } }], y[{ { 31, 60 } }], { sample_weight = w[{ { 31, 60 } }] })
    check_model(mw, g.partial_weighted, Xte, attrs, "partial weighted")
  end)
end)

describe("MultinomialNB, ComplementNB, BernoulliNB match scikit-learn", function()
  local d = ref.discrete
  local Xc, y, w, Xct = T(d.X, "float64"), T(d.y), T(d.w, "float64"), T(d.Xte, "float64")
  local attrs = { "feature_count_", "class_count_", "feature_log_prob_", "class_log_prior_" }

  for i, c in ipairs(d.cases) do
    it(string.format("%s %d (dense, CSR, partial_fit)", c.name, i), function()
      local params = {}
      for k, v in pairs(c.params) do params[k] = v == "None" and require("tide.models.base").NONE or v end
      local X = c.binary_input and Xc:gt(0):to("float64") or Xc
      local Xt = c.binary_input and Xct:gt(0):to("float64") or Xct
      local opts = c.weighted and { sample_weight = w } or nil
      local m = M[c.name](params):fit(X, y, opts)
      check_model(m, c, Xt, attrs, c.name .. " dense")
      local ms = M[c.name](params):fit(tide.sparse.from_dense(X), y, opts)
      check_model(ms, c, tide.sparse.from_dense(Xt), attrs, c.name .. " CSR")
      check_model(ms, c, Xt, attrs, c.name .. " CSR fit, dense query")
      local mp = M[c.name](params)
      mp:partial_fit(X[{ { 1, 20 } }], y[{ { 1, 20 } }], { classes = { 3, 7, 9 }, sample_weight = c.weighted and w[{ { 1, 20 } }] or nil })
      mp:partial_fit(X[{ { 21, 50 } }], y[{ { 21, 50 } }], { sample_weight = c.weighted and w[{ { 21, 50 } }] or nil })
      H.assert_matches(mp:predict_log_proba(Xt), c.partial_log_proba, TOL, c.name .. " partial_fit")
    end)
  end
end)

describe("naive Bayes on breast cancer, digits and wine (scikit-learn's split)", function()
  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    local it_ = HAVE_DATA and it or pending
    it_(name .. ": predictions and accuracy equal scikit-learn's", function()
      local s = splits[name]
      local X, y = tide.datasets.load((name:gsub("_", "-")))
      local tr, te = T(s.train), T(s.test)
      local Xtr, ytr, Xte, yte = X:index_select(1, tr), y:index_select(1, tr), X:index_select(1, te), y:index_select(1, te)
      local models = {
        gaussian_nb = M.GaussianNB(), multinomial_nb = M.MultinomialNB(), complement_nb = M.ComplementNB(),
        bernoulli_nb = M.BernoulliNB({ binarize = s.bernoulli_binarize }),
      }
      for key, m in pairs(models) do
        m:fit(Xtr, ytr)
        local want = s.models[key]
        H.assert_matches(m:predict(Xte), want.pred, nil, name .. " " .. key)
        assert.is_true(math.abs(m:score(Xte, yte) - want.accuracy) < 1e-12, name .. " " .. key .. " accuracy")
      end
    end)
  end
end)

describe("naive Bayes estimator contract", function()
  local g = ref.gauss
  local X, y, Xte = T(g.X, "float64"), T(g.y), T(g.Xte, "float64")
  local Xc, yc = T(ref.discrete.X, "float64"), T(ref.discrete.y)

  it("save -> tide.models.load -> identical outputs", function()
    local path = H.tmpname()
    for _, m in ipairs({ M.GaussianNB():fit(X, y), M.MultinomialNB({ alpha = 0.5 }):fit(Xc, yc),
      M.ComplementNB({ norm = true }):fit(Xc, yc), M.BernoulliNB({ binarize = 1 }):fit(tide.sparse.from_dense(Xc), yc) }) do
      m:save(path)
      local m2 = M.load(path)
      assert.equal(m._name, m2._name)
      local Q = m._name == "GaussianNB" and Xte or Xc
      assert.is_true(tide.equal(m:predict_log_proba(Q), m2:predict_log_proba(Q)), m._name)
      assert.same(m.classes_, m2.classes_)
    end
    -- a loaded GaussianNB keeps learning with partial_fit
    local m = M.GaussianNB():partial_fit(X[{ { 1, 30 } }], y[{ { 1, 30 } }], { classes = { 3, 7, 9 } })
    m:save(path)
    local m2 = M.load(path)
    m:partial_fit(X[{ { 31, 60 } }], y[{ { 31, 60 } }])
    m2:partial_fit(X[{ { 31, 60 } }], y[{ { 31, 60 } }])
    assert.is_true(tide.equal(m:predict_log_proba(Xte), m2:predict_log_proba(Xte)))
    os.remove(path)
  end)

  it("string labels, get_params / set_params / clone", function()
    local labels = {}
    for i = 1, 60 do labels[i] = ({ "cat", "dog", "eel" })[(i % 3) + 1] end
    local m = M.GaussianNB():fit(X, labels)
    assert.same({ "cat", "dog", "eel" }, m.classes_)
    assert.equal("string", type(m:predict(Xte)[1]))
    local nb = M.MultinomialNB({ alpha = 0.25, fit_prior = false })
    assert.equal(0.25, nb:get_params().alpha)
    nb:set_params({ alpha = 2 })
    assert.equal(2, nb:clone().params.alpha)
    assert.is_false(nb:clone():is_fitted())
    H.assert_error(function() nb:set_params({ smoothing = 1 }) end, "unknown parameter 'smoothing'")
  end)

  it("bad input is a clear error", function()
    H.assert_error(function() M.GaussianNB({ var_smoothing = -1 }) end, "var_smoothing must be >= 0")
    H.assert_error(function() M.MultinomialNB({ alpha = -1 }) end, "alpha must be >= 0")
    local nan = X:clone()
    nan[1][1] = 0 / 0
    H.assert_error(function() M.GaussianNB():fit(nan, y) end, "GaussianNB.fit: X contains NaN or infinity")
    local m = M.GaussianNB():fit(X, y)
    H.assert_error(function() m:predict(tide.zeros(2, 7, "float64")) end, "X has 7 features, but GaussianNB was fitted with 6")
    H.assert_error(function() M.GaussianNB():fit(X, tide.zeros(60, "int64")) end, "at least 2 classes")
    H.assert_error(function() M.GaussianNB():fit(tide.sparse.from_dense(X), y) end, "does not accept sparse input")
    H.assert_error(function() M.GaussianNB({ priors = { 0.5, 0.6, 0.1 } }):fit(X, y) end, "sum of the priors should be 1")
    H.assert_error(function() M.GaussianNB({ priors = { 0.5, 0.5 } }):fit(X, y) end, "Number of priors must match")
    H.assert_error(function() M.MultinomialNB():fit(-Xc, yc) end, "Negative values in data passed to MultinomialNB")
    H.assert_error(function() M.ComplementNB():fit(tide.sparse.from_dense(-Xc), yc) end, "Negative values")
    H.assert_error(function() M.GaussianNB():partial_fit(X, y) end, "classes must be passed on the first call")
    H.assert_error(function() M.GaussianNB():partial_fit(X, y, { classes = { 3, 7 } }) end, "do not exist in the initial classes")
    H.assert_error(function() M.GaussianNB():fit(tide.zeros(0, 3, "float64"), {}) end, "empty input")
    H.assert_error(function() M.BernoulliNB({ binarize = -1 }):fit(tide.sparse.from_dense(Xc), yc) end, "threshold < 0")
    H.assert_error(function() M.MultinomialNB({ alpha = { 1, 2 } }):fit(Xc, yc) end, "should contains `n_features`")
  end)
end)
