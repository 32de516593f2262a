-- The `nlp-pipeline` recipe end to end: the sentiment sentences through the registry, a text
-- file of one's own, and bad input.
local H = require("spec_helpers")
local tide = require("tide")

local SENTENCES = H.data_dir("sentiment-labelled-sentences")

local function run(args)
  local full = { "run", "nlp-pipeline" }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return H.run_tide(full)
end

describe("tide run nlp-pipeline", function()
  it("shows every stage and the corpus statistics of the sentiment sentences", function()
    if not SENTENCES then return pending("TIDE_DATA has no sentiment-labelled-sentences") end
    local dir = H.mkdtemp()
    local o, e, code = run({ "--samples", "1", "--text", "The geese weren't flying; Dr. Smith saw them at 5 p.m. :)",
      "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("Corpus: 3000 documents", 1, true), o)
    for _, stage in ipairs({ "input", "normalised", "tokens", "no stops", "stems", "lemmas", "bigrams", "char 3-grams" }) do
      assert.truthy(o:find("\n  " .. stage, 1, true), stage .. " missing:\n" .. o)
    end
    -- the --text sample: the emoticon is a token of its own kind, geese -> goose
    assert.truthy(o:find(":)/emoticon", 1, true), o)
    assert.truthy(o:find("goose", 1, true), o)
    -- vocabulary shrinks stage by stage
    local sizes = {}
    for _, s in ipairs({ "as written", "case%-folded", "without stop words", "stemmed" }) do
      sizes[#sizes + 1] = tonumber(o:match("\n%s+" .. s .. "%s+(%d+)"))
      assert.truthy(sizes[#sizes], s .. " missing:\n" .. o)
    end
    for i = 2, #sizes do assert.is_true(sizes[i] < sizes[i - 1], o) end
    assert.truthy(o:find("word tokeniser: [%d.]+ s, [%d.]+ MB/s"), o)
    assert.truthy(o:find("TF%-IDF %(word 1%-2 grams, min_df = 2%): 3000 x %d+"), o)
    assert.truthy(o:find("chi-squared, negative / positive", 1, true), o)
    local top = tide.frame.read_csv(dir .. "/top_terms.csv")
    assert.are.equal(15, top:nrows())
    assert.are.equal("the", top:col("term"):get(1))
    local img = tide.io.read_png(dir .. "/top_terms.png")
    assert.is_true(img:to("float64"):std() > 10, "top_terms.png is blank")
    assert.truthy(H.read_file(dir .. "/summary.json"):find('"documents":3000', 1, true))
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("reads a text file of one's own, one document per line", function()
    local dir = H.mkdtemp()
    H.write_file(dir .. "/docs.txt", "Cats are running.\r\n\nDogs ran faster than cats!\nThe cat sat.\n")
    local o, e, code = run({ "--data", dir .. "/docs.txt", "--samples", "3", "--top", "3", "--out", dir })
    assert.are.equal(0, code, o .. e)
    assert.truthy(o:find("Corpus: 3 documents", 1, true), o)
    assert.truthy(o:find("stems%s+cat | run"), o)
    assert.truthy(o:find("TF-IDF (word 1-2 grams, min_df = 2): 3 x 1,", 1, true), o) -- only "cats" is in two
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("names what is wrong", function()
    local dir = H.mkdtemp()
    local _, e, code = run({ "--data", dir .. "/missing.txt", "--out", dir })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("missing.txt", 1, true), e)
    H.write_file(dir .. "/bad.txt", "fine\nbroken \255 bytes\n")
    _, e, code = run({ "--data", dir .. "/bad.txt", "--out", dir })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("invalid UTF-8", 1, true), e)
    H.write_file(dir .. "/empty.txt", "\n\n")
    _, e, code = run({ "--data", dir .. "/empty.txt", "--out", dir })
    assert.are_not.equal(0, code)
    assert.truthy(e:find("no documents", 1, true), e)
    os.execute("rm -rf " .. H.q(dir))
  end)
end)
