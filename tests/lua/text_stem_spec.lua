-- tide.text stemmers (lua/tide/text/stem.lua, core/text_stem.c): libstemmer 2.2 against the
-- Snowball reference vocabularies. With Debian's snowball-data installed, every word of every
-- language libstemmer supports (English 29,417 words, Arabic 9.2 million, ...) must stem to its
-- line of output.txt; tests/fixtures/text_stem.lua keeps 1,051 English (Porter2) and 305 Porter
-- pairs from those data (BSD licence) so the check also runs without the package.
local H = require("spec_helpers")
local ffi = require("ffi")
local core = require("tide._core")
require("tide") -- the tensor methods
local text = require("tide.text")

local F = H.fixture("text_stem")
local DATA = os.getenv("TIDE_SNOWBALL_DATA") or "/usr/share/snowball/data"

-- Languages of snowball-data (2021-01) that libstemmer 2.2 does not build: german2 (the umlaut
-- variant), kraaij_pohlmann (a second Dutch algorithm) and lovins (the 1968 English stemmer).
local NOT_IN_LIBSTEMMER = { german2 = true, kraaij_pohlmann = true, lovins = true }
-- Words whose stem in libstemmer 2.2 differs from the 2021-01 reference, per language. None do:
-- both are Snowball 2.x, whose algorithms did not change in between.
local DIFFERS = {}

pcall(ffi.cdef, "int memcmp(const void *a, const void *b, size_t n);")

-- a whole file, gunzipped when it is .gz (core's reader): its bytes and their count; the uint8
-- tensor returned third holds them
local function slurp(path)
  local t = core.wrap(core.C.tide_file_read_gunzip(path, 0, "text_stem_spec"))
  return ffi.cast("const char *", t:data_ptr()), t:numel(), t
end

local function data_file(lang, name)
  for _, p in ipairs({ DATA .. "/" .. lang .. "/" .. name, DATA .. "/" .. lang .. "/" .. name .. ".gz" }) do
    if H.exists(p) then return p end
  end
end

local function data_languages()
  if not H.exists(DATA .. "/english/voc.txt") then return nil end
  local list = {}
  local p = io.popen("ls " .. H.q(DATA))
  for name in p:lines() do list[#list + 1] = name end
  p:close()
  return list
end

-- the lines of s (which ends with "\n" unless it is the end of the file)
local function split_lines(s)
  local t = {}
  if s:sub(-1) ~= "\n" then s = s .. "\n" end
  for line in s:gmatch("([^\n]*)\n") do t[#t + 1] = line end
  return t
end

describe("tide.text stemmers", function()
  it("stem the committed Snowball samples as the reference does (English Porter2 and Porter)", function()
    assert.is_true(#F.english.words >= 1000)
    for _, lang in ipairs({ "english", "porter" }) do
      local st = text.Stemmer(lang)
      local got = st:stem_all(F[lang].words)
      assert.are.equal(#F[lang].stems, #got)
      for i, w in ipairs(F[lang].words) do
        assert(got[i] == F[lang].stems[i], string.format("%s: %s -> %s, expected %s", lang, w, got[i], F[lang].stems[i]))
        assert.are.equal(got[i], st:stem(w))
      end
      assert.are.equal(table.concat(F[lang].stems, "\n"), st:stem_lines(table.concat(F[lang].words, "\n")))
    end
  end)

  local langs = data_languages()
  if not langs then
    pending("Snowball reference vocabularies: " .. DATA .. " is absent (Debian package snowball-data)")
  else
    it("cover every language of the Snowball data, except those libstemmer does not build", function()
      local supported, unsupported = {}, {}
      for _, l in ipairs(text.stemmer_languages()) do supported[l] = true end
      for _, l in ipairs(langs) do
        if not supported[l] then unsupported[l] = true end
      end
      assert.are.same(NOT_IN_LIBSTEMMER, unsupported)
    end)
    for _, lang in ipairs(langs) do
      if not NOT_IN_LIBSTEMMER[lang] then
        it("stem every word of " .. lang .. "/voc.txt to its line of output.txt", function()
          local voc, nvoc, keep_voc = slurp(data_file(lang, "voc.txt"))
          local want, nwant, keep_want = slurp(data_file(lang, "output.txt"))
          local st, diff, shown = text.Stemmer(lang), {}, {}
          -- in pieces of ~4 MB of whole lines (Arabic has 156 MB of words), compared in place
          local at, wat = 0, 0 -- 0-based offsets into voc and want
          while at < nvoc do
            local stop = math.min(at + 4e6, nvoc)
            while stop < nvoc and voc[stop - 1] ~= 10 do stop = stop + 1 end
            local piece = ffi.string(voc + at, stop - at)
            local got = st:stem_lines(piece)
            if wat + #got <= nwant and ffi.C.memcmp(got, want + wat, #got) == 0 then
              wat = wat + #got
            else
              local w, g = split_lines(piece), split_lines(got)
              for i = 1, #w do
                local e = wat
                while e < nwant and want[e] ~= 10 do e = e + 1 end
                local o = ffi.string(want + wat, e - wat)
                if g[i] ~= o then
                  diff[w[i]] = true
                  if #shown < 10 then shown[#shown + 1] = string.format("%s -> %s (reference %s)", w[i], g[i], o) end
                end
                wat = e + 1
              end
            end
            at = stop
          end
          keep_voc:free()
          keep_want:free()
          assert.are.same(DIFFERS[lang] or {}, diff, lang .. ": " .. table.concat(shown, ", "))
          assert.is_true(wat >= nwant, lang .. ": output.txt has more lines than voc.txt")
        end)
      end
    end
  end

  it("take every canonical name, ISO 639 codes and any letter case", function()
    local langs = text.stemmer_languages()
    assert.are.equal(29, #langs)
    for _, l in ipairs(langs) do
      local st = text.Stemmer(l)
      assert.are.equal(l, st.language)
      assert.are.equal("string", type(st:stem("test")))
    end
    local en = text.Stemmer("english")
    for _, code in ipairs({ "en", "eng", "EN", "English" }) do
      local st = text.Stemmer(code)
      assert.are.equal(code:lower(), st.language)
      assert.are.equal(en:stem("nationalities"), st:stem("nationalities"))
    end
    assert.are.equal("nation", en:stem("nationalities"))
    assert.are.equal("nation", text.Stemmer("porter"):stem("nationalities"))
    assert.are.equal("generous", text.Stemmer("en"):stem("generously"))
    assert.are.equal("gener", text.Stemmer("porter"):stem("generously"))
    assert.are.equal(text.Stemmer("french"):stem("continuellement"), text.Stemmer("fr"):stem("continuellement"))
    assert.are.equal(text.Stemmer("russian"):stem("университетами"), text.Stemmer("ru"):stem("университетами"))
    assert.are.equal(text.Stemmer("german"):stem("häuser"), text.Stemmer("deu"):stem("häuser"))
  end)

  it("stem(word, lang) caches one stemmer per language; English by default", function()
    assert.are.equal("run", text.stem("running"))
    assert.are.equal("run", text.stem("running", "en"))
    assert.are.equal("cour", text.stem("courantes", "french"))
    assert.are.equal("университет", text.stem("университетами", "russian"))
    -- the algorithms know lower-case letters only: the caller lowercases
    assert.are.equal("RUNNING", text.stem("RUNNING"))
    assert.are.equal("Gener", text.stem("Generously")) -- not "Generous": G is no letter to Porter2
    assert.are.equal("", text.stem(""))
  end)

  it("handle empty lists, empty words and empty lines", function()
    local st = text.Stemmer("english")
    assert.are.same({}, st:stem_all({}))
    assert.are.same({ "", "run", "" }, st:stem_all({ "", "running", "" }))
    assert.are.equal("", st:stem_lines(""))
    assert.are.equal("\nrun\n\nfli\n", st:stem_lines("\nrunning\n\nflies\n"))
    assert.are.same({ "a\0b" }, st:stem_all({ "a\0b" }))
  end)

  it("reject unknown languages, non-strings and invalid UTF-8, naming the word", function()
    H.assert_error(function() text.Stemmer("klingon") end,
      "text.Stemmer: unknown language 'klingon' (available: arabic, armenian,", "english,", "porter,", "yiddish")
    H.assert_error(function() text.Stemmer("") end, "text.Stemmer: unknown language ''")
    H.assert_error(function() text.Stemmer(string.rep("x", 500)) end, "text.Stemmer: unknown language 'xxxx")
    H.assert_error(function() text.Stemmer() end, "text.Stemmer: the language must be a name")
    H.assert_error(function() text.stem("x", "zz") end, "text.stem: unknown language 'zz'")
    H.assert_error(function() text.stem(1) end, "text.stem: the word must be a string, got number")
    local st = text.Stemmer("english")
    H.assert_error(function() st:stem(nil) end, "Stemmer:stem: the word must be a string, got nil")
    H.assert_error(function() st:stem("caf\233") end, "Stemmer:stem: invalid UTF-8 in word 'caf\\xE9' at byte 4")
    H.assert_error(function() st:stem_all("running") end, "Stemmer:stem_all: expected a list of words, got string")
    H.assert_error(function() st:stem_all({ "a", 2 }) end, "Stemmer:stem_all: word 2 is a number, expected a string")
    H.assert_error(function() st:stem_all({ "ok", "fine", "bad\192\175" }) end,
      "Stemmer:stem_all: invalid UTF-8 in word 3 'bad\\xC0\\xAF' at byte 4")
    -- bytes of two words that would make a character together are still two bad words
    H.assert_error(function() st:stem_all({ "a\195", "\169b" }) end, "invalid UTF-8 in word 1")
    H.assert_error(function() st:stem_lines("ok\nfine\n\237\160\128") end,
      "Stemmer:stem_lines: invalid UTF-8 in line 3 '\\xED\\xA0\\x80' at byte 1")
    H.assert_error(function() st:stem_lines({}) end, "Stemmer:stem_lines: expected a string, got table")
  end)

  it("many stemmers are freed by the collector", function()
    for _ = 1, 2000 do text.Stemmer("english"):stem("running") end
    collectgarbage()
    collectgarbage()
  end)

  it("throughput (printed): stem_all on the English sample", function()
    local st, words = text.Stemmer("english"), {}
    for i = 1, 100 do for _, w in ipairs(F.english.words) do words[#words + 1] = w end end
    local t0 = os.clock()
    st:stem_all(words)
    local dt = os.clock() - t0
    io.stderr:write(string.format("\n  stem_all: %.2f M words/s (%d words)\n", #words / dt / 1e6, #words))
  end)
end)
