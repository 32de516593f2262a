-- tide.text.Preprocessor and TextPipeline: every stage in order, the scikit-learn contract
-- (params, clone, JSON round trip), whole pipelines fitted, saved, loaded and applied to new
-- strings, and bad input.
local H = require("spec_helpers")
local tide = require("tide")
local text = tide.text

local function joined(list) return table.concat(list, "|") end

describe("text.Preprocessor", function()
  it("runs every stage in order and shows each one", function()
    local p = text.Preprocessor{ stop_words = "english", stemmer = "english" }
    local trace = p:explain("The flights were DELAYED again!!! @united http://x.co :( Café")
    local stages = {}
    for i, s in ipairs(trace) do stages[i] = s.stage end
    assert.are.equal("input|normalised|tokens|kinds dropped|stop words removed|stems", joined(stages))
    assert.are.equal("the flights were delayed again!!! @united http://x.co :( café", trace[2].value)
    assert.are.equal("the|flights|were|delayed|again|!!!|@united|http://x.co|:(|café", joined(trace[3].value))
    assert.are.equal("flights|delayed|@united|http://x.co|:(|café", joined(trace[5].value))
    -- words are stemmed; the mention, URL and emoticon are not
    assert.are.equal("flight|delay|@united|http://x.co|:(|café", joined(trace[6].value))
    assert.are.equal(joined(trace[6].value), joined(p:process("The flights were DELAYED again!!! @united http://x.co :( Café")))
  end)

  it("normalises (NFKC, case folding, accents) before tokenising", function()
    local p = text.Preprocessor{ strip_accents = true }
    assert.are.equal("ﬁne", "\239\172\129ne")
    assert.are.equal("fine|cafe|strasse", joined(p:process("\239\172\129ne CAFÉ Straße")))
    local keep = text.Preprocessor{ lowercase = false, normalize = false }
    assert.are.equal("\239\172\129ne|CAFÉ", joined(keep:process("\239\172\129ne CAFÉ")))
  end)

  it("lemmatises words with WordNet for the part of speech asked", function()
    local v = text.Preprocessor{ lemmatize = "v" }
    assert.are.equal("the|flight|be|delay|and|we|be|run|late",
      joined(v:process("The flights were delayed and we are running late")))
    local n = text.Preprocessor{ lemmatize = true }
    assert.are.equal("the|goose|are|leaf", joined(n:process("The geese are leaves"))) -- "are" as a noun
  end)

  it("drops the token kinds asked, short tokens, and uses other tokenisers", function()
    local p = text.Preprocessor{ drop = { "punct", "url", "mention", "emoticon" }, min_length = 3 }
    assert.are.equal("thanks|for|nothing|#fail", joined(p:process("@AA thanks for nothing :( #fail https://t.co/x ok")))
    local ws = text.Preprocessor{ tokenizer = "whitespace", drop = {} }
    assert.are.equal("a,b|c!", joined(ws:process("A,b   c!")))
    local re = text.Preprocessor{ tokenizer = "regex", pattern = "(?u)\\b\\w\\w+\\b" }
    assert.are.equal("it|great|x2", joined(re:process("It's great x2 !")))
    local split = text.Preprocessor{ contractions = "split", drop = {} }
    assert.are.equal("i|do|n't|know", joined(split:process("I don't know")))
  end)

  it("takes stop words as a list, and a list of documents in transform", function()
    local p = text.Preprocessor{ stop_words = { "bad", "very" } }
    local out = p:fit_transform({ "very bad food", "", "good" })
    assert.are.equal(3, #out)
    assert.are.equal("food", joined(out[1]))
    assert.are.equal(0, #out[2])
    assert.are.equal("good", joined(out[3]))
  end)

  it("replaces invalid UTF-8 when asked and names the document otherwise", function()
    local bad = "ok \255 fine"
    H.assert_error(function() text.Preprocessor{}:transform({ "fine", bad }) end,
      "Preprocessor.transform", "document 2", "invalid UTF-8")
    local p = text.Preprocessor{ invalid = "replace" }
    assert.are.equal("ok|\239\191\189|fine", joined(text.Preprocessor{ invalid = "replace", drop = {} }:process(bad)))
    -- U+FFFD is a symbol, not punctuation: dropping punctuation keeps it
    assert.are.equal("ok|\239\191\189|fine", joined(p:process(bad)))
  end)

  it("checks its parameters and documents", function()
    H.assert_error(function() text.Preprocessor{ tokenizer = "spaces" } end, "Preprocessor", "tokenizer")
    H.assert_error(function() text.Preprocessor{ nope = 1 } end, "Preprocessor", "unknown parameter 'nope'")
    H.assert_error(function() text.Preprocessor{ tokenizer = "regex" } end, "pattern")
    H.assert_error(function() text.Preprocessor{ drop = { "words" } } end, "unknown token kind 'words'")
    H.assert_error(function() text.Preprocessor{ stemmer = "english", lemmatize = true } end, "not both")
    H.assert_error(function() text.Preprocessor{ stemmer = "klingon" }:fit({ "x" }) end, "klingon")
    H.assert_error(function() text.Preprocessor{}:transform({ "a", 3 }) end, "document 2 must be a string")
    H.assert_error(function() text.Preprocessor{}:transform("a") end, "expected a list of strings")
    H.assert_error(function() text.Preprocessor{}:process(nil) end, "Preprocessor.process", "must be a string")
  end)

  it("follows the estimator contract: params, clone, JSON round trip", function()
    local p = text.Preprocessor{ stop_words = "english", stemmer = "english", min_length = 2 }
    assert.are.equal("english", p:get_params().stemmer)
    local c = p:clone()
    assert.are_not.equal(p, c)
    assert.are.same(p:get_params(), c:get_params())
    p:fit({ "x" })
    local B = require("tide.preprocess.base")
    local back = B.from_json(p:to_json())
    local doc = "Running dogs aren't barking at the mailmen"
    assert.are.equal(joined(p:process(doc)), joined(back:process(doc)))
    p:set_params({ stemmer = false })
    assert.are.equal("running|dogs|barking|mailmen", joined(p:process(doc)))
  end)
end)

describe("text.TextPipeline", function()
  local docs = { "great food, lovely staff", "awful service", "lovely place, great wine",
    "cold food and awful staff", "great great great", "awful, never again", "lovely lovely", "never, awful" }
  local labels = { "pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg" }

  local function pipeline(model)
    return text.TextPipeline{
      { "prep", text.Preprocessor{ stop_words = "english", stemmer = "english" } },
      { "tfidf", text.TfidfVectorizer{ ngram_range = { 1, 2 } } },
      { "clf", model or tide.models.LogisticRegression{ C = 10 } },
    }
  end

  it("fits, saves, loads and classifies new strings identically", function()
    for _, model in ipairs({ tide.models.LogisticRegression{ C = 10 }, tide.models.MultinomialNB{},
      tide.models.ComplementNB{}, tide.models.LinearSVC{} }) do
      local pipe = pipeline(model):fit(docs, labels)
      local path = H.tmpname()
      pipe:save(path)
      local back = tide.models.load(path)
      os.remove(path)
      local new = { "what a lovely, great evening", "awful awful food, never", "" }
      local a, b = pipe:predict(new), back:predict(new)
      assert.are.same({ "pos", "neg" }, { a[1], a[2] })
      assert.are.same(a, b)
      local method = pipe.steps[3][2].predict_proba and "predict_proba" or "decision_function"
      local pa, pb = pipe[method](pipe, new), back[method](back, new)
      assert.are.same(H.flat(pa), H.flat(pb))
    end
  end)

  it("selects terms by chi-squared inside the pipeline, and saves the selector with it", function()
    local pipe = text.TextPipeline{
      { "prep", text.Preprocessor{} },
      { "tfidf", text.TfidfVectorizer{ ngram_range = { 1, 2 } } },
      { "chi2", tide.feature_selection.SelectKBest{ score_func = "chi2", k = 5 } },
      { "clf", tide.models.LogisticRegression{ C = 10 } },
    }
    pipe:fit(docs, labels)
    assert.are.equal(5, #pipe.steps[3][2]:get_support(true))
    local path = H.tmpname()
    pipe:save(path)
    local back = tide.models.load(path)
    os.remove(path)
    local new = { "lovely great", "awful never", "staff" }
    assert.are.same(H.flat(pipe:predict_proba(new)), H.flat(back:predict_proba(new)))
    assert.are.same(pipe.steps[3][2]:get_support(true), back.steps[3][2]:get_support(true))
  end)

  it("ignores words never seen in fit (a document of only those gets the model's prior)", function()
    local pipe = pipeline():fit(docs, labels)
    local p = pipe:predict_proba({ "zzz qqq xylophone", "" })
    -- nothing known: both rows are the intercept's probabilities, equal to each other
    assert.are.same(H.flat(p[1]), H.flat(p[2]))
  end)

  it("names the step and document that is wrong", function()
    local pipe = pipeline():fit(docs, labels)
    H.assert_error(function() pipe:predict({ "fine", "bad \255 bytes" }) end, "document 2", "invalid UTF-8",
      "step 1 'prep'")
    H.assert_error(function() pipeline():fit({ "the and of", "a the" }, { "x", "y" }) end, "empty vocabulary",
      "step 2 'tfidf'")
    H.assert_error(function() pipeline():fit(docs, { "pos", "neg" }) end, "clf")
    H.assert_error(function() pipeline():predict(docs) end, "not fitted")
  end)

  it("is cloned unfitted with the same parameters, and cross-validates", function()
    local pipe = pipeline()
    local c = pipe:clone()
    assert.are.same(pipe:get_params()["prep__stemmer"], c:get_params()["prep__stemmer"])
    c:set_params({ tfidf__ngram_range = { 1, 1 } })
    assert.are.same({ 1, 2 }, pipe:get_params()["tfidf__ngram_range"])
    local ev = require("tide.evaluate")
    local y = tide.tensor({ 2, 1, 2, 1, 2, 1, 2, 1 }, "int64")
    local scores = ev.cross_val_score(pipeline(), docs, y, { cv = 2 })
    assert.are.equal(2, #H.flat(scores))
  end)
end)
