-- tide.models.linear_svm: LinearSVC, scikit-learn 1.2's linear support vector classifier (its
-- parameters, defaults, coef_ / intercept_ layout and one-vs-rest). The solver is liblinear's
-- dual coordinate descent with shrinking (core/linear_model_svm.c): squared hinge or hinge loss,
-- an L2 penalty, the intercept as an extra feature of value intercept_scaling (so it is
-- regularised too, as in liblinear); or, with penalty='l1', its primal coordinate descent for
-- the L1-penalised squared hinge. Dense tensors or tide.sparse CSR matrices (e.g. TF-IDF).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local C = core.C
local raise, format = core.raise, string.format

local M = {}

local LinearSVC = B.class("LinearSVC", {
  penalty = "l2", loss = "squared_hinge", dual = true, tol = 1e-4, C = 1.0, multi_class = "ovr",
  fit_intercept = true, intercept_scaling = 1, class_weight = B.NONE, verbose = 0, random_state = B.NONE,
  max_iter = 1000,
}, { kind = "classifier", check = function(self)
  local p, name = self.params, self._name
  B.check_one_of(name, "penalty", p.penalty, { "l1", "l2" })
  B.check_one_of(name, "loss", p.loss, { "hinge", "squared_hinge" })
  B.check_bool(name, "dual", p.dual)
  B.check_number(name, "tol", p.tol, 0, nil, true)
  B.check_number(name, "C", p.C, 0, nil, true)
  B.check_one_of(name, "multi_class", p.multi_class, { "ovr", "crammer_singer" })
  B.check_bool(name, "fit_intercept", p.fit_intercept)
  B.check_number(name, "intercept_scaling", p.intercept_scaling, 0, nil, true)
  B.check_int(name, "verbose", p.verbose, 0)
  B.check_int(name, "max_iter", p.max_iter, 1)
  local cw = p.class_weight
  if not (B.is_none(cw) or cw == "balanced" or type(cw) == "table") then
    raise(name .. ": class_weight must be None, \"balanced\" or a table {label = weight}")
  end
  -- scikit-learn's supported combinations (liblinear's solver types)
  if p.penalty == "l1" and p.loss == "hinge" then
    raise(name .. ": the combination penalty='l1' and loss='hinge' is not supported")
  end
  if p.penalty == "l2" and p.loss == "hinge" and not p.dual then
    raise(name .. ": the combination penalty='l2' and loss='hinge' is not supported when dual=false")
  end
  if p.penalty == "l1" and p.dual then
    raise(name .. ": the combination penalty='l1' and loss='squared_hinge' is not supported when dual=true")
  end
  if p.multi_class == "crammer_singer" then
    raise(name .. ": multi_class='crammer_singer' is not available in Tide; use 'ovr'")
  end
end })
M.LinearSVC = LinearSVC

-- fit(X, y, {sample_weight =}). Two classes: one model, positive for classes_[2]; more: one
-- model per class against the rest. penalty='l1' (with dual=false) runs liblinear's primal
-- coordinate descent, which zeroes weights. intercept_ is a float64 tensor [models], or 0.0 without an
-- intercept (as in scikit-learn). penalty='l2' with dual=false has the same optimum as the dual
-- problem and is solved there.
function LinearSVC:fit(X, y, opts)
  local op = "LinearSVC.fit"
  local p = self.params
  if opts ~= nil and type(opts) ~= "table" then raise(op .. ": opts must be a table {sample_weight = ...}") end
  X = B.features(op, X, { sparse = true })
  local n, d = X.shape[1], X.shape[2]
  local codes, classes = B.encode_labels(op, y, n)
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  local cw = B.class_weight(op, p.class_weight, codes, classes)
  local k = #classes
  local m = k == 2 and 1 or k
  local coef = tensor.zeros({ m, d }, "float64")
  local intercept = tensor.zeros({ m }, "float64")
  local iters = ffi.new("int64_t[1]")
  local dense, csr
  if sparse.is_csr(X) then csr = X:c() else dense = X._c end
  local loss = p.loss == "hinge" and C.TIDE_SVC_HINGE or C.TIDE_SVC_SQUARED_HINGE
  local penalty = p.penalty == "l1" and C.TIDE_SVC_L1 or C.TIDE_SVC_L2
  if C.tide_linear_svc_fit(dense, csr, codes._c, sw and sw._c, cw._c, coef._c, intercept._c, iters, k, p.C, loss,
      penalty, p.tol, p.max_iter, p.fit_intercept and 1 or 0, p.intercept_scaling, B.seed(self)) ~= 0 then
    core.raise_c()
  end
  self.state = {
    coef_ = coef, intercept_ = p.fit_intercept and intercept or 0.0, classes_ = classes, n_features_in_ = d, n_iter_ = tonumber(iters[0]),
  }
  return self
end

-- Signed distances to the hyperplanes: float64 [n] for two classes (positive: classes_[2]),
-- [n, n_classes] otherwise.
function LinearSVC:decision_function(X, op)
  op = op or "LinearSVC.decision_function"
  self:check_fitted("decision_function")
  X = B.features(op, X, { sparse = true, n_features = self.state.n_features_in_ })
  local s = self.state
  local scores
  if sparse.is_csr(X) then
    scores = X:matmul(s.coef_:t():clone()) -- a fresh [d, m] (csr_matmul wants row-major strides)
  else
    scores = X:matmul(s.coef_:t())
  end
  scores:add_(s.intercept_)
  if s.coef_.shape[1] == 1 then return scores:reshape(X.shape[1]) end
  return scores
end

-- Class labels (as given to fit: an int64 / float64 tensor, or a Lua array of strings).
function LinearSVC:predict(X)
  self:check_fitted("predict")
  local scores = self:decision_function(X, "LinearSVC.predict")
  local idx
  if scores:dim() == 1 then
    idx = scores:gt(0):to("int64")
  else
    idx = scores:argmax(2) - 1
  end
  return B.decode_labels(self.state.classes_, idx)
end

return M
