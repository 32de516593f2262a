-- tide.models.KMeans against scikit-learn 1.2 (fixtures from tests/gen/gen_models_decomp.py):
-- Lloyd from given initial centres on blobs, weighted blobs, float32, CSR, wine and digits
-- (labels, centres, inertia, n_iter, transform, score); seeded k-means++ / random inits reach
-- scikit-learn's best inertia; dense and CSR agree; save -> load; params; bad input.
--
-- Tolerance 1e-9 relative on centres and inertia: from the same initial centres both run the
-- same assignments and means in float64; they differ only in summation order (the distance
-- products, per-thread sums), a few ulps per iteration. Labels must match exactly.
local tide = require("tide")
local H = require("spec_helpers")
local M = tide.models
local ref = H.fixture("models_decomp")

local TOL = 1e-9
local HAVE_DATA = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv")

local function T(a, dtype) return H.tensor(a, dtype) end

local function csr(c)
  return tide.sparse.csr(T(c.data, "float64"), T(c.indices, "int32"), T(c.indptr, "int64"), c.shape)
end

-- the rows (1-based) of X as a tensor of initial centres
local function rows(X, idx)
  return X:index_select(1, tide.tensor(idx, "int64"))
end

local function check_fit(km, want, X, opts, what)
  H.assert_matches(km.labels_, want.labels, nil, what .. " labels")
  H.assert_matches(km.cluster_centers_, want.centers, TOL, what .. " centers")
  assert.is_true(math.abs(km.inertia_ - want.inertia) <= TOL * want.inertia, what .. " inertia")
  assert.equals(want.n_iter, km.n_iter_, what .. " n_iter")
  if want.transform5 then H.assert_matches(km:transform(X[{ { 1, 5 } }]), want.transform5, TOL, what .. " transform") end
  if want.score then
    assert.is_true(math.abs(km:score(X, nil, opts) - want.score) <= TOL * math.abs(want.score), what .. " score")
  end
  H.assert_matches(km:predict(X), want.labels, nil, what .. " predict")
end

describe("KMeans matches scikit-learn from given initial centres", function()
  local X = T(ref.blobs.X, "float64")

  it("blobs: labels, centres, inertia, n_iter, transform, score", function()
    local want = ref.km_blobs
    local km = M.KMeans{ n_clusters = 4, init = rows(X, want.init_rows) }:fit(X)
    check_fit(km, want, X, nil, "blobs")
  end)

  it("with sample weights", function()
    local want = ref.km_blobs_weighted
    local w = T(want.sample_weight, "float64")
    local km = M.KMeans{ n_clusters = 4, init = rows(X, want.init_rows) }:fit(X, nil, { sample_weight = w })
    check_fit(km, want, X, { sample_weight = w }, "weighted")
  end)

  it("float32 data stay float32", function()
    local want = ref.km_blobs_f32
    local X32 = X:to("float32")
    local km = M.KMeans{ n_clusters = 4, init = rows(X32, ref.km_blobs.init_rows) }:fit(X32)
    assert.equals("float32", km.cluster_centers_.dtype)
    H.assert_matches(km.labels_, want.labels, nil, "f32 labels")
    H.assert_matches(km.cluster_centers_, want.centers, 1e-5, "f32 centers")
    assert.is_true(math.abs(km.inertia_ - want.inertia) <= 1e-5 * want.inertia)
    assert.equals("int64", km:predict(X32).dtype)
  end)

  it("CSR input (not centred, as scikit-learn) and the same matrix dense", function()
    local want = ref.km_sparse
    local S = csr(ref.sparse)
    local init = rows(S:to_dense("float64"), want.init_rows)
    local km = M.KMeans{ n_clusters = 3, init = init }:fit(S)
    check_fit(km, want, S:to_dense("float64"), nil, "sparse")
    H.assert_matches(km:transform(S:rows({ 1, 2, 3, 4, 5 })), want.transform5, TOL, "sparse transform")
    H.assert_matches(km:predict(S), want.labels, nil, "sparse predict")
    local kd = M.KMeans{ n_clusters = 3, init = init }:fit(S:to_dense("float64"))
    H.assert_matches(kd.labels_, want.labels, nil, "dense copy labels")
    assert.is_true((kd.cluster_centers_ - km.cluster_centers_):abs():max() < 1e-12)
  end)

  local it_ = HAVE_DATA and it or pending
  for _, name in ipairs({ "wine", "digits" }) do
    it_(name .. " (Debian's scikit-learn copy)", function()
      local Xd = tide.datasets.load(name)
      Xd = Xd:to("float64")
      local want = ref["km_" .. name]
      local km = M.KMeans{ n_clusters = #want.init_rows, init = rows(Xd, want.init_rows) }:fit(Xd)
      check_fit(km, want, Xd, nil, name)
    end)
  end
end)

describe("KMeans seeding", function()
  local X = T(ref.blobs.X, "float64")

  it("k-means++ and random with n_init = 10 reach scikit-learn's best inertia", function()
    local pp = M.KMeans{ n_clusters = 4, n_init = 10, random_state = 0 }:fit(X)
    assert.is_true(pp.inertia_ <= ref.km_blobs_best.kmeanspp * (1 + 1e-9))
    local rnd = M.KMeans{ n_clusters = 4, init = "random", n_init = 10, random_state = 0 }:fit(X)
    assert.is_true(rnd.inertia_ <= ref.km_blobs_best.random * (1 + 1e-9))
  end)

  it("is repeatable: random_state, or tide.manual_seed when random_state is None", function()
    local a = M.KMeans{ n_clusters = 4, random_state = 7 }:fit(X)
    local b = M.KMeans{ n_clusters = 4, random_state = 7 }:fit(X)
    assert.is_true(a.labels_:equal(b.labels_) and a.cluster_centers_:equal(b.cluster_centers_))
    tide.manual_seed(3)
    local c = M.KMeans{ n_clusters = 4 }:fit(X)
    tide.manual_seed(3)
    local d = M.KMeans{ n_clusters = 4 }:fit(X)
    assert.is_true(c.cluster_centers_:equal(d.cluster_centers_))
  end)

  it("does not depend on the thread count", function()
    local n0 = tide.threads()
    tide.threads(1)
    local a = M.KMeans{ n_clusters = 4, random_state = 11, n_init = 3 }:fit(X)
    tide.threads(2)
    local b = M.KMeans{ n_clusters = 4, random_state = 11, n_init = 3 }:fit(X)
    tide.threads(n0)
    assert.is_true(a.labels_:equal(b.labels_))
    assert.is_true((a.cluster_centers_ - b.cluster_centers_):abs():max() < 1e-12)
  end)

  it("labels are 1-based cluster ids; fit_predict and fit_transform", function()
    local km = M.KMeans{ n_clusters = 4, random_state = 0 }
    local labels = km:fit_predict(X)
    assert.equals(1, labels:amin())
    assert.equals(4, labels:amax())
    local D = M.KMeans{ n_clusters = 4, random_state = 0 }:fit_transform(X)
    assert.same({ 150, 4 }, D.shape)
    local _, nearest = D:min(2)
    assert.is_true(nearest:to("int64"):equal(labels))
  end)
end)

describe("KMeans estimator contract", function()
  local X = T(ref.blobs.X, "float64")

  it("save -> tide.models.load -> identical predictions", function()
    local km = M.KMeans{ n_clusters = 4, random_state = 0 }:fit(X)
    local back = H.save_and_load(km)
    assert.is_true(back:predict(X):equal(km:predict(X)))
    assert.is_true(back:transform(X):equal(km:transform(X)))
    assert.equals(km.inertia_, back.inertia_)
    assert.equals(km.n_iter_, back.n_iter_)
  end)

  it("save with an array init keeps the parameters JSON-able", function()
    local km = M.KMeans{ n_clusters = 4, init = rows(X, { 1, 2, 3, 4 }) }:fit(X)
    assert.equals("table", type(km:get_params().init))
    local back = H.save_and_load(km)
    assert.is_true(back:clone():fit(X).labels_:equal(km.labels_))
  end)

  it("get_params / set_params / clone", function()
    local km = M.KMeans{ n_clusters = 3, max_iter = 50 }
    assert.equals(3, km:get_params().n_clusters)
    assert.equals("auto", km:get_params().n_init)
    km:set_params{ tol = 1e-3 }
    local c = km:clone()
    assert.equals(1e-3, c.params.tol)
    assert.is_false(c:is_fitted())
    assert.has_error(function() km:set_params{ n_cluster = 2 } end)
  end)
end)

describe("KMeans bad input", function()
  local X = T(ref.blobs.X, "float64")

  it("k larger than the number of samples", function()
    H.assert_error(function() M.KMeans{ n_clusters = 5 }:fit(X[{ { 1, 4 } }]) end,
      "KMeans.fit: n_samples=4 should be >= n_clusters=5")
  end)

  it("NaN / infinite features, empty data, 1-d data", function()
    local bad = X:clone()
    bad[{ 3, 2 }] = 0 / 0
    H.assert_error(function() M.KMeans{ n_clusters = 2 }:fit(bad) end, "KMeans.fit: X contains NaN or infinity")
    bad[{ 3, 2 }] = math.huge
    H.assert_error(function() M.KMeans{ n_clusters = 2 }:fit(bad) end, "NaN or infinity")
    H.assert_error(function() M.KMeans{ n_clusters = 2 }:fit(tide.empty({ 0, 4 }, "float64")) end, "no rows")
    H.assert_error(function() M.KMeans{ n_clusters = 2 }:fit(tide.ones(5)) end, "2-d")
  end)

  it("more features at predict than at fit; not fitted", function()
    local km = M.KMeans{ n_clusters = 2, random_state = 0 }
    H.assert_error(function() km:predict(X) end, "not fitted")
    km:fit(X)
    H.assert_error(function() km:predict(tide.ones(3, 5, "float64")) end,
      "X has 5 features, but KMeans was fitted with 4 features")
    H.assert_error(function() km:transform(tide.ones(3, 3, "float64")) end, "X has 3 features")
  end)

  it("bad parameters and a wrong init shape", function()
    H.assert_error(function() M.KMeans{ n_clusters = 0 } end, "n_clusters must be >= 1")
    H.assert_error(function() M.KMeans{ init = "kmeans" } end, "init must be one of")
    H.assert_error(function() M.KMeans{ algorithm = "fast" } end, "algorithm must be one of")
    H.assert_error(function() M.KMeans{ n_init = 0 } end, "n_init must be >= 1")
    H.assert_error(function() M.KMeans{ n_clusters = 3, init = X[{ { 1, 2 } }] }:fit(X) end,
      "init has shape [2, 4], but it must be [n_clusters=3, n_features=4]")
    H.assert_error(function() M.KMeans{ n_clusters = 2, init = { { 1, "a", 0, 0 }, { 2, 3, 0, 0 } } }:fit(X) end,
      "KMeans.fit: init must be an array of rows of numbers")
    H.assert_error(function() M.KMeans{ n_clusters = 2 }:fit(X, nil, { sample_weight = tide.ones(3, "float64") }) end,
      "sample_weight has 3 values but X has 150 rows")
  end)
end)
