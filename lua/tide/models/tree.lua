-- tide.models: DecisionTreeClassifier and DecisionTreeRegressor — CART trees with scikit-learn's
-- parameters, defaults and results (core/tree.c, core/tree_build.c). Trees are grown in C on
-- float32 features, as scikit-learn does; the fitted tree is state.tree_, a table of flat tensors
-- with scikit-learn's tree_ names (children_left, children_right, feature, threshold, value,
-- impurity, n_node_samples, weighted_n_node_samples) whose node ids are 0-based like
-- scikit-learn's; apply() returns 1-based node positions (rows of tree_.value).
--
-- The helpers at the end (M._impl) are shared with tide.models.forest.
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local ffi, C = core.ffi, core.C
local raise, format = core.raise, string.format
local NONE, is_none = B.NONE, B.is_none

local M = {}
local impl = {}
M._impl = impl

-- ---------------------------------------------------------------- parameter checks
local CLASS_CRITERIA = { gini = C.TIDE_TREE_GINI, entropy = C.TIDE_TREE_ENTROPY, log_loss = C.TIDE_TREE_ENTROPY }
local REG_CRITERIA = { squared_error = C.TIDE_TREE_SQUARED_ERROR, friedman_mse = C.TIDE_TREE_FRIEDMAN_MSE }
impl.CLASS_CRITERIA, impl.REG_CRITERIA = CLASS_CRITERIA, REG_CRITERIA

-- The parameters every tree and forest shares, checked as scikit-learn 1.2 does. subsample: the
-- class_weight preset "balanced_subsample" is allowed (forests).
function impl.check_tree_params(self, classifier, subsample)
  local name, p = self._name, self.params
  B.check_one_of(name, "criterion", p.criterion,
    classifier and { "gini", "entropy", "log_loss" } or { "squared_error", "friedman_mse" })
  if p.splitter ~= nil then B.check_one_of(name, "splitter", p.splitter, { "best", "random" }) end
  if not is_none(p.max_depth) then B.check_int(name, "max_depth", p.max_depth, 1) end
  local mss = p.min_samples_split
  if type(mss) ~= "number" or not ((mss >= 2 and mss == math.floor(mss)) or (mss > 0 and mss <= 1)) then
    raise(format("%s: min_samples_split must be an integer >= 2 or a fraction in (0, 1], got %s", name, tostring(mss)))
  end
  local msl = p.min_samples_leaf
  if type(msl) ~= "number" or not ((msl >= 1 and msl == math.floor(msl)) or (msl > 0 and msl < 1)) then
    raise(format("%s: min_samples_leaf must be an integer >= 1 or a fraction in (0, 1), got %s", name, tostring(msl)))
  end
  B.check_number(name, "min_weight_fraction_leaf", p.min_weight_fraction_leaf, 0, 0.5)
  local mf = p.max_features
  if not (is_none(mf) or mf == "sqrt" or mf == "log2" or mf == "auto" or
      (type(mf) == "number" and ((mf >= 1 and mf == math.floor(mf)) or (mf > 0 and mf < 1)))) then
    raise(format("%s: max_features must be None, \"sqrt\", \"log2\", an integer >= 1 or a fraction in (0, 1), got %s",
      name, tostring(mf)))
  end
  if not is_none(p.max_leaf_nodes) then B.check_int(name, "max_leaf_nodes", p.max_leaf_nodes, 2) end
  B.check_number(name, "min_impurity_decrease", p.min_impurity_decrease, 0)
  B.check_number(name, "ccp_alpha", p.ccp_alpha, 0)
  if p.ccp_alpha == math.huge then raise(name .. ": ccp_alpha must be finite") end
  local cw = p.class_weight
  if classifier and not (is_none(cw) or cw == "balanced" or (subsample and cw == "balanced_subsample") or
      type(cw) == "table") then
    raise(name .. ": class_weight must be None, \"balanced\"" .. (subsample and ", \"balanced_subsample\"" or "") ..
      " or a table {label = weight}")
  end
  if not is_none(p.random_state) then B.check_int(name, "random_state", p.random_state, 0) end
end

-- ---------------------------------------------------------------- fitting
-- X for fitting or predicting: a contiguous float32 [n, d] tensor (CSR input is made dense:
-- the tree kernels work on dense columns).
function impl.features(op, X, n_features)
  X = B.features(op, X, { dtype = "float32", sparse = true, n_features = n_features })
  if not tensor.is_tensor(X) then X = X:to_dense("float32") end
  return X
end

-- The resolved counts scikit-learn derives from the fractions, for n samples and d features.
function impl.resolve(self, n, d)
  local p, name = self.params, self._name
  local msl = p.min_samples_leaf
  if msl < 1 then msl = math.ceil(msl * n) end
  local mss = p.min_samples_split
  if mss <= 1 then mss = math.max(2, math.ceil(mss * n)) end
  mss = math.max(mss, 2 * msl)
  local mf = p.max_features
  if mf == "auto" then mf = self._kind == "classifier" and "sqrt" or NONE end -- scikit-learn 1.2's deprecated alias
  if is_none(mf) then mf = d
  elseif mf == "sqrt" then mf = math.max(1, math.floor(math.sqrt(d)))
  elseif mf == "log2" then mf = math.max(1, math.floor(math.log(d) / math.log(2)))
  elseif mf < 1 then mf = math.max(1, math.floor(mf * d))
  elseif mf > d then raise(format("%s.fit: max_features must be <= the number of features (%d), got %d", name, d, mf))
  end
  return { min_samples_leaf = msl, min_samples_split = mss, max_features = mf }
end

local FIELDS = { "offsets", "children_left", "children_right", "feature", "threshold", "value", "impurity",
  "n_node_samples", "weighted_n_node_samples", "max_depth", "importances", "oob_sum", "oob_count" }

-- Grow trees in C. spec: {n_classes, criterion, splitter, n_trees, n_bootstrap, oob,
-- balanced_subsample, seed} plus self.params; y float64 [n] (class codes or targets).
-- Returns a table of the result tensors (FIELDS), max_features resolved.
function impl.grow(self, op, X, y, sw, cw, spec)
  local p = self.params
  local n, d = X.shape[1], X.shape[2]
  local r = impl.resolve(self, n, d)
  local o = ffi.new("tide_tree_options")
  o.criterion = spec.criterion
  o.splitter = spec.splitter
  o.n_classes = spec.n_classes
  o.max_depth = is_none(p.max_depth) and -1 or p.max_depth
  o.min_samples_split = r.min_samples_split
  o.min_samples_leaf = r.min_samples_leaf
  o.min_weight_fraction_leaf = p.min_weight_fraction_leaf
  o.max_features = r.max_features
  o.max_leaf_nodes = is_none(p.max_leaf_nodes) and -1 or p.max_leaf_nodes
  o.min_impurity_decrease = p.min_impurity_decrease
  o.ccp_alpha = p.ccp_alpha
  o.n_trees = spec.n_trees or 1
  o.n_bootstrap = spec.n_bootstrap or 0
  o.oob = spec.oob and 1 or 0
  o.balanced_subsample = spec.balanced_subsample and 1 or 0
  o.seed = spec.seed
  local res = ffi.new("tide_tree_fit_result")
  if C.tide_tree_fit(X._c, y._c, sw and sw._c or nil, cw and cw._c or nil, res, o) ~= 0 then core.raise_c() end
  local out = { max_features = r.max_features }
  for _, f in ipairs(FIELDS) do
    if res[f] ~= nil then out[f] = core.wrap(res[f]) end
  end
  return out
end

-- Trees [first, last] (1-based) of a grow() result or a forest state as tree_ tables.
function impl.tree_tables(g, first, last)
  local offsets = g.offsets
  local trees = {}
  for t = first, last do
    local a, b = offsets[t], offsets[t + 1]
    local len = b - a
    local function part(x) return x:narrow(1, a + 1, len):clone() end
    local tree = {
      node_count = len,
      max_depth = g.max_depth[t],
      children_left = part(g.children_left), children_right = part(g.children_right),
      feature = part(g.feature), threshold = part(g.threshold), value = part(g.value),
      impurity = part(g.impurity), n_node_samples = part(g.n_node_samples),
      weighted_n_node_samples = part(g.weighted_n_node_samples),
    }
    tree.n_leaves = tree.children_left:eq(-1):sum()
    trees[#trees + 1] = tree
  end
  return trees
end

-- ---------------------------------------------------------------- prediction
-- A tide_forest struct over the arrays of t (a tree_ table, given offsets, or a forest's trees_);
-- the tensors must stay referenced while C uses it (they are: t holds them).
function impl.forest_struct(t, offsets)
  local f = ffi.new("tide_forest")
  local function c(x, what)
    if not tensor.is_tensor(x) then raise("tide.models: the fitted tree has no tensor " .. what) end
    return x._c
  end
  f.offsets = c(offsets or t.offsets, "offsets")
  f.children_left = c(t.children_left, "children_left")
  f.children_right = c(t.children_right, "children_right")
  f.feature = c(t.feature, "feature")
  f.threshold = c(t.threshold, "threshold")
  f.value = c(t.value, "value")
  return f
end

-- Mean leaf value over the trees: float64 [n, k] (normalised per tree when normalize).
function impl.predict_values(t, offsets, X, normalize)
  local f = impl.forest_struct(t, offsets)
  local s = core.slot()
  return core.wrap(C.tide_forest_predict(X._c, f, normalize and 1 or 0, nil), nil, s)
end

function impl.apply(t, offsets, X)
  local f = impl.forest_struct(t, offsets)
  local s = core.slot()
  return core.wrap(C.tide_forest_apply(X._c, f, nil), nil, s)
end

-- The nodes each row passes through: a tide.sparse CSR indicator [n, total nodes] whose column
-- ids (0-based in the CSR arrays, as every tide.sparse matrix) are the forest's concatenated
-- node ids.
function impl.decision_path(t, offsets, X, n_nodes)
  local f = impl.forest_struct(t, offsets)
  local n = X.shape[1]
  local indptr = tensor.empty({ n + 1 }, "int64")
  local ip = ffi.cast("int64_t *", indptr:data_ptr())
  local total = C.tide_forest_decision_path(X._c, f, ip, nil, 0)
  if total < 0 then core.raise_c() end
  total = tonumber(total)
  local indices = tensor.empty({ total }, "int32")
  if C.tide_forest_decision_path(X._c, f, ip, ffi.cast("int32_t *", indices:data_ptr()), total) < 0 then
    core.raise_c()
  end
  return require("tide.sparse").csr(tensor.ones({ total }, "float64"), indices, indptr, { n, n_nodes })
end

-- ---------------------------------------------------------------- the estimators
local function tree_defaults(classifier)
  local d = {
    criterion = classifier and "gini" or "squared_error",
    splitter = "best",
    max_depth = NONE,
    min_samples_split = 2,
    min_samples_leaf = 1,
    min_weight_fraction_leaf = 0.0,
    max_features = NONE,
    random_state = NONE,
    max_leaf_nodes = NONE,
    min_impurity_decrease = 0.0,
    ccp_alpha = 0.0,
  }
  if classifier then d.class_weight = NONE end
  return d
end

local function tree_offsets(self)
  return tensor.tensor({ 0, self.state.tree_.node_count }, "int64")
end

local function fit_tree(self, X, y, opts, classifier)
  local op = self._name .. ".fit"
  local p = self.params
  X = impl.features(op, X)
  local n, d = X.shape[1], X.shape[2]
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  local state = { n_features_in_ = d, n_outputs_ = 1 }
  local yt, cw, spec
  if classifier then
    local codes, classes = B.encode_labels(op, y, n)
    yt = codes:to("float64")
    if not is_none(p.class_weight) then cw = B.class_weight(op, p.class_weight, codes, classes) end
    state.classes_, state.n_classes_ = classes, #classes
    spec = { n_classes = #classes, criterion = CLASS_CRITERIA[p.criterion] }
  else
    yt = B.targets(op, y, n)
    spec = { n_classes = 0, criterion = REG_CRITERIA[p.criterion] }
  end
  spec.splitter = p.splitter == "random" and C.TIDE_TREE_RANDOM or C.TIDE_TREE_BEST
  spec.seed = B.seed(self)
  local g = impl.grow(self, op, X, yt, sw, cw, spec)
  state.tree_ = impl.tree_tables(g, 1, 1)[1]
  state.max_features_ = g.max_features
  state.feature_importances_ = g.importances[1]:clone()
  self.state = state
  return self
end

local function predict_values(self, op, X)
  self:check_fitted(op)
  local Xf = impl.features(self._name .. "." .. op, X, self.state.n_features_in_)
  return impl.predict_values(self.state.tree_, tree_offsets(self), Xf, self._kind == "classifier")
end

local function tree_methods(cls)
  -- 1-based position of the leaf each row reaches: int64 [n]
  function cls:apply(X)
    self:check_fitted("apply")
    local Xf = impl.features(self._name .. ".apply", X, self.state.n_features_in_)
    return impl.apply(self.state.tree_, tree_offsets(self), Xf):reshape(Xf.shape[1]) + 1
  end
  -- CSR indicator [n, node_count]: row i holds the nodes sample i passes through
  function cls:decision_path(X)
    self:check_fitted("decision_path")
    local Xf = impl.features(self._name .. ".decision_path", X, self.state.n_features_in_)
    return impl.decision_path(self.state.tree_, tree_offsets(self), Xf, self.state.tree_.node_count)
  end
  function cls:get_depth() self:check_fitted("get_depth") return self.state.tree_.max_depth end
  -- scikit-learn's cost_complexity_pruning_path: the effective alphas of the weakest-link
  -- prunings of the unpruned tree on (X, y) and the total leaf impurity after each:
  -- {ccp_alphas = float64 [s], impurities = float64 [s]}
  function cls:cost_complexity_pruning_path(X, y, opts)
    local full = self:clone():set_params{ ccp_alpha = 0 }:fit(X, y, opts)
    local t = full.state.tree_
    local alphas = tensor.empty({ t.node_count }, "float64")
    local imps = tensor.empty({ t.node_count }, "float64")
    local count = C.tide_tree_pruning_path(t.children_left._c, t.children_right._c, t.weighted_n_node_samples._c,
      t.impurity._c, alphas._c, imps._c)
    if count < 0 then core.raise_c() end
    count = tonumber(count)
    return { ccp_alphas = alphas:narrow(1, 1, count):clone(), impurities = imps:narrow(1, 1, count):clone() }
  end
  function cls:get_n_leaves() self:check_fitted("get_n_leaves") return self.state.tree_.n_leaves end
end

-- DecisionTreeClassifier ------------------------------------------------------------
local Classifier = B.class("DecisionTreeClassifier", tree_defaults(true), {
  kind = "classifier",
  check = function(self) impl.check_tree_params(self, true) end,
})
M.DecisionTreeClassifier = Classifier
tree_methods(Classifier)

function Classifier:fit(X, y, opts) return fit_tree(self, X, y, opts, true) end

-- Class probabilities float64 [n, n_classes]: the leaf's weighted class fractions.
function Classifier:predict_proba(X) return predict_values(self, "predict_proba", X) end

function Classifier:predict_log_proba(X) return self:predict_proba(X):log() end

function Classifier:predict(X)
  local proba = predict_values(self, "predict", X)
  return B.decode_labels(self.state.classes_, proba:argmax(2) - 1)
end

-- DecisionTreeRegressor -------------------------------------------------------------
local Regressor = B.class("DecisionTreeRegressor", tree_defaults(false), {
  kind = "regressor",
  check = function(self) impl.check_tree_params(self, false) end,
})
M.DecisionTreeRegressor = Regressor
tree_methods(Regressor)

function Regressor:fit(X, y, opts) return fit_tree(self, X, y, opts, false) end

-- float64 [n]: the mean target of the leaf
function Regressor:predict(X)
  local v = predict_values(self, "predict", X)
  return v:reshape(v.shape[1])
end

return M
