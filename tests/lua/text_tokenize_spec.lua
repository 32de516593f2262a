-- tide.text tokenisers: the word tokeniser against NLTK's TweetTokenizer (and its documented
-- differences), Penn Treebank contractions, the sentence splitter on hand-written cases, the
-- regex / whitespace tokenisers against Python's re and str.split, n-grams against
-- scikit-learn's analyzers, the regex handle, and bad input everywhere.
-- Reference values: tests/gen/gen_text_tokenize.py -> tests/fixtures/text_tokenize.lua.
local text = require("tide.text")
local tokenize = require("tide.text.tokenize")
local H = require("spec_helpers")
local F = H.fixture("text_tokenize")

local function show(list)
  local out = {}
  for i, s in ipairs(list) do out[i] = string.format("%q", s) end
  return "{" .. table.concat(out, ", ") .. "}"
end

local function same(want, got, what)
  if show(want) ~= show(got) then
    error(string.format("%s:\n  want %s\n  got  %s", what, show(want), show(got)), 2)
  end
end

local WORD_OPTS = {
  default = {}, lower = { preserve_case = false }, reduce_handles = { reduce_len = true, strip_handles = true },
  no_phone = { phone_numbers = false }, split = { contractions = "split" },
}

describe("tide.text word_tokenize", function()
  it("equals NLTK's TweetTokenizer with the documented differences, on every fixture sentence", function()
    local agree = 0
    for i, c in ipairs(F.word) do
      same(c.want, text.word_tokenize(c.s, WORD_OPTS[c.opts]), string.format("case %d (%s) %q", i, c.opts, c.s))
      if show(c.want) == show(c.nltk) then agree = agree + 1 end
    end
    assert.is_true(#F.word >= 1000)
    -- the differences are deliberate, and limited: most cases are NLTK's tokens exactly
    assert.is_true(agree / #F.word > 0.6, "agreement with NLTK " .. agree .. " / " .. #F.word)
  end)

  it("differs from NLTK where documented", function()
    -- numbers stay whole (NLTK: "1,000" "." "50"; "-" "2"; "1.5" "e10")
    same({ "1,000.50", "-2", "1.5e10", "2024-01-15", "192.168.0.1", "+3", "1e-5" },
      text.word_tokenize("1,000.50 -2 1.5e10 2024-01-15 192.168.0.1 +3 1e-5"), "numbers")
    -- a sign after a word character is punctuation; 10% is two tokens, as NLTK
    same({ "COVID", "-", "19", "10", "%", "x", "-", "2" }, text.word_tokenize("COVID-19 10% x-2"), "signs")
    -- runs of one punctuation mark (NLTK: "!" "!" "!"); runs longer than 3 are cut to 3 first
    same({ "Wow", "!!!", "really", "??", "--", "?", "!" }, text.word_tokenize("Wow!!!!!! really?? -- ?!"), "runs")
    -- U+2019 is an apostrophe inside words (NLTK: "don" "’" "t")
    same({ "don’t", "it’s" }, text.word_tokenize("don’t it’s"), "curly apostrophe")
    -- unknown entities are kept as written (NLTK deletes them); known ones are decoded
    same({ "&", "foo", ";", "&", "<", "'" }, text.word_tokenize("&foo; &amp; &lt; &#39;"), "entities")
    same({ "&", "amp", ";" }, text.word_tokenize("&amp;", { html_entities = false }), "entities off")
    -- lowercasing is simple case mapping: İ -> i (Python: "i̇"), no final sigma (Python: "ς")
    same({ "istanbul", "οδοσ", ":D" }, text.word_tokenize("İstanbul ΟΔΟΣ :D", { preserve_case = false }), "lowercase")
  end)

  it("recognises URLs, e-mail, mentions, hashtags, emoticons and gives their kinds", function()
    local toks, kinds = text.word_tokenize(
      "@united flight #fail :( see https://t.co/x1?a=b, mail a.b@c.org or www.x.com/page 3.5 hrs!!! 👍🏽 🇫🇷 <br>",
      { kinds = true })
    same({ "@united", "flight", "#fail", ":(", "see", "https://t.co/x1?a=b", ",", "mail", "a.b@c.org", "or",
      "www.x.com/page", "3.5", "hrs", "!!!", "👍🏽", "🇫🇷", "<br>" }, toks, "tokens")
    same({ "mention", "word", "hashtag", "emoticon", "word", "url", "punct", "word", "email", "word", "url",
      "number", "word", "punct", "symbol", "symbol", "symbol" }, kinds, "kinds")
    local _, k2 = text.word_tokenize("x <3 ^_^ xD 555-123-4567 ->", { kinds = true })
    same({ "word", "emoticon", "symbol", "punct", "symbol", "word", "number", "punct" }, k2, "kinds 2")
  end)

  it("applies its options", function()
    same({ "Waaay", "tooo", "cool", "!!!" }, text.word_tokenize("@remy Waaaaay toooo cool!!!!",
      { reduce_len = true, strip_handles = true }), "reduce_len, strip_handles")
    same({ "see", "now" }, text.word_tokenize("see http://x.com/a now", { strip_urls = true }), "strip_urls")
    same({ "555", "123", "4567" }, text.word_tokenize("555 123 4567", { phone_numbers = false }), "no phones")
    same({ "555 123 4567" }, text.word_tokenize("555 123 4567"), "phones")
    same({ "i", "love", "it", ":D", "http://x.com/A" }, text.word_tokenize("I LOVE IT :D http://x.com/A",
      { preserve_case = false }), "lowercase keeps emoticons (and tokens containing one, as NLTK)")
    local tok = text.WordTokenizer({ contractions = "split", kinds = true })
    local t, k = tok:tokenize("I can't")
    same({ "I", "ca", "n't" }, t, "object")
    same({ "word", "word", "word" }, k, "object kinds")
    assert.are.equal("split", tok:get_params().contractions)
    -- the same object again gives the same answer (its buffer is reused)
    same({ "I", "ca", "n't" }, (tok:tokenize("I can't")), "reuse")
  end)

  it("splits contractions as Penn Treebank's tokeniser does", function()
    for _, c in ipairs(F.treebank) do
      same(c.want, text.word_tokenize(c.s, { contractions = "split" }), c.s)
    end
    same({ "do", "n't", "ca", "n't", "I", "'m", "we", "'ll", "John", "'s", "can", "not", "gon", "na" },
      text.word_tokenize("don't can't I'm we'll John's cannot gonna", { contractions = "split" }), "examples")
    same({ "do", "n’t" }, text.word_tokenize("don’t", { contractions = "split" }), "curly apostrophe")
  end)

  it("handles empty, blank and long input", function()
    same({}, text.word_tokenize(""), "empty")
    same({}, text.word_tokenize(" \t\n "), "blank")
    local s = string.rep("Flight delayed again!!! @united #fail :( http://t.co/abc ", 5000)
    local t = text.word_tokenize(s)
    assert.are.equal(5000 * 8, #t)
  end)
end)

describe("tide.text sentences", function()
  -- {text, expected sentences[, options]}
  local CASES = {
    { "Hello world. How are you?", { "Hello world.", "How are you?" } },
    { "One! Two? Three.", { "One!", "Two?", "Three." } },
    { "No terminator at the end", { "No terminator at the end" } },
    { "  Leading and trailing space.  ", { "Leading and trailing space." } },
    { "", {} },
    { "   ", {} },
    { ".", { "." } },
    { "Mr. Smith went to Washington. He arrived late.", { "Mr. Smith went to Washington.", "He arrived late." } },
    { "Dr. Jones and Mrs. Brown met Prof. Lee.", { "Dr. Jones and Mrs. Brown met Prof. Lee." } },
    { "Ms. Green is here. St. Louis is far.", { "Ms. Green is here.", "St. Louis is far." } },
    { "Use e.g. apples or i.e. fruit. Then stop.", { "Use e.g. apples or i.e. fruit.", "Then stop." } },
    { "It costs 3.50 dollars. Cheap!", { "It costs 3.50 dollars.", "Cheap!" } },
    { "Pi is 3.14159. E is 2.718.", { "Pi is 3.14159.", "E is 2.718." } },
    { "Version 2.0.1 is out. Update now.", { "Version 2.0.1 is out.", "Update now." } },
    { "The U.S. economy grew. Stocks rose.", { "The U.S. economy grew.", "Stocks rose." } },
    { "He lives in the U.S. and works there.", { "He lives in the U.S. and works there." } },
    { "I moved to the U.S. Then I moved back.", { "I moved to the U.S.", "Then I moved back." } },
    { "Apples, pears, etc. are fruit.", { "Apples, pears, etc. are fruit." } },
    { "I bought apples, pears, etc. Then I went home.", { "I bought apples, pears, etc.", "Then I went home." } },
    { "He works at Acme Inc. and likes it.", { "He works at Acme Inc. and likes it." } },
    { "He works at Acme Inc. She does not.", { "He works at Acme Inc.", "She does not." } },
    { "J. K. Rowling wrote it. Read it.", { "J. K. Rowling wrote it.", "Read it." } },
    { "George W. Bush spoke. People listened.", { "George W. Bush spoke.", "People listened." } },
    { "So am I. Are you?", { "So am I.", "Are you?" } },
    { "See No. 5 and Fig. 3 for details. Thanks.", { "See No. 5 and Fig. 3 for details.", "Thanks." } },
    { "I said no. Then he left.", { "I said no.", "Then he left." } },
    { "Read pp. 10-20 tonight. Then sleep.", { "Read pp. 10-20 tonight.", "Then sleep." } },
    { "Wait... What happened?", { "Wait...", "What happened?" } },
    { "I was... thinking about it.", { "I was... thinking about it." } },
    { "Hmm… Maybe later.", { "Hmm…", "Maybe later." } },
    { "Well… okay then.", { "Well… okay then." } },
    { "What?! No way!!! Really???", { "What?!", "No way!!!", "Really???" } },
    { "Stop!!! Please stop.", { "Stop!!!", "Please stop." } },
    { "He said \"Stop.\" Then he left.", { "He said \"Stop.\"", "Then he left." } },
    { "\"Stop!\" he said. She ran.", { "\"Stop!\" he said.", "She ran." } },
    { "\"Really?\" she asked. \"Yes.\"", { "\"Really?\" she asked.", "\"Yes.\"" } },
    { "(This is an aside.) Back to the topic.", { "(This is an aside.)", "Back to the topic." } },
    { "It was great (really!) and fun.", { "It was great (really!) and fun." } },
    { "She said “Go home.” He went.", { "She said “Go home.”", "He went." } },
    { "He replied 'fine.' Then silence.", { "He replied 'fine.'", "Then silence." } },
    { "Visit example.com today. It's nice.", { "Visit example.com today.", "It's nice." } },
    { "Email me at a.b@c.org. Thanks!", { "Email me at a.b@c.org.", "Thanks!" } },
    { "Meet at 5 p.m. Bring food.", { "Meet at 5 p.m.", "Bring food." } },
    { "Meet at 5 p.m. tomorrow.", { "Meet at 5 p.m. tomorrow." } },
    { "He has a Ph.D. in physics.", { "He has a Ph.D. in physics." } },
    { "Born Jan. 5, 1990 in Oslo. Died 2050.", { "Born Jan. 5, 1990 in Oslo.", "Died 2050." } },
    { "Compare A vs. B now. Done.", { "Compare A vs. B now.", "Done." } },
    { "The end.Next part has no space.", { "The end.Next part has no space." } },
    { "Line one\nstill line one. Line two.", { "Line one\nstill line one.", "Line two." } },
    { "Para one\n\nPara two", { "Para one", "Para two" } },
    { "Para one\n \t\nPara two.", { "Para one", "Para two." } },
    { "Para one\r\n\r\nPara two", { "Para one", "Para two" } },
    { "Para one\n\nPara two", { "Para one\n\nPara two" }, { paragraphs = false } },
    { "Line one\nLine two\nLine three.", { "Line one", "Line two", "Line three." }, { newlines = true } },
    { "A title\nFirst sentence. Second one.", { "A title", "First sentence.", "Second one." }, { newlines = true } },
    { "東京は晴れです。今日はいい天気！明日は？", { "東京は晴れです。", "今日はいい天気！", "明日は？" } },
    { "Привет. Как дела? Хорошо!", { "Привет.", "Как дела?", "Хорошо!" } },
    { "Ça va. Très bien!", { "Ça va.", "Très bien!" } },
    { "Γειά. Τι κάνεις;", { "Γειά.", "Τι κάνεις;" } },
    { "lowercase start. another one here.", { "lowercase start.", "another one here." } },
    { "Numbers 1. First 2. Second", { "Numbers 1.", "First 2.", "Second" } },
    { "Is it 5? Yes. It is 5.", { "Is it 5?", "Yes.", "It is 5." } },
    { "Great flight! :) Will fly again.", { "Great flight!", ":) Will fly again." } },
    { "Ok. Ok. Ok.", { "Ok.", "Ok.", "Ok." } },
    { "Sr. Garcia and Jr. members met. Good.", { "Sr. Garcia and Jr. members met.", "Good." } },
    { "Mt. Everest is high. Very high.", { "Mt. Everest is high.", "Very high." } },
    { "end with abbreviation Mr.", { "end with abbreviation Mr." } },
  }

  it("splits " .. #CASES .. " hand-written cases", function()
    assert.is_true(#CASES >= 60)
    for i, c in ipairs(CASES) do
      same(c[2], text.sentences(c[1], c[3]), string.format("case %d %q", i, c[1]))
    end
  end)
end)

describe("tide.text regex tokenisers", function()
  it("equal Python's re.findall and re.split on the fixture (non-ASCII included)", function()
    for i, c in ipairs(F.regex) do
      same(c.want, text.regex_tokenize(c.s, c.pattern, { gaps = c.gaps or false }),
        string.format("case %d %q on %q%s", i, c.pattern, c.s, c.gaps and " (gaps)" or ""))
    end
  end)

  it("compiles once in RegexTokenizer", function()
    local tok = text.RegexTokenizer("hello", { caseless = true })
    same({ "Hello", "HELLO" }, tok:tokenize("Hello, HELLO, help"), "caseless")
    same({ "a", "b" }, text.RegexTokenizer("\\s*,\\s*", { gaps = true }):tokenize("a , b"), "gaps")
    assert.are.same({ pattern = "hello", gaps = false, caseless = true }, tok:get_params())
    same({ "1", "22" }, text.regex_tokenize("a1 b22", "\\d+"), "module function")
    same({}, text.regex_tokenize("", "\\w+"), "empty")
  end)

  it("exposes the compiled regex with a collected handle", function()
    local re = tokenize.regex("(\\w+)@", { caseless = false })
    assert.are.equal(1, re:groups())
    local a, b = re:find("mail joe@x.com")
    assert.are.same({ 6, 8 }, { a, b })
    assert.is_nil(re:find("nothing here"))
    assert.are.same({ 7, 10 }, { tokenize.regex("é+"):find("café éé", 6) })
    H.assert_error(function() tokenize.regex("é+"):find("café éé", 5) end, "Regex:find: start 4 is inside a character")
    for _ = 1, 2000 do tokenize.regex("x" .. math.random(1, 1e6)) end -- freed by the collector
    collectgarbage()
  end)

  it("reports bad patterns with PCRE2's message and the offset", function()
    H.assert_error(function() text.regex_tokenize("abc", "a(b") end, "regex_tokenize:", "at offset 3", "'a(b'")
    H.assert_error(function() text.RegexTokenizer("[z-a]") end, "RegexTokenizer:", "at offset")
    H.assert_error(function() text.RegexTokenizer(42) end, "RegexTokenizer: pattern must be a string")
    H.assert_error(function() text.regex_tokenize("x", "x", { gap = true }) end, "regex_tokenize: unknown option 'gap'")
    H.assert_error(function() text.RegexTokenizer("(a+)+$"):tokenize(string.rep("a", 40) .. "b") end,
      "RegexTokenizer:tokenize:", "limit")
  end)
end)

describe("tide.text whitespace_tokenize", function()
  it("equals Python's str.split()", function()
    for i, c in ipairs(F.whitespace) do same(c.want, text.whitespace_tokenize(c.s), "case " .. i) end
  end)
end)

describe("tide.text n-grams", function()
  it("char_ngrams equals scikit-learn's char and char_wb analyzers", function()
    for i, c in ipairs(F.char) do
      same(c.want, text.char_ngrams(c.s, c.n_min, c.n_max, { wb = c.wb }),
        string.format("case %d %q (%d, %d)%s", i, c.s, c.n_min, c.n_max, c.wb and " wb" or ""))
    end
    same({ "ab", "bc" }, text.char_ngrams("abc", 2), "n_max defaults to n_min")
  end)

  it("word_ngrams equals scikit-learn's _word_ngrams", function()
    for i, c in ipairs(F.word_ngrams) do
      local stop = c.stop or nil
      same(c.want, text.word_ngrams(c.tokens, c.n_min, c.n_max, { stop_words = stop }),
        string.format("case %d (%d, %d)", i, c.n_min, c.n_max))
    end
    same({ "a b" }, text.word_ngrams({ "a", "the", "b" }, 2, 2, { stop_words = { the = true } }), "stop set")
  end)

  it("checks the ranges", function()
    H.assert_error(function() text.char_ngrams("abc", 0, 2) end, "char_ngrams: n_min must be a positive integer")
    H.assert_error(function() text.char_ngrams("abc", 3, 2) end, "char_ngrams: n_max (2) must be >= n_min (3)")
    H.assert_error(function() text.word_ngrams({ "a" }, 1.5, 2) end, "word_ngrams: n_min must be a positive integer")
    H.assert_error(function() text.word_ngrams({ "a", 3 }, 1, 2) end, "word_ngrams: tokens[2] is a number")
    H.assert_error(function() text.word_ngrams("a b", 1, 2) end, "word_ngrams: tokens must be a list")
  end)
end)

describe("tide.text tokenisers on bad input", function()
  local BAD = "ok \xE2\x82 end" -- a truncated 3-byte sequence at byte 4
  local calls = {
    word_tokenize = function(s) return text.word_tokenize(s) end,
    sentences = function(s) return text.sentences(s) end,
    whitespace_tokenize = function(s) return text.whitespace_tokenize(s) end,
    regex_tokenize = function(s) return text.regex_tokenize(s, "\\w+") end,
    char_ngrams = function(s) return text.char_ngrams(s, 1, 2) end,
  }

  it("reject invalid UTF-8, naming the function and the 1-based byte", function()
    for name, f in pairs(calls) do
      H.assert_error(function() f(BAD) end, name .. ": invalid UTF-8 at byte 4")
      H.assert_error(function() f("\xFF") end, name .. ": invalid UTF-8 at byte 1")
      H.assert_error(function() f("a\xED\xA0\x80") end, name .. ": invalid UTF-8 at byte 2") -- a surrogate
      H.assert_error(function() f("ab\xC0\xAF") end, name .. ": invalid UTF-8 at byte 3") -- overlong
    end
    H.assert_error(function() text.WordTokenizer():tokenize(BAD) end, "WordTokenizer:tokenize: invalid UTF-8 at byte 4")
    H.assert_error(function() text.RegexTokenizer("a"):tokenize(BAD) end, "RegexTokenizer:tokenize: invalid UTF-8 at byte 4")
    H.assert_error(function() text.word_ngrams({ "a", "b\xFF" }, 1, 2) end, "word_ngrams: tokens[2]: invalid UTF-8 at byte 2")
  end)

  it("give an empty list for an empty string", function()
    for name, f in pairs(calls) do assert.are.same({}, f(""), name) end
    assert.are.same({}, text.word_ngrams({}, 1, 2))
  end)

  it("reject non-strings and bad options", function()
    for name, f in pairs(calls) do
      H.assert_error(function() f(42) end, name .. ": text must be a string, got number")
      H.assert_error(function() f(nil) end, name .. ": text must be a string, got nil")
    end
    H.assert_error(function() text.word_tokenize("x", { contractions = "expand" }) end,
      "word_tokenize: contractions must be \"keep\" or \"split\"")
    H.assert_error(function() text.WordTokenizer({ lowercase = true }) end, "WordTokenizer: unknown option 'lowercase'")
    H.assert_error(function() text.word_tokenize("x", { reduce_len = 1 }) end, "word_tokenize: reduce_len must be true or false")
    H.assert_error(function() text.sentences("x", { newlines = "yes" }) end, "sentences: newlines must be true or false")
    H.assert_error(function() text.char_ngrams("x", 1, 2, { wb = 1 }) end, "char_ngrams: wb must be true or false")
  end)

  it("keep NUL bytes as ordinary characters", function()
    same({ "a\0b" }, text.whitespace_tokenize("a\0b"), "whitespace")
    same({ "a", "\0", "b" }, text.word_tokenize("a\0b"), "word")
  end)
end)
