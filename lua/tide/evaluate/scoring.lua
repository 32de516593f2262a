-- tide.evaluate.scoring: scikit-learn's scorer names. A scorer is {name =, score = function(est,
-- X, y) -> number}: it asks the fitted estimator for what its metric needs — predict (labels or
-- values), predict_proba (probabilities), or a threshold score (decision_function when the
-- estimator has one, else the probability of the positive class) — and returns a value where
-- greater is better (losses and errors are negated: "neg_log_loss", "neg_mean_squared_error").
local core = require("tide._core")
local tide = require("tide")
local metrics = require("tide.metrics")
local L = require("tide.metrics.labels")

local raise = core.raise
local format = string.format

local S = {}

local function classes_of(est)
  local state = rawget(est, "state")
  return state and state.classes_ or nil
end

-- predict_proba as a tensor [n, K]
local function proba(est, X, op, name)
  if type(est.predict_proba) ~= "function" then
    raise(format("%s: scoring '%s' needs predict_proba, which %s does not have", op, name,
      est._name or "this estimator"))
  end
  return est:predict_proba(X)
end

-- the binary score of the positive (greater) class: decision_function, else predict_proba[:, 2]
local function threshold_score(est, X, op, name)
  if type(est.decision_function) == "function" then
    local d = est:decision_function(X)
    if d.ndim == 2 and d.shape[2] == 1 then d = d:reshape(d.shape[1]) end
    return d
  end
  local p = proba(est, X, op, name)
  if p.ndim == 2 and p.shape[2] == 2 then return p:select(2, 2):contiguous() end
  return p -- multiclass: every column
end

local function predict(est, X) return est:predict(X) end

local defs = {}

local function add(name, response, fn)
  defs[name] = { response = response, fn = fn }
end

-- labels
add("accuracy", "predict", function(y, p) return metrics.accuracy(y, p) end)
add("balanced_accuracy", "predict", function(y, p) return metrics.balanced_accuracy(y, p) end)
add("matthews_corrcoef", "predict", function(y, p) return metrics.matthews_corrcoef(y, p) end)
add("top_k_accuracy", "threshold", function(y, s, est) return metrics.top_k_accuracy_score(y, s, { labels = classes_of(est) }) end)
-- y and predictions as codes 1..K of their sorted distinct values: the classes scikit-learn's
-- scorers average over (also for Tide's class ids, where a class missing from both would
-- otherwise count), and the positive class of a binary score (1 of {0, 1} / {-1, 1}, 2 of {1, 2})
local function union_codes(op, y, p)
  local classes, codes = L.encode(op, { { "y_true", L.vector(op, "y_true", y) }, { "y_pred", L.vector(op, "y_pred", p) } })
  return codes[1], codes[2], classes
end

for _, base in ipairs({ "f1", "precision", "recall" }) do
  local f = ({ f1 = metrics.f1_score, precision = metrics.precision, recall = metrics.recall })[base]
  add(base, "predict", function(y, p)
    local yc, pc, classes = union_codes(base, y, p)
    local pos = L.positive(base, classes)
    return f(yc, pc, { average = "binary", pos_label = pos, num_classes = math.max(#classes, pos) })
  end)
  for _, avg in ipairs({ "macro", "micro", "weighted" }) do
    add(base .. "_" .. avg, "predict", function(y, p)
      local yc, pc, classes = union_codes(base, y, p)
      return f(yc, pc, { average = avg, num_classes = #classes })
    end)
  end
end
-- scores
add("roc_auc", "threshold", function(y, s) return metrics.roc_auc_score(y, s) end)
for _, mc in ipairs({ "ovr", "ovo" }) do
  add("roc_auc_" .. mc, "proba", function(y, p, est)
    return metrics.roc_auc_score(y, p, { multi_class = mc, labels = classes_of(est) })
  end)
  add("roc_auc_" .. mc .. "_weighted", "proba", function(y, p, est)
    return metrics.roc_auc_score(y, p, { multi_class = mc, average = "weighted", labels = classes_of(est) })
  end)
end
add("average_precision", "threshold", function(y, s, est)
  local c = classes_of(est)
  return metrics.average_precision_score(y, s, { pos_label = c and c[2] or nil })
end)
add("neg_log_loss", "proba", function(y, p, est) return -metrics.log_loss(y, p, { labels = classes_of(est) }) end)
add("neg_brier_score", "proba", function(y, p, est)
  local c = classes_of(est)
  if p.ndim == 2 then p = p:select(2, p.shape[2]):contiguous() end
  return -metrics.brier_score_loss(y, p, { pos_label = c and c[#c] or nil })
end)
-- regression
add("r2", "predict", function(y, p) return metrics.r2_score(y, p) end)
add("explained_variance", "predict", function(y, p) return metrics.explained_variance_score(y, p) end)
add("max_error", "predict", function(y, p) return -metrics.max_error(y, p) end)
add("neg_mean_squared_error", "predict", function(y, p) return -metrics.mean_squared_error(y, p) end)
add("neg_root_mean_squared_error", "predict", function(y, p) return -metrics.root_mean_squared_error(y, p) end)
add("neg_mean_absolute_error", "predict", function(y, p) return -metrics.mean_absolute_error(y, p) end)
add("neg_median_absolute_error", "predict", function(y, p) return -metrics.median_absolute_error(y, p) end)
add("neg_mean_absolute_percentage_error", "predict",
  function(y, p) return -metrics.mean_absolute_percentage_error(y, p) end)

function S.names()
  local names = {}
  for k in pairs(defs) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- The scorer of a name, or of a function(est, X, y) -> number (named `name`).
function S.get(op, spec, name)
  if type(spec) == "function" then
    return { name = name or "score", score = spec }
  end
  if type(spec) ~= "string" then raise(format("%s: a scorer must be a name or a function, got %s", op, type(spec))) end
  local d = defs[spec]
  if d == nil then
    raise(format("%s: unknown scoring '%s' (known: %s)", op, spec, table.concat(S.names(), ", ")))
  end
  local response, fn = d.response, d.fn
  return {
    name = name or spec,
    response = response,
    metric = fn,
    score = function(est, X, y)
      local out
      if response == "predict" then out = predict(est, X)
      elseif response == "proba" then out = proba(est, X, op, spec)
      else out = threshold_score(est, X, op, spec) end
      return fn(y, out, est)
    end,
  }
end

-- scoring = nil (the estimator's own score: accuracy or R²) | name | {names...} |
-- {name = name or function, ...} | function -> ordered list of scorers, and whether it was one
-- (results then use test_score, as scikit-learn).
function S.resolve(op, scoring, est)
  if scoring == nil then
    local kind = est and est._kind
    if kind == "classifier" or kind == "regressor" then
      return { S.get(op, kind == "regressor" and "r2" or "accuracy", "score") }, true
    end
    -- other estimators (k-means, ...) score themselves, as scikit-learn's default scorer does
    local base = package.loaded["tide.models.base"]
    if type(est) ~= "table" or type(est.score) ~= "function" or (base and est.score == base.Estimator.score) then
      raise(op .. ": the estimator has no score method; pass scoring")
    end
    return { S.get(op, function(e, X, y) return e:score(X, y) end, "score") }, true
  end
  if type(scoring) == "string" or type(scoring) == "function" then return { S.get(op, scoring, "score") }, true end
  if type(scoring) ~= "table" then raise(format("%s: scoring must be a name, a list, a table or a function, got %s", op, type(scoring))) end
  local list = {}
  if #scoring > 0 then
    for i, s in ipairs(scoring) do
      if type(s) ~= "string" then raise(format("%s: scoring[%d] must be a scorer name, got %s", op, i, type(s))) end
      list[i] = S.get(op, s)
    end
  else
    local keys = {}
    for k in pairs(scoring) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do list[#list + 1] = S.get(op, scoring[k], k) end
  end
  if #list == 0 then raise(op .. ": scoring is an empty table") end
  return list, false
end

return S
