-- tide.feature_selection filters that need no target:
--   VarianceThreshold{threshold = 0}      drop features whose variance is at most threshold
--                                         (scikit-learn's: population variance; with threshold
--                                         0 also the peak-to-peak range, so constant columns go
--                                         even when rounding leaves a tiny variance)
--   CorrelationFilter{threshold = 0.9, method = "pearson" | "spearman"}
--                                         drop one feature of each pair whose |r| is above
--                                         threshold: columns are visited in order and a column
--                                         is kept when its |r| with every column kept so far is
--                                         at most threshold; dropped_ lists {dropped, kept, r}
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local S = require("tide.feature_selection.selector")
local raise = core.raise
local format = string.format

local M = {}

-- ---------------------------------------------------------------- VarianceThreshold
local VT = B.class("VarianceThreshold", { threshold = 0 }, {
  kind = "transformer",
  check = function(self) B.check_number("VarianceThreshold", "threshold", self.params.threshold, 0) end,
})
M.VarianceThreshold = VT
S.install(VT, { sparse = true })

function VT:fit(X)
  local op = "VarianceThreshold.fit"
  X = B.features(op, X, { sparse = true })
  local n, d = X.shape[1], X.shape[2]
  local mean, sq, lo, hi
  if sparse.is_csr(X) then
    local ones = tensor.ones({ n }, "float64")
    mean = X:t_matmul(ones) / n
    local X2 = sparse.csr(X.data * X.data, X.indices, X.indptr, X.shape)
    sq = X2:t_matmul(ones) / n
    if self.params.threshold == 0 then lo, hi = S.csr_column_range(X) end
  else
    mean = X:mean(1)
    sq = (X * X):mean(1)
    if self.params.threshold == 0 then lo, hi = X:min(1), X:max(1) end
  end
  local var
  if sparse.is_csr(X) then
    var = (sq - mean * mean):clamp(0, math.huge)
  else
    local c = X - mean:reshape(1, d)
    var = (c * c):mean(1)
  end
  if self.params.threshold == 0 then var = var:minimum(hi - lo) end
  local v = S.list(var)
  local support, any = {}, false
  for j = 1, d do
    support[j] = v[j] > self.params.threshold
    any = any or support[j]
  end
  if not any then
    raise(format("%s: no feature in X meets the variance threshold %.5f", op, self.params.threshold))
  end
  self.state = { variances_ = var, support_ = support, n_features_in_ = d }
  return self
end

-- ---------------------------------------------------------------- CorrelationFilter
local CF = B.class("CorrelationFilter", { threshold = 0.9, method = "pearson" }, {
  kind = "transformer",
  check = function(self)
    B.check_number("CorrelationFilter", "threshold", self.params.threshold, 0, 1)
    B.check_one_of("CorrelationFilter", "method", self.params.method, { "pearson", "spearman" })
  end,
})
M.CorrelationFilter = CF
S.install(CF)

function CF:fit(X)
  local op = "CorrelationFilter.fit"
  X = B.features(op, X)
  local d = X.shape[2]
  local stats = require("tide.stats")
  local r = stats.corr(X, { method = self.params.method })
  local rp = r:contiguous():data_ptr()
  local support, kept, dropped = {}, {}, {}
  for j = 1, d do
    local keep = true
    for _, i in ipairs(kept) do
      local v = rp[(i - 1) * d + (j - 1)]
      if v == v and math.abs(v) > self.params.threshold then
        keep = false
        dropped[#dropped + 1] = { j, i, v }
        break
      end
    end
    support[j] = keep
    if keep then kept[#kept + 1] = j end
  end
  self.state = { correlation_ = r, support_ = support, dropped_ = dropped, n_features_in_ = d }
  return self
end

return M
