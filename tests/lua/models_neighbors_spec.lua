-- tide.models.KNeighborsClassifier / KNeighborsRegressor against scikit-learn 1.2 (fixtures from
-- tests/gen/gen_models_knn.py): neighbours, distances, votes and predictions for every metric
-- and weighting, dense and CSR; the GEMM search against the exact one on ties and duplicates;
-- accuracy on breast cancer, digits and wine with scikit-learn's split; save -> load; params;
-- bad input.
--
-- Tolerances: the search is exact (float64 distances of the shortlisted candidates), so the
-- neighbour indices must be identical and distances agree to 1e-9 relative; scikit-learn
-- computes euclidean distances through ||a||^2 + ||b||^2 - 2ab in float64 (~1e-13 relative
-- here). Probabilities and predictions derived from them agree to 1e-9.
local tide = require("tide")
local H = require("spec_helpers")
local M = tide.models
local ref = H.fixture("models_knn")
local splits = H.fixture("models_knn_splits")

local TOL = 1e-9
local DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv"
local HAVE_DATA = H.exists(DATA)

local function T(a, dtype) return H.tensor(a, dtype) end

local function labels_of(pred)
  if type(pred) == "table" and not tide.is_tensor(pred) then return pred end
  return H.flat(pred)
end

describe("KNeighborsClassifier and KNeighborsRegressor match scikit-learn", function()
  local Xtr, Xte = T(ref.Xtr, "float64"), T(ref.Xte, "float64")
  local y, yreg = T(ref.y), T(ref.yreg, "float64")

  for _, c in ipairs(ref.cases) do
    it(string.format("metric %s, p = %s: neighbours, distances, votes, predictions", c.metric, c.p), function()
      for _, weights in ipairs({ "uniform", "distance" }) do
        local params = { n_neighbors = c.k, metric = c.metric, p = c.p, weights = weights }
        local clf = M.KNeighborsClassifier(params):fit(Xtr, y)
        local dist, ind = clf:kneighbors(Xte)
        H.assert_matches(ind, c.ind, nil, c.metric .. " indices")
        H.assert_matches(dist, c.dist, TOL, c.metric .. " distances")
        assert.equal("int64", ind.dtype)
        H.assert_matches(clf:predict_proba(Xte), c[weights].proba, TOL, weights .. " proba")
        H.assert_matches(clf:predict(Xte), c[weights].pred, nil, weights .. " predict")
        local reg = M.KNeighborsRegressor(params):fit(Xtr, yreg)
        H.assert_matches(reg:predict(Xte), c[weights].reg, TOL, weights .. " regression")
      end
    end)
  end

  it("kneighbors() with no X queries the training set, each row not its own neighbour", function()
    local clf = M.KNeighborsClassifier({ n_neighbors = 3 }):fit(Xtr, y)
    local dist, ind = clf:kneighbors(nil, ref.self.k)
    H.assert_matches(ind, ref.self.ind, nil, "self indices")
    H.assert_matches(dist, ref.self.dist, 1e-7, "self distances")
    local only = clf:kneighbors(nil, 2, false)
    assert.is_true(tide.equal(only, ind[{ {}, { 1, 2 } }]))
  end)

  it("kneighbors_graph holds the neighbours (connectivity or distance) as CSR", function()
    local clf = M.KNeighborsClassifier({ n_neighbors = 4 }):fit(Xtr, y)
    local G = clf:kneighbors_graph(Xte, nil, "distance")
    assert.same({ 15, 60 }, G.shape)
    assert.equal(15 * 4, G.nnz)
    local D = G:to_dense()
    local dist, ind = clf:kneighbors(Xte)
    for i = 1, 15 do
      for c = 1, 4 do assert.equal(dist[i][c], D[i][ind[i][c]]) end
    end
    local C = clf:kneighbors_graph(nil, 3):to_dense()
    assert.is_true(tide.equal(C:sum(2), tide.full({ 60 }, 3, "float64")))
    for i = 1, 60 do assert.equal(0, C[i][i]) end
    H.assert_error(function() clf:kneighbors_graph(Xte, 2, "weights") end, 'mode must be "connectivity" or "distance"')
  end)

  it("sparse (CSR) training and query data give scikit-learn's neighbours and votes", function()
    local S = ref.sparse
    local Dtr, Dte = T(S.Xtr, "float64"), T(S.Xte, "float64")
    local Str, Ste = tide.sparse.from_dense(Dtr), tide.sparse.from_dense(Dte)
    for _, c in ipairs(S.cases) do
      local params = { n_neighbors = 5, metric = c.metric, weights = "distance" }
      local sparse_fit = M.KNeighborsClassifier(params):fit(Str, T(S.y))
      local dense_fit = M.KNeighborsClassifier(params):fit(Dtr, T(S.y))
      for _, combo in ipairs({ { sparse_fit, Ste }, { sparse_fit, Dte }, { dense_fit, Ste }, { dense_fit, Dte } }) do
        local dist, ind = combo[1]:kneighbors(combo[2])
        H.assert_matches(ind, c.ind, nil, c.metric .. " sparse indices")
        H.assert_matches(dist, c.dist, 1e-9, c.metric .. " sparse distances")
        H.assert_matches(combo[1]:predict_proba(combo[2]), c.proba, 1e-9, c.metric .. " sparse proba")
      end
    end
  end)

  it("equal distances go to the lower training index", function()
    local X = T(ref.ties.X, "float64")
    local clf = M.KNeighborsClassifier({ n_neighbors = 5 }):fit(X, { 0, 1, 1, 0, 0, 1, 1 })
    local dist, ind = clf:kneighbors(tide.tensor({ { 0, 0 } }, "float64"))
    H.assert_matches(dist, ref.ties.dist, 1e-12, "tie distances")
    assert.same({ 1, 2, 3, 4, 5 }, H.flat(ind))
  end)

  it("the GEMM search equals the exact search on data full of duplicates and ties", function()
    tide.manual_seed(7)
    -- small integer features: many exactly equal distances, and rows repeated
    local X = tide.randint(0, 3, { 700, 6 }):to("float64")
    local Q = tide.cat({ X[{ { 1, 50 } }], tide.randint(0, 3, { 50, 6 }):to("float64") })
    local y = tide.randint(0, 4, { 700 })
    for _, metric in ipairs({ "euclidean", "cosine" }) do
      local fast = M.KNeighborsClassifier({ n_neighbors = 9, metric = metric }):fit(X, y)
      local d1, i1 = fast:kneighbors(Q)
      -- the exact path: the same search through the CSR kernel (no GEMM)
      local exact = M.KNeighborsClassifier({ n_neighbors = 9, metric = metric }):fit(tide.sparse.from_dense(X), y)
      local d2, i2 = exact:kneighbors(Q)
      assert.is_true(tide.equal(i1, i2), metric .. ": indices differ")
      assert.is_true((d1 - d2):abs():max() < 1e-12, metric .. ": distances differ")
      local s1, j1 = fast:kneighbors(nil, 4)
      local s2, j2 = exact:kneighbors(nil, 4)
      assert.is_true(tide.equal(j1, j2), metric .. ": self-query indices differ")
    end
  end)

  it("data far from the origin (large offset, small spread) keeps exact neighbours", function()
    tide.manual_seed(3)
    local X = tide.randn(500, 8, "float64") + 1e6
    local Q = tide.randn(40, 8, "float64") + 1e6
    local fast = M.KNeighborsRegressor({ n_neighbors = 6 }):fit(X, tide.zeros(500, "float64"))
    local dist, ind = fast:kneighbors(Q)
    -- all-pairs reference: (q - x) is computed exactly here, so no cancellation
    local D = ((Q:reshape(40, 1, 8) - X:reshape(1, 500, 8)) ^ 2):sum(3)
    local sorted, order = D:sort(2)
    assert.is_true(tide.equal(ind, order[{ {}, { 1, 6 } }]))
    assert.is_true((dist - sorted[{ {}, { 1, 6 } }]:sqrt()):abs():max() < 1e-12)
  end)

  it("results do not depend on the thread count", function()
    tide.manual_seed(5)
    local X = tide.randn(3000, 20, "float64")
    local Q = tide.randn(700, 20, "float64")
    local y = tide.randint(0, 3, { 3000 })
    local saved = tide.threads()
    local out = {}
    for _, n in ipairs({ 1, 2 }) do
      tide.threads(n)
      local m = M.KNeighborsClassifier({ n_neighbors = 7, weights = "distance" }):fit(X, y)
      local d, i = m:kneighbors(Q)
      out[n] = { d, i, m:predict_proba(Q) }
    end
    tide.threads(saved)
    for j = 1, 3 do assert.is_true(tide.equal(out[1][j], out[2][j])) end
  end)

  it("string labels, Lua rows and float32 input", function()
    local clf = M.KNeighborsClassifier({ n_neighbors = 1 }):fit({ { 0, 0 }, { 1, 1 }, { 5, 5 } }, { "a", "b", "c" })
    assert.same({ "a", "c" }, clf:predict({ { 0.1, 0 }, { 4, 4.5 } }))
    local clf32 = M.KNeighborsClassifier({ n_neighbors = 3 }):fit(Xtr:to("float32"), y)
    local _, ind = clf32:kneighbors(Xte:to("float32"))
    local want = M.KNeighborsClassifier({ n_neighbors = 3 }):fit(Xtr:to("float32"):to("float64"), y)
    local _, ind2 = want:kneighbors(Xte:to("float32"):to("float64"))
    assert.is_true(tide.equal(ind, ind2))
  end)
end)

describe("k-NN on breast cancer, digits and wine (scikit-learn's split)", function()
  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    local it_ = HAVE_DATA and it or pending
    it_(name .. ": predictions and accuracy equal scikit-learn's", function()
      local s = splits[name]
      local X, y = tide.datasets.load((name:gsub("_", "-")))
      local tr, te = T(s.train), T(s.test)
      local Xtr, ytr, Xte, yte = X:index_select(1, tr), y:index_select(1, tr), X:index_select(1, te), y:index_select(1, te)
      for key, params in pairs({ knn = {}, knn_distance = { n_neighbors = 7, weights = "distance" },
        knn_manhattan = { metric = "manhattan" } }) do
        local m = M.KNeighborsClassifier(params):fit(Xtr, ytr)
        local want = s.models[key]
        H.assert_matches(m:predict(Xte), want.pred, nil, name .. " " .. key)
        assert.is_true(math.abs(m:score(Xte, yte) - want.accuracy) < 1e-12)
      end
      local reg = M.KNeighborsRegressor({ weights = "distance" }):fit(Xtr, Xtr[{ {}, 1 }])
      H.assert_matches(reg:predict(Xte), s.knn_regressor_pred, 1e-9, name .. " regressor")
    end)
  end
end)

describe("k-NN estimator contract", function()
  local Xtr, Xte, y = T(ref.Xtr, "float64"), T(ref.Xte, "float64"), T(ref.y)

  it("save -> tide.models.load -> identical predictions (dense and CSR)", function()
    local path = H.tmpname()
    for _, X in ipairs({ Xtr, tide.sparse.from_dense(Xtr) }) do
      local m = M.KNeighborsClassifier({ n_neighbors = 4, weights = "distance", metric = "cosine" }):fit(X, y)
      m:save(path)
      local m2 = M.load(path)
      assert.equal("KNeighborsClassifier", m2._name)
      assert.is_true(tide.equal(m:predict_proba(Xte), m2:predict_proba(Xte)))
      assert.same(m.classes_, m2.classes_)
      local r = M.KNeighborsRegressor({ n_neighbors = 2 }):fit(X, T(ref.yreg, "float64"))
      r:save(path)
      assert.is_true(tide.equal(r:predict(Xte), M.load(path):predict(Xte)))
    end
    os.remove(path)
  end)

  it("get_params / set_params / clone", function()
    local m = M.KNeighborsClassifier({ n_neighbors = 3, weights = "distance" })
    local p = m:get_params()
    assert.equal(3, p.n_neighbors)
    assert.equal("minkowski", p.metric)
    assert.equal(2, p.p)
    assert.equal("auto", p.algorithm)
    m:set_params({ n_neighbors = 7 })
    local c = m:clone()
    assert.equal(7, c.params.n_neighbors)
    assert.is_false(c:is_fitted())
    H.assert_error(function() m:set_params({ neighbours = 3 }) end, "unknown parameter 'neighbours'")
  end)

  it("bad input is a clear error", function()
    H.assert_error(function() M.KNeighborsClassifier({ n_neighbors = 0 }) end, "n_neighbors must be >= 1")
    H.assert_error(function() M.KNeighborsClassifier({ weights = "gaussian" }) end, "weights must be one of")
    H.assert_error(function() M.KNeighborsClassifier({ metric = "hamming" }) end, "metric must be one of")
    H.assert_error(function() M.KNeighborsClassifier({ p = 0 }) end, "p must be > 0")
    local nan = Xtr:clone()
    nan[2][3] = 0 / 0
    H.assert_error(function() M.KNeighborsClassifier():fit(nan, y) end, "KNeighborsClassifier.fit: X contains NaN or infinity")
    local m = M.KNeighborsClassifier():fit(Xtr, y)
    local inf = Xte:clone()
    inf[1][1] = math.huge
    H.assert_error(function() m:predict(inf) end, "X contains NaN or infinity")
    H.assert_error(function() m:predict(tide.zeros(2, 6, "float64")) end, "X has 6 features, but KNeighborsClassifier was fitted with 5")
    H.assert_error(function() M.KNeighborsClassifier():fit(Xtr, tide.ones(60, "int64")) end, "at least 2 classes")
    H.assert_error(function() M.KNeighborsRegressor():fit(Xtr, (function() local t = {} for i = 1, 60 do t[i] = "x" end return t end)()) end,
      "a regressor needs numeric targets")
    H.assert_error(function() M.KNeighborsClassifier():fit(tide.zeros(0, 5, "float64"), {}) end, "empty input")
    H.assert_error(function() M.KNeighborsClassifier({ n_neighbors = 61 }):fit(Xtr, y):predict(Xte) end,
      "n_neighbors = 61, n_samples_fit = 60")
    H.assert_error(function() m:kneighbors(nil, 60) end, "must be smaller than the 60 training samples")
    H.assert_error(function() M.KNeighborsClassifier():predict(Xte) end, "not fitted")
    H.assert_error(function() M.KNeighborsClassifier({ metric = "chebyshev" }):fit(tide.sparse.from_dense(Xtr), y) end,
      "not valid for sparse input")
    H.assert_error(function() m:fit(Xtr, { 1, 2 }) end, "y has 2 values but X has 60 rows")
  end)
end)
