-- bench/classical_vs_sklearn.lua [threads=2] [datasets=digits,fashion] [models=all]
-- Tide's classical models against scikit-learn 1.2, side by side in one run (issue 5): for each
-- data set and model, Tide fits and predicts, then the scikit-learn peer
-- (bench/classical_vs_sklearn_peer.py, same data, same split, same hyper-parameters) does, so
-- machine noise hits both alike. Prints fit and predict seconds, the sklearn / Tide time ratio
-- (goal >= 2, at least 1) and the test score of each (accuracy; for PCA the explained variance
-- ratio of the 50 components, for k-means the test inertia).
--   models: logistic tree forest hgb knn gnb pca kmeans
-- Run by bench/run_classical_vs_sklearn.sh.
package.path = "bench/?.lua;" .. package.path
local tide = require("tide")
local clock = require("clock")
local peer = require("peer")

local threads = tonumber(arg[1]) or 2
local datasets = arg[2] and arg[2] ~= "all" and arg[2] or "digits,fashion"
local ALL = { "logistic", "tree", "forest", "hgb", "knn", "gnb", "pca", "kmeans" }
local wanted = {}
if arg[3] and arg[3] ~= "all" then
  for m in arg[3]:gmatch("[^,]+") do wanted[#wanted + 1] = m end
else
  wanted = ALL
end
tide.threads(threads)

-- the models, with the hyper-parameters the peer uses
local M = tide.models
local FACTORY = {
  logistic = function() return M.LogisticRegression() end,
  tree = function() return M.DecisionTreeClassifier{ random_state = 0 } end,
  forest = function() return M.RandomForestClassifier{ n_estimators = 100, random_state = 0 } end,
  hgb = function() return M.HistGradientBoostingClassifier{ random_state = 0 } end,
  knn = function() return M.KNeighborsClassifier{ n_neighbors = 5 } end,
  gnb = function() return M.GaussianNB() end,
  pca = function() return M.PCA{ n_components = 50, random_state = 0 } end,
  kmeans = function() return M.KMeans{ n_clusters = 10, n_init = 1, random_state = 0 } end,
}

-- the same data and splits as the peer
local function load(name)
  if name == "fashion" then
    local xtr, ytr = tide.datasets.load("fashion-mnist", { split = "train" })
    local xte, yte = tide.datasets.load("fashion-mnist", { split = "test" })
    return xtr:reshape(60000, 784):to("float64") / 255, ytr, xte:reshape(10000, 784):to("float64") / 255, yte
  end
  local X, y = tide.datasets.load("digits")
  local tr, te = {}, {}
  for i = 1, X.shape[1] do
    if i % 4 == 0 then te[#te + 1] = i else tr[#tr + 1] = i end
  end
  tr, te = tide.tensor(tr, "int64"), tide.tensor(te, "int64")
  return X:index_select(1, tr), y:index_select(1, tr), X:index_select(1, te), y:index_select(1, te)
end

local function run_tide(model, xtr, ytr, xte, yte)
  local ok, est = pcall(FACTORY[model])
  if not ok or est == nil then return nil, tostring(est) end
  collectgarbage("collect")
  local t0 = clock()
  local fitted, err = pcall(function()
    if model == "pca" or model == "kmeans" then est:fit(xtr) else est:fit(xtr, ytr) end
  end)
  if not fitted then return nil, tostring(err) end
  local fit = clock() - t0
  t0 = clock()
  local predicted, score = pcall(function()
    if model == "pca" then
      est:transform(xte)
      return est.explained_variance_ratio_:sum()
    elseif model == "kmeans" then
      est:predict(xte)
      return -est:score(xte)
    end
    return est:predict(xte):eq(yte):to("float64"):mean()
  end)
  local predict = clock() - t0
  if not predicted then return nil, tostring(score) end
  return { fit = fit, predict = predict, score = score }
end

local p = peer.start("classical_vs_sklearn", "classical_vs_sklearn_peer.py", threads)
print(string.format("# Tide %s vs %s; time ratio = scikit-learn / Tide (goal >= 2)", tide.version,
  (p.header:gsub("^# ", ""))))
print(string.format("%-18s %9s %9s %7s %9s %9s %7s %9s %9s", "", "Tide fit", "skl fit", "ratio", "Tide pred",
  "skl pred", "ratio", "Tide scr", "skl scr"))
for ds in datasets:gmatch("[^,]+") do
  local xtr, ytr, xte, yte = load(ds)
  for _, model in ipairs(wanted) do
    local r, why = run_tide(model, xtr, ytr, xte, yte)
    local sf, sp, ss = p:ask(ds .. " " .. model, "RESULT sklearn:%S+%s+([%d.]+)%s+([%d.]+)%s+([-%d.e+]+)")
    sf, sp, ss = tonumber(sf), tonumber(sp), tonumber(ss)
    local label = ds .. " " .. model
    if r then
      print(string.format("%-18s %9.3f %9.3f %6.2fx %9.3f %9.3f %6.2fx %9.4f %9.4f", label, r.fit, sf, sf / r.fit,
        r.predict, sp, sp / r.predict, r.score, ss))
    else
      print(string.format("%-18s %9s %9.3f %7s %9s %9.3f %7s %9s %9.4f   (Tide: %s)", label, "-", sf, "-", "-", sp, "-",
        "-", ss, (why or ""):sub(1, 60)))
    end
    io.stdout:flush()
  end
end
p:close()
