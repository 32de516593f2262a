-- tide.models.HistGradientBoostingClassifier / Regressor against scikit-learn 1.2 (fixtures from
-- tests/gen/gen_models_hgb.py): bin thresholds bit for bit, every tree of small fits (structure
-- exact, leaf values to 1e-9: gradients are float32 in both, sums in double in another order),
-- predictions, early stopping, accuracy on the bundled data sets; the estimator contract; bad
-- input.
local tide = require("tide")
local H = require("spec_helpers")
local B = require("tide.models.base")
local M = tide.models
local C = require("tide._core").C

local F = H.fixture("models_hgb")
local X, Xtest = H.tensor(F.X), H.tensor(F.Xtest)

-- fixture parameters as Lua parameters (Python's None is missing from the fixture table)
local function params_of(p, extra)
  local out = {}
  for k, v in pairs(p) do out[k] = v end
  for k, v in pairs(extra or {}) do out[k] = v end
  return out
end

local FIELDS = { value = 0, count = 1, feature_idx = 2, num_threshold = 3, missing_go_to_left = 4, left = 5,
  right = 6, is_leaf = 9, bin_threshold = 10 }

-- every tree of model equals scikit-learn's (nodes in the same preorder)
local function assert_trees(model, ref_trees)
  local nodes, offs = model.nodes_, model.tree_offsets_
  assert.are.equal(#ref_trees, offs:numel() - 1)
  for t, ref in ipairs(ref_trees) do
    local first, size = offs[t], offs[t + 1] - offs[t]
    assert.are.equal(#ref.value.data, size, "tree " .. t .. " node count")
    local tree = nodes:narrow(1, first + 1, size)
    for field, col in pairs(FIELDS) do
      local got = tree:select(2, col + 1)
      local tol = (field == "value") and 1e-9 or nil
      if field == "feature_idx" or field == "left" or field == "right" or field == "bin_threshold"
          or field == "num_threshold" or field == "missing_go_to_left" then
        -- only split nodes carry these (scikit-learn leaves zeros in leaves, as Tide does)
        got = got:clone():masked_fill(tree:select(2, 10):ne(0), 0)
      end
      local ref_t = H.tensor(ref[field], "float64")
      if field ~= "value" and field ~= "count" and field ~= "is_leaf" then
        ref_t = ref_t:masked_fill(H.tensor(ref.is_leaf):ne(0), 0)
      end
      H.assert_matches(got, { shape = ref_t.shape, data = H.flat(ref_t) }, tol, "tree " .. t .. " " .. field)
    end
  end
end

describe("HistGradientBoosting binning", function()
  local Xb = H.tensor(F.bins_X)
  for _, mb in ipairs({ 16, 255 }) do
    it("matches scikit-learn's _BinMapper thresholds and bins with max_bins = " .. mb, function()
      local ref = F["bins_" .. mb]
      local d = Xb.shape[2]
      local thr = tide.empty({ d, mb - 1 }, "float64")
      local nbm = tide.empty({ d }, "int32")
      assert.are.equal(0, C.tide_boost_bin_thresholds(Xb._c, mb, 200000, 0, thr._c, nbm._c))
      for j = 1, d do
        local want = ref.thresholds[j]
        assert.are.equal(want.shape[1] + 1, nbm[j], "feature " .. j .. " bin count")
        assert.are.equal(ref.n_bins_non_missing.data[j], nbm[j])
        -- bit-identical thresholds (same float steps as NumPy's percentile)
        H.assert_matches(thr[j]:narrow(1, 1, want.shape[1]), want, nil, "feature " .. j .. " thresholds")
      end
      local wrap = require("tide._core").wrap
      local cols = wrap(C.tide_boost_bin_map(Xb._c, thr._c, nbm._c, mb, nil))
      H.assert_matches(cols:t(), ref.binned, nil, "binned columns")
      local blocks = wrap(C.tide_boost_bin_blocks(cols._c, nil))
      assert.are.same({ 1, Xb.shape[1], 64 }, blocks.shape) -- blocks of 64 features
      H.assert_matches(blocks:select(1, 1):narrow(2, 1, d), ref.binned, nil, "binned blocks")
    end)
  end

  it("bins missing values into the last bin and rejects bad arguments", function()
    local x = tide.tensor({ { 0 / 0 }, { 1 }, { 2 } }, "float64")
    local thr, nbm = tide.empty({ 1, 3 }, "float64"), tide.empty({ 1 }, "int32")
    assert.are.equal(0, C.tide_boost_bin_thresholds(x._c, 4, 0, 0, thr._c, nbm._c))
    assert.are.equal(2, nbm[1])
    assert.are.equal(1.5, thr[{ 1, 1 }])
    local b = require("tide._core").wrap(C.tide_boost_bin_map(x._c, thr._c, nbm._c, 4, nil))
    assert.are.same({ { 4, 0, 1 } }, b:to("int64"):totable())
    assert.are_not.equal(0, C.tide_boost_bin_thresholds(x._c, 300, 0, 0, thr._c, nbm._c))
    assert.truthy(require("ffi").string(C.tide_last_error()):find("max_bins"))
  end)
end)

describe("HistGradientBoosting tree growing", function()
  it("grows the same trees from the blocked layout (small nodes) as from the columns", function()
    local ffi = require("ffi")
    local wrap = require("tide._core").wrap
    tide.manual_seed(3)
    local n, d, mb = 6000, 70, 63
    local x = tide.randn(n, d, "float64")
    x:narrow(2, 5, 1):masked_fill_(tide.rand(n, 1, "float64"):lt(0.2), 0 / 0)
    local thr, nbm = tide.empty({ d, mb - 1 }, "float64"), tide.empty({ d }, "int32")
    assert.are.equal(0, C.tide_boost_bin_thresholds(x._c, mb, 0, 0, thr._c, nbm._c))
    local cols = wrap(C.tide_boost_bin_map(x._c, thr._c, nbm._c, mb, nil))
    local blocks = wrap(C.tide_boost_bin_blocks(cols._c, nil))
    local has_missing = x:isnan():any(1):to("uint8")
    local grad = (x:select(2, 1) + x:select(2, 2):sin()):to("float32"):reshape(1, n):contiguous()
    local hess = tide.rand(1, n):add(0.5):contiguous()
    local p = ffi.new("tide_boost_tree_params")
    p.max_leaf_nodes, p.max_depth, p.min_samples_leaf, p.n_bins = 63, 0, 10, mb + 1
    p.min_hessian_to_split, p.shrinkage, p.loss = 1e-3, 0.1, 2
    local function grow(b)
      local raw = tide.zeros(n, 1, "float64")
      local nodes, cnt = tide.empty({ 125, 11 }, "float64"), tide.empty({ 1 }, "int64")
      assert.are.equal(0, C.tide_boost_grow(cols._c, b and b._c or nil, grad._c, hess._c, thr._c, nbm._c,
        has_missing._c, nil, nil, raw._c, nodes._c, cnt._c, p))
      return nodes:narrow(1, 1, cnt[1]), raw
    end
    local a, ra = grow(blocks)
    local b, rb = grow(nil)
    assert.are.equal(125, a.shape[1]) -- 63 leaves: many small nodes took the blocked path
    for _, col in ipairs({ 2, 3, 4, 5, 6, 7, 10, 11 }) do -- structure: exact
      assert.is_true(a:select(2, col):equal(b:select(2, col)), "column " .. col)
    end
    assert.is_true(a:select(2, 1):allclose(b:select(2, 1), 1e-12, 1e-12)) -- values: sums in another order
    assert.is_true(ra:allclose(rb, 1e-12, 1e-12))
  end)
end)

describe("HistGradientBoosting parity with scikit-learn", function()
  it("grows the same trees for a binary classifier (missing values included)", function()
    local c = F.binary
    local m = M.HistGradientBoostingClassifier(params_of(c.params)):fit(X, H.tensor(F.y2))
    assert.are.equal(c.n_iter, m.n_iter_)
    H.assert_matches(m.baseline_prediction_, c.baseline, 1e-12, "baseline")
    assert_trees(m, c.trees)
    H.assert_matches(m:decision_function(Xtest), c.decision, 1e-9, "decision_function")
    H.assert_matches(m:predict_proba(Xtest), c.proba, 1e-9, "predict_proba")
    H.assert_matches(m:predict(Xtest), c.predict, nil, "predict")
  end)

  it("grows the same trees for a multiclass classifier (softmax, one tree per class)", function()
    local c = F.multiclass
    local m = M.HistGradientBoostingClassifier(params_of(c.params)):fit(X, H.tensor(F.y3))
    assert.are.equal(3, m.n_trees_per_iteration_)
    H.assert_matches(m.baseline_prediction_, c.baseline, 1e-12, "baseline")
    assert_trees(m, c.trees)
    H.assert_matches(m:decision_function(Xtest), c.decision, 1e-9, "decision_function")
    H.assert_matches(m:predict_proba(Xtest), c.proba, 1e-9, "predict_proba")
    H.assert_matches(m:predict(Xtest), c.predict, nil, "predict")
  end)

  it("grows the same trees for a weighted squared-error regressor", function()
    local c = F.regression_weighted
    local m = M.HistGradientBoostingRegressor(params_of(c.params)):fit(X, H.tensor(F.yr), { sample_weight = H.tensor(F.w) })
    assert_trees(m, c.trees)
    H.assert_matches(m:predict(Xtest), c.predict, 1e-9, "predict")
  end)

  it("grows the same trees for an absolute-error regressor (median leaves)", function()
    local c = F.regression_absolute
    local m = M.HistGradientBoostingRegressor(params_of(c.params)):fit(X, H.tensor(F.yr))
    H.assert_matches(m.baseline_prediction_, c.baseline, 1e-12, "baseline")
    assert_trees(m, c.trees)
    H.assert_matches(m:predict(Xtest), c.predict, 1e-9, "predict")
  end)

  it("stops early at the same iteration on the training loss", function()
    local c = F.early_stopping
    local m = M.HistGradientBoostingClassifier(params_of(c.params, { validation_fraction = B.NONE })):fit(X, H.tensor(F.y2))
    assert.are.equal(c.n_iter, m.n_iter_)
    assert.is_true(m.do_early_stopping_)
    H.assert_matches(m.train_score_, c.train_score, 1e-9, "train_score_")
    assert.are.equal(0, m.validation_score_:numel())
    H.assert_matches(m:decision_function(Xtest), c.decision, 1e-8, "decision_function")
  end)

  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    it("is as accurate as scikit-learn on " .. name, function()
      local ok, Xd, yd = pcall(tide.datasets.load, (name:gsub("_", "-")))
      if not ok then pending(name .. " is not available: " .. tostring(Xd)) return end
      local ref = F["data_" .. name]
      local test = H.tensor(ref.test)
      local train = tide.ones(yd:numel()):scatter(1, test, 0):ne(0):nonzero():reshape(-1)
      local y0 = yd - 1 -- the registry's classes are 1-based; scikit-learn's 0-based
      local m = M.HistGradientBoostingClassifier{ random_state = 0 }:fit(Xd:index_select(1, train), y0:index_select(1, train))
      local pred = m:predict(Xd:index_select(1, test))
      local acc = pred:eq(y0:index_select(1, test)):to("float64"):mean()
      assert.is_true(acc >= ref.accuracy - 0.01, string.format("%s: accuracy %.4f, scikit-learn %.4f", name, acc, ref.accuracy))
      -- no early stopping below 10,000 rows: the same deterministic model as scikit-learn
      local same = pred:eq(H.tensor(ref.predict)):to("float64"):mean()
      assert.is_true(same >= 0.99, string.format("%s: %.4f of predictions agree with scikit-learn", name, same))
    end)
  end
end)

describe("HistGradientBoosting estimators", function()
  local y2 = H.tensor(F.y2)

  it("has scikit-learn's defaults and checks its parameters", function()
    local m = M.HistGradientBoostingClassifier()
    local p = m:get_params()
    assert.are.equal(0.1, p.learning_rate)
    assert.are.equal(100, p.max_iter)
    assert.are.equal(31, p.max_leaf_nodes)
    assert.are.equal(20, p.min_samples_leaf)
    assert.are.equal(255, p.max_bins)
    assert.are.equal("auto", p.early_stopping)
    assert.are.equal(B.NONE, p.max_depth)
    H.assert_error(function() M.HistGradientBoostingClassifier{ learning_rate = 0 } end, "learning_rate must be > 0")
    H.assert_error(function() M.HistGradientBoostingClassifier{ max_bins = 256 } end, "max_bins must be <= 255")
    H.assert_error(function() M.HistGradientBoostingRegressor{ loss = "huber" } end, "loss must be one of")
    H.assert_error(function() M.HistGradientBoostingClassifier{ max_leaf_nodes = 1 } end, "max_leaf_nodes must be >= 2")
    H.assert_error(function() M.HistGradientBoostingClassifier{ nope = 1 } end, "unknown parameter 'nope'")
    H.assert_error(function() M.HistGradientBoostingClassifier{ categorical_features = { 1 } } end, "not supported")
  end)

  it("get_params / set_params / clone", function()
    local m = M.HistGradientBoostingRegressor{ max_iter = 7 }
    m:set_params{ learning_rate = 0.2 }
    local c = m:clone()
    assert.are.equal(7, c:get_params().max_iter)
    assert.are.equal(0.2, c:get_params().learning_rate)
    assert.is_false(c:is_fitted())
  end)

  it("saves and loads with identical predictions", function()
    local m = M.HistGradientBoostingClassifier{ max_iter = 5 }:fit(X, H.tensor(F.y3))
    local path = H.tmpname() .. ".safetensors"
    m:save(path)
    local l = M.load(path)
    os.remove(path)
    assert.are.equal("HistGradientBoostingClassifier", l._name)
    assert.is_true(l:predict_proba(Xtest):equal(m:predict_proba(Xtest)))
    assert.are.same(H.flat(m:predict(Xtest)), H.flat(l:predict(Xtest)))
    local r = M.HistGradientBoostingRegressor{ max_iter = 5 }:fit(X, H.tensor(F.yr))
    r:save(path)
    local rl = M.load(path)
    os.remove(path)
    assert.is_true(rl:predict(Xtest):equal(r:predict(Xtest)))
  end)

  it("accepts string labels and decodes predictions", function()
    local labels = {}
    for i = 1, y2:numel() do labels[i] = y2[i] == 1 and "yes" or "no" end
    local m = M.HistGradientBoostingClassifier{ max_iter = 5 }:fit(X, labels)
    assert.are.same({ "no", "yes" }, m.classes_)
    local pred = m:predict(Xtest)
    assert.are.equal("string", type(pred[1]))
    assert.are.equal(Xtest.shape[1], #pred)
  end)

  it("staged predictions end at predict's", function()
    local m = M.HistGradientBoostingClassifier{ max_iter = 4 }:fit(X, H.tensor(F.y3))
    local n, last = 0, nil
    for p in m:staged_predict_proba(Xtest) do n, last = n + 1, p end
    assert.are.equal(4, n)
    assert.is_true(last:allclose(m:predict_proba(Xtest), 1e-12, 1e-12))
    local r = M.HistGradientBoostingRegressor{ max_iter = 3 }:fit(X, H.tensor(F.yr))
    local k, lp = 0, nil
    for p in r:staged_predict(Xtest) do k, lp = k + 1, p end
    assert.are.equal(3, k)
    assert.is_true(lp:allclose(r:predict(Xtest), 1e-12, 1e-12))
  end)

  it("early stopping holds out a stratified validation set and records scores", function()
    local m = M.HistGradientBoostingClassifier{ max_iter = 30, early_stopping = true, random_state = 1,
      n_iter_no_change = 2, tol = 1e-2 }:fit(X, y2)
    assert.is_true(m.do_early_stopping_)
    assert.are.equal(m.n_iter_ + 1, m.train_score_:numel())
    assert.are.equal(m.n_iter_ + 1, m.validation_score_:numel())
    assert.is_true(m.n_iter_ < 30)
    -- the same random_state gives the same model
    local m2 = M.HistGradientBoostingClassifier{ max_iter = 30, early_stopping = true, random_state = 1,
      n_iter_no_change = 2, tol = 1e-2 }:fit(X, y2)
    assert.is_true(m2:predict_proba(Xtest):equal(m:predict_proba(Xtest)))
  end)

  it("rejects bad input with clear errors", function()
    local m = M.HistGradientBoostingClassifier{ max_iter = 2 }
    H.assert_error(function() m:predict(X) end, "not fitted")
    H.assert_error(function() m:fit(X, tide.zeros(X.shape[1], "int64")) end, "only one class")
    H.assert_error(function() m:fit(tide.empty({ 0, 3 }, "float64"), {}) end, "empty")
    H.assert_error(function() m:fit(X, tide.zeros(5, "int64")) end, "y has 5 values")
    m:fit(X, y2)
    H.assert_error(function() m:predict(tide.zeros(3, 5, "float64")) end, "X has 5 features", "fitted with 4")
    local r = M.HistGradientBoostingRegressor{ max_iter = 2 }
    local labels = {}
    for i = 1, X.shape[1] do labels[i] = "s" .. i end
    H.assert_error(function() r:fit(X, labels) end, "numeric targets")
    H.assert_error(function() r:fit(X, H.tensor(F.yr) / 0) end, "NaN or infinity")
  end)

  it("rejects sparse input (as scikit-learn) and a corrupted saved tree", function()
    local m = M.HistGradientBoostingClassifier{ max_iter = 3 }
    H.assert_error(function() m:fit(tide.sparse.from_dense(X:masked_fill(X:isnan(), 0)), y2) end,
      "does not accept sparse input")
    m:fit(X, y2)
    local bad = m.nodes_:clone()
    bad[{ 1, 6 }] = 0 -- the first root's left child: itself
    m.state.nodes_ = bad
    H.assert_error(function() m:predict(Xtest) end, "malformed")
    bad[{ 1, 6 }] = 1
    bad[{ 1, 3 }] = 99 -- a feature that does not exist
    H.assert_error(function() m:predict(Xtest) end, "malformed")
  end)

  it("handles NaN features at predict time for features without missing values in training", function()
    local Xc = X:clone():masked_fill(X:isnan(), 0)
    local m = M.HistGradientBoostingRegressor{ max_iter = 3 }:fit(Xc, H.tensor(F.yr))
    local q = Xtest:clone():fill_(0 / 0)
    local p = m:predict(q)
    assert.is_true(p:isfinite():all())
  end)
end)
