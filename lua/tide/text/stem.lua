-- tide.text stemmers: the Snowball algorithms of libstemmer (core/text_stem.c).
--
--   local st = text.Stemmer("english")          -- or "en", "porter", "french", "ru", ...
--   st:stem("running")                          --> "run"
--   st:stem_all({"flights", "delayed"})         --> {"flight", "delay"}  (one C call)
--   text.stem("generously")                     --> "generous" (English unless a language is given)
--
-- Words are UTF-8 and should be lower case: Snowball's algorithms and their reference
-- vocabularies know lower-case letters only, so upper case gives odd stems ("RUNNING" stays,
-- "Generously" -> "Gener" where "generously" -> "generous"): lowercase first (text.casefold, or
-- the Preprocessor's lowercase). Invalid UTF-8
-- is an error naming the word. A Stemmer is not thread-safe (one libstemmer handle each); its
-- handle is freed when the object is collected.
local ffi = require("ffi")
local core = require("tide._core")
local C = core.C
local raise = core.raise
local format = string.format

local M = {}

local Stemmer = {}
Stemmer.__index = Stemmer

local function check_lang(op, lang)
  if type(lang) ~= "string" then
    raise(format("%s: the language must be a name such as \"english\" or \"en\", got %s", op, type(lang)))
  end
end

-- Stemmer(lang) -> a stemmer for one language: any name of stemmer_languages() or an ISO 639
-- code libstemmer knows ("en", "eng", "fr", "fra", "de", "ru", ...), in any case.
local function new(op, lang)
  check_lang(op, lang)
  local h = C.tide_stemmer_new(lang, op)
  if h == nil then core.raise_c() end
  h = ffi.gc(h, C.tide_stemmer_free)
  return setmetatable({ _h = h, language = ffi.string(C.tide_stemmer_name(h)) }, Stemmer)
end

function M.Stemmer(lang) return new("text.Stemmer", lang) end

function M.is_stemmer(x) return getmetatable(x) == Stemmer end

local out_len = ffi.new("int64_t[1]")
local out_ptr = ffi.new("const char *[1]")

-- st:stem(word) -> its stem (a string).
function Stemmer:stem(word)
  local op = "Stemmer:stem"
  if type(word) ~= "string" then raise(format("%s: the word must be a string, got %s", op, type(word))) end
  local p = C.tide_stemmer_stem(self._h, word, #word, out_len, op)
  if p == nil then core.raise_c() end
  return ffi.string(p, tonumber(out_len[0]))
end

-- st:stem_all(words) -> a new list of their stems; the words go to C as one buffer and offsets.
function Stemmer:stem_all(words)
  local op = "Stemmer:stem_all"
  if type(words) ~= "table" then raise(format("%s: expected a list of words, got %s", op, type(words))) end
  local n = #words
  if n == 0 then return {} end
  local off = ffi.new("int64_t[?]", n + 1)
  local pos = 0
  for i = 1, n do
    local w = words[i]
    if type(w) ~= "string" then raise(format("%s: word %d is a %s, expected a string", op, i, type(w))) end
    off[i - 1] = pos
    pos = pos + #w
  end
  off[n] = pos
  local out_off = ffi.new("int64_t[?]", n + 1)
  if C.tide_stemmer_stem_all(self._h, table.concat(words), off, n, out_off, out_ptr, op) < 0 then core.raise_c() end
  local base, res = out_ptr[0], {}
  for i = 1, n do
    local a = tonumber(out_off[i - 1])
    res[i] = ffi.string(base + a, tonumber(out_off[i]) - a)
  end
  return res
end

-- st:stem_lines(s) -> the stems of the '\n'-separated words of s, '\n'-separated, line for line
-- (a vocabulary file at once, with no Lua table in between). The error names the line.
function Stemmer:stem_lines(s)
  local op = "Stemmer:stem_lines"
  if type(s) ~= "string" then raise(format("%s: expected a string, got %s", op, type(s))) end
  local n = C.tide_stemmer_stem_lines(self._h, s, #s, out_ptr, op)
  if n < 0 then core.raise_c() end
  return ffi.string(out_ptr[0], tonumber(n))
end

function Stemmer:__tostring() return format("Stemmer(%q)", self.language) end

-- stemmer_languages() -> the sorted canonical names libstemmer provides.
function M.stemmer_languages()
  local list = {}
  for i = 0, C.tide_stemmer_language_count() - 1 do list[#list + 1] = ffi.string(C.tide_stemmer_language(i)) end
  table.sort(list)
  return list
end

-- stem(word, lang = "english"): one word, through a Stemmer cached per language name.
local cache = {}
function M.stem(word, lang)
  lang = lang == nil and "english" or lang
  local st = cache[lang]
  if st == nil then
    st = new("text.stem", lang)
    cache[lang] = st
  end
  if type(word) ~= "string" then raise(format("text.stem: the word must be a string, got %s", type(word))) end
  local p = C.tide_stemmer_stem(st._h, word, #word, out_len, "text.stem")
  if p == nil then core.raise_c() end
  return ffi.string(p, tonumber(out_len[0]))
end

return M
