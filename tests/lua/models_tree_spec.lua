-- tide.models.DecisionTreeClassifier / DecisionTreeRegressor against scikit-learn 1.2 (fixtures
-- from tests/gen/gen_models_tree.py): on data without ties (checked by the generator: five
-- random_state values give one tree) the whole tree_ is scikit-learn's — the same nodes in the
-- same order, the same features, bit-identical float32-midpoint thresholds and sample counts —
-- and values / impurities / importances / probabilities agree to 1e-12 (sums of the same
-- weights in another order). Then accuracy on the bundled data sets, the estimator contract,
-- sparse input and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local B = require("tide.models.base")
local M = tide.models

local F = H.fixture("models_tree")
local X, Xtest = H.tensor(F.X), H.tensor(F.Xtest)
local y3, yr = H.tensor(F.y3), H.tensor(F.yr)

local function fit_case(name)
  local c = F[name]
  local cls = name:match("^cls") and M.DecisionTreeClassifier or M.DecisionTreeRegressor
  local y = name:match("^cls") and y3 or yr
  return cls(c.params):fit(X, y, { sample_weight = c.sample_weight and H.tensor(c.sample_weight) }), c
end

local CASES = {}
for name, c in pairs(F) do
  if type(c) == "table" and type(c.tree) == "table" and (name:match("^cls_") or name:match("^reg_")) then
    CASES[#CASES + 1] = name
  end
end

-- gen_models_tree.py's minstd_data: integer features in [0, 50), labels, continuous weights
local function minstd_data(n, d)
  local s = 12345
  local function nxt() s = s * 48271 % 2147483647 return s end
  local Xm, ym, wm = tide.empty({ n, d }, "float64"), tide.empty({ n }, "int64"), tide.empty({ n }, "float64")
  for i = 1, n do
    local row = {}
    for j = 1, d do row[j] = nxt() % 50; Xm[{ i, j }] = row[j] end
    wm[i] = 0.5 + nxt() % 10007 / 10007
    local noise = nxt() % 5
    ym[i] = noise <= 1 and nxt() % 3 or ((row[1] + row[2] > 50) and 1 or 0) + ((row[3] > 30) and 1 or 0)
  end
  return Xm, ym, wm
end
table.sort(CASES)

describe("DecisionTree parity with scikit-learn", function()
  for _, name in ipairs(CASES) do
    it("grows scikit-learn's tree: " .. name, function()
      local m, c = fit_case(name)
      local t, ref = m.tree_, c.tree
      assert.are.equal(ref.node_count, t.node_count)
      assert.are.equal(ref.max_depth, m:get_depth())
      assert.are.equal(ref.n_leaves, m:get_n_leaves())
      for _, f in ipairs({ "children_left", "children_right", "feature", "threshold", "n_node_samples" }) do
        H.assert_matches(t[f], ref[f], nil, name .. " " .. f)
      end
      for _, f in ipairs({ "value", "impurity", "weighted_n_node_samples" }) do
        H.assert_matches(t[f], ref[f], 1e-12, name .. " " .. f)
      end
      H.assert_matches(m.feature_importances_, c.importances, 1e-12, name .. " feature_importances_")
      H.assert_matches(m:apply(Xtest), c.apply, nil, name .. " apply")
      if c.path_indptr then
        local dp = m:decision_path(Xtest)
        assert.are.same({ Xtest.shape[1], t.node_count }, dp.shape)
        H.assert_matches(dp.indptr, c.path_indptr, nil, name .. " decision_path indptr")
        H.assert_matches(dp.indices, c.path_indices, nil, name .. " decision_path indices")
        assert.are.equal(dp.nnz, dp.data:sum())
      end
      if name:match("^cls") then
        H.assert_matches(m:predict_proba(Xtest), c.proba, 1e-12, name .. " predict_proba")
        H.assert_matches(m:predict(Xtest), c.predict, nil, name .. " predict")
      else
        H.assert_matches(m:predict(Xtest), c.predict, 1e-12, name .. " predict")
      end
    end)
  end

  it("grows scikit-learn's tree on 6,000 samples of few distinct values (per-rank sums, subtrees)", function()
    -- large nodes sum class weights per rank instead of sorting; below 6000/32 samples the
    -- subtrees grow separately (in parallel) and are stitched back in scikit-learn's order
    local Xm, ym, wm = minstd_data(6000, 4)
    local c = F.hist_8bit
    local before = tide.threads()
    for _, threads in ipairs({ 1, 2 }) do
      tide.threads(threads)
      local m = M.DecisionTreeClassifier{ min_samples_leaf = 25 }:fit(Xm, ym, { sample_weight = wm })
      tide.threads(before)
      for _, f in ipairs({ "children_left", "children_right", "feature", "threshold", "n_node_samples" }) do
        H.assert_matches(m.tree_[f], c.tree[f], nil, "hist_8bit " .. f)
      end
      H.assert_matches(m.tree_.value, c.tree.value, 1e-11, "hist_8bit value")
      H.assert_matches(m.tree_.impurity, c.tree.impurity, 1e-11, "hist_8bit impurity")
      H.assert_matches(m:predict_proba(Xm:narrow(1, 1, 50)), c.proba, 1e-11, "hist_8bit predict_proba")
      assert.are.equal(c.tree.max_depth, m:get_depth())
    end
  end)

  it("grows scikit-learn's regression tree on 6,000 samples of few distinct values", function()
    local Xm, _, wm = minstd_data(6000, 4)
    local y = Xm:select(2, 1) + Xm:select(2, 2) * Xm:select(2, 3) * (0.5 / 50) + wm
    local c = F.hist_8bit_reg
    local m = M.DecisionTreeRegressor{ max_depth = 6 }:fit(Xm, y)
    for _, f in ipairs({ "children_left", "children_right", "feature", "threshold", "n_node_samples" }) do
      H.assert_matches(m.tree_[f], c.tree[f], nil, "hist_8bit_reg " .. f)
    end
    H.assert_matches(m.tree_.value, c.tree.value, 1e-11, "hist_8bit_reg value")
    H.assert_matches(m.tree_.impurity, c.tree.impurity, 1e-9, "hist_8bit_reg impurity")
  end)

  it("gives scikit-learn's cost-complexity pruning path", function()
    local m = M.DecisionTreeClassifier{ min_samples_leaf = 5, random_state = 0 }
    local path = m:cost_complexity_pruning_path(X, y3, { sample_weight = H.tensor(F.sw) })
    H.assert_matches(path.ccp_alphas, F.ccp_path.ccp_alphas, 1e-10, "ccp_alphas")
    H.assert_matches(path.impurities, F.ccp_path.impurities, 1e-10, "impurities")
    assert.is_false(m:is_fitted())
  end)

  it("grows until the leaves are pure and fits the training data exactly", function()
    local m = M.DecisionTreeClassifier():fit(X, y3)
    assert.are.equal(1, m:score(X, y3))
    local leaves = m.tree_.children_left:eq(-1)
    assert.is_true(m.tree_.impurity:masked_select(leaves):abs():max() < 1e-12)
    local r = M.DecisionTreeRegressor():fit(X, yr)
    assert.is_true((r:predict(X) - yr):abs():max() < 1e-12)
    assert.are.equal(F.X.shape[1], r:get_n_leaves()) -- distinct rows, distinct targets: one leaf each
  end)

  it("treats zero sample weights as absent samples", function()
    local w = tide.ones({ X.shape[1] }, "float64")
    w:narrow(1, 1, 40):zero_()
    local a = M.DecisionTreeClassifier{ max_depth = 4, min_samples_leaf = 5, random_state = 0 }:fit(X, y3, { sample_weight = w })
    local sub = X:narrow(1, 41, X.shape[1] - 40)
    local b = M.DecisionTreeClassifier{ max_depth = 4, min_samples_leaf = 5, random_state = 0 }:fit(sub, y3:narrow(1, 41, X.shape[1] - 40))
    assert.is_true(a.tree_.threshold:equal(b.tree_.threshold))
    assert.is_true(a:predict_proba(Xtest):allclose(b:predict_proba(Xtest)))
  end)
end)

describe("DecisionTree options", function()
  it("resolves max_features like scikit-learn and repeats a fit with the same random_state", function()
    local d = X.shape[2]
    local cases = { sqrt = math.floor(math.sqrt(d)), log2 = math.floor(math.log(d) / math.log(2)), [3] = 3,
      [0.5] = math.floor(0.5 * d) }
    for mf, want in pairs(cases) do
      local a = M.DecisionTreeClassifier{ max_features = mf, random_state = 7 }:fit(X, y3)
      assert.are.equal(want, a.max_features_)
      local b = M.DecisionTreeClassifier{ max_features = mf, random_state = 7 }:fit(X, y3)
      assert.is_true(a.tree_.threshold:equal(b.tree_.threshold))
    end
    assert.are.equal(d, M.DecisionTreeClassifier():fit(X, y3).max_features_)
    assert.are.equal(2, M.DecisionTreeClassifier{ max_features = "auto" }:fit(X, y3).max_features_)
    assert.are.equal(d, M.DecisionTreeRegressor{ max_features = "auto" }:fit(X, yr).max_features_)
  end)

  it("draws random thresholds with splitter = random, inside each node's value range", function()
    local a = M.DecisionTreeClassifier{ splitter = "random", random_state = 1 }:fit(X, y3)
    local b = M.DecisionTreeClassifier{ splitter = "random", random_state = 1 }:fit(X, y3)
    local c = M.DecisionTreeClassifier{ splitter = "random", random_state = 2 }:fit(X, y3)
    assert.is_true(a.tree_.threshold:equal(b.tree_.threshold))
    assert.is_false(a.tree_.node_count == c.tree_.node_count and a.tree_.threshold:equal(c.tree_.threshold))
    assert.are.equal(1, a:score(X, y3))
    -- the root threshold lies between the smallest and largest value of its feature
    local f, thr = a.tree_.feature[1] + 1, a.tree_.threshold[1]
    local col = X:select(2, f)
    assert.is_true(thr >= col:min() and thr < col:max())
  end)

  it("stops at max_depth, min_samples_leaf and max_leaf_nodes", function()
    local m = M.DecisionTreeRegressor{ max_depth = 3 }:fit(X, yr)
    assert.are.equal(3, m:get_depth())
    m = M.DecisionTreeRegressor{ min_samples_leaf = 20 }:fit(X, yr)
    local leaves = m.tree_.children_left:eq(-1)
    assert.is_true(m.tree_.n_node_samples:masked_select(leaves):min() >= 20)
    m = M.DecisionTreeClassifier{ max_leaf_nodes = 5 }:fit(X, y3)
    assert.are.equal(5, m:get_n_leaves())
  end)

  it("accepts string labels and class_weight tables", function()
    local names = { "low", "mid", "high" }
    local ys = {}
    for i = 1, y3:numel() do ys[i] = names[y3[i] + 1] end
    local m = M.DecisionTreeClassifier{ max_depth = 3, class_weight = { high = 2, low = 1 } }:fit(X, ys)
    assert.are.same({ "high", "low", "mid" }, m.classes_)
    local p = m:predict(Xtest)
    assert.are.equal("string", type(p[1]))
    assert.are.equal(Xtest.shape[1], #p)
  end)

  it("gives the same tree for CSR input as for dense input", function()
    local Xs = X:clone()
    Xs:masked_fill_(Xs:abs():lt(0.5), 0)
    local dense = M.DecisionTreeClassifier{ max_depth = 5, random_state = 0 }:fit(Xs, y3)
    local sparse = M.DecisionTreeClassifier{ max_depth = 5, random_state = 0 }:fit(tide.sparse.from_dense(Xs), y3)
    assert.is_true(dense.tree_.threshold:equal(sparse.tree_.threshold))
    assert.is_true(dense:predict_proba(Xtest):equal(sparse:predict_proba(tide.sparse.from_dense(Xtest))))
  end)

  it("predicts log probabilities and accepts float32 and Lua-table input", function()
    local m = M.DecisionTreeClassifier{ max_depth = 2 }:fit(X:to("float32"), y3)
    local lp = m:predict_log_proba(Xtest)
    assert.is_true(lp:exp():allclose(m:predict_proba(Xtest)))
    local rows = { { 0, 0, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1, 1 } }
    assert.are.equal(2, m:predict(rows):numel())
  end)
end)

describe("DecisionTree on the bundled data sets", function()
  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    it("is as accurate as scikit-learn on " .. name, function()
      local ok, Xd, yd = pcall(tide.datasets.load, (name:gsub("_", "-")))
      if not ok then pending(name .. " is not available: " .. tostring(Xd)) return end
      local ref = F["data_" .. name]
      local test = H.tensor(ref.test)
      local train = tide.ones(yd:numel()):scatter(1, test, 0):ne(0):nonzero():reshape(-1)
      -- a single tree's accuracy moves by a few points with the random feature order that breaks
      -- ties (scikit-learn's own does), so both sides are averaged over five random_state values
      local acc = 0
      for s = 0, 4 do
        local m = M.DecisionTreeClassifier{ random_state = s }:fit(Xd:index_select(1, train), yd:index_select(1, train))
        acc = acc + m:score(Xd:index_select(1, test), yd:index_select(1, test)) / 5
      end
      assert.is_true(acc >= ref.tree - 0.02, string.format("%s: accuracy %.4f, scikit-learn %.4f", name, acc, ref.tree))
    end)
  end
end)

describe("DecisionTree estimator contract", function()
  it("has scikit-learn's defaults", function()
    local p = M.DecisionTreeClassifier():get_params()
    assert.are.equal("gini", p.criterion)
    assert.are.equal("best", p.splitter)
    assert.are.equal(B.NONE, p.max_depth)
    assert.are.equal(2, p.min_samples_split)
    assert.are.equal(1, p.min_samples_leaf)
    assert.are.equal(0, p.min_weight_fraction_leaf)
    assert.are.equal(B.NONE, p.max_features)
    assert.are.equal(B.NONE, p.max_leaf_nodes)
    assert.are.equal(0, p.min_impurity_decrease)
    assert.are.equal(B.NONE, p.class_weight)
    assert.are.equal(0, p.ccp_alpha)
    assert.are.equal("squared_error", M.DecisionTreeRegressor():get_params().criterion)
    assert.is_nil(M.DecisionTreeRegressor():get_params().class_weight)
    assert.are.equal("DecisionTreeClassifier(max_depth=3)", tostring(M.DecisionTreeClassifier{ max_depth = 3 }))
  end)

  it("set_params, clone and save -> load keep the model", function()
    local m = M.DecisionTreeClassifier():set_params{ max_depth = 4, criterion = "entropy" }
    local c = m:clone()
    assert.are.equal(4, c.params.max_depth)
    assert.is_false(c:is_fitted())
    m:fit(X, y3)
    local path = H.tmpname() .. ".safetensors"
    m:save(path)
    local back = tide.models.load(path)
    os.remove(path)
    assert.are.equal("DecisionTreeClassifier", back._name)
    assert.is_true(back:predict_proba(Xtest):equal(m:predict_proba(Xtest)))
    assert.is_true(back:predict(Xtest):equal(m:predict(Xtest)))
    assert.is_true(back:apply(Xtest):equal(m:apply(Xtest)))
    assert.are.equal(m:get_depth(), back:get_depth())
    local r = M.DecisionTreeRegressor{ max_depth = 6 }:fit(X, yr)
    r:save(path)
    local rb = tide.models.load(path)
    os.remove(path)
    assert.is_true(rb:predict(Xtest):equal(r:predict(Xtest)))
    assert.is_true(rb.feature_importances_:equal(r.feature_importances_))
  end)

  it("scores with accuracy and R^2", function()
    local m = M.DecisionTreeRegressor{ max_depth = 3 }:fit(X, yr)
    local pred = m:predict(X)
    local r2 = 1 - ((yr - pred) ^ 2):sum() / ((yr - yr:mean()) ^ 2):sum()
    assert.is_true(math.abs(m:score(X, yr) - r2) < 1e-12)
  end)
end)

describe("DecisionTree bad input", function()
  local function nan_X()
    local Z = X:clone()
    Z[{ 3, 2 }] = 0 / 0
    return Z
  end
  it("names the operation and the problem", function()
    H.assert_error(function() M.DecisionTreeClassifier():fit(nan_X(), y3) end, "DecisionTreeClassifier.fit", "NaN or infinity")
    local Inf = X:clone()
    Inf[{ 1, 1 }] = 1 / 0
    H.assert_error(function() M.DecisionTreeRegressor():fit(Inf, yr) end, "DecisionTreeRegressor.fit", "NaN or infinity")
    H.assert_error(function() M.DecisionTreeClassifier():fit(X, tide.zeros({ X.shape[1] }, "int64")) end,
      "at least 2 classes")
    H.assert_error(function() M.DecisionTreeRegressor():fit(X, { "a", "b" }) end, "DecisionTreeRegressor.fit")
    local ys = {}
    for i = 1, X.shape[1] do ys[i] = "c" .. i % 3 end
    H.assert_error(function() M.DecisionTreeRegressor():fit(X, ys) end, "numeric targets")
    H.assert_error(function() M.DecisionTreeClassifier():fit(tide.zeros({ 0, 3 }), {}) end, "empty")
    H.assert_error(function() M.DecisionTreeClassifier():fit(X, y3:narrow(1, 1, 10)) end, "y has 10 values")
    local m = M.DecisionTreeClassifier{ max_depth = 2 }:fit(X, y3)
    H.assert_error(function() m:predict(tide.zeros({ 2, 7 })) end, "X has 7 features", "fitted with 6")
    H.assert_error(function() m:predict(nan_X()) end, "DecisionTreeClassifier.predict", "NaN")
    H.assert_error(function() M.DecisionTreeClassifier():predict(X) end, "not fitted")
  end)

  it("rejects bad parameters", function()
    H.assert_error(function() M.DecisionTreeClassifier{ criterion = "squared_error" } end, "criterion")
    H.assert_error(function() M.DecisionTreeRegressor{ criterion = "gini" } end, "criterion")
    H.assert_error(function() M.DecisionTreeClassifier{ max_depth = 0 } end, "max_depth")
    H.assert_error(function() M.DecisionTreeClassifier{ min_samples_split = 1.5 } end, "min_samples_split")
    H.assert_error(function() M.DecisionTreeClassifier{ min_samples_leaf = 0 } end, "min_samples_leaf")
    H.assert_error(function() M.DecisionTreeClassifier{ max_features = "all" } end, "max_features")
    H.assert_error(function() M.DecisionTreeClassifier{ splitter = "worst" } end, "splitter")
    H.assert_error(function() M.DecisionTreeClassifier{ max_leaf_nodes = 1 } end, "max_leaf_nodes")
    H.assert_error(function() M.DecisionTreeClassifier{ ccp_alpha = -0.1 } end, "ccp_alpha")
    H.assert_error(function() M.DecisionTreeClassifier{ min_weight_fraction_leaf = 0.6 } end, "min_weight_fraction_leaf")
    H.assert_error(function() M.DecisionTreeClassifier{ depth = 3 } end, "unknown parameter 'depth'")
    H.assert_error(function() M.DecisionTreeClassifier{ max_features = 9 }:fit(X, y3) end, "max_features")
    H.assert_error(function() M.DecisionTreeClassifier{ class_weight = { nope = 1 } }:fit(X, y3) end, "class_weight")
  end)

  it("refuses a corrupted tree instead of walking out of it", function()
    local m = M.DecisionTreeClassifier{ max_depth = 3 }:fit(X, y3)
    m.tree_.children_left[1] = 1000
    H.assert_error(function() m:predict(Xtest) end, "forest_predict", "children")
    local m2 = M.DecisionTreeClassifier{ max_depth = 3 }:fit(X, y3)
    m2.tree_.feature[1] = 99
    H.assert_error(function() m2:apply(Xtest) end, "forest_apply", "feature 99")
  end)
end)
