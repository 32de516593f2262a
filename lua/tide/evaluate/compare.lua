-- tide.evaluate.compare: several models cross-validated on the same folds, as one result.
--
--   local r = evaluate.compare({logreg = LogisticRegression{}, nb = GaussianNB{}}, X, y,
--                              {cv = 5, scoring = {"accuracy", "f1_macro"}})
--   r:print()                    -- models x metrics: mean ± std over folds, fit and predict time
--   r:to_csv(path), r:to_json(path)
--   r:significance()             -- pairwise corrected resampled t-tests (and McNemar)
--   r:plot_roc(path), r:plot_pr(path), r:plot_confusion(path)
--
-- Every model sees the same folds, so per-fold scores are paired. With folds that partition the
-- samples (k-fold), each model's out-of-fold predictions (labels, and probabilities or decision
-- scores when it has them) are kept: McNemar's test and the plots use them.
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local split = require("tide.evaluate.split")
local scoring = require("tide.evaluate.scoring")
local stats = require("tide.evaluate.stats")
local cv_mod = require("tide.evaluate.cross_validate")
local L = require("tide.metrics.labels")
local metrics = require("tide.metrics")

local raise = core.raise
local is_tensor = tide.is_tensor
local format = string.format
local now = cv_mod.now

local M = {}

local Comparison = {}
Comparison.__index = Comparison
M.Comparison = Comparison

-- ---------------------------------------------------------------- models

-- {name = est, ...} (sorted by name) or {{name, est}, ...} (in order) -> list of {name, est}
local function model_list(op, models)
  if type(models) ~= "table" or is_tensor(models) then raise(op .. ": models must be a table {name = estimator} or a list of {name, estimator}") end
  local list = {}
  if #models > 0 then
    for i, m in ipairs(models) do
      if type(m) ~= "table" or type(m[1]) ~= "string" or type(m[2]) ~= "table" then
        raise(format("%s: models[%d] must be {name, estimator}", op, i))
      end
      list[i] = { m[1], m[2] }
    end
  else
    local names = {}
    for k in pairs(models) do
      if type(k) ~= "string" then raise(op .. ": model names must be strings") end
      names[#names + 1] = k
    end
    table.sort(names)
    for i, k in ipairs(names) do list[i] = { k, models[k] } end
  end
  if #list == 0 then raise(op .. ": no models to compare") end
  local seen = {}
  for _, m in ipairs(list) do
    if seen[m[1]] then raise(format("%s: two models are named '%s'", op, m[1])) end
    seen[m[1]] = true
    if type(m[2]) ~= "table" or type(m[2].fit) ~= "function" or type(m[2].clone) ~= "function" then
      raise(format("%s: model '%s' must be a Tide estimator (with fit and clone)", op, m[1]))
    end
  end
  return list
end

local function mean_std(t) -- population std (NumPy's default ddof = 0), as scikit-learn reports
  local n = t:numel()
  local mean = t:sum() / n
  local var = ((t - mean) ^ 2):sum() / n
  return mean, math.sqrt(var)
end

-- ---------------------------------------------------------------- compare

-- compare(models, X, y, {cv = 5, scoring = nil | name | {names} | {name = scorer}, groups =,
-- keep_predictions = true, error_score = "raise"}) -> a Comparison. error_score = a number (e.g.
-- 0 / 0): a model's fold that raises an error scores that (the message in r.errors[name][fold])
-- and the other models go on; that model then has no out-of-fold predictions.
function M.compare(models, X, y, opts)
  local op = "compare"
  opts = args.options(op, opts, args.set({ "cv", "scoring", "groups", "keep_predictions", "error_score" }))
  local error_score = cv_mod._check_error_score(op, opts.error_score)
  local list = model_list(op, models)
  local first = list[1][2]
  local classifier = first._kind == "classifier"
  for _, m in ipairs(list) do
    if (m[2]._kind == "classifier") ~= classifier then
      raise(format("%s: '%s' is a %s but '%s' is a %s; compare classifiers with classifiers", op, m[1],
        tostring(m[2]._kind), list[1][1], tostring(first._kind)))
    end
  end
  local n = split.num_samples(op, X)
  if y ~= nil then
    local ny = is_tensor(y) and y.shape[1] or #y
    if ny ~= n then raise(format("%s: X has %d samples but y has %d", op, n, ny)) end
  end
  local scorers = scoring.resolve(op, opts.scoring, first)
  -- one scorer is named by itself here (cross_validate calls it test_score)
  if opts.scoring == nil then scorers[1].name = classifier and "accuracy" or "r2"
  elseif type(opts.scoring) == "string" then scorers[1].name = opts.scoring end
  local folds = split.folds(op, opts.cv, X, y, opts.groups, classifier)
  -- a partition (each sample tested once) gives out-of-fold predictions
  local seen = tide.zeros(n, "int64")
  for _, f in ipairs(folds) do seen:put_(f.test, 1, true) end
  local partition = seen:eq(1):all() and opts.keep_predictions ~= false
  local classes
  if classifier and y ~= nil then classes = L.encode(op, { { "y", L.vector(op, "y", y) } }) end

  local self = setmetatable({
    models = {}, metrics = {}, scores = {}, fit_time = {}, predict_time = {}, folds = folds,
    n_folds = #folds, classifier = classifier, y = y, classes = classes, oof = partition and {} or nil,
  }, Comparison)
  for i, s in ipairs(scorers) do self.metrics[i] = s.name end
  local ntr, nte = 0, 0
  for _, f in ipairs(folds) do ntr, nte = ntr + f.train:numel(), nte + f.test:numel() end
  self.n_train, self.n_test = ntr / #folds, nte / #folds

  local need = {}
  for _, s in ipairs(scorers) do if s.response then need[s.response] = true end end
  for _, m in ipairs(list) do
    local name, est = m[1], m[2]
    self.models[#self.models + 1] = name
    local nf = #folds
    local sc = {}
    for _, s in ipairs(scorers) do sc[s.name] = tide.empty(nf, "float64") end
    local fit_t, pred_t = tide.empty(nf, "float64"), tide.empty(nf, "float64")
    local oof = partition and {} or nil
    local has_proba = type(est.predict_proba) == "function"
    local has_dec = type(est.decision_function) == "function"
    local failed = false
    for f, fold in ipairs(folds) do
      local function run()
      local Xtr, Xte = split.take(X, fold.train), split.take(X, fold.test)
      local ytr = y ~= nil and split.take(y, fold.train) or nil
      local yte = y ~= nil and split.take(y, fold.test) or nil
      local model = est:clone()
      local t0 = now()
      model:fit(Xtr, ytr)
      local t1 = now()
      local out = { predict = model:predict(Xte) }
      if has_proba and (need.proba or (need.threshold and not has_dec) or (partition and classifier)) then
        out.proba = model:predict_proba(Xte)
      end
      if has_dec and need.threshold then out.decision = model:decision_function(Xte) end
      pred_t[f] = now() - t1
      fit_t[f] = t1 - t0
      for _, s in ipairs(scorers) do
        local v
        if s.response == "predict" then v = s.metric(yte, out.predict, model)
        elseif s.response == "proba" then
          if not out.proba then raise(format("%s: scoring '%s' needs predict_proba, which '%s' does not have", op, s.name, name)) end
          v = s.metric(yte, out.proba, model)
        elseif s.response == "threshold" then
          local score = out.decision
          if score == nil then
            if not out.proba then raise(format("%s: scoring '%s' needs decision_function or predict_proba; '%s' has neither", op, s.name, name)) end
            score = out.proba:select(2, out.proba.shape[2]):contiguous()
          elseif score.ndim == 2 and score.shape[2] == 1 then
            score = score:reshape(score.shape[1])
          end
          v = s.metric(yte, score, model)
        else
          v = s.score(model, Xte, yte)
        end
        if type(v) ~= "number" then raise(format("%s: scorer '%s' returned a %s, expected a number", op, s.name, type(v))) end
        sc[s.name][f] = v
      end
      if oof then
        oof.pred = cv_mod._scatter_rows(oof.pred, fold.test, out.predict, n)
        if out.proba and classes then
          local p = out.proba
          local mc = model.state and model.state.classes_
          if mc and #mc ~= #classes then
            local full = tide.zeros({ p.shape[1], #classes }, "float64")
            for j, c in ipairs(mc) do full:select(2, L.position(classes, c)):copy_(p:select(2, j)) end
            p = full
          end
          oof.proba = cv_mod._scatter_rows(oof.proba, fold.test, p:to("float64"), n)
        end
      end
      end
      if error_score == nil then
        run()
      else
        local ok, err = pcall(run)
        if not ok then -- this fold scores error_score; the message is kept in r.errors[name][fold]
          failed = true
          self.errors = self.errors or {}
          self.errors[name] = self.errors[name] or {}
          self.errors[name][f] = tostring(err)
          for _, sco in ipairs(scorers) do sc[sco.name][f] = error_score end
          fit_t[f], pred_t[f] = 0 / 0, 0 / 0
        end
      end
    end
    self.scores[name], self.fit_time[name], self.predict_time[name] = sc, fit_t, pred_t
    if oof and not failed then self.oof[name] = oof end
  end
  return self
end

-- ---------------------------------------------------------------- the table

-- r:table() -> list of rows {model =, <metric> = {mean =, std =, folds = {...}}, fit_time =
-- {mean =, std =}, predict_time = {mean =, std =}}, in model order
function Comparison:table()
  local rows = {}
  for i, name in ipairs(self.models) do
    local row = { model = name }
    for _, m in ipairs(self.metrics) do
      local t = self.scores[name][m]
      local mean, std = mean_std(t)
      row[m] = { mean = mean, std = std, folds = t:totable() }
    end
    for _, k in ipairs({ "fit_time", "predict_time" }) do
      local mean, std = mean_std(self[k][name])
      row[k] = { mean = mean, std = std }
    end
    rows[i] = row
  end
  return rows
end

-- pad s on the left (numbers) or right (names) to width w
local function pad(s, w, left)
  local len = #s:gsub("[\128-\191]", "")
  if len >= w then return s end
  return left and (string.rep(" ", w - len) .. s) or (s .. string.rep(" ", w - len))
end

-- r:format() -> the table as aligned text: one row per model, "mean ± std" per metric and the
-- mean fit and predict times per fold
function Comparison:format()
  local head = { "model" }
  for _, m in ipairs(self.metrics) do head[#head + 1] = m end
  head[#head + 1] = "fit time (s)"
  head[#head + 1] = "predict time (s)"
  local cells = { head }
  for _, row in ipairs(self:table()) do
    local r = { row.model }
    for _, m in ipairs(self.metrics) do r[#r + 1] = format("%.4f ± %.4f", row[m].mean, row[m].std) end
    r[#r + 1] = format("%.4f", row.fit_time.mean)
    r[#r + 1] = format("%.4f", row.predict_time.mean)
    cells[#cells + 1] = r
  end
  local widths = {}
  for _, r in ipairs(cells) do
    for j, c in ipairs(r) do
      local len = #c:gsub("[\128-\191]", "")
      widths[j] = math.max(widths[j] or 0, len)
    end
  end
  local lines = {}
  for i, r in ipairs(cells) do
    local parts = {}
    for j, c in ipairs(r) do parts[j] = pad(c, widths[j], j > 1) end
    lines[#lines + 1] = table.concat(parts, "  ")
    if i == 1 then
      local rule = {}
      for j = 1, #r do rule[j] = string.rep("-", widths[j]) end
      lines[#lines + 1] = table.concat(rule, "  ")
    end
  end
  return format("%d-fold comparison (mean ± std over folds)\n", self.n_folds) .. table.concat(lines, "\n") .. "\n"
end
Comparison.__tostring = Comparison.format

function Comparison:print()
  io.write(self:format())
  return self
end

-- the best model by a metric (default the first): name, mean
function Comparison:best(metric)
  metric = metric or self.metrics[1]
  if not self.scores[self.models[1]][metric] then raise("compare:best: unknown metric '" .. tostring(metric) .. "'") end
  local best, score
  for _, name in ipairs(self.models) do
    local m = mean_std(self.scores[name][metric])
    if score == nil or m > score then best, score = name, m end
  end
  return best, score
end

local files = require("tide.io.files")

local function csv_field(s)
  s = tostring(s)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function num(v) return format("%.17g", v) end

-- r:to_csv(path): one row per model: model, <metric>_mean, <metric>_std, ..., fit_time_mean,
-- fit_time_std, predict_time_mean, predict_time_std (written atomically)
function Comparison:to_csv(path)
  local op = "compare:to_csv"
  if type(path) ~= "string" or path == "" then raise(op .. ": path must be a file path") end
  local head = { "model" }
  for _, m in ipairs(self.metrics) do head[#head + 1] = m .. "_mean"; head[#head + 1] = m .. "_std" end
  for _, k in ipairs({ "fit_time", "predict_time" }) do head[#head + 1] = k .. "_mean"; head[#head + 1] = k .. "_std" end
  local lines = { table.concat(head, ",") }
  for _, row in ipairs(self:table()) do
    local r = { csv_field(row.model) }
    for _, m in ipairs(self.metrics) do r[#r + 1] = num(row[m].mean); r[#r + 1] = num(row[m].std) end
    for _, k in ipairs({ "fit_time", "predict_time" }) do r[#r + 1] = num(row[k].mean); r[#r + 1] = num(row[k].std) end
    lines[#lines + 1] = table.concat(r, ",")
  end
  files.write(op, path, { table.concat(lines, "\n") .. "\n" })
  return path
end

-- r:to_json(path): {folds =, n_train =, n_test =, metrics = [...], models = [{model =, <metric> =
-- {mean, std, folds}, fit_time =, predict_time =}]} (written atomically)
function Comparison:to_json(path)
  local op = "compare:to_json"
  if type(path) ~= "string" or path == "" then raise(op .. ": path must be a file path") end
  local json = require("tide.io.json")
  local doc = { folds = self.n_folds, n_train = self.n_train, n_test = self.n_test, metrics = self.metrics,
    models = self:table() }
  files.write(op, path, { json.encode(doc, op, "comparison") .. "\n" })
  return path
end

-- ---------------------------------------------------------------- significance

local Sig = {}
Sig.__index = Sig

function Sig:format()
  local lines = { format("%-16s %-16s %-10s %10s %10s %10s", "model a", "model b", "test", "mean diff", "statistic", "p-value") }
  for _, r in ipairs(self) do
    lines[#lines + 1] = format("%-16s %-16s %-10s %10.4f %10.4f %10.4g", r.a, r.b, r.test,
      r.mean_diff or 0 / 0, r.statistic, r.p)
  end
  return table.concat(lines, "\n") .. "\n"
end
Sig.__tostring = Sig.format
function Sig:print() io.write(self:format()) return self end

-- r:significance({metric = the first, test = "ttest" | "mcnemar" | "both", exact = false}) ->
-- a list of rows {a =, b =, test =, metric =, mean_diff =, statistic =, p =} for every pair of
-- models (:print() / tostring show them as a table). "ttest": Nadeau & Bengio's corrected
-- resampled t-test on the per-fold scores; "mcnemar": McNemar's test on the out-of-fold
-- predictions (classifiers, k-fold style cv).
function Comparison:significance(opts)
  local op = "compare:significance"
  opts = args.options(op, opts, args.set({ "metric", "test", "exact" }))
  local metric = opts.metric or self.metrics[1]
  if self.scores[self.models[1]][metric] == nil then raise(format("%s: unknown metric '%s'", op, tostring(metric))) end
  local test = opts.test or "ttest"
  if test ~= "ttest" and test ~= "mcnemar" and test ~= "both" then
    raise(format("%s: test must be 'ttest', 'mcnemar' or 'both', got %s", op, tostring(test)))
  end
  if (test == "mcnemar" or test == "both") and (not self.classifier or not self.oof) then
    raise(op .. ": McNemar's test needs classifiers and folds that test each sample once (k-fold)")
  end
  local rows = setmetatable({}, Sig)
  for i = 1, #self.models do
    for j = i + 1, #self.models do
      local a, b = self.models[i], self.models[j]
      local sa, sb = self.scores[a][metric], self.scores[b][metric]
      local diff = (sa - sb):mean()
      local finite = sa:isfinite():all() and sb:isfinite():all()
      if test ~= "mcnemar" and not finite then -- a failed fold (error_score): no test
        rows[#rows + 1] = { a = a, b = b, test = "ttest", metric = metric, mean_diff = diff, statistic = 0 / 0, p = 0 / 0 }
      elseif test ~= "mcnemar" then
        local t, p = stats.corrected_ttest(sa, sb, self.n_train, self.n_test)
        rows[#rows + 1] = { a = a, b = b, test = "ttest", metric = metric, mean_diff = diff, statistic = t, p = p }
      end
      if test ~= "ttest" and not (self.oof[a] and self.oof[b]) then
        rows[#rows + 1] = { a = a, b = b, test = "mcnemar", metric = "accuracy", mean_diff = 0 / 0, statistic = 0 / 0, p = 0 / 0 }
      elseif test ~= "ttest" then
        local stat, p = stats.mcnemar(self.y, self.oof[a].pred, self.oof[b].pred, { exact = opts.exact })
        rows[#rows + 1] = { a = a, b = b, test = "mcnemar", metric = "accuracy", mean_diff =
          metrics.accuracy(self.y, self.oof[a].pred) - metrics.accuracy(self.y, self.oof[b].pred), statistic = stat, p = p }
      end
    end
  end
  return rows
end

-- ---------------------------------------------------------------- plots

-- the models with out-of-fold predictions (and probabilities when what = "proba")
local function need_oof(self, op, what)
  if not self.oof then raise(op .. ": needs out-of-fold predictions (folds that test each sample once)") end
  if not self.classifier then raise(op .. ": needs classifiers") end
  local names = {}
  for _, name in ipairs(self.models) do
    local o = self.oof[name]
    if o and (what ~= "proba" or o.proba) then names[#names + 1] = name end
  end
  if #names == 0 then
    raise(format("%s: no model has out-of-fold %s", op, what == "proba" and "probabilities (predict_proba)" or "predictions"))
  end
  return names
end

-- binary: the positive (last) class's probabilities; multiclass: all classes one-vs-rest,
-- flattened (the micro-average curve)
local function curve_inputs(self, name)
  local p = self.oof[name].proba
  local k = #self.classes
  if k == 2 then return self.y, p:select(2, 2):contiguous(), self.classes[2] end
  local _, codes = L.encode("plot", { { "y", L.vector("plot", "y", self.y) } })
  local onehot = tide.zeros({ codes[1]:numel(), k }, "float64")
  onehot:scatter_(2, codes[1]:reshape(codes[1]:numel(), 1), 1)
  return onehot:reshape(onehot:numel()), p:contiguous():reshape(p:numel()), 1
end

local PLOT_OPTS = args.set({ "title", "width", "height" })

-- r:plot_roc(path, {title =, width =, height =}): the ROC curve of each model's out-of-fold
-- probabilities (one-vs-rest micro average for multiclass), AUC in the legend; returns the figure
function Comparison:plot_roc(path, opts)
  local op = "compare:plot_roc"
  opts = args.options(op, opts, PLOT_OPTS)
  local names = need_oof(self, op, "proba")
  local plot = require("tide.plot")
  local series = { { x = { 0, 1 }, y = { 0, 1 }, label = "chance", color = "#999999", dash = { 4, 4 } } }
  for _, name in ipairs(names) do
    local y, s, pos = curve_inputs(self, name)
    local fpr, tpr = metrics.roc_curve(y, s, { pos_label = pos })
    series[#series + 1] = { x = fpr, y = tpr, label = format("%s (AUC %.3f)", name, metrics.auc(fpr, tpr)) }
  end
  return plot.line({ series = series, title = opts.title or "ROC curves (out-of-fold)", xlabel = "False positive rate",
    ylabel = "True positive rate", xlim = { 0, 1 }, ylim = { 0, 1.02 }, legend = "lower right", width = opts.width,
    height = opts.height, path = path })
end

-- r:plot_pr(path, opts): the precision-recall curve of each model, average precision in the legend
function Comparison:plot_pr(path, opts)
  local op = "compare:plot_pr"
  opts = args.options(op, opts, PLOT_OPTS)
  local names = need_oof(self, op, "proba")
  local plot = require("tide.plot")
  local series = {}
  for _, name in ipairs(names) do
    local y, s, pos = curve_inputs(self, name)
    local p, r = metrics.precision_recall_curve(y, s, { pos_label = pos })
    local ap = metrics.average_precision_score(y, s, { pos_label = pos })
    -- a step function, as average precision integrates it (matplotlib's steps-post):
    -- (r1, p1) (r2, p1) (r2, p2) (r3, p2) ...
    local m = r:numel()
    local rx = tide.cat({ tide.stack({ r:narrow(1, 1, m - 1), r:narrow(1, 2, m - 1) }, 2):reshape(2 * (m - 1)), r:narrow(1, m, 1) })
    local py = tide.cat({ tide.stack({ p:narrow(1, 1, m - 1), p:narrow(1, 1, m - 1) }, 2):reshape(2 * (m - 1)), p:narrow(1, m, 1) })
    series[#series + 1] = { x = rx, y = py, label = format("%s (AP %.3f)", name, ap) }
  end
  return plot.line({ series = series, title = opts.title or "Precision-recall curves (out-of-fold)", xlabel = "Recall",
    ylabel = "Precision", xlim = { 0, 1 }, ylim = { 0, 1.02 }, legend = "lower left", width = opts.width,
    height = opts.height, path = path })
end

-- r:plot_confusion(path, {normalize = nil | "true" | "pred" | "all", cols =, title =, width =,
-- height =}): one confusion-matrix heatmap per model (out-of-fold predictions) in a grid
function Comparison:plot_confusion(path, opts)
  local op = "compare:plot_confusion"
  opts = args.options(op, opts, args.set({ "normalize", "cols", "title", "width", "height" }))
  local models = need_oof(self, op)
  local plot = require("tide.plot")
  local nm = #models
  local cols = opts.cols or math.min(nm, 3)
  local rows = math.ceil(nm / cols)
  local fig = plot.figure({ rows = rows, cols = cols, width = opts.width or 420 * cols, height = opts.height or 380 * rows,
    title = opts.title or "Confusion matrices (out-of-fold)" })
  local names = {}
  for i, c in ipairs(self.classes) do names[i] = tostring(c) end
  for _, name in ipairs(models) do
    local cm = metrics.confusion_matrix(self.y, self.oof[name].pred, { labels = self.classes, normalize = opts.normalize })
    fig:axes({ title = name, xlabel = "Predicted label", ylabel = "True label" }):heatmap(cm:to("float64"), {
      cmap = "blues", vmin = 0, vmax = opts.normalize and 1 or nil, annotate = true, xlabels = names, ylabels = names,
      fmt = opts.normalize and "%.2f" or "%.0f", colorbar = false })
  end
  if path ~= nil then fig:save(path) end
  return fig
end

return M
