-- The `compare-models` recipe end to end: wine from Debian's python3-sklearn with a few models,
-- a small CSV with text and missing cells, and bad input.
local H = require("spec_helpers")
local tide = require("tide")

local HAVE_SKLEARN = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv")

local function run(args)
  local full = { "run", "compare-models" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

describe("tide run compare-models", function()
  it("compares models on wine and writes the table, tests and plots", function()
    if not HAVE_SKLEARN then return pending("python3-sklearn is not installed") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--data", "wine", "--models", "dummy,logistic,gaussian_nb,tree", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("wine: 178 rows, 13 features, 3 classes", 1, true), o)
    assert.truthy(o:find("5-fold comparison", 1, true), o)
    local acc = {}
    for _, m in ipairs({ "dummy", "logistic", "gaussian_nb", "tree" }) do
      local v = o:match("\n" .. m .. "%s+([%d.]+) ±")
      assert.truthy(v, m .. " row missing:\n" .. o)
      acc[m] = tonumber(v)
    end
    assert.is_true(acc.logistic > 0.95 and acc.gaussian_nb > 0.95 and acc.dummy < 0.45, o)
    assert.truthy(o:find("best by accuracy:", 1, true), o)
    assert.truthy(o:find("vs dummy%s+ttest%s+p = [%d.e-]+%s+%(significant at 5 %%%)"), o)
    local f = tide.frame.read_csv(dir .. "/wine/comparison.csv")
    assert.are.equal(4, f:nrows())
    for _, png in ipairs({ "roc.png", "pr.png", "confusion.png" }) do
      local img = tide.io.read_png(dir .. "/wine/" .. png)
      assert.is_true(img:to("float64"):std() > 10, png .. " is blank")
    end
    assert.truthy(H.read_file(dir .. "/wine/significance.txt"):find("mcnemar", 1, true))
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("reads a CSV with text columns and missing cells, preprocessing inside each fold", function()
    local dir = H.mkdtemp()
    local rows = { "size,color,weight,label" }
    tide.manual_seed(3)
    local u = tide.rand(120, 3, "float64")
    for i = 1, 120 do
      local size = u[{ i, 1 }] * 10
      local color = ({ "red", "green", "blue" })[(i % 3) + 1]
      local weight = (i % 17 == 0) and "" or string.format("%.3f", u[{ i, 2 }] * 5)
      local label = (size + (color == "red" and 4 or 0) > 7) and "yes" or "no"
      rows[#rows + 1] = string.format("%.3f,%s,%s,%s", size, color, weight, label)
    end
    H.write_file(dir .. "/toy.csv", table.concat(rows, "\n") .. "\n")
    local o, e, code = run({ "--data", dir .. "/toy.csv", "--target", "label", "--models", "logistic,tree,knn", "--cv", "4",
      "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("120 rows, 2 numeric and 1 text features, target label", 1, true), o)
    assert.truthy(o:find("4-fold comparison", 1, true), o)
    assert.truthy(H.exists(dir .. "/toy/comparison.json"))
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("compares regressors when the target is a continuous number", function()
    local dir = H.mkdtemp()
    local rows = { "a,b,kind,price" }
    tide.manual_seed(5)
    local u = tide.rand(100, 3, "float64")
    for i = 1, 100 do
      local a, b = u[{ i, 1 }], u[{ i, 2 }]
      local kind = (i % 2 == 0) and "x" or "y"
      rows[#rows + 1] = string.format("%.4f,%.4f,%s,%.4f", a, b, kind, 3 * a - b + (kind == "x" and 1 or 0) + 0.1 * u[{ i, 3 }])
    end
    H.write_file(dir .. "/reg.csv", table.concat(rows, "\n") .. "\n")
    local o, e, code = run({ "--data", dir .. "/reg.csv", "--target", "price", "--models", "dummy,linear,tree", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("target price (regression)", 1, true), o)
    assert.truthy(o:find("best by r2: linear", 1, true), o)
    local r2 = tonumber(o:match("\nlinear%s+([%d.]+) ±"))
    assert.is_true(r2 > 0.95, o)
    o, e, code = run({ "--data", dir .. "/reg.csv", "--target", "price", "--models", "logistic" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("unknown regression model 'logistic'", 1, true), e)
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("names bad options and data", function()
    local o, e, code = run({ "--models", "logistic,perceptron", "--data", "wine" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("unknown classification model 'perceptron'", 1, true), e)
    o, e, code = run({ "--data", "/nonexistent/x.csv" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("/nonexistent/x.csv", 1, true), e)
    local dir = H.mkdtemp()
    H.write_file(dir .. "/a.csv", "x,y\n1,0\n2,1\n")
    o, e, code = run({ "--data", dir .. "/a.csv", "--target", "z" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("no column 'z'", 1, true), e)
    os.execute("rm -rf " .. H.q(dir))
  end)
end)
