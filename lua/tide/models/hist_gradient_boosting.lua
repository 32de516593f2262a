-- tide.models.HistGradientBoostingClassifier / HistGradientBoostingRegressor: histogram
-- gradient boosting with scikit-learn 1.2's contract, defaults and algorithm. The work is in C
-- (core/boost_bin.c, core/boost_grow.c, core/boost_hist.c, core/boost_split.c, core/boost.c):
-- features are binned once into at most max_bins quantile bins (uint8, by column and in blocks
-- of 64 features; NaN gets its own bin and each split learns where missing values go), then
-- every iteration computes float32 gradients / hessians of the loss, grows one tree per raw
-- column leaf-wise by gain on (gradient, hessian, count) histograms with the subtraction
-- trick, and adds learning_rate * leaf values to the raw predictions. Early stopping ("auto":
-- on above 10,000 samples) holds out validation_fraction of the data (stratified for
-- classifiers) and stops when the loss has not improved by tol over n_iter_no_change
-- iterations.
--
-- Fitted state (scikit-learn's names where it has them): n_iter_, n_trees_per_iteration_,
-- train_score_, validation_score_ (float64 tensors; empty without early stopping),
-- do_early_stopping_, n_features_in_, classes_ (classifier), and the model itself:
-- baseline_prediction_ float64 [K], bin_thresholds_ float64 [d, max_bins - 1] (+inf padded),
-- n_bins_non_missing_ int32 [d], nodes_ float64 [N, 11] (every tree's nodes in preorder; the
-- columns are listed in core/include/tide/boost.h) and tree_offsets_ int64 [T + 1]; tree t adds
-- to raw column (t mod K).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local tide = require("tide")
local B = require("tide.models.base")
local C = core.C
local raise, format = core.raise, string.format

local LOSS = { squared_error = 0, absolute_error = 1, log_loss = 2 }
local NODE_COLS = 11

local function ok(status) if status ~= 0 then core.raise_c() end end

local function common_check(self, name, losses)
  local p = self.params
  B.check_one_of(name, "loss", p.loss, losses)
  if not B.is_none(p.quantile) then
    raise(name .. ": quantile is only used by loss=\"quantile\", which Tide does not support; leave it None")
  end
  B.check_number(name, "learning_rate", p.learning_rate, 0, nil, true)
  B.check_int(name, "max_iter", p.max_iter, 1)
  if not B.is_none(p.max_leaf_nodes) then B.check_int(name, "max_leaf_nodes", p.max_leaf_nodes, 2) end
  if not B.is_none(p.max_depth) then B.check_int(name, "max_depth", p.max_depth, 1) end
  B.check_int(name, "min_samples_leaf", p.min_samples_leaf, 1)
  B.check_number(name, "l2_regularization", p.l2_regularization, 0)
  B.check_int(name, "max_bins", p.max_bins, 2)
  if p.max_bins > 255 then raise(format("%s: max_bins must be <= 255, got %d", name, p.max_bins)) end
  for _, k in ipairs({ "categorical_features", "monotonic_cst", "interaction_cst" }) do
    if not B.is_none(p[k]) then raise(format("%s: %s is not supported by Tide; leave it None", name, k)) end
  end
  if p.warm_start ~= false then raise(name .. ": warm_start=true is not supported by Tide") end
  if p.early_stopping ~= "auto" and type(p.early_stopping) ~= "boolean" then
    raise(format("%s: early_stopping must be \"auto\", true or false, got %s", name, tostring(p.early_stopping)))
  end
  if not B.is_none(p.scoring) and p.scoring ~= "loss" then
    raise(format("%s: scoring must be \"loss\" or None, got %s", name, tostring(p.scoring)))
  end
  local vf = p.validation_fraction
  if not B.is_none(vf) then
    if type(vf) ~= "number" or vf <= 0 or (vf >= 1 and vf ~= math.floor(vf)) then
      raise(format("%s: validation_fraction must be in (0, 1), a row count >= 1 or None, got %s", name, tostring(vf)))
    end
  end
  B.check_int(name, "n_iter_no_change", p.n_iter_no_change, 1)
  B.check_number(name, "tol", p.tol, 0)
  B.check_int(name, "verbose", p.verbose, 0)
end

local COMMON = {
  learning_rate = 0.1, max_iter = 100, max_leaf_nodes = 31, max_depth = B.NONE, min_samples_leaf = 20,
  l2_regularization = 0.0, max_bins = 255, categorical_features = B.NONE, monotonic_cst = B.NONE,
  interaction_cst = B.NONE, warm_start = false, early_stopping = "auto", scoring = "loss",
  validation_fraction = 0.1, n_iter_no_change = 10, tol = 1e-7, verbose = 0, random_state = B.NONE,
}

local function defaults(extra)
  local t = {}
  for k, v in pairs(COMMON) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

local Classifier = B.class("HistGradientBoostingClassifier", defaults({ loss = "log_loss", class_weight = B.NONE }), {
  kind = "classifier",
  check = function(self)
    common_check(self, "HistGradientBoostingClassifier", { "log_loss" })
    local cw = self.params.class_weight
    if not B.is_none(cw) and cw ~= "balanced" and type(cw) ~= "table" then
      raise("HistGradientBoostingClassifier: class_weight must be None, \"balanced\" or a table {label = weight}")
    end
  end,
})

local Regressor = B.class("HistGradientBoostingRegressor", defaults({ loss = "squared_error", quantile = B.NONE }), {
  kind = "regressor",
  check = function(self) common_check(self, "HistGradientBoostingRegressor", { "squared_error", "absolute_error" }) end,
})

-- ---------------------------------------------------------------- fitting

-- Run f with Tide's generator seeded by seed, restoring the caller's stream afterwards.
local function with_seed(seed, f)
  local saved = tensor.get_rng_state()
  tensor.manual_seed(seed)
  local good, a, b = pcall(f)
  tensor.set_rng_state(saved)
  if not good then error(a, 0) end
  return a, b
end

-- Rows held out for early stopping: (train rows, validation rows) as 1-based int64 tensors,
-- the validation set drawn per class in proportion when codes are given (stratified).
local function holdout(op, n, vf, seed, codes, n_classes)
  local n_val = vf < 1 and math.ceil(vf * n) or vf
  if n_val >= n then raise(format("%s: validation_fraction leaves no training rows (%d of %d held out)", op, n_val, n)) end
  if n_val < 1 then raise(op .. ": validation_fraction holds out no rows") end
  return with_seed(seed, function()
    local keys = tensor.rand(n, "float64")
    if not codes then
      local perm = keys:argsort()
      return perm:narrow(1, n_val + 1, n - n_val):sort(), perm:narrow(1, 1, n_val):sort()
    end
    -- rows grouped by class, random order inside each class
    local order = (keys + codes:to("float64") * 2):argsort()
    local counts = tensor.zeros({ n_classes }, "float64"):scatter_add(1, codes + 1, tensor.ones({ n }, "float64")):totable()
    local take, frac, total = {}, {}, 0
    for c = 1, n_classes do
      local exact = n_val * counts[c] / n
      take[c] = math.floor(exact)
      frac[c] = { exact - take[c], c }
      total = total + take[c]
    end
    table.sort(frac, function(a, b) return a[1] > b[1] or (a[1] == b[1] and a[2] < b[2]) end)
    for i = 1, n_val - total do
      local c = frac[i][2]
      take[c] = take[c] + 1
    end
    local val, train, start = {}, {}, 1
    for c = 1, n_classes do
      if take[c] > counts[c] - 1 and counts[c] > 1 then take[c] = counts[c] - 1 end
      if take[c] > 0 then val[#val + 1] = order:narrow(1, start, take[c]) end
      if counts[c] - take[c] > 0 then train[#train + 1] = order:narrow(1, start + take[c], counts[c] - take[c]) end
      start = start + counts[c]
    end
    return tide.cat(train):sort(), tide.cat(val):sort()
  end)
end

local function loss_value(loss, raw, y, w)
  local out = ffi.new("double[1]")
  ok(C.tide_boost_loss(loss, raw._c, y._c, w and w._c or nil, out))
  return out[0]
end

-- scikit-learn's _should_stop: none of the last n_iter_no_change scores beats the one before
-- them by more than tol
local function should_stop(scores, n_iter_no_change, tol)
  local ref = n_iter_no_change + 1
  if #scores < ref then return false end
  local reference = scores[#scores - ref + 1] + tol
  for i = #scores - ref + 2, #scores do
    if scores[i] > reference then return false end
  end
  return true
end

-- The boosting loop shared by both estimators. y: float64 [n] targets or class codes; k: raw
-- columns; sets self.state.
local function fit_boosting(self, op, X, y, w, k, codes, n_classes)
  local p = self.params
  local n, d = X.shape[1], X.shape[2]
  local loss = LOSS[p.loss]
  local seed = B.seed(self)
  local do_es = p.early_stopping == true or (p.early_stopping == "auto" and n > 10000)
  local use_val = do_es and not B.is_none(p.validation_fraction)

  local Xt, yt, wt, Xv, yv, wv = X, y, w, nil, nil, nil
  if use_val then
    local tr, va = holdout(op, n, p.validation_fraction, seed, codes, n_classes)
    Xt, yt = X:index_select(1, tr), y:index_select(1, tr)
    Xv, yv = X:index_select(1, va), y:index_select(1, va)
    if w then wt, wv = w:index_select(1, tr), w:index_select(1, va) end
  end
  local nt = Xt.shape[1]

  -- binning
  local max_bins = p.max_bins
  local thresholds = tensor.empty({ d, max_bins - 1 }, "float64")
  local nbm = tensor.empty({ d }, "int32")
  ok(C.tide_boost_bin_thresholds(Xt._c, max_bins, 200000, seed, thresholds._c, nbm._c))
  local binned = core.wrap(C.tide_boost_bin_map(Xt._c, thresholds._c, nbm._c, max_bins, nil))
  -- small nodes' histograms read the blocked copy (see core/include/tide/boost.h)
  local blocks = nt >= 4096 and core.wrap(C.tide_boost_bin_blocks(binned._c, nil)) or nil
  local binned_val = Xv and core.wrap(C.tide_boost_bin_map(Xv._c, thresholds._c, nbm._c, max_bins, nil))
  local has_missing = Xt:isnan():any(1):to("uint8")
  Xt, Xv = nil, nil -- the bins are all the loop needs (the held-out copies can be collected)

  -- baseline and buffers
  local base = tensor.empty({ k }, "float64")
  ok(C.tide_boost_baseline(loss, yt._c, wt and wt._c or nil, k, base:data_ptr()))
  local raw = base:reshape(1, k):expand(nt, k):contiguous():clone()
  local raw_val = binned_val and base:reshape(1, k):expand(binned_val.shape[2], k):contiguous():clone()
  local constant_hessian = loss ~= LOSS.log_loss and wt == nil
  local grad = tensor.empty({ k, nt }, "float32")
  local hess = not constant_hessian and tensor.empty({ k, nt }, "float32") or nil
  local max_leaves = math.max(1, math.floor(nt / p.min_samples_leaf))
  if not B.is_none(p.max_leaf_nodes) then max_leaves = math.min(max_leaves, p.max_leaf_nodes) end
  local cap = 2 * max_leaves - 1
  local nodes_buf = tensor.empty({ k * cap, NODE_COLS }, "float64")
  local counts = tensor.empty({ k }, "int64")
  local params = ffi.new("tide_boost_tree_params")
  params.max_leaf_nodes = B.is_none(p.max_leaf_nodes) and 0 or p.max_leaf_nodes
  params.max_depth = B.is_none(p.max_depth) and 0 or p.max_depth
  params.min_samples_leaf = p.min_samples_leaf
  params.n_bins = max_bins + 1
  params.l2_regularization = p.l2_regularization
  params.min_gain_to_split = 0
  params.min_hessian_to_split = 1e-3
  params.shrinkage = p.learning_rate
  params.loss = loss
  params.hessians_are_constant = constant_hessian and 1 or 0

  local train_score, val_score = {}, {}
  local function record_scores()
    train_score[#train_score + 1] = -loss_value(loss, raw, yt, wt)
    if raw_val then
      val_score[#val_score + 1] = -loss_value(loss, raw_val, yv, wv)
      return should_stop(val_score, p.n_iter_no_change, p.tol)
    end
    return should_stop(train_score, p.n_iter_no_change, p.tol)
  end
  if do_es then record_scores() end

  local chunks, sizes = {}, {}
  local y_abs = loss == LOSS.absolute_error and yt or nil
  local n_iter = 0
  for it = 1, p.max_iter do
    ok(C.tide_boost_gradients(loss, raw._c, yt._c, wt and wt._c or nil, grad._c, hess and hess._c or nil))
    ok(C.tide_boost_grow(binned._c, blocks and blocks._c or nil, grad._c, hess and hess._c or nil, thresholds._c,
      nbm._c, has_missing._c, y_abs and y_abs._c or nil, y_abs and wt and wt._c or nil, raw._c, nodes_buf._c,
      counts._c, params))
    local cp = counts:data_ptr()
    local trees, offs = {}, { 0 }
    for j = 0, k - 1 do
      local c = tonumber(cp[j])
      trees[j + 1] = nodes_buf:narrow(1, j * cap + 1, c)
      offs[j + 2] = offs[j + 1] + c
      sizes[#sizes + 1] = c
    end
    local it_nodes = tide.cat(trees)
    chunks[#chunks + 1] = it_nodes
    n_iter = it
    local stop = false
    if do_es then
      if raw_val then
        ok(C.tide_boost_predict_binned(binned_val._c, it_nodes._c, tensor.tensor(offs, "int64")._c, 0, k, max_bins,
          raw_val._c))
      end
      stop = record_scores()
    end
    if p.verbose > 0 then
      io.stderr:write(format("%s: [%d/%d] %d tree(s), %d leaves%s\n", op, it, p.max_iter, k,
        (it_nodes:select(2, 10):sum()), do_es and format(", train score %.5f%s", train_score[#train_score],
          raw_val and format(", val score %.5f", val_score[#val_score]) or "") or ""))
    end
    if stop then break end
  end

  local offsets = tensor.empty({ #sizes + 1 }, "int64")
  local op_ = offsets:data_ptr()
  op_[0] = 0
  for i, s in ipairs(sizes) do op_[i] = op_[i - 1] + s end
  self.state = {
    n_iter_ = n_iter,
    n_trees_per_iteration_ = k,
    n_features_in_ = d,
    do_early_stopping_ = do_es,
    train_score_ = tensor.tensor(#train_score > 0 and train_score or {}, "float64"),
    validation_score_ = tensor.tensor(#val_score > 0 and val_score or {}, "float64"),
    baseline_prediction_ = base,
    bin_thresholds_ = thresholds,
    n_bins_non_missing_ = nbm,
    nodes_ = tide.cat(chunks),
    tree_offsets_ = offsets,
  }
  return self
end

local function features(self, op, X, fitted)
  local opts = { allow_nonfinite = true, name = self._name }
  if fitted then opts.n_features = self.state.n_features_in_ end
  return B.features(op, X, opts)
end

-- ---------------------------------------------------------------- prediction

-- raw predictions [n, K] of the first n_iter iterations (all by default)
local function raw_predict(self, op, X, n_iter)
  local s = self.state
  X = features(self, op, X, true)
  local n, k = X.shape[1], s.n_trees_per_iteration_
  local raw = s.baseline_prediction_:reshape(1, k):expand(n, k):contiguous():clone()
  ok(C.tide_boost_predict(X._c, s.nodes_._c, s.tree_offsets_._c, 0, (n_iter or s.n_iter_) * k, raw._c))
  return raw
end

-- An iterator over iterations 1..n_iter_ giving raw predictions [n, K] after each (fresh tensors).
local function staged_raw(self, op, X)
  local s = self.state
  X = features(self, op, X, true)
  local n, k = X.shape[1], s.n_trees_per_iteration_
  local raw = s.baseline_prediction_:reshape(1, k):expand(n, k):contiguous():clone()
  local it = 0
  return function()
    if it >= s.n_iter_ then return nil end
    ok(C.tide_boost_predict(X._c, s.nodes_._c, s.tree_offsets_._c, it * k, (it + 1) * k, raw._c))
    it = it + 1
    return raw:clone()
  end
end

local function check_state(self)
  -- a loaded model: the sizes must agree before C walks the trees (C validates the node links)
  local s = self.state
  local k = s.n_trees_per_iteration_
  if s.tree_offsets_:numel() ~= s.n_iter_ * k + 1 then
    raise(format("%s: the saved model has %d tree offsets for %d iterations of %d trees", self._name,
      s.tree_offsets_:numel(), s.n_iter_, k))
  end
  if s.baseline_prediction_:numel() ~= k then raise(self._name .. ": the saved baseline has the wrong size") end
end

-- ---- regressor

function Regressor:fit(X, y, opts)
  local op = "HistGradientBoostingRegressor.fit"
  X = features(self, op, X, false)
  local n = X.shape[1]
  local yt = B.targets(op, y, n)
  local w = B.sample_weight(op, opts and opts.sample_weight, n)
  return fit_boosting(self, op, X, yt, w, 1)
end

function Regressor:predict(X)
  self:check_fitted("predict")
  return raw_predict(self, "HistGradientBoostingRegressor.predict", X):select(2, 1):contiguous()
end

-- for pred in model:staged_predict(X) do ... end: predictions after each iteration.
function Regressor:staged_predict(X)
  self:check_fitted("staged_predict")
  local nxt = staged_raw(self, "HistGradientBoostingRegressor.staged_predict", X)
  return function()
    local raw = nxt()
    return raw and raw:select(2, 1):contiguous()
  end
end

Regressor._after_load = check_state

-- ---- classifier

function Classifier:fit(X, y, opts)
  local op = "HistGradientBoostingClassifier.fit"
  X = features(self, op, X, false)
  local n = X.shape[1]
  local codes, classes = B.encode_labels(op, y, n)
  local w = B.sample_weight(op, opts and opts.sample_weight, n)
  if not B.is_none(self.params.class_weight) then
    local cw = B.class_weight(op, self.params.class_weight, codes, classes)
    local per_row = cw:index_select(1, codes + 1)
    w = w and w * per_row or per_row
  end
  local nc = #classes
  local k = nc == 2 and 1 or nc
  fit_boosting(self, op, X, codes:to("float64"), w, k, codes, nc)
  self.state.classes_ = classes
  return self
end

local function proba_of(raw)
  if raw.shape[2] == 1 then
    local p1 = raw:sigmoid()
    return tide.cat({ 1 - p1, p1 }, 2)
  end
  local e = (raw - raw:max(2, true)):exp()
  return e / e:sum(2, true)
end

local function decision_of(raw)
  if raw.shape[2] == 1 then return raw:select(2, 1):contiguous() end
  return raw
end

local function labels_of(self, proba)
  return B.decode_labels(self.state.classes_, proba:argmax(2) - 1)
end

-- Raw scores: [n] for two classes (the log-odds of the second), [n, n_classes] otherwise.
function Classifier:decision_function(X)
  self:check_fitted("decision_function")
  return decision_of(raw_predict(self, "HistGradientBoostingClassifier.decision_function", X))
end

-- Class probabilities [n, n_classes] (columns in the order of classes_).
function Classifier:predict_proba(X)
  self:check_fitted("predict_proba")
  return proba_of(raw_predict(self, "HistGradientBoostingClassifier.predict_proba", X))
end

function Classifier:predict(X)
  self:check_fitted("predict")
  return labels_of(self, proba_of(raw_predict(self, "HistGradientBoostingClassifier.predict", X)))
end

function Classifier:staged_decision_function(X)
  self:check_fitted("staged_decision_function")
  local nxt = staged_raw(self, "HistGradientBoostingClassifier.staged_decision_function", X)
  return function()
    local raw = nxt()
    return raw and decision_of(raw)
  end
end

function Classifier:staged_predict_proba(X)
  self:check_fitted("staged_predict_proba")
  local nxt = staged_raw(self, "HistGradientBoostingClassifier.staged_predict_proba", X)
  return function()
    local raw = nxt()
    return raw and proba_of(raw)
  end
end

function Classifier:staged_predict(X)
  self:check_fitted("staged_predict")
  local nxt = staged_raw(self, "HistGradientBoostingClassifier.staged_predict", X)
  return function()
    local raw = nxt()
    return raw and labels_of(self, proba_of(raw))
  end
end

Classifier._after_load = check_state

return { HistGradientBoostingClassifier = Classifier, HistGradientBoostingRegressor = Regressor }
