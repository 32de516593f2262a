-- tide.models.SVC / SVR: kernel support vector machines, trained as scikit-learn (through
-- libsvm) trains them — SMO with second-order working-set selection, shrinking and a cache of
-- kernel rows (core/svm_solver.c); one-vs-one for several classes, the pairs solved in
-- parallel; Platt scaling on 5-fold cross-validated decision values for predict_proba, with
-- scikit-learn's random stream so random_state gives its folds. Dense and CSR input.
--
-- Fitted state (scikit-learn's names): support_ (1-based training rows, int64), support_vectors_
-- (dense tensor, or CSR when fitted on CSR), dual_coef_, intercept_, n_support_ (int32),
-- classes_ and class_weight_ (SVC), probA_ / probB_, n_iter_, fit_status_ (1 when a solver hit
-- max_iter), _gamma (the kernel's gamma after "scale" / "auto") and _kernel (kernel, degree and
-- coef0 as fitted: prediction uses them even after set_params).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local C = core.C
local raise = core.raise
local format = string.format

local KERNELS = { linear = C.TIDE_SVM_LINEAR, poly = C.TIDE_SVM_POLY, rbf = C.TIDE_SVM_RBF, sigmoid = C.TIDE_SVM_SIGMOID }
local KERNEL_NAMES = { "linear", "poly", "rbf", "sigmoid" }

local function sparse() return require("tide.sparse") end
local function is_csr(X) return type(X) == "table" and not tensor.is_tensor(X) and sparse().is_csr(X) end

-- ---------------------------------------------------------------- parameters
local function check_common(self)
  local n, p = self._name, self.params
  B.check_one_of(n, "kernel", p.kernel, KERNEL_NAMES)
  B.check_int(n, "degree", p.degree, 0)
  if p.gamma ~= "scale" and p.gamma ~= "auto" then
    if type(p.gamma) ~= "number" then
      raise(format("%s: gamma must be \"scale\", \"auto\" or a number >= 0, got %s", n, tostring(p.gamma)))
    end
    B.check_number(n, "gamma", p.gamma, 0)
  end
  B.check_number(n, "coef0", p.coef0)
  B.check_number(n, "C", p.C, 0, nil, true)
  B.check_number(n, "tol", p.tol, 0, nil, true)
  B.check_number(n, "cache_size", p.cache_size, 0, nil, true)
  B.check_bool(n, "shrinking", p.shrinking)
  B.check_bool(n, "verbose", p.verbose)
  B.check_int(n, "max_iter", p.max_iter, -1)
end

local function check_svc(self)
  check_common(self)
  local n, p = self._name, self.params
  B.check_bool(n, "probability", p.probability)
  B.check_bool(n, "break_ties", p.break_ties)
  B.check_one_of(n, "decision_function_shape", p.decision_function_shape, { "ovr", "ovo" })
  local cw = p.class_weight
  if not (B.is_none(cw) or cw == "balanced" or type(cw) == "table") then
    raise(n .. ": class_weight must be None, \"balanced\" or a table {label = weight}")
  end
  local rs = p.random_state
  if not B.is_none(rs) and (type(rs) ~= "number" or rs ~= math.floor(rs) or rs < 0 or rs >= 2 ^ 32) then
    raise(format("%s: random_state must be an integer in [0, 2^32) or None, got %s", n, tostring(rs)))
  end
end

local function check_svr(self)
  check_common(self)
  B.check_number(self._name, "epsilon", self.params.epsilon, 0)
end

-- scikit-learn's gamma: "scale" = 1 / (d * X.var()) (1 when the variance is 0), "auto" = 1 / d
local function resolve_gamma(p, X)
  if type(p.gamma) == "number" then return p.gamma end
  local n, d = X.shape[1], X.shape[2]
  if p.gamma == "auto" then return 1 / d end
  local var
  if is_csr(X) then
    local cells = n * d
    local mean = X.data:sum() / cells
    var = (X.data * X.data):sum() / cells - mean * mean
  else
    local mean = X:mean()
    var = ((X - mean) ^ 2):mean()
  end
  return var ~= 0 and 1 / (d * var) or 1.0
end

local function c_params(p, gamma, seed)
  local cp = ffi.new("tide_svm_params")
  cp.kernel = KERNELS[p.kernel]
  cp.degree = p.degree
  cp.gamma = gamma
  cp.coef0 = p.coef0
  cp.C = p.C
  cp.epsilon = p.epsilon or 0
  cp.tol = p.tol
  cp.cache_mb = p.cache_size
  cp.shrinking = p.shrinking and 1 or 0
  cp.probability = p.probability and 1 or 0
  cp.max_iter = p.max_iter
  cp.seed = seed or 0
  return cp
end

-- a failed C call's message under the estimator's name ("SVC.fit: ..." for "svc_fit: ...")
local function raise_c(op)
  local msg = ffi.string(C.tide_last_error())
  C.tide_clear_error()
  raise(op .. ": " .. msg:gsub("^[%w_]+: ", ""))
end

-- the dense tensor or the C view of a CSR, as the two optional arguments of the C calls
local function c_input(X)
  if is_csr(X) then return nil, X:c() end
  return X._c, nil
end

-- take the tensors of a filled tide_svm_model into Lua handles
local function take(m)
  local out = {}
  for _, k in ipairs({ "support", "dual_coef", "intercept", "n_support", "prob_a", "prob_b", "n_iter" }) do
    out[k] = core.wrap(m[k])
    m[k] = nil
  end
  return out
end

-- scikit-learn's ConvergenceWarning, and the verbose summary
local function report(self, op, status, nsv)
  if status == 1 then
    B.warn(format("%s: warning: the solver stopped at max_iter=%d before converging; consider scaling the features (e.g. StandardScaler)",
      op, self.params.max_iter))
  end
  if self.params.verbose then io.stderr:write(format("%s: %d support vectors\n", op, nsv)) end
end

-- state shared by SVC and SVR after a fit
local function fitted_state(self, X, m, status, gamma)
  local support0 = m.support
  local sv
  if is_csr(X) then sv = X:rows(support0 + 1) else sv = X:index_select(1, support0 + 1) end
  return {
    support_ = support0 + 1,
    support_vectors_ = sv,
    dual_coef_ = m.dual_coef,
    intercept_ = m.intercept,
    n_support_ = m.n_support,
    n_features_in_ = X.shape[2],
    shape_fit_ = { X.shape[1], X.shape[2] },
    fit_status_ = status,
    _gamma = gamma,
    _kernel = { kernel = self.params.kernel, degree = self.params.degree, coef0 = self.params.coef0 },
    _sparse = is_csr(X),
  }
end

-- decision values [m, P] from the state: dual_coef_ / intercept_ as stored (for two classes
-- that is scikit-learn's orientation, so the column is its decision_function)
local function decision(self, op, X)
  local s = self.state
  X = B.features(op, X, { sparse = true, n_features = s.n_features_in_, name = self._name })
  local P = s.intercept_:numel()
  local out = tensor.empty({ X.shape[1], P }, "float64")
  local xc, xs = c_input(X)
  local svc, svs = c_input(s.support_vectors_)
  local cp = c_params(self.params, s._gamma) -- the kernel as fitted, even after set_params
  cp.kernel, cp.degree, cp.coef0 = KERNELS[s._kernel.kernel], s._kernel.degree, s._kernel.coef0
  core.check(C.tide_svm_decision(xc, xs, svc, svs, s.dual_coef_._c, s.intercept_._c, s.n_support_._c, cp, out._c))
  return out
end

local function after_load(self)
  local sv = self.state.support_vectors_
  if self.state._sparse and not is_csr(sv) then
    self.state.support_vectors_ = sparse().csr(sv.data, sv.indices, sv.indptr, sv.shape)
  end
end

-- ---------------------------------------------------------------- SVC
local SVC = B.class("SVC", {
  C = 1.0, kernel = "rbf", degree = 3, gamma = "scale", coef0 = 0.0, shrinking = true,
  probability = false, tol = 1e-3, cache_size = 200, class_weight = B.NONE, verbose = false,
  max_iter = -1, decision_function_shape = "ovr", break_ties = false, random_state = B.NONE,
}, { kind = "classifier", check = check_svc })

-- fit(X, y, {sample_weight = w}): X [n, d] (tensor, rows, or CSR), y labels (numbers or strings)
function SVC:fit(X, y, opts)
  local op = "SVC.fit"
  X = B.features(op, X, { sparse = true })
  local n = X.shape[1]
  local codes, classes = B.encode_labels(op, y, n)
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  local cw = B.class_weight(op, self.params.class_weight, codes, classes)
  local gamma = resolve_gamma(self.params, X)
  local cp = c_params(self.params, gamma, B.seed(self))
  local m = ffi.new("tide_svm_model")
  local xc, xs = c_input(X)
  local status = C.tide_svc_fit(xc, xs, codes._c, #classes, sw and sw._c or nil, cw._c, cp, m)
  if status < 0 then raise_c(op) end
  local r = take(m)
  local s = fitted_state(self, X, r, status, gamma)
  s.classes_ = classes
  s.class_weight_ = cw
  s.n_iter_ = r.n_iter
  if #classes == 2 then -- scikit-learn flips the binary problem: positive means classes_[2]
    s.dual_coef_ = -r.dual_coef
    s.intercept_ = -r.intercept
  end
  s.probA_, s.probB_ = r.prob_a, r.prob_b
  self.state = s
  report(self, op, status, s.support_:numel())
  if self.params.kernel == "linear" then s.coef_ = self:_linear_coef() end
  return self
end

-- coef_ of a linear kernel: the primal weights of each pair (scikit-learn's _one_vs_one_coef)
function SVC:_linear_coef()
  local s = self.state
  local sv = s.support_vectors_
  if is_csr(sv) then sv = sv:to_dense("float64") end
  if #s.classes_ == 2 then return s.dual_coef_:matmul(sv) end
  local k, ns = #s.classes_, s.n_support_:totable()
  local first, rows = { 1 }, {}
  for c = 2, k do first[c] = first[c - 1] + ns[c - 1] end
  for a = 1, k do
    for b = a + 1, k do
      local w = tensor.zeros({ sv.shape[2] }, "float64")
      if ns[a] > 0 then
        w = w + s.dual_coef_[b - 1]:narrow(1, first[a], ns[a]):matmul(sv:narrow(1, first[a], ns[a]))
      end
      if ns[b] > 0 then
        w = w + s.dual_coef_[a]:narrow(1, first[b], ns[b]):matmul(sv:narrow(1, first[b], ns[b]))
      end
      rows[#rows + 1] = w
    end
  end
  return require("tide").stack(rows)
end

-- decision_function(X): [m] for two classes (positive: classes_[2]); else [m, k] ("ovr") or
-- [m, k (k - 1) / 2] one-vs-one values ("ovo", pairs (1,2), (1,3), ..., (2,3), ...)
function SVC:decision_function(X)
  local op = "SVC.decision_function"
  self:check_fitted("decision_function")
  local dec = decision(self, op, X)
  local k = #self.state.classes_
  if k == 2 then return dec:reshape(dec.shape[1]) end
  if self.params.decision_function_shape == "ovo" then return dec end
  local out = tensor.empty({ dec.shape[1], k }, "float64")
  core.check(C.tide_svc_ovr(dec._c, k, out._c))
  return out
end

function SVC:predict(X)
  local op = "SVC.predict"
  self:check_fitted("predict")
  local k = #self.state.classes_
  if self.params.break_ties and self.params.decision_function_shape == "ovo" then
    raise(op .. ": break_ties must be false when decision_function_shape is \"ovo\"")
  end
  local dec = decision(self, op, X)
  local idx
  if self.params.break_ties and k > 2 then
    local ovr = tensor.empty({ dec.shape[1], k }, "float64")
    core.check(C.tide_svc_ovr(dec._c, k, ovr._c))
    idx = ovr:argmax(2) - 1
  else
    idx = tensor.empty({ dec.shape[1] }, "int64")
    core.check(C.tide_svc_vote(dec._c, k, idx._c))
  end
  return B.decode_labels(self.state.classes_, idx)
end

-- predict_proba(X) -> [m, k]: needs probability = true at fit
function SVC:predict_proba(X)
  local op = "SVC.predict_proba"
  self:check_fitted("predict_proba")
  local s = self.state
  if not self.params.probability or s.probA_ == nil or s.probA_:numel() == 0 then
    raise(op .. ": predict_proba is not available when probability=false; fit with probability = true")
  end
  local dec = decision(self, op, X)
  local k = #s.classes_
  local out = tensor.empty({ dec.shape[1], k }, "float64")
  core.check(C.tide_svc_proba(dec._c, s.probA_._c, s.probB_._c, k, out._c))
  return out
end

function SVC:predict_log_proba(X)
  return self:predict_proba(X):log()
end

SVC._after_load = after_load

-- ---------------------------------------------------------------- SVR
local SVR = B.class("SVR", {
  kernel = "rbf", degree = 3, gamma = "scale", coef0 = 0.0, tol = 1e-3, C = 1.0, epsilon = 0.1,
  shrinking = true, cache_size = 200, verbose = false, max_iter = -1,
}, { kind = "regressor", check = check_svr })

function SVR:fit(X, y, opts)
  local op = "SVR.fit"
  X = B.features(op, X, { sparse = true })
  local n = X.shape[1]
  local yt = B.targets(op, y, n)
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  local gamma = resolve_gamma(self.params, X)
  local cp = c_params(self.params, gamma, 0)
  local m = ffi.new("tide_svm_model")
  local xc, xs = c_input(X)
  local status = C.tide_svr_fit(xc, xs, yt._c, sw and sw._c or nil, cp, m)
  if status < 0 then raise_c(op) end
  local r = take(m)
  local s = fitted_state(self, X, r, status, gamma)
  s.n_iter_ = r.n_iter[1]
  self.state = s
  report(self, op, status, s.support_:numel())
  if self.params.kernel == "linear" then
    local sv = s.support_vectors_
    if is_csr(sv) then sv = sv:to_dense("float64") end
    s.coef_ = s.dual_coef_:matmul(sv)
  end
  return self
end

-- predict(X) -> float64 [m]
function SVR:predict(X)
  self:check_fitted("predict")
  local dec = decision(self, "SVR.predict", X)
  return dec:reshape(dec.shape[1])
end

SVR._after_load = after_load

return { SVC = SVC, SVR = SVR }
