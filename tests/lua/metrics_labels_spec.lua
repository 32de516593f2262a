-- tide.metrics classification metrics on label values — 0-based digits, -1/1, 0/1 with either
-- positive class, strings, a labels subset with an absent class — against scikit-learn 1.2
-- (fixtures from tests/gen/gen_metrics_curves.py, section label_values): the classes are the
-- sorted union of y_true and y_pred, as in scikit-learn, so an estimator's predictions (which
-- carry the training labels) can be scored directly.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("metrics_curves").label_values
local m = tide.metrics

local TOL = 1e-12

local near = H.relative_near(TOL)

local names_of = H.sorted_keys

describe("metrics on label values against scikit-learn", function()
  for _, name in ipairs(names_of(ref)) do
    local c = ref[name]
    it(name, function()
      -- numbers both as Lua arrays and as int64 tensors
      local forms = { { c.y_true, c.y_pred } }
      if type(c.y_true[1]) == "number" then
        forms[2] = { tide.tensor(c.y_true, "int64"), tide.tensor(c.y_pred, "int32") }
      end
      for _, f in ipairs(forms) do
        local yt, yp = f[1], f[2]
        if not c.labels then
          near(m.accuracy(yt, yp), c.accuracy, name .. " accuracy")
          near(m.balanced_accuracy(yt, yp), c.balanced_accuracy, name .. " balanced accuracy")
        end
        H.assert_matches(m.confusion_matrix(yt, yp, { labels = c.labels }), c.cm, nil, name .. " cm")
        for _, avg in ipairs({ "macro", "micro", "weighted" }) do
          local p, r, fs = m.precision_recall_fscore_support(yt, yp, { average = avg, labels = c.labels })
          near(p, c.prf[avg][1], name .. " precision " .. avg)
          near(r, c.prf[avg][2], name .. " recall " .. avg)
          near(fs, c.prf[avg][3], name .. " f " .. avg)
        end
        local p, r, fs, s = m.precision_recall_fscore_support(yt, yp, { labels = c.labels })
        H.assert_matches(p, c.prf.none.p, TOL, name .. " p")
        H.assert_matches(r, c.prf.none.r, TOL, name .. " r")
        H.assert_matches(fs, c.prf.none.f, TOL, name .. " f")
        H.assert_matches(s, c.prf.none.s, nil, name .. " support")
        if c.prf.binary then
          local bp, br, bf = m.precision_recall_f1(yt, yp, { average = "binary", pos_label = c.pos_label })
          near(bp, c.prf.binary[1], name .. " binary precision")
          near(br, c.prf.binary[2], name .. " binary recall")
          near(bf, c.prf.binary[3], name .. " binary f1")
        end
        assert.equals(table.concat(c.report, "\n"), m.classification_report(yt, yp, { labels = c.labels }))
        if c.mcc then
          near(m.matthews_corrcoef(yt, yp), c.mcc, name .. " mcc")
          near(m.cohen_kappa_score(yt, yp), c.kappa.none, name .. " kappa")
          near(m.cohen_kappa_score(yt, yp, { weights = "linear" }), c.kappa.linear, name .. " kappa linear")
          near(m.cohen_kappa_score(yt, yp, { weights = "quadratic" }), c.kappa.quadratic, name .. " kappa quadratic")
          near(m.zero_one_loss(yt, yp), c.zero_one, name .. " zero_one_loss")
          near(m.zero_one_loss(yt, yp, { normalize = false }), c.zero_one_count, name .. " zero_one count")
          near(m.hamming_loss(yt, yp), c.hamming, name .. " hamming")
        end
      end
    end)
  end

  it("agreement metrics: constant sides, class ids and errors", function()
    near(m.matthews_corrcoef({ 1, 1, 2 }, { 1, 1, 1 }), 0, "constant prediction")
    near(m.matthews_corrcoef({ 1, 2, 1, 2 }, { 1, 2, 1, 2 }), 1, "perfect")
    near(m.cohen_kappa_score({ "a", "b" }, { "a", "b" }), 1, "kappa perfect")
    H.assert_error(function() return m.cohen_kappa_score({ 1 }, { 1 }, { weights = "cubic" }) end,
      "cohen_kappa_score: weights must be nil, 'linear' or 'quadratic', got cubic")
    H.assert_error(function() return m.matthews_corrcoef({ 1, 2 }, { 1 }) end, "matthews_corrcoef: y_true has 2 labels and y_pred 1")
    H.assert_error(function() return m.top_k_accuracy_score({ 0, 1, 2 }, tide.zeros(3, 2)) end,
      "top_k_accuracy_score: y_true has 3 classes but y_score has 2 columns")
    near(m.top_k_accuracy_score({ 0, 1, 0 }, { 0.2, 0.7, 0.6 }, { k = 1 }), 2 / 3, "binary k = 1")
    -- errors name the function called, also where it shares accuracy's code
    H.assert_error(function() return m.zero_one_loss({}, {}) end, "zero_one_loss: y_true is empty")
    H.assert_error(function() return m.hamming_loss({ 1 }, { 1, 2 }) end, "hamming_loss: y_true has 1 labels and y_pred 2")
    H.assert_error(function() return m.top_k_accuracy_score({ 0, 1 }, { "a", "b" }) end,
      "top_k_accuracy_score: y_score[1] is a string, expected a number")
    assert.is_nil(m._accuracy) -- shared internals stay out of tide.metrics
  end)

  it("0/1 labels default to pos_label = 1, as scikit-learn", function()
    local c = ref.binary01
    near(m.f1_score(c.y_true, c.y_pred, { average = "binary" }), c.prf.binary[3], "default pos_label")
  end)

  it("an estimator's 0-based predictions score directly", function()
    local y = tide.tensor({ 0, 1, 2, 2, 1, 0 }, "int64")
    local pred = tide.tensor({ 0, 1, 2, 1, 1, 0 }, "int64")
    near(m.accuracy(y, pred), 5 / 6, "accuracy")
    assert.equals(3, m.confusion_matrix(y, pred).shape[1])
  end)
end)
