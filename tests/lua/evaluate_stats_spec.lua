-- tide.evaluate.stats against SciPy (fixtures from tests/gen/gen_evaluate.py): the regularised
-- incomplete beta, Student t and chi-squared tails, the binomial CDF; Nadeau & Bengio's
-- corrected resampled t-test and McNemar's test (continuity-corrected, plain, exact); bad input.
local tide = require("tide")
local H = require("spec_helpers")
local ev = require("tide.evaluate")
local ref = H.fixture("evaluate").tests
local S = ev.stats

local function near(a, b, tol, what)
  assert(type(a) == "number", what .. ": expected a number, got " .. type(a))
  assert(a == b or math.abs(a - b) <= tol * math.max(1e-300, math.abs(b)),
    string.format("%s: got %.17g, expected %.17g", what, a, b))
end

-- relative tolerance: the continued fractions converge to ~1e-15; lgamma adds a few ulps
local TOL = 1e-12

describe("distributions against SciPy", function()
  it("betainc, t_sf, chi2_sf, binom_cdf", function()
    for _, c in ipairs(ref.dist.betainc) do near(S.betainc(c[1], c[2], c[3]), c[4], TOL, "betainc") end
    for _, c in ipairs(ref.dist.t_sf) do near(S.t_sf(c[1], c[2]), c[3], TOL, "t_sf " .. c[1]) end
    for _, c in ipairs(ref.dist.t_sf) do near(S.t_cdf(-c[1], c[2]), c[3], TOL, "t_cdf") end
    for _, c in ipairs(ref.dist.chi2_sf) do near(S.chi2_sf(c[1], c[2]), c[3], TOL, "chi2_sf " .. c[1] .. " df " .. c[2]) end
    for _, c in ipairs(ref.dist.binom_cdf) do near(S.binom_cdf(c[1], c[2], 0.5), c[3], TOL, "binom_cdf") end
  end)
end)

describe("significance tests against SciPy", function()
  it("corrected_ttest", function()
    for i, c in ipairs(ref.ttest) do
      local t, p, df = ev.corrected_ttest(c.a, c.b, c.n_train, c.n_test)
      near(t, c.t, TOL, "t " .. i)
      near(p, c.p, TOL, "p " .. i)
      assert.equals(#c.a - 1, df)
      local t2 = ev.corrected_ttest(tide.tensor(c.a, "float64"), tide.tensor(c.b, "float64"), c.n_train, c.n_test)
      assert.equals(t, t2)
    end
    -- identical scores: no difference at all
    local t, p = ev.corrected_ttest({ 0.5, 0.6 }, { 0.5, 0.6 }, 10, 5)
    assert.equals(0, t)
    assert.equals(1, p)
  end)

  it("mcnemar: chi-squared with and without correction, exact binomial", function()
    for i, c in ipairs(ref.mcnemar) do
      local stat, p, counts = ev.mcnemar(c.y, c.a, c.b)
      assert.equals(c.b_count, counts.a_only)
      assert.equals(c.c_count, counts.b_only)
      assert.equals(#c.y, counts.both + counts.a_only + counts.b_only + counts.neither)
      near(stat, c.chi2_corrected, TOL, "chi2 corrected " .. i)
      near(p, c.p_corrected, TOL, "p corrected " .. i)
      stat, p = ev.mcnemar(tide.tensor(c.y, "int64"), tide.tensor(c.a, "int64"), tide.tensor(c.b, "int64"),
        { correction = false })
      near(stat, c.chi2, TOL, "chi2 " .. i)
      near(p, c.p, TOL, "p " .. i)
      stat, p = ev.mcnemar(c.y, c.a, c.b, { exact = true })
      assert.equals(c.exact_stat, stat)
      near(p, c.p_exact, TOL, "p exact " .. i)
    end
  end)

  it("mcnemar takes string labels", function()
    local _, _, counts = ev.mcnemar({ "a", "b", "a" }, { "a", "b", "b" }, { "b", "b", "a" })
    assert.same({ both = 1, a_only = 1, b_only = 1, neither = 0 }, counts)
  end)

  it("bad input is an error naming the test", function()
    H.assert_error(function() return ev.corrected_ttest({ 1, 2 }, { 1 }, 10, 5) end,
      "corrected_ttest: scores_a has 2 folds and scores_b 1")
    H.assert_error(function() return ev.corrected_ttest({ 1 }, { 1 }, 10, 5) end, "at least 2 paired scores")
    H.assert_error(function() return ev.corrected_ttest({ 1, 0 / 0 }, { 1, 2 }, 10, 5) end, "scores_a[2] must be a finite number")
    H.assert_error(function() return ev.corrected_ttest({ 1, 2 }, { 1, 2 }, 0, 5) end, "n_train must be a positive number")
    H.assert_error(function() return ev.mcnemar({ 1, 2 }, { 1 }, { 1, 2 }) end, "mcnemar: y_true has 2 labels, pred_a 1 and pred_b 2")
    H.assert_error(function() return ev.mcnemar({}, {}, {}) end, "mcnemar: y_true is empty")
    H.assert_error(function() return ev.mcnemar({ 1 }, { 1 }, { 1 }, { exakt = true }) end, "unknown option 'exakt'")
  end)
end)
