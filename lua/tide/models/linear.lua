-- tide.models.linear: LinearRegression, Ridge, Lasso and ElasticNet with scikit-learn 1.2's
-- parameters, defaults and results (coef_, intercept_, ...). Dense tensors or tide.sparse CSR
-- matrices as X; sample weights through fit(X, y, {sample_weight = w}). The solvers are C
-- kernels (core/linear_model.c): LAPACK least squares, Cholesky on the normal (or dual)
-- equations, conjugate gradients for CSR input, and cyclic or random coordinate descent with
-- scikit-learn's duality-gap stopping rule for the L1 penalties.
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local C = core.C
local raise, format = core.raise, string.format

local M = {}

local function check(status) if status ~= 0 then core.raise_c() end end
local function flag(b) return b and 1 or 0 end

-- Targets: y [n] -> {y}, single; y [n, t] (a tensor or a Lua array of rows) -> its t columns as
-- float64 [n] vectors, several (coef_ [t, d], intercept_ [t], as scikit-learn for 2-d y).
local function target_columns(op, y, n)
  if type(y) == "table" and not tensor.is_tensor(y) and type(y[1]) == "table" then
    local ok, t = pcall(tensor.tensor, y, "float64")
    if not ok then raise(op .. ": y as a Lua array of rows must hold numbers in rows of equal length") end
    y = t
  end
  if not (tensor.is_tensor(y) and y:dim() == 2) then return { B.targets(op, y, n) }, false end
  if y.shape[2] == 0 then raise(op .. ": empty input: y has no columns") end
  local cols = {}
  for j = 1, y.shape[2] do cols[j] = B.targets(op, y:select(2, j), n) end
  return cols, true
end

-- Shared fit input: X (contiguous float64 tensor or CSR), the target columns, sample weights.
local function fit_inputs(op, X, y, opts)
  if opts ~= nil and type(opts) ~= "table" then raise(op .. ": opts must be a table {sample_weight = ...}") end
  X = B.features(op, X, { sparse = true })
  local n = X.shape[1]
  local ys, multi = target_columns(op, y, n)
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  return X, ys, multi, sw
end

-- The C arguments for X: (dense tensor or nil, CSR struct or nil); keep X alive during the call.
local function c_args(X)
  if sparse.is_csr(X) then return nil, X:c() end
  return X._c, nil
end

-- Runs solve(y, k) -> {coef =, intercept =, <extras>} for each target column and sets the state:
-- one target: coef_ [d], intercept_ a number, the extras as they are; several: coef_ [t, d],
-- intercept_ [t], and each extra as combine[name] puts the per-target values together.
local function fit_targets(self, X, ys, multi, solve, combine)
  local d = X.shape[2]
  local fits = {}
  for k, y in ipairs(ys) do fits[k] = solve(y, k) end
  local state = { n_features_in_ = d }
  if not multi then
    for name, v in pairs(fits[1]) do state[name] = v end
    state.coef_, state.intercept_, state.coef, state.intercept = fits[1].coef, fits[1].intercept, nil, nil
  else
    local t = #fits
    local coef, icpt = tensor.empty({ t, d }, "float64"), tensor.empty({ t }, "float64")
    local ip = icpt:data_ptr()
    for k, f in ipairs(fits) do
      coef:select(1, k):copy_(f.coef)
      ip[k - 1] = f.intercept
    end
    state.coef_, state.intercept_ = coef, icpt
    for name, how in pairs(combine or {}) do
      local vals = {}
      for k, f in ipairs(fits) do vals[k] = f[name] end
      state[name] = how(vals)
    end
  end
  self.state = state
  return self
end

local function first(v) return v[1] end
local function as_list(v) return v end
local function as_tensor(v) return tensor.tensor(v, "float64") end
local function largest(v)
  local m = v[1]
  for _, x in ipairs(v) do if x ~= B.NONE and (m == B.NONE or x > m) then m = x end end
  return m
end

-- X @ coef_^T + intercept_ for the fitted regressors: float64 [n], or [n, t] for several targets.
local function linear_predict(self, op, X)
  self:check_fitted("predict")
  X = B.features(op, X, { sparse = true, n_features = self.state.n_features_in_ })
  local coef = self.state.coef_
  local W = coef:dim() == 1 and coef:reshape(coef:numel(), 1) or coef:t():clone() -- [d, t], row-major
  local out = X:matmul(W) -- a tensor's or a CSR's matmul
  out:add_(self.state.intercept_)
  if coef:dim() == 1 then return out:reshape(X.shape[1]) end
  return out
end

-- R² (scikit-learn's r2_score): of the one target, or the mean over several targets.
local function linear_score(self, X, y, opts)
  local op = self._name .. ".score"
  self:check_fitted("score")
  local pred = self:predict(X)
  if pred:dim() == 1 then return B.Estimator.score(self, X, y, opts) end
  local n = pred.shape[1]
  local ys = target_columns(op, y, n)
  if #ys ~= pred.shape[2] then raise(format("%s: y has %d targets, the model %d", op, #ys, pred.shape[2])) end
  local w = B.sample_weight(op, opts and opts.sample_weight, n)
  local total = 0
  for j, yj in ipairs(ys) do total = total + B.r2(yj, pred:select(2, j):contiguous(), w) end
  return total / #ys
end

local function common_checks(self)
  local p, name = self.params, self._name
  B.check_bool(name, "fit_intercept", p.fit_intercept)
  B.check_bool(name, "copy_X", p.copy_X)
  B.check_bool(name, "positive", p.positive)
end

-- ---------------------------------------------------------------- LinearRegression
local LinearRegression = B.class("LinearRegression", {
  fit_intercept = true, copy_X = true, n_jobs = B.NONE, positive = false,
}, { kind = "regressor", check = function(self)
  common_checks(self)
  local j = self.params.n_jobs
  if not B.is_none(j) then B.check_int(self._name, "n_jobs", j) end
end })
M.LinearRegression = LinearRegression

-- Ordinary least squares. Dense X: LAPACK dgelsd (as scipy.linalg.lstsq, so rank_ and
-- singular_ too); CSR X: conjugate gradients on the implicitly centred normal equations.
-- positive = true: non-negative least squares (Lawson-Hanson, as scipy's nnls), dense X only.
function LinearRegression:fit(X, y, opts)
  local op = "LinearRegression.fit"
  local ys, multi, sw
  X, ys, multi, sw = fit_inputs(op, X, y, opts)
  local n, d = X.shape[1], X.shape[2]
  local fi = flag(self.params.fit_intercept)
  if self.params.positive and sparse.is_csr(X) then
    raise(op .. ": positive=true does not accept sparse input; use X:to_dense()")
  end
  return fit_targets(self, X, ys, multi, function(yk)
    local coef = tensor.zeros({ d }, "float64")
    local icpt = ffi.new("double[1]")
    if self.params.positive then
      check(C.tide_linear_nnls_fit(X._c, yk._c, sw and sw._c, coef._c, icpt, fi))
      return { coef = coef, intercept = icpt[0] }
    end
    if sparse.is_csr(X) then
      check(C.tide_ridge_fit(nil, X:c(), yk._c, sw and sw._c, coef._c, icpt, nil, 0, fi, C.TIDE_RIDGE_CG, 1e-10, 0))
      return { coef = coef, intercept = icpt[0] }
    end
    local singular = tensor.zeros({ math.min(n, d) }, "float64")
    local rank = ffi.new("int64_t[1]")
    check(C.tide_linear_lstsq_fit(X._c, yk._c, sw and sw._c, coef._c, singular._c, icpt, rank, fi))
    return { coef = coef, intercept = icpt[0], rank_ = tonumber(rank[0]), singular_ = singular }
  end, { rank_ = first, singular_ = first })
end

function LinearRegression:predict(X) return linear_predict(self, "LinearRegression.predict", X) end
LinearRegression.score = linear_score

-- ---------------------------------------------------------------- Ridge
local RIDGE_SOLVERS = { "auto", "cholesky", "svd", "sparse_cg", "lsqr", "sag", "saga", "lbfgs" }

local Ridge = B.class("Ridge", {
  alpha = 1.0, fit_intercept = true, copy_X = true, max_iter = B.NONE, tol = 1e-4, solver = "auto",
  positive = false, random_state = B.NONE,
}, { kind = "regressor", check = function(self)
  local p, name = self.params, self._name
  common_checks(self)
  if p.positive then raise(name .. ": positive=true is not supported by Tide's Ridge (scikit-learn uses lbfgs for it)") end
  if type(p.alpha) == "table" and p.alpha ~= B.NONE then -- one penalty per target
    if #p.alpha == 0 then raise(name .. ": alpha as a list needs one value per target") end
    for k, a in ipairs(p.alpha) do B.check_number(name, "alpha[" .. k .. "]", a, 0) end
  else
    B.check_number(name, "alpha", p.alpha, 0)
  end
  B.check_number(name, "tol", p.tol, 0)
  if not B.is_none(p.max_iter) then B.check_int(name, "max_iter", p.max_iter, 1) end
  B.check_one_of(name, "solver", p.solver, RIDGE_SOLVERS)
  if p.solver == "lsqr" or p.solver == "sag" or p.solver == "saga" or p.solver == "lbfgs" then
    raise(format("%s: solver %q is not available in Tide; use \"auto\", \"cholesky\", \"svd\" or \"sparse_cg\"",
      name, p.solver))
  end
end })
M.Ridge = Ridge

-- Least squares with an L2 penalty alpha ||coef||^2. solver "auto" is Cholesky for dense X (on
-- X^T X, or on X X^T when there are more features than samples) and conjugate gradients for CSR.
-- n_iter_ is None as in scikit-learn, whose sparse_cg does not report its steps either; Tide
-- keeps the largest count of conjugate-gradient steps in cg_steps_.
function Ridge:fit(X, y, opts)
  local op = "Ridge.fit"
  local p = self.params
  local ys, multi, sw
  X, ys, multi, sw = fit_inputs(op, X, y, opts)
  local is_sparse = sparse.is_csr(X)
  local solver = p.solver
  if solver == "auto" then solver = is_sparse and "sparse_cg" or "cholesky" end
  if is_sparse and solver ~= "sparse_cg" then
    raise(format("%s: solver %q does not take sparse input; use \"auto\" or \"sparse_cg\"", op, solver))
  end
  local code = ({ cholesky = C.TIDE_RIDGE_CHOLESKY, svd = C.TIDE_RIDGE_LSTSQ, sparse_cg = C.TIDE_RIDGE_CG })[solver]
  local d = X.shape[2]
  local alphas = type(p.alpha) == "table" and p.alpha or nil
  if alphas and #alphas ~= 1 and #alphas ~= #ys then
    raise(format("%s: alpha has %d values but y has %d targets", op, #alphas, #ys))
  end
  local dense, csr = c_args(X)
  return fit_targets(self, X, ys, multi, function(yk, k)
    local coef = tensor.zeros({ d }, "float64")
    local icpt, iters = ffi.new("double[1]"), ffi.new("int64_t[1]")
    local alpha = alphas and (alphas[k] or alphas[1]) or p.alpha
    check(C.tide_ridge_fit(dense, csr, yk._c, sw and sw._c, coef._c, icpt, iters, alpha, flag(p.fit_intercept),
      code, p.tol, B.is_none(p.max_iter) and 0 or p.max_iter))
    return { coef = coef, intercept = icpt[0], n_iter_ = B.NONE,
      cg_steps_ = solver == "sparse_cg" and tonumber(iters[0]) or B.NONE }
  end, { n_iter_ = first, cg_steps_ = largest })
end

function Ridge:predict(X) return linear_predict(self, "Ridge.predict", X) end
Ridge.score = linear_score

-- ---------------------------------------------------------------- ElasticNet, Lasso
local function enet_checks(self)
  local p, name = self.params, self._name
  B.check_bool(name, "fit_intercept", p.fit_intercept)
  B.check_bool(name, "copy_X", p.copy_X)
  B.check_bool(name, "positive", p.positive)
  B.check_bool(name, "warm_start", p.warm_start)
  B.check_number(name, "alpha", p.alpha, 0)
  if p.l1_ratio ~= nil then B.check_number(name, "l1_ratio", p.l1_ratio, 0, 1) end
  B.check_int(name, "max_iter", p.max_iter, 1)
  B.check_number(name, "tol", p.tol, 0)
  B.check_one_of(name, "selection", p.selection, { "cyclic", "random" })
  if p.precompute ~= false then
    raise(name .. ": precompute must be false (Tide's coordinate descent does not use a Gram matrix)")
  end
end

local ENET_DEFAULTS = {
  alpha = 1.0, l1_ratio = 0.5, fit_intercept = true, precompute = false, max_iter = 1000, copy_X = true,
  tol = 1e-4, warm_start = false, positive = false, random_state = B.NONE, selection = "cyclic",
}
local LASSO_DEFAULTS = B.deep_copy(ENET_DEFAULTS)
LASSO_DEFAULTS.l1_ratio = nil

-- min 1/(2n) ||y - X coef - b||^2 + alpha l1_ratio ||coef||_1 + alpha (1 - l1_ratio)/2 ||coef||^2
-- per target; several targets give n_iter_ as a Lua array and dual_gap_ as a tensor, as
-- scikit-learn.
local function enet_fit(self, op, X, y, opts, l1_ratio)
  local p = self.params
  local ys, multi, sw
  X, ys, multi, sw = fit_inputs(op, X, y, opts)
  local d = X.shape[2]
  local prev = rawget(self, "state")
  local warm = p.warm_start and prev and prev.coef_ and prev.n_features_in_ == d and
    (prev.coef_:dim() == 1) == not multi and (not multi or prev.coef_.shape[1] == #ys)
  local seed = p.selection == "random" and B.seed(self) or 0
  local dense, csr = c_args(X)
  return fit_targets(self, X, ys, multi, function(yk, k)
    local coef
    if warm then
      coef = (multi and prev.coef_:select(1, k) or prev.coef_):clone()
    else
      coef = tensor.zeros({ d }, "float64")
    end
    local icpt, gap, iters = ffi.new("double[1]"), ffi.new("double[1]"), ffi.new("int64_t[1]")
    check(C.tide_enet_fit(dense, csr, yk._c, sw and sw._c, coef._c, icpt, gap, iters, p.alpha, l1_ratio,
      flag(p.fit_intercept), p.max_iter, p.tol, flag(p.positive), flag(p.selection == "random"), seed + k - 1))
    return { coef = coef, intercept = icpt[0], dual_gap_ = gap[0], n_iter_ = tonumber(iters[0]) }
  end, { n_iter_ = as_list, dual_gap_ = as_tensor })
end

local ElasticNet = B.class("ElasticNet", ENET_DEFAULTS, { kind = "regressor", check = enet_checks })
M.ElasticNet = ElasticNet

function ElasticNet:fit(X, y, opts) return enet_fit(self, "ElasticNet.fit", X, y, opts, self.params.l1_ratio) end
function ElasticNet:predict(X) return linear_predict(self, "ElasticNet.predict", X) end
ElasticNet.score = linear_score

local Lasso = B.class("Lasso", LASSO_DEFAULTS, { kind = "regressor", check = enet_checks })
M.Lasso = Lasso

function Lasso:fit(X, y, opts) return enet_fit(self, "Lasso.fit", X, y, opts, 1.0) end
function Lasso:predict(X) return linear_predict(self, "Lasso.predict", X) end
Lasso.score = linear_score

return M
