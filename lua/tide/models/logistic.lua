-- tide.models.logistic: LogisticRegression, scikit-learn 1.2's estimator (same parameters,
-- defaults, objective, fitted attributes and prediction rules), over core/logistic*.c.
--
-- The objective is scikit-learn's: sum_i sw_i logloss_i + (1 - l1_ratio) / (2C) ||W||^2 +
-- l1_ratio / C ||W||_1, intercepts unpenalised, sw_i the sample weight times the class weight.
-- Solvers (each runs the whole fit in one C call):
--   "lbfgs" (default): L-BFGS with scipy's L-BFGS-B rules as scikit-learn calls it (stop on
--     max |gradient| <= tol, or the relative reduction of the objective, or max_iter), so
--     iteration counts are comparable. L2 or no penalty.
--   "newton-cd": proximal Newton coordinate descent (liblinear's newGLMNET, glmnet); every
--     penalty, the one for "l1" and "elasticnet". "saga" is accepted as its alias, since it
--     minimises the same objective scikit-learn's saga does (scikit-learn code ports as is), but
--     converges in a few Newton steps where SAGA needs many epochs on unscaled data.
-- Dense float64 and tide.sparse CSR input (the text models' TF-IDF) run the same kernels.
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local ffi = core.ffi
local C = core.C
local format = string.format

local NAME = "LogisticRegression"

local defaults = {
  penalty = "l2", dual = false, tol = 1e-4, C = 1.0, fit_intercept = true, intercept_scaling = 1,
  class_weight = B.NONE, random_state = B.NONE, solver = "lbfgs", max_iter = 100, multi_class = "auto",
  verbose = 0, warm_start = false, n_jobs = B.NONE, l1_ratio = B.NONE,
}

local SOLVERS = { "lbfgs", "newton-cd", "saga" }
local UNSUPPORTED = { liblinear = true, ["newton-cg"] = true, ["newton-cholesky"] = true, sag = true }

local function check(self)
  local p = self.params
  if UNSUPPORTED[p.solver] then
    core.raise(format("%s: solver %q is not available in Tide; use \"lbfgs\" (L2, none) or \"newton-cd\" (any penalty; \"saga\" is its alias)", NAME, p.solver))
  end
  B.check_one_of(NAME, "solver", p.solver, SOLVERS)
  B.check_one_of(NAME, "penalty", p.penalty, { "l2", "l1", "elasticnet", "none", B.NONE })
  B.check_number(NAME, "C", p.C, 0, nil, true)
  B.check_number(NAME, "tol", p.tol, 0)
  B.check_int(NAME, "max_iter", p.max_iter, 0)
  B.check_bool(NAME, "fit_intercept", p.fit_intercept)
  B.check_bool(NAME, "warm_start", p.warm_start)
  B.check_bool(NAME, "dual", p.dual)
  B.check_int(NAME, "verbose", p.verbose, 0)
  B.check_one_of(NAME, "multi_class", p.multi_class, { "auto", "ovr", "multinomial" })
  if p.dual then core.raise(format("%s: Solver %s supports only dual=False, got dual=true", NAME, p.solver)) end
  if p.solver == "lbfgs" and (p.penalty == "l1" or p.penalty == "elasticnet") then
    core.raise(format("%s: Solver lbfgs supports only 'l2' or 'none' penalties, got %s penalty; use solver = \"newton-cd\" or \"saga\"", NAME, p.penalty))
  end
  if p.penalty == "elasticnet" then
    local r = p.l1_ratio
    if type(r) ~= "number" or r < 0 or r > 1 or r ~= r then
      core.raise(format("%s: l1_ratio must be between 0 and 1 with penalty elasticnet; got (l1_ratio=%s)", NAME,
        B.is_none(r) and "None" or tostring(r)))
    end
  elseif not B.is_none(p.l1_ratio) then
    B.check_number(NAME, "l1_ratio", p.l1_ratio, 0, 1)
  end
  if not B.is_none(p.class_weight) and p.class_weight ~= "balanced" and type(p.class_weight) ~= "table" then
    core.raise(format("%s: class_weight must be None, \"balanced\" or a table {label = weight}, got %s", NAME, tostring(p.class_weight)))
  end
end

local LogisticRegression = B.class(NAME, defaults, { kind = "classifier", check = check })

-- (l2, l1) strengths of the objective for the parameters
local function strengths(p)
  if B.is_none(p.penalty) or p.penalty == "none" then return 0, 0 end
  if p.penalty == "l2" then return 1 / p.C, 0 end
  if p.penalty == "l1" then return 0, 1 / p.C end
  return (1 - p.l1_ratio) / p.C, p.l1_ratio / p.C
end

-- the C view of the data: dense tensor or CSR (the caller keeps X alive)
local function cargs(X)
  if tensor.is_tensor(X) then return X._c, nil end
  return nil, X:c()
end

-- One solver run on targets y (int64 [n]) with weights sw, starting from coef0 [k, d + fi].
local function solve(self, X, y, sw, coef0, l2, l1)
  local p = self.params
  local res = ffi.new("tide_logistic_result")
  local x, xs = cargs(X)
  local fi = p.fit_intercept and 1 or 0
  local status
  if p.solver == "lbfgs" then
    status = C.tide_logistic_fit_lbfgs(x, xs, y._c, sw._c, coef0._c, l2, fi, p.max_iter, p.tol, res)
  else
    status = C.tide_logistic_fit_cd(x, xs, y._c, sw._c, coef0._c, l2, l1, fi, p.max_iter, p.tol, res)
  end
  if status ~= 0 then core.raise_c() end
  local st = tonumber(res.status)
  -- scikit-learn's ConvergenceWarning (as tide.models.SVC reports it), and verbose's summary
  if st == 0 or st == 3 then
    B.warn(format("%s.fit: warning: %s failed to converge (%s); increase max_iter or scale the data (e.g. StandardScaler)",
      NAME, p.solver, st == 0 and format("max_iter=%d reached", p.max_iter) or "the line search made no progress"))
  end
  if p.verbose > 0 then
    io.stderr:write(format("%s.fit: %s: %d iterations, %d evaluations, objective %.10g\n", NAME, p.solver,
      tonumber(res.n_iter), tonumber(res.n_eval), res.loss))
  end
  return tonumber(res.n_iter), st, res.loss
end

-- fit(X, y, {sample_weight = w}) -> self
function LogisticRegression:fit(X, y, opts)
  local op = NAME .. ".fit"
  local p = self.params
  if opts ~= nil and type(opts) ~= "table" then core.raise(op .. ": opts must be a table {sample_weight = ...}") end
  if p.max_iter < 1 then core.raise(format("%s: max_iter must be >= 1, got %d", op, p.max_iter)) end
  X = B.features(op, X, { sparse = true })
  local n, d = X.shape[1], X.shape[2]
  local codes, classes = B.encode_labels(op, y, n)
  local nc = #classes
  local sw = B.sample_weight(op, opts and opts.sample_weight, n) or tensor.ones({ n }, "float64")
  local multi = p.multi_class
  if multi == "auto" then multi = nc > 2 and "multinomial" or "ovr" end
  local l2, l1 = strengths(p)
  local fi = p.fit_intercept and 1 or 0
  local cw = p.class_weight
  if type(cw) == "table" or multi == "multinomial" then
    sw = sw * B.class_weight(op, cw, codes, classes):index_select(1, codes + 1)
  end

  -- warm start: the previous solution when its shape fits
  local old = rawget(self, "state")
  local warm = p.warm_start and old and old.coef_ and old.coef_.shape[2] == d and #old.classes_ == nc and old

  local coef, intercept, n_iter, converged = nil, nil, {}, true
  if multi == "multinomial" then
    local W = tensor.zeros({ nc, d + fi }, "float64")
    if warm and warm.coef_.shape[1] == nc then
      W:narrow(2, 1, d):copy_(warm.coef_)
      if fi == 1 then W:select(2, d + 1):copy_(warm.intercept_) end
    end
    local it, st = solve(self, X, codes, sw, W, l2, l1)
    n_iter[1] = it
    converged = st == 1 or st == 2
    if nc == 2 then W = W:narrow(1, 2, 1):contiguous() end -- scikit-learn keeps the second row
    coef = W:narrow(2, 1, d):contiguous()
    intercept = fi == 1 and W:select(2, d + 1):contiguous() or tensor.zeros({ W.shape[1] }, "float64")
  else
    local problems = nc == 2 and 1 or nc
    coef = tensor.zeros({ problems, d }, "float64")
    intercept = tensor.zeros({ problems }, "float64")
    for c = 1, problems do
      local pos = nc == 2 and 1 or c - 1
      local yb = codes:eq(pos):to("int64")
      local swc = sw
      if cw == "balanced" then
        local npos = yb:sum()
        local wpos, wneg = n / (2 * npos), n / (2 * (n - npos))
        swc = sw * (yb:to("float64") * (wpos - wneg) + wneg)
      end
      local W = tensor.zeros({ 1, d + fi }, "float64")
      if warm and warm.coef_.shape[1] == problems then
        W:narrow(2, 1, d):copy_(warm.coef_:narrow(1, c, 1))
        if fi == 1 then W[{ 1, d + 1 }] = warm.intercept_[c] end
      end
      local it, st = solve(self, X, yb, swc, W, l2, l1)
      n_iter[c] = it
      converged = converged and (st == 1 or st == 2)
      coef:narrow(1, c, 1):copy_(W:narrow(2, 1, d))
      if fi == 1 then intercept[c] = W[{ 1, d + 1 }] end
    end
  end
  self.state = {
    coef_ = coef, intercept_ = intercept, classes_ = classes, n_features_in_ = d, n_iter_ = n_iter,
    multi_class = multi, converged = converged,
  }
  rawset(self, "_packed", nil)
  return self
end

-- coef_ and intercept_ packed as the C kernels take them: [k, d + 1]
local function packed(self)
  local pk = rawget(self, "_packed")
  if pk and pk.coef == self.state.coef_ then return pk.w end
  local s = self.state
  local w = require("tide").cat({ s.coef_:to("float64"), s.intercept_:to("float64"):reshape(s.coef_.shape[1], 1) }, 2):contiguous()
  rawset(self, "_packed", { coef = s.coef_, w = w })
  return w
end

-- raw scores [n, k] (k = 1 for a binary model)
local function scores(self, op, X)
  self:check_fitted(op:match("%.(.*)$"))
  X = B.features(op, X, { sparse = true, n_features = self.state.n_features_in_ })
  local w = packed(self)
  local out = tensor.empty({ X.shape[1], w.shape[1] }, "float64")
  local x, xs = cargs(X)
  if C.tide_logistic_decision(x, xs, w._c, 1, out._c) ~= 0 then core.raise_c() end
  return out
end

-- decision_function(X): [n] for a binary model (the score of classes_[2]), else [n, k]
function LogisticRegression:decision_function(X)
  local z = scores(self, NAME .. ".decision_function", X)
  if z.shape[2] == 1 then return z:reshape(z.shape[1]) end
  return z
end

local function proba(self, op, X)
  local z = scores(self, op, X)
  if self.state.multi_class == "ovr" then
    local p = z:sigmoid()
    if p.shape[2] == 1 then return require("tide").cat({ 1 - p, p }, 2) end
    return p / p:sum(2, true)
  end
  if z.shape[2] == 1 then z = require("tide").cat({ -z, z }, 2) end
  return (z - z:logsumexp(2, true)):exp()
end

-- predict_proba(X) -> float64 [n, n_classes], columns in the order of classes_
function LogisticRegression:predict_proba(X)
  return proba(self, NAME .. ".predict_proba", X)
end

function LogisticRegression:predict_log_proba(X)
  return proba(self, NAME .. ".predict_log_proba", X):log()
end

-- predict(X) -> labels (int64 / float64 tensor, or a Lua array of strings), as classes_
function LogisticRegression:predict(X)
  local z = scores(self, NAME .. ".predict", X)
  local idx
  if z.shape[2] == 1 then
    idx = z:reshape(z.shape[1]):gt(0):to("int64")
  else
    idx = z:argmax(2) - 1
  end
  return B.decode_labels(self.state.classes_, idx)
end

-- The objective and its gradient at coef [k, d + fit_intercept] on (X, y): the fitted model's
-- loss kernel, for checks and custom solvers. y: int64 class indices (0-based; 0/1 when k = 1).
function LogisticRegression.loss(X, y, coef, opts)
  local op = NAME .. ".loss"
  opts = opts or {}
  X = B.features(op, X, { sparse = true })
  local grad = tensor.empty(coef.shape, "float64")
  local out = ffi.new("double[1]")
  local x, xs = cargs(X)
  local sw = opts.sample_weight and B.sample_weight(op, opts.sample_weight, X.shape[1]) or nil
  if C.tide_logistic_loss(x, xs, y._c, sw and sw._c, coef._c, grad._c, opts.l2 or 0, opts.l1 or 0,
      opts.fit_intercept == false and 0 or 1, out) ~= 0 then
    core.raise_c()
  end
  return out[0], grad
end

return { LogisticRegression = LogisticRegression }
