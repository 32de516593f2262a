-- tide.metrics.regression: regression metrics with scikit-learn 1.2's definitions and results —
-- mean_squared_error (squared = false: RMSE), root_mean_squared_error, mean_absolute_error,
-- median_absolute_error, max_error, mean_absolute_percentage_error, r2_score,
-- explained_variance_score.
--
-- y_true and y_pred are tensors or Lua arrays: [N] for one output or [N, M] for M outputs.
-- multioutput = "uniform_average" (default) | "raw_values" (a float64 tensor [M]) |
-- "variance_weighted" (r2 and explained variance) | weights (an array of M numbers).
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")

local raise = core.raise
local is_tensor = tide.is_tensor
local format = string.format

local M = {}

local check_options = args.options
local function set(...) return args.set({ ... }) end

-- A target argument as a contiguous float64 [N, M] tensor.
local function target(op, name, y)
  if type(y) == "table" and not is_tensor(y) and #y == 0 then raise(format("%s: %s is empty", op, name)) end
  y = args.numeric(op, name, y)
  if y.ndim == 1 then y = y:reshape(y:numel(), 1)
  elseif y.ndim ~= 2 then raise(format("%s: %s must be 1-d or 2-d, got %d dims", op, name, y.ndim)) end
  if y.shape[1] == 0 then raise(format("%s: %s is empty", op, name)) end
  y = y:to("float64"):contiguous()
  if not y:isfinite():all() then raise(format("%s: %s contains NaN or infinity", op, name)) end
  return y
end

local MULTI = { uniform_average = true, raw_values = true, variance_weighted = true }

local function prepare(op, y_true, y_pred, opts, variance_ok)
  local yt, yp = target(op, "y_true", y_true), target(op, "y_pred", y_pred)
  if yt.shape[1] ~= yp.shape[1] then
    raise(format("%s: y_true has %d samples and y_pred %d", op, yt.shape[1], yp.shape[1]))
  end
  if yt.shape[2] ~= yp.shape[2] then
    raise(format("%s: y_true has %d outputs and y_pred %d", op, yt.shape[2], yp.shape[2]))
  end
  local n, m = yt.shape[1], yt.shape[2]
  local w
  if opts.sample_weight ~= nil then
    local sw = opts.sample_weight
    w = is_tensor(sw) and sw:reshape(sw:numel()):to("float64"):contiguous() or args.numbers(op, "sample_weight", sw)
    if w:numel() ~= n then raise(format("%s: sample_weight has %d values for %d samples", op, w:numel(), n)) end
    if not w:isfinite():all() or w:amin() < 0 then raise(op .. ": sample_weight must be finite and non-negative") end
    if w:sum() == 0 then raise(op .. ": sample_weight sums to zero") end
  end
  local mo = opts.multioutput
  if mo == nil then mo = "uniform_average" end
  if type(mo) == "string" then
    if not MULTI[mo] or (mo == "variance_weighted" and not variance_ok) then
      raise(format("%s: multioutput must be 'raw_values', 'uniform_average'%s or an array of %d weights, got '%s'",
        op, variance_ok and ", 'variance_weighted'" or "", m, mo))
    end
  else
    local mw = is_tensor(mo) and mo:reshape(mo:numel()):to("float64") or
      (type(mo) == "table" and args.numbers(op, "multioutput", mo)) or nil
    if mw == nil then raise(format("%s: multioutput must be a string or an array of weights, got %s", op, type(mo))) end
    if mw:numel() ~= m then raise(format("%s: multioutput has %d weights for %d outputs", op, mw:numel(), m)) end
    if m == 1 then raise(op .. ": custom weights are useful only in multi-output cases") end
    mo = mw
  end
  return yt, yp, w, mo
end

-- np.average over the samples (dim 1) -> float64 [M]
local function col_average(x, w)
  if w then return (x * w:reshape(w:numel(), 1)):sum(1) / w:sum() end
  return x:mean(1)
end

local function combine(errors, mo)
  if mo == "raw_values" then return errors end
  if mo == "uniform_average" then return errors:mean() end
  return (errors * mo):sum() / mo:sum()
end

-- mean_squared_error(y_true, y_pred, {sample_weight =, multioutput =, squared = true})
function M.mean_squared_error(y_true, y_pred, opts)
  local op = "mean_squared_error"
  opts = check_options(op, opts, set("sample_weight", "multioutput", "squared"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts)
  local e = col_average((yt - yp) ^ 2, w)
  if opts.squared == false then e = e:sqrt() end
  return combine(e, mo)
end

-- root_mean_squared_error(y_true, y_pred, {sample_weight =, multioutput =}): the square root of
-- the mean squared error of each output (mean_squared_error with squared = false)
function M.root_mean_squared_error(y_true, y_pred, opts)
  local op = "root_mean_squared_error"
  opts = check_options(op, opts, set("sample_weight", "multioutput"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts)
  return combine(col_average((yt - yp) ^ 2, w):sqrt(), mo)
end

-- mean_absolute_error(y_true, y_pred, {sample_weight =, multioutput =})
function M.mean_absolute_error(y_true, y_pred, opts)
  local op = "mean_absolute_error"
  opts = check_options(op, opts, set("sample_weight", "multioutput"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts)
  return combine(col_average((yt - yp):abs(), w), mo)
end

-- mean_absolute_percentage_error(y_true, y_pred, {sample_weight =, multioutput =}):
-- |y - p| / max(|y|, eps) averaged (a fraction, not percent, as scikit-learn)
function M.mean_absolute_percentage_error(y_true, y_pred, opts)
  local op = "mean_absolute_percentage_error"
  opts = check_options(op, opts, set("sample_weight", "multioutput"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts)
  local denom = yt:abs():clamp_min(2 ^ -52)
  return combine(col_average((yp - yt):abs() / denom, w), mo)
end

-- median_absolute_error(y_true, y_pred, {multioutput =}): the median of |y - p| (the mean of the
-- two middle values for an even count, as NumPy's median)
function M.median_absolute_error(y_true, y_pred, opts)
  local op = "median_absolute_error"
  opts = check_options(op, opts, set("multioutput"))
  local yt, yp, _, mo = prepare(op, y_true, y_pred, opts)
  local e = (yt - yp):abs():sort(1)
  local n = e.shape[1]
  local med
  if n % 2 == 1 then med = e:select(1, (n + 1) / 2):clone()
  else med = (e:select(1, n / 2) + e:select(1, n / 2 + 1)) / 2 end
  return combine(med, mo)
end

-- max_error(y_true, y_pred): the largest |y - p| (single output)
function M.max_error(y_true, y_pred)
  local op = "max_error"
  local yt, yp = prepare(op, y_true, y_pred, {})
  if yt.shape[2] ~= 1 then raise(op .. ": multioutput is not supported") end
  return (yt - yp):abs():amax()
end

-- 1 - num / den per output, with scikit-learn's force_finite conventions: 1 when num is 0; 0
-- when only den is 0; then averaged by multioutput.
local function assemble(num, den, mo, force_finite)
  local scores
  if force_finite == false then
    scores = 1 - num / den
  else
    local nzn, nzd = num:ne(0), den:ne(0)
    scores = tide.where(tide.logical_and(nzn, nzd), 1 - num / tide.where(nzd, den, 1), 1)
    scores = tide.where(tide.logical_and(nzn, nzd:logical_not()), 0, scores)
  end
  if mo == "raw_values" then return scores end
  if mo == "uniform_average" then return scores:mean() end
  if mo == "variance_weighted" then
    if not den:ne(0):any() then return scores:mean() end
    return (scores * den):sum() / den:sum()
  end
  return (scores * mo):sum() / mo:sum()
end

-- r2_score(y_true, y_pred, {sample_weight =, multioutput =, force_finite = true}): the
-- coefficient of determination 1 - SS_res / SS_tot; NaN for fewer than two samples.
function M.r2_score(y_true, y_pred, opts)
  local op = "r2_score"
  opts = check_options(op, opts, set("sample_weight", "multioutput", "force_finite"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts, true)
  if yt.shape[1] < 2 then return 0 / 0 end
  local wc = w and w:reshape(w:numel(), 1) or nil
  local num = wc and (wc * (yt - yp) ^ 2):sum(1) or ((yt - yp) ^ 2):sum(1)
  local dev = (yt - col_average(yt, w)) ^ 2
  local den = wc and (wc * dev):sum(1) or dev:sum(1)
  return assemble(num, den, mo, opts.force_finite)
end

-- explained_variance_score(y_true, y_pred, {sample_weight =, multioutput =, force_finite = true}):
-- 1 - Var(y - p) / Var(y)
function M.explained_variance_score(y_true, y_pred, opts)
  local op = "explained_variance_score"
  opts = check_options(op, opts, set("sample_weight", "multioutput", "force_finite"))
  local yt, yp, w, mo = prepare(op, y_true, y_pred, opts, true)
  local d = yt - yp
  local num = col_average((d - col_average(d, w)) ^ 2, w)
  local den = col_average((yt - col_average(yt, w)) ^ 2, w)
  return assemble(num, den, mo, opts.force_finite)
end

return M
