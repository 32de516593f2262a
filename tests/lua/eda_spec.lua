-- tide.eda.report on a small frame (statistics equal to tide.stats and to values worked out by
-- hand), the self-contained HTML report (every image a decodable PNG data URI, names escaped),
-- base64, the `eda` recipe on Titanic (through TIDE_DATA) and bad input.
local H = require("spec_helpers")
local tide = require("tide")
local eda = require("tide.eda")
local stats = require("tide.stats")
local F, NA = tide.frame, tide.frame.NA

local PNG = "\137PNG\r\n\26\n"
local WEIRD = 'k<&"'

local function small()
  return F.new({
    { "x", { 1.5, 2, NA, 4, 10, 3, 2.5, 100 } },
    { "n", { 1, 2, 3, 4, 5, 6, 7, 8 } },
    { WEIRD, { "a", "b", "a", "a", NA, "b", "c", "a" } },
    { "flag", { true, false, true, true, false, false, true, true } },
    { "y", { 1, 0, 1, 1, 0, 0, 1, 0 } },
  })
end

local function close(a, b, tol)
  assert(math.abs(a - b) <= (tol or 1e-12), ("expected %.17g, got %.17g"):format(b, a))
end

local exists = H.exists

local function codes(col)
  local c = col:codes()
  return c + 1
end

describe("tide.eda base64", function()
  it("encodes the RFC 4648 test vectors and decodes them back", function()
    local vectors = { [""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==", fooba = "Zm9vYmE=",
      foobar = "Zm9vYmFy" }
    for plain, enc in pairs(vectors) do
      assert.are.equal(enc, eda.base64(plain))
      assert.are.equal(plain, eda.base64_decode(enc))
    end
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local all = table.concat(bytes):rep(41) -- > 4096 groups, every byte value
    assert.are.equal(all, eda.base64_decode(eda.base64(all)))
  end)

  it("escapes HTML", function()
    assert.are.equal("k&lt;&amp;&quot;&gt;&#39;", eda.escape("k<&\">'"))
  end)
end)

describe("tide.eda.report", function()
  local out, r, f
  setup(function()
    out = H.mkdtemp()
    f = small()
    r = eda.report(f, { target = "y", out = out })
  end)
  teardown(function() os.execute("rm -rf " .. H.q(out)) end)

  it("computes the per-column statistics", function()
    assert.are.equal(8, r.nrows)
    assert.are.equal(5, r.ncols)
    local x = r.by_name.x
    assert.are.equal("float64", x.type)
    assert.are.equal(7, x.count)
    assert.are.equal(1, x.missing)
    assert.are.equal(7, x.unique)
    close(x.mean, 123 / 7)
    close(x.std, f.x:std())
    -- sorted: 1.5 2 2.5 3 4 10 100; linear quartiles at positions 1.5 and 4.5 (0-based)
    assert.are.equal(1.5, x.min)
    close(x.q25, 2.25)
    assert.are.equal(3, x.median)
    close(x.q75, 7)
    assert.are.equal(100, x.max)
    local present = tide.tensor({ 1.5, 2, 4, 10, 3, 2.5, 100 }, "float64")
    close(x.skew, stats.skew(present))
    close(x.kurtosis, stats.kurtosis(present))
    -- IQR rule: fences 2.25 - 1.5 * 4.75 and 7 + 1.5 * 4.75; only 100 is outside
    assert.are.equal(1, x.outliers.count)
    close(x.outliers.lower, -4.875)
    close(x.outliers.upper, 14.125)
    local n = r.by_name.n
    assert.are.equal("int64", n.type)
    close(n.mean, 4.5)
    close(n.std, math.sqrt(6))
    assert.are.equal(0, n.skew)
    assert.are.equal(0, n.outliers.count)
  end)

  it("lists the most frequent values of categorical columns", function()
    local k = r.by_name[WEIRD]
    assert.are.equal("categorical", k.kind)
    assert.are.equal(7, k.count)
    assert.are.equal(1, k.missing)
    assert.are.equal(3, k.unique)
    assert.are.same({ { value = "a", count = 4 }, { value = "b", count = 2 }, { value = "c", count = 1 } }, k.top)
    assert.is_nil(k.mean)
    local flag = r.by_name.flag
    assert.are.same({ value = "True", count = 5 }, flag.top[1])
  end)

  it("computes Pearson, Spearman and Cramér's V as tide.stats does", function()
    assert.are.same({ "x", "n", "y" }, r.numeric)
    local m = f:to_tensor({ "x", "n", "y" })
    local p, s = stats.corr(m), stats.spearman(m)
    for i = 1, 3 do
      for j = 1, 3 do
        close(r.pearson[i][j], p[i][j])
        close(r.spearman[i][j], s[i][j])
      end
    end
    assert.are.same({ WEIRD, "flag" }, r.cramers_names)
    close(r.cramers_v[1][2], stats.cramers_v(codes(f:col(WEIRD)), codes(f.flag)))
    close(r.cramers_v[2][1], r.cramers_v[1][2])
    assert.are.equal(1, r.cramers_v[1][1])
  end)

  it("measures each column's association with the target", function()
    assert.are.equal("y", r.target.target)
    assert.are.equal("categorical", r.target.kind)
    local by = {}
    for _, row in ipairs(r.target.rows) do by[row.column] = row end
    assert.is_nil(by.y)
    local yc = codes(f.y)
    assert.are.equal("correlation ratio", by.x.measure)
    close(by.x.value, stats.correlation_ratio(yc, f:to_tensor({ "x" }):select(2, 1)))
    assert.are.equal("cramers_v", by.flag.measure)
    close(by.flag.value, stats.cramers_v(codes(f.flag), yc))
    assert.are.equal("cramers_v", by[WEIRD].measure)
    -- strongest first
    for i = 2, #r.target.rows do
      assert.is_true(math.abs(r.target.rows[i - 1].value) >= math.abs(r.target.rows[i].value))
    end
  end)

  it("uses Pearson's r for a numeric target", function()
    local g = F.new({ { "a", { 1, 2, 3, 4, 5 } }, { "b", { 2.5, 1, 4, 4.5, 7 } } })
    local q = eda.report(g, { target = "b" })
    assert.are.equal("numeric", q.target.kind)
    assert.are.equal("pearson", q.target.rows[1].measure)
    close(q.target.rows[1].value, stats.corr(g:to_tensor())[1][2])
    assert.is_nil(q.html)
  end)

  it("writes the plots as PNG files", function()
    local kinds = {}
    for _, p in ipairs(r.plots) do
      kinds[p.kind] = (kinds[p.kind] or 0) + 1
      local fh = assert(io.open(p.path, "rb"))
      assert.are.equal(PNG, fh:read(8))
      fh:close()
    end
    assert.are.equal(3, kinds.hist)   -- x, n, y
    assert.are.equal(2, kinds.box)    -- x and n by class of y; none of the target itself
    assert.are.equal(2, kinds.bar)    -- k<&", flag
    assert.are.equal(3, kinds.heatmap) -- pearson, spearman, cramér's V
    assert.is_true(exists(out .. "/corr_pearson.png"))
    assert.is_true(exists(out .. "/hist_01_x.png"))
  end)

  it("writes one self-contained HTML report with every image embedded", function()
    assert.are.equal(out .. "/report.html", r.html)
    local text = H.read_file(r.html)
    assert.truthy(text:find("^<!DOCTYPE html>"))
    assert.truthy(text:find("</html>%s*$"))
    local imgs = 0
    for tag in text:gmatch("<img[^>]*>") do
      imgs = imgs + 1
      local data = tag:match('src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
      assert.truthy(data, "an <img> without a PNG data URI: " .. tag:sub(1, 80))
      local bytes = eda.base64_decode(data)
      assert.are.equal(PNG, bytes:sub(1, 8))
      -- the embedded bytes are the PNG file itself
    end
    assert.are.equal(#r.plots, imgs)
    assert.is_nil(text:find('src="[^d]'))  -- no external image reference
    -- names with < & " are escaped everywhere
    assert.truthy(text:find("k&lt;&amp;&quot;", 1, true))
    assert.is_nil(text:find(WEIRD, 1, true))
    -- no temp file left behind
    local ls = H.sh("ls " .. H.q(out))
    assert.is_nil(ls:find("tmp", 1, true))
  end)

  it("opens in headless Chromium with every image loaded", function()
    local chromium = H.sh("command -v chromium chromium-browser 2>/dev/null | head -n 1"):gsub("%s+$", "")
    if chromium == "" then return pending("chromium is not installed (apt-get install chromium)") end
    local o, e, code = H.sh("env -u LD_PRELOAD " .. H.q(H.SOURCE .. "/tests/check/eda_report_chromium.sh") .. " "
      .. H.q(r.html) .. " " .. H.q(out .. "/shot.png"))
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find(string.format("images %d loaded %d", #r.plots, #r.plots), 1, true), o .. e)
    os.remove(out .. "/shot.png")
  end)

  it("gives an aligned terminal summary", function()
    local lines = {}
    for l in r.summary:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.truthy(lines[1]:find("8 rows x 5 columns, target y (categorical)", 1, true))
    assert.truthy(lines[2]:find("^column%s+type%s+count%s+missing"))
    -- the "type" column starts at the same place on every row of the table
    local at = lines[2]:find("type")
    for i = 3, 7 do assert.truthy(lines[i]:sub(at):find("^%a")) end
    assert.truthy(r.summary:find("association with y:", 1, true))
  end)
end)

describe("tide.eda.report bad input", function()
  it("rejects a target column that does not exist", function()
    H.assert_error(function() return eda.report(small(), { target = "Survived" }) end,
      "eda.report: no target column 'Survived'", "columns: x, n")
  end)

  it("rejects an empty frame", function()
    local f = small()
    local empty = f:filter(f.n:gt(100))
    assert.are.equal(0, empty:nrows())
    H.assert_error(function() return eda.report(empty) end, "eda.report: the frame has no rows")
    H.assert_error(function() return eda.report({}) end, "eda.report: expected a tide.frame")
  end)

  it("reports an output folder that cannot be written", function()
    H.assert_error(function() return eda.report(small(), { out = "/proc/tide-eda-nope" }) end,
      "eda.report: cannot create the folder /proc/tide-eda-nope")
  end)

  it("handles an all-missing numeric column and a constant one", function()
    local f = F.new({ { "a", tide.tensor({ 0 / 0, 0 / 0, 0 / 0 }, "float64") }, { "c", { 2, 2, 2 } } })
    local r = eda.report(f)
    assert.are.equal(0, r.by_name.a.count)
    assert.are.equal(3, r.by_name.a.missing)
    assert.are.equal(0, r.by_name.c.std)
    assert.are.equal(0, r.by_name.c.outliers.count)
  end)
end)

describe("tide run eda", function()
  it("writes the Titanic report and its PNGs", function()
    if not H.data_dir("titanic") then return pending("TIDE_DATA does not hold titanic/train.csv") end
    local dir = H.mkdtemp()
    local o, e, code = H.run_tide({ "run", "eda", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("891 rows x 12 columns, target Survived (categorical)", 1, true), o)
    assert.truthy(o:find("Sex%s+cramers_v%s+0%.5434"), o)
    for _, name in ipairs({ "report.html", "corr_pearson.png", "corr_spearman.png", "cramers_v.png",
      "hist_06_Age.png", "box_10_Fare.png", "bar_05_Sex.png" }) do
      assert.is_true(exists(dir .. "/" .. name), name .. " missing")
    end
    local text = H.read_file(dir .. "/report.html")
    local n = 0
    for data in text:gmatch('<img[^>]-src="data:image/png;base64,([A-Za-z0-9+/=]+)"') do
      n = n + 1
      assert.are.equal(PNG, eda.base64_decode(data):sub(1, 8))
    end
    assert.is_true(n >= 20)
    -- an unknown target is a clear error
    o, e, code = H.run_tide({ "run", "eda", "--out", dir, "--target", "Nope" })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("no target column 'Nope'", 1, true), e)
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("reads --data FILE.csv", function()
    local dir = H.mkdtemp()
    local csv = dir .. "/d.csv"
    local fh = assert(io.open(csv, "w"))
    fh:write("a,b,c\n1,x,0.5\n2,y,1.5\n3,x,2.5\n4,y,0.25\n")
    fh:close()
    local o, e, code = H.run_tide({ "run", "eda", "--data", csv, "--target", "b", "--out", dir .. "/out" })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("4 rows x 3 columns, target b (categorical)", 1, true), o)
    assert.is_true(exists(dir .. "/out/report.html"))
    o, e, code = H.run_tide({ "run", "eda", "--data", dir .. "/missing.csv", "--out", dir .. "/out" })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("eda: ", 1, true), e)
    os.execute("rm -rf " .. H.q(dir))
  end)
end)
