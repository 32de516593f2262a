-- tide.models.dummy: DummyClassifier and DummyRegressor, scikit-learn's baselines that ignore
-- the features: they predict from the training targets alone (the most frequent class, the
-- class prior, random draws, a constant; the mean, median, a quantile, a constant). A model
-- that does not beat them has learned nothing. As in scikit-learn, X only gives the number of
-- rows (a tensor [n, d], a Lua array of rows, a CSR matrix); its values are not read.
local B = require("tide.models.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local raise, format = core.raise, string.format

-- The number of rows of X (values unused).
local function n_rows(op, X)
  if tensor.is_tensor(X) then
    if X:dim() ~= 2 then raise(format("%s: X must be a 2-d tensor [n, d], got %d dims", op, X:dim())) end
    if X.shape[1] == 0 then raise(op .. ": empty input: X has no rows") end
    return X.shape[1]
  elseif sparse.is_csr(X) then
    if X.shape[1] == 0 then raise(op .. ": empty input: X has no rows") end
    return X.shape[1]
  elseif type(X) == "table" then
    if #X == 0 then raise(op .. ": empty input: X has no rows") end
    return #X
  end
  raise(format("%s: X must be a tensor [n, d], a Lua array of rows or a CSR matrix, got %s", op, type(X)))
end

local function n_features(X)
  if tensor.is_tensor(X) or sparse.is_csr(X) then return X.shape[2] end
  return type(X[1]) == "table" and #X[1] or 1
end

-- Draws from Tide's generator; with random_state set, from a generator seeded with it (the
-- global generator's state is restored), so each predict call repeats, as in scikit-learn.
local function with_seed(self, fn)
  local rs = self.params.random_state
  if B.is_none(rs) then return fn() end
  local saved = tensor.get_rng_state()
  tensor.manual_seed(rs)
  local ok, a = pcall(fn)
  tensor.set_rng_state(saved)
  if not ok then error(a, 0) end
  return a
end

-- ---------------------------------------------------------------- classifier
local STRATEGIES = { "most_frequent", "prior", "stratified", "uniform", "constant" }

local DummyClassifier = B.class("DummyClassifier", { strategy = "prior", random_state = B.NONE, constant = B.NONE }, {
  kind = "classifier",
  check = function(self)
    B.check_one_of("DummyClassifier", "strategy", self.params.strategy, STRATEGIES)
    local c = self.params.constant
    if not B.is_none(c) and type(c) ~= "number" and type(c) ~= "string" then
      raise("DummyClassifier: constant must be a number, a string or None, got " .. type(c))
    end
    local rs = self.params.random_state
    if not B.is_none(rs) and (type(rs) ~= "number" or rs < 0 or rs ~= math.floor(rs)) then
      raise("DummyClassifier: random_state must be a non-negative integer or None")
    end
  end,
})

-- fit(X, y, {sample_weight = w}): classes_, n_classes_, class_prior_ (weighted class shares).
function DummyClassifier:fit(X, y, opts)
  local op = "DummyClassifier.fit"
  local n = n_rows(op, X)
  local codes, classes = B.encode_labels(op, y, n, { allow_single = true })
  local w = B.sample_weight(op, opts and opts.sample_weight, n) or tensor.ones({ n }, "float64")
  local k = #classes
  local counts = tensor.zeros({ k }, "float64"):index_add_(1, codes + 1, w)
  local state = { classes_ = classes, n_classes_ = k, class_prior_ = counts / counts:sum(), n_outputs_ = 1,
    n_features_in_ = n_features(X) }
  if self.params.strategy == "constant" then
    local c = self.params.constant
    if B.is_none(c) then raise(op .. ": Constant target value has to be specified when the constant strategy is used.") end
    local found
    for i, v in ipairs(classes) do if v == c then found = i end end
    if not found then
      local names = {}
      for i, v in ipairs(classes) do names[i] = tostring(v) end
      raise(format("%s: The constant target value must be present in the training data. You provided constant=%s. Possible values are: {%s}.",
        op, tostring(c), table.concat(names, ", ")))
    end
    state.constant_index_ = found - 1
  end
  self.state = state
  return self
end

-- 0-based class codes [n] of the predictions.
function DummyClassifier:_codes(op, n)
  local S, strategy = self.state, self.params.strategy
  if strategy == "most_frequent" or strategy == "prior" then
    local _, i = S.class_prior_:max(1) -- the first largest share
    return tensor.full({ n }, i:item() - 1, "int64")
  elseif strategy == "constant" then
    return tensor.full({ n }, S.constant_index_, "int64")
  elseif strategy == "uniform" then
    return with_seed(self, function() return tensor.randint(0, S.n_classes_, { n }) end)
  end
  -- stratified: class i with probability class_prior_[i] (the first whose cumulative share passes u)
  local cum = S.class_prior_:cumsum(1)
  local u = with_seed(self, function() return tensor.rand({ n }, "float64") end)
  local codes = u:reshape(n, 1):ge(cum:reshape(1, S.n_classes_)):to("int64"):sum(2)
  return codes:clamp_max(S.n_classes_ - 1)
end

function DummyClassifier:predict(X)
  local op = "DummyClassifier.predict"
  self:check_fitted("predict")
  local n = n_rows(op, X)
  return B.decode_labels(self.state.classes_, self:_codes(op, n))
end

-- predict_proba(X): float64 [n, n_classes]: one-hot rows (most_frequent, constant, stratified),
-- the class prior (prior) or 1 / n_classes (uniform).
function DummyClassifier:predict_proba(X)
  local op = "DummyClassifier.predict_proba"
  self:check_fitted("predict_proba")
  local n = n_rows(op, X)
  local S, strategy = self.state, self.params.strategy
  local k = S.n_classes_
  if strategy == "prior" then return S.class_prior_:reshape(1, k):expand(n, k):contiguous() end
  if strategy == "uniform" then return tensor.full({ n, k }, 1 / k, "float64") end
  local codes = self:_codes(op, n)
  return tensor.zeros({ n, k }, "float64"):scatter_(2, codes:reshape(n, 1) + 1, 1)
end

function DummyClassifier:predict_log_proba(X)
  return self:predict_proba(X):log()
end

-- ---------------------------------------------------------------- regressor
local DummyRegressor = B.class("DummyRegressor", { strategy = "mean", constant = B.NONE, quantile = B.NONE }, {
  kind = "regressor",
  check = function(self)
    local P = self.params
    B.check_one_of("DummyRegressor", "strategy", P.strategy, { "mean", "median", "quantile", "constant" })
    if not B.is_none(P.quantile) then B.check_number("DummyRegressor", "quantile", P.quantile, 0, 1) end
    if not B.is_none(P.constant) then
      B.check_number("DummyRegressor", "constant", P.constant)
      if P.constant == math.huge or P.constant == -math.huge then raise("DummyRegressor: constant must be finite") end
    end
  end,
})

-- NumPy's percentile (linear interpolation between order statistics) of sorted values v [n].
local function percentile(v, q)
  local n = v:numel()
  local pos = q / 100 * (n - 1)
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, n - 1)
  local t = pos - lo
  local a, b = v[lo + 1], v[hi + 1]
  local diff = b - a
  if t >= 0.5 then return b - diff * (1 - t) end
  return a + diff * t
end

-- scikit-learn's _weighted_percentile: the first sorted value whose cumulative weight reaches
-- q% of the total.
local function weighted_percentile(y, w, q)
  local v, order = y:sort()
  local cdf = w:index_select(1, order):cumsum(1)
  local total = cdf[cdf:numel()]
  local target = q / 100 * total
  if target == 0 then target = 4.9406564584124654e-324 end -- np.nextafter(0, 1)
  local idx = cdf:lt(target):to("int64"):sum()
  if idx > v:numel() - 1 then idx = v:numel() - 1 end
  return v[idx + 1]
end

-- fit(X, y, {sample_weight = w}): constant_ = the mean, median, quantile or constant of y.
function DummyRegressor:fit(X, y, opts)
  local op = "DummyRegressor.fit"
  local n = n_rows(op, X)
  y = B.targets(op, y, n)
  local w = B.sample_weight(op, opts and opts.sample_weight, n)
  local P = self.params
  local value
  if P.strategy == "mean" then
    value = w and (y * w):sum() / w:sum() or y:mean()
  elseif P.strategy == "median" or P.strategy == "quantile" then
    local q = 50
    if P.strategy == "quantile" then
      if B.is_none(P.quantile) then
        raise(op .. ": When using strategy='quantile', you have to specify the desired quantile in the range [0, 1].")
      end
      q = P.quantile * 100
    end
    if w then
      value = weighted_percentile(y, w, q)
    elseif P.strategy == "median" then
      local v = y:sort()
      local m = v:numel()
      value = m % 2 == 1 and v[(m + 1) / 2] or (v[m / 2] + v[m / 2 + 1]) / 2
    else
      value = percentile(y:sort(), q)
    end
  else
    if B.is_none(P.constant) then raise(op .. ": Constant target value has to be specified when the constant strategy is used.") end
    value = P.constant
  end
  self.state = { constant_ = value, n_outputs_ = 1, n_features_in_ = n_features(X) }
  return self
end

-- predict(X, {return_std = false}): float64 [n] filled with constant_ (and, with return_std,
-- the standard deviations: zeros, as scikit-learn returns).
function DummyRegressor:predict(X, opts)
  self:check_fitted("predict")
  local n = n_rows("DummyRegressor.predict", X)
  local y = tensor.full({ n }, self.state.constant_, "float64")
  if opts and opts.return_std then return y, tensor.zeros({ n }, "float64") end
  return y
end

return { DummyClassifier = DummyClassifier, DummyRegressor = DummyRegressor }
