-- tide.evaluate.stats: significance tests for comparing two models.
--
--   corrected_ttest(scores_a, scores_b, n_train, n_test) -> t, p, df: Nadeau & Bengio's corrected
--     resampled t-test over paired per-fold scores (the variance is inflated by n_test / n_train
--     because the training sets of the folds overlap); two-sided p from Student's t.
--   mcnemar(y_true, pred_a, pred_b, {exact = false, correction = true}) -> statistic, p, counts:
--     McNemar's test on the discordant pairs (b: only a right, c: only b right); chi-squared with
--     1 degree of freedom (Edwards' continuity correction), or the exact binomial test.
--   t_cdf, t_sf, chi2_sf, binom_cdf, betainc: the distributions behind them (tide.distributions).
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local L = require("tide.metrics.labels")

local raise = core.raise
local abs, sqrt, huge = math.abs, math.sqrt, math.huge
local format = string.format

local D = require("tide.distributions")

local M = {}

-- the distributions behind the tests (tide.distributions, 1e-12 against mpmath)
M.betainc, M.t_sf, M.t_cdf = D.betainc, D.t_sf, D.t_cdf
function M.chi2_sf(x, df) return D.chi2_sf(x, df or 1) end

-- P(X <= k) for X ~ Binomial(n, p)
function M.binom_cdf(k, n, p)
  if k < 0 then return 0 end
  if k >= n then return 1 end
  return M.betainc(n - k, k + 1, 1 - p)
end

-- ---------------------------------------------------------------- the tests

local function scores_of(op, name, s)
  if tide.is_tensor(s) then
    if s:numel() ~= (s.ndim == 1 and s.shape[1] or -1) then raise(format("%s: %s must be 1-d", op, name)) end
    s = s:to("float64"):totable()
  elseif type(s) ~= "table" then
    raise(format("%s: %s must be a tensor or a Lua array of per-fold scores, got %s", op, name, type(s)))
  end
  for i = 1, #s do
    if type(s[i]) ~= "number" or s[i] ~= s[i] or abs(s[i]) == huge then
      raise(format("%s: %s[%d] must be a finite number, got %s", op, name, i, tostring(s[i])))
    end
  end
  return s
end

-- corrected_ttest(scores_a, scores_b, n_train, n_test) -> t, p (two-sided), df. scores: the
-- per-fold scores of the two models on the same folds (Lua arrays or tensors); n_train, n_test:
-- the sizes of a fold's training and test sets.
function M.corrected_ttest(scores_a, scores_b, n_train, n_test)
  local op = "corrected_ttest"
  local a, b = scores_of(op, "scores_a", scores_a), scores_of(op, "scores_b", scores_b)
  if #a ~= #b then raise(format("%s: scores_a has %d folds and scores_b %d", op, #a, #b)) end
  local k = #a
  if k < 2 then raise(op .. ": at least 2 paired scores are needed, got " .. k) end
  for _, v in ipairs({ { "n_train", n_train }, { "n_test", n_test } }) do
    if type(v[2]) ~= "number" or not (v[2] > 0) or v[2] == huge then
      raise(format("%s: %s must be a positive number (a fold's sample count), got %s", op, v[1], tostring(v[2])))
    end
  end
  local mean = 0
  for i = 1, k do mean = mean + (a[i] - b[i]) end
  mean = mean / k
  local var = 0
  for i = 1, k do
    local d = (a[i] - b[i]) - mean
    var = var + d * d
  end
  var = var / (k - 1)
  local df = k - 1
  local denom = sqrt((1 / k + n_test / n_train) * var)
  local t
  if denom == 0 then
    if mean == 0 then return 0, 1, df end
    t = mean > 0 and huge or -huge
  else
    t = mean / denom
  end
  local p = 2 * M.t_sf(abs(t), df)
  return t, math.min(p, 1), df
end

-- mcnemar(y_true, pred_a, pred_b, {exact = false, correction = true}) -> statistic, p, counts
-- ({both = , a_only =, b_only =, neither =}: samples right for both, only a, only b, neither).
-- exact: the two-sided binomial test on the discordant pairs (statistic min(b, c)); otherwise
-- chi-squared (|b - c| - 1)^2 / (b + c) (without the -1 when correction = false).
function M.mcnemar(y_true, pred_a, pred_b, opts)
  local op = "mcnemar"
  opts = args.options(op, opts, args.set({ "exact", "correction" }))
  local yt = L.vector(op, "y_true", y_true)
  local pa = L.vector(op, "pred_a", pred_a)
  local pb = L.vector(op, "pred_b", pred_b)
  local n = L.len(yt)
  if n == 0 then raise(op .. ": y_true is empty") end
  if L.len(pa) ~= n or L.len(pb) ~= n then
    raise(format("%s: y_true has %d labels, pred_a %d and pred_b %d", op, n, L.len(pa), L.len(pb)))
  end
  local _, codes = L.encode(op, { { "y_true", yt }, { "pred_a", pa }, { "pred_b", pb } })
  local ra, rb = codes[2]:eq(codes[1]), codes[3]:eq(codes[1])
  local both = tide.logical_and(ra, rb):sum()
  local a_only = tide.logical_and(ra, rb:logical_not()):sum()
  local b_only = tide.logical_and(ra:logical_not(), rb):sum()
  local counts = { both = both, a_only = a_only, b_only = b_only, neither = n - both - a_only - b_only }
  local b, c = a_only, b_only
  if opts.exact then
    local stat = math.min(b, c)
    if b + c == 0 then return stat, 1, counts end
    return stat, math.min(1, 2 * M.binom_cdf(stat, b + c, 0.5)), counts
  end
  if b + c == 0 then return 0, 1, counts end
  local num = abs(b - c)
  if opts.correction ~= false then num = num - 1 end -- as statsmodels: (|b - c| - 1)^2, also when b == c
  local stat = num * num / (b + c)
  return stat, M.chi2_sf(stat, 1), counts
end

return M
