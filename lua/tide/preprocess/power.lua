-- tide.preprocess.PowerTransformer: scikit-learn 1.2's Yeo-Johnson power transform (lambda per
-- column by maximum likelihood with SciPy's Brent search, in C: core/preprocess_power.c), then
-- optionally standardized. NaN cells are ignored in fit and stay NaN.
local ffi = require("ffi")
local B = require("tide.preprocess.base")
local scale = require("tide.preprocess.scale")
local core = require("tide._core")
local C = core.C
local raise = core.raise

local M = {}

M.PowerTransformer = B.class("PowerTransformer", { method = "yeo-johnson", standardize = true }, function(self)
  if self.params.method ~= "yeo-johnson" then
    raise("PowerTransformer: method must be 'yeo-johnson' (box-cox is not implemented), got " .. tostring(self.params.method))
  end
  B.boolean("PowerTransformer", "standardize", self.params.standardize)
end)
local PT = M.PowerTransformer

local function apply(X, lambdas, inverse)
  local lam = ffi.new("double[?]", #lambdas, lambdas)
  local p = C.tide_preprocess_yeojohnson(X._c, lam, inverse and 1 or 0, nil)
  if p == nil then core.raise_c() end
  return core.wrap(p)
end

function PT:fit(X)
  X = B.matrix("PowerTransformer.fit", X)
  B.check_no_inf("PowerTransformer.fit", X)
  local d = X.shape[2]
  local lam = ffi.new("double[?]", d)
  if C.tide_preprocess_yeojohnson_lambdas(X._c, lam) ~= 0 then core.raise_c() end
  local lambdas = {}
  for j = 1, d do lambdas[j] = lam[j - 1] end
  return self:_fit_lambdas(X, lambdas)
end

-- the rest of fit once the lambdas are known (the parity tests give scikit-learn's: see
-- tests/lua/preprocess_spec.lua)
function PT:_fit_lambdas(X, lambdas)
  local d = X.shape[2]
  self.state = { n_features_in = d, lambdas = lambdas }
  if self.params.standardize then
    self.scaler = scale.StandardScaler.new():fit(apply(X, lambdas))
    self.state.scaler = self.scaler.state
  end
  return self
end

function PT:_scaler()
  if not self.scaler then
    self.scaler = scale.StandardScaler.new()
    self.scaler.state = self.state.scaler
  end
  return self.scaler
end

function PT:transform(X)
  self:check_fitted("transform")
  X = B.matrix("PowerTransformer.transform", X, self.state.n_features_in, true)
  B.check_no_inf("PowerTransformer.transform", X)
  X = apply(X, self.state.lambdas)
  if self.params.standardize then X = self:_scaler():transform(X) end
  return X
end

function PT:inverse_transform(X)
  self:check_fitted("inverse_transform")
  X = B.matrix("PowerTransformer.inverse_transform", X, self.state.n_features_in, true)
  if self.params.standardize then X = self:_scaler():inverse_transform(X) end
  return apply(X, self.state.lambdas, true)
end

return M
