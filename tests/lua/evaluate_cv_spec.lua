-- tide.evaluate cross-validation and model comparison, with small estimators defined here on the
-- estimator contract (tide.models.base) whose scikit-learn twins are computed in
-- tests/gen/gen_evaluate.py: a nearest-centroid classifier (probabilities softmax(-d / mean d))
-- and a least-squares regressor. Per-fold scores match scikit-learn's metrics on the same folds
-- (1e-10: distances summed in a different order); cross_val_predict, compare (table, CSV, JSON,
-- significance, plots), bad input.
local tide = require("tide")
local H = require("spec_helpers")
local B = require("tide.models.base")
local ev = require("tide.evaluate")
local ref = H.fixture("evaluate").cv

local TOL = 1e-10

-- ---------------------------------------------------------------- estimators for the tests

local Centroid = B.class("SpecCentroid", { shrink = 0 }, { kind = "classifier" })

function Centroid:fit(X, y)
  local op = "SpecCentroid.fit"
  X = B.features(op, X)
  local codes, classes = B.encode_labels(op, y, X.shape[1])
  local k, d = #classes, X.shape[2]
  local sums = tide.zeros({ k, d }, "float64")
  sums:index_add_(1, codes + 1, X)
  local counts = tide.zeros(k, "float64")
  counts:put_(codes + 1, 1, true)
  self.state = { classes_ = classes, centroids_ = sums / counts:reshape(k, 1), n_features_in_ = d }
  return self
end

local function distances(self, op, X)
  self:check_fitted(op)
  X = B.features(self._name .. "." .. op, X, { n_features = self.state.n_features_in_ })
  local C = self.state.centroids_
  local cols = {}
  for c = 1, C.shape[1] do cols[c] = ((X - C[c]:reshape(1, C.shape[2])) ^ 2):sum(2):sqrt() end
  return tide.stack(cols, 2)
end

function Centroid:predict(X)
  local d = distances(self, "predict", X)
  return B.decode_labels(self.state.classes_, d:argmin(2) - 1)
end

function Centroid:predict_proba(X)
  local d = distances(self, "predict_proba", X)
  local z = -d / d:mean(2, true)
  local e = (z - z:amax(2, true)):exp()
  return e / e:sum(2, true)
end

local LSQ = B.class("SpecLeastSquares", {}, { kind = "regressor" })

-- solves the normal equations (A^T A) w = A^T y by Gaussian elimination (a handful of columns)
function LSQ:fit(X, y)
  local op = "SpecLeastSquares.fit"
  X = B.features(op, X)
  y = B.targets(op, y, X.shape[1])
  local A = tide.cat({ X, tide.ones(X.shape[1], 1, "float64") }, 2)
  local M = tide.matmul(A:t(), A):totable()
  local v = tide.matmul(A:t(), y):totable()
  local m = #v
  for i = 1, m do
    for r = i + 1, m do
      local f = M[r][i] / M[i][i]
      for c = i, m do M[r][c] = M[r][c] - f * M[i][c] end
      v[r] = v[r] - f * v[i]
    end
  end
  local w = {}
  for i = m, 1, -1 do
    local s = v[i]
    for c = i + 1, m do s = s - M[i][c] * w[c] end
    w[i] = s / M[i][i]
  end
  self.state = { coef_ = tide.tensor(w, "float64"), n_features_in_ = X.shape[2] }
  return self
end

function LSQ:predict(X)
  self:check_fitted("predict")
  X = B.features("SpecLeastSquares.predict", X, { n_features = self.state.n_features_in_ })
  local d = X.shape[2]
  return tide.matmul(X, self.state.coef_:narrow(1, 1, d)) + self.state.coef_[d + 1]
end

-- ---------------------------------------------------------------- data

local function load(name)
  local ok, X, y = pcall(tide.datasets.load, name)
  if not ok then return nil end
  return X, y
end

local function near_all(got, expected, what)
  assert.equals(#expected, got:numel(), what .. " folds")
  for i, e in ipairs(expected) do
    local g = got[i]
    assert(math.abs(g - e) <= TOL * math.max(1, math.abs(e)), string.format("%s fold %d: got %.17g, expected %.17g", what, i, g, e))
  end
end

describe("cross_validate matches scikit-learn", function()
  it("breast cancer (labels 0/1): accuracy, f1_macro, roc_auc, neg_log_loss over StratifiedKFold(5)", function()
    local X, y = load("breast-cancer")
    if not X then return pending("breast cancer data is not available") end
    y = y - 1 -- scikit-learn's 0/1 labels
    local c = ref.breast_cancer
    local r = ev.cross_validate(Centroid{}, X, y, { scoring = { "accuracy", "f1_macro", "roc_auc", "neg_log_loss" },
      return_train_score = true, return_estimator = true })
    for _, m in ipairs({ "accuracy", "f1_macro", "roc_auc", "neg_log_loss" }) do near_all(r["test_" .. m], c[m], m) end
    assert.equals(5, r.fit_time:numel())
    assert.is_true(r.fit_time:amin() >= 0 and r.score_time:amin() >= 0)
    assert.equals(5, #r.estimator)
    assert.is_true(r.estimator[1]:is_fitted())
    assert.is_true(r.train_accuracy:mean() > 0.8)
    for i, f in ipairs(r.folds) do
      assert.equals(c.n_train[i], f.train:numel())
      assert.equals(c.n_test[i], f.test:numel())
    end
    -- the default scoring (accuracy) under test_score, and cross_val_score
    local one = ev.cross_validate(Centroid{}, X, y)
    near_all(one.test_score, c.accuracy, "test_score")
    near_all(ev.cross_val_score(Centroid{}, X, y, { scoring = "f1_macro" }), c.f1_macro, "cross_val_score")
    local named = ev.cross_validate(Centroid{}, X, y, { scoring = "f1_macro", return_train_score = true })
    assert.equals(named.test_score, named.test_f1_macro)
    assert.equals(named.train_score, named.train_f1_macro)
    -- out-of-fold predictions
    local oof = ev.cross_val_predict(Centroid{}, X, y)
    assert.same(c.oof, H.flat(oof))
    local proba = ev.cross_val_predict(Centroid{}, X, y, { method = "predict_proba" })
    assert.same({ 569, 2 }, proba.shape)
    assert.is_true(proba:argmax(2):sub(1):eq(oof):all())
  end)

  it("wine (labels 1..3, strings alike): multiclass roc_auc_ovr", function()
    local X, y = load("wine")
    if not X then return pending("wine data is not available") end
    local c = ref.wine
    local r = ev.cross_validate(Centroid{}, X, y, { scoring = { "accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss" } })
    near_all(r.test_accuracy, c.accuracy, "accuracy")
    near_all(r.test_f1_macro, c.f1_macro, "f1_macro")
    near_all(r.test_roc_auc_ovr, c.roc_auc, "roc_auc_ovr")
    near_all(r.test_neg_log_loss, c.neg_log_loss, "neg_log_loss")
    local names = { "barolo", "grignolino", "barbera" }
    local ys = {}
    for i, v in ipairs(H.flat(y)) do ys[i] = names[v] end
    -- sorted string classes are barbera, barolo, grignolino: another order, the same folds and scores
    local rs = ev.cross_validate(Centroid{}, X, ys, { scoring = "accuracy" })
    near_all(rs.test_score, c.accuracy, "string labels")
    local pred = ev.cross_val_predict(Centroid{}, X, ys)
    assert.equals("table", type(pred))
    assert.equals(178, #pred)
  end)

  it("a regressor: r2 and neg_mean_squared_error over KFold(4)", function()
    local c = ref.regression
    local X, y = H.tensor(c.X), H.tensor(c.y)
    local r = ev.cross_validate(LSQ{}, X, y, { cv = 4, scoring = { "r2", "neg_mean_squared_error" } })
    near_all(r.test_r2, c.r2, "r2")
    near_all(r.test_neg_mean_squared_error, c.neg_mean_squared_error, "neg mse")
    -- the default scorer of a regressor is R²
    near_all(ev.cross_val_score(LSQ{}, X, y, { cv = ev.KFold({ n_splits = 4 }) }), c.r2, "default r2")
    local pred = ev.cross_val_predict(LSQ{}, X, y, { cv = 4 })
    assert.same({ 60 }, pred.shape)
  end)

  it("custom scorers, explicit folds and groups", function()
    local c = ref.regression
    local X, y = H.tensor(c.X), H.tensor(c.y)
    local r = ev.cross_validate(LSQ{}, X, y, { cv = 3, scoring = { mine = function(est, Xt, yt)
      return -tide.metrics.mean_absolute_error(yt, est:predict(Xt))
    end, r2 = "r2" } })
    assert.equals(3, r.test_mine:numel())
    assert.is_true(r.test_mine:amax() < 0)
    local folds = { { train = tide.arange(21, 61, 1, "int64"), test = tide.arange(1, 21, 1, "int64") } }
    assert.equals(1, ev.cross_val_score(LSQ{}, X, y, { cv = folds }):numel())
    local groups = {}
    for i = 1, 60 do groups[i] = (i - 1) % 6 end
    local g = ev.cross_validate(LSQ{}, X, y, { cv = ev.GroupKFold({ n_splits = 3 }), groups = groups })
    assert.equals(3, g.test_score:numel())
    assert.truthy(#ev.scorer_names() > 20)
    -- fit_params: per-sample values are cut to each fold's training rows
    local Rec = B.class("SpecRecorder", {}, { kind = "regressor" })
    function Rec:fit(Xf, _, o)
      self.state = { n = Xf.shape[1], w = o.sample_weight, tag = o.tag }
      return self
    end
    function Rec:predict(Xp) return tide.zeros(Xp.shape[1], "float64") end
    local rec = ev.cross_validate(Rec{}, X, y, { cv = 3, return_estimator = true,
      fit_params = { sample_weight = tide.arange(1, 61, 1, "float64"), tag = "x" } })
    for f, est in ipairs(rec.estimator) do
      assert.equals(40, est.state.w:numel())
      assert.is_true(est.state.w:equal(rec.folds[f].train:to("float64")))
      assert.equals("x", est.state.tag)
    end
    local acc = ev.get_scorer("r2")
    assert.equals(r.test_r2[1], acc(r.estimator and r.estimator[1] or LSQ{}:fit(X:narrow(1, 21, 40), y:narrow(1, 21, 40)),
      X:narrow(1, 1, 20), y:narrow(1, 1, 20)))
  end)
end)

describe("scorers", function()
  it("average over the classes present, as scikit-learn's, also for Tide's class ids", function()
    -- a stand-in fitted model: predict returns fixed labels
    local function fixed(pred) return { predict = function() return pred end } end
    local S = require("tide.evaluate.scoring")
    -- scikit-learn: f1_score([1, 3, 3, 3], [1, 1, 3, 3], average="macro") = 0.7333333333333334
    local f = S.get("t", "f1_macro").score(fixed({ 1, 1, 3, 3 }), nil, { 1, 3, 3, 3 })
    assert.is_true(math.abs(f - 0.7333333333333334) < 1e-15)
    -- (tide.metrics itself counts class 2 of the ids 1..3: its F1 is 0 there)
    assert.is_true(math.abs(tide.metrics.f1_score({ 1, 3, 3, 3 }, { 1, 1, 3, 3 }, { average = "macro" }) - 0.48888888888888893) < 1e-15)
    -- binary: the positive class is 1 of {0, 1} and 2 of Tide's {1, 2}
    assert.equals(2 / 3, S.get("t", "f1").score(fixed(tide.tensor({ 0, 1, 1, 0 }, "int64")), nil, { 0, 1, 0, 0 }))
    assert.equals(2 / 3, S.get("t", "f1").score(fixed({ 1, 2, 2, 1 }), nil, { 1, 2, 1, 1 }))
    -- estimators that are neither classifiers nor regressors score themselves
    local Mean = B.class("SpecMean", {}, { kind = "clusterer" })
    function Mean:fit(Xf) self.state = { mean_ = Xf:mean(1) } return self end
    function Mean:score(Xs) return -((Xs - self.state.mean_) ^ 2):sum() end
    local X = tide.arange(12, "float64"):reshape(6, 2)
    local sc = ev.cross_val_score(Mean{}, X, nil, { cv = 3 })
    -- fold 1 tests rows 1-2 ({0, 1}, {2, 3}) against the mean of rows 3-6 ({7, 8}): 2 * 49 + 2 * 25
    assert.equals(-148, sc[1])
    local Bare = B.class("SpecBare", {}, { kind = "transformer" })
    function Bare:fit() self.state = {} return self end
    H.assert_error(function() return ev.cross_val_score(Bare{}, X, nil, { cv = 2 }) end,
      "cross_validate: the estimator has no score method; pass scoring")
    -- strings have no default positive class (scikit-learn raises too): use a function scorer
    H.assert_error(function() return S.get("t", "recall").score(fixed({ "n", "y", "n" }), nil, { "n", "y", "y" }) end,
      "recall: y_true takes the values 'n', 'y'; pass pos_label")
  end)
end)

describe("compare", function()
  local X, y = load("breast-cancer")

  it("cross-validates models on the same folds and reports, saves and tests them", function()
    if not X then return pending("breast cancer data is not available") end
    local Xs = X:narrow(2, 1, 10)
    local r = ev.compare({ { "centroid", Centroid{} }, { "centroid10", Centroid{} } }, X, y,
      { scoring = { "accuracy", "roc_auc" } })
    assert.same({ "centroid", "centroid10" }, r.models)
    local rows = r:table()
    near_all(tide.tensor(rows[1].accuracy.folds, "float64"), ref.breast_cancer.accuracy, "compare accuracy")
    assert.equals(rows[1].accuracy.mean, rows[2].accuracy.mean) -- the same model on the same folds
    local text = r:format()
    assert.truthy(text:find("5-fold comparison", 1, true))
    assert.truthy(text:find("centroid10", 1, true))
    assert.truthy(text:find(string.format("%.4f ± %.4f", rows[1].accuracy.mean, rows[1].accuracy.std), 1, true))
    assert.equals("centroid", (r:best("accuracy")))
    -- two different models
    local r2 = ev.compare({ ten = Centroid{}, full = Centroid{} }, Xs, y, { scoring = "f1_macro" })
    assert.same({ "full", "ten" }, r2.models) -- a table of models is taken in name order
    assert.same({ "f1_macro" }, r2.metrics)
    local dir = H.mkdtemp()
    r:to_csv(dir .. "/cmp.csv")
    local csv = H.read_file(dir .. "/cmp.csv")
    assert.truthy(csv:find("^model,accuracy_mean,accuracy_std,roc_auc_mean,roc_auc_std,fit_time_mean"))
    r:to_json(dir .. "/cmp.json")
    local doc = require("cjson").decode(H.read_file(dir .. "/cmp.json"))
    assert.equals(5, doc.folds)
    assert.equals("centroid", doc.models[1].model)
    assert.equals(5, #doc.models[1].accuracy.folds)
    local sig = r:significance({ test = "both" })
    assert.equals(2, #sig)
    assert.equals("ttest", sig[1].test)
    assert.equals(0, sig[1].statistic)
    assert.equals(1, sig[2].p) -- identical predictions: no discordant pairs
    assert.truthy(tostring(sig):find("mcnemar", 1, true))
    for _, plot in ipairs({ "plot_roc", "plot_pr", "plot_confusion" }) do
      local path = dir .. "/" .. plot .. ".png"
      r[plot](r, path)
      assert.is_true(H.exists(path))
      assert.equals("\137PNG", H.read_file(path):sub(1, 4))
    end
    r:plot_confusion(dir .. "/norm.png", { normalize = "true" })
  end)

  it("compares a multiclass problem and regressors", function()
    local Xw, yw = load("wine")
    if not Xw then return pending("wine data is not available") end
    local r = ev.compare({ a = Centroid{}, b = Centroid{} }, Xw, yw, { cv = 3, scoring = { "accuracy", "roc_auc_ovr" } })
    assert.equals(3, r.n_folds)
    local dir = H.mkdtemp()
    r:plot_roc(dir .. "/roc.png")
    assert.is_true(H.exists(dir .. "/roc.png"))
    local c = ref.regression
    local rr = ev.compare({ lsq = LSQ{} }, H.tensor(c.X), H.tensor(c.y), { cv = 4 })
    assert.same({ "r2" }, rr.metrics)
    near_all(rr.scores.lsq.r2, c.r2, "compare r2")
    H.assert_error(function() return rr:significance({ test = "mcnemar" }) end, "McNemar's test needs classifiers")
  end)

  it("error_score: a failing fold scores NaN instead of stopping the comparison", function()
    -- a classifier that fails on folds whose training rows include sample 1
    local Fragile = B.class("SpecFragile", {}, { kind = "classifier" })
    function Fragile:fit(Xf, yf)
      if Xf[1][1] == 0 then error("SpecFragile.fit: sample 1 is cursed") end
      return Centroid.fit(self, Xf, yf)
    end
    Fragile.predict, Fragile.predict_proba = Centroid.predict, Centroid.predict_proba
    local X = tide.randn(40, 2):to("float64")
    X[1][1] = 0
    local y = {}
    for i = 1, 40 do y[i] = i % 2 end
    H.assert_error(function() return ev.cross_validate(Fragile{}, X, y, { cv = 4 }) end, "sample 1 is cursed")
    local r = ev.cross_validate(Fragile{}, X, y, { cv = 4, error_score = 0 / 0 })
    local failed = 0
    for f = 1, 4 do
      if r.errors and r.errors[f] then
        failed = failed + 1
        assert.is_true(r.test_score[f] ~= r.test_score[f]) -- NaN
        assert.truthy(r.errors[f]:find("sample 1 is cursed", 1, true))
      else
        assert.is_true(r.test_score[f] >= 0)
      end
    end
    assert.equals(3, failed) -- sample 1 trains in three of the four folds
    local c = ev.compare({ good = Centroid{}, bad = Fragile{} }, X, y, { cv = 4, error_score = 0 / 0 })
    assert.equals(3, #(function() local t = {} for f in pairs(c.errors.bad) do t[#t + 1] = f end return t end)())
    assert.truthy(c:format():find("nan", 1, true))
    local sig = c:significance({ test = "both" })
    assert.is_true(sig[1].p ~= sig[1].p and sig[2].p ~= sig[2].p)
    local dir = H.mkdtemp()
    c:plot_roc(dir .. "/roc.png") -- the good model alone
    assert.is_true(H.exists(dir .. "/roc.png"))
    H.assert_error(function() return ev.cross_validate(Centroid{}, X, y, { error_score = "skip" }) end,
      "cross_validate: error_score must be 'raise' or a number, got skip")
  end)

  it("bad input is an error naming compare", function()
    H.assert_error(function() return ev.compare({}, tide.zeros(4, 2), { 1, 2, 1, 2 }) end, "compare: no models to compare")
    H.assert_error(function() return ev.compare({ a = 3 }, tide.zeros(4, 2), { 1, 2, 1, 2 }) end,
      "compare: model 'a' must be a Tide estimator")
    H.assert_error(function() return ev.compare({ a = Centroid{}, b = LSQ{} }, tide.zeros(4, 2), { 1, 2, 1, 2 }) end,
      "compare classifiers with classifiers")
    H.assert_error(function() return ev.compare({ a = Centroid{} }, tide.zeros(4, 2), { 1, 2, 1 }) end,
      "compare: X has 4 samples but y has 3")
  end)
end)

describe("cross-validation errors", function()
  local Xs = tide.randn(20, 2):to("float64")
  local ys = {}
  for i = 1, 20 do ys[i] = i % 2 end

  it("name the function and the problem", function()
    H.assert_error(function() return ev.cross_validate({}, Xs, ys) end, "cross_validate: estimator must be a Tide estimator")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, { 1, 2 }) end, "cross_validate: X has 20 samples but y has 2")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, ys, { scoring = "acc" }) end,
      "cross_validate: unknown scoring 'acc' (known: ")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, ys, { cv = 1 }) end, "cv must be an integer >= 2")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, ys, { cv = 30 }) end,
      "cannot have n_splits = 30 greater than the number of samples: 20")
    H.assert_error(function() return ev.cross_validate(LSQ{}, Xs, ys, { scoring = "roc_auc" }) end,
      "scoring 'roc_auc' needs predict_proba, which SpecLeastSquares does not have")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, ys, { cv = { { train = { 1 }, test = { 99 } } } }) end,
      "fold 1 has test ids outside 1..20")
    H.assert_error(function() return ev.cross_val_score(Centroid{}, Xs, ys, { scoring = { "accuracy" } }) end,
      "cross_val_score: scoring must be one scorer")
    H.assert_error(function() return ev.cross_val_predict(Centroid{}, Xs, ys, { method = "transform" }) end,
      "method must be predict")
    H.assert_error(function() return ev.cross_val_predict(Centroid{}, Xs, ys, { cv = ev.ShuffleSplit({ n_splits = 2 }) }) end,
      "needs folds that put every sample in exactly one test set")
    local bad = Xs:clone()
    bad[3][1] = 0 / 0
    H.assert_error(function() return ev.cross_validate(Centroid{}, bad, ys) end, "X contains NaN or infinity")
    H.assert_error(function() return ev.cross_validate(Centroid{}, Xs, tide.ones(20)) end, "only one class")
  end)
end)
