-- tide.feature_selection.permutation_importance(estimator, X, y, {scoring = nil, n_repeats = 5,
--   random_state = nil, sample_weight = nil}) -> {importances_mean, importances_std, importances}
-- For a fitted estimator: how much the score drops when one feature's column is shuffled
-- (n_repeats shuffles per feature), as scikit-learn's inspection.permutation_importance.
-- scoring: nil (the estimator's score), a scorer name of tide.evaluate, or function(est, X, y).
-- importances: float64 [d, n_repeats]; mean and std (population) over the repeats: [d].
local core = require("tide._core")
local tensor = require("tide.tensor")
local B = require("tide.models.base")
local raise = core.raise

local function scorer_of(scoring)
  if scoring == nil or scoring == B.NONE then return function(est, X, y) return est:score(X, y) end end
  if type(scoring) == "function" then return scoring end
  if type(scoring) == "string" then
    return function(est, X, y) return require("tide.evaluate").get_scorer(scoring)(est, X, y) end
  end
  raise("permutation_importance: scoring must be nil, a scorer name or a function")
end

return function(est, X, y, opts)
  local op = "permutation_importance"
  opts = opts or {}
  if type(est) ~= "table" or type(est.predict) ~= "function" then raise(op .. ": expected a fitted estimator") end
  if est.is_fitted and not est:is_fitted() then raise(op .. ": the estimator is not fitted") end
  local n_repeats = opts.n_repeats or 5
  B.check_int(op, "n_repeats", n_repeats, 1)
  X = B.features(op, X)
  local n, d = X.shape[1], X.shape[2]
  local score = scorer_of(opts.scoring)
  local baseline = score(est, X, y)
  local seed = opts.random_state
  if seed == nil or seed == B.NONE then seed = tensor.randint(0, 2 ^ 31 - 1, { 1 }):item() end
  local saved = tensor.get_rng_state()
  tensor.manual_seed(seed)
  local imp = tensor.empty({ d, n_repeats }, "float64")
  local ok, err = pcall(function()
    local Xp = X:clone()
    for j = 1, d do
      local col = Xp:select(2, j)
      local orig = X:select(2, j)
      for r = 1, n_repeats do
        col:copy_(orig:index_select(1, tensor.rand({ n }, "float64"):argsort()))
        imp[{ j, r }] = baseline - score(est, Xp, y)
      end
      col:copy_(orig)
    end
  end)
  tensor.set_rng_state(saved)
  if not ok then error(err, 0) end
  return { importances_mean = imp:mean(2), importances_std = imp:std(2, { unbiased = false }), importances = imp,
    baseline_score = baseline }
end
