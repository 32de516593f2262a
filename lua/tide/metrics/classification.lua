-- tide.metrics.classification: classification metrics with scikit-learn's definitions and results.
--
-- Labels: 1-based class ids — int64 (or any integer dtype) tensors, float tensors holding
-- integers, or Lua arrays of integers; 1-d, or a column [N, 1]. The classes are 1..K, where K is
-- opts.num_classes or the largest label seen (in y_true, y_pred, opts.labels); opts.labels picks
-- and orders a subset as scikit-learn's `labels=` does. Labels that are not class ids — strings,
-- or integers that include 0 or negative values (0/1, -1/1, digits 0..9), as an estimator's
-- predict returns them — are values, as in scikit-learn: the classes are then the sorted
-- distinct values of y_true, y_pred (and opts.labels). Every count is made by tensor kernels
-- (bincount-style put_ with accumulation), so a million labels cost a few passes in C, and only
-- per-class values (K of them) are handled in Lua.
--
--   accuracy, balanced_accuracy, confusion_matrix, precision, recall, f1_score, fbeta_score,
--   precision_recall_fscore_support (alias precision_recall_f1_support), precision_recall_f1,
--   classification_report, ConfusionMatrix (an accumulator for evaluation loops)
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local L = require("tide.metrics.labels")

local raise = core.raise
local is_tensor = tide.is_tensor
local floor, max, huge = math.floor, math.max, math.huge
local format = string.format

local M = {}

local MAX_CLASSES = 10000 -- a K x K int64 matrix of 800 MB; more is a mislabelled input

-- ---------------------------------------------------------------- arguments

local check_options = args.options

local function set(...) return args.set({ ... }) end

-- 1-d values of a label / weight argument: a tensor (1-d or [N, 1]) or a Lua array of numbers.
local function as_vector(op, name, y)
  if is_tensor(y) then
    if y.ndim == 2 and y.shape[2] == 1 then
      y = y:reshape(y.shape[1])
    elseif y.ndim == 2 then
      raise(format("%s: %s has shape [%d, %d]; expected 1-d class ids (for scores, take scores:argmax(2))",
        op, name, y.shape[1], y.shape[2]))
    elseif y.ndim ~= 1 then
      raise(format("%s: %s must be 1-d, got %d dims", op, name, y.ndim))
    end
    if y.dtype == "bool" then raise(format("%s: %s must hold class ids, got a bool tensor", op, name)) end
    return y
  elseif type(y) == "table" then
    if type(y[1]) == "string" and name ~= "sample_weight" then return L.vector(op, name, y) end
    return args.numbers(op, name, y)
  end
  raise(format("%s: %s must be a tensor or a Lua array, got %s", op, name, type(y)))
end

-- Position (1-based) of the first true element of a bool vector.
local function first_true(mask)
  return mask:nonzero()[1][1]
end

-- Labels as a contiguous int64 tensor (after checking they are integers), or a Lua array of
-- strings.
local function as_labels(op, name, y)
  y = as_vector(op, name, y)
  if L.len(y) == 0 then raise(format("%s: %s is empty", op, name)) end
  if not is_tensor(y) then return y end
  if y.dtype == "float32" or y.dtype == "float64" then
    local bad = tide.logical_or(y:ne(y:floor()), y:isinf())
    if bad:any() then
      local i = first_true(bad)
      raise(format("%s: %s has a non-integer label %s at position %d", op, name, tostring(y[i]), i))
    end
  end
  return y:to("int64"):contiguous()
end

local function as_weights(op, w, n)
  w = as_vector(op, "sample_weight", w)
  if w:numel() ~= n then
    raise(format("%s: sample_weight has %d values for %d samples", op, w:numel(), n))
  end
  w = w:to("float64"):contiguous()
  if not w:isfinite():all() then
    raise(format("%s: sample_weight has a non-finite value at position %d", op, first_true(w:isfinite():logical_not())))
  end
  if w:amin() < 0 then
    raise(format("%s: sample_weight has a negative value at position %d", op, first_true(w:lt(0))))
  end
  return w
end

local function check_int(op, name, v, lo)
  if type(v) ~= "number" or v ~= floor(v) or v < lo or v == huge then
    raise(format("%s: %s must be an integer >= %d, got %s", op, name, lo, tostring(v)))
  end
  return v
end

-- The prepared inputs of a metric: y_true / y_pred int64, weights (or nil), K, and the labels
-- to report (a Lua array of class ids, or nil for 1..K).
-- Label values (strings, or integers with some <= 0): the classes are the sorted distinct values
-- of y_true, y_pred and opts.labels; d.classes holds them, codes are their 1-based positions.
local function prepare_values(op, yt, yp, w, n, opts)
  if opts.num_classes ~= nil then
    raise(op .. ": num_classes applies to class ids 1..K; these labels (strings, or including 0 or " ..
      "negative values) are values: use labels = {...} to add classes")
  end
  local parts = { { "y_true", yt }, { "y_pred", yp } }
  local l = opts.labels
  if l ~= nil then
    if is_tensor(l) then l = l:reshape(l:numel()) end
    if (not is_tensor(l) and type(l) ~= "table") or L.len(l) == 0 then
      raise(op .. ": labels must be a non-empty array of labels")
    end
    parts[3] = { "labels", L.vector(op, "labels", l) }
  end
  local classes, codes = L.encode(op, parts)
  local labels
  if l ~= nil then
    labels = codes[3]:totable()
    local seen = {}
    for _, c in ipairs(labels) do
      if seen[c] then raise(format("%s: labels has %s twice", op, L.show({ classes[c] }))) end
      seen[c] = true
    end
  end
  if #classes > MAX_CLASSES then
    raise(format("%s: the labels hold %d distinct values; more than %d classes looks like a mislabelled input",
      op, #classes, MAX_CLASSES))
  end
  return { yt = codes[1], yp = codes[2], w = w, n = n, k = #classes, labels = labels, classes = classes }
end

local function prepare(op, y_true, y_pred, opts)
  local yt = as_labels(op, "y_true", y_true)
  local yp = as_labels(op, "y_pred", y_pred)
  local n = L.len(yt)
  if L.len(yp) ~= n then
    raise(format("%s: y_true has %d labels and y_pred %d", op, n, L.len(yp)))
  end
  local w = opts.sample_weight ~= nil and as_weights(op, opts.sample_weight, n) or nil
  if not is_tensor(yt) or not is_tensor(yp) or yt:amin() < 1 or yp:amin() < 1 then
    return prepare_values(op, yt, yp, w, n, opts)
  end
  local tmax, pmax = yt:amax(), yp:amax()
  local top = max(tmax, pmax)
  local labels
  if opts.labels ~= nil then
    local l = opts.labels
    if is_tensor(l) then l = l:to("float64"):reshape(l:numel()):totable() end
    if type(l) ~= "table" or #l == 0 then raise(op .. ": labels must be a non-empty array of class ids") end
    labels = {}
    local seen = {}
    for i = 1, #l do
      local v = check_int(op, "labels[" .. i .. "]", l[i], 1)
      if seen[v] then raise(format("%s: labels has class %d twice", op, v)) end
      seen[v] = true
      labels[i] = v
      top = max(top, v)
    end
  end
  local k = top
  if opts.num_classes ~= nil then
    k = check_int(op, "num_classes", opts.num_classes, 1)
    for _, c in ipairs({ { "y_true", yt, tmax }, { "y_pred", yp, pmax } }) do
      if c[3] > k then
        local i = first_true(c[2]:gt(k))
        raise(format("%s: %s has label %d at position %d, out of range for num_classes = %d", op, c[1], c[2][i], i, k))
      end
    end
    if top > k then raise(format("%s: labels has class %d, out of range for num_classes = %d", op, top, k)) end
  end
  if k > MAX_CLASSES then
    raise(format("%s: the largest label is %d; more than %d classes looks like a mislabelled input " ..
      "(class ids are 1..K)", op, k, MAX_CLASSES))
  end
  return { yt = yt, yp = yp, w = w, n = n, k = k, labels = labels }
end

-- ---------------------------------------------------------------- counting kernels

-- counts[c] = number (or total weight) of samples with ids[i] == c, c = 1..k
local function bincount(ids, w, k)
  local out = tide.zeros(k, w and "float64" or "int64")
  if ids:numel() > 0 then out:put_(ids, w or 1, true) end
  return out
end

-- Per-class true positives, predicted and true totals over 1..k (float64 [k] each).
local function class_sums(d)
  local hit = d.yt:eq(d.yp)
  local tp = bincount(d.yt:masked_select(hit), d.w and d.w:masked_select(hit), d.k)
  local pred = bincount(d.yp, d.w, d.k)
  local true_ = bincount(d.yt, d.w, d.k)
  return tp:to("float64"), pred:to("float64"), true_:to("float64"), true_
end

-- The k x k confusion matrix (rows true, cols predicted): int64, or float64 with weights.
local function confusion(d)
  local k = d.k
  -- y_pred + k * y_true is the 1-based position of (true, pred) in a flattened [k + 1, k] matrix
  -- whose first row stays empty: one kernel pass for the indices, one for the counts
  local flat = tide.add(d.yp, d.yt, { alpha = k })
  local cm = tide.zeros(k * k + k, d.w and "float64" or "int64")
  cm:put_(flat, d.w or 1, true)
  return cm:narrow(1, k + 1, k * k):view(k, k)
end

local function label_index(labels)
  return tide.tensor(labels, "int64")
end

-- ---------------------------------------------------------------- accuracy

-- accuracy(y_true, y_pred, {normalize = true, sample_weight =}): the fraction (or, with
-- normalize = false, the number / total weight) of exact matches.
local function accuracy(op, y_true, y_pred, opts)
  opts = check_options(op, opts, set("normalize", "sample_weight"))
  local d = prepare(op, y_true, y_pred, opts)
  local hit = d.yt:eq(d.yp)
  if d.w then
    local s = (d.w * hit):sum()
    if opts.normalize == false then return s end
    local total = d.w:sum()
    if total == 0 then raise(op .. ": sample_weight sums to zero") end
    return s / total, total
  end
  local s = hit:sum()
  if opts.normalize == false then return s, d.n end
  return s / d.n, d.n
end
M._accuracy = accuracy -- for zero_one_loss and hamming_loss (their own names in errors)

function M.accuracy(y_true, y_pred, opts)
  return (accuracy("accuracy", y_true, y_pred, opts))
end
M.accuracy_score = M.accuracy

-- balanced_accuracy(y_true, y_pred, {adjusted = false, sample_weight =}): the mean recall over
-- the classes present in y_true; adjusted rescales so chance is 0 and perfect is 1.
function M.balanced_accuracy(y_true, y_pred, opts)
  opts = check_options("balanced_accuracy", opts, set("adjusted", "sample_weight"))
  local d = prepare("balanced_accuracy", y_true, y_pred, opts)
  local tp, _, true_ = class_sums(d)
  local present = true_:gt(0)
  local per_class = tp:masked_select(present) / true_:masked_select(present)
  local m = per_class:numel()
  if m == 0 then raise("balanced_accuracy: sample_weight is zero for every sample") end
  local score = per_class:sum() / m
  if opts.adjusted then
    local chance = 1 / m
    score = (score - chance) / (1 - chance)
  end
  return score
end
M.balanced_accuracy_score = M.balanced_accuracy

-- ---------------------------------------------------------------- confusion matrix

-- confusion_matrix(y_true, y_pred, {num_classes =, labels =, normalize = nil | "true" | "pred" |
-- "all", sample_weight =}) -> [K, K] int64 (float64 when normalized or weighted): entry (i, j)
-- counts samples of true class i predicted as class j.
function M.confusion_matrix(y_true, y_pred, opts)
  local op = "confusion_matrix"
  opts = check_options(op, opts, set("num_classes", "labels", "normalize", "sample_weight"))
  local norm = opts.normalize
  if norm ~= nil and norm ~= "true" and norm ~= "pred" and norm ~= "all" then
    raise(format("%s: normalize must be nil, 'true', 'pred' or 'all', got %s", op, tostring(norm)))
  end
  local d = prepare(op, y_true, y_pred, opts)
  local cm = confusion(d)
  if d.labels then
    local idx = label_index(d.labels)
    local present = bincount(d.yt, nil, d.k):index_select(1, idx)
    if present:sum() == 0 then raise(op .. ": none of the labels occurs in y_true") end
    cm = cm:index_select(1, idx):index_select(2, idx)
  end
  if norm then
    cm = cm:to("float64")
    local denom
    if norm == "true" then denom = cm:sum(2, true)
    elseif norm == "pred" then denom = cm:sum(1, true)
    else denom = tide.full({ 1, 1 }, cm:sum(), "float64") end
    -- rows / columns with no samples give 0, as scikit-learn's nan_to_num
    cm = tide.where(denom:eq(0):expand_as(cm), 0, cm / tide.where(denom:eq(0), 1, denom))
  end
  return cm
end

-- ---------------------------------------------------------------- precision, recall, F

local AVERAGES = { macro = true, micro = true, weighted = true, binary = true }

local function zero_division_value(op, zd)
  if zd == nil or zd == "warn" or zd == 0 then return 0 end
  if zd == 1 then return 1 end
  raise(format("%s: zero_division must be 'warn', 0 or 1, got %s", op, tostring(zd)))
end

-- a / b elementwise with b == 0 giving zd
local function divide(a, b, zd)
  local zero = b:eq(0)
  return tide.where(zero, zd, a / tide.where(zero, 1, b))
end

-- The per-class or averaged scores from per-class counts (float64 [L] tensors).
local function prf_from_sums(tp, pred, true_, beta, average, zd)
  if average == "micro" then
    tp = tide.full({ 1 }, tp:sum(), "float64")
    pred = tide.full({ 1 }, pred:sum(), "float64")
    true_ = tide.full({ 1 }, true_:sum(), "float64")
  end
  local precision = divide(tp, pred, zd)
  local recall = divide(tp, true_, zd)
  local f
  if beta == huge then
    f = recall
  else
    local b2 = beta * beta
    local denom = precision * b2 + recall
    f = precision * recall * (1 + b2) / tide.where(denom:eq(0), 1, denom)
  end
  if average == nil then return precision, recall, f end
  if average == "weighted" then
    local wsum = true_:sum()
    if wsum == 0 then
      if pred:sum() == 0 then return zd, zd, zd end
      return 0, zd, 0
    end
    return (precision * true_):sum() / wsum, (recall * true_):sum() / wsum, (f * true_):sum() / wsum
  end
  local m = precision:numel()
  return precision:sum() / m, recall:sum() / m, f:sum() / m
end

local PRFS_OPTIONS = set("beta", "average", "labels", "num_classes", "pos_label", "zero_division", "sample_weight")

-- The labels a binary average scores: {pos_label}, after checking the data is binary.
local function binary_labels(op, d, pos)
  local present = {}
  local counts = (bincount(d.yt, nil, d.k) + bincount(d.yp, nil, d.k)):totable()
  for c = 1, d.k do
    if counts[c] > 0 then present[#present + 1] = c end
  end
  local function show(list)
    if not d.classes then return table.concat(list, ", ") end
    local v = {}
    for i, c in ipairs(list) do v[i] = d.classes[c] end
    return L.show(v)
  end
  if #present > 2 then
    raise(format("%s: average = 'binary' needs at most 2 classes, the labels hold %d (%s); use average = " ..
      "'macro', 'micro', 'weighted' or nil", op, #present, show(present)))
  end
  local found = false
  for _, c in ipairs(present) do found = found or c == pos end
  if not found and #present == 2 then
    raise(format("%s: pos_label = %s is not one of the labels (%s)", op,
      d.classes and L.show({ d.pos_value }) or tostring(pos), show(present)))
  end
  return { pos }
end

-- pos_label of label values: scikit-learn's default 1; strings need it given. Returns its code
-- (k + 1, one more class, when it is not among the labels).
local function value_pos(op, d, pos_label)
  if pos_label == nil then
    if type(d.classes[1]) == "string" then
      raise(format("%s: the labels are strings (%s); pass pos_label (the positive class) with average = 'binary'",
        op, L.show(d.classes, 10)))
    end
    pos_label = 1
  end
  if type(pos_label) ~= type(d.classes[1]) then
    raise(format("%s: pos_label = %s does not match the labels (%s)", op, L.show({ pos_label }), L.show(d.classes, 10)))
  end
  d.pos_value = pos_label
  local i = L.position(d.classes, pos_label)
  if i then return i end
  d.k = d.k + 1
  return d.k
end

local function prfs(op, y_true, y_pred, opts)
  opts = check_options(op, opts, PRFS_OPTIONS)
  local beta = opts.beta == nil and 1 or opts.beta
  if type(beta) ~= "number" or beta ~= beta or beta < 0 then
    raise(format("%s: beta must be a number >= 0, got %s", op, tostring(beta)))
  end
  local average = opts.average
  if average ~= nil and not AVERAGES[average] then
    raise(format("%s: average must be nil (per class), 'macro', 'micro', 'weighted' or 'binary', got %s",
      op, tostring(average)))
  end
  local zd = zero_division_value(op, opts.zero_division)
  if average == "binary" then
    if opts.labels ~= nil then raise(op .. ": labels cannot be combined with average = 'binary' (use pos_label)") end
  elseif opts.pos_label ~= nil then
    raise(format("%s: pos_label is only used with average = 'binary' (got average = %s); " ..
      "use labels = {%s} to score one class", op, tostring(average), tostring(opts.pos_label)))
  end
  local d = prepare(op, y_true, y_pred, opts)
  local pos
  if average == "binary" and d.classes then
    pos = value_pos(op, d, opts.pos_label)
  elseif average == "binary" then
    pos = check_int(op, "pos_label", opts.pos_label == nil and 2 or opts.pos_label, 1)
    if pos > d.k then
      if opts.num_classes ~= nil then
        raise(format("%s: pos_label = %d is out of range for num_classes = %d", op, pos, d.k))
      end
      d.k = pos
    end
  end
  local tp, pred, true_, support = class_sums(d)
  local labels = d.labels
  if average == "binary" then labels = binary_labels(op, d, pos) end
  if labels then
    local idx = label_index(labels)
    tp, pred, true_, support = tp:index_select(1, idx), pred:index_select(1, idx), true_:index_select(1, idx),
      support:index_select(1, idx)
  end
  local p, r, f = prf_from_sums(tp, pred, true_, beta, average == "binary" and "macro" or average, zd)
  if average == nil then return p, r, f, support end
  return p, r, f, nil
end

-- precision_recall_fscore_support(y_true, y_pred, {beta = 1, average = nil | "macro" | "micro" |
-- "weighted" | "binary", labels =, num_classes =, pos_label = 2, zero_division = "warn",
-- sample_weight =}) -> precision, recall, fbeta, support. With average = nil each is a float64
-- tensor over the classes (support int64, float64 with weights); otherwise three numbers and nil.
-- "binary" scores the class pos_label (default 2: the second of classes {1, 2}; for label values
-- such as 0/1, scikit-learn's default 1; strings need it given).
function M.precision_recall_fscore_support(y_true, y_pred, opts)
  return prfs("precision_recall_fscore_support", y_true, y_pred, opts)
end
M.precision_recall_f1_support = M.precision_recall_fscore_support

-- precision_recall_f1(y_true, y_pred, opts) -> precision, recall, F1 (beta fixed at 1)
function M.precision_recall_f1(y_true, y_pred, opts)
  if opts ~= nil and type(opts) == "table" and opts.beta ~= nil then
    raise("precision_recall_f1: beta is fixed at 1 here; use fbeta_score or precision_recall_fscore_support")
  end
  local p, r, f = prfs("precision_recall_f1", y_true, y_pred, opts)
  return p, r, f
end

function M.precision(y_true, y_pred, opts)
  local p = prfs("precision", y_true, y_pred, opts)
  return p
end

function M.recall(y_true, y_pred, opts)
  local _, r = prfs("recall", y_true, y_pred, opts)
  return r
end

function M.f1_score(y_true, y_pred, opts)
  if opts ~= nil and type(opts) == "table" and opts.beta ~= nil then raise("f1_score: beta is fixed at 1") end
  local _, _, f = prfs("f1_score", y_true, y_pred, opts)
  return f
end

-- fbeta_score(y_true, y_pred, beta, opts)
function M.fbeta_score(y_true, y_pred, beta, opts)
  if type(beta) ~= "number" then raise("fbeta_score: beta must be a number, got " .. type(beta)) end
  local o = {}
  if opts ~= nil then
    if type(opts) ~= "table" then raise("fbeta_score: options must be a table, got " .. type(opts)) end
    for k, v in pairs(opts) do o[k] = v end
  end
  o.beta = beta
  local _, _, f = prfs("fbeta_score", y_true, y_pred, o)
  return f
end
M.precision_score, M.recall_score, M.f1, M.fbeta = M.precision, M.recall, M.f1_score, M.fbeta_score

-- ---------------------------------------------------------------- the report

-- C's snprintf for numbers in the report: it rounds the exact binary value half-to-even, as
-- Python's format does (LuaJIT's own string.format rounds ties away from zero: 0.625 -> "0.63").
local ffi = require("ffi")
pcall(ffi.cdef, "int snprintf(char *buf, size_t size, const char *fmt, ...);")
local fmt_buf = ffi.new("char[64]")
local function cfmt(fmt, v)
  ffi.C.snprintf(fmt_buf, 64, fmt, ffi.cast("double", v))
  return ffi.string(fmt_buf)
end

-- Python's str() of a float (shortest repr that reads back, ".0" for integral values)
local function py_float(v)
  if v == floor(v) and math.abs(v) < 1e16 then return cfmt("%.1f", v) end
  for prec = 15, 17 do
    local s = cfmt("%." .. prec .. "g", v)
    if tonumber(s) == v then return s end
  end
  return cfmt("%.17g", v)
end

local function utf8_len(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

local function rpad(s, width) -- right-align s in width characters (UTF-8 aware, like Python)
  local n = utf8_len(s)
  if n >= width then return s end
  return string.rep(" ", width - n) .. s
end

-- classification_report(y_true, y_pred, {names =, digits = 2, labels =, num_classes =,
-- sample_weight =, zero_division = "warn", output_dict = false}) -> the text scikit-learn's
-- classification_report prints (per-class precision, recall, F1 and support, then accuracy or
-- micro, macro and weighted averages), or with output_dict = true the same as a Lua table.
local function report(op, y_true, y_pred, opts, integer_weights)
  opts = check_options(op, opts, set("names", "digits", "labels", "num_classes", "sample_weight",
    "zero_division", "output_dict"))
  local digits = opts.digits == nil and 2 or check_int(op, "digits", opts.digits, 0)
  local zd = zero_division_value(op, opts.zero_division)
  local d = prepare(op, y_true, y_pred, opts)
  local labels = d.labels
  if not labels then
    labels = {}
    for c = 1, d.k do labels[c] = c end
  end
  local names = opts.names
  if names ~= nil then
    if type(names) ~= "table" then raise(op .. ": names must be an array of strings") end
    if #names ~= #labels then
      raise(format("%s: %d names for %d classes", op, #names, #labels))
    end
    for i = 1, #names do
      if type(names[i]) ~= "string" then
        raise(format("%s: names[%d] is a %s, expected a string", op, i, type(names[i])))
      end
    end
  else
    names = {}
    for i, c in ipairs(labels) do names[i] = tostring(d.classes and d.classes[c] or c) end
  end

  local tp, pred, true_, support = class_sums(d)
  local present = (bincount(d.yt, nil, d.k) + bincount(d.yp, nil, d.k)):gt(0)
  local idx = label_index(labels)
  -- "accuracy" stands for the micro average when the report's classes are exactly those present
  local in_labels = tide.zeros(d.k, "int64")
  in_labels:put_(idx, 1)
  local micro_is_accuracy = present:equal(in_labels:gt(0))
  tp, pred, true_, support = tp:index_select(1, idx), pred:index_select(1, idx), true_:index_select(1, idx),
    support:index_select(1, idx)
  local p, r, f = prf_from_sums(tp, pred, true_, 1, nil, zd)
  local rows = { p = p:totable(), r = r:totable(), f = f:totable(), s = support:totable() }
  local total = support:sum()
  local fmt_support = (d.w and not integer_weights) and py_float or function(v) return format("%d", v) end
  local avgs = {}
  for _, avg in ipairs({ "micro", "macro", "weighted" }) do
    local ap, ar, af = prf_from_sums(tp, pred, true_, 1, avg, zd)
    local heading = (avg == "micro" and micro_is_accuracy) and "accuracy" or avg .. " avg"
    avgs[#avgs + 1] = { heading = heading, p = ap, r = ar, f = af }
  end

  if opts.output_dict then
    local out = {}
    for i, name in ipairs(names) do
      out[name] = { precision = rows.p[i], recall = rows.r[i], ["f1-score"] = rows.f[i], support = rows.s[i] }
    end
    for _, a in ipairs(avgs) do
      if a.heading == "accuracy" then
        out.accuracy = a.f
      else
        out[a.heading] = { precision = a.p, recall = a.r, ["f1-score"] = a.f, support = total }
      end
    end
    return out
  end

  local width = #"weighted avg"
  for _, name in ipairs(names) do width = max(width, utf8_len(name)) end
  width = max(width, digits)
  local num = "%9." .. digits .. "f"
  local function nums(...)
    local out = {}
    for i, v in ipairs({ ... }) do out[i] = " " .. cfmt(num, v) end
    return table.concat(out)
  end
  local lines = { rpad("", width) .. " " .. format(" %9s %9s %9s %9s", "precision", "recall", "f1-score", "support"), "" }
  for i, name in ipairs(names) do
    lines[#lines + 1] = rpad(name, width) .. " " .. nums(rows.p[i], rows.r[i], rows.f[i]) ..
      format(" %9s", fmt_support(rows.s[i]))
  end
  lines[#lines + 1] = ""
  for _, a in ipairs(avgs) do
    if a.heading == "accuracy" then
      lines[#lines + 1] = rpad("accuracy", width) .. " " .. format(" %9s %9s", "", "") .. nums(a.f) ..
        format(" %9s", fmt_support(total))
    else
      lines[#lines + 1] = rpad(a.heading, width) .. " " .. nums(a.p, a.r, a.f) .. format(" %9s", fmt_support(total))
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

function M.classification_report(y_true, y_pred, opts)
  return report("classification_report", y_true, y_pred, opts)
end

-- ---------------------------------------------------------------- accumulator

-- ConfusionMatrix(num_classes): counts batch after batch (cm:update(y_true, y_pred)), then gives
-- the matrix and every metric above from the counts, without keeping the labels.
local ConfusionMatrix = {}
ConfusionMatrix.__index = ConfusionMatrix

function M.ConfusionMatrix(num_classes)
  local k = check_int("ConfusionMatrix", "num_classes", num_classes, 1)
  if k > MAX_CLASSES then raise(format("ConfusionMatrix: num_classes must be <= %d, got %d", MAX_CLASSES, k)) end
  return setmetatable({ num_classes = k, counts = tide.zeros({ k, k }, "int64"), n = 0 }, ConfusionMatrix)
end

function ConfusionMatrix:update(y_true, y_pred)
  local d = prepare("ConfusionMatrix:update", y_true, y_pred, { num_classes = self.num_classes })
  self.counts:add_(confusion(d))
  self.n = self.n + d.n
  return self
end

function ConfusionMatrix:reset()
  self.counts:zero_()
  self.n = 0
  return self
end

-- the [K, K] counts (a copy), optionally normalized like confusion_matrix's normalize
function ConfusionMatrix:compute(opts)
  opts = check_options("ConfusionMatrix:compute", opts, set("normalize"))
  if opts.normalize == nil then return self.counts:clone() end
  -- rebuild labels from counts would be wasteful: normalize the matrix directly
  local cm = self.counts:to("float64")
  local norm, denom = opts.normalize, nil
  if norm == "true" then denom = cm:sum(2, true)
  elseif norm == "pred" then denom = cm:sum(1, true)
  elseif norm == "all" then denom = tide.full({ 1, 1 }, cm:sum(), "float64")
  else raise("ConfusionMatrix:compute: normalize must be nil, 'true', 'pred' or 'all', got " .. tostring(norm)) end
  return tide.where(denom:eq(0):expand_as(cm), 0, cm / tide.where(denom:eq(0), 1, denom))
end

function ConfusionMatrix:accuracy()
  if self.n == 0 then raise("ConfusionMatrix:accuracy: no samples yet") end
  local k = self.num_classes
  local diag = self.counts:view(k * k):take(tide.arange(0, k, 1, "int64") * (k + 1) + 1)
  return diag:sum() / self.n
end

-- One (true, predicted) pair per non-empty matrix cell, weighted by its count: the metrics of
-- these equal those of the counted samples.
function ConfusionMatrix:_pairs()
  if self.n == 0 then raise("ConfusionMatrix: no samples yet") end
  local k = self.num_classes
  local counts = self.counts:view(k * k)
  local cells = tide.arange(0, k * k, 1, "int64"):masked_select(counts:gt(0))
  return cells:floor_divide(k) + 1, cells:remainder(k) + 1, counts:masked_select(counts:gt(0)):to("float64")
end

function ConfusionMatrix:precision_recall_fscore_support(opts)
  local yt, yp, w = self:_pairs()
  local o = { num_classes = self.num_classes, sample_weight = w }
  for key, v in pairs(opts or {}) do o[key] = v end
  local p, r, f, s = prfs("ConfusionMatrix:precision_recall_fscore_support", yt, yp, o)
  if s ~= nil then s = s:to("int64") end
  return p, r, f, s
end

function ConfusionMatrix:report(opts)
  local yt, yp, w = self:_pairs()
  local o = { num_classes = self.num_classes, sample_weight = w }
  for key, v in pairs(opts or {}) do o[key] = v end
  return report("ConfusionMatrix:report", yt, yp, o, true) -- counts: integer supports
end

return M
