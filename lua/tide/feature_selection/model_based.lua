-- tide.feature_selection selectors driven by a model's coefficients or importances:
--   SelectFromModel{estimator =, threshold = nil | number | "mean" | "median" | "1.5*mean",
--     prefit = false, norm_order = 1, max_features = nil}
--       keeps the features whose importance is >= threshold (default "mean", or 1e-5 for an
--       L1-penalised model: Lasso, or penalty = "l1"); with max_features, at most that many of
--       the most important
--   RFE{estimator =, n_features_to_select = nil (half) | int | fraction, step = 1 | fraction}
--       recursive feature elimination: fit, drop the `step` least important features, repeat
--   RFECV{estimator =, step = 1, min_features_to_select = 1, cv = 5, scoring = nil}
--       RFE at every size, scored by cross-validation; keeps the best size (cv_results_)
-- The fitted model is sel.estimator_ (on the selector, not in its saved state: a loaded
-- selector transforms; refit it to predict). Importances: the estimator's coef_ (|coef| or its squares, summed over classes for a 2-d
-- coef_, as scikit-learn) or feature_importances_, or importance_getter = function(est) -> [d].
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local S = require("tide.feature_selection.selector")
local raise = core.raise
local format = string.format

local M = {}

-- importances [d] (float64) of a fitted estimator; transform: "norm" (order norm_order over
-- classes) or "square" (sum of squares over classes)
local function importances(op, est, getter, transform, norm_order)
  local imp
  if type(getter) == "function" then
    imp = getter(est)
  else
    local st = est.state or {}
    imp = st.coef_ or st.feature_importances_
    if imp == nil then
      raise(format("%s: %s has neither coef_ nor feature_importances_; pass importance_getter = function(est) ... end",
        op, tostring(est._name)))
    end
  end
  if not tensor.is_tensor(imp) then imp = tensor.tensor(imp, "float64") end
  imp = imp:to("float64")
  if imp:dim() == 1 then
    return transform == "square" and imp * imp or imp:abs()
  end
  if transform == "square" then return (imp * imp):sum(1) end
  norm_order = norm_order or 1
  if norm_order == 1 then return imp:abs():sum(1) end
  if norm_order == math.huge then return imp:abs():max(1) end
  return (imp:abs() ^ norm_order):sum(1) ^ (1 / norm_order)
end
M._importances = importances

local function check_estimator(name, est)
  if type(est) ~= "table" or type(est.fit) ~= "function" or type(est.clone) ~= "function" then
    raise(name .. ": estimator must be a Tide estimator (with fit and clone)")
  end
end

-- ---------------------------------------------------------------- SelectFromModel
local SFM = B.class("SelectFromModel", { estimator = B.NONE, threshold = B.NONE, prefit = false, norm_order = 1,
  max_features = B.NONE, importance_getter = "auto" }, {
  kind = "transformer",
  check = function(self)
    check_estimator("SelectFromModel", self.params.estimator)
    B.check_bool("SelectFromModel", "prefit", self.params.prefit)
    if not B.is_none(self.params.max_features) then B.check_int("SelectFromModel", "max_features", self.params.max_features, 0) end
  end,
})
M.SelectFromModel = SFM
S.install(SFM, { sparse = true })

local function is_l1(est)
  local p = est.params or {}
  return est._name == "Lasso" or p.penalty == "l1"
end

-- threshold value from nil / number / "mean" / "median" / "1.25*mean"
local function threshold_value(op, spec, imp, est)
  if B.is_none(spec) then spec = is_l1(est) and 1e-5 or "mean" end
  if type(spec) == "number" then return spec end
  if type(spec) ~= "string" then raise(op .. ": threshold must be a number, \"mean\", \"median\" or \"<scale>*mean\"") end
  local scale, ref = spec:match("^%s*([%d.eE+-]+)%s*%*%s*(%a+)%s*$")
  if not scale then scale, ref = 1, spec:match("^%s*(%a+)%s*$") end
  scale = tonumber(scale)
  local base
  if ref == "mean" then base = imp:mean()
  elseif ref == "median" then base = require("tide.stats").quantile(imp, 0.5) -- NumPy's median
  end
  if not base or not scale then raise(format("%s: threshold %q is not a number, \"mean\", \"median\" or \"<scale>*mean\"", op, spec)) end
  return scale * base
end

function SFM:fit(X, y, opts)
  local op = "SelectFromModel.fit"
  local p = self.params
  X = B.features(op, X, { sparse = true })
  local est = p.estimator
  if not p.prefit then
    est = est:clone()
    est:fit(X, y, opts)
  elseif not est:is_fitted() then
    raise(op .. ": prefit = true but the estimator is not fitted")
  end
  local imp = importances(op, est, p.importance_getter ~= "auto" and p.importance_getter or nil, "norm", p.norm_order)
  local d = imp:numel()
  if d ~= X.shape[2] then raise(format("%s: the estimator has %d importances for %d features", op, d, X.shape[2])) end
  local t = threshold_value(op, p.threshold, imp, est)
  local v = S.list(imp)
  local support = {}
  for j = 1, d do support[j] = v[j] >= t end
  if not B.is_none(p.max_features) then
    local order = {}
    for j = 1, d do order[j] = j end
    table.sort(order, function(a, b) if v[a] ~= v[b] then return v[a] > v[b] end return a < b end)
    local top = {}
    for i = 1, math.min(p.max_features, d) do top[order[i]] = true end
    for j = 1, d do support[j] = support[j] and top[j] == true end
  end
  self.state = { threshold_ = t, importances_ = imp, support_ = support, n_features_in_ = d }
  self.estimator_ = est -- the fitted model (a field of the selector, not part of its saved state)
  return self
end

-- ---------------------------------------------------------------- RFE
local function rfe_params(op, p, d)
  local k = p.n_features_to_select
  if B.is_none(k) then k = math.floor(d / 2)
  elseif k < 1 or k ~= math.floor(k) then k = math.floor(d * k) end
  if k < 1 or k > d then raise(format("%s: n_features_to_select = %s leaves %d of %d features", op, tostring(p.n_features_to_select), k, d)) end
  local step = p.step
  if step > 0 and step < 1 then step = math.floor(math.max(1, step * d)) end
  if step < 1 or step ~= math.floor(step) then raise(format("%s: step must be a positive integer or a fraction in (0, 1), got %s", op, tostring(p.step))) end
  return k, step
end

-- the elimination loop of scikit-learn's RFE._fit; score(est, features) is called at every size
local function eliminate(op, p, X, y, k, step, score)
  local d = X.shape[2]
  local support, ranking = {}, {}
  for j = 1, d do support[j], ranking[j] = true, 1 end
  local count, scores = d, {}
  local getter = p.importance_getter ~= "auto" and p.importance_getter or nil
  while count > k do
    local features = S.indices(support)
    local est = p.estimator:clone()
    est:fit(S.columns(X, features), y)
    local v = S.list(importances(op, est, getter, "square"))
    local order = {}
    for i = 1, #features do order[i] = i end
    table.sort(order, function(a, b) if v[a] ~= v[b] then return v[a] < v[b] end return a < b end)
    if score then scores[#scores + 1] = score(est, features) end
    local drop = math.min(step, count - k)
    for i = 1, drop do support[features[order[i]]] = false end
    count = count - drop
    for j = 1, d do if not support[j] then ranking[j] = ranking[j] + 1 end end
  end
  local features = S.indices(support)
  local est = p.estimator:clone()
  est:fit(S.columns(X, features), y)
  if score then scores[#scores + 1] = score(est, features) end
  return support, ranking, est, scores
end

local RFE = B.class("RFE", { estimator = B.NONE, n_features_to_select = B.NONE, step = 1, importance_getter = "auto" }, {
  kind = "transformer",
  check = function(self) check_estimator("RFE", self.params.estimator) end,
})
M.RFE = RFE
S.install(RFE, { sparse = true })

function RFE:fit(X, y)
  local op = "RFE.fit"
  X = B.features(op, X, { sparse = true })
  local d = X.shape[2]
  if d < 2 then raise(op .. ": RFE needs at least 2 features") end
  local k, step = rfe_params(op, self.params, d)
  local support, ranking, est = eliminate(op, self.params, X, y, k, step)
  self.state = { support_ = support, ranking_ = ranking, n_features_ = k, n_features_in_ = d }
  self.estimator_ = est
  return self
end

function RFE:predict(X)
  self:check_fitted("predict")
  return self.estimator_:predict(self:transform(X))
end

-- ---------------------------------------------------------------- RFECV
local RFECV = B.class("RFECV", { estimator = B.NONE, step = 1, min_features_to_select = 1, cv = 5, scoring = B.NONE,
  importance_getter = "auto" }, {
  kind = "transformer",
  check = function(self)
    check_estimator("RFECV", self.params.estimator)
    B.check_int("RFECV", "min_features_to_select", self.params.min_features_to_select, 1)
  end,
})
M.RFECV = RFECV
S.install(RFECV, { sparse = true })

-- the folds: cv = an integer (stratified k-fold for classifiers, k-fold otherwise, as
-- scikit-learn's check_cv) or a splitter with :split(X, y)
local function folds(op, cv, X, y, classifier)
  local splitter = cv
  if type(cv) == "number" then
    local ev = require("tide.evaluate")
    splitter = classifier and ev.StratifiedKFold{ n_splits = cv } or ev.KFold{ n_splits = cv }
  end
  if type(splitter) ~= "table" or type(splitter.split) ~= "function" then
    raise(op .. ": cv must be a number of folds or a splitter with :split(X, y)")
  end
  local out = {}
  for _, f in ipairs(splitter:split(X, y)) do out[#out + 1] = f end
  return out
end

local function take_y(y, idx)
  if tensor.is_tensor(y) then return y:index_select(1, idx) end
  local out, p = {}, idx:contiguous():data_ptr()
  for i = 0, idx:numel() - 1 do out[i + 1] = y[tonumber(p[i])] end
  return out
end

local function take_rows(X, idx)
  if require("tide.sparse").is_csr(X) then return X:rows(idx) end
  return X:index_select(1, idx)
end

function RFECV:fit(X, y)
  local op = "RFECV.fit"
  local p = self.params
  X = B.features(op, X, { sparse = true })
  local d = X.shape[2]
  if d < 2 then raise(op .. ": RFECV needs at least 2 features") end
  local k, step = rfe_params(op, { n_features_to_select = p.min_features_to_select, step = p.step }, d)
  local classifier = p.estimator._kind == "classifier"
  local scorer = p.scoring
  local all = {}
  for i, f in ipairs(folds(op, p.cv, X, y, classifier)) do
    local Xtr, Xte = take_rows(X, f.train), take_rows(X, f.test)
    local ytr, yte = take_y(y, f.train), take_y(y, f.test)
    local _, _, _, sc = eliminate(op, p, Xtr, ytr, k, step, function(est, features)
      local Xs = S.columns(Xte, features)
      if type(scorer) == "function" then return scorer(est, Xs, yte) end
      if type(scorer) == "string" then return require("tide.evaluate").get_scorer(scorer)(est, Xs, yte) end
      return est:score(Xs, yte)
    end)
    all[i] = sc
  end
  -- scores per size, from all features down; the best size (the fewest features among ties,
  -- as scikit-learn takes the last argmax of the reversed sums)
  local nsizes = #all[1]
  local sums = {}
  for s = 1, nsizes do
    sums[s] = 0
    for i = 1, #all do sums[s] = sums[s] + all[i][s] end
  end
  local best = 1
  for s = 1, nsizes do if sums[s] >= sums[best] then best = s end end
  local n_best = math.max(d - (best - 1) * step, k)
  local support, ranking, est = eliminate(op, p, X, y, n_best, step)
  -- cv_results_: per size from the fewest features up (scikit-learn's order)
  local mean, std, splits = {}, {}, {}
  for s = nsizes, 1, -1 do
    local m, v = 0, 0
    for i = 1, #all do m = m + all[i][s] end
    m = m / #all
    for i = 1, #all do v = v + (all[i][s] - m) ^ 2 end
    mean[#mean + 1], std[#std + 1] = m, math.sqrt(v / #all)
  end
  for i = 1, #all do
    splits[i] = {}
    for s = nsizes, 1, -1 do splits[i][#splits[i] + 1] = all[i][s] end
  end
  self.state = { support_ = support, ranking_ = ranking, n_features_ = n_best, n_features_in_ = d,
    cv_results_ = { mean_test_score = mean, std_test_score = std, split_test_scores = splits } }
  self.estimator_ = est
  return self
end

RFECV.predict = RFE.predict

return M
