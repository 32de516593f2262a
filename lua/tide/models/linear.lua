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

-- Shared fit input: X (contiguous float64 tensor or CSR), y float64 [n], sample weights or nil.
local function fit_inputs(op, X, y, opts, accept_sparse)
  if opts ~= nil and type(opts) ~= "table" then raise(op .. ": opts must be a table {sample_weight = ...}") end
  X = B.features(op, X, { sparse = accept_sparse })
  local n, d = X.shape[1], X.shape[2]
  y = B.targets(op, y, n)
  local sw = B.sample_weight(op, opts and opts.sample_weight, n)
  return X, y, sw, n, d
end

-- The C arguments for X: (dense tensor or nil, CSR struct or nil); keep X alive during the call.
local function c_args(X)
  if sparse.is_csr(X) then return nil, X:c() end
  return X._c, nil
end

-- X @ coef_ + intercept_ for the fitted regressors (float64 [n]).
local function linear_predict(self, op, X)
  self:check_fitted("predict")
  X = B.features(op, X, { sparse = true, n_features = self.state.n_features_in_ })
  local coef = self.state.coef_
  local out
  if sparse.is_csr(X) then
    out = X:matmul(coef:reshape(coef:numel(), 1)):reshape(X.shape[1])
  else
    out = X:mv(coef)
  end
  return out:add_(self.state.intercept_)
end

local function common_checks(self)
  local p, name = self.params, self._name
  B.check_bool(name, "fit_intercept", p.fit_intercept)
  B.check_bool(name, "copy_X", p.copy_X)
  if p.positive ~= false then
    if p.positive == true then raise(name .. ": positive=true is not supported by Tide's " .. name) end
    B.check_bool(name, "positive", p.positive)
  end
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
function LinearRegression:fit(X, y, opts)
  local op = "LinearRegression.fit"
  local sw
  X, y, sw = fit_inputs(op, X, y, opts, true)
  local d = X.shape[2]
  local coef = tensor.zeros({ d }, "float64")
  local icpt = ffi.new("double[1]")
  local state = { n_features_in_ = d }
  if sparse.is_csr(X) then
    local iters = ffi.new("int64_t[1]")
    check(C.tide_ridge_fit(nil, X:c(), y._c, sw and sw._c, coef._c, icpt, iters, 0, flag(self.params.fit_intercept),
      C.TIDE_RIDGE_CG, 1e-10, 0))
  else
    local n = X.shape[1]
    local singular = tensor.zeros({ math.min(n, d) }, "float64")
    local rank = ffi.new("int64_t[1]")
    check(C.tide_linear_lstsq_fit(X._c, y._c, sw and sw._c, coef._c, singular._c, icpt, rank,
      flag(self.params.fit_intercept)))
    state.rank_, state.singular_ = tonumber(rank[0]), singular
  end
  state.coef_, state.intercept_ = coef, icpt[0]
  self.state = state
  return self
end

function LinearRegression:predict(X) return linear_predict(self, "LinearRegression.predict", X) end

-- ---------------------------------------------------------------- Ridge
local RIDGE_SOLVERS = { "auto", "cholesky", "svd", "sparse_cg", "lsqr", "sag", "saga", "lbfgs" }

local Ridge = B.class("Ridge", {
  alpha = 1.0, fit_intercept = true, copy_X = true, max_iter = B.NONE, tol = 1e-4, solver = "auto",
  positive = false, random_state = B.NONE,
}, { kind = "regressor", check = function(self)
  local p, name = self.params, self._name
  common_checks(self)
  B.check_number(name, "alpha", p.alpha, 0)
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
function Ridge:fit(X, y, opts)
  local op = "Ridge.fit"
  local p = self.params
  local sw
  X, y, sw = fit_inputs(op, X, y, opts, true)
  local is_sparse = sparse.is_csr(X)
  local solver = p.solver
  if solver == "auto" then solver = is_sparse and "sparse_cg" or "cholesky" end
  if is_sparse and solver ~= "sparse_cg" then
    raise(format("%s: solver %q does not take sparse input; use \"auto\" or \"sparse_cg\"", op, solver))
  end
  local code = ({ cholesky = C.TIDE_RIDGE_CHOLESKY, svd = C.TIDE_RIDGE_LSTSQ, sparse_cg = C.TIDE_RIDGE_CG })[solver]
  local d = X.shape[2]
  local coef = tensor.zeros({ d }, "float64")
  local icpt, iters = ffi.new("double[1]"), ffi.new("int64_t[1]")
  local dense, csr = c_args(X)
  check(C.tide_ridge_fit(dense, csr, y._c, sw and sw._c, coef._c, icpt, iters, p.alpha, flag(p.fit_intercept), code,
    p.tol, B.is_none(p.max_iter) and 0 or p.max_iter))
  -- n_iter_ is None as in scikit-learn, whose sparse_cg does not report its steps either;
  -- Tide keeps the count of conjugate-gradient steps in cg_steps_.
  self.state = {
    coef_ = coef, intercept_ = icpt[0], n_features_in_ = d, n_iter_ = B.NONE,
    cg_steps_ = solver == "sparse_cg" and tonumber(iters[0]) or B.NONE,
  }
  return self
end

function Ridge:predict(X) return linear_predict(self, "Ridge.predict", X) end

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
local function enet_fit(self, op, X, y, opts, l1_ratio)
  local p = self.params
  local sw
  X, y, sw = fit_inputs(op, X, y, opts, true)
  local d = X.shape[2]
  local coef
  local prev = rawget(self, "state")
  if p.warm_start and prev and prev.coef_ and prev.n_features_in_ == d then
    coef = prev.coef_:clone()
  else
    coef = tensor.zeros({ d }, "float64")
  end
  local seed = p.selection == "random" and B.seed(self) or 0
  local icpt, gap, iters = ffi.new("double[1]"), ffi.new("double[1]"), ffi.new("int64_t[1]")
  local dense, csr = c_args(X)
  check(C.tide_enet_fit(dense, csr, y._c, sw and sw._c, coef._c, icpt, gap, iters, p.alpha, l1_ratio,
    flag(p.fit_intercept), p.max_iter, p.tol, flag(p.positive), flag(p.selection == "random"), seed))
  self.state = {
    coef_ = coef, intercept_ = icpt[0], n_features_in_ = d, dual_gap_ = gap[0], n_iter_ = tonumber(iters[0]),
  }
  return self
end

local ElasticNet = B.class("ElasticNet", ENET_DEFAULTS, { kind = "regressor", check = enet_checks })
M.ElasticNet = ElasticNet

function ElasticNet:fit(X, y, opts) return enet_fit(self, "ElasticNet.fit", X, y, opts, self.params.l1_ratio) end
function ElasticNet:predict(X) return linear_predict(self, "ElasticNet.predict", X) end

local Lasso = B.class("Lasso", LASSO_DEFAULTS, { kind = "regressor", check = enet_checks })
M.Lasso = Lasso

function Lasso:fit(X, y, opts) return enet_fit(self, "Lasso.fit", X, y, opts, 1.0) end
function Lasso:predict(X) return linear_predict(self, "Lasso.predict", X) end

return M
