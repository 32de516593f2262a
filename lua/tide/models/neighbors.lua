-- tide.models.neighbors: KNeighborsClassifier and KNeighborsRegressor, scikit-learn's k nearest
-- neighbours with the same parameters, defaults and results. The search is brute force in C
-- (core/neighbors.c): euclidean and cosine distances of dense data through a float32 GEMM that
-- shortlists candidates, then exact float64 distances of the shortlist; other metrics compute
-- float64 distances directly; sparse (CSR) training data goes through its transpose (euclidean,
-- cosine) or a walk over its stored values (other metrics). Equal
-- distances go to the lower training index. `algorithm` and `leaf_size` are accepted for
-- scikit-learn compatibility; every algorithm runs the brute-force search (the neighbours are
-- the same exact ones a tree would find).
local B = require("tide.models.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local C = core.C
local raise, format = core.raise, string.format

local METRIC_ID = { euclidean = 0, manhattan = 1, cosine = 2, minkowski = 3, chebyshev = 4 }
local ALIASES = { l2 = "euclidean", l1 = "manhattan", cityblock = "manhattan", infinity = "chebyshev" }
local METRICS = { "minkowski", "euclidean", "manhattan", "cosine", "chebyshev", "l1", "l2", "cityblock", "infinity" }

local DEFAULTS = {
  n_neighbors = 5, weights = "uniform", algorithm = "auto", leaf_size = 30, p = 2, metric = "minkowski",
  metric_params = B.NONE, n_jobs = B.NONE,
}

local function check(self)
  local name, P = self._name, self.params
  B.check_int(name, "n_neighbors", P.n_neighbors, 1)
  B.check_one_of(name, "weights", P.weights, { "uniform", "distance" })
  B.check_one_of(name, "algorithm", P.algorithm, { "auto", "brute", "ball_tree", "kd_tree" })
  B.check_int(name, "leaf_size", P.leaf_size, 1)
  B.check_number(name, "p", P.p, 0, nil, true)
  B.check_one_of(name, "metric", P.metric, METRICS)
  if not B.is_none(P.metric_params) then raise(name .. ": metric_params is not supported; use metric and p") end
  if not B.is_none(P.n_jobs) and type(P.n_jobs) ~= "number" then
    raise(name .. ": n_jobs must be an integer or None (Tide's threads are set with tide.threads)")
  end
end

-- scikit-learn's effective metric: minkowski with p = 1, 2 or inf is manhattan, euclidean, chebyshev.
local function effective_metric(P)
  local m = ALIASES[P.metric] or P.metric
  if m == "minkowski" then
    if P.p == 1 then return "manhattan" elseif P.p == 2 then return "euclidean" elseif P.p == math.huge then return "chebyshev" end
  end
  return m
end

-- ---------------------------------------------------------------- shared by both estimators
local Mixin = {}

-- Fit: keep the training data (dense float64 or CSR) and the metric.
function Mixin:_fit_data(op, X)
  X = B.features(op, X, { sparse = true })
  local metric = effective_metric(self.params)
  if sparse.is_csr(X) and metric == "chebyshev" then
    raise(format("%s: metric 'chebyshev' is not valid for sparse input; use euclidean, manhattan, cosine or minkowski", op))
  end
  self._prep = nil
  return X, {
    n_features_in_ = X.shape[2], n_samples_fit_ = X.shape[1], effective_metric_ = metric,
    effective_metric_params_ = metric == "minkowski" and { p = self.params.p } or {},
    _fit_X = X, _fit_method = "brute",
  }
end

-- The saved CSR comes back as a plain table of tensors: make it a CSR again.
function Mixin:_after_load()
  local fx = self.state._fit_X
  if not tensor.is_tensor(fx) and not sparse.is_csr(fx) then
    self.state._fit_X = sparse.csr(fx.data, fx.indices, fx.indptr, fx.shape)
  end
end

-- The float32 GEMM operand for the euclidean / cosine search of dense data, built on first use.
function Mixin:_prepared(metric_id)
  local fx = self.state._fit_X
  if not tensor.is_tensor(fx) or (metric_id ~= 0 and metric_id ~= 2) then return nil end
  local prep = rawget(self, "_prep")
  if prep == nil or prep.metric ~= metric_id or prep.data ~= fx then
    prep = { metric = metric_id, data = fx, t = core.wrap(core.retry(C.tide_knn_prepare, fx._c, metric_id)) }
    rawset(self, "_prep", prep)
  end
  return prep.t
end

-- kneighbors(X, n_neighbors, return_distance): dist float64 [m, k] and 1-based int64 indices
-- [m, k] of the training rows, nearest first (only the indices when return_distance is false).
-- X nil: the training data, each row not counted as its own neighbour.
function Mixin:kneighbors(X, n_neighbors, return_distance)
  local op = self._name .. ".kneighbors"
  self:check_fitted("kneighbors")
  local dist, idx = self:_search(op, X, n_neighbors)
  idx:add_(1)
  if return_distance == false then return idx end
  return dist, idx
end

-- kneighbors_graph(X, n_neighbors, mode): the neighbour graph as a CSR matrix [m, n_samples_fit]:
-- row i holds 1 (mode "connectivity", the default) or the distance (mode "distance") at the
-- columns of row i's neighbours. X nil: the training set, without self-loops.
function Mixin:kneighbors_graph(X, n_neighbors, mode)
  local op = self._name .. ".kneighbors_graph"
  self:check_fitted("kneighbors_graph")
  mode = mode or "connectivity"
  if mode ~= "connectivity" and mode ~= "distance" then
    raise(format('%s: mode must be "connectivity" or "distance", got %s', op, tostring(mode)))
  end
  local dist, idx = self:_search(op, X, n_neighbors)
  local m, k = idx.shape[1], idx.shape[2]
  local rows = tensor.arange(1, m + 1, 1, "int64"):reshape(m, 1):expand(m, k):contiguous():reshape(m * k)
  local vals = mode == "distance" and dist:reshape(m * k) or tensor.ones({ m * k }, "float64")
  return sparse.from_coo(rows, idx:reshape(m * k) + 1, vals, { m, self.state.n_samples_fit_ })
end

-- dist [m, k], 0-based index [m, k]
function Mixin:_search(op, X, k)
  local S = self.state
  local n_fit = S.n_samples_fit_
  if k == nil or k == B.NONE then k = self.params.n_neighbors end
  if type(k) ~= "number" or k ~= math.floor(k) then raise(format("%s: n_neighbors must be an integer, got %s", op, tostring(k))) end
  if k < 1 then raise(format("%s: Expected n_neighbors > 0, got %d", op, k)) end
  local exclude = X == nil
  if exclude then
    X = S._fit_X
    if k + 1 > n_fit then
      raise(format("%s: n_neighbors = %d must be smaller than the %d training samples when the query is the training data itself", op, k, n_fit))
    end
  else
    X = B.features(op, X, { sparse = true, n_features = S.n_features_in_ })
  end
  if k > n_fit then
    raise(format("%s: Expected n_neighbors <= n_samples_fit, but n_neighbors = %d, n_samples_fit = %d", op, k, n_fit))
  end
  local m = X.shape[1]
  local metric = METRIC_ID[S.effective_metric_]
  local dist, idx = tensor.empty({ m, k }, "float64"), tensor.empty({ m, k }, "int64")
  local fx = S._fit_X
  local prep = self:_prepared(metric)
  local q_dense, q_csr = nil, nil
  if sparse.is_csr(X) then q_csr = X:c() else q_dense = X._c end
  local x_dense, x_csr = nil, nil
  if sparse.is_csr(fx) then x_csr = fx:c() else x_dense = fx._c end
  local status = C.tide_knn_search(q_dense, q_csr, x_dense, x_csr, prep and prep._c or nil, dist._c, idx._c, k,
    metric, S.effective_metric_params_.p or 2, exclude and 1 or 0)
  if status ~= 0 then core.raise_c() end
  return dist, idx
end

local function install(cls)
  for k, v in pairs(Mixin) do cls[k] = v end
end

-- ---------------------------------------------------------------- classifier
local KNeighborsClassifier = B.class("KNeighborsClassifier", DEFAULTS, { kind = "classifier", check = check })
install(KNeighborsClassifier)

-- fit(X, y): X [n, d] (tensor, Lua rows or CSR), y class labels (numbers or strings).
function KNeighborsClassifier:fit(X, y)
  local op = "KNeighborsClassifier.fit"
  local state
  X, state = self:_fit_data(op, X)
  local codes, classes = B.encode_labels(op, y, X.shape[1])
  state.classes_, state.outputs_2d_, state._y = classes, false, codes
  self.state = state
  return self
end

-- predict_proba(X): float64 [m, n_classes], columns in the order of classes_.
function KNeighborsClassifier:predict_proba(X, op)
  op = op or "KNeighborsClassifier.predict_proba"
  self:check_fitted("predict_proba")
  local dist, idx = self:_search(op, X)
  local proba = tensor.empty({ idx.shape[1], #self.state.classes_ }, "float64")
  local distance = self.params.weights == "distance" and 1 or 0
  if C.tide_knn_vote(idx._c, dist._c, self.state._y._c, proba._c, distance) ~= 0 then core.raise_c() end
  return proba
end

-- predict(X): the class with the largest (weighted) vote; ties go to the first class.
function KNeighborsClassifier:predict(X)
  self:check_fitted("predict")
  local _, am = self:predict_proba(X, "KNeighborsClassifier.predict"):max(2)
  return B.decode_labels(self.state.classes_, am - 1)
end

-- ---------------------------------------------------------------- regressor
local KNeighborsRegressor = B.class("KNeighborsRegressor", DEFAULTS, { kind = "regressor", check = check })
install(KNeighborsRegressor)

-- fit(X, y): y numeric targets [n].
function KNeighborsRegressor:fit(X, y)
  local op = "KNeighborsRegressor.fit"
  local state
  X, state = self:_fit_data(op, X)
  state._y = B.targets(op, y, X.shape[1])
  self.state = state
  return self
end

-- predict(X): float64 [m], the mean (weights = "distance": the 1/distance weighted mean) of the
-- neighbours' targets.
function KNeighborsRegressor:predict(X)
  local op = "KNeighborsRegressor.predict"
  self:check_fitted("predict")
  local dist, idx = self:_search(op, X)
  local out = tensor.empty({ idx.shape[1] }, "float64")
  local distance = self.params.weights == "distance" and 1 or 0
  if C.tide_knn_average(idx._c, dist._c, self.state._y._c, out._c, distance) ~= 0 then core.raise_c() end
  return out
end

return { KNeighborsClassifier = KNeighborsClassifier, KNeighborsRegressor = KNeighborsRegressor }
