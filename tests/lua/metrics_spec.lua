-- tide.metrics against scikit-learn 1.2 (fixtures from tests/gen/gen_metrics.py): accuracy,
-- balanced accuracy, confusion matrices, precision / recall / F-beta / support for every
-- average, classification_report text; the ConfusionMatrix accumulator; input forms; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("metrics")
local metrics = tide.metrics

local TOL = 1e-12

local names_of = H.sorted_keys

local near = H.relative_near(TOL)

-- The options a fixture case implies (labels / num_classes / weights / zero_division).
local function case_opts(c, extra)
  local o = { labels = c.labels, num_classes = c.num_classes, zero_division = c.zero_division }
  if c.weights then o.sample_weight = tide.tensor(c.weights, "float64") end
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function labels_tensor(a) return tide.tensor(a, "int64") end

describe("metrics against scikit-learn", function()
  local cases = names_of(ref)

  it("accuracy and balanced_accuracy", function()
    for _, name in ipairs(cases) do
      local c = ref[name]
      local yt, yp = labels_tensor(c.y_true), labels_tensor(c.y_pred)
      local w = c.weights and { sample_weight = c.weights } or nil
      near(metrics.accuracy(yt, yp, w), c.accuracy, name .. " accuracy")
      local cw = { normalize = false, sample_weight = c.weights }
      near(metrics.accuracy(yt, yp, cw), c.accuracy_count, name .. " accuracy count")
      near(metrics.balanced_accuracy(yt, yp, w), c.balanced_accuracy, name .. " balanced_accuracy")
      local aw = { adjusted = true, sample_weight = c.weights }
      near(metrics.balanced_accuracy(yt, yp, aw), c.balanced_accuracy_adjusted, name .. " adjusted")
    end
  end)

  it("confusion_matrix, plain and normalized", function()
    for _, name in ipairs(cases) do
      local c = ref[name]
      local yt, yp = labels_tensor(c.y_true), labels_tensor(c.y_pred)
      for _, norm in ipairs({ "none", "true", "pred", "all" }) do
        local o = { labels = c.labels, num_classes = c.num_classes, sample_weight = c.weights }
        if norm ~= "none" then o.normalize = norm end
        local cm = metrics.confusion_matrix(yt, yp, o)
        local expected = c.cm["norm_" .. norm]
        assert.equals(expected.dtype, cm.dtype, name .. " " .. norm)
        H.assert_matches(cm, expected, norm ~= "none" and TOL or nil, name .. " cm " .. norm)
      end
    end
  end)

  it("precision, recall, F-beta and support for every average", function()
    local checked = 0
    for _, name in ipairs(cases) do
      local c = ref[name]
      local yt, yp = labels_tensor(c.y_true), labels_tensor(c.y_pred)
      for _, e in ipairs(c.prf) do
        local avg = e.average ~= "none" and e.average or nil
        local what = string.format("%s beta=%g average=%s", name, e.beta, e.average)
        local o
        if avg == "binary" then
          o = { average = "binary", pos_label = e.pos_label, zero_division = c.zero_division, sample_weight = c.weights }
          what = what .. " pos_label=" .. e.pos_label
        else
          o = case_opts(c, { beta = e.beta, average = avg })
        end
        local p, r, f, s = metrics.precision_recall_fscore_support(yt, yp, o)
        if avg == nil then
          H.assert_matches(p, e.p, TOL, what .. " precision")
          H.assert_matches(r, e.r, TOL, what .. " recall")
          H.assert_matches(f, e.f, TOL, what .. " fbeta")
          H.assert_matches(s, e.s, nil, what .. " support")
          assert.equals(c.weights and "float64" or "int64", s.dtype)
        else
          near(p, e.p, what .. " precision")
          near(r, e.r, what .. " recall")
          near(f, e.f, what .. " fbeta")
          assert.is_nil(s)
        end
        -- the single-score functions agree
        o.beta = nil
        if e.beta == 1 then
          local f1 = metrics.f1_score(yt, yp, o)
          if avg then near(f1, e.f, what .. " f1_score") else H.assert_matches(f1, e.f, TOL, what .. " f1_score") end
          local p3, r3, f3 = metrics.precision_recall_f1(yt, yp, o)
          if avg then near(p3, e.p, what) near(r3, e.r, what) near(f3, e.f, what) end
        else
          local fb = metrics.fbeta_score(yt, yp, e.beta, o)
          if avg then near(fb, e.f, what .. " fbeta_score") end
        end
        local pr, rc = metrics.precision(yt, yp, o), metrics.recall(yt, yp, o)
        if avg then near(pr, e.p, what .. " precision()") near(rc, e.r, what .. " recall()") end
        checked = checked + 1
      end
    end
    assert.is_true(checked > 100)
  end)

  it("classification_report prints what scikit-learn prints", function()
    for _, name in ipairs(cases) do
      local c = ref[name]
      local yt, yp = labels_tensor(c.y_true), labels_tensor(c.y_pred)
      for _, digits in ipairs({ 2, 4 }) do
        local expected = table.concat(c.report["d" .. digits], "\n")
        if name == "all_wrong" then
          -- scikit-learn 1.2 prints supports as floats ("2.0") when no prediction is right (its
          -- per-class counts start as float zeros then); Tide keeps them integers
          expected = expected:gsub("(%d)%.0\n", "  %1\n")
        end
        local got = metrics.classification_report(yt, yp, case_opts(c, { names = c.names, digits = digits }))
        assert.equals(expected, got, name .. " digits=" .. digits)
      end
    end
  end)

  it("classification_report as a table", function()
    local c = ref.ten_classes
    local d = metrics.classification_report(c.y_true, c.y_pred, { names = c.names, output_dict = true })
    local p, r, f, s = metrics.precision_recall_fscore_support(c.y_true, c.y_pred)
    assert.equals(p[1], d["T-shirt/top"].precision)
    assert.equals(r[10], d["Ankle boot"].recall)
    assert.equals(f[2], d.Trouser["f1-score"])
    assert.equals(s[3], d.Pullover.support)
    near(d.accuracy, c.accuracy, "accuracy")
    assert.equals(2000, d["macro avg"].support)
    near(d["weighted avg"]["f1-score"], metrics.f1_score(c.y_true, c.y_pred, { average = "weighted" }), "weighted")
  end)
end)

describe("metrics inputs", function()
  local yt = { 1, 2, 3, 3, 2, 1 }
  local yp = { 1, 3, 3, 3, 2, 2 }

  it("accepts Lua arrays, any integer dtype, integral floats and [N, 1] columns", function()
    local a = metrics.accuracy(yt, yp)
    assert.equals(4 / 6, a)
    for _, dt in ipairs({ "int64", "int32", "uint8", "float32", "float64" }) do
      assert.equals(a, metrics.accuracy(tide.tensor(yt, dt), tide.tensor(yp, dt)), dt)
    end
    assert.equals(a, metrics.accuracy(tide.tensor(yt):reshape(6, 1), yp))
    -- a strided view
    local both = tide.tensor({ yt, yp }, "int64")
    assert.equals(a, metrics.accuracy(both:select(1, 1), both[2]))
    assert.equals(a, metrics.accuracy(both:t():select(2, 1), both:t():select(2, 2)))
  end)

  it("infers K from the largest label, or takes num_classes", function()
    local cm = metrics.confusion_matrix(yt, yp)
    assert.same({ 3, 3 }, cm.shape)
    assert.equals("int64", cm.dtype)
    assert.same({ { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, cm:totable())
    local cm5 = metrics.confusion_matrix(yt, yp, { num_classes = 5 })
    assert.same({ 5, 5 }, cm5.shape)
    assert.equals(6, cm5:sum())
    -- labels pick and order classes
    local sub = metrics.confusion_matrix(yt, yp, { labels = { 3, 1 } })
    assert.same({ { 2, 0 }, { 0, 1 } }, sub:totable())
  end)

  it("counts a million labels with tensor kernels", function()
    tide.manual_seed(3)
    local n, k = 1000000, 10
    local t = tide.randint(1, k + 1, n)
    local p = tide.where(tide.rand(n):lt(0.8), t, tide.randint(1, k + 1, n))
    local t0 = os.clock()
    local cm = metrics.confusion_matrix(t, p)
    local acc = metrics.accuracy(t, p)
    local _, _, f = metrics.precision_recall_fscore_support(t, p, { average = "macro" })
    local dt = os.clock() - t0
    assert.equals(n, cm:sum())
    assert.is_true(math.abs(acc - 0.82) < 0.01)
    assert.is_true(f > 0.8 and f < 0.84)
    local diag = 0
    for i = 1, k do diag = diag + cm[{ i, i }] end
    assert.equals(acc, diag / n)
    assert.is_true(dt < 2, "took " .. dt .. " s")
  end)

  it("average = 'binary' scores pos_label (default 2)", function()
    local t, p = { 1, 2, 2, 1, 2 }, { 1, 2, 1, 2, 2 }
    local pr = metrics.precision(t, p, { average = "binary" })
    assert.equals(2 / 3, pr)
    assert.equals(1 / 2, metrics.recall(t, p, { average = "binary", pos_label = 1 }))
  end)

  it("ConfusionMatrix accumulates batches and gives the same metrics", function()
    local c = ref.ten_classes
    local acc = metrics.ConfusionMatrix(10)
    for first = 1, #c.y_true, 300 do
      local last = math.min(first + 299, #c.y_true)
      local bt, bp = {}, {}
      for i = first, last do bt[#bt + 1], bp[#bp + 1] = c.y_true[i], c.y_pred[i] end
      acc:update(tide.tensor(bt, "int64"), bp)
    end
    assert.equals(2000, acc.n)
    assert.is_true(acc:compute():equal(metrics.confusion_matrix(c.y_true, c.y_pred)))
    near(acc:accuracy(), c.accuracy, "accuracy")
    local p, _, f = acc:precision_recall_fscore_support({ average = "macro" })
    for _, e in ipairs(c.prf) do
      if e.average == "macro" then near(p, e.p, "macro p") near(f, e.f, "macro f") end
    end
    local _, _, _, s = acc:precision_recall_fscore_support()
    assert.equals("int64", s.dtype)
    assert.equals(table.concat(c.report.d2, "\n"):gsub("T%-shirt/top", "          1"):sub(1, 10),
      acc:report():sub(1, 10))
    assert.equals(table.concat(c.report.d4, "\n"), acc:report({ names = c.names, digits = 4 }))
    local rows = acc:compute({ normalize = "true" }):sum(2)
    assert.is_true(tide.allclose(rows, tide.ones(10, "float64")))
    acc:reset()
    assert.equals(0, acc.n)
    H.assert_error(function() acc:accuracy() end, "no samples yet")
    H.assert_error(function() acc:update({ 1, 11 }, { 1, 2 }) end,
      "ConfusionMatrix:update: y_true has label 11 at position 2, out of range for num_classes = 10")
  end)
end)

describe("metrics errors", function()
  local msg = H.error_message

  it("name the function and the problem, at the caller's line", function()
    local ok, e = pcall(function() return metrics.accuracy({ 1, 2 }, { 1 }) end)
    assert.is_false(ok)
    assert.truthy(e:find("metrics_spec.lua:%d+: accuracy: y_true has 2 labels and y_pred 1"))
    assert.equals("accuracy: y_true is empty", msg(function() return metrics.accuracy({}, {}) end))
    assert.equals("accuracy: y_pred is empty", msg(function() return metrics.accuracy({ 1 }, tide.empty(0)) end))
    -- labels with 0 or negative values are label values, not class ids: no error (see "label values")
    assert.equals("confusion_matrix: num_classes applies to class ids 1..K; these labels (strings, or including 0 " ..
      "or negative values) are values: use labels = {...} to add classes",
      msg(function() return metrics.confusion_matrix({ 1, 0 }, { 1, 1 }, { num_classes = 3 }) end))
    assert.equals("f1_score: y_pred holds strings but y_true holds numbers",
      msg(function() return metrics.f1_score(tide.tensor({ 1 }, "int64"), { "a" }) end))
    assert.equals("precision: the labels are strings ('a', 'b'); pass pos_label (the positive class) with average = 'binary'",
      msg(function() return metrics.precision({ "a", "b" }, { "b", "b" }, { average = "binary" }) end))
    assert.equals("precision: pos_label = 'c' is not one of the labels ('a', 'b')",
      msg(function() return metrics.precision({ "a", "b" }, { "b", "b" }, { average = "binary", pos_label = "c" }) end))
    assert.equals("accuracy: y_pred[2] is a number, expected a string (the labels start with strings)",
      msg(function() return metrics.accuracy({ "a", "b" }, { "b", 2 }) end))
    assert.equals("accuracy: y_pred has a non-integer label 1.5 at position 2",
      msg(function() return metrics.accuracy({ 1, 2 }, tide.tensor({ 1, 1.5 })) end))
    assert.equals("accuracy: y_true has a non-integer label 2.5 at position 1",
      msg(function() return metrics.accuracy({ 2.5 }, { 1 }) end))
    assert.truthy(msg(function() return metrics.accuracy({ 0 / 0 }, { 1 }) end):find("non%-integer label"))
    assert.equals("accuracy: y_true[2] is a string, expected a number",
      msg(function() return metrics.accuracy({ 1, "2" }, { 1, 2 }) end))
    assert.equals("accuracy: y_true must hold class ids, got a bool tensor",
      msg(function() return metrics.accuracy(tide.tensor({ true }), { 1 }) end))
    assert.equals("accuracy: y_pred has shape [2, 3]; expected 1-d class ids (for scores, take scores:argmax(2))",
      msg(function() return metrics.accuracy({ 1, 2 }, tide.zeros(2, 3)) end))
    assert.equals("accuracy: y_true must be a tensor or a Lua array, got string",
      msg(function() return metrics.accuracy("1 2", { 1, 2 }) end))
    assert.equals("confusion_matrix: y_pred has label 4 at position 3, out of range for num_classes = 3",
      msg(function() return metrics.confusion_matrix({ 1, 2, 3 }, { 1, 2, 4 }, { num_classes = 3 }) end))
    assert.equals("confusion_matrix: labels has class 7, out of range for num_classes = 3",
      msg(function() return metrics.confusion_matrix({ 1 }, { 1 }, { num_classes = 3, labels = { 7 } }) end))
    assert.equals("confusion_matrix: none of the labels occurs in y_true",
      msg(function() return metrics.confusion_matrix({ 1, 1 }, { 2, 2 }, { labels = { 2 } }) end))
    assert.equals("confusion_matrix: normalize must be nil, 'true', 'pred' or 'all', got rows",
      msg(function() return metrics.confusion_matrix({ 1 }, { 1 }, { normalize = "rows" }) end))
    assert.truthy(msg(function() return metrics.confusion_matrix({ 1 }, { 1e7 }) end)
      :find("the largest label is 10000000; more than 10000 classes", 1, true))
    assert.equals("precision_recall_fscore_support: unknown option 'avg' (expected one of average, beta, " ..
      "labels, num_classes, pos_label, sample_weight, zero_division)",
      msg(function() return metrics.precision_recall_fscore_support({ 1 }, { 1 }, { avg = "macro" }) end))
    assert.equals("precision: average must be nil (per class), 'macro', 'micro', 'weighted' or 'binary', got mean",
      msg(function() return metrics.precision({ 1 }, { 1 }, { average = "mean" }) end))
    assert.equals("recall: zero_division must be 'warn', 0 or 1, got 2",
      msg(function() return metrics.recall({ 1 }, { 1 }, { zero_division = 2 }) end))
    assert.equals("precision: average = 'binary' needs at most 2 classes, the labels hold 3 (1, 2, 3); use " ..
      "average = 'macro', 'micro', 'weighted' or nil",
      msg(function() return metrics.precision({ 1, 2, 3 }, { 1, 2, 2 }, { average = "binary" }) end))
    assert.equals("precision: pos_label = 3 is not one of the labels (1, 2)",
      msg(function() return metrics.precision({ 1, 2 }, { 1, 2 }, { average = "binary", pos_label = 3 }) end))
    assert.truthy(msg(function() return metrics.precision({ 1, 2 }, { 1, 2 }, { pos_label = 1 }) end)
      :find("pos_label is only used with average = 'binary'", 1, true))
    assert.equals("fbeta_score: beta must be a number >= 0, got -1",
      msg(function() return metrics.fbeta_score({ 1 }, { 1 }, -1) end))
    assert.equals("accuracy: sample_weight has 1 values for 2 samples",
      msg(function() return metrics.accuracy({ 1, 2 }, { 1, 2 }, { sample_weight = { 1 } }) end))
    assert.equals("accuracy: sample_weight has a negative value at position 2",
      msg(function() return metrics.accuracy({ 1, 2 }, { 1, 2 }, { sample_weight = { 1, -1 } }) end))
    assert.equals("accuracy: sample_weight sums to zero",
      msg(function() return metrics.accuracy({ 1, 2 }, { 1, 2 }, { sample_weight = { 0, 0 } }) end))
    assert.equals("classification_report: 2 names for 3 classes",
      msg(function() return metrics.classification_report({ 1, 2, 3 }, { 1, 2, 3 }, { names = { "a", "b" } }) end))
    assert.equals("classification_report: names[2] is a number, expected a string",
      msg(function() return metrics.classification_report({ 1, 2 }, { 1, 2 }, { names = { "a", 2 } }) end))
    assert.equals("accuracy: options must be a table, got string",
      msg(function() return metrics.accuracy({ 1 }, { 1 }, "macro") end))
    assert.equals("ConfusionMatrix: num_classes must be an integer >= 1, got 0",
      msg(function() return metrics.ConfusionMatrix(0) end))
  end)
end)
