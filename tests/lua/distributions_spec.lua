-- tide.distributions against mpmath at 40 digits (tests/gen/gen_distributions.py): special functions and the
-- tails the statistical tests use, to a relative 1e-12 (absolute 1e-300 for underflowing tails).
local D = require("tide.distributions")
local H = require("spec_helpers")
local ref = H.fixture("distributions")

local function near(got, want, what, tol, abs_tol)
  tol = tol or 1e-12
  if want ~= want then return assert(got ~= got, what .. ": expected NaN, got " .. got) end
  if want == math.huge or want == -math.huge then return assert(got == want, what .. ": expected " .. want .. ", got " .. got) end
  assert(math.abs(got - want) <= tol * math.abs(want) + (abs_tol or 1e-300),
    string.format("%s: got %.17g, expected %.17g", what, got, want))
end

describe("tide.distributions against mpmath", function()
  it("lgamma and digamma", function()
    for _, c in ipairs(ref.lgamma) do near(D.lgamma(c[1]), c[2], "lgamma(" .. c[1] .. ")", 1e-13, 1e-14) end
    for _, c in ipairs(ref.digamma) do near(D.digamma(c[1]), c[2], "digamma(" .. c[1] .. ")", 1e-13) end
  end)
  it("regularised incomplete beta and gamma", function()
    for _, c in ipairs(ref.betainc) do near(D.betainc(c[1], c[2], c[3]), c[4], string.format("betainc(%g, %g, %g)", c[1], c[2], c[3])) end
    for _, c in ipairs(ref.gammainc) do
      near(D.gammainc(c[1], c[2]), c[3], string.format("gammainc(%g, %g)", c[1], c[2]))
      near(D.gammaincc(c[1], c[2]), c[4], string.format("gammaincc(%g, %g)", c[1], c[2]))
    end
  end)
  it("t, F, chi-squared and normal tails", function()
    for _, c in ipairs(ref.t_sf) do near(D.t_sf(c[1], c[2]), c[3], string.format("t_sf(%g, %g)", c[1], c[2])) end
    for _, c in ipairs(ref.f_sf) do near(D.f_sf(c[1], c[2], c[3]), c[4], string.format("f_sf(%g, %g, %g)", c[1], c[2], c[3])) end
    for _, c in ipairs(ref.chi2_sf) do near(D.chi2_sf(c[1], c[2]), c[3], string.format("chi2_sf(%g, %g)", c[1], c[2])) end
    for _, c in ipairs(ref.normal) do
      near(D.normal_cdf(c[1]), c[2], "normal_cdf(" .. c[1] .. ")")
      near(D.normal_sf(c[1]), c[3], "normal_sf(" .. c[1] .. ")")
    end
  end)
  it("edge values", function()
    assert.are.equal(0, D.betainc(2, 3, 0))
    assert.are.equal(1, D.betainc(2, 3, 1))
    assert.are.equal(1, D.f_sf(0, 3, 4))
    assert.are.equal(0, D.chi2_sf(math.huge, 3))
    assert.are.equal(0.5, D.t_sf(0, 7))
    assert.is_true(D.t_sf(1, -1) ~= D.t_sf(1, -1))
  end)
end)
