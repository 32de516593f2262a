-- tide.metrics.curves: metrics of scores and probabilities, with scikit-learn 1.2's definitions
-- and results — roc_curve, auc, roc_auc_score (binary; multiclass one-vs-rest and one-vs-one),
-- precision_recall_curve, average_precision_score, log_loss, brier_score_loss.
--
-- Labels are tensors or Lua arrays of numbers or strings; scores are float tensors or Lua arrays
-- of numbers (1-d, or [N, K] for multiclass). The curves sort the scores once (a C sort) and
-- take cumulative sums; everything is tensor kernels, no per-sample work in Lua.
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local L = require("tide.metrics.labels")

local raise = core.raise
local C = core.C
local is_tensor = tide.is_tensor
local format = string.format

local M = {}

local check_options = args.options
local function set(...) return args.set({ ... }) end

-- ---------------------------------------------------------------- inputs

-- Scores as a contiguous float64 tensor: 1-d ([N] or [N, 1]), or 2-d when allow_2d.
local function scores(op, name, s, allow_2d)
  s = args.numeric(op, name, s)
  if s.ndim == 2 and s.shape[2] == 1 then s = s:reshape(s.shape[1]) end
  if s.ndim ~= 1 and not (allow_2d and s.ndim == 2) then
    raise(format("%s: %s must be 1-d%s, got %d dims", op, name, allow_2d and " or 2-d [N, K]" or "", s.ndim))
  end
  s = s:to("float64"):contiguous()
  if s:numel() > 0 and not s:isfinite():all() then raise(format("%s: %s contains NaN or infinity", op, name)) end
  return s
end

local function weights(op, w, n)
  if w == nil then return nil end
  w = scores(op, "sample_weight", w)
  if w:numel() ~= n then raise(format("%s: sample_weight has %d values for %d samples", op, w:numel(), n)) end
  if w:numel() > 0 and w:amin() < 0 then raise(op .. ": sample_weight has a negative value") end
  return w
end

-- y_true (any labels) -> classes (sorted values), codes (int64 1-based), n; checks n against the
-- number of scores.
local function truth(op, y, n_scores)
  local v = L.vector(op, "y_true", y)
  local n = L.len(v)
  if n == 0 then raise(op .. ": y_true is empty") end
  if n_scores and n_scores ~= n then
    raise(format("%s: y_true has %d labels and the scores %d", op, n, n_scores))
  end
  local classes, codes = L.encode(op, { { "y_true", v } })
  return classes, codes[1], n
end

-- float64 0/1 indicator of the positive class, from y_true and pos_label
local function binary_truth(op, y, n_scores, pos_label, opts)
  local classes, codes = truth(op, y, n_scores)
  if pos_label == nil and #classes > 2 then
    raise(format("%s: y_true has %d classes (%s); a binary curve needs 2, or pos_label to name the positive class",
      op, #classes, L.show(classes, 10)))
  end
  local pos = L.positive(op, classes, pos_label, opts)
  return codes:eq(pos):to("float64"), classes
end

-- ---------------------------------------------------------------- the binary curve

-- scikit-learn's _binary_clf_curve: t float64 [N] 0/1, s float64 [N], w [N] or nil ->
-- fps, tps, thresholds (float64 [T]: one entry per distinct score, decreasing). One C kernel:
-- a radix sort of the scores and one pass over them (tide_binary_clf_curve).
local function clf_curve(t, s, w)
  local n = s:numel()
  local fps, tps, thr = tide.empty(n, "float64"), tide.empty(n, "float64"), tide.empty(n, "float64")
  local T = C.tide_binary_clf_curve(s._c, t._c, w and w._c or nil, fps._c, tps._c, thr._c)
  if T < 0 then core.raise_c() end
  T = tonumber(T)
  if T == 0 then return tide.empty(0, "float64"), tide.empty(0, "float64"), tide.empty(0, "float64") end
  return fps:narrow(1, 1, T), tps:narrow(1, 1, T), thr:narrow(1, 1, T)
end

local function diff(x) -- np.diff: x[i + 1] - x[i]
  local n = x:numel()
  return x:narrow(1, 2, n - 1) - x:narrow(1, 1, n - 1)
end

local function prepend(v, x) return tide.cat({ tide.tensor({ v }, "float64"), x }) end

local function roc_from_counts(fps, tps, thr, drop)
  if fps:numel() == 0 then raise("roc_curve: every sample has weight 0") end
  if drop and fps:numel() > 2 then
    -- keep the corners: points where the second difference of fps or tps is not zero
    local corner = tide.logical_or(diff(diff(fps)):ne(0), diff(diff(tps)):ne(0))
    local t = tide.tensor({ true })
    local keep = tide.cat({ t, corner, t })
    fps, tps, thr = fps:masked_select(keep), tps:masked_select(keep), thr:masked_select(keep)
  end
  tps, fps = prepend(0, tps), prepend(0, fps)
  thr = prepend(thr[1] + 1, thr)
  local n = fps:numel()
  local flast, tlast = fps[n], tps[n]
  local fpr = flast > 0 and fps / flast or tide.full({ n }, 0 / 0, "float64")
  local tpr = tlast > 0 and tps / tlast or tide.full({ n }, 0 / 0, "float64")
  return fpr, tpr, thr
end

-- roc_curve(y_true, y_score, {pos_label =, sample_weight =, drop_intermediate = true}) -> fpr,
-- tpr, thresholds (float64 tensors). thresholds[1] = max score + 1 (scikit-learn 1.2); with no
-- negative (positive) sample fpr (tpr) is NaN.
function M.roc_curve(y_true, y_score, opts)
  local op = "roc_curve"
  opts = check_options(op, opts, set("pos_label", "sample_weight", "drop_intermediate"))
  local s = scores(op, "y_score", y_score)
  local t = binary_truth(op, y_true, s:numel(), opts.pos_label)
  local w = weights(op, opts.sample_weight, s:numel())
  local fps, tps, thr = clf_curve(t, s, w)
  return roc_from_counts(fps, tps, thr, opts.drop_intermediate ~= false)
end

-- auc(x, y): the area under a curve by the trapezoidal rule; x must be monotonic.
function M.auc(x, y)
  local op = "auc"
  x, y = scores(op, "x", x), scores(op, "y", y)
  if x:numel() ~= y:numel() then raise(format("%s: x has %d points and y %d", op, x:numel(), y:numel())) end
  if x:numel() < 2 then raise(format("%s: at least 2 points are needed to compute the area under a curve, got %d", op, x:numel())) end
  local dx = diff(x)
  local direction = 1
  if dx:lt(0):any() then
    if dx:le(0):all() then direction = -1
    else raise(op .. ": x is neither increasing nor decreasing") end
  end
  local n = y:numel()
  return direction * (dx * (y:narrow(1, 2, n - 1) + y:narrow(1, 1, n - 1)) / 2):sum()
end

-- AUC of a 0/1 indicator t against scores s (scikit-learn's _binary_roc_auc_score)
local function binary_auc(op, t, s, w, max_fpr)
  local pos = t:sum()
  if pos == 0 or pos == t:numel() then
    raise(op .. ": only one class present in y_true; ROC AUC is not defined in that case")
  end
  local fps, tps, thr = clf_curve(t, s, w)
  if max_fpr == nil or max_fpr == 1 then
    -- the trapezoids straight from the counts: dropping the collinear points (as roc_curve
    -- does) and dividing by the totals first change the area only by rounding
    local T = fps:numel()
    local f, tp = prepend(0, fps), prepend(0, tps)
    local area = ((f:narrow(1, 2, T) - f:narrow(1, 1, T)) * (tp:narrow(1, 2, T) + tp:narrow(1, 1, T))):sum()
    return area / (2 * fps[T] * tps[T])
  end
  local fpr, tpr = roc_from_counts(fps, tps, thr, true)
  -- a point at max_fpr by linear interpolation, then the McClish correction
  local stop = fpr:le(max_fpr):sum() -- searchsorted(fpr, max_fpr, "right"); < #fpr as fpr ends at 1
  local x0, x1, y0, y1 = fpr[stop], fpr[stop + 1], tpr[stop], tpr[stop + 1]
  local yi
  if x1 == x0 then yi = y1 else yi = y0 + (max_fpr - x0) * (y1 - y0) / (x1 - x0) end
  local f = tide.cat({ fpr:narrow(1, 1, stop), tide.tensor({ max_fpr }, "float64") })
  local tp = tide.cat({ tpr:narrow(1, 1, stop), tide.tensor({ yi }, "float64") })
  local partial = M.auc(f, tp)
  local min_area, max_area = 0.5 * max_fpr * max_fpr, max_fpr
  return 0.5 * (1 + (partial - min_area) / (max_area - min_area))
end

local function one_hot(codes, k)
  local n = codes:numel()
  local y = tide.zeros({ n, k }, "float64")
  y:scatter_(2, codes:reshape(n, 1), 1)
  return y
end

local function check_proba_rows(op, s)
  local sums = s:sum(2)
  -- numpy's allclose(1, sums): |sums - 1| <= 1e-8 + 1e-5 |sums|
  if ((sums - 1):abs() - sums:abs() * 1e-5):gt(1e-8):any() then
    raise(op .. ": multiclass scores must be probabilities, i.e. they should sum to 1 over the classes in each row")
  end
end

local function multiclass_auc(op, codes, k, s, w, opts)
  local average = opts.average == nil and "macro" or opts.average
  if opts.average_none then average = nil end
  local mc = opts.multi_class or "raise"
  if mc == "raise" then
    raise(op .. ": y_true has " .. k .. " classes; pass multi_class = 'ovr' or 'ovo' for a multiclass ROC AUC")
  elseif mc ~= "ovr" and mc ~= "ovo" then
    raise(format("%s: multi_class must be 'ovr' or 'ovo', got %s", op, tostring(mc)))
  end
  if opts.max_fpr ~= nil and opts.max_fpr ~= 1 then raise(op .. ": max_fpr is not available for multiclass ROC AUC") end
  check_proba_rows(op, s)
  if mc == "ovo" then
    if average ~= "macro" and average ~= "weighted" then
      raise(format("%s: average must be 'macro' or 'weighted' for multi_class = 'ovo', got %s", op, tostring(average)))
    end
    if w then raise(op .. ": sample_weight is not supported for multi_class = 'ovo'") end
    local n = codes:numel()
    local total, wsum = 0, 0
    for a = 1, k - 1 do
      for b = a + 1, k do
        local am, bm = codes:eq(a), codes:eq(b)
        local ab = tide.logical_or(am, bm)
        local sa = s:select(2, a):masked_select(ab)
        local sb = s:select(2, b):masked_select(ab)
        local ta = am:masked_select(ab):to("float64")
        local score = (binary_auc(op, ta, sa, nil) + binary_auc(op, 1 - ta, sb, nil)) / 2
        local weight = average == "weighted" and ab:sum() / n or 1
        total, wsum = total + score * weight, wsum + weight
      end
    end
    return total / wsum
  end
  if average ~= nil and average ~= "macro" and average ~= "weighted" and average ~= "micro" then
    raise(format("%s: average must be 'macro', 'weighted', 'micro' or nil for multi_class = 'ovr', got %s", op,
      tostring(average)))
  end
  local y = one_hot(codes, k)
  if average == "micro" then
    local ww = w and w:reshape(w:numel(), 1):expand(w:numel(), k):contiguous():reshape(w:numel() * k) or nil
    return binary_auc(op, y:reshape(y:numel()), s:contiguous():reshape(s:numel()), ww)
  end
  local per = tide.empty(k, "float64")
  for c = 1, k do
    per[c] = binary_auc(op, y:select(2, c):contiguous(), s:select(2, c):contiguous(), w)
  end
  if average == nil then return per end
  if average == "macro" then return per:mean() end
  local cw = w and (y * w:reshape(w:numel(), 1)):sum(1) or y:sum(1)
  return (per * cw):sum() / cw:sum()
end

-- roc_auc_score(y_true, y_score, {average = "macro", sample_weight =, max_fpr =, multi_class =
-- "raise" | "ovr" | "ovo", labels =}): binary — y_score [N] scores the greater class (a [N, 2]
-- probability matrix is accepted too: its second column); multiclass — y_score [N, K]
-- probabilities over the sorted classes (or opts.labels), averaged one-vs-rest or one-vs-one
-- (Hand & Till) with average "macro" | "weighted" (| "micro" | "none" for per-class, ovr).
function M.roc_auc_score(y_true, y_score, opts)
  local op = "roc_auc_score"
  opts = check_options(op, opts, set("average", "sample_weight", "max_fpr", "multi_class", "labels"))
  if opts.average == "none" then opts = { average_none = true, sample_weight = opts.sample_weight, max_fpr = opts.max_fpr,
    multi_class = opts.multi_class, labels = opts.labels } end
  local s = scores(op, "y_score", y_score, true)
  local n = s.shape[1]
  local w = weights(op, opts.sample_weight, n)
  local mf = opts.max_fpr
  if mf ~= nil and (type(mf) ~= "number" or mf <= 0 or mf > 1) then
    raise(format("%s: max_fpr must be in (0, 1], got %s", op, tostring(mf)))
  end
  local v = L.vector(op, "y_true", y_true)
  if L.len(v) == 0 then raise(op .. ": y_true is empty") end
  if L.len(v) ~= n then raise(format("%s: y_true has %d labels and y_score %d", op, L.len(v), n)) end
  local parts = { { "y_true", v } }
  if opts.labels ~= nil then parts[2] = { "labels", L.vector(op, "labels", opts.labels) } end
  local classes, codes = L.encode(op, parts)
  if opts.labels ~= nil then
    if #classes ~= L.len(parts[2][2]) then raise(op .. ": y_true holds labels that are not in labels") end
    local given = codes[2]
    if not given:equal(tide.arange(1, #classes + 1, 1, "int64")) then
      raise(op .. ": labels must be distinct and sorted")
    end
  end
  local k = #classes
  local multi = k > 2 or (s.ndim == 2 and s.shape[2] > 2)
  if multi then
    if s.ndim ~= 2 or s.shape[2] ~= k then
      raise(format("%s: y_true has %d classes but y_score has %s columns", op, k, s.ndim == 2 and s.shape[2] or "no"))
    end
    return multiclass_auc(op, codes[1], k, s, w, opts)
  end
  if k < 2 then raise(op .. ": only one class present in y_true; ROC AUC is not defined in that case") end
  if s.ndim == 2 then
    if s.shape[2] ~= 2 then raise(format("%s: binary y_score must be [N] or [N, 2], got [%d, %d]", op, n, s.shape[2])) end
    s = s:select(2, 2):contiguous()
  end
  return binary_auc(op, codes[1]:eq(2):to("float64"), s, w, mf)
end

-- ---------------------------------------------------------------- precision-recall

-- precision, recall (one more entry than the thresholds: the final point (1, 0)) and the
-- thresholds, increasing, from the curve counts
local function pr_from_curve(fps, tps, thr)
  local ps = tps + fps
  local zero = ps:eq(0)
  local precision = tide.where(zero, 0, tps / tide.where(zero, 1, ps))
  local n = tps:numel()
  local recall
  if n == 0 or tps[n] == 0 then recall = tide.ones(n, "float64") else recall = tps / tps[n] end
  local function rev(x)
    local m = x:numel()
    if m == 0 then return x end
    return x:index_select(1, tide.arange(m, 0, -1, "int64"))
  end
  return tide.cat({ rev(precision), tide.tensor({ 1 }, "float64") }),
    tide.cat({ rev(recall), tide.tensor({ 0 }, "float64") }), rev(thr)
end

-- precision_recall_curve(y_true, probas_pred, {pos_label =, sample_weight =}) -> precision,
-- recall, thresholds (float64): precision and recall have one more entry than thresholds, the
-- final point (precision 1, recall 0); thresholds increase.
function M.precision_recall_curve(y_true, probas_pred, opts)
  local op = "precision_recall_curve"
  opts = check_options(op, opts, set("pos_label", "sample_weight"))
  local s = scores(op, "probas_pred", probas_pred)
  local t = binary_truth(op, y_true, s:numel(), opts.pos_label)
  local w = weights(op, opts.sample_weight, s:numel())
  return pr_from_curve(clf_curve(t, s, w))
end
-- average_precision_score(y_true, y_score, {pos_label =, sample_weight =, average = "macro"}):
-- the step-function integral of the precision-recall curve, sum (R_n - R_{n-1}) P_n, of a binary
-- problem. pos_label defaults as in roc_curve (1 for {0, 1} or {-1, 1}, 2 for Tide's {1, 2}).
function M.average_precision_score(y_true, y_score, opts)
  local op = "average_precision_score"
  opts = check_options(op, opts, set("pos_label", "sample_weight", "average"))
  local s = scores(op, "y_score", y_score, true)
  if s.ndim == 2 then
    raise(op .. ": multiclass y_score is not supported (scikit-learn 1.2 scores binary problems); " ..
      "score each class against the rest")
  end
  local classes = truth(op, y_true, s:numel())
  if #classes > 2 then
    raise(format("%s: y_true has %d classes (%s); average precision needs a binary problem", op, #classes, L.show(classes, 10)))
  end
  local t = binary_truth(op, y_true, s:numel(), opts.pos_label)
  local w = weights(op, opts.sample_weight, s:numel())
  local precision, recall = pr_from_curve(clf_curve(t, s, w))
  local n = recall:numel()
  return -(diff(recall) * precision:narrow(1, 1, n - 1)):sum()
end

-- ---------------------------------------------------------------- probabilistic losses

local function average(loss, w, normalize)
  if normalize == false then
    return w and (loss * w):sum() or loss:sum()
  end
  if w then
    local ws = w:sum()
    if ws == 0 then raise("weights sum to zero, can't be normalized") end
    return (loss * w):sum() / ws
  end
  return loss:mean()
end

-- log_loss(y_true, y_pred, {eps = "auto", normalize = true, sample_weight =, labels =}): the
-- mean negative log-likelihood of the true classes. y_pred: [N, K] probabilities over the
-- sorted classes (or labels), or [N] the probability of the greater class of a binary problem.
-- Probabilities are clipped to [eps, 1 - eps] (eps = "auto": the machine epsilon of y_pred's
-- dtype) and each row renormalized, as scikit-learn 1.2.
function M.log_loss(y_true, y_pred, opts)
  local op = "log_loss"
  opts = check_options(op, opts, set("eps", "normalize", "sample_weight", "labels"))
  local eps = opts.eps
  local float32 = is_tensor(y_pred) and y_pred.dtype == "float32"
  if eps == nil or eps == "auto" then
    eps = float32 and 2 ^ -23 or 2 ^ -52
  elseif type(eps) ~= "number" or eps < 0 or eps >= 0.5 then
    raise(format("%s: eps must be 'auto' or a number in [0, 0.5), got %s", op, tostring(eps)))
  end
  local p = scores(op, "y_pred", y_pred, true)
  local n = p.shape[1]
  local v = L.vector(op, "y_true", y_true)
  if L.len(v) == 0 then raise(op .. ": y_true is empty") end
  if L.len(v) ~= n then raise(format("%s: y_true has %d labels and y_pred %d", op, L.len(v), n)) end
  local w = weights(op, opts.sample_weight, n)
  local parts = { { "y_true", v } }
  if opts.labels ~= nil then parts[2] = { "labels", L.vector(op, "labels", opts.labels) } end
  local classes, codes = L.encode(op, parts)
  if opts.labels ~= nil then
    if #classes ~= L.len(parts[2][2]) then raise(op .. ": y_true holds labels that are not in labels") end
    if #classes < 2 then raise(op .. ": labels needs at least two labels") end
  elseif #classes < 2 then
    raise(format("%s: y_true contains only one label (%s); pass the labels explicitly through labels = {...}",
      op, L.show(classes)))
  end
  p = p:clamp(eps, 1 - eps)
  if p.ndim == 1 then p = tide.stack({ 1 - p, p }, 2) end
  local k = #classes
  if p.shape[2] ~= k then
    raise(format("%s: y_true has %d classes but y_pred has %d columns; pass labels = {...} when y_true lacks some",
      op, k, p.shape[2]))
  end
  p = p / p:sum(2, true)
  local picked = p:gather(2, codes[1]:reshape(n, 1)):reshape(n)
  return average(-picked:log(), w, opts.normalize)
end

-- brier_score_loss(y_true, y_prob, {sample_weight =, pos_label =}): the mean squared difference
-- between the probability of the positive class and the 0/1 outcome. The positive class is
-- pos_label, else 1 for {0, 1} / {-1, 1} labels, else the greater numeric label.
function M.brier_score_loss(y_true, y_prob, opts)
  local op = "brier_score_loss"
  opts = check_options(op, opts, set("sample_weight", "pos_label"))
  local p = scores(op, "y_prob", y_prob)
  local classes = truth(op, y_true, p:numel())
  if #classes > 2 then
    raise(format("%s: only binary classification is supported; y_true has %d classes", op, #classes))
  end
  if p:amax() > 1 then raise(op .. ": y_prob contains values greater than 1") end
  if p:amin() < 0 then raise(op .. ": y_prob contains values less than 0") end
  local t = binary_truth(op, y_true, p:numel(), opts.pos_label, { greater = true })
  local w = weights(op, opts.sample_weight, p:numel())
  return average((t - p) ^ 2, w)
end

return M
