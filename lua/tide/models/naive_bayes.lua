-- tide.models.naive_bayes: GaussianNB, MultinomialNB, ComplementNB and BernoulliNB with
-- scikit-learn's parameters, attributes (theta_, var_, class_count_, feature_log_prob_, ...)
-- and values (equal to scikit-learn 1.2's to rounding). The statistics are C kernels
-- (core/naive_bayes.c); the discrete models' log-likelihoods are one matrix product (OpenBLAS,
-- or the CSR product for sparse input, which MultinomialNB, ComplementNB and BernoulliNB accept).
-- Every model has fit, partial_fit (incremental, out-of-core), predict, predict_proba,
-- predict_log_proba and predict_joint_log_proba.
local B = require("tide.models.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local C = core.C
local raise, format = core.raise, string.format

local function ok(status) if status ~= 0 then core.raise_c() end end

local function c_csr(X)
  if sparse.is_csr(X) then return nil, X:c() end
  return X._c, nil
end

-- A Lua array or tensor of numbers -> float64 tensor [n] (for priors and alpha vectors).
local function vector_param(name, what, v)
  local t = tensor.is_tensor(v) and v:to("float64"):contiguous() or nil
  if t == nil then
    if type(v) ~= "table" then raise(format("%s: %s must be a number list, got %s", name, what, type(v))) end
    for i = 1, #v do
      if type(v[i]) ~= "number" then raise(format("%s: %s[%d] must be a number", name, what, i)) end
    end
    t = tensor.tensor(v, "float64")
  end
  if t:dim() ~= 1 then raise(format("%s: %s must be 1-d", name, what)) end
  return t
end

-- Labels of a fit or partial_fit call -> 0-based codes into the model's classes. On the first
-- call the classes come from opts.classes (partial_fit) or from y (fit).
local function class_codes(self, op, y, n, classes_opt, first)
  if first then
    if classes_opt == nil then return B.encode_labels(op, y, n) end
    local _, classes = B.encode_labels(op, classes_opt, nil, { allow_single = true })
    local codes = self:_codes_in(op, y, n, classes)
    return codes, classes
  end
  return self:_codes_in(op, y, n, self.state.classes_), self.state.classes_
end

local Base = {}

-- y -> codes into the given sorted class list; a label outside it is an error.
function Base:_codes_in(op, y, n, classes)
  local codes, ycls = B.encode_labels(op, y, n, { allow_single = true })
  local pos = {}
  for i, c in ipairs(classes) do pos[c] = i - 1 end
  local lut, missing = {}, {}
  for i, c in ipairs(ycls) do
    if pos[c] == nil then missing[#missing + 1] = tostring(c) end
    lut[i] = pos[c] or 0
  end
  if #missing > 0 then
    local names = {}
    for i, c in ipairs(classes) do names[i] = tostring(c) end
    raise(format("%s: the target label(s) %s in y do not exist in the initial classes {%s}", op,
      table.concat(missing, ", "), table.concat(names, ", ")))
  end
  return tensor.tensor(lut, "int64"):index_select(1, codes + 1)
end

-- predict_joint_log_proba(X): float64 [m, n_classes], log P(x, y) per class.
function Base:predict_joint_log_proba(X)
  self:check_fitted("predict_joint_log_proba")
  return self:_jll(self._name .. ".predict_joint_log_proba", X)
end

function Base:predict(X)
  self:check_fitted("predict")
  local _, am = self:_jll(self._name .. ".predict", X):max(2)
  return B.decode_labels(self.state.classes_, am - 1)
end

-- log of the normalised posterior: jll - logsumexp(jll) per row (scipy's formula)
function Base:predict_log_proba(X, op)
  self:check_fitted("predict_log_proba")
  local jll = self:_jll(op or (self._name .. ".predict_log_proba"), X)
  local amax = jll:max(2, true)
  amax:masked_fill_(amax:isfinite():logical_not(), 0)
  local lse = (jll - amax):exp():sum(2, true):log() + amax
  return jll - lse
end

function Base:predict_proba(X)
  self:check_fitted("predict_proba")
  return self:predict_log_proba(X, self._name .. ".predict_proba"):exp()
end

local function install(cls)
  for k, v in pairs(Base) do cls[k] = v end
end

-- ---------------------------------------------------------------- GaussianNB
local GaussianNB = B.class("GaussianNB", { priors = B.NONE, var_smoothing = 1e-9 }, {
  kind = "classifier",
  check = function(self)
    B.check_number("GaussianNB", "var_smoothing", self.params.var_smoothing, 0)
    if not B.is_none(self.params.priors) then vector_param("GaussianNB", "priors", self.params.priors) end
  end,
})
install(GaussianNB)

-- fit(X, y, {sample_weight = w}): per-class means theta_ and variances var_ (plus epsilon_ =
-- var_smoothing * the largest feature variance), class_count_, class_prior_.
function GaussianNB:fit(X, y, opts)
  self.state = nil
  return self:_partial_fit("GaussianNB.fit", X, y, nil, opts and opts.sample_weight)
end

-- partial_fit(X, y, {classes = all labels (first call), sample_weight = w}): update the model
-- with one more batch (Chan, Golub and LeVeque's pooled mean and variance).
function GaussianNB:partial_fit(X, y, opts)
  opts = opts or {}
  if not self:is_fitted() and opts.classes == nil then
    raise("GaussianNB.partial_fit: classes must be passed on the first call to partial_fit")
  end
  return self:_partial_fit("GaussianNB.partial_fit", X, y, opts.classes, opts.sample_weight)
end

function GaussianNB:_partial_fit(op, X, y, classes_opt, sample_weight)
  local first = not self:is_fitted()
  X = B.features(op, X, { n_features = not first and self.state.n_features_in_ or nil })
  local n, d = X.shape[1], X.shape[2]
  local codes, classes = class_codes(self, op, y, n, classes_opt, first)
  local w = B.sample_weight(op, sample_weight, n)
  local k = #classes
  local cnt, mu, var = tensor.empty({ k }, "float64"), tensor.empty({ k, d }, "float64"), tensor.empty({ k, d }, "float64")
  ok(C.tide_gaussian_nb_stats(X._c, codes._c, w and w._c or nil, cnt._c, mu._c, var._c))
  -- epsilon_ from this batch's (unweighted) feature variances: pooled from the class moments
  -- (law of total variance) when they are unweighted, else one more pass
  local total_var
  if w == nil then
    local nc = cnt:reshape(k, 1)
    local mean = (mu * nc):sum(1) / n
    total_var = ((var + (mu - mean) ^ 2) * nc):sum(1) / n
  else
    local one, mean1 = tensor.empty({ 1 }, "float64"), tensor.empty({ 1, d }, "float64")
    total_var = tensor.empty({ 1, d }, "float64")
    ok(C.tide_gaussian_nb_stats(X._c, nil, nil, one._c, mean1._c, total_var._c))
  end
  local epsilon = self.params.var_smoothing * total_var:max()
  local S = self.state
  if first then
    S = { classes_ = classes, n_features_in_ = d, theta_ = tensor.zeros({ k, d }, "float64"),
      var_ = tensor.zeros({ k, d }, "float64"), class_count_ = tensor.zeros({ k }, "float64") }
    local priors = self.params.priors
    if not B.is_none(priors) then
      local pr = vector_param(op, "priors", priors)
      if pr:numel() ~= k then raise(op .. ": Number of priors must match number of classes.") end
      if math.abs(pr:sum() - 1) > 1e-8 + 1e-5 then raise(op .. ": The sum of the priors should be 1.") end
      if pr:min() < 0 then raise(op .. ": Priors must be non-negative.") end
      S.class_prior_ = pr
    end
  else
    S.var_:sub_(epsilon) -- scikit-learn removes this batch's epsilon, then adds it back below
  end
  S.epsilon_ = epsilon
  if first and classes_opt == nil and w == nil then -- fit: every class has rows, nothing to pool with
    S.theta_, S.var_, S.class_count_ = mu, var, cnt
    S.var_:add_(epsilon)
    if B.is_none(self.params.priors) then S.class_prior_ = S.class_count_ / S.class_count_:sum() end
    self.state = S
    return self
  end
  local present = tensor.zeros({ k }, "float64"):index_add_(1, codes + 1, tensor.ones({ n }, "float64")) -- rows per class
  for c = 1, k do
    local n_new, n_past = cnt[c], S.class_count_[c]
    if present[c] > 0 and not (w and math.abs(n_new) <= 1e-8) then
      if n_past == 0 then
        S.theta_[c]:copy_(mu[c])
        S.var_[c]:copy_(var[c])
      else
        local n_total = n_past + n_new
        local old_mu, new_mu = S.theta_[c]:clone(), mu[c]
        local total_mu = (new_mu * n_new + old_mu * n_past) / n_total
        local total_ssd = S.var_[c] * n_past + var[c] * n_new + (old_mu - new_mu) ^ 2 * (n_new * n_past / n_total)
        S.theta_[c]:copy_(total_mu)
        S.var_[c]:copy_(total_ssd / n_total)
      end
    end
    if present[c] > 0 then S.class_count_[c] = n_past + n_new end
  end
  S.var_:add_(epsilon)
  if B.is_none(self.params.priors) then S.class_prior_ = S.class_count_ / S.class_count_:sum() end
  self.state = S
  return self
end

function GaussianNB:_jll(op, X)
  local S = self.state
  X = B.features(op, X, { n_features = S.n_features_in_ })
  local out = tensor.empty({ X.shape[1], #S.classes_ }, "float64")
  ok(C.tide_gaussian_nb_jll(X._c, S.theta_._c, S.var_._c, S.class_prior_:log()._c, out._c))
  return out
end

-- ---------------------------------------------------------------- discrete models
local ALPHA_MIN = 1e-10

local function discrete_check(name, extra)
  return function(self)
    local P = self.params
    if type(P.alpha) == "number" then B.check_number(name, "alpha", P.alpha, 0)
    else
      local a = vector_param(name, "alpha", P.alpha)
      if a:numel() > 0 and a:min() < 0 then raise(name .. ": All values in alpha must be greater than 0.") end
    end
    B.check_bool(name, "fit_prior", P.fit_prior)
    if P.force_alpha ~= "warn" then B.check_bool(name, "force_alpha", P.force_alpha) end
    if not B.is_none(P.class_prior) then vector_param(name, "class_prior", P.class_prior) end
    if extra then extra(self) end
  end
end

local function discrete_class(name, extra_defaults, extra_check)
  local defaults = { alpha = 1.0, force_alpha = "warn", fit_prior = true, class_prior = B.NONE }
  for k, v in pairs(extra_defaults or {}) do defaults[k] = v end
  local cls = B.class(name, defaults, { kind = "classifier", check = discrete_check(name, extra_check) })
  install(cls)
  return cls
end

local Discrete = {}

-- fit(X, y, {sample_weight = w}): X dense or CSR (non-negative counts or frequencies).
function Discrete:fit(X, y, opts)
  self.state = nil
  return self:_partial_fit(self._name .. ".fit", X, y, nil, opts and opts.sample_weight)
end

-- partial_fit(X, y, {classes = all labels (first call), sample_weight = w})
function Discrete:partial_fit(X, y, opts)
  opts = opts or {}
  if not self:is_fitted() and opts.classes == nil then
    raise(self._name .. ".partial_fit: classes must be passed on the first call to partial_fit")
  end
  return self:_partial_fit(self._name .. ".partial_fit", X, y, opts.classes, opts.sample_weight)
end

-- binarize threshold, or nil when the model does not binarize
function Discrete:_threshold()
  local b = self.params.binarize
  if b == nil or B.is_none(b) then return nil end
  return b
end

function Discrete:_input(op, X, n_features)
  X = B.features(op, X, { sparse = true, n_features = n_features })
  local t = self:_threshold()
  if self._nonnegative then
    local min = sparse.is_csr(X) and (X.nnz > 0 and X.data:min() or 0) or X:min()
    if min < 0 then raise(format("%s: Negative values in data passed to %s (input X)", op, self._name)) end
  end
  if t ~= nil and t < 0 and sparse.is_csr(X) then raise(op .. ": Cannot binarize a sparse matrix with threshold < 0") end
  return X
end

function Discrete:_partial_fit(op, X, y, classes_opt, sample_weight)
  local first = not self:is_fitted()
  X = self:_input(op, X, not first and self.state.n_features_in_ or nil)
  local n, d = X.shape[1], X.shape[2]
  local codes, classes = class_codes(self, op, y, n, classes_opt, first)
  local w = B.sample_weight(op, sample_weight, n)
  local k = #classes
  local S = self.state
  if first then
    S = { classes_ = classes, n_features_in_ = d, class_count_ = tensor.zeros({ k }, "float64"),
      feature_count_ = tensor.zeros({ k, d }, "float64") }
  end
  local xd, xs = c_csr(X)
  local t = self:_threshold()
  ok(C.tide_nb_count(xd, xs, codes._c, w and w._c or nil, S.feature_count_._c, S.class_count_._c,
    t ~= nil and 1 or 0, t or 0))
  if self._after_count then self:_after_count(S) end
  self:_update_feature_log_prob(S, self:_alpha(op, d))
  self:_update_class_log_prior(op, S)
  self.state = S
  return self
end

-- alpha as a number or float64 [d]; below 1e-10 it is raised to 1e-10 unless force_alpha.
function Discrete:_alpha(op, d)
  local a = self.params.alpha
  local force = self.params.force_alpha == true
  if type(a) == "number" then
    if a < ALPHA_MIN and not force then return ALPHA_MIN end
    return a
  end
  local t = vector_param(op, "alpha", a)
  if t:numel() ~= d then
    raise(format("%s: When alpha is an array, it should contains `n_features`. Got %d elements instead of %d.", op, t:numel(), d))
  end
  if t:min() < ALPHA_MIN and not force then t = t:clamp_min(ALPHA_MIN) end
  return t
end

function Discrete:_update_class_log_prior(op, S)
  local k = #S.classes_
  local cp = self.params.class_prior
  if not B.is_none(cp) then
    local pr = vector_param(op, "class_prior", cp)
    if pr:numel() ~= k then raise(op .. ": Number of priors must match number of classes.") end
    S.class_log_prior_ = pr:log()
  elseif self.params.fit_prior then
    S.class_log_prior_ = S.class_count_:log() - math.log(S.class_count_:sum())
  else
    S.class_log_prior_ = tensor.full({ k }, -math.log(k), "float64")
  end
end

-- X @ W^T for dense or CSR X (W [k, d]) -> float64 [m, k]
local function product(X, W)
  if sparse.is_csr(X) then return X:matmul(W:t():contiguous()) end
  return X:matmul(W:t())
end

-- The data as the model reads it: binarized (BernoulliNB) when binarize is set.
function Discrete:_predict_input(op, X)
  X = self:_input(op, X, self.state.n_features_in_)
  local t = self:_threshold()
  if t == nil then return X end
  if sparse.is_csr(X) then return sparse.csr(X.data:gt(t):to("float64"), X.indices, X.indptr, X.shape) end
  return X:gt(t):to("float64")
end

local function install_discrete(cls)
  for k, v in pairs(Discrete) do cls[k] = v end
  cls._nonnegative = true
end

-- MultinomialNB: feature_log_prob_ = log((count + alpha) / row total).
local MultinomialNB = discrete_class("MultinomialNB")
install_discrete(MultinomialNB)

function MultinomialNB:_update_feature_log_prob(S, alpha)
  local smoothed_fc = S.feature_count_ + alpha
  local smoothed_cc = smoothed_fc:sum(2, true)
  S.feature_log_prob_ = smoothed_fc:log() - smoothed_cc:log()
end

function MultinomialNB:_jll(op, X)
  X = self:_predict_input(op, X)
  return product(X, self.state.feature_log_prob_) + self.state.class_log_prior_
end

-- ComplementNB (Rennie et al. 2003): weights from the counts of every other class.
local ComplementNB = discrete_class("ComplementNB", { norm = false }, function(self)
  B.check_bool("ComplementNB", "norm", self.params.norm)
end)
install_discrete(ComplementNB)

function ComplementNB:_after_count(S)
  S.feature_all_ = S.feature_count_:sum(1)
end

function ComplementNB:_update_feature_log_prob(S, alpha)
  local comp_count = -S.feature_count_ + (S.feature_all_ + alpha)
  local logged = (comp_count / comp_count:sum(2, true)):log()
  if self.params.norm then
    S.feature_log_prob_ = logged / logged:sum(2, true)
  else
    S.feature_log_prob_ = -logged
  end
end

function ComplementNB:_jll(op, X)
  X = self:_predict_input(op, X)
  local jll = product(X, self.state.feature_log_prob_)
  if #self.state.classes_ == 1 then jll = jll + self.state.class_log_prior_ end
  return jll
end

-- BernoulliNB: binary features (binarize = threshold, or None for data already 0/1).
local BernoulliNB = discrete_class("BernoulliNB", { binarize = 0.0 }, function(self)
  local b = self.params.binarize
  if not B.is_none(b) then B.check_number("BernoulliNB", "binarize", b) end
end)
install_discrete(BernoulliNB)
BernoulliNB._nonnegative = false

function BernoulliNB:_update_feature_log_prob(S, alpha)
  local smoothed_fc = S.feature_count_ + alpha
  local smoothed_cc = S.class_count_:reshape(#S.classes_, 1) + alpha * 2 -- [k, 1] (or [k, d] for a vector alpha)
  S.feature_log_prob_ = smoothed_fc:log() - smoothed_cc:log()
end

function BernoulliNB:_jll(op, X)
  X = self:_predict_input(op, X)
  local flp = self.state.feature_log_prob_
  local neg_prob = (-flp:exp() + 1):log()
  local jll = product(X, flp - neg_prob)
  return jll + (self.state.class_log_prior_ + neg_prob:sum(2))
end

return { GaussianNB = GaussianNB, MultinomialNB = MultinomialNB, ComplementNB = ComplementNB, BernoulliNB = BernoulliNB }
