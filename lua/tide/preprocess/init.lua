-- tide.preprocess: preprocessing transformers with scikit-learn's fit / transform contract
-- (DESIGN.md rule 7), numerically equal to scikit-learn 1.2. Inputs are float64 tensors
-- [n, d] with NaN for a missing cell. Every transformer has fit(X, y?), transform(X),
-- fit_transform(X, y?), inverse_transform where scikit-learn has one, get_params / set_params,
-- to_json / save; tide.preprocess.from_json / load rebuild a fitted one.
local B = require("tide.preprocess.base")

local M = {}
for _, part in ipairs({ "tide.preprocess.impute", "tide.preprocess.scale", "tide.preprocess.power", "tide.preprocess.outliers", "tide.preprocess.encode", "tide.preprocess.target", "tide.preprocess.bin", "tide.preprocess.compose" }) do
  for k, v in pairs(require(part)) do M[k] = v end
end
M.from_json, M.load = B.from_json, B.load
return M
