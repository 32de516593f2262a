-- tide.stats against pandas 1.5 / scipy / NumPy (fixtures from tests/gen/gen_stats.py, on the
-- first 120 Titanic rows with their missing ages): skewness, kurtosis, quantiles, Pearson and
-- Spearman correlation (pairwise complete), Cramér's V, the correlation ratio, outlier counts;
-- edge cases and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local stats = require("tide.stats")
local ref = H.fixture("stats")

local TOL = 1e-12
local NAN = 0 / 0

local function near(a, b, what)
  assert(type(a) == "number", what .. ": expected a number, got " .. type(a))
  if b ~= b then
    assert(a ~= a, string.format("%s: got %.17g, expected NaN", what, a))
    return
  end
  assert(a == b or math.abs(a - b) <= TOL * math.max(1, math.abs(b)),
    string.format("%s: got %.17g, expected %.17g", what, a, b))
end

local function near_all(t, r, what)
  assert(tide.is_tensor(t), what .. ": expected a tensor")
  assert(#t.shape == #r.shape, what .. ": ndim")
  for i = 1, #r.shape do assert(t.shape[i] == r.shape[i], what .. ": shape") end
  local flat = H.flat(t)
  assert(#flat == #r.data, what .. ": size")
  for i = 1, #r.data do near(flat[i], r.data[i], what .. "[" .. i .. "]") end
end

local R = require("shared_rows")
local HAVE = R.available(ref.titanic.file)
-- the first 120 Titanic rows from ../shared/data (Age, Fare, SibSp, Parch, Pclass); without the
-- data, the tests that only need some matrix with missing cells get a synthetic one
local X
if HAVE then
  X = R.matrix(ref.titanic)
else
  tide.manual_seed(1)
  X = tide.randn(120, 5, "float64")
  X[{ { 1, 10 }, 1 }] = 0 / 0
end
-- pandas.Categorical codes + 1 of a Titanic column over the same rows (0 = missing)
local function codes(name)
  local column = ({ sex = "Sex", pclass = "Pclass", embarked = "Embarked", survived = "Survived" })[name]
  return R.codes({ file = ref.titanic.file, column = column, rows = ref.titanic.rows })
end

describe("tide.stats on Titanic columns (pandas / scipy reference)", function()
  if not HAVE then
    it("on Titanic rows", function() pending("TIDE_DATA with titanic is not set") end)
    return
  end
  it("has missing ages in the data, so NaN skipping is exercised", function()
    assert.is_true(X:select(2, 1):isnan():sum() > 0)
  end)

  it("skew and kurtosis equal pandas' bias-corrected skew() / kurt()", function()
    near_all(stats.skew(X), ref.skew, "skew")
    near_all(stats.kurtosis(X), ref.kurt, "kurt")
    near(stats.skew(tide.tensor(ref.small.data, "float64")), ref.small_skew, "small skew")
    near(stats.kurt(tide.tensor(ref.small.data, "float64")), ref.small_kurt, "small kurt")
  end)

  it("quantiles equal DataFrame.quantile / numpy's linear interpolation", function()
    near_all(stats.quantile(X, ref.q), ref.quantiles, "quantile")
    near_all(stats.quantile(tide.tensor(ref.small.data, "float64"), { 0.05, 0.33, 0.5, 0.77, 0.99 }),
      ref.small_q, "small quantiles")
    local med = stats.quantile(X, 0.5)
    assert.same({ 5 }, med.shape)
    near(med[2], ref.quantiles.data[3 * 5 + 2], "median of Fare")
    near(stats.quantile(ref.small.data, 0.5), ref.small_q.data[3], "median of a Lua array")
  end)

  it("Pearson and Spearman matrices equal DataFrame.corr (pairwise complete)", function()
    near_all(stats.corr(X), ref.pearson, "pearson")
    near_all(stats.pearson(X), ref.pearson, "pearson alias")
    near_all(stats.corr(X, { method = "spearman" }), ref.spearman, "spearman")
    near_all(stats.spearman(X), ref.spearman, "spearman alias")
  end)

  it("Cramér's V equals the chi-squared formula (scipy), with and without Bergsma's correction", function()
    near(stats.cramers_v(codes("sex"), codes("survived")), ref.cramer.sex_survived, "sex/survived")
    near(stats.cramers_v(codes("sex"), codes("survived"), { bias_correction = true }),
      ref.cramer.sex_survived_bc, "sex/survived corrected")
    near(stats.cramers_v(codes("pclass"), codes("embarked")), ref.cramer.pclass_embarked, "pclass/embarked")
    near(stats.cramers_v(codes("pclass"), codes("embarked"), { bias_correction = true }),
      ref.cramer.pclass_embarked_bc, "pclass/embarked corrected")
    -- symmetric, and 1 for a column against itself
    near(stats.cramers_v(codes("embarked"), codes("pclass")), ref.cramer.pclass_embarked, "symmetric")
    near(stats.cramers_v(codes("pclass"), codes("pclass")), 1, "self")
  end)

  it("the correlation ratio equals the grouped sums of squares (pandas groupby)", function()
    near(stats.correlation_ratio(codes("pclass"), X:select(2, 2)), ref.eta.pclass_fare, "pclass/fare")
    near(stats.eta(codes("embarked"), X:select(2, 1)), ref.eta.embarked_age, "embarked/age (NaN ages)")
  end)

  it("IQR and z-score outlier counts equal numpy / scipy.stats.zscore", function()
    local c, b = stats.outliers(X)
    assert.equal("int64", c.dtype)
    assert.same(ref.iqr_counts.data, H.flat(c))
    near(b.lower[2], ref.quantiles.data[2 * 5 + 2] - 1.5 * (ref.quantiles.data[4 * 5 + 2] - ref.quantiles.data[2 * 5 + 2]),
      "fare lower fence")
    assert.same(ref.z_counts.data, H.flat((stats.outliers(X, { method = "zscore" }))))
    local one = stats.outliers(X:select(2, 2):contiguous())
    assert.equal(ref.iqr_counts.data[2], one)
  end)
end)

describe("tide.stats edge cases", function()
  it("gives pandas' NaN / 0 results for short, constant and all-missing columns", function()
    assert.is_true(stats.skew({ 1, 2 }) ~= stats.skew({ 1, 2 }))         -- fewer than 3 values
    assert.is_true(stats.kurt({ 1, 2, 3 }) ~= stats.kurt({ 1, 2, 3 }))   -- fewer than 4 values
    assert.equal(0, stats.skew({ 5, 5, 5, 5 }))
    assert.equal(0, stats.kurt({ 5, 5, 5, 5 }))
    local m = tide.tensor({ { 1, NAN }, { 2, NAN }, { 4, NAN } }, "float64")
    local s = stats.skew(m)
    assert.is_true(s[1] == s[1] and s[2] ~= s[2])
    local q = stats.quantile(m, 0.5)
    assert.equal(2, q[1])
    assert.is_true(q[2] ~= q[2])
    local r = stats.corr(m)
    near(r[1][1], 1, "diag")
    assert.is_true(r[1][2] ~= r[1][2] and r[2][2] ~= r[2][2])
    -- a constant column has no correlation and no z-score outliers
    local c = stats.corr(tide.tensor({ { 1, 3 }, { 2, 3 }, { 3, 3 } }, "float64"))
    assert.is_true(c[1][2] ~= c[1][2])
    assert.equal(0, (stats.outliers({ 2, 2, 2 }, { method = "zscore" })))
    -- a single category: V is NaN; code 0 rows are skipped
    local v = stats.cramers_v({ 1, 1, 1 }, { 1, 2, 1 })
    assert.is_true(v ~= v)
    near(stats.cramers_v({ 1, 2, 0, 1, 2 }, { 1, 2, 2, 1, 2 }), 1, "missing code skipped")
    local e = stats.eta({ 1, 2, 1 }, { 4, 4, 4 })
    assert.is_true(e ~= e)
    near(stats.eta({ 1, 1, 2, 2 }, { 0, 0, 1, 1 }), 1, "eta separated")
  end)

  it("takes column tables (missing mask) and integer tensors like NaN-marked float64", function()
    if not HAVE then return pending("TIDE_DATA with titanic is not set") end
    local age = X:select(2, 1):contiguous()
    local col = { name = "Age", type = "float64", data = age:masked_fill(age:isnan(), 0), missing = age:isnan() }
    near(stats.skew(col), ref.skew.data[1], "skew of a column table")
    near(stats.quantile(col, 0.75), ref.quantiles.data[4 * 5 + 1], "Q3 of a column table")
    local ints = tide.tensor({ 1, 2, 3, 4, 10 }, "int64")
    near(stats.skew(ints), stats.skew(tide.tensor({ 1, 2, 3, 4, 10 }, "float64")), "int64 input")
  end)

  it("ranks ties as pandas (average ranks)", function()
    -- Spearman of a column with ties against itself is 1; against its ranks too
    local x = tide.tensor({ 1, 2, 2, 3, 3, 3 }, "float64")
    local r = stats.spearman(tide.stack({ x, tide.tensor({ 1, 2.5, 2.5, 5, 5, 5 }, "float64") }, 2))
    near(r[1][2], 1, "ties")
  end)

  it("rejects bad input with the operation's name", function()
    local function fails(pat, f, ...)
      local ok, err = pcall(f, ...)
      assert.is_false(ok)
      assert.truthy(tostring(err):find(pat, 1, true), tostring(err))
    end
    fails("skew: empty input", stats.skew, {})
    fails("quantile: empty input", stats.quantile, tide.empty(0, "float64"), 0.5)
    fails("skew: expected numbers, element 2 is a string", stats.skew, { 1, "a" })
    fails("kurtosis: expected a numeric tensor, got dtype bool", stats.kurtosis, tide.tensor({ true }))
    fails("corr: expected a tensor [n] or [n, d]", stats.corr, tide.zeros(2, 2, 2))
    fails("corr: method must be", stats.corr, X, { method = "kendall" })
    fails("quantile: quantile must be a number in [0, 1], got 1.5", stats.quantile, X, 1.5)
    fails("cramers_v: a has 3 values, b has 2", stats.cramers_v, { 1, 2, 1 }, { 1, 2 })
    fails("cramers_v: a must hold integer codes, element 1 is 1.5", stats.cramers_v, { 1.5 }, { 1 })
    fails("cramers_v: b has a negative code", stats.cramers_v, { 1, 2 }, { 1, -1 })
    fails("cramers_v: a must hold integer codes 1..K, got dtype float64", stats.cramers_v,
      tide.ones(2, "float64"), { 1, 1 })
    fails("correlation_ratio: categories have 2 values, y has 3", stats.eta, { 1, 2 }, { 1, 2, 3 })
    fails("outliers: method must be", stats.outliers, X, { method = "mad" })
    fails("skew: expected a numeric column, got the string column 'Name'", stats.skew,
      { name = "Name", type = "string", offsets = tide.zeros(2, "int64"), bytes = tide.zeros(0, "uint8") })
  end)
end)
