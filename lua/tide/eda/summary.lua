-- tide.eda.summary: the numbers of an EDA report, computed from a tide.frame with tide.stats and
-- the frame's column reductions (bulk work in C; Lua only loops over columns and pairs).
--   columns(frame, opts)          -> per-column statistics (array, in frame order)
--   codes(col)                    -> int64 codes 1..K (0 missing), K
--   correlations(frame, numeric)  -> pearson [d, d], spearman [d, d] (float64) or nil
--   cramers(frame, cats)          -> Cramér's V [k, k] (float64) or nil
--   target_association(frame, target, stats_by_name, opts) -> { target, kind, rows }
local stats = require("tide.stats")
local core = require("tide._core")
local raise = core.raise

local M = {}

local tide -- loaded lazily
local function T()
  if not tide then tide = require("tide") end
  return tide
end

local NUMERIC = { float64 = true, int64 = true }
local CATEGORICAL = { string = true, categorical = true, bool = true }
M.NUMERIC, M.CATEGORICAL = NUMERIC, CATEGORICAL

local function num(x)
  if x == nil then return 0 / 0 end
  return tonumber(x)
end

-- int64 codes 1..K (0 marks a missing cell) as tide.stats' categorical functions take them.
function M.codes(col)
  local c, k = col:codes()
  return c + 1, k
end

-- A column's values as float64 [n] with NaN for missing cells.
function M.float(col)
  local x = col.data:to("float64")
  if col.missing then x = x:masked_fill(col.missing, 0 / 0) end
  return x
end

-- Per-column statistics. opts.top: how many most frequent values to keep (default 5).
function M.columns(frame, opts)
  local top = opts.top or 5
  local out = {}
  for i, name in ipairs(frame.names) do
    local col = frame.columns[i]
    local n = col:size()
    local count = col:count()
    local _, unique = col:codes()
    local s = { name = name, type = col.type, count = count, missing = n - count, unique = unique,
      kind = NUMERIC[col.type] and "numeric" or CATEGORICAL[col.type] and "categorical" or "other" }
    if s.kind == "numeric" then
      local x = M.float(col)
      if count > 0 then
        s.mean = num(col:mean())
        s.std = count > 1 and num(col:std()) or 0 / 0
        local q = stats.quantile(x, { 0, 0.25, 0.5, 0.75, 1 })
        s.min, s.q25, s.median, s.q75, s.max = q[1], q[2], q[3], q[4], q[5]
        s.skew = stats.skew(x)
        s.kurtosis = stats.kurtosis(x)
        local nout, b = stats.outliers(x, { method = "iqr", k = opts.iqr_k or 1.5 })
        s.outliers = { count = nout, lower = b.lower, upper = b.upper, method = "iqr" }
      else
        s.mean, s.std, s.min, s.q25, s.median, s.q75, s.max = 0 / 0, 0 / 0, 0 / 0, 0 / 0, 0 / 0, 0 / 0, 0 / 0
        s.skew, s.kurtosis = 0 / 0, 0 / 0
        s.outliers = { count = 0, lower = 0 / 0, upper = 0 / 0, method = "iqr" }
      end
    end
    if s.kind == "categorical" then
      s.top = {}
      if count > 0 then
        local vc = col:value_counts()
        local vcol, ccol = vc.columns[1], vc.columns[2]
        for r = 1, math.min(top, vc:nrows()) do
          local v = vcol:get(r)
          if type(v) == "boolean" then v = v and "True" or "False" end
          s.top[#s.top + 1] = { value = tostring(v), count = tonumber(ccol:get(r)) }
        end
      end
    end
    out[i] = s
  end
  return out
end

-- Pearson and Spearman matrices of the numeric columns (pairwise complete rows, as pandas).
function M.correlations(frame, names)
  if #names < 2 then return nil, nil end
  local xs = {}
  for i, name in ipairs(names) do xs[i] = M.float(frame:col(name)) end
  local x = T().stack(xs, 2)
  return stats.corr(x, { method = "pearson" }), stats.corr(x, { method = "spearman" })
end

-- Cramér's V between every pair of the categorical columns (bias-uncorrected, as scipy).
function M.cramers(frame, names)
  local k = #names
  if k < 2 then return nil end
  local codes = {}
  for i, name in ipairs(names) do codes[i] = M.codes(frame:col(name)) end
  local m = T().zeros({ k, k }, "float64")
  local p = m:data_ptr()
  for i = 1, k do
    p[(i - 1) * k + (i - 1)] = 1
    for j = i + 1, k do
      local v = stats.cramers_v(codes[i], codes[j])
      p[(i - 1) * k + (j - 1)], p[(j - 1) * k + (i - 1)] = v, v
    end
  end
  return m
end

-- How the target is treated: "categorical" for strings, categoricals, bools and integer columns
-- with at most opts.max_classes (20) distinct values; "numeric" otherwise.
function M.target_kind(col, opts)
  if CATEGORICAL[col.type] then return "categorical" end
  if NUMERIC[col.type] then
    local _, u = col:codes()
    if col.type == "int64" and u <= (opts.max_classes or 20) then return "categorical" end
    return "numeric"
  end
  return "other"
end

-- Association of every other usable column with the target:
--   numeric column,  numeric target      -> Pearson's r
--   numeric column,  categorical target  -> correlation ratio (eta) of the column by target class
--   categorical col, numeric target      -> correlation ratio of the target by the column's codes
--   categorical col, categorical target  -> Cramér's V
-- Categorical columns with more than opts.max_categories (50) distinct values (identifiers,
-- free text) are skipped and listed with measure "skipped".
function M.target_association(frame, target, summary, opts)
  local tcol = frame:col(target)
  local kind = M.target_kind(tcol, opts)
  if kind == "other" then
    raise(string.format("eda.report: target column '%s' has type %s (need a number, bool, string or categorical)",
      target, tcol.type))
  end
  local maxcat = opts.max_categories or 50
  local tcodes = kind == "categorical" and M.codes(tcol) or nil
  local ty = kind == "numeric" and M.float(tcol) or nil
  local rows = {}
  for i, name in ipairs(frame.names) do
    local s = summary[i]
    if name ~= target and s.kind ~= "other" then
      local col = frame.columns[i]
      local row = { column = name }
      if s.kind == "numeric" and kind == "numeric" then
        row.measure = "pearson"
        row.value = stats.corr(T().stack({ M.float(col), ty }, 2))[1][2]
      elseif s.kind == "numeric" then
        row.measure = "correlation ratio"
        row.value = stats.correlation_ratio(tcodes, M.float(col))
      elseif s.unique > maxcat then
        row.measure = "skipped"
        row.note = string.format("%d categories", s.unique)
      elseif kind == "numeric" then
        row.measure = "correlation ratio"
        row.value = stats.correlation_ratio((M.codes(col)), ty)
      else
        row.measure = "cramers_v"
        row.value = stats.cramers_v((M.codes(col)), tcodes)
      end
      rows[#rows + 1] = row
    end
  end
  -- strongest first; skipped and NaN last
  local function key(r) return (r.value and r.value == r.value) and math.abs(r.value) or -1 end
  table.sort(rows, function(a, b)
    local ka, kb = key(a), key(b)
    if ka ~= kb then return ka > kb end
    return a.column < b.column
  end)
  return { target = target, kind = kind, rows = rows }
end

return M
