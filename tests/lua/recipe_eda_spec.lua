-- The `eda` recipe end to end on Titanic (through TIDE_DATA): the terminal summary, the PNG plots,
-- and the HTML report opened in headless Chromium with every image loaded and screenshotted
-- (tests/check/eda_report_chromium.sh); then bad input.
local H = require("spec_helpers")
local tide = require("tide")

local function run(args)
  local full = { "run", "eda" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

describe("tide run eda", function()
  local dir
  teardown(function() if dir then os.execute("rm -rf " .. H.q(dir)) end end)

  it("profiles Titanic, writes the report and its plots, and the report opens in Chromium", function()
    if not H.data_dir("titanic") then return pending("TIDE_DATA with titanic is not set") end
    dir = H.mkdtemp()
    local o, e, code = run({ "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("891 rows x 12 columns, target Survived", 1, true), o)
    assert.truthy(o:find("Sex%s+cramers_v%s+0.5434"), o)          -- the strongest association
    assert.truthy(o:find("wrote " .. dir .. "/report.html and 21 plots", 1, true), o)
    for _, png in ipairs({ "hist_06_Age.png", "box_06_Age.png", "bar_05_Sex.png", "corr_pearson.png",
      "corr_spearman.png", "cramers_v.png" }) do
      local img = tide.io.read_png(dir .. "/" .. png)
      assert.is_true(img.shape[1] >= 300 and img.shape[2] >= 400, png .. " is too small to read")
      assert.is_true(img:to("float64"):std() > 10, png .. " is blank")
    end
    local chromium = H.sh("command -v chromium chromium-browser 2>/dev/null | head -n 1"):gsub("%s+$", "")
    if chromium == "" then return pending("chromium is not installed (apt-get install chromium)") end
    local shot = dir .. "/screenshot.png"
    local co, ce, ccode = H.sh("env -u LD_PRELOAD " .. H.q(H.SOURCE .. "/tests/check/eda_report_chromium.sh") .. " "
      .. H.q(dir .. "/report.html") .. " " .. H.q(shot))
    assert.are.equal(0, ccode, co .. ce)
    assert.truthy(co:find("images 21 loaded 21", 1, true), co .. ce)
    local img = tide.io.read_png(shot)
    assert.are.equal(1280, img.shape[2])
    assert.is_true(img:to("float64"):std() > 10, "the screenshot is blank")
  end)

  it("names a missing target column and a missing file", function()
    if not H.data_dir("titanic") then return pending("TIDE_DATA with titanic is not set") end
    local o, e, code = run({ "--target", "Survivd", "--out", H.mkdtemp() })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("no target column 'Survivd'", 1, true), e)
    o, e, code = run({ "--data", "/nonexistent.csv" })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("/nonexistent.csv", 1, true), e)
  end)
end)
