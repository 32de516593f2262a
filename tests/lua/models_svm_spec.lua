-- tide.models.SVC / SVR against scikit-learn 1.2 (fixtures from tests/gen/gen_models_svm.py).
-- Tide trains as libsvm does, step for step (same working-set choice and tie-breaking, same
-- shrinking, float kernel cache), so support vectors must be identical and dual coefficients /
-- intercepts agree to 1e-6 (dot products summed in another order change the last bits of a
-- kernel value; at the default tol those bits may change an iterate slightly). Decision values
-- go through GEMM here and exact sums in libsvm: 1e-6 too. Probabilities: the same folds
-- (scikit-learn's Mersenne twister and seed), so probA_ / probB_ agree to 1e-5.
local tide = require("tide")
local H = require("spec_helpers")
local B = require("tide.models.base")
local M = tide.models

local F = H.fixture("models_svm")
local X2, X3, Xt = H.tensor(F.X2), H.tensor(F.X3), H.tensor(F.Xtest)
local y2, y3, ys = H.tensor(F.y2), H.tensor(F.y3), H.tensor(F.ys)
local TOL = 1e-6

local function params_of(p, extra)
  local out = {}
  for k, v in pairs(p or {}) do out[k] = v end
  for k, v in pairs(extra or {}) do out[k] = v end
  return out
end

-- scikit-learn's support_ counts only the rows of positive weight (libsvm drops the others
-- first); Tide's indexes the rows given to fit. Map the fixture's indices to those rows.
local function original_rows(support, sample_weight)
  if not sample_weight then return support end
  local kept = {}
  for i, w in ipairs(sample_weight.data) do if w > 0 then kept[#kept + 1] = i end end
  local data = {}
  for i, r in ipairs(support.data) do data[i] = kept[r] end
  return { shape = support.shape, data = data }
end

local function assert_model(m, c, what)
  H.assert_matches(m.support_, original_rows(c.support, c.sample_weight), nil, what .. " support_")
  H.assert_matches(m.n_support_, c.n_support, nil, what .. " n_support_")
  H.assert_matches(m.dual_coef_, c.dual_coef, TOL, what .. " dual_coef_")
  H.assert_matches(m.intercept_, c.intercept, TOL, what .. " intercept_")
  if c.coef then H.assert_matches(m.coef_, c.coef, TOL, what .. " coef_") end
end

describe("SVC against scikit-learn", function()
  for name, c in pairs(F.svc) do
    it("fits and predicts as scikit-learn: " .. name, function()
      local X, y = X3, y3
      if c.n_support.shape[1] == 2 then X, y = X2, y2 end
      local p = params_of(c.params)
      if c.class_weight then p.class_weight = { [0] = 2.0, [1] = 1.0, [2] = 0.5 } end
      if name == "proba3_weighted" then p.class_weight = { [0] = 3.0, [1] = 0.5 } end
      local m = M.SVC(p):fit(X, y, { sample_weight = c.sample_weight and H.tensor(c.sample_weight) })
      assert_model(m, c, name)
      if type(c.n_iter) == "table" then
        H.assert_matches(m.n_iter_, c.n_iter, nil, name .. " n_iter_")
      end
      if c.fit_status then assert.are.equal(c.fit_status, m.fit_status_) end
      H.assert_matches(m.class_weight_, c.class_weight_, 1e-15, name .. " class_weight_")
      H.assert_matches(m:decision_function(Xt), c.decision, TOL, name .. " decision_function")
      H.assert_matches(m:predict(Xt), c.predict, nil, name .. " predict")
      if c.probA then
        H.assert_matches(m.probA_, c.probA, 1e-5, name .. " probA_")
        H.assert_matches(m.probB_, c.probB, 1e-5, name .. " probB_")
        H.assert_matches(m:predict_proba(Xt), c.proba, 1e-5, name .. " predict_proba")
      end
    end)
  end

  it("gives the same model for CSR input", function()
    local c = F.svc.rbf3
    local dense = M.SVC():fit(X3, y3)
    local m = M.SVC():fit(tide.sparse.from_dense(X3), y3)
    assert_model(m, c, "csr")
    assert.is_true(tide.sparse.is_csr(m.support_vectors_))
    H.assert_matches(m:decision_function(Xt), c.decision, TOL, "csr decision_function")
    H.assert_matches(m:decision_function(tide.sparse.from_dense(Xt)), c.decision, TOL, "csr x csr decision")
    H.assert_matches(dense:decision_function(tide.sparse.from_dense(Xt)), c.decision, TOL, "dense x csr decision")
    local cp = F.svc.proba3
    local mp = M.SVC(params_of(cp.params)):fit(tide.sparse.from_dense(X3), y3)
    H.assert_matches(mp:predict_proba(Xt), cp.proba, 1e-5, "csr predict_proba")
  end)

  it("accepts string labels and decodes them", function()
    local names = { "ant", "bee", "cat" }
    local labels = {}
    for i = 1, y3:numel() do labels[i] = names[y3[i] + 1] end
    local m = M.SVC():fit(X3, labels)
    local pred = m:predict(Xt)
    local want = F.svc.rbf3.predict.data
    for i = 1, #want do assert.are.equal(names[want[i] + 1], pred[i]) end
    assert.are.same(names, m.classes_)
  end)

  it("break_ties takes the argmax of the one-vs-rest values", function()
    local m = M.SVC{ break_ties = true }:fit(X3, y3)
    local dec = m:decision_function(Xt)
    H.assert_matches(m:predict(Xt), { shape = { Xt.shape[1] }, data = H.flat(dec:argmax(2) - 1) }, nil, "break_ties")
    m:set_params{ decision_function_shape = "ovo" }
    H.assert_error(function() m:predict(Xt) end, "break_ties must be false")
  end)

  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    it("is as accurate as scikit-learn on " .. name, function()
      local ok, Xd, yd = pcall(tide.datasets.load, (name:gsub("_", "-")))
      if not ok then pending(name .. " is not available: " .. tostring(Xd)) return end
      local ref = F["data_" .. name]
      local test = H.tensor(ref.test)
      local train = tide.ones(yd:numel()):scatter(1, test, 0):ne(0):nonzero():reshape(-1)
      local y0 = yd - 1
      Xd = Xd:to("float64")
      local Xtr, Xte = Xd:index_select(1, train), Xd:index_select(1, test)
      local mean, std = Xtr:mean(1), Xtr:std(1, { correction = 0 })
      std = std:masked_fill(std:eq(0), 1)
      Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std
      local m = M.SVC():fit(Xtr, y0:index_select(1, train))
      local pred = m:predict(Xte)
      local acc = pred:eq(y0:index_select(1, test)):to("float64"):mean()
      assert.is_true(acc >= ref.accuracy - 0.01, string.format("%s: accuracy %.4f, scikit-learn %.4f", name, acc, ref.accuracy))
      assert.is_true(math.abs(m.support_:numel() - ref.n_sv) <= 2, name .. ": support vector count")
      local same = pred:eq(H.tensor(ref.predict)):to("float64"):mean()
      assert.is_true(same >= 0.99, string.format("%s: %.4f of predictions agree with scikit-learn", name, same))
    end)
  end
end)

-- a sparse problem (about 10% stored values: below the density at which CSR is trained dense)
local function sparse_problem(n, d, k)
  local X, y, seed = tide.zeros(n, d, "float64"), {}, 12345
  local function rand()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  end
  for i = 1, n do
    y[i] = (i - 1) % k
    for j = 1, d do
      if rand() < 0.1 or (j - 1) % k == y[i] and rand() < 0.3 then X[{ i, j }] = rand() + ((j - 1) % k == y[i] and 1 or 0) end
    end
  end
  return X, y
end

describe("SVC and SVR on sparse data", function()
  local X, y = sparse_problem(90, 40, 3)
  local Xs = tide.sparse.from_dense(X)
  assert(Xs.nnz < 0.25 * 90 * 40)
  local Xq = tide.sparse.from_dense(X:narrow(1, 1, 30))

  it("trains the same SVC from CSR and dense input", function()
    for _, kernel in ipairs({ "rbf", "linear", "poly" }) do
      local p = { kernel = kernel, probability = true, random_state = 4, gamma = 0.5 }
      local a = M.SVC(p):fit(X, y)
      local b = M.SVC(p):fit(Xs, y)
      assert.is_true(a.support_:equal(b.support_), kernel .. ": support_")
      assert.is_true((a.dual_coef_ - b.dual_coef_):abs():max() < 1e-9, kernel .. ": dual_coef_")
      assert.is_true((a.intercept_ - b.intercept_):abs():max() < 1e-9, kernel .. ": intercept_")
      assert.is_true((a.probA_ - b.probA_):abs():max() < 1e-7, kernel .. ": probA_")
      -- every mix of dense / CSR queries and support vectors
      local ref = a:decision_function(X:narrow(1, 1, 30))
      for _, m in ipairs({ a, b }) do
        for _, q in ipairs({ X:narrow(1, 1, 30):contiguous(), Xq }) do
          assert.is_true((m:decision_function(q) - ref):abs():max() < 1e-9, kernel .. ": decision_function")
        end
      end
      assert.is_true((b:predict_proba(Xq) - a:predict_proba(X:narrow(1, 1, 30):contiguous())):abs():max() < 1e-7)
    end
  end)

  it("trains the same SVR from CSR and dense input", function()
    local t = tide.tensor(y, "float64") * 0.5 + X:sum(2)
    local a = M.SVR{ C = 3 }:fit(X, t)
    local b = M.SVR{ C = 3 }:fit(Xs, t)
    assert.is_true(a.support_:equal(b.support_))
    assert.is_true((a.dual_coef_ - b.dual_coef_):abs():max() < 1e-9)
    assert.is_true((a:predict(Xq) - b:predict(Xq)):abs():max() < 1e-9)
  end)
end)

describe("SVR against scikit-learn", function()
  for name, c in pairs(F.svr) do
    it("fits and predicts as scikit-learn: " .. name, function()
      local m = M.SVR(params_of(c.params)):fit(X2, ys, { sample_weight = c.sample_weight and H.tensor(c.sample_weight) })
      assert_model(m, c, name)
      H.assert_matches(m:predict(Xt), c.predict, TOL, name .. " predict")
      assert.are.equal(c.n_iter, m.n_iter_)
    end)
  end

  it("gives the same model for CSR input", function()
    local c = F.svr.rbf_C_eps
    local m = M.SVR(params_of(c.params)):fit(tide.sparse.from_dense(X2), ys)
    assert_model(m, c, "csr")
    H.assert_matches(m:predict(tide.sparse.from_dense(Xt)), c.predict, TOL, "csr predict")
  end)
end)

describe("SVC and SVR estimators", function()
  it("have scikit-learn's defaults and check their parameters", function()
    local p = M.SVC():get_params()
    assert.are.equal(1.0, p.C)
    assert.are.equal("rbf", p.kernel)
    assert.are.equal("scale", p.gamma)
    assert.are.equal(3, p.degree)
    assert.are.equal(1e-3, p.tol)
    assert.are.equal(200, p.cache_size)
    assert.are.equal(-1, p.max_iter)
    assert.are.equal("ovr", p.decision_function_shape)
    assert.are.equal(false, p.probability)
    assert.are.equal(B.NONE, p.random_state)
    assert.are.equal(0.1, M.SVR():get_params().epsilon)
    H.assert_error(function() M.SVC{ C = 0 } end, "SVC: C must be > 0")
    H.assert_error(function() M.SVC{ kernel = "precomputed" } end, "kernel must be one of")
    H.assert_error(function() M.SVC{ gamma = "big" } end, "gamma must be")
    H.assert_error(function() M.SVC{ gamma = -1 } end, "gamma must be >= 0")
    H.assert_error(function() M.SVC{ degree = 1.5 } end, "degree must be an integer")
    H.assert_error(function() M.SVC{ tol = 0 } end, "tol must be > 0")
    H.assert_error(function() M.SVC{ max_iter = -2 } end, "max_iter must be >= -1")
    H.assert_error(function() M.SVC{ decision_function_shape = "x" } end, "decision_function_shape")
    H.assert_error(function() M.SVC{ class_weight = 3 } end, "class_weight must be")
    H.assert_error(function() M.SVC{ random_state = -1 } end, "random_state")
    H.assert_error(function() M.SVR{ epsilon = -0.1 } end, "SVR: epsilon must be >= 0")
    H.assert_error(function() M.SVR{ nope = 1 } end, "unknown parameter 'nope'")
  end)

  it("get_params / set_params / clone", function()
    local m = M.SVC{ C = 2, kernel = "poly" }
    m:set_params{ degree = 2 }
    local c = m:clone()
    assert.are.equal(2, c.params.C)
    assert.are.equal(2, c.params.degree)
    assert.is_false(c:is_fitted())
    m:fit(X3, y3)
    assert.is_true(m:is_fitted())
    assert.is_false(m:clone():is_fitted())
  end)

  it("save -> load gives identical predictions (dense and CSR fits)", function()
    for _, X in ipairs({ X3, tide.sparse.from_dense(X3) }) do
      local m = M.SVC{ probability = true, random_state = 3 }:fit(X, y3)
      local l = H.save_and_load(m)
      assert.are.equal("SVC", l._name)
      assert.is_true(l:predict(Xt):equal(m:predict(Xt)))
      assert.is_true(l:decision_function(Xt):equal(m:decision_function(Xt)))
      assert.is_true(l:predict_proba(Xt):equal(m:predict_proba(Xt)))
      assert.are.same(m.classes_, l.classes_)
    end
    local r = M.SVR{ C = 5 }:fit(X2, ys)
    local l = H.save_and_load(r)
    assert.is_true(l:predict(Xt):equal(r:predict(Xt)))
  end)

  it("predicts with the kernel it was fitted with, whatever set_params changes later", function()
    local m = M.SVC{ kernel = "poly", degree = 2 }:fit(X3, y3)
    local before = m:decision_function(Xt)
    m:set_params{ kernel = "linear", degree = 5, coef0 = 3 }
    assert.is_true(m:decision_function(Xt):equal(before))
  end)

  it("score is accuracy for SVC and R^2 for SVR", function()
    local m = M.SVC():fit(X3, y3)
    local acc = m:predict(X3):eq(y3):to("float64"):mean()
    assert.is_true(math.abs(m:score(X3, y3) - acc) < 1e-12)
    local r = M.SVR{ C = 10 }:fit(X2, ys)
    assert.is_true(r:score(X2, ys) > 0.8)
  end)

  it("probabilities sum to one and need probability = true", function()
    local m = M.SVC{ probability = true, random_state = 0 }:fit(X3, y3)
    local p = m:predict_proba(Xt)
    H.assert_matches(p:sum(2), { shape = { Xt.shape[1] }, data = H.flat(tide.ones(Xt.shape[1])) }, 1e-12, "row sums")
    H.assert_matches(m:predict_log_proba(Xt), { shape = p.shape, data = H.flat(p:log()) }, 1e-15, "log proba")
    H.assert_error(function() M.SVC():fit(X3, y3):predict_proba(Xt) end, "probability=false")
  end)

  it("reports a solver stopped by max_iter", function()
    local m = M.SVC{ max_iter = 3 }:fit(X3, y3)
    assert.are.equal(1, m.fit_status_)
    assert.are.equal(0, M.SVC():fit(X3, y3).fit_status_)
  end)

  it("rejects bad input with clear errors", function()
    local bad = X3:clone()
    bad[{ 2, 3 }] = 0 / 0
    H.assert_error(function() M.SVC():fit(bad, y3) end, "SVC.fit: X contains NaN or infinity")
    bad[{ 2, 3 }] = 1 / 0
    H.assert_error(function() M.SVR():fit(bad, y3:to("float64")) end, "SVR.fit: X contains NaN or infinity")
    H.assert_error(function() M.SVC():fit(X3, tide.zeros(y3:numel(), "int64")) end, "only one class")
    H.assert_error(function() M.SVC():fit(X3, y3:narrow(1, 1, 10)) end, "y has 10 values but X has 75 rows")
    H.assert_error(function() M.SVC():fit(tide.empty({ 0, 4 }, "float64"), {}) end, "empty input")
    H.assert_error(function() M.SVR():fit(X2, { "a", "b" }) end, "SVR.fit")
    local labels = {}
    for i = 1, X2.shape[1] do labels[i] = "x" .. (i % 2) end
    H.assert_error(function() M.SVR():fit(X2, labels) end, "a regressor needs numeric targets")
    local m = M.SVC():fit(X3, y3)
    H.assert_error(function() m:predict(tide.zeros(2, 5, "float64")) end, "X has 5 features, but SVC was fitted with 4")
    H.assert_error(function() M.SVC():predict(Xt) end, "not fitted")
    H.assert_error(function() M.SVC():fit(X3, y3, { sample_weight = tide.zeros(75, "float64") }) end, "sample_weight")
    local w = tide.ones(75, "float64")
    w:masked_fill_(y3:eq(1), 0)
    H.assert_error(function() M.SVC():fit(X3, y3, { sample_weight = w }) end, "no sample with positive weight")
    H.assert_error(function() M.SVC{ class_weight = { [9] = 1 } }:fit(X3, y3) end, "class_weight names the label 9")
    local huge = X3 * 1e160
    H.assert_error(function() M.SVC{ kernel = "linear" }:fit(huge, y3) end, "SVC.fit", "not finite", "scale the features")
    H.assert_error(function() M.SVR{ kernel = "poly" }:fit(huge, y3:to("float64")) end, "not finite")
  end)
end)
