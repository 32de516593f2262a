-- Compare classical models with cross-validation: a table of models x metrics, significance tests, ROC / PR curves and confusion matrices
--
-- A numeric target with more than 20 distinct values (or fractions) is a regression: then the
-- regressors are compared (dummy, linear, ridge, lasso, elastic_net, svr, knn, tree, forest,
-- extra_trees, hgb) on k-fold splits by r2, neg_mean_squared_error and neg_mean_absolute_error.
--
--   tide run compare-models                           breast cancer, digits and wine (Debian's python3-sklearn tables)
--   tide run compare-models --data FILE.csv --target COL
--   tide run compare-models --models logistic,forest,hgb --cv 10 --repeats 3
--
-- Every model sees the same stratified folds (--cv folds, --repeats times with fresh shuffles).
-- Models that need comparable feature scales (logistic regression, linear and kernel SVM, k-NN)
-- are pipelines with a StandardScaler fitted inside each fold; a CSV's columns go through a
-- ColumnTransformer in each fold too (numbers: median imputation, scaling; text: codes, most
-- frequent imputation, one-hot; categories unseen in a fold's training rows give zeros). For each data set it prints the models x metrics table (mean ± std over
-- folds, fit and predict seconds), the best model by the first metric and the significance of
-- its lead (corrected resampled t-test for every pair; McNemar on out-of-fold predictions), and
-- writes to --out/<data>/: comparison.csv, comparison.json, significance.txt, roc.png, pr.png,
-- confusion.png.
local tide = require("tide")
local cli = require("tide.cli")
local M = tide.models
local P = tide.preprocess
local ev = require("tide.evaluate")
local files = require("tide.io.files")

local ALL = { "dummy", "logistic", "linear_svm", "svm", "knn", "gaussian_nb", "tree", "forest", "extra_trees", "hgb" }
local ALL_REGRESSION = { "dummy", "linear", "ridge", "lasso", "elastic_net", "svr", "knn", "tree", "forest", "extra_trees",
  "hgb" }

local opts = cli.options({ ... }, {
  { "data", nil, "CSV file (default: breast-cancer, digits and wine); or one registry name" },
  { "target", nil, "target column of --data (default: the last column)" },
  { "models", nil, "comma-separated models (default: all) among " .. table.concat(ALL, ", ") .. "; for a regression "
    .. table.concat(ALL_REGRESSION, ", ") },
  { "cv", 5, "folds" },
  { "repeats", 1, "repetitions of the k-fold split with new shuffles" },
  { "metrics", nil, "scorers, the first ranks the models (default: accuracy, balanced_accuracy, f1_macro; for a regression "
    .. "r2, neg_mean_squared_error, neg_mean_absolute_error; roc_auc_ovr and neg_log_loss need every model to give probabilities)" },
  { "seed", 0, "random seed (folds, models)" },
  { "threads", 0, "threads (0 = all cores)" },
  { "out", "compare-models-output", "output folder" },
}, "Compare classical models with cross-validation, significance tests and plots")

local function fail(msg)
  io.stderr:write("compare-models: ", (tostring(msg):gsub("^.-:%d+: ", "")), "\n")
  os.exit(1)
end
if opts.threads > 0 then tide.threads(opts.threads) end
tide.manual_seed(opts.seed)

local function split_list(s)
  local t = {}
  for item in tostring(s):gmatch("[^,%s]+") do t[#t + 1] = item end
  return t
end

-- ---------------------------------------------------------------- the models
local function scaled(model) return M.Pipeline({ { "scale", P.StandardScaler() }, { "model", model } }) end
local seed = opts.seed
local FACTORY = {
  dummy = function() return M.DummyClassifier{ strategy = "prior" } end,
  logistic = function() return scaled(M.LogisticRegression{ max_iter = 1000 }) end,
  linear_svm = function() return scaled(M.LinearSVC{ random_state = seed }) end,
  svm = function() return scaled(M.SVC{ probability = true, random_state = seed }) end,
  knn = function() return scaled(M.KNeighborsClassifier{ n_neighbors = 5 }) end,
  gaussian_nb = function() return M.GaussianNB() end,
  tree = function() return M.DecisionTreeClassifier{ random_state = seed } end,
  forest = function() return M.RandomForestClassifier{ n_estimators = 100, random_state = seed } end,
  extra_trees = function() return M.ExtraTreesClassifier{ n_estimators = 100, random_state = seed } end,
  hgb = function() return M.HistGradientBoostingClassifier{ random_state = seed } end,
}
local REGRESSORS = {
  dummy = function() return M.DummyRegressor() end,
  linear = function() return M.LinearRegression() end,
  ridge = function() return scaled(M.Ridge()) end,
  lasso = function() return scaled(M.Lasso{ alpha = 0.01, max_iter = 10000 }) end,
  elastic_net = function() return scaled(M.ElasticNet{ alpha = 0.01, max_iter = 10000 }) end,
  svr = function() return scaled(M.SVR()) end,
  knn = function() return scaled(M.KNeighborsRegressor{ n_neighbors = 5 }) end,
  tree = function() return M.DecisionTreeRegressor{ random_state = seed } end,
  forest = function() return M.RandomForestRegressor{ n_estimators = 100, random_state = seed } end,
  extra_trees = function() return M.ExtraTreesRegressor{ n_estimators = 100, random_state = seed } end,
  hgb = function() return M.HistGradientBoostingRegressor{ random_state = seed } end,
}

-- the models of a task ("classification" | "regression"), checked against the names known
local function chosen_models(task)
  local known, all = task == "regression" and REGRESSORS or FACTORY, task == "regression" and ALL_REGRESSION or ALL
  local list = opts.models and split_list(opts.models) or all
  for _, name in ipairs(list) do
    if not known[name] then fail(string.format("unknown %s model '%s' (models: %s)", task, name, table.concat(all, ", "))) end
  end
  return list, known
end

-- ---------------------------------------------------------------- the data
-- a CSV as a frame of features (all but the target) and the target values
local function load_csv(path)
  local ok, frame = pcall(tide.frame.read_csv, path)
  if not ok then fail(frame) end
  local target = opts.target or frame.names[#frame.names]
  if not frame:has(target) then fail("no column '" .. target .. "' in " .. path .. " (columns: " .. table.concat(frame.names, ", ") .. ")") end
  local col = frame:col(target)
  if col:count() < col:size() then fail("the target column '" .. target .. "' has missing cells") end
  local y = col:totable()
  -- a numeric target with fractions or more than 20 distinct values is a regression
  local task = "classification"
  if col.type == "float64" or col.type == "int64" then
    local seen, distinct, fraction = {}, 0, false
    for _, v in ipairs(y) do
      if not seen[v] then seen[v] = true; distinct = distinct + 1 end
      if v ~= math.floor(v) then fraction = true end
    end
    if fraction or distinct > 20 then
      task = "regression"
      y = col:to_tensor("float64")
    end
  end
  local features = {}
  for _, n in ipairs(frame.names) do if n ~= target then features[#features + 1] = n end end
  local X = frame:select(features)
  local num, cat = {}, {}
  for _, n in ipairs(features) do
    local t = X:col(n).type
    if t == "string" or t == "categorical" or t == "bool" then cat[#cat + 1] = n else num[#num + 1] = n end
  end
  local parts = {}
  if #num > 0 then
    parts[#parts + 1] = { "num", P.Pipeline({ { "impute", P.SimpleImputer{ strategy = "median" } }, { "scale", P.StandardScaler() } }), num }
  end
  if #cat > 0 then
    parts[#parts + 1] = { "cat", P.Pipeline({
      { "codes", P.OrdinalEncoder{ handle_unknown = "use_encoded_value", unknown_value = -1 } },
      { "impute", P.SimpleImputer{ strategy = "most_frequent" } },
      { "onehot", P.OneHotEncoder{ handle_unknown = "ignore" } } }), cat }
  end
  return { name = path:match("([^/]+)%.%w+$") or path, X = X, y = y, task = task,
    prep = function() return P.ColumnTransformer(parts) end,
    description = string.format("%s: %d rows, %d numeric and %d text features, target %s (%s)", path, X:nrows(), #num, #cat,
      target, task) }
end

local function load(name)
  if opts.data and (opts.data:find("[/.]") or not tide.datasets.registry[opts.data]) then return load_csv(opts.data) end
  local ok, X, y, info = pcall(tide.datasets.load, name)
  if not ok then fail(X) end
  return { name = name, X = X, y = y, classes = info.classes, task = "classification",
    description = string.format("%s: %d rows, %d features, %d classes (%s)", name, X.shape[1], X.shape[2], #info.classes, info.source) }
end

-- ---------------------------------------------------------------- one data set
local function run(D)
  print("\n== " .. D.description)
  local regression = D.task == "regression"
  local chosen, factory = chosen_models(D.task)
  local list = {}
  for _, name in ipairs(chosen) do
    local est = factory[name]()
    if D.prep then est = M.Pipeline({ { "prep", D.prep() }, { "model", est } }) end
    list[#list + 1] = { name, est }
  end
  local cv
  if regression then
    cv = opts.repeats > 1 and ev.RepeatedKFold{ n_splits = opts.cv, n_repeats = opts.repeats, random_state = opts.seed }
      or ev.KFold{ n_splits = opts.cv, shuffle = true, random_state = opts.seed }
  else
    cv = opts.repeats > 1
      and ev.RepeatedStratifiedKFold{ n_splits = opts.cv, n_repeats = opts.repeats, random_state = opts.seed }
      or ev.StratifiedKFold{ n_splits = opts.cv, shuffle = true, random_state = opts.seed }
  end
  local metrics = split_list(opts.metrics or (regression and "r2,neg_mean_squared_error,neg_mean_absolute_error"
    or "accuracy,balanced_accuracy,f1_macro"))
  local ok, r = pcall(ev.compare, list, D.X, D.y, { cv = cv, scoring = metrics })
  if not ok then fail(r) end
  r:print()
  local best = r:best(metrics[1])
  print(string.format("best by %s: %s", metrics[1], best))
  local sig = r:significance({ metric = metrics[1], test = (opts.repeats > 1 or regression) and "ttest" or "both" })
  local lead = {}
  for _, row in ipairs(sig) do
    if row.a == best or row.b == best then lead[#lead + 1] = row end
  end
  print("significance of the best model's lead (" .. metrics[1] .. "):")
  for _, row in ipairs(lead) do
    local other = row.a == best and row.b or row.a
    print(string.format("  vs %-12s %-8s p = %.4g%s", other, row.test, row.p, row.p < 0.05 and "  (significant at 5 %)" or ""))
  end
  local dir = opts.out .. "/" .. D.name
  if not files.mkdir_p(dir) then fail("cannot create the folder " .. dir) end
  r:to_csv(dir .. "/comparison.csv")
  r:to_json(dir .. "/comparison.json")
  files.write("compare-models", dir .. "/significance.txt", { tostring(sig:format()) })
  local plots = {}
  local kinds = regression and {} or { { "plot_roc", "roc.png" }, { "plot_pr", "pr.png" }, { "plot_confusion", "confusion.png" } }
  for _, p in ipairs(kinds) do
    local okp, err = pcall(r[p[1]], r, dir .. "/" .. p[2])
    if okp then plots[#plots + 1] = p[2] else print("  (" .. p[2] .. ": " .. tostring(err):gsub("^.-:%d+: ", "") .. ")") end
  end
  print(string.format("wrote %s/comparison.csv, comparison.json, significance.txt%s", dir,
    #plots > 0 and (", " .. table.concat(plots, ", ")) or ""))
end

if not files.mkdir_p(opts.out) then fail("cannot create the folder " .. opts.out) end
local names = opts.data and { opts.data } or { "breast-cancer", "digits", "wine" }
for _, name in ipairs(names) do run(load(name)) end
