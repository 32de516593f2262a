-- tide.evaluate: scikit-learn's model-evaluation tools for Tide's estimators.
--
--   splits (tide.evaluate.split): train_test_split, KFold, StratifiedKFold, RepeatedKFold,
--     RepeatedStratifiedKFold, GroupKFold, ShuffleSplit, StratifiedShuffleSplit
--   cross-validation (tide.evaluate.cross_validate): cross_validate, cross_val_score,
--     cross_val_predict; scorer names as scikit-learn's (scorer_names(), get_scorer(name))
--   comparison (tide.evaluate.compare): compare(models, X, y, opts) -> a table of models x
--     metrics with significance tests and ROC / PR / confusion-matrix plots
--   tests (tide.evaluate.stats): corrected_ttest, mcnemar
local split = require("tide.evaluate.split")
local cv = require("tide.evaluate.cross_validate")
local scoring = require("tide.evaluate.scoring")
local compare = require("tide.evaluate.compare")
local stats = require("tide.evaluate.stats")

local M = {}

for _, name in ipairs({ "train_test_split", "KFold", "StratifiedKFold", "RepeatedKFold", "RepeatedStratifiedKFold",
  "GroupKFold", "ShuffleSplit", "StratifiedShuffleSplit" }) do
  M[name] = split[name]
end
M.cross_validate, M.cross_val_score, M.cross_val_predict = cv.cross_validate, cv.cross_val_score, cv.cross_val_predict
M.compare = compare.compare
M.corrected_ttest, M.mcnemar = stats.corrected_ttest, stats.mcnemar
M.stats = stats

-- scorer_names() -> the sorted scorer names; get_scorer(name) -> function(estimator, X, y) -> score
M.scorer_names = scoring.names
function M.get_scorer(name)
  return scoring.get("get_scorer", name).score
end

return M
