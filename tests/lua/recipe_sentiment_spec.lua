-- The `sentiment` recipe end to end: the labelled sentences (binary) through the registry, a CSV
-- of one's own, classifying sentences with the saved pipeline, and bad input.
local H = require("spec_helpers")
local tide = require("tide")

local SENTENCES = H.data_dir("sentiment-labelled-sentences")

local function run(args)
  local full = { "run", "sentiment" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

describe("tide run sentiment", function()
  it("trains and compares the models on the sentences, writes the best pipeline, classifies", function()
    if not SENTENCES then return pending("TIDE_DATA has no sentiment-labelled-sentences") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--dataset", "sentences", "--out", dir, "What a great phone, I love it",
      "Terrible, it broke after a day" })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("3000 labelled review sentences", 1, true), o)
    local f1 = {}
    for _, m in ipairs({ "multinomial NB", "complement NB", "logistic regression", "linear SVM", "fastText%-style network" }) do
      local acc, f = o:match("\n  " .. m .. "%s+([%d.]+)%s+([%d.]+)")
      assert.truthy(acc, m .. " row missing:\n" .. o)
      f1[m] = tonumber(f)
      assert.is_true(f1[m] > 0.7, m .. " macro F1 " .. f .. "\n" .. o)
    end
    -- the report of the best model: precision / recall / F1 per class, confusion matrix
    assert.truthy(o:find("\n%s+negative%s+[%d.]+%s+[%d.]+%s+[%d.]+%s+300"), o)
    assert.truthy(o:find("\n%s+positive%s+[%d.]+%s+[%d.]+%s+[%d.]+%s+300"), o)
    assert.truthy(o:find("Confusion matrix", 1, true), o)
    -- the sentences given are classified
    assert.truthy(o:find("\n  positive%s+%(?[%d.]*%)?%s*What a great phone, I love it"), o)
    assert.truthy(o:find("\n  negative%s+%(?[%d.]*%)?%s*Terrible, it broke after a day"), o)
    local sub = dir .. "/sentences/"
    for _, file in ipairs({ "model.safetensors", "metrics.json", "comparison.csv", "confusion.png" }) do
      assert.truthy(H.exists(sub .. file), file)
    end
    local img = tide.io.read_png(sub .. "confusion.png")
    assert.is_true(img:to("float64"):std() > 10, "confusion.png is blank")
    local cmp = tide.frame.read_csv(sub .. "comparison.csv")
    assert.are.equal(5, cmp:nrows())
    -- the saved pipeline classifies new strings by itself, from a script and through --model
    local pipe = tide.models.load(sub .. "model.safetensors")
    local pred = pipe:predict({ "excellent, works great", "awful waste of money" })
    assert.are.same({ 2, 1 }, { tonumber(pred[1]), tonumber(pred[2]) })
    local o2, e2, code2 = run({ "--model", sub .. "model.safetensors", "Best purchase ever" })
    assert.are.equal(0, code2, o2 .. e2)
    assert.truthy(o2:find("positive%s+%(?[%d.]*%)?%s*Best purchase ever"), o2)
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("reads a CSV of one's own", function()
    local dir = H.mkdtemp()
    local good = { "lovely", "great", "wonderful", "superb", "fine" }
    local bad = { "awful", "terrible", "horrid", "dreadful", "poor" }
    local rows = { "review,stars" }
    for i = 1, 120 do
      local w = i % 2 == 0 and good[i % 5 + 1] or bad[i % 5 + 1]
      rows[#rows + 1] = string.format('"The food was %s, item %d",%s', w, i, i % 2 == 0 and "five" or "one")
    end
    H.write_file(dir .. "/reviews.csv", table.concat(rows, "\n") .. "\n")
    local o, e, code = run({ "--data", dir .. "/reviews.csv", "--text-column", "review", "--label-column", "stars",
      "--models", "nb,logistic", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("2 classes (five, one); 96 train, 24 test", 1, true), o)
    assert.truthy(o:find("\n  logistic regression%s+1%.0000"), o)
    assert.truthy(H.exists(dir .. "/reviews/model.safetensors"))
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("names what is wrong", function()
    local _, e, code = run({ "--dataset", "poems" })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("--dataset must be sentences or tweets", 1, true), e)
    _, e, code = run({ "--data", "/nonexistent/x.csv" })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("/nonexistent/x.csv", 1, true), e)
    _, e, code = run({ "--model", "/nonexistent/model.safetensors", "hello" })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("/nonexistent/model.safetensors", 1, true), e)
  end)
end)
