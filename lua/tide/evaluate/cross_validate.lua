-- tide.evaluate.cross_validate: cross_validate, cross_val_score and cross_val_predict, with
-- scikit-learn's semantics: every fold fits a clone of the estimator (estimator:clone()) on the
-- training rows and scores it on the test rows; cv = 5 means StratifiedKFold(5) for classifiers
-- and KFold(5) otherwise. Folds run one after the other: the estimators' kernels use the threads.
local ffi = require("ffi")
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local split = require("tide.evaluate.split")
local scoring = require("tide.evaluate.scoring")
local L = require("tide.metrics.labels")

local raise = core.raise
local is_tensor = tide.is_tensor
local format = string.format

local M = {}

-- ---------------------------------------------------------------- wall-clock time

pcall(ffi.cdef, "typedef struct { int64_t sec, nsec; } tide_eval_timespec; int clock_gettime(int, void *);")
local ts = ffi.new("tide_eval_timespec")
local CLOCK_MONOTONIC = 1

-- seconds on a monotonic clock (fit and score times are differences of two readings)
function M.now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.sec) + tonumber(ts.nsec) * 1e-9
end
local now = M.now

-- ---------------------------------------------------------------- checks

local function check_estimator(op, est)
  if type(est) ~= "table" or type(est.fit) ~= "function" or type(est.clone) ~= "function" then
    raise(op .. ": estimator must be a Tide estimator (with fit and clone), got " .. type(est))
  end
end

local function is_classifier(est) return est._kind == "classifier" end

local function check_y(op, X, y)
  if y == nil then return end
  local n = split.num_samples(op, X)
  local ny = is_tensor(y) and y.shape[1] or (type(y) == "table" and #y or nil)
  if ny == nil then raise(format("%s: y must be a tensor or a Lua array, got %s", op, type(y))) end
  if ny ~= n then raise(format("%s: X has %d samples but y has %d", op, n, ny)) end
end

-- fit_params for one fold: per-sample values (tensors or Lua arrays with one entry per sample,
-- such as sample_weight) are cut to the training rows, as scikit-learn does; others pass as is.
local function fold_params(params, n, train)
  if params == nil then return nil end
  local out = {}
  for k, v in pairs(params) do
    local len = is_tensor(v) and v.ndim >= 1 and v.shape[1] or (type(v) == "table" and not is_tensor(v) and #v or nil)
    if len == n and (is_tensor(v) or #v > 0) then out[k] = split.take(v, train) else out[k] = v end
  end
  return out
end
M._fold_params = fold_params

-- One fold: fit a clone on train, then score each scorer on test (and train). Returns the fitted
-- clone and {fit_time, score_time, test = {..}, train = {..}}.
local function run_fold(op, est, X, y, fold, scorers, train_score, fit_opts)
  local Xtr, Xte = split.take(X, fold.train), split.take(X, fold.test)
  local ytr = y ~= nil and split.take(y, fold.train) or nil
  local yte = y ~= nil and split.take(y, fold.test) or nil
  local model = est:clone()
  fit_opts = fold_params(fit_opts, split.num_samples("cross_validate", X), fold.train)
  local t0 = now()
  model:fit(Xtr, ytr, fit_opts)
  local t1 = now()
  local out = { fit_time = t1 - t0, test = {}, train = {} }
  for i, s in ipairs(scorers) do out.test[i] = s.score(model, Xte, yte) end
  out.score_time = now() - t1
  if train_score then
    for i, s in ipairs(scorers) do out.train[i] = s.score(model, Xtr, ytr) end
  end
  return model, out
end

local CV_OPTIONS = { "cv", "scoring", "groups", "return_train_score", "return_estimator", "fit_params", "error_score" }

-- error_score: "raise" (the default) or a number (often 0 / 0) that stands for the scores of a
-- fold whose fit fails
local function check_error_score(op, e)
  if e == nil or e == "raise" then return nil end
  if type(e) ~= "number" then raise(format("%s: error_score must be 'raise' or a number, got %s", op, tostring(e))) end
  return e
end
M._check_error_score = check_error_score

-- cross_validate(estimator, X, y, {cv = 5, scoring =, groups =, return_train_score = false,
-- return_estimator = false, fit_params =}) -> {fit_time = float64 [F], score_time = [F],
-- test_score = [F] (one scorer) or test_<name> = [F] per scorer, train_... with
-- return_train_score, estimator = {fitted clones} with return_estimator, folds = the folds}; a
-- single scorer name also gives test_<name> (the same tensor as test_score). error_score = a
-- number (e.g. 0 / 0): a fold whose fit raises an error scores that, and res.errors[fold] keeps
-- the message, instead of the error stopping everything (error_score = "raise", the default).
-- scoring: nil (accuracy for classifiers, R² for regressors), a scorer name ("f1_macro",
-- "roc_auc", "neg_log_loss", "r2", ...; tide.evaluate.scorer_names()), a list of names, a table
-- {name = scorer name or function(est, X, y) -> number}, or one such function.
function M.cross_validate(estimator, X, y, opts)
  local op = "cross_validate"
  opts = args.options(op, opts, args.set(CV_OPTIONS))
  check_estimator(op, estimator)
  check_y(op, X, y)
  local scorers, single = scoring.resolve(op, opts.scoring, estimator)
  local folds = split.folds(op, opts.cv, X, y, opts.groups, is_classifier(estimator))
  local nf = #folds
  local res = { fit_time = tide.empty(nf, "float64"), score_time = tide.empty(nf, "float64"), folds = folds }
  local test, train = {}, {}
  for i, s in ipairs(scorers) do
    local key = single and "score" or s.name
    test[i] = tide.empty(nf, "float64")
    res["test_" .. key] = test[i]
    if opts.return_train_score then
      train[i] = tide.empty(nf, "float64")
      res["train_" .. key] = train[i]
    end
    if single and type(opts.scoring) == "string" then -- scoring = "f1_macro": test_f1_macro too
      res["test_" .. opts.scoring], res["train_" .. opts.scoring] = test[i], train[i]
    end
  end
  if opts.return_estimator then res.estimator = {} end
  local error_score = check_error_score(op, opts.error_score)
  for f, fold in ipairs(folds) do
    local ok, model, out = true, nil, nil
    if error_score ~= nil then
      ok, model, out = pcall(run_fold, op, estimator, X, y, fold, scorers, opts.return_train_score, opts.fit_params)
    else
      model, out = run_fold(op, estimator, X, y, fold, scorers, opts.return_train_score, opts.fit_params)
    end
    if not ok then
      res.errors = res.errors or {}
      res.errors[f] = tostring(model)
      out = { fit_time = 0 / 0, score_time = 0 / 0, test = {}, train = {} }
      for i = 1, #scorers do out.test[i], out.train[i] = error_score, error_score end
      model = nil
    end
    res.fit_time[f], res.score_time[f] = out.fit_time, out.score_time
    for i = 1, #scorers do
      local v = out.test[i]
      if type(v) ~= "number" then
        raise(format("%s: scorer '%s' returned a %s, expected a number", op, scorers[i].name, type(v)))
      end
      test[i][f] = v
      if opts.return_train_score then train[i][f] = out.train[i] end
    end
    if opts.return_estimator then res.estimator[f] = model end
  end
  return res
end

-- cross_val_score(estimator, X, y, {cv = 5, scoring =, groups =}) -> float64 [F]: the test
-- score of each fold.
function M.cross_val_score(estimator, X, y, opts)
  local op = "cross_val_score"
  opts = args.options(op, opts, args.set({ "cv", "scoring", "groups", "fit_params", "error_score" }))
  if type(opts.scoring) == "table" then raise(op .. ": scoring must be one scorer (use cross_validate for several)") end
  return M.cross_validate(estimator, X, y, opts).test_score
end

-- ---------------------------------------------------------------- out-of-fold predictions

local METHODS = { predict = true, predict_proba = true, decision_function = true, predict_log_proba = true }

-- Rows [ids] of out <- values (a tensor [m] / [m, K], or a Lua array for strings); out is
-- created on first use.
local function scatter_rows(out, ids, values, n)
  if is_tensor(values) then
    if out == nil then
      local shape = { n }
      for d = 2, values.ndim do shape[d] = values.shape[d] end
      out = tide.zeros(shape, values.dtype)
    end
    out:index_add_(1, ids, values:to(out.dtype))
    return out
  end
  out = out or {}
  ids = ids:contiguous() -- kept alive while p is read
  local p = ids:data_ptr()
  for i = 1, #values do out[tonumber(p[i - 1])] = values[i] end
  return out
end
M._scatter_rows = scatter_rows

-- cross_val_predict(estimator, X, y, {cv = 5, method = "predict" | "predict_proba" |
-- "decision_function", groups =}) -> each sample's prediction from the fold where it was in the
-- test set (the folds must partition the samples). predict_proba columns follow the classes of
-- the whole y, so a fold whose training part lacks a class gets 0 in that column.
function M.cross_val_predict(estimator, X, y, opts)
  local op = "cross_val_predict"
  opts = args.options(op, opts, args.set({ "cv", "method", "groups", "fit_params" }))
  check_estimator(op, estimator)
  check_y(op, X, y)
  local method = opts.method or "predict"
  if not METHODS[method] then
    raise(format("%s: method must be predict, predict_proba, predict_log_proba or decision_function, got %s", op, tostring(method)))
  end
  if type(estimator[method]) ~= "function" then
    raise(format("%s: %s has no %s", op, estimator._name or "the estimator", method))
  end
  local n = split.num_samples(op, X)
  local folds = split.folds(op, opts.cv, X, y, opts.groups, is_classifier(estimator))
  local seen = tide.zeros(n, "int64")
  for _, f in ipairs(folds) do seen:put_(f.test, 1, true) end
  if not seen:eq(1):all() then
    raise(op .. ": cross_val_predict needs folds that put every sample in exactly one test set")
  end
  local classes
  if method ~= "predict" and is_classifier(estimator) and y ~= nil then
    classes = L.encode(op, { { "y", L.vector(op, "y", y) } })
  end
  local out
  for _, fold in ipairs(folds) do
    local Xtr, Xte = split.take(X, fold.train), split.take(X, fold.test)
    local ytr = y ~= nil and split.take(y, fold.train) or nil
    local model = estimator:clone()
    model:fit(Xtr, ytr, fold_params(opts.fit_params, n, fold.train))
    local pred = model[method](model, Xte)
    local mc = rawget(model, "state") and model.state.classes_
    if classes and is_tensor(pred) and pred.ndim == 2 and mc and #mc ~= #classes then
      -- align this fold's class columns with the classes of the whole y
      local full = tide.full({ pred.shape[1], #classes }, method == "predict_proba" and 0 or -math.huge, "float64")
      if method == "predict_log_proba" then full:fill_(-math.huge) end
      for j, c in ipairs(mc) do
        local at = L.position(classes, c)
        full:select(2, at):copy_(pred:select(2, j))
      end
      pred = full
    end
    out = scatter_rows(out, fold.test, pred, n)
  end
  return out
end

return M
