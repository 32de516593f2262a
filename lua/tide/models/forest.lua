-- tide.models: RandomForestClassifier / RandomForestRegressor (bootstrap samples, best splits on
-- max_features drawn features) and ExtraTreesClassifier / ExtraTreesRegressor (whole sample by
-- default, one random threshold per drawn feature), with scikit-learn 1.2's parameters and
-- defaults. Every tree is grown in C (core/tree.c), the trees in parallel over tide.threads();
-- a tree's draws come from (random_state, tree index), so the forest is the same for any thread
-- count. The fitted trees live concatenated in state.trees_ (scikit-learn's tree_ arrays with
-- offsets: tree t owns nodes offsets[t] .. offsets[t + 1] - 1, 0-based); estimators() returns
-- them as DecisionTree objects.
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local tree = require("tide.models.tree")
local impl = tree._impl
local C = core.C
local raise, format = core.raise, string.format
local NONE, is_none = B.NONE, B.is_none

local M = {}

local TREE_FIELDS = { "offsets", "children_left", "children_right", "feature", "threshold", "value", "impurity",
  "n_node_samples", "weighted_n_node_samples", "max_depth", "importances" }

local function defaults(classifier, extra)
  local d = {
    n_estimators = 100,
    criterion = classifier and "gini" or "squared_error",
    max_depth = NONE,
    min_samples_split = 2,
    min_samples_leaf = 1,
    min_weight_fraction_leaf = 0.0,
    -- scikit-learn's regressors default to 1.0 (every feature), which is None here: in Lua 1 and
    -- 1.0 are one number, and an integer max_features counts features
    max_features = classifier and "sqrt" or NONE,
    max_leaf_nodes = NONE,
    min_impurity_decrease = 0.0,
    bootstrap = not extra,
    oob_score = false,
    random_state = NONE,
    ccp_alpha = 0.0,
    max_samples = NONE,
  }
  if classifier then d.class_weight = NONE end
  return d
end

local function check(self, classifier)
  local name, p = self._name, self.params
  B.check_int(name, "n_estimators", p.n_estimators, 1)
  B.check_bool(name, "bootstrap", p.bootstrap)
  B.check_bool(name, "oob_score", p.oob_score)
  local ms = p.max_samples
  if not is_none(ms) and (type(ms) ~= "number" or not ((ms > 0 and ms <= 1) or (ms > 1 and ms == math.floor(ms)))) then
    raise(format("%s: max_samples must be None, a fraction in (0, 1] or an integer count > 1, got %s", name, tostring(ms)))
  end
  impl.check_tree_params(self, classifier, true)
end

-- bootstrap draws per tree (scikit-learn's _get_n_samples_bootstrap)
local function n_bootstrap(self, op, n)
  local p = self.params
  if not p.bootstrap then
    if not is_none(p.max_samples) then
      raise(op .. ": max_samples cannot be set when bootstrap is false; either switch to bootstrap = true or set max_samples = None")
    end
    if p.oob_score then raise(op .. ": out-of-bag estimation is only available if bootstrap = true") end
    return 0
  end
  local ms = p.max_samples
  if is_none(ms) then return n end
  if ms <= 1 then return math.max(1, math.floor(n * ms + 0.5)) end
  if ms > n then raise(format("%s: max_samples must be <= n_samples (%d), got %d", op, n, ms)) end
  return ms
end

-- mean of the importances of the trees that split at least once, normalised
local function forest_importances(g, d)
  local offsets = g.offsets
  local rows = {}
  for t = 1, offsets:numel() - 1 do
    if offsets[t + 1] - offsets[t] > 1 then rows[#rows + 1] = t end
  end
  if #rows == 0 then return tensor.zeros({ d }, "float64") end
  local mean = g.importances:index_select(1, rows):mean(1)
  local total = mean:sum()
  return total > 0 and mean / total or mean
end

local function fit_forest(self, X, y, opts, classifier, extra)
  local op = self._name .. ".fit"
  local p = self.params
  X = impl.features(op, X)
  local n, d = X.shape[1], X.shape[2]
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  local draws = n_bootstrap(self, op, n)
  local state = { n_features_in_ = d, n_outputs_ = 1 }
  local yt, cw, codes
  local spec = {
    splitter = extra and C.TIDE_TREE_RANDOM or C.TIDE_TREE_BEST,
    n_trees = p.n_estimators, n_bootstrap = draws, oob = p.oob_score,
  }
  if classifier then
    local classes
    codes, classes = B.encode_labels(op, y, n)
    yt = codes:to("float64")
    local pcw = p.class_weight
    if pcw == "balanced_subsample" and draws > 0 then
      spec.balanced_subsample = true
    elseif not is_none(pcw) then
      cw = B.class_weight(op, pcw == "balanced_subsample" and "balanced" or pcw, codes, classes)
    end
    state.classes_, state.n_classes_ = classes, #classes
    spec.n_classes, spec.criterion = #classes, impl.CLASS_CRITERIA[p.criterion]
  else
    yt = B.targets(op, y, n)
    spec.n_classes, spec.criterion = 0, impl.REG_CRITERIA[p.criterion]
  end
  spec.seed = B.seed(self)
  local g = impl.grow(self, op, X, yt, sw, cw, spec)
  local trees = {}
  for _, f in ipairs(TREE_FIELDS) do trees[f] = g[f] end
  state.trees_ = trees
  state.max_features_ = g.max_features
  state.feature_importances_ = forest_importances(g, d)
  if p.oob_score then
    local cnt = g.oob_count:to("float64"):clamp(1, math.huge)
    if classifier then
      local dec = g.oob_sum / cnt:unsqueeze(2)
      state.oob_decision_function_ = dec
      state.oob_score_ = (dec:argmax(2) - 1):eq(codes):to("float64"):mean()
    else
      local pred = g.oob_sum:reshape(n) / cnt
      state.oob_prediction_ = pred
      state.oob_score_ = B.r2(yt, pred)
    end
  end
  self.state = state
  return self
end

local function predict_values(self, op, X)
  self:check_fitted(op)
  local Xf = impl.features(self._name .. "." .. op, X, self.state.n_features_in_)
  return impl.predict_values(self.state.trees_, nil, Xf, self._kind == "classifier")
end

local TREE_PARAMS = { "criterion", "max_depth", "min_samples_split", "min_samples_leaf", "min_weight_fraction_leaf",
  "max_features", "max_leaf_nodes", "min_impurity_decrease", "ccp_alpha" }

local function methods(cls, classifier, extra)
  function cls:fit(X, y, opts) return fit_forest(self, X, y, opts, classifier, extra) end

  -- The leaf each row reaches in each tree: int64 [n, n_estimators], 1-based node positions.
  function cls:apply(X)
    self:check_fitted("apply")
    local Xf = impl.features(self._name .. ".apply", X, self.state.n_features_in_)
    return impl.apply(self.state.trees_, nil, Xf) + 1
  end

  -- CSR indicator [n, total nodes] of the nodes each row passes through in every tree, and
  -- n_nodes_ptr (int64 [n_estimators + 1]: tree t's nodes are the columns n_nodes_ptr[t] ..
  -- n_nodes_ptr[t + 1] - 1 of the 0-based CSR arrays), as scikit-learn's decision_path.
  function cls:decision_path(X)
    self:check_fitted("decision_path")
    local Xf = impl.features(self._name .. ".decision_path", X, self.state.n_features_in_)
    local offsets = self.state.trees_.offsets
    return impl.decision_path(self.state.trees_, nil, Xf, offsets[offsets:numel()]), offsets:clone()
  end

  -- The fitted trees as DecisionTreeClassifier / DecisionTreeRegressor objects (copies).
  function cls:estimators()
    self:check_fitted("estimators")
    local s = self.state
    local Tree = classifier and tree.DecisionTreeClassifier or tree.DecisionTreeRegressor
    local params = { splitter = extra and "random" or "best" }
    for _, k in ipairs(TREE_PARAMS) do params[k] = self.params[k] end
    if classifier and self.params.class_weight ~= "balanced_subsample" then params.class_weight = self.params.class_weight end
    local tabs = impl.tree_tables(s.trees_, 1, s.trees_.offsets:numel() - 1)
    local out = {}
    for t, tab in ipairs(tabs) do
      local est = Tree.new(params)
      est.state = { tree_ = tab, n_features_in_ = s.n_features_in_, n_outputs_ = 1, max_features_ = s.max_features_,
        feature_importances_ = s.trees_.importances[t]:clone(), classes_ = s.classes_, n_classes_ = s.n_classes_ }
      out[t] = est
    end
    return out
  end

  if classifier then
    -- the mean of the trees' class probabilities: float64 [n, n_classes]
    function cls:predict_proba(X) return predict_values(self, "predict_proba", X) end
    function cls:predict_log_proba(X) return self:predict_proba(X):log() end
    function cls:predict(X)
      local proba = predict_values(self, "predict", X)
      return B.decode_labels(self.state.classes_, proba:argmax(2) - 1)
    end
  else
    -- the mean of the trees' predictions: float64 [n]
    function cls:predict(X)
      local v = predict_values(self, "predict", X)
      return v:reshape(v.shape[1])
    end
  end
end

for _, def in ipairs({
  { "RandomForestClassifier", true, false }, { "RandomForestRegressor", false, false },
  { "ExtraTreesClassifier", true, true }, { "ExtraTreesRegressor", false, true },
}) do
  local name, classifier, extra = def[1], def[2], def[3]
  local cls = B.class(name, defaults(classifier, extra), {
    kind = classifier and "classifier" or "regressor",
    check = function(self) check(self, classifier) end,
  })
  methods(cls, classifier, extra)
  M[name] = cls
end

return M
