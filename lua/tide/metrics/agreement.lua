-- tide.metrics.agreement: single-number summaries of a classifier's agreement with the truth,
-- with scikit-learn 1.2's definitions — matthews_corrcoef, cohen_kappa_score, zero_one_loss,
-- hamming_loss, top_k_accuracy_score.
--
-- Labels in any form tide.metrics takes (class ids, 0-based or negative integers, strings); the
-- classes are the sorted distinct values of y_true and y_pred, as in scikit-learn, and every
-- count comes from the confusion-matrix kernel.
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local L = require("tide.metrics.labels")
local C = require("tide.metrics.classification")

local raise = core.raise
local format = string.format

local M = {}

local function set(...) return args.set({ ... }) end

-- y_true, y_pred (and extra labels) -> the float64 confusion matrix over their sorted classes
local function confusion(op, y_true, y_pred, sample_weight, labels)
  local yt, yp = L.vector(op, "y_true", y_true), L.vector(op, "y_pred", y_pred)
  if L.len(yt) == 0 then raise(op .. ": y_true is empty") end
  if L.len(yt) ~= L.len(yp) then raise(format("%s: y_true has %d labels and y_pred %d", op, L.len(yt), L.len(yp))) end
  local parts = { { "y_true", yt }, { "y_pred", yp } }
  if labels ~= nil then parts[3] = { "labels", L.vector(op, "labels", labels) } end
  local classes, codes = L.encode(op, parts)
  local o = { num_classes = #classes, sample_weight = sample_weight }
  if labels ~= nil then o.labels = codes[3]:totable() end
  return C.confusion_matrix(codes[1], codes[2], o):to("float64"), classes
end

-- matthews_corrcoef(y_true, y_pred, {sample_weight =}): the correlation between the predicted
-- and true class indicators (multiclass: Gorodkin's R_K); 0 when either side is constant.
function M.matthews_corrcoef(y_true, y_pred, opts)
  local op = "matthews_corrcoef"
  opts = args.options(op, opts, set("sample_weight"))
  local cm = confusion(op, y_true, y_pred, opts.sample_weight)
  local t, p = cm:sum(2), cm:sum(1)
  local k = cm.shape[1]
  local correct = cm:reshape(k * k):take(tide.arange(0, k, 1, "int64") * (k + 1) + 1):sum()
  local n = p:sum()
  local cov_tp = correct * n - (t * p):sum()
  local cov_pp = n * n - (p * p):sum()
  local cov_tt = n * n - (t * t):sum()
  if cov_pp * cov_tt == 0 then return 0 end
  return cov_tp / math.sqrt(cov_tt * cov_pp)
end

-- cohen_kappa_score(y1, y2, {labels =, weights = nil | "linear" | "quadratic", sample_weight =}):
-- agreement beyond chance between two labelings; weights penalize disagreements by the distance
-- between the class positions.
function M.cohen_kappa_score(y1, y2, opts)
  local op = "cohen_kappa_score"
  opts = args.options(op, opts, set("labels", "weights", "sample_weight"))
  local w = opts.weights
  if w ~= nil and w ~= "linear" and w ~= "quadratic" then
    raise(format("%s: weights must be nil, 'linear' or 'quadratic', got %s", op, tostring(w)))
  end
  local cm = confusion(op, y1, y2, opts.sample_weight, opts.labels)
  local k = cm.shape[1]
  local sum0, sum1 = cm:sum(1), cm:sum(2)
  local expected = tide.outer(sum0, sum1) / sum0:sum()
  local i = tide.arange(0, k, 1, "float64"):reshape(k, 1):expand(k, k)
  local dist = i - i:t()
  local wm
  if w == nil then wm = tide.ones({ k, k }, "float64") - tide.eye(k, k, "float64")
  elseif w == "linear" then wm = dist:abs()
  else wm = dist * dist end
  return 1 - (wm * cm):sum() / (wm * expected):sum()
end

-- zero_one_loss(y_true, y_pred, {normalize = true, sample_weight =}): the fraction (or with
-- normalize = false the number / weight) of misclassified samples.
function M.zero_one_loss(y_true, y_pred, opts)
  local score, total = C._accuracy("zero_one_loss", y_true, y_pred, opts)
  if opts and opts.normalize == false then return total - score end
  return 1 - score
end

-- hamming_loss(y_true, y_pred, {sample_weight =}): the fraction of wrong labels (for single-label
-- data, zero_one_loss).
function M.hamming_loss(y_true, y_pred, opts)
  opts = args.options("hamming_loss", opts, set("sample_weight"))
  return 1 - C._accuracy("hamming_loss", y_true, y_pred, opts)
end

-- top_k_accuracy_score(y_true, y_score, {k = 2, normalize = true, sample_weight =, labels =}):
-- the fraction of samples whose true class is among the k highest scores. y_score: [N, K]
-- scores over the sorted classes (or labels); equal scores rank the later class first, as
-- scikit-learn. Binary [N] scores of the greater class: k = 1 thresholds them (0.5 for
-- probabilities, else 0), k >= 2 always hits.
function M.top_k_accuracy_score(y_true, y_score, opts)
  local op = "top_k_accuracy_score"
  opts = args.options(op, opts, set("k", "normalize", "sample_weight", "labels"))
  local k = opts.k == nil and 2 or opts.k
  if type(k) ~= "number" or k ~= math.floor(k) or k < 1 then raise(format("%s: k must be an integer >= 1, got %s", op, tostring(k))) end
  local s = y_score
  if type(s) == "table" and not tide.is_tensor(s) then
    if type(s[1]) == "table" then
      local ok, t = pcall(tide.tensor, s, "float64")
      if not ok then raise(op .. ": y_score as a Lua array of rows must hold numbers in rows of equal length") end
      s = t
    else
      s = args.numbers(op, "y_score", s)
    end
  end
  if not tide.is_tensor(s) then raise(format("%s: y_score must be a tensor or a Lua array, got %s", op, type(y_score))) end
  s = s:to("float64"):contiguous()
  if not s:isfinite():all() then raise(op .. ": y_score contains NaN or infinity") end
  local yt = L.vector(op, "y_true", y_true)
  local n = L.len(yt)
  if n == 0 then raise(op .. ": y_true is empty") end
  if s.shape[1] ~= n then raise(format("%s: y_true has %d labels and y_score %d rows", op, n, s.shape[1])) end
  local parts = { { "y_true", yt } }
  if opts.labels ~= nil then parts[2] = { "labels", L.vector(op, "labels", opts.labels) } end
  local classes, codes = L.encode(op, parts)
  if opts.labels ~= nil and #classes ~= L.len(parts[2][2]) then raise(op .. ": y_true holds labels that are not in labels") end
  local hits
  if s.ndim == 1 then
    if #classes > 2 then raise(format("%s: y_true has %d classes but y_score is 1-d", op, #classes)) end
    if k == 1 then
      local threshold = (s:amin() >= 0 and s:amax() <= 1) and 0.5 or 0
      hits = s:gt(threshold):to("int64"):eq(codes[1] - 1)
    else
      hits = tide.ones(n, "bool")
    end
  else
    local K = s.shape[2]
    if K ~= #classes then raise(format("%s: y_true has %d classes but y_score has %d columns", op, #classes, K)) end
    if k >= K then
      hits = tide.ones(n, "bool")
    else
      local truth = s:gather(2, codes[1]:reshape(n, 1))              -- [N, 1]
      local col = tide.arange(1, K + 1, 1, "int64"):reshape(1, K)
      local ahead = tide.logical_or(s:gt(truth), tide.logical_and(s:eq(truth), col:gt(codes[1]:reshape(n, 1))))
      hits = ahead:sum(2):lt(k)
    end
  end
  local h = hits:to("float64")
  local w = opts.sample_weight
  if w ~= nil then
    w = tide.is_tensor(w) and w:to("float64"):reshape(n) or args.numbers(op, "sample_weight", w)
    if opts.normalize == false then return (h * w):sum() end
    return (h * w):sum() / w:sum()
  end
  if opts.normalize == false then return h:sum() end
  return h:sum() / n
end

return M
