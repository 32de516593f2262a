-- tide.stats: statistics for exploratory analysis on float64 data [n] or [n, d] (one column per
-- variable), with NaN as a missing cell that is skipped, as pandas does: skewness, kurtosis,
-- quantiles, Pearson / Spearman correlation matrices (pairwise complete observations), Cramér's
-- V, the correlation ratio (eta) and IQR / z-score outlier counts. Every statistic works on whole
-- columns with tensor ops; Lua loops run over columns (or column pairs), never over rows.
local core = require("tide._core")
local tide = require("tide")

local raise = core.raise
local format, floor, sqrt, abs, min, max = string.format, math.floor, math.sqrt, math.abs, math.min, math.max
local NAN = 0 / 0

local M = {}

local NUMERIC = { float64 = true, float32 = true, int64 = true, int32 = true, uint8 = true }

-- x as a float64 tensor [n, d]; also whether the input was 1-d. Lua arrays of numbers, numeric
-- tensors [n] / [n, d] and column tables {data =, missing =} (tide.csv / tide.frame) are accepted.
local function matrix(op, x)
  if type(x) == "table" and not tide.is_tensor(x) then
    if x.offsets ~= nil or x.type == "string" then
      raise(format("%s: expected a numeric column, got the string column '%s'", op, tostring(x.name)))
    end
    if x.data ~= nil and tide.is_tensor(x.data) then       -- a column table
      local t = x.data:to("float64")
      if x.missing then t = t:masked_fill(x.missing, NAN) end
      x = t
    else
      if #x == 0 then raise(op .. ": empty input") end
      for i = 1, #x do
        if type(x[i]) ~= "number" then
          raise(format("%s: expected numbers, element %d is a %s", op, i, type(x[i])))
        end
      end
      x = tide.tensor(x, "float64")
    end
  end
  if not tide.is_tensor(x) then raise(op .. ": expected a tensor or a Lua array of numbers, got " .. type(x)) end
  if not NUMERIC[x.dtype] then raise(format("%s: expected a numeric tensor, got dtype %s", op, x.dtype)) end
  if x.ndim ~= 1 and x.ndim ~= 2 then raise(format("%s: expected a tensor [n] or [n, d], got %d dims", op, x.ndim)) end
  if x.shape[1] == 0 then raise(op .. ": empty input (no rows)") end
  if x.ndim == 2 and x.shape[2] == 0 then raise(op .. ": empty input (no columns)") end
  local one = x.ndim == 1
  x = x:to("float64")
  if one then x = x:reshape(x.shape[1], 1) end
  return x, one
end

-- The non-missing values of column j.
local function valid(x, j)
  local col = x:select(2, j)
  return col:masked_select(col:isnan():logical_not())
end

local function per_column(op, x, fn)
  local m, one = matrix(op, x)
  local d = m.shape[2]
  if one then return fn(valid(m, 1)) end
  local out = tide.empty(d, "float64")
  for j = 1, d do out[j] = fn(valid(m, j)) end
  return out
end

local function zero_fperr(v) return abs(v) < 1e-14 and 0 or v end

-- Bias-corrected sample skewness (pandas Series.skew): NaN with fewer than 3 values, 0 for a
-- constant column.
local function skew1(v)
  local n = v:numel()
  if n < 3 then return NAN end
  local a = v - v:sum() / n
  local a2 = a * a
  local m2, m3 = zero_fperr(a2:sum()), (a2 * a):sum()
  if m2 == 0 then return 0 end
  return (n * (n - 1) ^ 0.5 / (n - 2)) * (m3 / m2 ^ 1.5)
end

-- Bias-corrected sample excess kurtosis (pandas Series.kurt, Fisher's definition): NaN with
-- fewer than 4 values, 0 for a constant column.
local function kurt1(v)
  local n = v:numel()
  if n < 4 then return NAN end
  local a = v - v:sum() / n
  local a2 = a * a
  local m2, m4 = a2:sum(), (a2 * a2):sum()
  local adj = 3 * (n - 1) ^ 2 / ((n - 2) * (n - 3))
  local num = zero_fperr(n * (n + 1) * (n - 1) * m4)
  local den = zero_fperr((n - 2) * (n - 3) * m2 ^ 2)
  if den == 0 then return 0 end
  return num / den - adj
end

-- skew(x) -> number for x [n], float64 tensor [d] for x [n, d].
function M.skew(x) return per_column("skew", x, skew1) end
-- kurtosis(x) (alias kurt) -> excess kurtosis, number or tensor [d].
function M.kurtosis(x) return per_column("kurtosis", x, kurt1) end
M.kurt = M.kurtosis

-- Linear interpolation between order statistics of sorted s (m values), as numpy's default.
local function quantile_sorted(s, m, q)
  if m == 0 then return NAN end
  local h = (m - 1) * q
  local lo = floor(h)
  local hi = min(lo + 1, m - 1)
  local t = h - lo
  local a, b = s[lo + 1], s[hi + 1]
  local diff = b - a
  if t >= 0.5 then return b - diff * (1 - t) end
  return a + diff * t
end

local function check_q(op, q)
  if type(q) ~= "number" or not (q >= 0 and q <= 1) then
    raise(format("%s: quantile must be a number in [0, 1], got %s", op, tostring(q)))
  end
end

-- quantile(x, q): q a number or a list of numbers in [0, 1]. x [n]: a number (q a number) or a
-- float64 tensor [#q]; x [n, d]: a tensor [d] or [#q, d]. Missing values are skipped; an
-- all-missing column gives NaN.
function M.quantile(x, q)
  local m, one = matrix("quantile", x)
  local qs = type(q) == "table" and q or { q }
  if type(q) == "table" and #q == 0 then raise("quantile: empty list of quantiles") end
  for i = 1, #qs do check_q("quantile", qs[i]) end
  local d = m.shape[2]
  local out = tide.empty(#qs, d, "float64")
  -- NaN sorts last, so each column's valid values are the first count ones of its sorted column
  local sorted = m:sort(1)
  local counts = m:isnan():logical_not():sum(1):totable()
  for j = 1, d do
    local s = sorted:select(2, j)
    for i = 1, #qs do out[i][j] = quantile_sorted(s, counts[j], qs[i]) end
  end
  if type(q) ~= "table" then
    out = out:select(1, 1)
    if one then return out[1] end
    return out
  end
  if one then return out:select(2, 1):contiguous() end
  return out
end

-- Pair-complete values of columns i and j.
local function pair(m, i, j)
  local a, b = m:select(2, i), m:select(2, j)
  local keep = tide.logical_and(a:isnan():logical_not(), b:isnan():logical_not())
  return a:masked_select(keep), b:masked_select(keep)
end

local function pearson_pair(a, b)
  local n = a:numel()
  if n < 1 then return NAN end
  local da, db = a - a:sum() / n, b - b:sum() / n
  local div = sqrt((da * da):sum() * (db * db):sum())
  if div == 0 then return NAN end
  return (da * db):sum() / div
end

-- Average ranks (1-based; ties share the mean of their positions), as pandas' rank().
local function ranks(v)
  local _, inv, cnt = v:unique({ return_inverse = true, return_counts = true })
  local last = cnt:cumsum():to("float64")
  local avg = last - (cnt:to("float64") - 1) / 2
  return avg:index_select(1, inv)
end

-- ra, rb: precomputed ranks of a, b (when the whole columns are present), else nil.
local function spearman_pair(a, b, ra, rb)
  local n = a:numel()
  if n < 1 then return NAN end
  local mean = (n + 1) / 2
  ra, rb = (ra or ranks(a)) - mean, (rb or ranks(b)) - mean
  local div = sqrt((ra * ra):sum() * (rb * rb):sum())
  if div == 0 then return NAN end
  return (ra * rb):sum() / div
end

-- corr(x, {method = "pearson" | "spearman"}) -> float64 tensor [d, d], as pandas' DataFrame.corr:
-- each pair uses the rows where both columns are present; NaN where a pair has no variation (a
-- constant column, or fewer than 2 shared rows).
function M.corr(x, opts)
  opts = opts or {}
  if type(opts) ~= "table" then raise("corr: options must be a table") end
  local method = opts.method or "pearson"
  local fn = (method == "pearson" and pearson_pair) or (method == "spearman" and spearman_pair)
  if not fn then raise(format("corr: method must be 'pearson' or 'spearman', got %s", tostring(method))) end
  local m = matrix("corr", x)
  local n, d = m.shape[1], m.shape[2]
  local out = tide.empty(d, d, "float64")
  local op = out:data_ptr()
  -- Columns without missing cells (ranked once for Spearman, as pandas does) are correlated
  -- together: centred, one GEMM, normalised. Pairs with missing cells use their shared rows.
  local complete = m:isnan():any(1):logical_not():totable()
  local full, full_ranks = {}, {}
  for j = 1, d do
    if complete[j] then
      full[#full + 1] = j
      if method == "spearman" then full_ranks[j] = ranks(m:select(2, j):contiguous()) end
    end
  end
  if #full > 0 and n > 0 then
    local idx = tide.tensor(full, "int64")
    local Z
    if method == "spearman" then
      local cols = {}
      for i, j in ipairs(full) do cols[i] = full_ranks[j] end
      Z = tide.stack(cols, 2)
    else
      Z = m:index_select(2, idx)
    end
    Z = Z - Z:mean(1, true)
    local G = tide.matmul(Z:t(), Z)
    local c = #full
    local gp = G:contiguous():data_ptr()
    local diag = {}
    for a = 1, c do diag[a] = gp[(a - 1) * c + (a - 1)] end
    for a = 1, c do
      for b = 1, a do
        local div = sqrt(diag[a] * diag[b])
        local r = div == 0 and NAN or gp[(a - 1) * c + (b - 1)] / div
        if a == b and div ~= 0 then r = 1 end
        local i, j = full[a], full[b]
        op[(i - 1) * d + j - 1], op[(j - 1) * d + i - 1] = r, r
      end
    end
  end
  for i = 1, d do
    for j = 1, i do
      if complete[i] and complete[j] then goto continue end -- (done above)
      local a, b = pair(m, i, j)
      local ri, rj = full_ranks[i], full_ranks[j]
      if not (ri and rj) then ri, rj = nil, nil end
      local r = fn(a, b, ri, rj)
      op[(i - 1) * d + j - 1], op[(j - 1) * d + i - 1] = r, r
      ::continue::
    end
  end
  return out
end

function M.pearson(x) return M.corr(x, { method = "pearson" }) end
function M.spearman(x) return M.corr(x, { method = "spearman" }) end

-- Integer category codes 1..K (0 = missing) as an int64 tensor [n].
local function codes(op, name, c)
  if type(c) == "table" and not tide.is_tensor(c) then
    if #c == 0 then raise(format("%s: %s is empty", op, name)) end
    for i = 1, #c do
      local v = c[i]
      if type(v) ~= "number" or v ~= floor(v) then
        raise(format("%s: %s must hold integer codes, element %d is %s", op, name, i, tostring(v)))
      end
    end
    c = tide.tensor(c, "int64")
  end
  if not tide.is_tensor(c) then raise(format("%s: %s must be an int64 tensor of codes, got %s", op, name, type(c))) end
  if c.dtype ~= "int64" and c.dtype ~= "int32" and c.dtype ~= "uint8" then
    raise(format("%s: %s must hold integer codes 1..K, got dtype %s", op, name, c.dtype))
  end
  if c.ndim ~= 1 then raise(format("%s: %s must be 1-d, got %d dims", op, name, c.ndim)) end
  if c:numel() == 0 then raise(format("%s: %s is empty", op, name)) end
  c = c:to("int64")
  if c:amin() < 0 then raise(format("%s: %s has a negative code %d (codes are 1..K, 0 = missing)", op, name, c:amin())) end
  return c
end

-- cramers_v(a, b, {bias_correction = false}) -> number in [0, 1]: Cramér's V of two categorical
-- columns given as integer codes 1..K (0 marks a missing cell; such rows are skipped). Built from
-- the contingency table's chi-squared statistic without Yates' correction (scipy's
-- chi2_contingency(correction=False)); categories that never occur are ignored. With
-- bias_correction, Bergsma's (2013) corrected V. NaN when either column has a single category.
function M.cramers_v(a, b, opts)
  opts = opts or {}
  a, b = codes("cramers_v", "a", a), codes("cramers_v", "b", b)
  if a:numel() ~= b:numel() then
    raise(format("cramers_v: a has %d values, b has %d", a:numel(), b:numel()))
  end
  local keep = tide.logical_and(a:gt(0), b:gt(0))
  a, b = a:masked_select(keep), b:masked_select(keep)
  local n = a:numel()
  if n == 0 then return NAN end
  local K, R = a:amax(), b:amax()
  local cell = (a - 1) * R + b
  local table_ = tide.zeros(K * R, "float64"):index_add_(1, cell, tide.ones(n, "float64")):reshape(K, R)
  local rows, cols = table_:sum(2), table_:sum(1)
  local e = rows:reshape(K, 1) * cols:reshape(1, R) / n
  local pos = e:gt(0)
  local o_, e_ = table_:masked_select(pos), e:masked_select(pos)
  local dif = o_ - e_
  local chi2 = (dif * dif / e_):sum()
  local r, k = rows:gt(0):sum(), cols:gt(0):sum()
  local phi2 = chi2 / n
  if not opts.bias_correction then
    if min(r, k) < 2 then return NAN end
    return sqrt(phi2 / (min(r, k) - 1))
  end
  if n < 2 then return NAN end
  local phi2c = max(0, phi2 - (k - 1) * (r - 1) / (n - 1))
  local rc = r - (r - 1) ^ 2 / (n - 1)
  local kc = k - (k - 1) ^ 2 / (n - 1)
  local den = min(kc - 1, rc - 1)
  if not (den > 0) then return NAN end
  return sqrt(phi2c / den)
end

-- correlation_ratio(categories, y) -> eta in [0, 1]: sqrt(between-group / total sum of squares)
-- of numeric y grouped by integer codes 1..K (0 = missing; rows with a missing code or NaN y
-- are skipped). NaN when y is constant over the kept rows or no row is kept.
function M.correlation_ratio(c, y)
  c = codes("correlation_ratio", "categories", c)
  local ym = matrix("correlation_ratio", y)
  if ym.shape[2] ~= 1 then raise("correlation_ratio: y must be 1-d") end
  y = ym:select(2, 1)
  if c:numel() ~= y:numel() then
    raise(format("correlation_ratio: categories have %d values, y has %d", c:numel(), y:numel()))
  end
  local keep = tide.logical_and(c:gt(0), y:isnan():logical_not())
  c, y = c:masked_select(keep), y:masked_select(keep)
  local n = y:numel()
  if n == 0 then return NAN end
  local K = c:amax()
  local cnt = tide.zeros(K, "float64"):index_add_(1, c, tide.ones(n, "float64"))
  local sums = tide.zeros(K, "float64"):index_add_(1, c, y)
  local mean = y:sum() / n
  local seen = cnt:gt(0)
  local cn = cnt:masked_select(seen)
  local dm = sums:masked_select(seen) / cn - mean
  local between = (cn * dm * dm):sum()
  local dy = y - mean
  local total = (dy * dy):sum()
  if total == 0 then return NAN end
  return sqrt(between / total)
end
M.eta = M.correlation_ratio

-- outliers(x, {method = "iqr" | "zscore", k = 1.5, threshold = 3, ddof = 0}) -> counts, bounds.
-- "iqr": values below Q1 - k IQR or above Q3 + k IQR (numpy linear quartiles); "zscore": values
-- with |x - mean| / std > threshold (std with ddof, 0 as scipy.stats.zscore). Missing values are
-- skipped. counts: a number for x [n], an int64 tensor [d] for x [n, d]; bounds: {lower =,
-- upper =} (numbers or float64 tensors [d]). A constant column has no z-score outliers.
function M.outliers(x, opts)
  opts = opts or {}
  if type(opts) ~= "table" then raise("outliers: options must be a table") end
  local method = opts.method or "iqr"
  if method ~= "iqr" and method ~= "zscore" then
    raise(format("outliers: method must be 'iqr' or 'zscore', got %s", tostring(method)))
  end
  local k, thr, ddof = opts.k or 1.5, opts.threshold or 3, opts.ddof or 0
  if type(k) ~= "number" or k < 0 then raise("outliers: k must be a number >= 0") end
  if type(thr) ~= "number" or thr < 0 then raise("outliers: threshold must be a number >= 0") end
  local m, one = matrix("outliers", x)
  local d = m.shape[2]
  local counts = tide.zeros(d, "int64")
  local lower, upper = tide.empty(d, "float64"), tide.empty(d, "float64")
  local q
  if method == "iqr" then q = M.quantile(m, { 0.25, 0.75 }) end
  for j = 1, d do
    local v = valid(m, j)
    local n = v:numel()
    local lo, hi, c = NAN, NAN, 0
    if method == "iqr" then
      local q1, q3 = q[1][j], q[2][j]
      lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
      if n > 0 then c = tide.logical_or(v:lt(lo), v:gt(hi)):sum() end
    elseif n > ddof then
      local mean = v:sum() / n
      local dv = v - mean
      local std = sqrt((dv * dv):sum() / (n - ddof))
      lo, hi = mean - thr * std, mean + thr * std
      if std > 0 then c = (dv / std):abs():gt(thr):sum() end
    end
    counts[j], lower[j], upper[j] = c, lo, hi
  end
  if one then return counts[1], { lower = lower[1], upper = upper[1] } end
  return counts, { lower = lower, upper = upper }
end

return M
