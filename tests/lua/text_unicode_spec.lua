-- tide.text Unicode functions (lua/tide/text/unicode.lua, core/text_unicode.c) against Python:
-- tests/gen/gen_text_unicode.py wrote unicodedata / str.casefold / str.lower / scikit-learn's
-- strip_accents_unicode / bytes.decode outputs for hand-written tricky strings (some invalid
-- UTF-8) and hashes of every assigned code point's transformations, block by block.
local H = require("spec_helpers")
local text = require("tide.text")
local unicode = require("tide.text.unicode")
local bit = require("bit")

local F = H.fixture("text_unicode")

-- the Lua call behind each reference column of the fixture (invalid input replaced, as the
-- references were computed on the errors="replace" decoding)
local CALLS = {
  NFC = function(s) return text.normalize(s, { invalid = "replace" }) end,
  NFD = function(s) return text.normalize(s, { form = "NFD", invalid = "replace" }) end,
  NFKC = function(s) return text.normalize(s, { form = "NFKC", invalid = "replace" }) end,
  NFKD = function(s) return text.normalize(s, { form = "NFKD", invalid = "replace" }) end,
  casefold = function(s) return text.casefold(s, { invalid = "replace" }) end,
  lower = function(s) return text.lower(s, { invalid = "replace" }) end,
  strip = function(s) return text.normalize(s, { form = "none", strip_accents = true, invalid = "replace" }) end,
  strip_nfc = function(s) return text.strip_accents(s, { invalid = "replace" }) end,
  nfkc_casefold = function(s) return text.normalize(s, { form = "NFKC", casefold = true, invalid = "replace" }) end,
  nfc_casefold_strip = function(s)
    return text.normalize(s, { casefold = true, strip_accents = true, invalid = "replace" })
  end,
  nfd_lower = function(s) return text.normalize(s, { form = "NFD", lower = true, invalid = "replace" }) end,
}

-- Where utf8proc and Python differ by design, the reference is not Python's: case -> op -> what
-- utf8proc gives, with the reason.
local SIMPLE_LOWER = "lower is the simple one-to-one mapping; Python's str.lower is the full, context-aware one"
local UNICODE_15 = "U+1E030/U+1E031 are new in Unicode 15.0 (utf8proc 2.8); Python 3.11's tables are 14.0"
local KNOWN = {
  greek_final_sigma = { why = SIMPLE_LOWER .. " (final sigma at the end of a word)",
    lower = "οδυσσευσ σοφοσ \225\189\128δυσσε\207\141σ", nfd_lower = "οδυσσευσ σοφοσ ο\204\147δυσσευ\204\129σ" },
  turkish_dotted_i = { why = SIMPLE_LOWER .. " (İ -> i, not i + U+0307)",
    lower = "istanbul diyarbakir", nfd_lower = "istanbul diyarbakir" },
  unicode15 = { why = UNICODE_15 .. " (their compatibility decompositions are а and б)",
    NFKC = "аб x", NFKD = "аб x", strip = "аб x", strip_nfc = "аб x", nfkc_casefold = "аб x",
    nfc_casefold_strip = "аб x" },
}

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02X ", c:byte()) end))
end

describe("tide.text unicode", function()
  it("the fixture was made with the Unicode version the known differences assume", function()
    assert.are.equal("14.0.0", F.unidata_version)
    assert.are.equal("15.0.0", unicode.unicode_version())
  end)

  it("equals Python on every hand-written case and transformation", function()
    local checked = 0
    for _, case in ipairs(F.cases) do
      local known = KNOWN[case.name] or {}
      for _, op in ipairs(F.ops) do
        local got = CALLS[op](case.input)
        local want = known[op] or case[op]
        assert(got == want, string.format("%s / %s: got [%s] expected [%s]%s", case.name, op, hex(got), hex(want),
          known[op] and (" (" .. known.why .. ")") or ""))
        if known[op] then assert(case[op] ~= known[op], case.name .. " / " .. op .. " no longer differs: drop it from KNOWN") end
        checked = checked + 1
      end
    end
    assert.is_true(checked >= 300)
  end)

  it("invalid UTF-8: replaced like bytes.decode(errors='replace'), dropped like errors='ignore'", function()
    for _, case in ipairs(F.cases) do
      assert.are.equal(case.replace, text.normalize(case.input, { form = "none", invalid = "replace" }), case.name)
      assert.are.equal(case.drop, text.normalize(case.input, { form = "none", invalid = "drop" }), case.name)
      assert.are.equal(text.normalize(case.drop), text.normalize(case.input, { invalid = "drop" }), case.name)
    end
  end)

  it("invalid UTF-8: is_valid_utf8 and validate give the first bad byte, normalize fails there", function()
    local n_bad = 0
    for _, case in ipairs(F.cases) do
      local ok, pos = text.is_valid_utf8(case.input)
      assert.are.equal(case.bad == nil, ok, case.name)
      assert.are.equal(case.bad, pos, case.name)
      if case.bad then
        n_bad = n_bad + 1
        local where = "invalid UTF-8 at byte " .. case.bad
        H.assert_error(function() text.validate(case.input) end, "text.validate: " .. where)
        H.assert_error(function() text.normalize(case.input) end, "text.normalize: " .. where)
        H.assert_error(function() text.casefold(case.input) end, "text.casefold: " .. where)
        H.assert_error(function() text.strip_accents(case.input, { form = "NFD" }) end, "text.strip_accents: " .. where)
      else
        assert.are.equal(case.input, text.validate(case.input))
      end
    end
    assert.is_true(n_bad >= 8)
    -- the error names the line of the caller
    local err = H.assert_error(function() text.normalize("ok \255") end, "invalid UTF-8 at byte 4")
    assert.truthy(err:find("text_unicode_spec.lua", 1, true), err)
    assert.are.same({ true, nil }, { text.is_valid_utf8("") })
    assert.are.same({ false, 1 }, { text.is_valid_utf8("\128") })
  end)

  it("every assigned code point, block by block, hashes as Python's outputs do", function()
    local X = F.exhaustive
    local ops = {
      NFC = { form = "NFC" }, NFD = { form = "NFD" }, NFKC = { form = "NFKC" }, NFKD = { form = "NFKD" },
      casefold = { form = "none", casefold = true }, lower = { form = "none", lower = true },
      strip = { form = "none", strip_accents = true },
    }
    local function utf8(c)
      if c < 0x80 then return string.char(c) end
      if c < 0x800 then return string.char(0xC0 + bit.rshift(c, 6), 0x80 + bit.band(c, 0x3F)) end
      if c < 0x10000 then
        return string.char(0xE0 + bit.rshift(c, 12), 0x80 + bit.band(bit.rshift(c, 6), 0x3F), 0x80 + bit.band(c, 0x3F))
      end
      return string.char(0xF0 + bit.rshift(c, 18), 0x80 + bit.band(bit.rshift(c, 12), 0x3F),
        0x80 + bit.band(bit.rshift(c, 6), 0x3F), 0x80 + bit.band(c, 0x3F))
    end
    local function fnv1a(s)
      local h = bit.tobit(0x811C9DC5)
      for i = 1, #s do
        h = bit.bxor(h, s:byte(i))
        h = bit.tobit(h * 403 + bit.lshift(h, 24)) -- * 16777619 mod 2^32
      end
      return h < 0 and h + 2 ^ 32 or h
    end
    local blocks = {}
    for i = 1, #X.ranges, 2 do
      for c = X.ranges[i], X.ranges[i + 1] do
        local b = bit.rshift(c, 12)
        blocks[b] = blocks[b] or {}
        local t = blocks[b]
        t[#t + 1] = utf8(c)
      end
    end
    local n = 0
    for _, row in ipairs(X.blocks) do
      local chars = blocks[row[1]]
      assert.are.equal(row[2], #chars)
      local s = table.concat(chars, " ")
      for k, op in ipairs(X.ops) do
        local got = fnv1a(text.normalize(s, ops[op]))
        assert(got == row[2 + k], string.format("block U+%05X..: %s differs from Python's", row[1] * 4096, op))
      end
      n = n + row[2]
    end
    assert.is_true(n > 100000)
  end)

  it("keeps NUL bytes and composes across the ASCII fast path's boundaries", function()
    assert.are.equal("a\0b\0", text.normalize("a\0b\0"))
    assert.are.equal("a\0\195\169\0", text.normalize("a\0e\204\129\0"))
    assert.are.equal("caf\195\169s", text.normalize("cafe\204\129s"))       -- e + U+0301 -> é
    assert.are.equal("\204\129a", text.normalize("\204\129a"))             -- a mark first: nothing to compose with
    assert.are.equal("\195\169", text.normalize("e\204\129"))
    assert.are.equal("abc", text.normalize("ABC", { form = "none", casefold = true }))
    assert.are.equal("", text.normalize(""))
    assert.are.equal("", text.casefold(""))
  end)

  it("grows its output buffer for expansions and long strings", function()
    local s = string.rep("\239\183\186", 3000) -- U+FDFA: 18 code points in NFKD
    local d = text.normalize(s, { form = "NFKD" })
    assert.are.equal(3000 * #text.normalize("\239\183\186", { form = "NFKD" }), #d)
    assert.are.equal(s, text.normalize(text.normalize(s, { form = "NFD" })))
    local long = string.rep("Ça va très bien, MERCI! ", 50000)
    local out = text.normalize(long, { casefold = true, strip_accents = true })
    assert.are.equal(string.rep("ca va tres bien, merci! ", 50000), out)
    -- a long run of combining marks is ordered in linear time
    local marks = "a" .. string.rep("\204\129\204\163", 100000)
    local t0 = os.clock()
    local nfd = text.normalize(marks, { form = "NFD" })
    assert.is_true(os.clock() - t0 < 5)
    assert.are.equal("a" .. string.rep("\204\163", 100000) .. string.rep("\204\129", 100000), nfd)
  end)

  it("rejects bad arguments with the call's name", function()
    H.assert_error(function() text.normalize(nil) end, "text.normalize: expected a string, got nil")
    H.assert_error(function() text.normalize(42) end, "text.normalize: expected a string, got number")
    H.assert_error(function() text.casefold({}) end, "text.casefold: expected a string, got table")
    H.assert_error(function() text.normalize("x", "NFC") end, "text.normalize: options must be a table")
    H.assert_error(function() text.normalize("x", { form = "nfc" }) end, "text.normalize: form must be NFC, NFD, NFKC, NFKD or none, got nfc")
    H.assert_error(function() text.normalize("x", { lowercase = true }) end, "text.normalize: unknown option 'lowercase'")
    H.assert_error(function() text.normalize("x", { casefold = 1 }) end, "text.normalize: casefold must be true or false")
    H.assert_error(function() text.normalize("x", { casefold = true, lower = true }) end, "choose casefold or lower")
    H.assert_error(function() text.normalize("x", { invalid = "ignore" }) end,
      "text.normalize: invalid must be \"error\", \"replace\" or \"drop\", got ignore")
    H.assert_error(function() text.validate(false) end, "text.validate: expected a string, got boolean")
    H.assert_error(function() text.is_valid_utf8() end, "text.is_valid_utf8: expected a string, got nil")
    H.assert_error(function() text.lower("x", 3) end, "text.lower: options must be a table")
  end)

  it("throughput (printed): ASCII and accented text", function()
    local ascii = string.rep("The quick brown fox jumps over the lazy dog. ", 40000) -- 1.8 MB
    local latin = string.rep("Le cœur déçu mais l'âme plutôt naïve, Louÿs rêva d'ÉTÉ. ", 30000)
    local function rate(s, opts)
      local t0, reps = os.clock(), 0
      repeat
        text.normalize(s, opts)
        reps = reps + 1
      until os.clock() - t0 > 0.3
      return #s * reps / (os.clock() - t0) / 1e6
    end
    local r = {
      rate(ascii, { casefold = true }), rate(ascii, { form = "NFKC", casefold = true, strip_accents = true }),
      rate(latin, {}), rate(latin, { form = "NFKC", casefold = true }), rate(latin, { casefold = true, strip_accents = true }),
    }
    io.stderr:write(string.format("\n  normalize MB/s: ASCII casefold %.0f, ASCII NFKC+casefold+strip %.0f, "
      .. "French NFC %.0f, NFKC+casefold %.0f, casefold+strip %.0f\n", r[1], r[2], r[3], r[4], r[5]))
    assert.is_true(r[1] > 20)
  end)
end)
