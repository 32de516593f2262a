-- tide.preprocess imputers, equal to scikit-learn 1.2's: SimpleImputer (mean, median,
-- most_frequent, constant; add_indicator), MissingIndicator and KNNImputer (nan_euclidean
-- distances in C). Missing cells are NaN. As in scikit-learn, a column with no value at fit is
-- dropped from the output by the mean / median / most_frequent strategies and by KNNImputer.
local ffi = require("ffi")
local B = require("tide.preprocess.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local C = core.C
local raise = core.raise

local M = {}

-- ---------------------------------------------------------------- MissingIndicator
M.MissingIndicator = B.class("MissingIndicator", { features = "missing-only", error_on_new = true }, function(self)
  B.one_of("MissingIndicator", "features", self.params.features, { "missing-only", "all" })
  B.boolean("MissingIndicator", "error_on_new", self.params.error_on_new)
end)
local MI = M.MissingIndicator

function MI:fit(X)
  X = B.matrix("MissingIndicator.fit", X)
  local d = X.shape[2]
  local s = B.col_stats(X)
  local features = {}
  for j = 1, d do
    if self.params.features == "all" or s.count[j] < X.shape[1] then features[#features + 1] = j end
  end
  self.state = { n_features_in = d, features = features }
  return self
end

-- bool tensor [n, #features]: true where the cell is missing
function MI:transform(X)
  self:check_fitted("transform")
  local op = "MissingIndicator.transform"
  X = B.matrix(op, X, self.state.n_features_in, true)
  local mask = X:isnan()
  local f = self.state.features
  if self.params.features == "missing-only" and self.params.error_on_new and X.shape[1] > 0 then
    local has = mask:any(1)
    local chosen = {}
    for _, j in ipairs(f) do chosen[j] = true end
    for j = 1, X.shape[2] do
      if has[j] and not chosen[j] then
        raise(string.format("%s: column %d has missing values in transform but had none in fit (error_on_new = true)", op, j))
      end
    end
  end
  if #f == X.shape[2] then return mask end
  if #f == 0 then return tensor.zeros({ X.shape[1], 0 }, "bool") end
  return mask:index_select(2, B.integer_indices(f))
end

-- ---------------------------------------------------------------- SimpleImputer
M.SimpleImputer = B.class("SimpleImputer",
  { strategy = "mean", fill_value = 0, add_indicator = false, keep_empty_features = false },
  function(self)
    local p = self.params
    B.one_of("SimpleImputer", "strategy", p.strategy, { "mean", "median", "most_frequent", "constant" })
    if type(p.fill_value) ~= "number" then raise("SimpleImputer: fill_value must be a number for numeric input") end
    B.boolean("SimpleImputer", "add_indicator", p.add_indicator)
    B.boolean("SimpleImputer", "keep_empty_features", p.keep_empty_features)
  end)
local SI = M.SimpleImputer

function SI:fit(X)
  X = B.matrix("SimpleImputer.fit", X)
  local d = X.shape[2]
  local p = self.params
  local stats
  if p.strategy == "mean" then stats = B.col_stats(X).mean
  elseif p.strategy == "median" then stats = B.col_quantiles(X, { 0.5 })[1]
  elseif p.strategy == "most_frequent" then stats = B.col_mode(X)
  else
    stats = {}
    for j = 1, d do stats[j] = p.fill_value end
  end
  local keep = {}
  for j = 1, d do
    if stats[j] ~= stats[j] then
      if p.keep_empty_features then stats[j] = p.strategy == "constant" and p.fill_value or 0 end
    end
    if stats[j] == stats[j] then keep[#keep + 1] = j end
  end
  self.state = { n_features_in = d, statistics = stats, keep = keep }
  if p.add_indicator then
    self.indicator = M.MissingIndicator.new({ error_on_new = false }):fit(X)
    self.state.indicator = self.indicator.state
  end
  return self
end

function SI:transform(X)
  self:check_fitted("transform")
  local st = self.state
  X = B.matrix("SimpleImputer.transform", X, st.n_features_in, true)
  local stats = st.statistics
  local fill = {}
  for j = 1, #stats do fill[j] = stats[j] == stats[j] and stats[j] or 0 end
  local out = require("tide").where(X:isnan(), B.row(fill), X)
  if #st.keep < st.n_features_in then
    if #st.keep == 0 then out = tensor.zeros({ X.shape[1], 0 }, "float64")
    else out = out:index_select(2, B.integer_indices(st.keep)) end
  end
  if self.params.add_indicator then
    if not self.indicator then
      self.indicator = M.MissingIndicator.new({ error_on_new = false })
      self.indicator.state = st.indicator
    end
    local ind = self.indicator:transform(X):to("float64")
    out = require("tide").cat({ out, ind }, 2)
  end
  return out
end

-- ---------------------------------------------------------------- KNNImputer
M.KNNImputer = B.class("KNNImputer", { n_neighbors = 5, weights = "uniform", add_indicator = false,
  keep_empty_features = false }, function(self)
  local p = self.params
  if type(p.n_neighbors) ~= "number" or p.n_neighbors < 1 or p.n_neighbors ~= math.floor(p.n_neighbors) then
    raise("KNNImputer: n_neighbors must be a positive integer")
  end
  B.one_of("KNNImputer", "weights", p.weights, { "uniform", "distance" })
  B.boolean("KNNImputer", "add_indicator", p.add_indicator)
  B.boolean("KNNImputer", "keep_empty_features", p.keep_empty_features)
end)
local KN = M.KNNImputer

function KN:fit(X)
  X = B.matrix("KNNImputer.fit", X)
  B.check_no_inf("KNNImputer.fit", X)
  local d = X.shape[2]
  local s = B.col_stats(X)
  self.fit_X = X:clone()
  self.state = { n_features_in = d, col_mean = s.mean, count = s.count, fit_X = nil }
  if self.params.add_indicator then
    self.indicator = M.MissingIndicator.new({ error_on_new = false }):fit(X)
    self.state.indicator = self.indicator.state
  end
  return self
end

-- saved state keeps the training rows (k-NN needs them) as a flat list
function KN:to_table()
  local t = B.Base.to_table(self)
  if self.state then
    local st = {}
    for k, v in pairs(self.state) do st[k] = v end
    st.fit_X = { shape = self.fit_X.shape, data = B.flat(self.fit_X) }
    t.state = st
  end
  return t
end

function KN.from_table(t)
  local self = KN.new(t.params or {})
  self.state = t.state
  if t.state then
    local f = t.state.fit_X
    self.fit_X = tensor.tensor(f.data, "float64"):reshape(f.shape[1], f.shape[2])
    local st = {}
    for k, v in pairs(t.state) do if k ~= "fit_X" then st[k] = v end end
    self.state = st
  end
  return self
end

function KN:transform(X)
  self:check_fitted("transform")
  local st = self.state
  local op = "KNNImputer.transform"
  X = B.matrix(op, X, st.n_features_in, true)
  B.check_no_inf(op, X)
  local d = X.shape[2]
  local keep = {}
  for j = 1, d do
    if st.count[j] > 0 or self.params.keep_empty_features then keep[#keep + 1] = j end
  end
  -- every NaN cell filled in C (core/preprocess_knn.c); columns empty at fit are dropped below
  local means = ffi.new("double[?]", d, st.col_mean)
  local p = C.tide_preprocess_knn_impute(X._c, self.fit_X._c, self.params.n_neighbors,
    self.params.weights == "distance" and 1 or 0, means, nil)
  if p == nil then core.raise_c() end
  local out = core.wrap(p)
  if #keep < d then out = out:index_select(2, B.integer_indices(keep)) end
  if self.params.add_indicator then
    if not self.indicator then
      self.indicator = M.MissingIndicator.new({ error_on_new = false })
      self.indicator.state = st.indicator
    end
    out = require("tide").cat({ out, self.indicator:transform(X):to("float64") }, 2)
  end
  return out
end

return M
