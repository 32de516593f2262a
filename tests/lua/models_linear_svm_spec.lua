-- tide.models.LinearSVC against scikit-learn 1.2 (fixtures from tests/gen/gen_models_linear.py):
-- coef_ / intercept_ / decision_function / predict at the optimum (both fitted with tol 1e-10:
-- the optimum is unique, the coordinate order is not), binary and one-vs-rest, hinge and squared
-- hinge, class and sample weights, no intercept, intercept_scaling, CSR input; test accuracy on
-- breast cancer, digits and wine within 1 point of scikit-learn's; save -> load; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local models = require("tide.models")
local sparse = require("tide.sparse")
local datasets = require("tide.datasets")
local ref = H.fixture("models_linear_svm")
local D = ref.data

local X = H.tensor(D.X, "float64")
local Xt = H.tensor(D.Xt, "float64")
local y2 = H.tensor(D.y2, "int64")
local y3 = H.tensor(D.y3, "int64")

local TIGHT = { tol = 1e-10, max_iter = 200000 }
local function tight(p)
  local o = { tol = TIGHT.tol, max_iter = TIGHT.max_iter, random_state = 0 }
  for k, v in pairs(p or {}) do o[k] = v end
  return o
end

-- At the optimum to within the solver's stopping tolerance: 1e-6 relative to the largest weight.
local function check_case(m, want, what)
  local scale = math.max(1, m.coef_:abs():max())
  H.assert_matches(m.coef_, want.coef, 1e-6 * scale, what .. " coef_")
  if type(m.intercept_) == "number" then -- fit_intercept = false: 0.0, as scikit-learn
    assert.are.equal(0, m.intercept_)
    assert.are.equal(0, want.intercept.data[1])
  else
    H.assert_matches(m.intercept_, want.intercept, 1e-6 * scale, what .. " intercept_")
  end
  H.assert_matches(m:decision_function(Xt), want.decision, 1e-6 * scale, what .. " decision_function")
  H.assert_matches(m:predict(Xt), want.predict, nil, what .. " predict")
end

describe("LinearSVC", function()
  it("binary problems match liblinear's optimum", function()
    check_case(models.LinearSVC(tight()):fit(X, y2), ref.binary, "binary")
    check_case(models.LinearSVC(tight({ loss = "hinge" })):fit(X, y2), ref.binary_hinge, "hinge")
    check_case(models.LinearSVC(tight({ C = 0.05 })):fit(X, y2), ref.binary_C, "C")
    check_case(models.LinearSVC(tight()):fit(X, y2, { sample_weight = H.tensor(D.sw, "float64") }), ref.binary_sw, "sw")
    check_case(models.LinearSVC(tight({ fit_intercept = false })):fit(X, y2), ref.binary_noint, "noint")
    check_case(models.LinearSVC(tight({ intercept_scaling = 2.5 })):fit(X, y2), ref.binary_scaling, "scaling")
    check_case(models.LinearSVC(tight({ class_weight = { [0] = 3.0, [1] = 0.5 } })):fit(X, y2), ref.binary_cw, "cw")
    check_case(models.LinearSVC(tight({ loss = "hinge", class_weight = "balanced" }))
      :fit(X, y2, { sample_weight = H.tensor(D.sw, "float64") }), ref.binary_hinge_balanced, "hinge balanced sw")
    local ms = models.LinearSVC(tight()):fit(sparse.from_dense(X), y2) -- CSR: the same optimum
    check_case(ms, ref.binary, "binary csr")
    assert.is_true(tide.allclose(ms:decision_function(sparse.from_dense(Xt)), ms:decision_function(Xt), 1e-12, 1e-12))
  end)

  it("one-vs-rest matches, with class weights and CSR input", function()
    check_case(models.LinearSVC(tight()):fit(X, y3), ref.multi, "multi")
    check_case(models.LinearSVC(tight({ loss = "hinge", C = 0.5 })):fit(X, y3), ref.multi_hinge, "multi hinge")
    check_case(models.LinearSVC(tight({ class_weight = "balanced" })):fit(X, y3), ref.multi_balanced, "balanced")
    check_case(models.LinearSVC(tight({ class_weight = { [0] = 2.0, [2] = 0.5 } })):fit(X, y3), ref.multi_cw, "cw")
    local Xs = sparse.from_dense(H.tensor(D.Xs, "float64"))
    local m = models.LinearSVC(tight()):fit(Xs, y3)
    check_case(m, ref.multi_sparse, "csr")
    local md = models.LinearSVC(tight()):fit(H.tensor(D.Xs, "float64"), y3)
    assert.is_true(tide.allclose(md.coef_, m.coef_, 1e-6, 1e-6))
    assert.is_true(m:decision_function(sparse.from_dense(Xt)):equal(m:decision_function(Xt)) or
      tide.allclose(m:decision_function(sparse.from_dense(Xt)), m:decision_function(Xt), 1e-12, 1e-12))
  end)

  it("penalty='l1' (primal coordinate descent) matches liblinear's optimum and zeroes weights", function()
    local l1 = { penalty = "l1", dual = false }
    check_case(models.LinearSVC(tight({ penalty = "l1", dual = false, C = 0.1 })):fit(X, y2), ref.binary_l1, "l1")
    check_case(models.LinearSVC(tight({ penalty = "l1", dual = false, C = 0.1 }))
      :fit(X, y2, { sample_weight = H.tensor(D.sw, "float64") }), ref.binary_l1_sw, "l1 sw")
    local m = models.LinearSVC(tight({ penalty = "l1", dual = false, C = 0.2 })):fit(X, y3)
    check_case(m, ref.multi_l1, "l1 multi")
    assert.is_true(m.coef_:eq(0):sum() >= 2) -- exact zeros, as in the reference
    local Xs = sparse.from_dense(H.tensor(D.Xs, "float64"))
    check_case(models.LinearSVC(tight({ penalty = "l1", dual = false, C = 0.5 })):fit(Xs, y3), ref.multi_l1_sparse,
      "l1 csr")
    assert.is_true(models.LinearSVC(l1):fit(X, y2).n_iter_ >= 1)
  end)

  it("is reproducible for a random_state and independent of the thread count", function()
    local a = models.LinearSVC({ random_state = 7 }):fit(X, y3)
    local old = tide.threads()
    tide.threads(1)
    local b = models.LinearSVC({ random_state = 7 }):fit(X, y3)
    tide.threads(old)
    assert.is_true(a.coef_:equal(b.coef_) and a.intercept_:equal(b.intercept_))
    assert.are.equal(a.n_iter_, b.n_iter_)
  end)

  it("takes string labels and returns them", function()
    local names = { [0] = "low", [1] = "mid", [2] = "high" }
    local ys = {}
    for i = 1, y3:numel() do ys[i] = names[y3[i]] end
    local m = models.LinearSVC(tight()):fit(X, ys)
    assert.are.same({ "high", "low", "mid" }, m.classes_)
    local p = m:predict(X)
    assert.are.equal("table", type(p))
    local want = models.LinearSVC(tight()):fit(X, y3):predict(X) -- the same models under other names
    local hits = 0
    for i = 1, #ys do
      assert.are.equal(names[want[i]], p[i])
      if p[i] == ys[i] then hits = hits + 1 end
    end
    assert.is_true(math.abs(m:score(X, ys) - hits / #ys) < 1e-12)
  end)

  -- standardised with the training rows' mean and (population) std, as StandardScaler
  local function standardise(Xtr, Xte)
    local mu, sd = Xtr:mean(1), Xtr:std(1, { correction = 0 })
    sd = sd:masked_fill(sd:eq(0), 1)
    return (Xtr - mu) / sd, (Xte - mu) / sd
  end

  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    it("test accuracy on " .. name .. " is within 1 point of scikit-learn's", function()
      local ok, Xall, yall = pcall(datasets.load, (name:gsub("_", "-")))
      if not ok then pending("python3-sklearn's " .. name .. " table is not installed") return end
      local c = ref[name]
      local tr, te = tide.tensor(c.train.data, "int64"), tide.tensor(c.test.data, "int64")
      local Xtr, Xte = standardise(Xall:index_select(1, tr), Xall:index_select(1, te))
      local m = models.LinearSVC({ random_state = 0 }):fit(Xtr, yall:index_select(1, tr))
      local acc = m:score(Xte, yall:index_select(1, te))
      assert.is_true(acc >= c.accuracy - 0.01, string.format("%s: accuracy %.4f vs scikit-learn %.4f", name, acc, c.accuracy))
      -- CSR input gives the same model
      local ms = models.LinearSVC({ random_state = 0 }):fit(sparse.from_dense(Xtr), yall:index_select(1, tr))
      assert.is_true(tide.allclose(ms.coef_, m.coef_, 1e-9, 1e-9))
    end)
  end

  it("save -> tide.models.load gives identical decisions", function()
    for _, labels in ipairs({ y2, y3 }) do
      local m = models.LinearSVC({ C = 0.3, random_state = 1 }):fit(X, labels)
      local back = H.save_and_load(m)
      assert.is_true(back:decision_function(Xt):equal(m:decision_function(Xt)))
      assert.is_true(back:predict(Xt):equal(m:predict(Xt)))
      assert.are.same(m.classes_, back.classes_)
      assert.are.same(m:get_params(), back:get_params())
    end
  end)

  it("get_params / set_params / clone and scikit-learn's defaults", function()
    local m = models.LinearSVC()
    local p = m:get_params()
    assert.are.equal("l2", p.penalty)
    assert.are.equal("squared_hinge", p.loss)
    assert.are.equal(1e-4, p.tol)
    assert.are.equal(1000, p.max_iter)
    assert.are.equal(1, p.intercept_scaling)
    m:set_params({ C = 2 })
    assert.are.equal(2, m:clone().params.C)
    assert.is_false(m:clone():is_fitted())
    -- dual=false with the l2 penalty is the same optimum
    local a = models.LinearSVC(tight({ dual = false })):fit(X, y2)
    check_case(a, ref.binary, "primal l2")
  end)

  it("rejects bad parameters and input with clear errors", function()
    H.assert_error(function() models.LinearSVC({ C = 0 }) end, "LinearSVC: C must be > 0")
    H.assert_error(function() models.LinearSVC({ loss = "log" }) end, "LinearSVC: loss must be one of")
    H.assert_error(function() models.LinearSVC({ loss = "hinge", dual = false }) end,
      "penalty='l2' and loss='hinge' is not supported when dual=false")
    H.assert_error(function() models.LinearSVC({ penalty = "l1" }) end,
      "penalty='l1' and loss='squared_hinge' is not supported when dual=true")
    H.assert_error(function() models.LinearSVC({ penalty = "l1", loss = "hinge", dual = false }) end,
      "penalty='l1' and loss='hinge' is not supported")
    H.assert_error(function() models.LinearSVC({ max_iter = 0 }) end, "max_iter must be >= 1")
    H.assert_error(function() models.LinearSVC():fit(X, tide.zeros(90, "int64")) end,
      "needs samples of at least 2 classes in the data, but the data contains only one class: 0")
    local bad = X:clone()
    bad[{ 1, 1 }] = 0 / 0
    H.assert_error(function() models.LinearSVC():fit(bad, y2) end, "LinearSVC.fit: X contains NaN or infinity")
    local m = models.LinearSVC():fit(X, y2)
    H.assert_error(function() m:predict(tide.zeros(2, 6, "float64")) end, "X has 6 features, but LinearSVC was fitted with 5")
    H.assert_error(function() models.LinearSVC():decision_function(X) end, "not fitted yet")
    H.assert_error(function() models.LinearSVC():fit(X, { 1, 2 }) end, "y has 2 values but X has 90 rows")
    H.assert_error(function() models.LinearSVC():fit(tide.zeros(0, 5, "float64"), {}) end, "empty input")
    H.assert_error(function() models.LinearSVC({ class_weight = { [7] = 1 } }):fit(X, y2) end,
      "class_weight names the label 7")
  end)
end)
