-- tide.metrics: scikit-learn's metrics, with its definitions and results (to 1e-12).
--
--   classification (tide.metrics.classification): accuracy, balanced_accuracy, confusion_matrix,
--     precision / recall / F-beta (binary, macro, micro, weighted), classification_report,
--     ConfusionMatrix
--   agreement (tide.metrics.agreement): matthews_corrcoef, cohen_kappa_score, zero_one_loss,
--     hamming_loss, top_k_accuracy_score
--   scores and curves (tide.metrics.curves): roc_curve, auc, roc_auc_score (binary, ovr, ovo),
--     precision_recall_curve, average_precision_score, log_loss, brier_score_loss
--   regression (tide.metrics.regression): mean_squared_error, root_mean_squared_error,
--     mean_absolute_error, median_absolute_error, max_error, mean_absolute_percentage_error,
--     r2_score, explained_variance_score
local M = {}
for _, part in ipairs({ "classification", "agreement", "curves", "regression" }) do
  for name, f in pairs(require("tide.metrics." .. part)) do
    if name:sub(1, 1) ~= "_" then -- "_..." are shared between the parts, not public
      if M[name] ~= nil then error("tide.metrics: " .. name .. " is defined twice") end
      M[name] = f
    end
  end
end
return M
