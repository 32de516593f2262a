-- Feature selection and dimensionality reduction: correlation analysis, univariate selection, RFE and PCA, with accuracy and fit time before and after each
--
--   tide run feature-select                        breast cancer, then Fashion-MNIST (20,000 training images)
--   tide run feature-select --data breast-cancer   one data set (breast-cancer, digits, wine, fashion-mnist)
--   tide run feature-select --limit 0              Fashion-MNIST with all 60,000 training images
--
-- For each data set: a stratified train / test split (Fashion-MNIST: its own test set), then a
-- logistic regression on all features (the baseline), and again after each reduction:
--   correlation   CorrelationFilter: one feature of each pair with |r| > --corr is dropped
--                 (the most correlated pairs are printed; the correlation matrix is a PNG)
--   univariate    SelectKBest(f_classif) keeping as many features as the correlation step did
--   rfe           RFE over the logistic regression's coefficients down to --rfe features
--                 (a fifth of the features per step on Fashion-MNIST, one by one otherwise)
--   pca           PCA keeping --pca of the variance (or that many components when >= 1);
--                 the cumulative explained variance is a PNG
-- Features are standardised inside each fit (the scaler is fitted on the training rows).
-- Prints a table: step, features kept, test accuracy, fit seconds (selection + model); writes
-- summary.csv / summary.json and the plots to --out.
local tide = require("tide")
local cli = require("tide.cli")
local FS = tide.feature_selection
local models = tide.models
local ev = require("tide.evaluate")
local P = tide.preprocess
local files = require("tide.io.files")
local json = require("tide.io.json")

local opts = cli.options({ ... }, {
  { "data", nil, "one data set: breast-cancer, digits, wine or fashion-mnist (default: breast-cancer and fashion-mnist)" },
  { "limit", 20000, "Fashion-MNIST training images used (0 = all 60,000)" },
  { "corr", 0.9, "correlation filter: drop one feature of each pair with |r| above this" },
  { "rfe", 0, "features RFE keeps (0: 10 for tables, 100 for images)" },
  { "pca", 0.95, "PCA: share of the variance to keep (< 1) or number of components (>= 1)" },
  { "max-iter", 300, "logistic regression iterations" },
  { "seed", 0, "random seed (split, solvers)" },
  { "threads", 0, "threads (0 = all cores)" },
  { "out", "feature-select-output", "output folder" },
}, "Feature selection and dimensionality reduction with accuracy and fit time before and after each step")

local function fail(msg)
  io.stderr:write("feature-select: ", tostring(msg):gsub("^.-:%d+: ", ""), "\n")
  os.exit(1)
end
if opts.threads > 0 then tide.threads(opts.threads) end
tide.manual_seed(opts.seed)
if not files.mkdir_p(opts.out) then fail("cannot create the folder " .. opts.out) end

local clock = require("tide.evaluate.cross_validate").now

-- ---------------------------------------------------------------- data
local function load(name)
  if name == "fashion-mnist" then
    local xtr, ytr, info = tide.datasets.load("fashion-mnist", { split = "train" })
    local xte, yte = tide.datasets.load("fashion-mnist", { split = "test" })
    local n = xtr.shape[1]
    if opts.limit > 0 and opts.limit < n then
      -- a stratified subset of the training images
      local parts = { ev.train_test_split(n, ytr, { train_size = opts.limit, stratify = true, random_state = opts.seed }) }
      local keep = parts[#parts].train -- (the split's ids come last)
      xtr, ytr = xtr:index_select(1, keep), ytr:index_select(1, keep)
    end
    local d = xtr.shape[2] * xtr.shape[3]
    local names = {}
    for i = 1, d do names[i] = string.format("px%d_%d", math.floor((i - 1) / 28), (i - 1) % 28) end
    return { name = name, Xtr = xtr:reshape(xtr.shape[1], d):to("float64") / 255, ytr = ytr,
      Xte = xte:reshape(xte.shape[1], d):to("float64") / 255, yte = yte, features = names, classes = info.classes,
      image = true }
  end
  local X, y, info = tide.datasets.load(name)
  local Xtr, Xte, ytr, yte = ev.train_test_split(X, y, { test_size = 0.25, stratify = true, random_state = opts.seed })
  return { name = name, Xtr = Xtr, ytr = ytr, Xte = Xte, yte = yte, features = info.features, classes = info.classes }
end

-- ---------------------------------------------------------------- the model
local function model()
  return models.LogisticRegression{ max_iter = opts.max_iter, random_state = opts.seed }
end

-- scale on the training rows, fit, score on the test rows; seconds and accuracy
local function evaluate(Xtr, ytr, Xte, yte)
  local t0 = clock()
  local scaler = P.StandardScaler():fit(Xtr)
  local m = model():fit(scaler:transform(Xtr), ytr)
  local fit = clock() - t0
  local acc = tide.metrics.accuracy(yte, m:predict(scaler:transform(Xte)))
  return acc, fit, m
end

-- ---------------------------------------------------------------- one data set
local function run(name)
  local ok, D = pcall(load, name)
  if not ok then fail(D) end
  local d = D.Xtr.shape[2]
  print(string.format("\n== %s: %d training rows, %d test rows, %d features, %d classes", name, D.Xtr.shape[1],
    D.Xte.shape[1], d, #D.classes))
  local rows = {}
  local function report(step, kept, acc, select_s, fit_s, note)
    rows[#rows + 1] = { step = step, features = kept, accuracy = acc, select_seconds = select_s, fit_seconds = fit_s,
      note = note }
    print(string.format("  %-12s %6d features   accuracy %.4f   select %7.2f s   fit %7.2f s%s", step, kept, acc,
      select_s, fit_s, note and ("   " .. note) or ""))
    io.stdout:flush()
  end

  local acc0, fit0 = evaluate(D.Xtr, D.ytr, D.Xte, D.yte)
  report("all", d, acc0, 0, fit0)

  -- correlation analysis: constant columns first (images have some), then the filter
  local t0 = clock()
  local vt = FS.VarianceThreshold():fit(D.Xtr)
  local Xv = vt:transform(D.Xtr)
  local vnames = vt:get_feature_names_out(D.features)
  local cf = FS.CorrelationFilter{ threshold = opts.corr }:fit(Xv)
  local sel_s = clock() - t0
  local keep = {}
  for i, j in ipairs(vt:get_support(true)) do if cf:get_support()[i] then keep[#keep + 1] = j end end
  local pairs_ = {}
  for _, p in ipairs(cf.dropped_) do pairs_[#pairs_ + 1] = p end
  table.sort(pairs_, function(a, b) return math.abs(a[3]) > math.abs(b[3]) end)
  if #vt:get_support(true) < d then
    print(string.format("  %d constant features dropped first", d - #vt:get_support(true)))
  end
  for i = 1, math.min(5, #pairs_) do
    local p = pairs_[i]
    print(string.format("  |r| = %.3f   %s  ~  %s (kept)", math.abs(p[3]), vnames[p[1]], vnames[p[2]]))
  end
  local ksel = tide.tensor(keep, "int64")
  local acc1, fit1 = evaluate(D.Xtr:index_select(2, ksel), D.ytr, D.Xte:index_select(2, ksel), D.yte)
  report("correlation", #keep, acc1, sel_s, fit1, string.format("|r| <= %g", opts.corr))
  if not D.image then
    local okp, err = pcall(tide.plot.heatmap, { data = cf.correlation_, title = name .. ": Pearson correlation",
      xlabels = vnames, ylabels = vnames, xrotation = 90, cmap = "rdbu", vmin = -1, vmax = 1, colorbar_label = "r",
      width = 1100, height = 1000, path = opts.out .. "/" .. name .. "_correlation.png" })
    if not okp then print("  (correlation plot: " .. tostring(err) .. ")") end
  end

  -- univariate selection to the same size
  t0 = clock()
  local kb = FS.SelectKBest{ k = #keep }:fit(D.Xtr, D.ytr)
  sel_s = clock() - t0
  local acc2, fit2 = evaluate(kb:transform(D.Xtr), D.ytr, kb:transform(D.Xte), D.yte)
  report("univariate", #keep, acc2, sel_s, fit2, "SelectKBest(f_classif)")

  -- recursive feature elimination over the model's coefficients (on standardised features)
  local target = opts.rfe > 0 and opts.rfe or (D.image and 100 or 10)
  target = math.min(target, d - 1)
  t0 = clock()
  local scaler = P.StandardScaler():fit(D.Xtr)
  local rfe = FS.RFE{ estimator = model(), n_features_to_select = target, step = D.image and 0.2 or 1 }
    :fit(scaler:transform(D.Xtr), D.ytr)
  sel_s = clock() - t0
  local acc3, fit3 = evaluate(rfe:transform(D.Xtr), D.ytr, rfe:transform(D.Xte), D.yte)
  report("rfe", target, acc3, sel_s, fit3)
  if not D.image then
    print("  RFE keeps: " .. table.concat(rfe:get_feature_names_out(D.features), ", "))
  end

  -- PCA on standardised features
  t0 = clock()
  local pca = models.PCA{ n_components = opts.pca >= 1 and math.floor(opts.pca) or opts.pca, random_state = opts.seed }
  local Ztr = pca:fit_transform(scaler:transform(D.Xtr))
  sel_s = clock() - t0
  local Zte = pca:transform(scaler:transform(D.Xte))
  local k = Ztr.shape[2]
  local acc4, fit4 = evaluate(Ztr, D.ytr, Zte, D.yte)
  local ratio = pca.explained_variance_ratio_
  report("pca", k, acc4, sel_s, fit4, string.format("%.1f %% of the variance", 100 * ratio:sum()))
  local okp, err = pcall(tide.plot.line, { x = tide.arange(1, k + 1):to("float64"), y = ratio:cumsum(1),
    title = name .. ": PCA cumulative explained variance", xlabel = "components", ylabel = "explained variance",
    path = opts.out .. "/" .. name .. "_pca_variance.png" })
  if not okp then print("  (PCA plot: " .. tostring(err) .. ")") end
  return rows
end

local names = opts.data and { opts.data } or { "breast-cancer", "fashion-mnist" }
local summary, csv = {}, { "data,step,features,accuracy,select_seconds,fit_seconds" }
for _, name in ipairs(names) do
  local rows = run(name)
  summary[name] = rows
  for _, r in ipairs(rows) do
    csv[#csv + 1] = string.format("%s,%s,%d,%.17g,%.6f,%.6f", name, r.step, r.features, r.accuracy, r.select_seconds,
      r.fit_seconds)
  end
end
files.write("feature-select", opts.out .. "/summary.csv", { table.concat(csv, "\n") .. "\n" })
files.write("feature-select", opts.out .. "/summary.json", { json.encode(summary, "feature-select", "summary") })
print(string.format("\nwrote %s/summary.csv, summary.json and the plots", opts.out))
