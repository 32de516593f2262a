-- The `feature-select` recipe on breast cancer (Debian's python3-sklearn table): every step's
-- row, the correlated pairs, RFE's features, the PCA share, the files; and bad input.
local H = require("spec_helpers")
local tide = require("tide")

local HAVE_SKLEARN = H.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv")

describe("tide run feature-select", function()
  it("reduces breast cancer four ways and reports accuracy and time", function()
    if not HAVE_SKLEARN then return pending("python3-sklearn is not installed") end
    local dir = H.mkdtemp()
    local o, e, code = H.run_tide({ "run", "feature-select", "--data", "breast-cancer", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("breast-cancer: 426 training rows, 143 test rows, 30 features, 2 classes", 1, true), o)
    assert.truthy(o:find("|r| = 0.998   mean perimeter  ~  mean radius (kept)", 1, true), o)
    local steps = {}
    for step, k, acc in o:gmatch("\n  (%a+)%s+(%d+) features%s+accuracy ([%d.]+)") do steps[step] = { tonumber(k), tonumber(acc) } end
    assert.are.equal(30, steps.all[1])
    assert.is_true(steps.all[2] > 0.95, o)
    assert.is_true(steps.correlation[1] < 30 and steps.correlation[2] > 0.93, o)
    assert.are.equal(steps.correlation[1], steps.univariate[1])
    assert.are.equal(10, steps.rfe[1])
    assert.is_true(steps.pca[1] >= 5 and steps.pca[2] > 0.93, o)
    assert.truthy(o:find("RFE keeps: ", 1, true), o)
    local f = tide.frame.read_csv(dir .. "/summary.csv")
    assert.are.equal(5, f:nrows())
    for _, png in ipairs({ "breast-cancer_correlation.png", "breast-cancer_pca_variance.png" }) do
      assert.is_true(tide.io.read_png(dir .. "/" .. png):to("float64"):std() > 10, png)
    end
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("names an unknown data set", function()
    local o, e, code = H.run_tide({ "run", "feature-select", "--data", "irises" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("unknown data set 'irises'", 1, true), e)
  end)
end)
