-- The `preprocess` recipe end to end: Titanic (through TIDE_DATA) fitted on train.csv and applied
-- to test.csv, a small hand-made CSV whose every step can be checked by hand, and bad input.
local H = require("spec_helpers")
local tide = require("tide")

local function run(args)
  local full = { "run", "preprocess" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

local exists = H.exists

-- the output CSV as a frame; asserts that no cell is missing
local function read_complete(path)
  local f = tide.frame.read_csv(path)
  for _, nm in ipairs(f.names) do
    assert.are.equal(f:nrows(), f:col(nm):count(), "column " .. nm .. " has missing cells")
  end
  return f
end

local function index_of(list, v)
  for i, x in ipairs(list) do if x == v then return i end end
end

describe("tide run preprocess", function()
  it("profiles, cleans and encodes Titanic, and applies the pipeline to test.csv", function()
    local titanic = H.data_dir("titanic")
    if not titanic then return pending("TIDE_DATA with titanic is not set") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("891 rows x 12 columns", 1, true), o)
    assert.truthy(o:find("Age%s+float64%s+177"), o)              -- missing per column
    assert.truthy(o:find("Name%s+all values are distinct strings"), o)
    assert.truthy(o:find("Ticket%s+681 distinct strings"), o)
    assert.truthy(o:find("Age%s+177 missing %-> median 28"), o)
    assert.truthy(o:find("Embarked%s+2 missing %-> most frequent 'S'"), o)
    assert.truthy(o:find("outliers (iqr, clip) in 891 rows", 1, true), o)
    assert.truthy(o:find("Fare%s+bounds %[%-26.724, 65.6344%]%s+below 0%s+above 116"), o)
    assert.truthy(o:find("pipeline reloads: identical output", 1, true), o)

    local f = read_complete(dir .. "/preprocessed.csv")
    assert.are.equal(891, f:nrows())
    assert.are.equal("Survived", f.names[1])
    assert.are.equal(342, f:col("Survived"):sum())
    for _, gone in ipairs({ "PassengerId", "Name", "Ticket" }) do assert.is_nil(index_of(f.names, gone), gone) end
    for _, nm in ipairs({ "Sex_female", "Sex_male", "Embarked_C", "Embarked_Q", "Embarked_S", "Age_missing",
      "Cabin_missing", "Embarked_missing" }) do
      assert.truthy(index_of(f.names, nm), nm .. " missing from " .. table.concat(f.names, ","))
    end
    -- standardised columns: mean 0, population std 1
    local age = f:col("Age"):to_tensor()
    assert.is_true(math.abs(age:mean()) < 1e-9)
    assert.is_true(math.abs(age:std() * math.sqrt(890 / 891) - 1) < 1e-9)
    assert.are.equal(177, f:col("Age_missing"):sum())
    assert.are.equal(577, f:col("Sex_male"):sum())
    assert.are.equal(646, f:col("Embarked_S"):sum())            -- 644 + the 2 imputed
    assert.is_true(exists(dir .. "/pipeline.json"))
    -- the JSON is a loadable transformer
    assert.are.equal("ColumnTransformer", tide.preprocess.load(dir .. "/pipeline.json")._name)

    o, e, code = run({ "--apply", dir .. "/pipeline.json", "--data", titanic .. "/test.csv", "--out", dir })
    assert.are.equal(0, code, o .. e)
    local t = read_complete(dir .. "/test.preprocessed.csv")
    assert.are.equal(418, t:nrows())
    assert.is_nil(index_of(t.names, "Survived"))
    local expect = {}
    for i = 2, #f.names do expect[#expect + 1] = f.names[i] end
    assert.are.same(expect, t.names)

    -- parity with the same pipeline built from scikit-learn 1.2 parts (tests/gen/gen_recipe_preprocess.py)
    local ref = H.fixture("recipe_preprocess")
    assert.are.equal(ref.n_features, #expect)
    H.assert_matches(f:to_tensor(expect), ref.train, 1e-12, "train.csv output vs scikit-learn")
    H.assert_matches(t:to_tensor(expect), ref.test, 1e-12, "test.csv output vs scikit-learn")
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("does every step on a small CSV, and applies to unseen categories and new missing cells", function()
    local dir = H.mkdtemp()
    H.write_file(dir .. "/in.csv", table.concat({
      "id,code,x,k,color,y",
      "1,a1,1.0,1,red,0",
      "2,a2,2.0,2,blue,1",
      "3,a3,,1,red,0",
      "4,a4,3.0,3,,1",
      "5,a5,4.0,1,red,0",
      "6,a6,100.0,2,blue,1",
      "7,a7,2.0,1,green,0",
      "8,a8,3.0,2,red,1",
      "",
    }, "\n"))
    local o, e, code = run({ "--data", dir .. "/in.csv", "--target", "y", "--out", dir, "--min-frequency", "2" })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("8 rows x 6 columns", 1, true), o)
    assert.truthy(o:find("id%s+distinct integers"), o)
    assert.truthy(o:find("code%s+all values are distinct strings"), o)
    assert.truthy(o:find("x%s+1 missing %-> median 3"), o)
    assert.truthy(o:find("color%s+1 missing %-> most frequent 'red'"), o)
    -- x after imputation: 1 2 2 3 3 3 4 100 sorted, quartiles 2 and 3.25 -> bounds [0.125, 5.125]
    assert.truthy(o:find("x%s+bounds %[0.125, 5.125%]%s+below 0%s+above 1%s+clipped 1"), o)
    assert.truthy(o:find("color%s+3 categories %-> 3 columns %(1 grouped as infrequent%)"), o)
    assert.truthy(o:find("pipeline reloads: identical output", 1, true), o)
    local f = read_complete(dir .. "/preprocessed.csv")
    assert.are.same({ "y", "x", "k", "color_blue", "color_red", "color_infrequent", "x_missing", "color_missing" }, f.names)
    assert.are.same({ 0, 0, 0, 0, 0, 0, 1, 0 }, f:col("color_infrequent"):totable())   -- green (row 7)
    assert.are.same({ 1, 0, 1, 1, 1, 0, 0, 1 }, f:col("color_red"):totable())         -- row 4 imputed
    assert.are.same({ 0, 0, 1, 0, 0, 0, 0, 0 }, f:col("x_missing"):totable())
    -- x after imputation (3) and clipping (5.125), standardised
    local x = tide.tensor({ 1, 2, 3, 3, 4, 5.125, 2, 3 }, "float64")
    local z = (x - x:mean()) / (x:std() * math.sqrt(7 / 8))
    for i = 1, 8 do assert.is_true(math.abs(f:col("x"):get(i) - z[i]) < 1e-12, "x row " .. i) end

    -- applied to the training file itself: the same CSV, target (remembered in the JSON) first
    H.sh("cp " .. H.q(dir .. "/in.csv") .. " " .. H.q(dir .. "/again.csv"))
    o, e, code = run({ "--apply", dir .. "/pipeline.json", "--data", dir .. "/again.csv", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.are.equal(H.read_file(dir .. "/preprocessed.csv"), H.read_file(dir .. "/again.preprocessed.csv"))

    -- new data: an unseen colour, a missing k (no indicator: k had none in fit), no target
    H.write_file(dir .. "/new.csv", "id,code,x,k,color\n9,b1,50,,purple\n10,b2,,2,blue\n")
    o, e, code = run({ "--apply", dir .. "/pipeline.json", "--data", dir .. "/new.csv", "--out", dir })
    assert.are.equal(0, code, o .. e)
    local t = read_complete(dir .. "/new.preprocessed.csv")
    assert.are.equal(2, t:nrows())
    assert.are.same({ "x", "k", "color_blue", "color_red", "color_infrequent", "x_missing", "color_missing" }, t.names)
    assert.are.same({ 0, 1 }, t:col("color_blue"):totable())
    assert.are.equal(0, t:col("color_red"):get(1) + t:col("color_infrequent"):get(1))  -- unknown: zeros
    assert.are.same({ 0, 1 }, t:col("x_missing"):totable())
    assert.are.equal(f:col("x"):get(6), t:col("x"):get(1))                            -- clipped like 100
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("rejects bad input with a clear message", function()
    local dir = H.mkdtemp()
    H.write_file(dir .. "/in.csv", "a,b\n1,x\n2,y\n3,x\n")
    local o, e, code = run({ "--data", dir .. "/in.csv", "--target", "Nope", "--out", dir })
    assert.are.equal(1, code, o .. e)
    assert.truthy(e:find("preprocess: --target 'Nope': no such column in", 1, true), e)
    assert.truthy(e:find("(columns: a, b)", 1, true), e)
    _, e, code = run({ "--data", dir .. "/missing.csv", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("preprocess: --data " .. dir .. "/missing.csv: no such file", 1, true), e)
    _, e, code = run({ "--data", dir .. "/in.csv", "--target", "a", "--drop", "zz", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("--drop: no column 'zz'", 1, true), e)
    _, e, code = run({ "--apply", dir .. "/nope.json", "--data", dir .. "/in.csv", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("--apply " .. dir .. "/nope.json: no such file", 1, true), e)
    -- malformed and empty CSV files, an output folder that cannot be created
    H.write_file(dir .. "/bad.csv", 'a,b\n1,"x\n2,y\n')
    _, e, code = run({ "--data", dir .. "/bad.csv", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("preprocess: csv read: " .. dir .. "/bad.csv line 2: unterminated quoted field", 1, true), e)
    H.write_file(dir .. "/empty.csv", "")
    _, e, code = run({ "--data", dir .. "/empty.csv", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("empty.csv is empty", 1, true), e)
    _, e, code = run({ "--data", dir .. "/in.csv", "--out", dir .. "/in.csv/sub" })
    assert.are.equal(1, code)
    assert.truthy(e:find("preprocess: --out " .. dir .. "/in.csv/sub: cannot create the folder", 1, true), e)
    -- a pipeline applied to data without the columns it needs
    o, e, code = run({ "--data", dir .. "/in.csv", "--target", "a", "--out", dir })
    assert.are.equal(0, code, o .. e)
    H.write_file(dir .. "/other.csv", "a,c\n1,2\n")
    _, e, code = run({ "--apply", dir .. "/pipeline.json", "--data", dir .. "/other.csv", "--out", dir })
    assert.are.equal(1, code)
    assert.truthy(e:find("lacks column(s) the pipeline needs: b", 1, true), e)
    H.sh("rm -rf " .. H.q(dir))
  end)
end)
