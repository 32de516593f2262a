-- tide.models LinearRegression, Ridge, Lasso and ElasticNet against scikit-learn 1.2 (fixtures
-- from tests/gen/gen_models_linear.py): coef_ / intercept_ (and rank_, singular_, n_iter_,
-- dual_gap_) on dense and CSR input, with sample weights, without intercept, with more features
-- than samples and a rank-deficient design; predict / score; save -> load; params; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local models = require("tide.models")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local ref = H.fixture("models_linear")
local D = ref.data

local function X_of(name) return H.tensor(D[name], "float64") end
local function y_of(name) return H.tensor(D[name], "float64") end

-- Closed forms (LAPACK on the same centred matrix, summed in another order): 1e-9 relative.
local EXACT = 1e-9

local function check_fit(m, want, tol, what)
  H.assert_matches(m.coef_, want.coef, tol, what .. " coef_")
  local a, b = m.intercept_, want.intercept
  assert(math.abs(a - b) <= tol * math.max(1, math.abs(b)),
    string.format("%s intercept_: got %.17g, expected %.17g", what, a, b))
end

local function sw(name) return { sample_weight = H.tensor(D[name], "float64") } end

describe("LinearRegression", function()
  it("matches scikit-learn's lstsq on dense input (rank_, singular_ too)", function()
    local cases = {
      A = { {}, "XA", "yA" }, A_sw = { {}, "XA", "yA", "swA" }, A_noint = { { fit_intercept = false }, "XA", "yA" },
      B = { {}, "XB", "yB" }, D = { {}, "XD", "yA" },
    }
    for name, c in pairs(cases) do
      local want = ref.ols[name]
      local m = models.LinearRegression(c[1]):fit(X_of(c[2]), y_of(c[3]), c[4] and sw(c[4]) or nil)
      check_fit(m, want, name == "D" and 1e-7 or EXACT, "ols " .. name)
      assert.are.equal(want.rank_, m.rank_)
      H.assert_matches(m.singular_, want.singular_, EXACT, "ols " .. name .. " singular_")
    end
    assert.are.equal(7, models.LinearRegression():fit(X_of("XD"), y_of("yA")).rank_) -- the duplicate column
  end)

  it("fits CSR input to the same solution by conjugate gradients", function()
    local Xs = sparse.from_dense(X_of("XC"))
    check_fit(models.LinearRegression():fit(Xs, y_of("yC")), ref.ols.C, 1e-7, "ols CSR")
    check_fit(models.LinearRegression():fit(Xs, y_of("yC"), sw("swC")), ref.ols.C_sw, 1e-7, "ols CSR sw")
    check_fit(models.LinearRegression():fit(X_of("XC"), y_of("yC"), sw("swC")), ref.ols.C_sw, EXACT, "ols dense sw")
  end)

  it("positive = true is scipy's non-negative least squares", function()
    local cases = { A_pos = { "XA", "yA" }, A_pos_sw = { "XA", "yA", "swA" }, B_pos = { "XB", "yB" } }
    for name, c in pairs(cases) do
      local p = { positive = true, fit_intercept = name ~= "B_pos" }
      local m = models.LinearRegression(p):fit(X_of(c[1]), y_of(c[2]), c[3] and sw(c[3]) or nil)
      check_fit(m, ref.ols[name], 1e-8, "nnls " .. name)
      assert.is_true(m.coef_:min() >= 0)
    end
    H.assert_error(function() models.LinearRegression({ positive = true }):fit(sparse.from_dense(X_of("XA")), y_of("yA")) end,
      "positive=true does not accept sparse input")
  end)

  it("predicts X coef_ + intercept_ and scores R^2", function()
    local X, y = X_of("XA"), y_of("yA")
    local m = models.LinearRegression():fit(X, y)
    local p = m:predict(X)
    assert.is_true(tide.allclose(p, X:mv(m.coef_) + m.intercept_, 1e-12, 1e-12))
    local r2 = 1 - ((y - p) ^ 2):sum() / ((y - y:mean()) ^ 2):sum()
    assert.is_true(math.abs(m:score(X, y) - r2) < 1e-12)
    local ps = m:predict(sparse.from_dense(X))
    assert.is_true(tide.allclose(ps, p, 1e-12, 1e-12))
    -- a Lua array of rows and labels work too
    local rows = X:totable()
    assert.is_true(tide.allclose(m:predict(rows), p, 1e-12, 1e-12))
  end)
end)

describe("Ridge", function()
  it("matches scikit-learn's Cholesky (primal and dual) and svd solvers", function()
    local cases = {
      A = { {}, "XA", "yA" }, A_sw = { { alpha = 0.1 }, "XA", "yA", "swA" },
      A_noint = { { alpha = 3.0, fit_intercept = false }, "XA", "yA" },
      A_svd = { { alpha = 0.5, solver = "svd" }, "XA", "yA", "swA" },
      B = { { alpha = 0.7 }, "XB", "yB" }, B_sw = { { alpha = 0.7 }, "XB", "yB", "swB" },
    }
    for name, c in pairs(cases) do
      local m = models.Ridge(c[1]):fit(X_of(c[2]), y_of(c[3]), c[4] and sw(c[4]) or nil)
      check_fit(m, ref.ridge[name], EXACT, "ridge " .. name)
      assert.are.equal(B.NONE, m.n_iter_) -- None for the direct solvers, as in scikit-learn
    end
    -- the dual and the svd solver agree with the primal on the same problem
    local a = models.Ridge({ alpha = 0.7, solver = "svd" }):fit(X_of("XB"), y_of("yB"))
    check_fit(a, ref.ridge.B, EXACT, "ridge B svd")
  end)

  it("solves CSR input by conjugate gradients (implicit centring, weights)", function()
    local Xs = sparse.from_dense(X_of("XC"))
    local m = models.Ridge({ alpha = 2.0, tol = 1e-12 }):fit(Xs, y_of("yC"))
    check_fit(m, ref.ridge.C, 1e-8, "ridge CSR")
    assert.is_true(m.cg_steps_ > 0 and m.cg_steps_ <= 24) -- d = 12 steps in exact arithmetic, a few more in floating point
    assert.are.equal(B.NONE, m.n_iter_) -- as scikit-learn's sparse_cg
    check_fit(models.Ridge({ alpha = 2.0, tol = 1e-12 }):fit(Xs, y_of("yC"), sw("swC")), ref.ridge.C_sw, 1e-8,
      "ridge CSR sw")
    check_fit(models.Ridge({ alpha = 2.0, tol = 1e-12 }):fit(Xs, y_of("yC")), ref.ridge.C_sk_cg, 1e-8, "ridge sk cg")
    -- sparse_cg on dense input is the same solver
    check_fit(models.Ridge({ alpha = 2.0, tol = 1e-12, solver = "sparse_cg" }):fit(X_of("XC"), y_of("yC")),
      ref.ridge.C, 1e-8, "ridge dense cg")
    -- scikit-learn's default tol (1e-4) stops early but close
    check_fit(models.Ridge({ alpha = 2.0 }):fit(Xs, y_of("yC")), ref.ridge.C, 1e-3, "ridge CSR default tol")
  end)
end)

describe("Lasso and ElasticNet", function()
  -- Same cyclic coordinate descent and stopping rule as scikit-learn: the sweep count is equal
  -- and the coefficients agree to round-off of the sums (1e-8 relative with tol = 1e-10).
  local function check_cd(m, want, tol, what, same_iter)
    check_fit(m, want, tol, what)
    if same_iter then assert.are.equal(want.n_iter_, m.n_iter_, what .. " n_iter_") end
    assert.is_true(m.dual_gap_ <= math.max(want.dual_gap_ * 10, 1e-12) or m.dual_gap_ < 1e-8, what .. " dual_gap_")
  end

  it("Lasso matches scikit-learn's coordinate descent", function()
    local L = ref.lasso
    check_cd(models.Lasso({ alpha = 0.1 }):fit(X_of("XA"), y_of("yA")), L.A, 1e-6, "lasso A", true)
    check_cd(models.Lasso({ alpha = 0.05, tol = 1e-10, max_iter = 10000 }):fit(X_of("XA"), y_of("yA")), L.A_tight,
      1e-8, "lasso tight", true)
    check_cd(models.Lasso({ alpha = 0.1, tol = 1e-10, max_iter = 10000 }):fit(X_of("XA"), y_of("yA"), sw("swA")),
      L.A_sw, 1e-8, "lasso sw", true)
    check_cd(models.Lasso({ alpha = 0.02, positive = true, tol = 1e-10, max_iter = 10000 }):fit(X_of("XA"), y_of("yA")),
      L.A_pos, 1e-8, "lasso positive", true)
    check_cd(models.Lasso({ alpha = 0.1, fit_intercept = false, tol = 1e-10, max_iter = 10000 })
      :fit(X_of("XA"), y_of("yA")), L.A_noint, 1e-8, "lasso noint", true)
    -- max_iter reached: the same three sweeps, the same (unconverged) coefficients
    local short = models.Lasso({ alpha = 0.001, max_iter = 3 }):fit(X_of("XA"), y_of("yA"))
    check_cd(short, L.A_short, 1e-9, "lasso short", true)
    assert.are.equal(3, short.n_iter_)
    for j = 1, 8 do assert.is_true(L.A_pos.coef.data[j] >= 0) end
  end)

  it("Lasso on CSR input centres implicitly and matches the dense fit", function()
    local L = ref.lasso
    local Xs = sparse.from_dense(X_of("XC"))
    local opts = { alpha = 0.05, tol = 1e-10, max_iter = 10000 }
    check_cd(models.Lasso(opts):fit(X_of("XC"), y_of("yC")), L.C, 1e-8, "lasso C dense", true)
    check_cd(models.Lasso(opts):fit(Xs, y_of("yC")), L.C_sparse, 1e-7, "lasso C csr", false)
    check_cd(models.Lasso(opts):fit(Xs, y_of("yC"), sw("swC")), L.C_sparse_sw, 1e-7, "lasso C csr sw", false)
  end)

  it("ElasticNet matches scikit-learn, dense and CSR", function()
    local E = ref.enet
    check_cd(models.ElasticNet({ alpha = 0.1, l1_ratio = 0.3 }):fit(X_of("XA"), y_of("yA")), E.A, 1e-6, "enet A", true)
    local tight = { alpha = 0.05, l1_ratio = 0.7, tol = 1e-10, max_iter = 10000 }
    check_cd(models.ElasticNet(tight):fit(X_of("XA"), y_of("yA")), E.A_tight, 1e-8, "enet tight", true)
    check_cd(models.ElasticNet({ alpha = 0.2, l1_ratio = 0.5, tol = 1e-10, max_iter = 10000 })
      :fit(X_of("XA"), y_of("yA"), sw("swA")), E.A_sw, 1e-8, "enet sw", true)
    check_cd(models.ElasticNet({ alpha = 0.05, l1_ratio = 0.9, tol = 1e-10, max_iter = 10000 })
      :fit(X_of("XB"), y_of("yB")), E.B, 1e-7, "enet wide", false)
    local Xs = sparse.from_dense(X_of("XC"))
    check_cd(models.ElasticNet({ alpha = 0.02, l1_ratio = 0.5, tol = 1e-10, max_iter = 10000 }):fit(Xs, y_of("yC")),
      E.C_sparse, 1e-7, "enet csr", false)
    check_cd(models.ElasticNet({ alpha = 0.02, l1_ratio = 0.5, fit_intercept = false, tol = 1e-10, max_iter = 10000 })
      :fit(Xs, y_of("yC")), E.C_sparse_noint, 1e-7, "enet csr noint", false)
  end)

  it("selection = 'random' converges to the same optimum, reproducibly", function()
    local opts = { alpha = 0.05, l1_ratio = 0.7, tol = 1e-10, max_iter = 10000, selection = "random",
      random_state = 3 }
    local m1 = models.ElasticNet(opts):fit(X_of("XA"), y_of("yA"))
    check_fit(m1, ref.enet.A_tight, 1e-6, "enet random")
    local m2 = models.ElasticNet(opts):fit(X_of("XA"), y_of("yA"))
    assert.is_true(m1.coef_:equal(m2.coef_) and m1.n_iter_ == m2.n_iter_)
  end)

  it("warm_start continues from the previous coef_", function()
    local X, y = X_of("XA"), y_of("yA")
    local m = models.Lasso({ alpha = 0.05, tol = 1e-10, max_iter = 10000, warm_start = true })
    m:fit(X, y)
    local first = m.n_iter_
    m:fit(X, y)
    assert.is_true(m.n_iter_ < first)
    check_fit(m, ref.lasso.A_tight, 1e-8, "lasso warm")
    m:set_params({ warm_start = false }):fit(X, y)
    assert.are.equal(first, m.n_iter_)
  end)
end)

describe("the diabetes table (raw, as Debian's python3-sklearn ships it)", function()
  local DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data/"
  local csv = require("tide.csv")

  it("every regressor matches scikit-learn's coefficients and test R²", function()
    local okx, tx = pcall(csv.read, DIR .. "diabetes_data_raw.csv.gz", { header = false, sep = " " })
    local oky, ty = pcall(csv.read, DIR .. "diabetes_target.csv.gz", { header = false })
    if not (okx and oky) then pending("python3-sklearn's diabetes table is not installed") return end
    local X = tide.empty({ tx.nrows, #tx.columns }, "float64")
    for j, col in ipairs(tx.columns) do X:select(2, j):copy_(col.data:to("float64")) end
    local y = ty.columns[1].data:to("float64")
    local c = ref.diabetes
    local tr, te = tide.tensor(c.train.data, "int64"), tide.tensor(c.test.data, "int64")
    local Xtr, ytr, Xte, yte = X:index_select(1, tr), y:index_select(1, tr), X:index_select(1, te), y:index_select(1, te)
    local fits = {
      ols = models.LinearRegression(), ridge = models.Ridge({ alpha = 1.0 }), lasso = models.Lasso({ alpha = 0.1 }),
      enet = models.ElasticNet({ alpha = 0.01, l1_ratio = 0.5 }),
    }
    for name, m in pairs(fits) do
      m:fit(Xtr, ytr)
      -- closed forms to 1e-9; coordinate descent stops at tol = 1e-4 after the same sweeps: 1e-6
      local tol = (name == "ols" or name == "ridge") and EXACT or 1e-6
      check_fit(m, c[name], tol, "diabetes " .. name)
      assert.is_true(math.abs(m:score(Xte, yte) - c[name].r2) < 1e-6, name .. " R²")
      if c[name].n_iter_ > 0 then assert.are.equal(c[name].n_iter_, m.n_iter_, name .. " n_iter_") end
    end
  end)
end)

describe("several targets", function()
  it("fit each column of a 2-d y: coef_ [t, d], intercept_ [t], as scikit-learn", function()
    local X, Y, R = X_of("XA"), H.tensor(D.YA, "float64"), ref.multi
    local ols = models.LinearRegression():fit(X, Y)
    H.assert_matches(ols.coef_, R.ols.coef, EXACT, "multi ols coef_")
    H.assert_matches(ols.intercept_, R.ols.intercept, EXACT, "multi ols intercept_")
    local pred = ols:predict(X)
    assert.are.same({ 60, 2 }, pred.shape)
    assert.is_true(tide.allclose(pred:select(2, 1), models.LinearRegression():fit(X, y_of("yA")):predict(X), 1e-10, 1e-10))
    local rows = X:narrow(1, 1, 30)
    assert.is_true(math.abs(ols:score(rows, Y:narrow(1, 1, 30)) - R.ols.score) < 1e-10) -- mean R² over targets
    local ridge = models.Ridge({ alpha = 0.5 }):fit(X, Y, sw("swA"))
    H.assert_matches(ridge.coef_, R.ridge.coef, EXACT, "multi ridge coef_")
    H.assert_matches(ridge.intercept_, R.ridge.intercept, EXACT, "multi ridge intercept_")
    local ra = models.Ridge({ alpha = { 0.5, 20.0 } }):fit(X, Y) -- one penalty per target
    H.assert_matches(ra.coef_, R.ridge_alphas.coef, EXACT, "ridge alphas coef_")
    H.assert_error(function() models.Ridge({ alpha = { 1, 2, 3 } }):fit(X, Y) end, "alpha has 3 values but y has 2 targets")
    H.assert_error(function() models.Ridge({ alpha = { 1, -2 } }) end, "Ridge: alpha[2] must be >= 0")
    local lasso = models.Lasso({ alpha = 0.05, tol = 1e-10, max_iter = 10000 }):fit(X, Y:totable()) -- rows as Lua arrays
    H.assert_matches(lasso.coef_, R.lasso.coef, 1e-8, "multi lasso coef_")
    assert.are.same(R.lasso.n_iter_, lasso.n_iter_)
    assert.are.same({ 2 }, lasso.dual_gap_.shape)
    -- CSR input, and a save / load round trip of the 2-d state
    local rs = models.Ridge({ alpha = 0.5, tol = 1e-12 }):fit(sparse.from_dense(X), Y, sw("swA"))
    H.assert_matches(rs.coef_, R.ridge.coef, 1e-8, "multi ridge CSR coef_")
    local back = H.save_and_load(lasso)
    assert.is_true(back:predict(X):equal(lasso:predict(X)))
    H.assert_error(function() ols:score(X, y_of("yA"):reshape(60, 1)) end, "y has 1 targets, the model 2")
  end)
end)

describe("linear regressors: the estimator contract", function()
  local specs = {
    { "LinearRegression", {} }, { "Ridge", { alpha = 0.3 } }, { "Lasso", { alpha = 0.05 } },
    { "ElasticNet", { alpha = 0.05, l1_ratio = 0.2 } },
  }

  it("save -> tide.models.load gives identical predictions and state", function()
    local X, y = X_of("XA"), y_of("yA")
    for _, s in ipairs(specs) do
      local m = models[s[1]](s[2]):fit(X, y)
      local back = H.save_and_load(m)
      assert.are.equal(s[1], back._name)
      assert.is_true(back:predict(X):equal(m:predict(X)), s[1] .. " predictions differ after load")
      assert.is_true(back.coef_:equal(m.coef_) and back.intercept_ == m.intercept_)
      assert.are.same(m:get_params(), back:get_params())
    end
  end)

  it("get_params / set_params / clone", function()
    local m = models.Ridge({ alpha = 0.5 })
    assert.are.equal(0.5, m:get_params().alpha)
    assert.are.equal("auto", m:get_params().solver)
    m:set_params({ alpha = 2, fit_intercept = false })
    local c = m:clone()
    assert.are.equal(2, c.params.alpha)
    assert.is_false(c.params.fit_intercept)
    assert.is_false(c:is_fitted())
    local e = models.ElasticNet()
    assert.are.equal(0.5, e.params.l1_ratio)
    assert.are.equal(1000, e.params.max_iter)
    assert.are.equal(1e-4, e.params.tol)
    assert.is_nil(models.Lasso().params.l1_ratio)
    assert.are.equal("Lasso(alpha=0.1)", tostring(models.Lasso({ alpha = 0.1 })))
  end)

  it("rejects bad parameters and bad input with clear errors", function()
    local X, y = X_of("XA"), y_of("yA")
    H.assert_error(function() models.Ridge({ alpha = -1 }) end, "Ridge: alpha must be >= 0")
    H.assert_error(function() models.Ridge({ solver = "sag" }) end, "Ridge: solver \"sag\" is not available")
    H.assert_error(function() models.Ridge({ solver = "magic" }) end, "Ridge: solver must be one of")
    H.assert_error(function() models.Lasso({ max_iter = 0 }) end, "Lasso: max_iter must be >= 1")
    H.assert_error(function() models.ElasticNet({ l1_ratio = 1.5 }) end, "ElasticNet: l1_ratio must be <= 1")
    H.assert_error(function() models.Lasso({ selection = "shuffle" }) end, "selection must be one of")
    H.assert_error(function() models.Lasso({ nope = 1 }) end, "unknown parameter 'nope'")
    H.assert_error(function() models.Ridge({ positive = true }) end, "positive=true is not supported by Tide's Ridge")
    H.assert_error(function() models.Ridge({ solver = "cholesky" }):fit(sparse.from_dense(X), y) end,
      "Ridge.fit: solver \"cholesky\" does not take sparse input")
    local bad = X:clone()
    bad[{ 3, 2 }] = 0 / 0
    H.assert_error(function() models.LinearRegression():fit(bad, y) end, "LinearRegression.fit: X contains NaN or infinity")
    bad[{ 3, 2 }] = 1 / 0
    H.assert_error(function() models.Lasso():fit(bad, y) end, "Lasso.fit: X contains NaN or infinity")
    H.assert_error(function() models.Ridge():fit(X, { "a", "b" }) end, "Ridge.fit: y has 2 values but X has 60 rows")
    local labels = {}
    for i = 1, 60 do labels[i] = i % 2 == 0 and "yes" or "no" end
    H.assert_error(function() models.Ridge():fit(X, labels) end, "Ridge.fit: y[1] is a string; a regressor needs numeric targets")
    H.assert_error(function() models.ElasticNet():fit(tide.zeros(0, 3, "float64"), {}) end, "empty input")
    local ynan = y:clone()
    ynan[5] = 0 / 0
    H.assert_error(function() models.Ridge():fit(X, ynan) end, "Ridge.fit: y contains NaN or infinity")
    local m = models.Lasso({ alpha = 0.1 }):fit(X, y)
    H.assert_error(function() m:predict(tide.zeros(4, 9, "float64")) end, "X has 9 features, but Lasso was fitted with 8")
    H.assert_error(function() models.Ridge():predict(X) end, "Ridge.predict: this Ridge is not fitted yet")
    H.assert_error(function() models.Ridge():fit(X, y, { sample_weight = tide.zeros(60, "float64") }) end,
      "sample_weight sums to zero")
  end)
end)
