-- tide.feature_selection score functions (scikit-learn's sklearn.feature_selection, same formulas):
--   f_classif(X, y) -> F, p          one-way ANOVA F of each feature across the classes
--   f_regression(X, y) -> F, p       F of each feature's correlation with a numeric target
--   r_regression(X, y) -> r          Pearson correlation of each feature with the target
--   chi2(X, y) -> chi2, p            chi-squared of non-negative features (counts) vs the classes
--   mutual_info_classif / mutual_info_regression(X, y, {...}) -> mi   nearest-neighbour estimates
-- Scores are float64 tensors [d]. Dense tensors everywhere; CSR too for chi2 (counts,
-- frequencies) as in scikit-learn. Class sums are one GEMM of a one-hot matrix with X.
local core = require("tide._core")
local tensor = require("tide.tensor")
local tide = require("tide")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local D = require("tide.distributions")
local C = core.C
local raise = core.raise
local format = string.format

local M = {}

-- one-hot [n, k] float64 of 0-based class codes
local function one_hot(codes, k)
  return tide.eye(k, k, "float64"):index_select(1, codes + 1)
end

local function map_tail(stat, fn)
  local out = tensor.empty({ stat:numel() }, "float64")
  local sp, op = stat:contiguous():data_ptr(), out:data_ptr()
  for j = 0, stat:numel() - 1 do op[j] = fn(sp[j]) end
  return out
end

-- ANOVA F per feature (scipy.stats.f_oneway's arithmetic, as scikit-learn's f_oneway)
function M.f_classif(X, y)
  local op = "f_classif"
  X = B.features(op, X)
  local n = X.shape[1]
  local codes, classes = B.encode_labels(op, y, n)
  local k = #classes
  local Y = one_hot(codes, k)
  local counts = Y:sum(1)                                   -- [k]
  local sums = tide.matmul(Y:t(), X)                       -- [k, d]
  local ss_all = (X * X):sum(1)                              -- [d]
  local total = X:sum(1)
  local sq_all = total * total / n
  local sstot = ss_all - sq_all
  local ssbn = (sums * sums / counts:reshape(k, 1)):sum(1) - sq_all
  local sswn = sstot - ssbn
  local dfbn, dfwn = k - 1, n - k
  if dfwn <= 0 then raise(format("%s: %d samples in %d classes leave no degrees of freedom within the classes", op, n, k)) end
  local F = (ssbn / dfbn) / (sswn / dfwn)
  local p = map_tail(F, function(f) return f ~= f and f or D.f_sf(f, dfbn, dfwn) end)
  return F, p
end

-- Pearson r of each feature with y (center = true, as scikit-learn's r_regression)
function M.r_regression(X, y, opts)
  local op = "r_regression"
  X = B.features(op, X)
  local n = X.shape[1]
  local t = B.targets(op, y, n)
  local center = not (opts and opts.center == false)
  if center then
    X = X - X:mean(1, true)
    t = t - t:mean()
  end
  local xnorm = (X * X):sum(1):sqrt()
  local ynorm = math.sqrt((t * t):sum())
  return tide.mv(X:t(), t) / xnorm / ynorm
end

-- F statistic of each feature's correlation with y, and its p-value (1 and n - 2 degrees of freedom)
function M.f_regression(X, y, opts)
  local r = M.r_regression(X, y, opts)
  local n = (tensor.is_tensor(X) and X.shape[1]) or #X
  local dof = n - ((opts and opts.center == false) and 1 or 2)
  if dof <= 0 then raise(format("f_regression: %d samples leave no degrees of freedom", n)) end
  local r2 = r * r
  local F = r2 / (1 - r2) * dof
  local p = map_tail(F, function(f) return f ~= f and f or D.f_sf(f, 1, dof) end)
  return F, p
end

-- chi-squared of each non-negative feature against the classes
function M.chi2(X, y)
  local op = "chi2"
  X = B.features(op, X, { sparse = true })
  local n = X.shape[1]
  local codes, classes = B.encode_labels(op, y, n)
  local k = #classes
  local Y = one_hot(codes, k)
  local observed, feature_count
  if sparse.is_csr(X) then
    if X.nnz > 0 and X.data:min() < 0 then raise(op .. ": input X must be non-negative") end
    observed = X:t_matmul(Y):t():contiguous()                -- [k, d]
    feature_count = X:t_matmul(tensor.ones({ n }, "float64")) -- [d]
  else
    if X:min() < 0 then raise(op .. ": input X must be non-negative") end
    observed = tide.matmul(Y:t(), X)
    feature_count = X:sum(1)
  end
  local class_prob = Y:mean(1)                               -- [k]
  local expected = tide.outer(class_prob, feature_count)    -- [k, d]
  local diff = observed - expected
  local stat = (diff * diff / expected):sum(1)
  local p = map_tail(stat, function(c) return c ~= c and c or D.chi2_sf(c, k - 1) end)
  return stat, p
end

-- ---------------------------------------------------------------- mutual information
-- mutual information of two discrete codes (scikit-learn's mutual_info_score, natural log)
local function mi_discrete(a, b)
  local n = #a
  local joint, ca, cb = {}, {}, {}
  for i = 1, n do
    local key = a[i] .. "\0" .. b[i]
    joint[key] = (joint[key] or 0) + 1
    ca[a[i]] = (ca[a[i]] or 0) + 1
    cb[b[i]] = (cb[b[i]] or 0) + 1
  end
  local mi = 0
  for key, nij in pairs(joint) do
    local ai, bi = key:match("^(.-)%z(.*)$")
    local pa, pb = ca[tonumber(ai) or ai], cb[tonumber(bi) or bi]
    mi = mi + nij / n * (math.log(nij * n) - math.log(pa * pb))
  end
  return math.max(0, mi)
end

local function column_values(x, n)
  local p, out = x:contiguous():to("float64"):data_ptr(), {}
  for i = 0, n - 1 do out[i + 1] = p[i] end
  return out
end

-- discrete_features: "auto" (false for dense X) | true | false | a list of 1-based columns | bool list
local function discrete_mask(op, spec, d)
  local mask = {}
  if spec == nil or spec == "auto" or spec == false then
    for j = 1, d do mask[j] = false end
  elseif spec == true then
    for j = 1, d do mask[j] = true end
  elseif type(spec) == "table" then
    for j = 1, d do mask[j] = false end
    if type(spec[1]) == "boolean" then
      if #spec ~= d then raise(format("%s: discrete_features has %d flags for %d features", op, #spec, d)) end
      for j = 1, d do mask[j] = spec[j] end
    else
      for _, j in ipairs(spec) do
        if type(j) ~= "number" or j < 1 or j > d or j ~= math.floor(j) then
          raise(format("%s: discrete_features holds %s, not a column in 1..%d", op, tostring(j), d))
        end
        mask[j] = true
      end
    end
  else
    raise(op .. ": discrete_features must be \"auto\", true, false or a list of columns")
  end
  return mask
end

-- scale without centring (divide by the population std, 1 for constant columns), then add
-- scikit-learn's tie-breaking noise: 1e-10 * max(1, mean |x|) * N(0, 1)
local function scale_and_jitter(x, gen_noise)
  local s = x:std({ unbiased = false })
  if s == 0 then s = 1 end
  x = x / s
  local m = math.max(1, x:abs():mean())
  return x + gen_noise() * (1e-10 * m)
end

local function estimate_mi(op, X, y, discrete_target, opts)
  opts = opts or {}
  local n_neighbors = opts.n_neighbors or 3
  B.check_int(op, "n_neighbors", n_neighbors, 1)
  X = B.features(op, X)
  local n, d = X.shape[1], X.shape[2]
  local discrete = discrete_mask(op, opts.discrete_features, d)
  local seed = opts.random_state
  if seed == nil or seed == B.NONE then seed = tensor.randint(0, 2 ^ 31 - 1, { 1 }):item() end
  -- the noise comes from Tide's generator seeded by random_state; the global state is restored
  local saved = tensor.get_rng_state()
  tensor.manual_seed(seed)
  local ok, res = pcall(function()
    local function noise() return tensor.randn({ n }, "float64") end
    local ycodes, yvals, k
    if discrete_target then
      local codes, classes = B.encode_labels(op, y, n)
      ycodes, k = codes, #classes
      yvals = column_values(codes, n)
    else
      local t = B.targets(op, y, n)
      yvals = t
    end
    local cols = {}
    for j = 1, d do
      cols[j] = discrete[j] and X:select(2, j):contiguous() or scale_and_jitter(X:select(2, j):contiguous(), noise)
    end
    local yc
    if not discrete_target then yc = scale_and_jitter(yvals, noise):contiguous() end
    local out = tensor.empty({ d }, "float64")
    local outp = out:data_ptr()
    local buf = require("ffi").new("double[1]")
    for j = 1, d do
      local x = cols[j]
      if discrete[j] and discrete_target then
        outp[j - 1] = mi_discrete(column_values(x, n), yvals)
      elseif discrete[j] then -- discrete feature, continuous target: the target takes x's role
        local codes, xc = B.encode_labels(op, x, n, { allow_single = true })
        if C.tide_mutual_info_cd(yc:data_ptr(), codes:data_ptr(), n, #xc, n_neighbors, buf) ~= 0 then core.raise_c() end
        outp[j - 1] = buf[0]
      elseif discrete_target then
        if C.tide_mutual_info_cd(x:data_ptr(), ycodes:data_ptr(), n, k, n_neighbors, buf) ~= 0 then core.raise_c() end
        outp[j - 1] = buf[0]
      else
        if C.tide_mutual_info_cc(x:data_ptr(), yc:data_ptr(), n, n_neighbors, buf) ~= 0 then core.raise_c() end
        outp[j - 1] = buf[0]
      end
    end
    return out
  end)
  tensor.set_rng_state(saved)
  if not ok then error(res, 0) end
  return res
end

-- mutual_info_classif(X, y, {discrete_features = "auto", n_neighbors = 3, random_state = nil})
function M.mutual_info_classif(X, y, opts)
  return estimate_mi("mutual_info_classif", X, y, true, opts)
end

function M.mutual_info_regression(X, y, opts)
  return estimate_mi("mutual_info_regression", X, y, false, opts)
end

return M
