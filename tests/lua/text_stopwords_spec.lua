-- tide.text stop words (lua/tide/text/stopwords.lua): the Snowball lists of Debian's
-- liblingua-stopwords-perl, checked against what Perl's Lingua::StopWords itself returns, and the
-- StopWords sets built from them.
local H = require("spec_helpers")
local text = require("tide.text")
local stopwords = require("tide.text.stopwords")
local json = require("tide.io.json")

local LANGS = { danish = "da", dutch = "nl", english = "en", finnish = "fi", french = "fr", german = "de",
  hungarian = "hu", indonesian = "id", italian = "it", norwegian = "no", portuguese = "pt", romanian = "ro",
  russian = "ru", spanish = "es", swedish = "sv" }

local have_lists = H.exists(stopwords._dir .. "/EN.pm")

-- the words Lingua::StopWords gives for a code, through perl (nil when perl cannot load it)
local function perl_words(code)
  local out, _, status = H.sh("perl -MLingua::StopWords=getStopWords -e 'binmode STDOUT, \":utf8\"; "
    .. "my $s = getStopWords(\"" .. code .. "\", \"UTF-8\"); print join(\"\\n\", sort keys %$s), \"\\n\"'")
  if status ~= 0 then return nil end
  local t = {}
  for w in out:gmatch("[^\n]+") do t[#t + 1] = w end
  return t
end

local function with_dir(dir, fn)
  local old = stopwords._dir
  stopwords._dir = dir
  local ok, err = pcall(fn)
  stopwords._dir = old
  if not ok then error(err, 0) end
end

describe("tide.text stop words", function()
  it("names the 15 Snowball languages", function()
    local names = {}
    for name in pairs(LANGS) do names[#names + 1] = name end
    table.sort(names)
    assert.are.same(names, text.stop_word_languages())
  end)

  if not have_lists then
    pending("the stop-word lists: " .. stopwords._dir .. " is absent (Debian package liblingua-stopwords-perl)")
  else
    it("every list equals what Perl's Lingua::StopWords returns", function()
      if not perl_words("en") then return pending("perl cannot load Lingua::StopWords") end
      for name, code in pairs(LANGS) do
        local want = perl_words(code)
        local got = text.StopWords(name):words()
        assert.are.same(want, got, name)
        assert.is_true(#got >= 90, name)
      end
    end)

    it("stop_words takes names and codes in any case and returns a copy", function()
      local en = text.stop_words("english")
      assert.is_true(en["the"] and en["i'm"] and en["yourselves"])
      assert.is_nil(en["flight"])
      assert.are.same(en, text.stop_words("en"))
      assert.are.same(en, text.stop_words("EN"))
      assert.are.same(en, text.stop_words("English"))
      en["the"], en["flight"] = nil, true
      local again = text.stop_words("english")
      assert.is_true(again["the"])
      assert.is_nil(again["flight"])
      assert.is_true(text.stop_words("ru")["и"])
      assert.is_true(text.stop_words("german")["über"])
      assert.is_true(text.stop_words("fr")["êtes"])
    end)

    it("StopWords: languages, add, remove, file; contains, filter, words, size", function()
      local sw = text.StopWords{ lang = { "english", "french" }, add = { "rt", "via" }, remove = { "not" } }
      assert.are.same({ "english", "french" }, sw.languages)
      assert.is_true(sw:contains("the") and sw:contains("le") and sw:contains("rt"))
      assert.is_false(sw:contains("not"))
      assert.is_false(sw:contains("The")) -- exact: the caller lowercases
      local tokens = { "the", "flight", "was", "not", "late", "rt", "le", "vol" }
      assert.are.same({ "flight", "not", "late", "vol" }, sw:filter(tokens))
      assert.are.equal(8, #tokens)
      assert.are.same({}, sw:filter({}))
      local en, fr = text.StopWords("english"):size(), text.StopWords("french"):size()
      local both = text.StopWords{ lang = { "english", "french" } }:size()
      assert.is_true(both <= en + fr and both > math.max(en, fr))
      assert.are.equal(both + 2 - 1, sw:size())
      local words = sw:words()
      assert.are.equal(sw:size(), #words)
      for i = 2, #words do assert.is_true(words[i - 1] < words[i]) end
      -- chaining, a single word or a list
      assert.are.equal(sw, sw:add("delayed"):remove({ "rt", "via" }))
      assert.is_true(sw:contains("delayed"))
      assert.is_false(sw:contains("rt"))
      -- a list of one's own, and no list at all
      local own = text.StopWords{ lang = {}, add = { "a", "b" } }
      assert.are.same({ "a", "b" }, own:words())
      assert.are.equal(0, text.StopWords():size())
      assert.are.equal("StopWords(326 words from english, french)", tostring(text.StopWords{ lang = { "en", "fr" } }))
      -- a file: white space between words, "#" and "|" comments
      local path = H.tmpname()
      H.write_file(path, "# my list\nfoo bar | Snowball-style comment\n  baz\t qux # the end\n\nbär\n")
      local f = text.StopWords{ file = path, add = "extra" }
      os.remove(path)
      assert.are.same({ "bar", "baz", "bär", "extra", "foo", "qux" }, f:words())
    end)

    it("to_table / from_table keep the words (through JSON), and need no package to load", function()
      local sw = text.StopWords{ lang = "english", add = { "rt" }, remove = { "not" } }
      local t = sw:to_table()
      assert.are.same({ "english" }, t.languages)
      assert.are.same(sw:words(), t.words)
      local back = text.StopWords.from_table(json.decode(json.encode(t)))
      assert.are.same(sw:words(), back:words())
      assert.are.same(sw.languages, back.languages)
      with_dir("/nonexistent", function()
        assert.are.same(sw:words(), text.StopWords.from_table(t):words())
      end)
      -- the copy is independent
      back:add("zzz")
      assert.is_false(sw:contains("zzz"))
    end)
  end

  it("a missing package or a damaged list is a clear error naming the file", function()
    local dir = H.mkdtemp()
    with_dir(dir, function()
      H.assert_error(function() text.stop_words("english") end,
        "text.stop_words: cannot read " .. dir .. "/EN.pm, the english stop words: install the Debian package liblingua-stopwords-perl")
      H.assert_error(function() text.StopWords{ lang = "fr" } end, "text.StopWords: cannot read " .. dir .. "/FR.pm")
      H.write_file(dir .. "/DE.pm", "package Lingua::StopWords::DE;\n1;\n")
      H.assert_error(function() text.stop_words("de") end, dir .. "/DE.pm has no 'sub _stopwords { return qw(...) }' list")
      H.write_file(dir .. "/NL.pm", "sub _stopwords {\n    return qw(\n de het \255 een\n    );\n}\n")
      H.assert_error(function() text.stop_words("nl") end, dir .. "/NL.pm: invalid UTF-8 in the word list")
      H.write_file(dir .. "/SV.pm", "sub _stopwords {\n    return qw(\n och  i\n att\n    );\n}\n")
      assert.are.same({ att = true, i = true, och = true }, text.stop_words("sv"))
    end)
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("rejects bad arguments with the call's name", function()
    H.assert_error(function() text.stop_words("klingon") end, "text.stop_words: no stop words for 'klingon' (known: danish (da),")
    H.assert_error(function() text.stop_words() end, "text.stop_words: the language must be a name")
    H.assert_error(function() text.StopWords{ lang = "xx" } end, "text.StopWords: no stop words for 'xx'")
    H.assert_error(function() text.StopWords{ lang = 3 } end, "text.StopWords: lang must be a language or a list")
    H.assert_error(function() text.StopWords{ language = "en" } end, "text.StopWords: unknown option 'language'")
    H.assert_error(function() text.StopWords(5) end, "text.StopWords: expected a table of options, got number")
    H.assert_error(function() text.StopWords{ add = { "a", 2 } } end, "text.StopWords: add: word 2 must be a non-empty string, got number")
    H.assert_error(function() text.StopWords{ add = { "" } } end, "text.StopWords: add: word 1 must be a non-empty string, got \"\"")
    H.assert_error(function() text.StopWords{ remove = true } end, "text.StopWords: remove must be a word or a list of words, got boolean")
    H.assert_error(function() text.StopWords{ add = { "ok", "caf\233" } } end, "text.StopWords: add: word 2 is not valid UTF-8")
    H.assert_error(function() text.StopWords{ file = "/nonexistent/stop.txt" } end,
      "text.StopWords: cannot read the stop-word file /nonexistent/stop.txt")
    local path = H.tmpname()
    H.write_file(path, "fine\nwords\nbad \192\175\n")
    H.assert_error(function() text.StopWords{ file = path } end, "text.StopWords: " .. path .. ": invalid UTF-8 on line 3 (byte 16)")
    os.remove(path)
    local sw = text.StopWords{ add = { "a" } }
    H.assert_error(function() sw:contains(1) end, "StopWords:contains: expected a string, got number")
    H.assert_error(function() sw:filter("a b") end, "StopWords:filter: expected a list of tokens, got string")
    H.assert_error(function() sw:add(nil) end, "StopWords:add: words must be a word or a list of words, got nil")
    H.assert_error(function() sw:remove({ {} }) end, "StopWords:remove: words: word 1 must be a non-empty string, got table")
    H.assert_error(function() text.StopWords.from_table({}) end, "StopWords.from_table: expected a table with a list of words")
    H.assert_error(function() text.StopWords.from_table({ words = { 1 } }) end, "StopWords.from_table: words: word 1 must be a non-empty string")
  end)
end)
