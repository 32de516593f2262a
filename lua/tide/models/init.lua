-- tide.models: the classical estimators (scikit-learn's contract, DESIGN.md rule 7). Each class
-- loads with its file on first use: tide.models.LogisticRegression requires tide.models.logistic.
-- tide.models.load(path) rebuilds any saved estimator.
local core = require("tide._core")

local FILES = {
  linear = { "LinearRegression", "Ridge", "Lasso", "ElasticNet" },
  logistic = { "LogisticRegression" },
  linear_svm = { "LinearSVC" },
  svm = { "SVC", "SVR" },
  tree = { "DecisionTreeClassifier", "DecisionTreeRegressor" },
  forest = { "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor" },
  hist_gradient_boosting = { "HistGradientBoostingClassifier", "HistGradientBoostingRegressor" },
  neighbors = { "KNeighborsClassifier", "KNeighborsRegressor" },
  naive_bayes = { "GaussianNB", "MultinomialNB", "BernoulliNB", "ComplementNB" },
  dummy = { "DummyClassifier", "DummyRegressor" },
  kmeans = { "KMeans" },
  decomposition = { "PCA", "TruncatedSVD" },
}

local MODULE_OF = {} -- class name -> module name
for file, names in pairs(FILES) do
  for _, name in ipairs(names) do MODULE_OF[name] = "tide.models." .. file end
end
-- estimators of other parts that save and load the same way (tide.models.load finds them)
local ELSEWHERE = {
  ["tide.preprocess.compose"] = { "Pipeline" },
  ["tide.feature_selection"] = { "VarianceThreshold", "CorrelationFilter", "SelectKBest", "SelectPercentile",
    "SelectFromModel", "RFE", "RFECV" },
  ["tide.text.fasttext"] = { "FastTextClassifier" },
}
local LOADABLE = {}
for mod, names in pairs(ELSEWHERE) do
  for _, name in ipairs(names) do LOADABLE[name] = mod end
end

local M = { _module_of = MODULE_OF }

-- Every class name, sorted.
function M.names()
  local out = {}
  for name in pairs(MODULE_OF) do out[#out + 1] = name end
  table.sort(out)
  return out
end

-- The class called name (loading its file), or nil when there is none.
function M.class_of(name)
  local mod = MODULE_OF[name] or LOADABLE[name]
  if not mod then return nil end
  return require(mod)[name]
end

-- warnings(false) silences the models' warnings (convergence ...), warnings(true) restores them;
-- each distinct warning is shown once per process
function M.warnings(on) return require("tide.models.base").warnings(on) end

function M.load(path)
  return require("tide.models.base").load(path)
end

function M.from_table(t)
  return require("tide.models.base").from_table(t)
end

return setmetatable(M, { __index = function(t, k)
  if MODULE_OF[k] == nil and LOADABLE[k] == nil then return nil end
  local cls = M.class_of(k)
  if cls == nil then core.raise("tide.models: " .. (MODULE_OF[k] or LOADABLE[k]) .. " does not define " .. k) end
  rawset(t, k, cls)
  return cls
end })
