-- tide.preprocess.OutlierFilter: per-column outlier rules fitted on training data and applied
-- to any data — IQR (outside [q1 - k * iqr, q3 + k * iqr], k = 1.5, quartiles as NumPy's
-- nanpercentile) or z-score (|x - mean| > threshold * std, threshold = 3, population std) —
-- to flag the cells, clip them to the bounds (winsorise) or drop the rows holding any. Every
-- transform leaves a report of what changed per column in self.report (print it with
-- self:report_string()). NaN cells are never outliers and stay NaN.
local B = require("tide.preprocess.base")
local core = require("tide._core")
local raise = core.raise

local M = {}

M.OutlierFilter = B.class("OutlierFilter", { method = "iqr", k = 1.5, threshold = 3, action = "clip" }, function(self)
  local p = self.params
  B.one_of("OutlierFilter", "method", p.method, { "iqr", "zscore" })
  B.one_of("OutlierFilter", "action", p.action, { "flag", "clip", "drop" })
  if type(p.k) ~= "number" or not (p.k >= 0) then raise("OutlierFilter: k must be a number >= 0") end
  if type(p.threshold) ~= "number" or not (p.threshold > 0) then raise("OutlierFilter: threshold must be a number > 0") end
end)
local OF = M.OutlierFilter

function OF:fit(X)
  X = B.matrix("OutlierFilter.fit", X)
  local d = X.shape[2]
  local lower, upper = {}, {}
  if self.params.method == "iqr" then
    local q = B.col_quantiles(X, { 0.25, 0.75 })
    for j = 1, d do
      local iqr = q[2][j] - q[1][j]
      lower[j], upper[j] = q[1][j] - self.params.k * iqr, q[2][j] + self.params.k * iqr
    end
  else
    local s = B.col_stats(X)
    for j = 1, d do
      local sd = math.sqrt(s.var[j])
      lower[j], upper[j] = s.mean[j] - self.params.threshold * sd, s.mean[j] + self.params.threshold * sd
    end
  end
  for j = 1, d do -- an all-NaN column has no bounds: nothing in it is an outlier
    if lower[j] ~= lower[j] then lower[j], upper[j] = -math.huge, math.huge end
  end
  self.state = { n_features_in = d, lower = lower, upper = upper }
  return self
end

-- bool [n, d]: true where a cell lies outside its column's bounds
function OF:flags(X)
  self:check_fitted("flags")
  X = B.matrix("OutlierFilter.flags", X, self.state.n_features_in, true)
  return X:lt(B.row(self.state.lower)):logical_or(X:gt(B.row(self.state.upper)))
end

-- flag: the bool mask; clip: X with outliers set to the bounds; drop: X without the rows
-- holding an outlier (self.kept: the kept rows' 1-based indices, int64).
function OF:transform(X)
  self:check_fitted("transform")
  local op = "OutlierFilter.transform"
  X = B.matrix(op, X, self.state.n_features_in, true)
  local st = self.state
  local lo, hi = B.row(st.lower), B.row(st.upper)
  local low, high = X:lt(lo), X:gt(hi)
  local n_low, n_high = low:sum(1), high:sum(1)
  local report = { method = self.params.method, action = self.params.action, rows = X.shape[1], columns = {} }
  for j = 1, st.n_features_in do
    report.columns[j] = { lower = st.lower[j], upper = st.upper[j], below = n_low[j], above = n_high[j],
      changed = self.params.action == "clip" and n_low[j] + n_high[j] or 0 }
  end
  local out
  local tide = require("tide")
  if self.params.action == "flag" then
    out = low:logical_or(high)
  elseif self.params.action == "clip" then
    out = tide.where(low, lo, tide.where(high, hi, X))
  else
    local any = low:logical_or(high):any(2)
    local keep = any:logical_not():nonzero():reshape(-1)
    self.kept = keep
    report.rows_dropped = X.shape[1] - keep:numel()
    out = keep:numel() > 0 and X:index_select(1, keep) or tide.zeros({ 0, X.shape[2] }, "float64")
  end
  self.report = report
  return out
end

-- The last transform's report as aligned text, one line per column.
function OF:report_string(names)
  local r = self.report
  if not r then raise("OutlierFilter.report_string: no transform has run yet") end
  local lines = { string.format("outliers (%s, %s) in %d rows", r.method, r.action, r.rows) }
  for j, c in ipairs(r.columns) do
    lines[#lines + 1] = string.format("  %-16s bounds [%.6g, %.6g]  below %d  above %d%s", names and names[j] or ("column " .. j),
      c.lower, c.upper, c.below, c.above, r.action == "clip" and ("  clipped " .. c.changed) or "")
  end
  if r.rows_dropped then lines[#lines + 1] = string.format("  rows dropped: %d", r.rows_dropped) end
  return table.concat(lines, "\n")
end

return M
