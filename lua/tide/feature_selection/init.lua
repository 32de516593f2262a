-- tide.feature_selection: feature selection (roadmap row 3), scikit-learn's sklearn.feature_selection and
-- its contract: selectors are transformers (fit, transform, get_support, get_feature_names_out,
-- inverse_transform, save / load through tide.models).
--   filters:    VarianceThreshold, CorrelationFilter                 (tide/feature_selection/filters.lua)
--   univariate: SelectKBest, SelectPercentile over f_classif, chi2, f_regression,
--               r_regression, mutual_info_classif, mutual_info_regression (scores.lua, univariate.lua)
--   model:      SelectFromModel (e.g. L1-penalised), RFE, RFECV          (model_based.lua)
--   permutation_importance(estimator, X, y, opts)                        (importance.lua)
-- Dimensionality reduction (PCA, TruncatedSVD) is in tide.models.
local M = {}
for _, part in ipairs({ "tide.feature_selection.scores", "tide.feature_selection.univariate", "tide.feature_selection.filters", "tide.feature_selection.model_based" }) do
  for k, v in pairs(require(part)) do
    if k:sub(1, 1) ~= "_" then M[k] = v end
  end
end
M.permutation_importance = require("tide.feature_selection.importance")
return M
