-- Compare classical models with cross-validation: a table of models x metrics, significance tests, ROC / PR curves and confusion matrices
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

local opts = cli.options({ ... }, {
  { "data", nil, "CSV file (default: breast-cancer, digits and wine); or one registry name" },
  { "target", nil, "target column of --data (default: the last column)" },
  { "models", table.concat(ALL, ","), "comma-separated models: " .. table.concat(ALL, ", ") },
  { "cv", 5, "folds" },
  { "repeats", 1, "repetitions of the k-fold split with new shuffles" },
  { "metrics", "accuracy,balanced_accuracy,f1_macro", "scorers (the first ranks the models; roc_auc_ovr and neg_log_loss need every model to give probabilities)" },
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
local chosen = split_list(opts.models)
for _, name in ipairs(chosen) do
  if not FACTORY[name] then fail("unknown model '" .. name .. "' (models: " .. table.concat(ALL, ", ") .. ")") end
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
  return { name = path:match("([^/]+)%.%w+$") or path, X = X, y = y, prep = function() return P.ColumnTransformer(parts) end,
    description = string.format("%s: %d rows, %d numeric and %d text features, target %s", path, X:nrows(), #num, #cat, target) }
end

local function load(name)
  if opts.data and (opts.data:find("[/.]") or not tide.datasets.registry[opts.data]) then return load_csv(opts.data) end
  local ok, X, y, info = pcall(tide.datasets.load, name)
  if not ok then fail(X) end
  return { name = name, X = X, y = y, classes = info.classes,
    description = string.format("%s: %d rows, %d features, %d classes (%s)", name, X.shape[1], X.shape[2], #info.classes, info.source) }
end

-- ---------------------------------------------------------------- one data set
local function run(D)
  print("\n== " .. D.description)
  local list = {}
  for _, name in ipairs(chosen) do
    local est = FACTORY[name]()
    if D.prep then est = M.Pipeline({ { "prep", D.prep() }, { "model", est } }) end
    list[#list + 1] = { name, est }
  end
  local cv = opts.repeats > 1
    and ev.RepeatedStratifiedKFold{ n_splits = opts.cv, n_repeats = opts.repeats, random_state = opts.seed }
    or ev.StratifiedKFold{ n_splits = opts.cv, shuffle = true, random_state = opts.seed }
  local metrics = split_list(opts.metrics)
  local ok, r = pcall(ev.compare, list, D.X, D.y, { cv = cv, scoring = metrics })
  if not ok then fail(r) end
  r:print()
  local best = r:best(metrics[1])
  print(string.format("best by %s: %s", metrics[1], best))
  local sig = r:significance({ metric = metrics[1], test = opts.repeats > 1 and "ttest" or "both" })
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
  for _, p in ipairs({ { "plot_roc", "roc.png" }, { "plot_pr", "pr.png" }, { "plot_confusion", "confusion.png" } }) do
    local okp, err = pcall(r[p[1]], r, dir .. "/" .. p[2])
    if okp then plots[#plots + 1] = p[2] else print("  (" .. p[2] .. ": " .. tostring(err):gsub("^.-:%d+: ", "") .. ")") end
  end
  print(string.format("wrote %s/comparison.csv, comparison.json, significance.txt, %s", dir, table.concat(plots, ", ")))
end

if not files.mkdir_p(opts.out) then fail("cannot create the folder " .. opts.out) end
local names = opts.data and { opts.data } or { "breast-cancer", "digits", "wine" }
for _, name in ipairs(names) do run(load(name)) end
