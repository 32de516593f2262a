-- tide.feature_selection against scikit-learn 1.2 (tests/gen/gen_feature_selection.py): scores
-- and p-values, the supports of the univariate, variance and model-driven selectors (RFE, RFECV,
-- SelectFromModel through RCoef, an "estimator" whose coefficients are correlations, defined the
-- same way on both sides), mutual information; the selector contract; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local FS = tide.feature_selection
local B = require("tide.models.base")
local ref = H.fixture("feature_selection")

local HAVE_SKLEARN = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv")
local function need_sklearn()
  if HAVE_SKLEARN then return true end
  pending("python3-sklearn (its bundled breast cancer and digits tables) is not installed")
  return false
end

local function near(t, want, tol, what)
  local got = H.flat(t)
  local w = want.data or want
  assert(#got == #w, what .. ": " .. #got .. " values, expected " .. #w)
  for i = 1, #w do
    local a, b = got[i], w[i]
    local ok = (a ~= a and b ~= b) or a == b or math.abs(a - b) <= tol * math.max(1, math.abs(b))
    assert(ok, string.format("%s[%d]: got %.17g, expected %.17g", what, i, a, b))
  end
end

-- p-values: relative to the value (they run down to 1e-100 and below)
local function near_p(t, want, tol, what)
  local got = H.flat(t)
  for i = 1, #want.data do
    local a, b = got[i], want.data[i]
    local ok = (a ~= a and b ~= b) or a == b or math.abs(a - b) <= tol * math.abs(b) + 1e-300
    assert(ok, string.format("%s[%d]: got %.17g, expected %.17g", what, i, a, b))
  end
end

-- RCoef: coef_ = r_regression(X, y); predict X @ coef_; score = -mean squared error
local RCoef = B.class("SpecRCoef", {}, { kind = "regressor" })
function RCoef:fit(X, y)
  self.state = { coef_ = FS.r_regression(X, y), n_features_in_ = X.shape[2] }
  return self
end
function RCoef:predict(X) return tide.mv(X, self.state.coef_) end
function RCoef:score(X, y)
  local d = self:predict(X) - y:to("float64")
  return -(d * d):mean()
end

-- scikit-learn's KFold(5) without shuffling: contiguous folds, the first n % k one row longer
local function kfold(k)
  return { split = function(_, X)
    local n = X.shape[1]
    local out, start = {}, 1
    for f = 1, k do
      local size = math.floor(n / k) + (f <= n % k and 1 or 0)
      local test, train = {}, {}
      for i = 1, n do
        if i >= start and i < start + size then test[#test + 1] = i else train[#train + 1] = i end
      end
      out[f] = { train = tide.tensor(train, "int64"), test = tide.tensor(test, "int64") }
      start = start + size
    end
    return out
  end }
end

describe("univariate scores against scikit-learn 1.2", function()
  it("f_classif and chi2 on breast cancer and digits (NaN for constant columns)", function()
    if not need_sklearn() then return end
    for _, name in ipairs({ "breast-cancer", "digits" }) do
      local r = ref[name == "digits" and "digits" or "cancer"]
      local X, y = tide.datasets.load(name)
      local F, p = FS.f_classif(X, y)
      near(F, r.f, 1e-10, name .. " F")
      near_p(p, r.f_p, 1e-9, name .. " F p")
      local c, cp = FS.chi2(X, y)
      near(c, r.chi2, 1e-10, name .. " chi2")
      near_p(cp, r.chi2_p, 1e-9, name .. " chi2 p")
      local cs = FS.chi2(tide.sparse.from_dense(X), y)
      near(cs, r.chi2, 1e-10, name .. " chi2 on CSR")
    end
  end)

  it("f_regression and r_regression", function()
    local r = ref.regression
    local X, y = H.tensor(r.X), H.tensor(r.y)
    local F, p = FS.f_regression(X, y)
    near(F, r.f, 1e-11, "F")
    near_p(p, r.f_p, 1e-9, "p")
    near(FS.r_regression(X, y), r.r, 1e-12, "r")
    near((FS.f_regression(X, y, { center = false })), r.f_nocenter, 1e-11, "F uncentred")
  end)

  it("mutual information (scikit-learn's estimators; Tide's own tie-breaking noise)", function()
    local r = ref.regression
    near(FS.mutual_info_regression(H.tensor(r.X), H.tensor(r.y), { random_state = 0 }), r.mi, 1e-6, "mi regression")
    local m = ref.mi_classif
    -- column 3 holds integers: as a continuous feature its ties are broken by the random noise,
    -- which differs from NumPy's, so only its ballpark is compared
    local mi = FS.mutual_info_classif(H.tensor(m.X), H.tensor(m.y), { random_state = 0 })
    near(mi:index_select(1, tide.tensor({ 1, 2, 4 }, "int64")), { m.mi.data[1], m.mi.data[2], m.mi.data[4] }, 1e-6, "mi classif")
    assert.is_true(math.abs(mi[3] - m.mi.data[3]) < 0.03, "mi of the integer column " .. mi[3])
    near(FS.mutual_info_classif(H.tensor(m.X), H.tensor(m.y), { random_state = 0, discrete_features = { 3 } }),
      m.mi_discrete3, 1e-6, "mi with a discrete feature")
    -- the same seed gives the same estimate; the global generator is left as it was
    tide.manual_seed(11)
    local a = tide.rand(1):item()
    tide.manual_seed(11)
    FS.mutual_info_classif(H.tensor(m.X), H.tensor(m.y), { random_state = 3 })
    assert.are.equal(a, tide.rand(1):item())
  end)
end)

describe("selectors against scikit-learn 1.2", function()
  it("SelectKBest, SelectPercentile, VarianceThreshold", function()
    if not need_sklearn() then return end
    local X, y = tide.datasets.load("breast-cancer")
    local r = ref.cancer
    assert.are.same(r.kbest5, FS.SelectKBest{ k = 5 }:fit(X, y):get_support())
    assert.are.same(r.percentile20_chi2, FS.SelectPercentile{ score_func = "chi2", percentile = 20 }:fit(X, y):get_support())
    local vt = FS.VarianceThreshold{ threshold = 50 }:fit(X)
    assert.are.same(r.variance50, vt:get_support())
    near(vt.variances_, r.variances, 1e-12, "variances")
    local Xd, yd = tide.datasets.load("digits")
    assert.are.same(ref.digits.kbest20, FS.SelectKBest{ k = 20 }:fit(Xd, yd):get_support())
    assert.are.same(ref.digits.percentile10, FS.SelectPercentile():fit(Xd, yd):get_support())
    assert.are.same(ref.digits.variance0, FS.VarianceThreshold():fit(Xd):get_support())
    assert.are.same(ref.digits.variance0, FS.VarianceThreshold():fit(tide.sparse.from_dense(Xd)):get_support())
  end)

  it("RFE, RFECV and SelectFromModel", function()
    if not need_sklearn() then return end
    local X, y = tide.datasets.load("breast-cancer")
    y = (y - 1):to("float64") -- scikit-learn's 0 / 1 target as a number
    local r = ref.rfe
    local rfe = FS.RFE{ estimator = RCoef(), n_features_to_select = 5, step = 2 }:fit(X, y)
    assert.are.same(r.support, rfe:get_support())
    near(tide.tensor(rfe.ranking_, "float64"), r.ranking, 0, "ranking")
    assert.are.equal(5, rfe.estimator_.state.coef_:numel())
    local frac = FS.RFE{ estimator = RCoef(), n_features_to_select = 0.3, step = 0.1 }:fit(X, y)
    assert.are.same(r.support_frac, frac:get_support())
    near(tide.tensor(frac.ranking_, "float64"), r.ranking_frac, 0, "ranking (fractions)")
    local cv = FS.RFECV{ estimator = RCoef(), step = 3, min_features_to_select = 2, cv = kfold(5) }:fit(X, y)
    assert.are.equal(r.cv_n_features, cv.n_features_)
    assert.are.same(r.cv_support, cv:get_support())
    near(tide.tensor(cv.cv_results_.mean_test_score, "float64"), r.cv_mean, 1e-10, "cv mean")
    near(tide.tensor(cv.cv_results_.std_test_score, "float64"), r.cv_std, 1e-9, "cv std")
    local f = ref.from_model
    assert.are.same(f.mean, FS.SelectFromModel{ estimator = RCoef() }:fit(X, y):get_support())
    assert.are.same(f.scaled, FS.SelectFromModel{ estimator = RCoef(), threshold = "1.25*mean" }:fit(X, y):get_support())
    assert.are.same(f.median, FS.SelectFromModel{ estimator = RCoef(), threshold = "median" }:fit(X, y):get_support())
    assert.are.same(f.max3, FS.SelectFromModel{ estimator = RCoef(), threshold = -math.huge, max_features = 3 }:fit(X, y):get_support())
  end)
end)

describe("feature selection contract", function()
  local X = tide.tensor({ { 1, 2, 3, 1 }, { 2, 2, 1, 2 }, { 3, 2, 0, 3.1 }, { 4, 2, 2, 4 }, { 5, 2, 5, 5.2 } }, "float64")
  local y = tide.tensor({ 0, 0, 1, 1, 1 })

  it("transforms, inverts, names and saves", function()
    local vt = FS.VarianceThreshold():fit(X)
    assert.are.same({ true, false, true, true }, vt:get_support())
    assert.are.same({ 1, 3, 4 }, vt:get_support(true))
    local T = vt:transform(X)
    assert.are.same({ 5, 3 }, T.shape)
    assert.are.same({ "a", "c", "d" }, vt:get_feature_names_out({ "a", "b", "c", "d" }))
    local back = vt:inverse_transform(T)
    assert.are.same({ 5, 4 }, back.shape)
    assert.are.equal(0, back:select(2, 2):abs():sum())
    assert.are.same(H.flat(X:select(2, 3)), H.flat(back:select(2, 3)))
    local path = H.tmpname() .. ".safetensors"
    vt:save(path)
    local loaded = tide.models.load(path)
    assert.are.same(H.flat(T), H.flat(loaded:transform(X)))
    os.remove(path)
    -- CSR in, CSR out
    local S = vt:transform(tide.sparse.from_dense(X))
    assert.is_true(tide.sparse.is_csr(S))
    assert.are.same(H.flat(T), H.flat(S:to_dense()))
  end)

  it("CorrelationFilter drops the later feature of each correlated pair", function()
    local cf = FS.CorrelationFilter{ threshold = 0.95 }:fit(tide.cat({ X:narrow(2, 1, 1), X:narrow(2, 3, 2) }, 2))
    assert.are.same({ true, true, false }, cf:get_support())
    assert.are.equal(3, cf.dropped_[1][1])
    assert.are.equal(1, cf.dropped_[1][2])
    assert.is_true(cf.dropped_[1][3] > 0.95)
    local sp = FS.CorrelationFilter{ threshold = 0.95, method = "spearman" }:fit(tide.cat({ X:narrow(2, 1, 1), X:narrow(2, 3, 2) }, 2))
    assert.are.same({ true, true, false }, sp:get_support()) -- ranks of columns 1 and 4 are equal
  end)

  it("permutation importance ranks the informative feature first", function()
    tide.manual_seed(2)
    local n = 300
    local Z = tide.randn(n, 3, "float64")
    local t = Z:select(2, 2) * 3 + Z:select(2, 3) * 0.2
    local est = RCoef():fit(Z, t)
    local r = FS.permutation_importance(est, Z, t, { n_repeats = 4, random_state = 0 })
    assert.are.same({ 3, 4 }, r.importances.shape)
    local m = H.flat(r.importances_mean)
    assert.is_true(m[2] > m[3] and m[3] > m[1], table.concat(m, ", "))
    assert.is_true(math.abs(m[1]) < 0.05)
    local again = FS.permutation_importance(est, Z, t, { n_repeats = 4, random_state = 0 })
    assert.are.same(H.flat(r.importances), H.flat(again.importances))
  end)

  it("rejects bad input with the operation's name", function()
    H.assert_error(function() FS.SelectKBest{ k = 9 }:fit(X, y) end, "SelectKBest.fit: k = 9 is larger than the 4 features")
    H.assert_error(function() FS.SelectKBest{ score_func = "anova" } end, "score_func must be")
    H.assert_error(function() FS.SelectKBest():fit(X) end, "y is required")
    H.assert_error(function() FS.chi2(X - 10, y) end, "chi2: input X must be non-negative")
    H.assert_error(function() FS.f_classif(X, tide.zeros(5)) end, "at least 2 classes")
    H.assert_error(function() FS.VarianceThreshold{ threshold = 100 }:fit(X) end, "no feature in X meets the variance threshold")
    H.assert_error(function() FS.VarianceThreshold():fit(X):transform(tide.zeros(2, 3)) end, "X has 3 features, but VarianceThreshold was fitted with 4")
    H.assert_error(function() FS.VarianceThreshold():transform(X) end, "not fitted yet")
    H.assert_error(function() FS.RFE{ estimator = 3 } end, "RFE: estimator must be a Tide estimator")
    H.assert_error(function() FS.SelectFromModel{ estimator = RCoef(), threshold = "mode" }:fit(X, y) end, "threshold \"mode\"")
    H.assert_error(function() FS.f_classif(tide.tensor({ { 0 / 0, 1 }, { 1, 2 } }), { 0, 1 }) end, "f_classif: X contains NaN or infinity")
    H.assert_error(function() FS.mutual_info_classif(X, y, { discrete_features = { 7 } }) end, "not a column in 1..4")
  end)
end)
