-- tide.metrics score and regression metrics against scikit-learn 1.2 (fixtures from
-- tests/gen/gen_metrics_curves.py): ROC curves and AUC (binary, partial, multiclass ovr / ovo),
-- precision-recall curves and average precision, log loss, Brier score, regression metrics;
-- label forms (0/1, -1/1, 1/2, strings), weights with zeros, ties; bad input.
-- Tolerance 1e-12 relative: the same sums in a possibly different order.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("metrics_curves")
local m = tide.metrics

local TOL = 1e-12

local near = H.relative_near(TOL)

local names_of = H.sorted_keys

-- H.assert_matches with infinities allowed (r2 without force_finite gives -inf)
local function matches(t, expected, what)
  local got = H.flat(t)
  assert.equals(#expected.data, #got, what .. " size")
  for i, b in ipairs(expected.data) do
    local a = got[i]
    assert(a == b or (a ~= a and b ~= b) or math.abs(a - b) <= TOL * math.max(1, math.abs(b)),
      string.format("%s: element %d is %.17g, expected %.17g", what, i, a, b))
  end
end

local function w_of(c) return c.weights and H.tensor(c.weights) or nil end

describe("binary curves against scikit-learn", function()
  for _, name in ipairs(names_of(ref.binary)) do
    local c = ref.binary[name]
    local score, prob = H.tensor(c.y_score), H.tensor(c.y_prob)
    local function o(extra)
      local t = { pos_label = c.pos_label, sample_weight = w_of(c) }
      for k, v in pairs(extra or {}) do t[k] = v end
      return t
    end

    it(name .. ": roc_curve, with and without drop_intermediate", function()
      for key, drop in pairs({ roc_drop = true, roc_all = false }) do
        local fpr, tpr, thr = m.roc_curve(c.y_true, score, o({ drop_intermediate = drop }))
        H.assert_matches(fpr, c[key].fpr, TOL, name .. " fpr")
        H.assert_matches(tpr, c[key].tpr, TOL, name .. " tpr")
        H.assert_matches(thr, c[key].thresholds, TOL, name .. " thresholds")
      end
    end)

    it(name .. ": roc_auc_score and partial AUC", function()
      if c.pos_label == nil then -- roc_auc_score's positive class is the greater label
        near(m.roc_auc_score(c.y_true, score, { sample_weight = w_of(c) }), c.auc, name .. " auc")
        near(m.roc_auc_score(c.y_true, score, { sample_weight = w_of(c), max_fpr = 0.3 }), c.auc_max_fpr, name .. " max_fpr")
      end
      local fpr, tpr = m.roc_curve(c.y_true, score, o())
      near(m.auc(fpr, tpr), c.auc, name .. " auc of the curve")
    end)

    it(name .. ": precision_recall_curve and average precision", function()
      local p, r, t = m.precision_recall_curve(c.y_true, prob, o())
      H.assert_matches(p, c.pr.precision, TOL, name .. " precision")
      H.assert_matches(r, c.pr.recall, TOL, name .. " recall")
      H.assert_matches(t, c.pr.thresholds, TOL, name .. " thresholds")
      near(m.average_precision_score(c.y_true, score, o()), c.ap, name .. " ap")
    end)

    it(name .. ": brier_score_loss and log_loss", function()
      near(m.brier_score_loss(c.y_true, prob, o()), c.brier, name .. " brier")
      if c.pos_label == nil then
        near(m.log_loss(c.y_true, prob, { sample_weight = w_of(c) }), c.log_loss, name .. " log_loss")
        near(m.log_loss(c.y_true, prob, { sample_weight = w_of(c), normalize = false }), c.log_loss_sum,
          name .. " log_loss sum")
      end
    end)
  end

  it("scores as Lua arrays and columns give the same curves", function()
    local c = ref.binary.binary01
    local a1, b1 = m.roc_curve(c.y_true, c.y_score.data)
    local a2, b2 = m.roc_curve(tide.tensor(c.y_true, "int32"):reshape(60, 1), H.tensor(c.y_score):reshape(60, 1))
    assert.is_true(a1:equal(a2) and b1:equal(b2))
    -- a [N, 2] probability matrix scores its second column
    local p = H.tensor(c.y_prob)
    near(m.roc_auc_score(c.y_true, tide.stack({ 1 - p, p }, 2)), m.roc_auc_score(c.y_true, p), "[N, 2]")
  end)

  it("without negatives fpr is NaN; with a single class AUC is an error", function()
    local fpr, tpr = m.roc_curve({ 1, 1, 1 }, { 0.1, 0.5, 0.9 })
    assert.is_true(fpr[1] ~= fpr[1])
    assert.equals(1, tpr[tpr:numel()])
    H.assert_error(function() return m.roc_auc_score({ 1, 1 }, { 0.2, 0.4 }) end,
      "roc_auc_score: only one class present in y_true")
  end)
end)

describe("multiclass scores against scikit-learn", function()
  for _, name in ipairs(names_of(ref.multiclass)) do
    local c = ref.multiclass[name]
    local proba = H.tensor(c.proba)
    it(name .. ": roc_auc_score ovr / ovo and log_loss", function()
      local w = w_of(c)
      for _, avg in ipairs({ "macro", "weighted", "micro" }) do
        near(m.roc_auc_score(c.y_true, proba, { multi_class = "ovr", average = avg, sample_weight = w }), c.ovr[avg],
          name .. " ovr " .. avg)
      end
      H.assert_matches(m.roc_auc_score(c.y_true, proba, { multi_class = "ovr", average = "none", sample_weight = w }),
        c.ovr.none, TOL, name .. " ovr per class")
      if c.ovo then
        for _, avg in ipairs({ "macro", "weighted" }) do
          near(m.roc_auc_score(c.y_true, proba, { multi_class = "ovo", average = avg }), c.ovo[avg], name .. " ovo " .. avg)
        end
      end
      for k, expected in ipairs(c.top_k) do
        near(m.top_k_accuracy_score(c.y_true, proba, { k = k, sample_weight = w }), expected, name .. " top_k " .. k)
      end
      near(m.log_loss(c.y_true, proba, { sample_weight = w }), c.log_loss, name .. " log_loss")
      near(m.log_loss(c.y_true, proba, { sample_weight = w, eps = 1e-3 }), c.log_loss_eps, name .. " log_loss eps")
    end)
  end

  it("string labels follow their sorted order", function()
    local c = ref.multiclass.mc4
    local names = { [0] = "ant", "bee", "cat", "dog" }
    local y = {}
    for i, v in ipairs(c.y_true) do y[i] = names[v] end
    local proba = H.tensor(c.proba)
    near(m.roc_auc_score(y, proba, { multi_class = "ovr" }), c.ovr.macro, "strings ovr")
    near(m.log_loss(y, proba), c.log_loss, "strings log_loss")
  end)

  it("log_loss with labels covers classes missing from y_true", function()
    local p = tide.tensor({ { 0.7, 0.2, 0.1 }, { 0.1, 0.8, 0.1 } }, "float64")
    near(m.log_loss({ 0, 1 }, p, { labels = { 0, 1, 2 } }), -(math.log(0.7) + math.log(0.8)) / 2, "labels")
    H.assert_error(function() return m.log_loss({ 0, 1 }, p) end, "log_loss: y_true has 2 classes but y_pred has 3 columns")
  end)
end)

describe("regression metrics against scikit-learn", function()
  local fns = {
    mse = m.mean_squared_error, mae = m.mean_absolute_error, mape = m.mean_absolute_percentage_error,
    r2 = m.r2_score, ev = m.explained_variance_score, medae = m.median_absolute_error,
  }
  for _, name in ipairs(names_of(ref.regression)) do
    local c = ref.regression[name]
    it(name, function()
      local yt, yp, w = H.tensor(c.y_true), H.tensor(c.y_pred), w_of(c)
      local checked = 0
      for key, expected in pairs(c.expect) do
        local metric, mo = key:match("^(%w+)_(.*)$")
        local o = { sample_weight = w, multioutput = mo }
        local got
        if metric == "rmse" then
          got = m.root_mean_squared_error(yt, yp, o)
          local o2 = { sample_weight = w, multioutput = mo, squared = false }
          local again = m.mean_squared_error(yt, yp, o2)
          if type(got) == "number" then near(again, got, "squared = false") else assert.is_true(again:equal(got)) end
        elseif key == "max_error" then
          got = m.max_error(yt, yp)
        elseif mo == "unforced" then
          got = m.r2_score(yt, yp, { sample_weight = w, multioutput = "raw_values", force_finite = false })
        elseif mo == "custom" then
          got = fns[metric](yt, yp, { sample_weight = w, multioutput = c.custom })
        else
          if metric == "medae" then o.sample_weight = nil end
          got = fns[metric](yt, yp, o)
        end
        if type(expected) == "number" then near(got, expected, name .. " " .. key)
        else matches(got, expected, name .. " " .. key) end
        checked = checked + 1
      end
      assert.is_true(checked >= 10)
    end)
  end

  it("accepts Lua arrays and columns", function()
    near(m.mean_squared_error({ 1, 2, 3 }, { 1, 2, 5 }), 4 / 3, "arrays")
    near(m.r2_score(tide.tensor({ { 1 }, { 2 }, { 3 } }), { 1, 2, 4 }), 0.5, "column")
    near(m.mean_absolute_error({ { 1, 2 }, { 3, 4 } }, { { 1, 3 }, { 3, 2 } }), 0.75, "rows")
    assert.is_true(m.r2_score({ 1 }, { 2 }) ~= m.r2_score({ 1 }, { 2 })) -- NaN below two samples
  end)
end)

describe("score and regression metric errors", function()
  local msg = H.error_message

  it("name the function and the problem", function()
    assert.equals("roc_curve: y_true has 3 labels and the scores 2", msg(function() return m.roc_curve({ 0, 1, 1 }, { 1, 2 }) end))
    assert.equals("roc_curve: y_score contains NaN or infinity", msg(function() return m.roc_curve({ 0, 1 }, { 0 / 0, 1 }) end))
    assert.truthy(msg(function() return m.roc_curve({ 3, 5 }, { 1, 2 }) end):find("pass pos_label", 1, true))
    assert.equals("roc_curve: pos_label = 7 is not one of the labels (0, 1)",
      msg(function() return m.roc_curve({ 0, 1 }, { 1, 2 }, { pos_label = 7 }) end))
    assert.truthy(msg(function() return m.roc_curve({ 0, 1, 2 }, { 1, 2, 3 }) end):find("has 3 classes", 1, true))
    assert.equals("roc_curve: y_true is empty", msg(function() return m.roc_curve({}, {}) end))
    assert.truthy(msg(function() return m.roc_curve({ 0, 1 }, { 1, 2 }, { drop = true }) end):find("unknown option 'drop'", 1, true))
    assert.truthy(msg(function() return m.roc_auc_score({ 0, 1, 2 }, tide.full({ 3, 3 }, 1 / 3)) end)
      :find("pass multi_class = 'ovr' or 'ovo'", 1, true))
    assert.truthy(msg(function() return m.roc_auc_score({ 0, 1, 2 }, tide.full({ 3, 3 }, 0.5), { multi_class = "ovr" }) end)
      :find("must be probabilities", 1, true))
    assert.equals("roc_auc_score: y_true has 3 classes but y_score has 2 columns",
      msg(function() return m.roc_auc_score({ 0, 1, 2 }, tide.full({ 3, 2 }, 0.5), { multi_class = "ovr" }) end))
    assert.equals("roc_auc_score: max_fpr must be in (0, 1], got 2",
      msg(function() return m.roc_auc_score({ 0, 1 }, { 0.1, 0.2 }, { max_fpr = 2 }) end))
    assert.equals("roc_auc_score: sample_weight is not supported for multi_class = 'ovo'",
      msg(function() return m.roc_auc_score({ 0, 1, 2 }, tide.full({ 3, 3 }, 1 / 3), { multi_class = "ovo", sample_weight = { 1, 1, 1 } }) end))
    assert.truthy(msg(function() return m.log_loss({ 1, 1 }, { 0.5, 0.5 }) end):find("y_true contains only one label (1)", 1, true))
    assert.equals("brier_score_loss: y_prob contains values greater than 1",
      msg(function() return m.brier_score_loss({ 0, 1 }, { 0.5, 1.5 }) end))
    assert.truthy(msg(function() return m.brier_score_loss({ "a", "b" }, { 0.5, 0.5 }) end):find("pass pos_label", 1, true))
    assert.equals("auc: x is neither increasing nor decreasing", msg(function() return m.auc({ 0, 1, 0.5 }, { 0, 1, 1 }) end))
    assert.equals("average_precision_score: y_true has 3 classes (0, 1, 2); average precision needs a binary problem",
      msg(function() return m.average_precision_score({ 0, 1, 2 }, { 1, 2, 3 }) end))
    assert.equals("mean_squared_error: y_true has 3 samples and y_pred 2",
      msg(function() return m.mean_squared_error({ 1, 2, 3 }, { 1, 2 }) end))
    assert.equals("r2_score: y_pred contains NaN or infinity", msg(function() return m.r2_score({ 1, 2 }, { 1, 1 / 0 }) end))
    assert.equals("mean_absolute_error: y_true[2] is a string, expected a number",
      msg(function() return m.mean_absolute_error({ 1, "a" }, { 1, 2 }) end))
    assert.equals("mean_squared_error: y_true is empty", msg(function() return m.mean_squared_error({}, {}) end))
    assert.truthy(msg(function() return m.mean_squared_error({ 1, 2 }, { 1, 2 }, { multioutput = "variance_weighted" }) end)
      :find("multioutput must be", 1, true))
    assert.equals("mean_absolute_error: y_true has 2 outputs and y_pred 1",
      msg(function() return m.mean_absolute_error({ { 1, 2 } }, { 1 }) end))
  end)
end)
