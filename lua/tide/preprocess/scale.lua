-- tide.preprocess scalers, equal to scikit-learn 1.2's: StandardScaler, MinMaxScaler,
-- RobustScaler, MaxAbsScaler (statistics skip NaN, NaN passes through transform) and
-- Normalizer (rows to unit l1 / l2 / max norm; NaN not allowed).
-- Statistics come from C (core/preprocess.c); transforms are broadcast tensor ops.
local B = require("tide.preprocess.base")
local core = require("tide._core")
local raise = core.raise

local M = {}


-- ---------------------------------------------------------------- StandardScaler
M.StandardScaler = B.class("StandardScaler", { with_mean = true, with_std = true }, function(self)
  B.boolean("StandardScaler", "with_mean", self.params.with_mean)
  B.boolean("StandardScaler", "with_std", self.params.with_std)
end)
local SS = M.StandardScaler

function SS:fit(X)
  X = B.matrix("StandardScaler.fit", X)
  local s = B.col_stats(X)
  local d = X.shape[2]
  local scale, constant = {}, {}
  for j = 1, d do
    local var, mean, n = s.var[j], s.mean[j], s.count[j]
    -- scikit-learn's _is_constant_feature: variance within rounding of zero
    local bound = n * B.EPS * var + (n * mean * B.EPS) ^ 2
    constant[j] = var <= bound
    scale[j] = math.sqrt(var)
  end
  self.state = { n_features_in = d, mean = s.mean, var = s.var, n_samples_seen = s.count,
    scale = self.params.with_std and B.handle_zeros(scale, constant) or nil }
  return self
end

function SS:transform(X)
  self:check_fitted("transform")
  X = B.matrix("StandardScaler.transform", X, self.state.n_features_in, true)
  if self.params.with_mean then X = X - B.row(self.state.mean) end
  if self.params.with_std then X = X / B.row(self.state.scale) end
  return X
end

function SS:inverse_transform(X)
  self:check_fitted("inverse_transform")
  X = B.matrix("StandardScaler.inverse_transform", X, self.state.n_features_in, true)
  if self.params.with_std then X = X * B.row(self.state.scale) end
  if self.params.with_mean then X = X + B.row(self.state.mean) end
  return X
end

-- ---------------------------------------------------------------- MinMaxScaler
M.MinMaxScaler = B.class("MinMaxScaler", { feature_range = { 0, 1 }, clip = false }, function(self)
  local fr = self.params.feature_range
  if type(fr) ~= "table" or type(fr[1]) ~= "number" or type(fr[2]) ~= "number" or not (fr[1] < fr[2]) then
    raise("MinMaxScaler: feature_range must be {min, max} with min < max")
  end
  B.boolean("MinMaxScaler", "clip", self.params.clip)
end)
local MM = M.MinMaxScaler

function MM:fit(X)
  X = B.matrix("MinMaxScaler.fit", X)
  local s = B.col_stats(X)
  local d = X.shape[2]
  local lo, hi = self.params.feature_range[1], self.params.feature_range[2]
  local range = {}
  for j = 1, d do range[j] = s.max[j] - s.min[j] end
  local r = B.handle_zeros(range)
  local scale, minv = {}, {}
  for j = 1, d do
    scale[j] = (hi - lo) / r[j]
    minv[j] = lo - s.min[j] * scale[j]
  end
  self.state = { n_features_in = d, data_min = s.min, data_max = s.max, data_range = range, scale = scale,
    min = minv, n_samples_seen = X.shape[1] }
  return self
end

function MM:transform(X)
  self:check_fitted("transform")
  X = B.matrix("MinMaxScaler.transform", X, self.state.n_features_in, true)
  X = X * B.row(self.state.scale) + B.row(self.state.min)
  if self.params.clip then
    local fr = self.params.feature_range
    X = X:clamp(fr[1], fr[2])
  end
  return X
end

function MM:inverse_transform(X)
  self:check_fitted("inverse_transform")
  X = B.matrix("MinMaxScaler.inverse_transform", X, self.state.n_features_in, true)
  return (X - B.row(self.state.min)) / B.row(self.state.scale)
end

-- ---------------------------------------------------------------- RobustScaler
M.RobustScaler = B.class("RobustScaler",
  { with_centering = true, with_scaling = true, quantile_range = { 25, 75 }, unit_variance = false },
  function(self)
    local p = self.params
    B.boolean("RobustScaler", "with_centering", p.with_centering)
    B.boolean("RobustScaler", "with_scaling", p.with_scaling)
    B.boolean("RobustScaler", "unit_variance", p.unit_variance)
    local q = p.quantile_range
    if type(q) ~= "table" or type(q[1]) ~= "number" or type(q[2]) ~= "number" or not (0 <= q[1] and q[1] <= q[2] and q[2] <= 100) then
      raise("RobustScaler: quantile_range must be {q_min, q_max} with 0 <= q_min <= q_max <= 100")
    end
  end)
local RS = M.RobustScaler

-- inverse of the standard normal CDF (for unit_variance), Acklam's rational approximation
-- refined by one Newton step on erfc: well below 1e-12 relative error.
local function norm_ppf(p)
  local a = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 }
  local b = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 }
  local c = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 }
  local dd = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 }
  local x
  if p < 0.02425 then
    local q = math.sqrt(-2 * math.log(p))
    x = (((((c[1] * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) * q + c[6]) / ((((dd[1] * q + dd[2]) * q + dd[3]) * q + dd[4]) * q + 1)
  elseif p > 1 - 0.02425 then
    local q = math.sqrt(-2 * math.log(1 - p))
    x = -(((((c[1] * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) * q + c[6]) / ((((dd[1] * q + dd[2]) * q + dd[3]) * q + dd[4]) * q + 1)
  else
    local q = p - 0.5
    local r = q * q
    x = (((((a[1] * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * r + a[6]) * q / (((((b[1] * r + b[2]) * r + b[3]) * r + b[4]) * r + b[5]) * r + 1)
  end
  local tide = require("tide")
  for _ = 1, 2 do -- Newton steps with the exact CDF through erf
    local cdf = 0.5 * (1 + tide.tensor({ x / math.sqrt(2) }, "float64"):erf()[1])
    x = x - (cdf - p) * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
  end
  return x
end

function RS:fit(X)
  X = B.matrix("RobustScaler.fit", X)
  local d = X.shape[2]
  local p = self.params
  local st = { n_features_in = d }
  if p.with_centering then st.center = B.col_quantiles(X, { 0.5 })[1] end
  if p.with_scaling then
    local q = B.col_quantiles(X, { p.quantile_range[1] / 100, p.quantile_range[2] / 100 })
    local scale = {}
    for j = 1, d do scale[j] = q[2][j] - q[1][j] end
    scale = B.handle_zeros(scale)
    if p.unit_variance then
      local adjust = norm_ppf(p.quantile_range[2] / 100) - norm_ppf(p.quantile_range[1] / 100)
      for j = 1, d do scale[j] = scale[j] / adjust end
    end
    st.scale = scale
  end
  self.state = st
  return self
end

function RS:transform(X)
  self:check_fitted("transform")
  X = B.matrix("RobustScaler.transform", X, self.state.n_features_in, true)
  if self.params.with_centering then X = X - B.row(self.state.center) end
  if self.params.with_scaling then X = X / B.row(self.state.scale) end
  return X
end

function RS:inverse_transform(X)
  self:check_fitted("inverse_transform")
  X = B.matrix("RobustScaler.inverse_transform", X, self.state.n_features_in, true)
  if self.params.with_scaling then X = X * B.row(self.state.scale) end
  if self.params.with_centering then X = X + B.row(self.state.center) end
  return X
end

-- ---------------------------------------------------------------- MaxAbsScaler
M.MaxAbsScaler = B.class("MaxAbsScaler", {})
local MA = M.MaxAbsScaler

function MA:fit(X)
  X = B.matrix("MaxAbsScaler.fit", X)
  local s = B.col_stats(X)
  self.state = { n_features_in = X.shape[2], max_abs = s.maxabs, scale = B.handle_zeros(s.maxabs) }
  return self
end

function MA:transform(X)
  self:check_fitted("transform")
  X = B.matrix("MaxAbsScaler.transform", X, self.state.n_features_in, true)
  return X / B.row(self.state.scale)
end

function MA:inverse_transform(X)
  self:check_fitted("inverse_transform")
  X = B.matrix("MaxAbsScaler.inverse_transform", X, self.state.n_features_in, true)
  return X * B.row(self.state.scale)
end

-- ---------------------------------------------------------------- Normalizer
M.Normalizer = B.class("Normalizer", { norm = "l2" }, function(self)
  B.one_of("Normalizer", "norm", self.params.norm, { "l1", "l2", "max" })
end)
local NZ = M.Normalizer

function NZ:fit(X)
  X = B.matrix("Normalizer.fit", X)
  B.check_finite("Normalizer.fit", X)
  self.state = { n_features_in = X.shape[2] }
  return self
end

function NZ:transform(X)
  self:check_fitted("transform")
  X = B.matrix("Normalizer.transform", X, self.state.n_features_in, true)
  B.check_finite("Normalizer.transform", X)
  local norm = self.params.norm
  local norms
  if norm == "l1" then norms = X:abs():sum(2, true)
  elseif norm == "l2" then norms = (X * X):sum(2, true):sqrt()
  else norms = X:abs():amax(2, true) end
  norms = norms:masked_fill(norms:lt(10 * B.EPS), 1) -- scikit-learn: near-zero norms stay
  return X / norms
end

return M
