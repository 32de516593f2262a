-- tide.text.lemmatize: WordNet's morphy against NLTK 3.8's WordNetLemmatizer reading the same
-- database (tests/fixtures/text_lemmatize.lua from tests/gen/gen_text_lemmatize.py: every case is
-- compared), parts of speech and Penn tags, lists, the per-process cache, the load time, another
-- database folder, and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local L = require("tide.text.lemmatize")

local WORDNET = "/usr/share/wordnet"
local have_wordnet = H.exists(WORDNET .. "/index.noun")

local function need_wordnet()
  if not have_wordnet then pending("wordnet-base is not installed (" .. WORDNET .. ")") end
  return have_wordnet
end

describe("Lemmatizer", function()
  it("gives NLTK's lemma for every word / part of speech of the fixture", function()
    if not need_wordnet() then return end
    local F = H.fixture("text_lemmatize")
    local lem = L.Lemmatizer()
    assert.is_true(#F.cases >= 2000, "fixture has " .. #F.cases .. " cases")
    local bad, changed = {}, 0
    for i, c in ipairs(F.cases) do
      local got = lem:lemmatize(c[1], c[2])
      if got ~= c[3] then
        bad[#bad + 1] = string.format("case %d (%s): %q as %s -> %q, NLTK %q", i, c[4], c[1], c[2], got, c[3])
      end
      if c[1] ~= c[3] then changed = changed + 1 end
    end
    assert.is_true(changed >= 500, changed .. " cases change the word")
    assert(#bad == 0, #bad .. " lemmas differ from NLTK " .. F.nltk .. ":\n" .. table.concat(bad, "\n", 1,
      math.min(#bad, 20)))
  end)

  it("follows morphy: exceptions first, rules repeated, the shortest lemma, no case folding", function()
    if not need_wordnet() then return end
    local lem = L.Lemmatizer()
    assert.equals("goose", lem:lemmatize("geese"))
    assert.equals("run", lem:lemmatize("ran", "v"))
    assert.equals("good", lem:lemmatize("better", "a"))   -- candidates better, good, well: shortest first
    assert.same({ "better", "good", "well" }, lem:morphy("better", "a"))
    assert.same({}, lem:morphy("blorfs", "n"))
    assert.equals("blorfs", lem:lemmatize("blorfs"))
    assert.equals("Dogs", lem:lemmatize("Dogs"))           -- the database is lower case
    assert.equals("hot_dog", lem:lemmatize("hot_dogs"))
    assert.equals("hot dogs", lem:lemmatize("hot dogs"))  -- multi-word lemmas use "_"
    assert.equals("dog", L.lemmatize("dogs"))
    assert.equals("be", L.lemmatize("was", "v"))
  end)

  it("accepts WordNet's parts of speech and Penn Treebank tags", function()
    if not need_wordnet() then return end
    local lem = L.Lemmatizer()
    assert.equals(lem:lemmatize("happier", "a"), lem:lemmatize("happier", "s"))
    assert.equals("happy", lem:lemmatize("happier", "JJR"))
    assert.equals("run", lem:lemmatize("running", "VBG"))
    assert.equals("goose", lem:lemmatize("geese", "NNS"))
    assert.equals("well", lem:lemmatize("better", "RBR"))
    assert.equals("best", lem:lemmatize("best", "RBS")) -- best, well: equal lengths, the first
    assert.equals("running", lem:lemmatize("running", "DT")) -- other tags: as a noun
    assert.equals(lem:lemmatize("leaves", "n"), lem:lemmatize("leaves", "IN"))
  end)

  it("lemmatises lists with one part of speech or one tag per token", function()
    if not need_wordnet() then return end
    local lem = L.Lemmatizer()
    local words = { "the", "geese", "were", "flying", "faster" }
    assert.same({ "the", "goose", "were", "flying", "faster" }, lem:lemmatize_all(words))
    assert.same({ "the", "geese", "be", "fly", "faster" }, lem:lemmatize_all(words, "v"))
    assert.same({ "the", "goose", "be", "fly", "fast" }, lem:lemmatize_all(words, { "DT", "NNS", "VBD", "VBG", "JJR" }))
    assert.same({}, lem:lemmatize_all({}))
  end)

  it("reads the database once per process, quickly", function()
    if not need_wordnet() then return end
    -- a fresh module instance: its cache is empty
    package.loaded["tide.text.lemmatize"] = nil
    local fresh = require("tide.text.lemmatize")
    package.loaded["tide.text.lemmatize"] = L
    local t0 = os.clock()
    fresh.Lemmatizer()
    local first = os.clock() - t0
    t0 = os.clock()
    local again = fresh.Lemmatizer()
    local second = os.clock() - t0
    assert.equals(L.Lemmatizer()._db, L.Lemmatizer({ path = WORDNET .. "/" })._db)
    assert.equals("dog", again:lemmatize("dogs"))
    assert.is_true(second < 0.005, "a second Lemmatizer took " .. second .. " s")
    -- 150 ms in the release build; the sanitizer build preloads ASan and runs about 3 times slower
    local limit = os.getenv("LD_PRELOAD") and 0.6 or 0.3
    assert.is_true(first < limit, "loading WordNet took " .. first .. " s")
    print(string.format("\n  WordNet loaded in %.0f ms", first * 1000))
  end)

  it("reads another folder holding the same file layout", function()
    local dir = H.mkdtemp()
    H.write_file(dir .. "/index.noun", "  1 licence text\ncat n 1 0 1 0 02121620\nox n 1 0 1 0 02403454\n")
    H.write_file(dir .. "/index.verb", "purr v 1 0 1 0 01053771\n")
    H.write_file(dir .. "/index.adj", "tiny a 1 0 1 0 01392249\n")
    H.write_file(dir .. "/index.adv", "fast r 1 0 1 0 00086000\n")
    H.write_file(dir .. "/noun.exc", "oxen ox\n")
    H.write_file(dir .. "/verb.exc", "")
    H.write_file(dir .. "/adj.exc", "tinier tiny\n")
    H.write_file(dir .. "/adv.exc", "")
    local lem = L.Lemmatizer({ path = dir })
    assert.equals("cat", lem:lemmatize("cats"))
    assert.equals("ox", lem:lemmatize("oxen"))
    assert.equals("purr", lem:lemmatize("purring", "v"))
    assert.equals("tiny", lem:lemmatize("tinier", "a"))
    assert.equals("dogs", lem:lemmatize("dogs"))
    assert.matches("Lemmatizer%(WordNet in .+%)", tostring(lem))
    os.remove(dir .. "/adv.exc")
    local fresh = dir .. "/../" .. dir:match("[^/]+$") -- another spelling: not cached
    H.assert_error(function() return L.Lemmatizer({ path = fresh }) end, "Lemmatizer", "adv.exc", "wordnet-base")
    H.write_file(dir .. "/adv.exc", "")
    H.write_file(dir .. "/index.adv", "  only a licence\n")
    H.assert_error(function() return L.Lemmatizer({ path = dir .. "//" .. "." }) end, "index.adv", "holds no lemma")
    os.execute("rm -rf " .. H.q(dir))
  end)

  it("rejects bad input with a message naming the call", function()
    if not need_wordnet() then return end
    local lem = L.Lemmatizer()
    H.assert_error(function() return L.Lemmatizer({ path = "/nonexistent/wordnet" }) end, "Lemmatizer",
      "/nonexistent/wordnet/index.", "wordnet-base")
    H.assert_error(function() return L.Lemmatizer({ dir = "x" }) end, "Lemmatizer: unknown option 'dir'")
    H.assert_error(function() return L.Lemmatizer("x") end, "Lemmatizer", "options must be a table")
    H.assert_error(function() return lem:lemmatize(42) end, "lemmatize: word must be a string, got number")
    H.assert_error(function() return lem:lemmatize("") end, "lemmatize: word is an empty string")
    H.assert_error(function() return lem:lemmatize("caf\233s") end, "lemmatize: word is not valid UTF-8")
    H.assert_error(function() return lem:lemmatize("\237\160\128") end, "not valid UTF-8") -- a surrogate
    H.assert_error(function() return L.lemmatize("dogs", "x") end, "lemmatize: unknown part of speech 'x'", "Penn")
    H.assert_error(function() return lem:lemmatize("dogs", "N") end, "unknown part of speech 'N'")
    H.assert_error(function() return lem:morphy("dogs", 1) end, "morphy: unknown part of speech 1")
    H.assert_error(function() return lem:lemmatize_all("dogs") end, "lemmatize_all: tokens must be a list")
    H.assert_error(function() return lem:lemmatize_all({ "a", "b" }, { "n" }) end, "lemmatize_all: 2 tokens but 1 tags")
    H.assert_error(function() return lem:lemmatize_all({ "a", 3 }) end, "lemmatize_all: token 2 must be a string")
    H.assert_error(function() return lem:lemmatize_all({ "a", "b" }, { "n", "ZZ" }) end, "tag 2", "'ZZ'")
    assert.equals("café", lem:lemmatize("café"))
  end)

  it("is reached through tide.text", function()
    if not need_wordnet() then return end
    assert.equals("mouse", tide.text.lemmatize("mice"))
    assert.equals("run", tide.text.Lemmatizer():lemmatize("runs", "v"))
  end)
end)
