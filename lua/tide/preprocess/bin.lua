-- tide.preprocess.KBinsDiscretizer: scikit-learn 1.2's binning of continuous columns into
-- n_bins intervals — uniform (equal width), quantile (equal counts; NumPy's percentiles) or
-- kmeans (1-d k-means from uniform centres, Lloyd's iterations with scikit-learn's stopping
-- rule); bins narrower than 1e-8 are merged away as scikit-learn does. Output: bin ids 0..k-1
-- (encode = "ordinal", scikit-learn's values) or their one-hot columns ("onehot", dense).
local ffi = require("ffi")
local B = require("tide.preprocess.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local raise = core.raise

local M = {}

M.KBinsDiscretizer = B.class("KBinsDiscretizer", { n_bins = 5, encode = "onehot", strategy = "quantile" }, function(self)
  local p = self.params
  if type(p.n_bins) == "table" then
    for _, b in ipairs(p.n_bins) do
      if type(b) ~= "number" or b < 2 or b % 1 ~= 0 then raise("KBinsDiscretizer: each n_bins must be an integer >= 2") end
    end
  elseif type(p.n_bins) ~= "number" or p.n_bins < 2 or p.n_bins % 1 ~= 0 then
    raise("KBinsDiscretizer: n_bins must be an integer >= 2 (or a list of them)")
  end
  B.one_of("KBinsDiscretizer", "encode", p.encode, { "onehot", "onehot-dense", "ordinal" })
  B.one_of("KBinsDiscretizer", "strategy", p.strategy, { "uniform", "quantile", "kmeans" })
end)
local KB = M.KBinsDiscretizer

-- NumPy's linspace(a, b, num): start + k * step, the last exactly b
local function linspace(a, b, num)
  local step = (b - a) / (num - 1)
  local out = {}
  for k = 0, num - 1 do out[k + 1] = a + k * step end
  out[num] = b
  return out
end

function KB:fit(X)
  local op = "KBinsDiscretizer.fit"
  X = B.matrix(op, X)
  B.check_finite(op, X)
  local n, d = X.shape[1], X.shape[2]
  local p = self.params
  local nb = p.n_bins
  if type(nb) == "table" and #nb ~= d then
    raise(string.format("%s: n_bins has %d entries, X has %d columns", op, #nb, d))
  end
  local s = B.col_stats(X)
  local edges, n_bins = {}, {}
  for j = 1, d do
    local k = type(nb) == "table" and nb[j] or nb
    local lo, hi = s.min[j], s.max[j]
    local e
    if lo == hi then
      e = { -math.huge, math.huge }
    elseif p.strategy == "uniform" then
      e = linspace(lo, hi, k + 1)
    elseif p.strategy == "quantile" then
      local pct = linspace(0, 100, k + 1)
      local qs = {}
      for t = 1, #pct do qs[t] = pct[t] / 100 end
      local q = B.col_quantiles(X:narrow(2, j, 1):contiguous(), qs)
      e = {}
      for t = 1, #qs do e[t] = q[t][1] end
    else
      local u = linspace(lo, hi, k + 1)
      local init = {}
      for t = 1, k do init[t] = (u[t + 1] + u[t]) * 0.5 end
      -- scikit-learn's KMeans (n_init 1, Lloyd) from these centres, in C
      local cb = ffi.new("double[?]", k)
      if core.C.tide_preprocess_kmeans_1d(X._c, j - 1, ffi.new("double[?]", k, init), k, cb) ~= 0 then core.raise_c() end
      local c = {}
      for t = 1, k do c[t] = cb[t - 1] end
      table.sort(c)
      e = { lo }
      for t = 1, k - 1 do e[#e + 1] = (c[t + 1] + c[t]) * 0.5 end
      e[#e + 1] = hi
    end
    if lo ~= hi and p.strategy ~= "uniform" then -- drop bins narrower than 1e-8
      local kept = { e[1] }
      for t = 2, #e do if e[t] - e[t - 1] > 1e-8 then kept[#kept + 1] = e[t] end end
      e = kept
    end
    edges[j], n_bins[j] = e, #e - 1
  end
  self.state = { n_features_in = d, bin_edges = edges, n_bins = n_bins }
  return self
end

function KB:transform(X)
  self:check_fitted("transform")
  local op = "KBinsDiscretizer.transform"
  local st = self.state
  X = B.matrix(op, X, st.n_features_in, true)
  B.check_finite(op, X)
  local n, d = X.shape[1], X.shape[2]
  local cols = {}
  for j = 1, d do
    local col = X:narrow(2, j, 1)
    local code = tensor.zeros({ n, 1 }, "float64")
    local e = st.bin_edges[j]
    for t = 2, #e - 1 do code = code + col:ge(e[t]):to("float64") end -- searchsorted(inner edges, side = right)
    cols[j] = code
  end
  local tide = require("tide")
  local ordinal = tide.cat(cols, 2)
  if self.params.encode == "ordinal" then return ordinal end
  local parts = {}
  for j = 1, d do
    local ids = tensor.arange(0, st.n_bins[j], 1, "float64"):reshape(1, st.n_bins[j])
    parts[j] = cols[j]:eq(ids):to("float64")
  end
  return tide.cat(parts, 2)
end

-- bin ids (ordinal) or one-hot columns -> the centres of the bins
function KB:inverse_transform(Xt)
  self:check_fitted("inverse_transform")
  local op = "KBinsDiscretizer.inverse_transform"
  local st = self.state
  local total = 0
  for j = 1, st.n_features_in do total = total + st.n_bins[j] end
  local width = self.params.encode == "ordinal" and st.n_features_in or total
  Xt = B.matrix(op, Xt, width, true)
  local tide = require("tide")
  local cols, off = {}, 0
  for j = 1, st.n_features_in do
    local e, k = st.bin_edges[j], st.n_bins[j]
    local centres = {}
    for t = 1, k do centres[t] = (e[t] + e[t + 1]) * 0.5 end
    local ids
    if self.params.encode == "ordinal" then ids = Xt:narrow(2, j, 1)
    else
      ids = Xt:narrow(2, off + 1, k):argmax(2):to("float64"):reshape(-1, 1) - 1
      off = off + k
    end
    local ci = ids:clamp(0, k - 1):to("int64"):reshape(-1) + 1
    cols[j] = B.row(centres):reshape(k):index_select(1, ci):reshape(-1, 1)
  end
  return tide.cat(cols, 2)
end

return M
