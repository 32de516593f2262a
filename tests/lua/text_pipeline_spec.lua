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
