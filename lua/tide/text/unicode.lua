-- tide.text Unicode functions: UTF-8 validation, normalisation (NFC/NFD/NFKC/NFKD), case folding,
-- lowercasing and accent stripping, through utf8proc (core/text_unicode.c).
--
--   text.normalize(s, {form = "NFKC", casefold = true, strip_accents = true, invalid = "replace"})
--
-- The steps run in this order: invalid bytes (error, replace or drop), case mapping (casefold or
-- lower), accent stripping, then the normal form; the result is form(strip(case(s))), as Python's
--   unicodedata.normalize(form, strip_accents_unicode(s.casefold()))
-- Where the results differ from Python's (tests/lua/text_unicode_spec.lua checks them):
--   * lower is the simple one-to-one lowercase mapping: "İ" -> "i" (Python: "i̇", i + U+0307),
--     and "Σ" -> "σ" even at the end of a word (Python's str.lower gives the final "ς").
--     casefold is the full case folding of Python's str.casefold (ß -> ss, ς -> σ).
--   * utf8proc 2.8 has the tables of Unicode 15.0, Python 3.11 those of 14.0: characters added in
--     15.0 (such as U+1E030, a Cyrillic modifier letter) get their decomposition here only.
-- strip_accents is scikit-learn's strip_accents="unicode": compatibility decomposition (NFKD),
-- then every code point whose canonical combining class is not 0 is dropped (accents, diacritics,
-- Indic nuktas and viramas; the Indic vowel signs, class 0, stay), then the normal form (NFC by
-- default) recomposes what is left (Hangul syllables, for instance).
local ffi = require("ffi")
local core = require("tide._core")
local C = core.C
local raise = core.raise
local format = string.format

local M = {}

local FORMS = { NFC = C.TIDE_NORM_NFC, NFD = C.TIDE_NORM_NFD, NFKC = C.TIDE_NORM_NFKC, NFKD = C.TIDE_NORM_NFKD,
  none = C.TIDE_NORM_NONE }
local INVALID = { error = C.TIDE_INVALID_ERROR, replace = C.TIDE_INVALID_REPLACE, drop = C.TIDE_INVALID_DROP }
local OPTIONS = { form = true, casefold = true, lower = true, strip_accents = true, invalid = true }

-- One output buffer reused by every call (LuaJIT runs one Lua thread); results larger than
-- KEEP_MAX get a buffer of their own, so one huge string does not pin its size forever.
local KEEP_MAX = 16 * 1024 * 1024
local scratch, scratch_cap = nil, 0
local function buffer(n)
  if n <= scratch_cap then return scratch end
  if n > KEEP_MAX then return ffi.new("char[?]", n) end
  scratch_cap = math.max(n, 2 * scratch_cap, 4096)
  scratch = ffi.new("char[?]", scratch_cap)
  return scratch
end

local function check_string(op, s)
  if type(s) ~= "string" then raise(format("%s: expected a string, got %s", op, type(s))) end
end

-- form, flags and invalid policy from an options table
local function parse(op, opts, default_form)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then raise(format("%s: options must be a table, got %s", op, type(opts))) end
  for k in pairs(opts) do
    if not OPTIONS[k] then
      raise(format("%s: unknown option '%s' (form, casefold, lower, strip_accents, invalid)", op, tostring(k)))
    end
  end
  local form = opts.form == nil and default_form or opts.form
  local f = FORMS[form]
  if f == nil then raise(format("%s: form must be NFC, NFD, NFKC, NFKD or none, got %s", op, tostring(form))) end
  local flags = 0
  for name, bit in pairs({ casefold = C.TIDE_TEXT_CASEFOLD, lower = C.TIDE_TEXT_LOWER,
    strip_accents = C.TIDE_TEXT_STRIP_ACCENTS }) do
    local v = opts[name]
    if v ~= nil and type(v) ~= "boolean" then
      raise(format("%s: %s must be true or false, got %s", op, name, tostring(v)))
    end
    if v then flags = flags + bit end
  end
  if opts.casefold and opts.lower then raise(op .. ": choose casefold or lower, not both (casefold lowercases too)") end
  local inv = INVALID[opts.invalid == nil and "error" or opts.invalid]
  if inv == nil then
    raise(format("%s: invalid must be \"error\", \"replace\" or \"drop\", got %s", op, tostring(opts.invalid)))
  end
  return f, flags, inv
end

local function run(op, s, form, flags, invalid)
  local n = #s
  -- ASCII with no case mapping is its own normal form (and valid UTF-8)
  if flags == 0 and not s:find("[\128-\255]") then return s end
  local cap = n + math.floor(n / 2) + 64
  local out = buffer(cap)
  local got = tonumber(C.tide_text_normalize(s, n, form, flags, invalid, out, cap, op))
  if got < 0 then core.raise_c() end
  if got > cap then
    cap = got
    out = buffer(cap)
    got = tonumber(C.tide_text_normalize(s, n, form, flags, invalid, out, cap, op))
    if got < 0 then core.raise_c() end
  end
  return ffi.string(out, got)
end

-- normalize(s, opts) -> string. opts: form = "NFC" (default) | "NFD" | "NFKC" | "NFKD" | "none";
-- casefold, lower, strip_accents (booleans); invalid = "error" (default) | "replace" | "drop".
function M.normalize(s, opts)
  local op = "text.normalize"
  check_string(op, s)
  return run(op, s, parse(op, opts, "NFC"))
end

-- is_valid_utf8(s) -> true, or false and the 1-based byte position of the first invalid sequence.
function M.is_valid_utf8(s)
  check_string("text.is_valid_utf8", s)
  local bad = tonumber(C.tide_utf8_check(s, #s))
  if bad == #s then return true, nil end
  return false, bad + 1
end

-- validate(s) -> s, or an error "text.validate: invalid UTF-8 at byte N".
function M.validate(s)
  local op = "text.validate"
  check_string(op, s)
  local bad = tonumber(C.tide_utf8_check(s, #s))
  if bad ~= #s then raise(format("%s: invalid UTF-8 at byte %d", op, bad + 1)) end
  return s
end

-- Shorthands; opts may add form (default "none" for casefold and lower, "NFC" for strip_accents)
-- and invalid.
local function shorthand(name, flag, default_form)
  local op = "text." .. name
  return function(s, opts)
    check_string(op, s)
    local o = { [flag] = true }
    if opts ~= nil then
      if type(opts) ~= "table" then raise(format("%s: options must be a table, got %s", op, type(opts))) end
      for k, v in pairs(opts) do o[k] = v end
      o[flag] = true
    end
    return run(op, s, parse(op, o, default_form))
  end
end

-- casefold(s): Python's str.casefold (full case folding).
M.casefold = shorthand("casefold", "casefold", "none")
-- lower(s): the simple lowercase mapping of every character.
M.lower = shorthand("lower", "lower", "none")
-- strip_accents(s): scikit-learn's strip_accents_unicode, recomposed (NFC).
M.strip_accents = shorthand("strip_accents", "strip_accents", "NFC")

-- The Unicode version of utf8proc's tables.
function M.unicode_version() return ffi.string(C.tide_unicode_version()) end

return M
