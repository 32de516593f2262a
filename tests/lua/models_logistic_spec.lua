-- tide.models.LogisticRegression against scikit-learn 1.2 (tests/gen/gen_models_logistic.py).
-- Tolerances: the lbfgs solver replays scipy's L-BFGS-B step for step (same directions, line
-- search and stopping tests), so coefficients, probabilities and iteration counts agree with
-- scikit-learn's lbfgs to rounding (1e-7 relative leaves room for BLAS / thread summation order
-- over ~20 iterations). For L1 / elastic-net the reference is scikit-learn's saga run to
-- convergence (tol 1e-12), so Tide's coordinate descent must reach the same optimum: 1e-6.
local tide = require("tide")
local H = require("spec_helpers")
local F = H.fixture("models_logistic")
local LR = tide.models.LogisticRegression

local D = F.data
local X, Xt, Xs = H.tensor(D.X), H.tensor(D.Xt), H.tensor(D.Xs)
local y2, y3, sw = H.tensor(D.y2), H.tensor(D.y3), H.tensor(D.sw)

local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end
local TIGHT = { tol = 1e-10, max_iter = 10000 }
local CD = { solver = "newton-cd", tol = 1e-10, max_iter = 1000 }

local function check_fit(name, m, tol, opts)
  opts = opts or {}
  local r = F[name]
  H.assert_matches(m.coef_, r.coef, tol, name .. " coef_")
  H.assert_matches(m.intercept_, r.intercept, tol, name .. " intercept_")
  H.assert_matches(m:decision_function(Xt), r.decision, tol, name .. " decision_function")
  H.assert_matches(m:predict_proba(Xt), r.proba, tol, name .. " predict_proba")
  H.assert_matches(m:predict(Xt), r.predict, nil, name .. " predict")
  if opts.n_iter then
    assert.are.same(r.n_iter.data, m.n_iter_, name .. " n_iter_")
  end
end

describe("LogisticRegression lbfgs matches scikit-learn's path", function()
  local cases = {
    { "binary", {}, y2 }, { "binary_C", { C = 0.05 }, y2 }, { "binary_sw", {}, y2, sw },
    { "binary_noint", { fit_intercept = false }, y2 }, { "binary_balanced", { class_weight = "balanced" }, y2 },
    { "binary_none", { penalty = "none" }, y2 }, { "binary_multinomial", { multi_class = "multinomial" }, y2 },
    { "multi", {}, y3 }, { "multi_C", { C = 0.1 }, y3, sw }, { "multi_ovr", { multi_class = "ovr" }, y3 },
    { "multi_ovr_balanced", { multi_class = "ovr", class_weight = "balanced" }, y3 },
    { "multi_cw", { class_weight = { [0] = 2.0, [2] = 0.5 } }, y3 },
    { "multi_ovr_cw", { multi_class = "ovr", class_weight = { [0] = 2.0, [2] = 0.5 } }, y3 },
    { "multi_noint", { fit_intercept = false }, y3 },
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local m = LR(with(TIGHT, c[2])):fit(X, c[3], c[4] and { sample_weight = c[4] } or nil)
      check_fit(c[1], m, 1e-7, { n_iter = true })
    end)
  end
  it("default parameters: the same iteration counts at tol = 1e-4", function()
    check_fit("default_binary", LR():fit(X, y2), 1e-7, { n_iter = true })
    check_fit("default_multi", LR():fit(X, y3), 1e-7, { n_iter = true })
  end)
  it("CSR input", function()
    local S = tide.sparse.from_dense(Xs)
    check_fit("multi_sparse", LR(TIGHT):fit(S, y3), 1e-7, { n_iter = true })
    check_fit("binary_sparse", LR(TIGHT):fit(S, y2), 1e-7, { n_iter = true })
  end)
  it("binary models: coef_ [1, d], decision_function [n], proba columns in classes_ order", function()
    local m = LR():fit(X, y2)
    assert.are.same({ 1, 5 }, m.coef_.shape)
    assert.are.same({ 12 }, m:decision_function(Xt).shape)
    local p = m:predict_proba(Xt)
    assert.is_true(tide.allclose(p:sum(2), tide.ones(12, "float64")))
    assert.is_true(tide.allclose(m:predict_log_proba(Xt), p:log()))
  end)
end)

describe("LogisticRegression newton-cd (L1, elastic-net) reaches scikit-learn's optimum", function()
  local S = tide.sparse.from_dense(Xs)
  local cases = {
    { "l1_binary", { penalty = "l1", C = 0.2 }, X, y2 }, { "l1_multi", { penalty = "l1", C = 0.3 }, X, y3 },
    { "l1_ovr", { penalty = "l1", C = 0.3, multi_class = "ovr" }, X, y3 },
    { "enet_binary", { penalty = "elasticnet", l1_ratio = 0.5, C = 0.3 }, X, y2, sw },
    { "enet_multi", { penalty = "elasticnet", l1_ratio = 0.3, C = 0.5 }, X, y3 },
    { "l1_sparse", { penalty = "l1", C = 0.5 }, S, y3 },
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local m = LR(with(CD, c[2])):fit(c[3], c[4], c[5] and { sample_weight = c[5] } or nil)
      check_fit(c[1], m, 1e-6)
    end)
  end
  it("L1 zeroes coefficients exactly", function()
    local m = LR(with(CD, { penalty = "l1", C = 0.2 })):fit(X, y2)
    assert.is_true(m.coef_:eq(0):sum() >= 1)
  end)
  it("\"saga\" is an alias of newton-cd", function()
    local a = LR(with(CD, { penalty = "l1", C = 0.2 })):fit(X, y2)
    local b = LR(with(CD, { penalty = "l1", C = 0.2, solver = "saga" })):fit(X, y2)
    assert.is_true(a.coef_:equal(b.coef_))
  end)
  it("with L2 it agrees with lbfgs (up to lbfgs' own stopping point)", function()
    check_fit("binary_sw", LR(with(CD, {})):fit(X, y2, { sample_weight = sw }), 1e-4)
    check_fit("multi", LR(with(CD, {})):fit(X, y3), 1e-4)
  end)
end)

describe("LogisticRegression dense and CSR input", function()
  local S = tide.sparse.from_dense(Xs)
  for _, params in ipairs({ {}, { multi_class = "ovr" }, { solver = "newton-cd", penalty = "l1", C = 0.5, tol = 1e-8 } }) do
    it("give the same model: " .. (params.solver or "lbfgs") .. " " .. (params.multi_class or "auto"), function()
      local a = LR(params):fit(Xs, y3)
      local b = LR(params):fit(S, y3)
      assert.is_true(tide.allclose(a.coef_, b.coef_, 1e-9, 1e-10))
      assert.is_true(tide.allclose(a.intercept_, b.intercept_, 1e-9, 1e-10))
      assert.is_true(tide.allclose(a:predict_proba(S), b:predict_proba(Xs), 1e-9, 1e-12))
    end)
  end
end)

describe("LogisticRegression loss kernel", function()
  -- central differences of the objective against the kernel's gradient, float64
  local function fd_check(XX, y, k, opts)
    local d = XX.shape[2]
    tide.manual_seed(3)
    local coef = tide.randn({ k, d + 1 }, "float64") * 0.3
    local _, g = LR.loss(XX, y, coef, opts)
    local eps = 1e-6
    for c = 1, k do
      for j = 1, d + 1 do
        local old = coef[{ c, j }]
        coef[{ c, j }] = old + eps
        local fp = LR.loss(XX, y, coef, opts)
        coef[{ c, j }] = old - eps
        local fm = LR.loss(XX, y, coef, opts)
        coef[{ c, j }] = old
        local fd = (fp - fm) / (2 * eps)
        assert(math.abs(fd - g[{ c, j }]) <= 1e-6 * math.max(1, math.abs(fd)),
          string.format("gradient [%d, %d]: %.10g vs finite difference %.10g", c, j, g[{ c, j }], fd))
      end
    end
  end
  it("binomial gradient = finite differences (dense, CSR, weights, L2)", function()
    fd_check(X, y2, 1, { l2 = 0.7, sample_weight = sw })
    fd_check(tide.sparse.from_dense(Xs), y2, 1, { l2 = 0.3 })
  end)
  it("multinomial gradient = finite differences (dense, CSR, weights, L2)", function()
    fd_check(X, y3, 3, { l2 = 0.7, sample_weight = sw })
    fd_check(tide.sparse.from_dense(Xs), y3, 3, {})
  end)
  it("many classes take the BLAS path and agree with the fused one", function()
    tide.manual_seed(4)
    local Xb = tide.randn({ 50, 7 }, "float64")
    local yb = tide.randint(0, 20, { 50 }):to("int64")
    local coef = tide.randn({ 20, 8 }, "float64") * 0.2
    local f1, g1 = LR.loss(Xb, yb, coef, { l2 = 0.5 })
    local f2, g2 = LR.loss(tide.sparse.from_dense(Xb), yb, coef, { l2 = 0.5 })
    assert.is_true(math.abs(f1 - f2) < 1e-10 * math.abs(f1))
    assert.is_true(tide.allclose(g1, g2, 1e-10, 1e-12))
  end)
  it("at zero: n log 2 (binomial), n log k (multinomial)", function()
    local f = LR.loss(X, y2, tide.zeros({ 1, 6 }, "float64"))
    assert.is_true(math.abs(f - 80 * math.log(2)) < 1e-10)
    f = LR.loss(X, y3, tide.zeros({ 3, 6 }, "float64"))
    assert.is_true(math.abs(f - 80 * math.log(3)) < 1e-10)
  end)
end)

describe("LogisticRegression threads", function()
  it("the same model, bit for bit, for any thread count", function()
    tide.manual_seed(7)
    local Xb = tide.randn({ 5000, 12 }, "float64")
    local yb = Xb:narrow(2, 1, 3):argmax(2)
    local before = tide.threads()
    tide.threads(1)
    local a = LR():fit(Xb, yb)
    tide.threads(2)
    local b = LR():fit(Xb, yb)
    tide.threads(before)
    assert.is_true(a.coef_:equal(b.coef_))
    assert.is_true(a.intercept_:equal(b.intercept_))
  end)
  it("also for CSR input with more parameters than one chunk of L-BFGS's vector sums", function()
    tide.manual_seed(8)
    local n, d, per = 1500, 6000, 12
    local rows = tide.arange(0, n * per):div(per):floor():to("int64") + 1
    local cols = tide.randint(1, d + 1, { n * per }):to("int64")
    local S = tide.sparse.from_coo(rows, cols, tide.rand({ n * per }, "float64"), { n, d })
    local yb = cols:reshape(n, per):select(2, 1):remainder(3)
    local before, real = tide.threads(), io.stderr
    io.stderr = { write = function() end } -- 30 iterations do not converge: no warning in the log
    tide.threads(1)
    local ok1, a = pcall(function() return LR{ max_iter = 30 }:fit(S, yb) end)
    tide.threads(2)
    local ok2, b = pcall(function() return LR{ max_iter = 30 }:fit(S, yb) end)
    tide.threads(before)
    io.stderr = real
    assert(ok1 and ok2, tostring(ok1 and b or a))
    assert.is_true(a.coef_:equal(b.coef_))
  end)
end)

describe("LogisticRegression estimator contract", function()
  it("string labels: the same model, predictions as strings", function()
    local names = { "cat", "dog", "emu" }
    local ys = {}
    for i = 1, y3:numel() do ys[i] = names[y3[i] + 1] end
    local a = LR():fit(X, y3)
    local b = LR():fit(X, ys)
    assert.are.same(names, b.classes_)
    assert.is_true(a.coef_:equal(b.coef_))
    local pa, pb = a:predict(Xt), b:predict(Xt)
    for i = 1, 12 do assert.are.equal(names[pa[i] + 1], pb[i]) end
    assert.are.equal(a:score(X, y3), b:score(X, ys))
  end)
  it("class_weight names string labels; zero sample weights drop rows", function()
    local names = { "cat", "dog", "emu" }
    local ys = {}
    for i = 1, y3:numel() do ys[i] = names[y3[i] + 1] end
    local a = LR(with(TIGHT, { class_weight = { [0] = 2.0, [2] = 0.5 } })):fit(X, y3)
    local b = LR(with(TIGHT, { class_weight = { cat = 2.0, emu = 0.5 } })):fit(X, ys)
    assert.is_true(a.coef_:equal(b.coef_))
    local w = tide.ones(80, "float64")
    local keep = {}
    for i = 1, 80 do
      if i % 5 == 0 then w[i] = 0 else keep[#keep + 1] = i end
    end
    keep = tide.tensor(keep, "int64")
    local c = LR(TIGHT):fit(X, y3, { sample_weight = w })
    local e = LR(TIGHT):fit(X:index_select(1, keep), y3:index_select(1, keep))
    assert.is_true(tide.allclose(c.coef_, e.coef_, 1e-6, 1e-8))
  end)
  it("save -> load -> identical predictions", function()
    for _, params in ipairs({ {}, { multi_class = "ovr" }, { solver = "newton-cd", penalty = "l1", C = 0.3 } }) do
      local m = LR(params):fit(X, y3)
      local m2 = H.save_and_load(m)
      assert.are.equal("LogisticRegression", m2._name)
      assert.is_true(m:predict_proba(Xt):equal(m2:predict_proba(Xt)))
      assert.is_true(m:predict(Xt):equal(m2:predict(Xt)))
      assert.are.same(m.n_iter_, m2.n_iter_)
      assert.are.same(m:get_params(), m2:get_params())
    end
  end)
  it("get_params / set_params / clone", function()
    local m = LR{ C = 0.5, max_iter = 50 }
    local p = m:get_params()
    assert.are.equal(0.5, p.C)
    assert.are.equal("lbfgs", p.solver)
    assert.are.equal(1e-4, p.tol)
    m:set_params{ C = 2 }
    assert.are.equal(2, m.params.C)
    local c = m:fit(X, y2):clone()
    assert.is_false(c:is_fitted())
    assert.are.equal(2, c.params.C)
    H.assert_error(function() m:set_params{ Cee = 1 } end, "unknown parameter 'Cee'")
    assert.are.equal("LogisticRegression(C=2, max_iter=50)", tostring(m))
  end)
  it("warm_start starts from the previous solution", function()
    local m = LR{ warm_start = true, tol = 1e-10, max_iter = 10000 }:fit(X, y3)
    m:fit(X, y3)
    assert.is_true(m.n_iter_[1] <= 2)
  end)
  it("warns on stderr when max_iter stops the solver (scikit-learn's ConvergenceWarning)", function()
    local real, said = io.stderr, {}
    io.stderr = { write = function(_, text) said[#said + 1] = text end }
    local ok, err = pcall(function() LR{ max_iter = 2 }:fit(X, y3) end)
    io.stderr = real
    assert(ok, err)
    assert.are.equal(1, #said)
    assert.truthy(said[1]:find("lbfgs failed to converge (max_iter=2 reached)", 1, true))
  end)
  it("score is the accuracy", function()
    local m = LR():fit(X, y3)
    local acc = m:predict(X):eq(y3):to("float64"):mean()
    assert.are.equal(acc, m:score(X, y3))
  end)
end)

describe("LogisticRegression bad input", function()
  it("NaN or infinite features", function()
    local Xn = X:clone()
    Xn[{ 3, 2 }] = 0 / 0
    H.assert_error(function() LR():fit(Xn, y2) end, "LogisticRegression.fit: X contains NaN or infinity")
    Xn[{ 3, 2 }] = 1 / 0
    H.assert_error(function() LR():fit(Xn, y2) end, "NaN or infinity")
    local m = LR():fit(X, y2)
    H.assert_error(function() m:predict(Xn) end, "LogisticRegression.predict: X contains NaN or infinity")
  end)
  it("a single class", function()
    H.assert_error(function() LR():fit(X, tide.zeros(80, "int64")) end, "at least 2 classes", "only one class: 0")
  end)
  it("feature count differs from fit", function()
    local m = LR():fit(X, y2)
    H.assert_error(function() m:predict(tide.zeros(2, 6, "float64")) end,
      "X has 6 features, but LogisticRegression was fitted with 5")
    H.assert_error(function() m:predict_proba(tide.sparse.from_dense(tide.ones(2, 7, "float64"))) end,
      "X has 7 features, but LogisticRegression was fitted with 5")
  end)
  it("empty data, wrong lengths, unfitted", function()
    H.assert_error(function() LR():fit(tide.zeros(0, 3, "float64"), {}) end, "empty")
    H.assert_error(function() LR():fit(X, tide.zeros(7, "int64")) end, "y has 7 values but X has 80 rows")
    H.assert_error(function() LR():predict(X) end, "not fitted")
    H.assert_error(function() LR():fit(X, y2, { sample_weight = tide.full({ 80 }, -1, "float64") }) end,
      "non-negative")
  end)
  it("parameters", function()
    H.assert_error(function() LR{ C = 0 } end, "C must be > 0")
    H.assert_error(function() LR{ penalty = "l1" } end, "Solver lbfgs supports only 'l2' or 'none' penalties, got l1")
    H.assert_error(function() LR{ penalty = "elasticnet", solver = "saga" } end, "l1_ratio must be between 0 and 1")
    H.assert_error(function() LR{ solver = "liblinear" } end, "not available in Tide")
    H.assert_error(function() LR{ solver = "bfgs" } end, "solver must be one of")
    H.assert_error(function() LR{ multi_class = "both" } end, "multi_class must be one of")
    H.assert_error(function() LR{ dual = true } end, "dual=False")
    H.assert_error(function() LR{ max_iter = 0 }:fit(X, y2) end, "max_iter must be >= 1")
    H.assert_error(function() LR():fit(X, y3, { sample_weight = tide.ones(3, "float64") }) end, "sample_weight has 3 values")
  end)
  it("the C kernels check their arguments", function()
    H.assert_error(function() LR.loss(X, y3, tide.zeros({ 3, 9 }, "float64")) end, "coef has shape [3, 9]")
    H.assert_error(function() LR.loss(X, y3, tide.zeros({ 1, 6 }, "float64")) end, "y[")
  end)
end)

-- the data sets Debian's python3-sklearn ships, split and standardised as the generator did
describe("LogisticRegression accuracy on scikit-learn's data sets", function()
  local function standardise(Xr, tr, te)
    local A, T = Xr:index_select(1, tr), Xr:index_select(1, te)
    local mu, sd = A:mean(1), A:std(1, { unbiased = false })
    sd = sd:masked_fill(sd:eq(0), 1)
    return (A - mu) / sd, (T - mu) / sd
  end
  for _, name in ipairs({ "breast_cancer", "digits", "wine" }) do
    it(name .. ": within 1 point of scikit-learn (lbfgs, and L1 by newton-cd vs saga)", function()
      local ref = F[name]
      local Xr, yr = tide.datasets.load((name:gsub("_", "-")))
      local tr, te = tide.tensor(ref.train.data, "int64"), tide.tensor(ref.test.data, "int64")
      local A, T = standardise(Xr, tr, te)
      local ya, yt = yr:index_select(1, tr), yr:index_select(1, te)
      local m = LR():fit(A, ya)
      local acc = m:score(T, yt)
      assert(acc >= ref.accuracy - 0.01, string.format("%s: accuracy %.4f vs scikit-learn %.4f", name, acc, ref.accuracy))
      assert.are.equal(ref.n_iter, m.n_iter_[1])
      local l1 = LR{ solver = "newton-cd", penalty = "l1", C = 0.5 }:fit(A, ya)
      local acc1 = l1:score(T, yt)
      assert(acc1 >= ref.accuracy_l1 - 0.01, string.format("%s L1: accuracy %.4f vs scikit-learn %.4f", name, acc1, ref.accuracy_l1))
    end)
  end
end)
