-- tide.evaluate with tide.models' real estimators against scikit-learn 1.2's cross_val_score
-- (fixtures from tests/gen/gen_evaluate.py): the same StratifiedKFold(5) folds and the same
-- per-fold scores for GaussianNB (deterministic: equal to 1e-12) and KNeighborsClassifier (within
-- half a point on average: distance ties may break differently) on breast cancer, wine and
-- digits, read from Debian's python3-sklearn through tide.datasets.
local tide = require("tide")
local H = require("spec_helpers")
local ev = require("tide.evaluate")
local ref = H.fixture("evaluate").real

describe("cross_val_score with tide.models matches scikit-learn", function()
  for _, name in ipairs({ "breast_cancer", "wine", "digits" }) do
    it(name, function()
      local ok, X, y = pcall(tide.datasets.load, (name:gsub("_", "-")))
      if not ok then return pending(name .. " is not available: " .. tostring(X)) end
      local c = ref[name]
      local nb = ev.cross_val_score(tide.models.GaussianNB(), X, y)
      for i, e in ipairs(c.gaussian_nb) do
        assert(math.abs(nb[i] - e) <= 1e-12, string.format("GaussianNB fold %d: %.17g vs %.17g", i, nb[i], e))
      end
      local f1 = ev.cross_val_score(tide.models.GaussianNB(), X, y, { scoring = "f1_macro" })
      for i, e in ipairs(c.gaussian_nb_f1_macro) do
        assert(math.abs(f1[i] - e) <= 1e-12, string.format("GaussianNB f1_macro fold %d: %.17g vs %.17g", i, f1[i], e))
      end
      local knn = ev.cross_val_score(tide.models.KNeighborsClassifier(), X, y)
      local mean = 0
      for _, e in ipairs(c.knn) do mean = mean + e / #c.knn end
      assert(math.abs(knn:mean() - mean) <= 0.005, string.format("k-NN mean %.4f vs %.4f", knn:mean(), mean))
    end)
  end
end)
