-- tide.text tokenisers: words (a Twitter-aware scanner after NLTK's TweetTokenizer), sentences,
-- whitespace, regular expressions (PCRE2), character n-grams and word n-grams (scikit-learn's
-- analyzers). The work is in C (core/text_tokenize*.c, core/text_regex.c): tokens are produced
-- into one buffer there and become Lua strings only at the end. Every function takes a UTF-8
-- string; invalid UTF-8 is an error naming the function and the 1-based byte position, and an
-- empty string gives an empty list.
--
--   text.word_tokenize("Loving it :) http://t.co/x #win")  --> {"Loving", "it", ":)", "http://t.co/x", "#win"}
--   text.word_tokenize("I don't", {contractions = "split"}) --> {"I", "do", "n't"}
--   text.sentences("Dr. Who arrived. He left.")           --> {"Dr. Who arrived.", "He left."}
--   text.char_ngrams("abc", 1, 2)                          --> {"a", "b", "c", "ab", "bc"}
--   text.regex_tokenize("a1 b22", "\\d+")                  --> {"1", "22"}
local ffi = require("ffi")
local core = require("tide._core")
local args = require("tide._args")
local C = core.C
local raise = core.raise
local format = string.format
local ffi_string = ffi.string

local M = {}

-- Token kinds, by tide/tokenize.h's TIDE_TOKEN_* number.
local KIND_NAMES = { [0] = "none", "word", "number", "url", "email", "mention", "hashtag", "emoticon",
  "punct", "symbol" }
M.KIND_NAMES = KIND_NAMES

local REGEX_CASELESS = 1 -- TIDE_REGEX_CASELESS (a #define: not in the generated bindings)

-- ---------------------------------------------------------------- helpers

-- Raise the C error with its leading "<c op>:" replaced by "<op>:" (the Lua name of the call).
local function raise_c_as(op, c_op)
  local msg = ffi_string(C.tide_last_error())
  C.tide_clear_error()
  if c_op and msg:sub(1, #c_op + 1) == c_op .. ":" then msg = op .. msg:sub(#c_op + 1) end
  raise(msg)
end

local function new_tokens()
  local t = C.tide_tokens_new()
  if t == nil then core.raise_c() end
  return ffi.gc(t, C.tide_tokens_free)
end

local function check_string(op, s, what)
  if type(s) ~= "string" then
    raise(format("%s: %s must be a string, got %s", op, what or "text", type(s)))
  end
end

-- The tokens of buffer t from index first (0-based) as a list of strings, and their kinds.
local function strings(t, first, with_kinds)
  local out, kinds = {}, with_kinds and {} or nil
  local off, text, k = t.offsets, t.text, t.kinds
  local j = 0
  for i = first or 0, tonumber(t.n) - 1 do
    j = j + 1
    local a = off[i]
    out[j] = ffi_string(text + a, off[i + 1] - a)
    if kinds then kinds[j] = KIND_NAMES[k[i]] end
  end
  return out, kinds
end
M._strings = strings

local function check_n(op, n_min, n_max)
  for _, v in ipairs({ { "n_min", n_min }, { "n_max", n_max } }) do
    local x = v[2]
    if type(x) ~= "number" or x ~= math.floor(x) or x < 1 or x > 1e6 then
      raise(format("%s: %s must be a positive integer, got %s", op, v[1], tostring(x)))
    end
  end
  if n_max < n_min then raise(format("%s: n_max (%d) must be >= n_min (%d)", op, n_max, n_min)) end
end

local function bool(op, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", op, key, tostring(v))) end
  return v
end

-- One scratch buffer for the module-level functions (a Lua state is one thread).
local shared
local function scratch()
  shared = shared or new_tokens()
  C.tide_tokens_clear(shared)
  return shared
end

-- ---------------------------------------------------------------- regular expressions

local Regex = {}
Regex.__index = Regex
M.Regex = Regex

-- regex(pattern, {caseless = false}): a compiled PCRE2 pattern (UTF, Unicode \w \d \s \b, JIT).
-- :find(s, init) -> start, stop (1-based, inclusive, as string.find; with one group, the
-- group's span) or nil; :groups(). The C handle is freed by the collector.
function M.regex(pattern, opts, op)
  op = op or "regex"
  check_string(op, pattern, "pattern")
  opts = args.options(op, opts, { caseless = true })
  local flags = bool(op, opts, "caseless", false) and REGEX_CASELESS or 0
  local re = C.tide_regex_new(pattern, #pattern, flags)
  if re == nil then raise_c_as(op, "regex") end
  return setmetatable({ _c = ffi.gc(re, C.tide_regex_free), pattern = pattern, caseless = flags ~= 0 }, Regex)
end

function Regex:groups() return C.tide_regex_groups(self._c) end

local span = ffi.new("int64_t[4]")
function Regex:find(s, init)
  check_string("Regex:find", s)
  init = init or 1
  if init < 1 or init > #s + 1 then raise(format("Regex:find: init %s is outside [1, %d]", tostring(init), #s + 1)) end
  local rc = C.tide_regex_find(self._c, s, #s, init - 1, 0, span)
  if rc < 0 then raise_c_as("Regex:find", "regex") end
  if rc == 0 then return nil end
  return tonumber(span[2]) + 1, tonumber(span[3])
end

-- ---------------------------------------------------------------- regex tokenisers

local RegexTokenizer = {}
RegexTokenizer.__index = RegexTokenizer

-- RegexTokenizer(pattern, {gaps = false, caseless = false}): compiled once. :tokenize(s) gives
-- the matches (Python's re.findall: with exactly one group, the group's text; empty matches
-- skipped), or with gaps = true the non-empty pieces between matches (NLTK's RegexpTokenizer).
function M.RegexTokenizer(pattern, opts)
  local op = "RegexTokenizer"
  opts = args.options(op, opts, { gaps = true, caseless = true })
  local re = M.regex(pattern, { caseless = opts.caseless }, op)
  return setmetatable({ regex = re, pattern = pattern, gaps = bool(op, opts, "gaps", false),
    caseless = re.caseless, _t = new_tokens() }, RegexTokenizer)
end

function RegexTokenizer:tokenize(s, op)
  op = op or "RegexTokenizer:tokenize"
  check_string(op, s)
  local t = self._t
  C.tide_tokens_clear(t)
  if C.tide_regex_tokenize(self.regex._c, s, #s, self.gaps and 1 or 0, t) < 0 then raise_c_as(op, "regex_tokenize") end
  return (strings(t))
end

function RegexTokenizer:get_params()
  return { pattern = self.pattern, gaps = self.gaps, caseless = self.caseless }
end

-- A few compiled patterns kept for regex_tokenize (keyed by pattern and options).
local cache, cache_size = {}, 0

-- regex_tokenize(s, pattern, {gaps = false, caseless = false}) -> list of strings.
function M.regex_tokenize(s, pattern, opts)
  local op = "regex_tokenize"
  check_string(op, s)
  check_string(op, pattern, "pattern")
  opts = args.options(op, opts, { gaps = true, caseless = true })
  local key = (opts.gaps and "g" or "-") .. (opts.caseless and "i" or "-") .. pattern
  local tok = cache[key]
  if not tok then
    local ok, r = pcall(M.RegexTokenizer, pattern, opts)
    if not ok then raise((tostring(r):gsub("^.-RegexTokenizer: ", op .. ": "))) end
    tok = r
    if cache_size >= 64 then cache, cache_size = {}, 0 end
    cache[key], cache_size = tok, cache_size + 1
  end
  return tok:tokenize(s, op)
end

-- whitespace_tokenize(s) -> the runs of non-whitespace (Python's s.split()).
function M.whitespace_tokenize(s)
  local op = "whitespace_tokenize"
  check_string(op, s)
  local t = scratch()
  if C.tide_whitespace_tokenize(s, #s, t) < 0 then core.raise_c() end
  return (strings(t))
end

-- ---------------------------------------------------------------- word tokeniser

local WordTokenizer = {}
WordTokenizer.__index = WordTokenizer

local WORD_OPTS = args.set({ "contractions", "preserve_case", "reduce_len", "strip_handles", "strip_urls",
  "html_entities", "phone_numbers", "kinds" })

-- WordTokenizer{contractions = "keep" | "split", preserve_case = true, reduce_len = false,
--   strip_handles = false, strip_urls = false, html_entities = true, phone_numbers = true,
--   kinds = false}. :tokenize(s) -> tokens (and, with kinds = true, their kinds: "word",
--   "number", "url", "email", "mention", "hashtag", "emoticon", "punct", "symbol").
-- Follows NLTK's TweetTokenizer; the deliberate differences are listed in tide/tokenize.h.
function M.WordTokenizer(opts, op)
  op = op or "WordTokenizer"
  opts = args.options(op, opts, WORD_OPTS)
  local contractions = opts.contractions or "keep"
  if contractions ~= "keep" and contractions ~= "split" then
    raise(format("%s: contractions must be \"keep\" or \"split\", got %s", op, tostring(contractions)))
  end
  local params = {
    contractions = contractions,
    preserve_case = bool(op, opts, "preserve_case", true),
    reduce_len = bool(op, opts, "reduce_len", false),
    strip_handles = bool(op, opts, "strip_handles", false),
    strip_urls = bool(op, opts, "strip_urls", false),
    html_entities = bool(op, opts, "html_entities", true),
    phone_numbers = bool(op, opts, "phone_numbers", true),
    kinds = bool(op, opts, "kinds", false),
  }
  local o = ffi.new("tide_word_tokenizer_opts")
  o.preserve_case = params.preserve_case and 1 or 0
  o.reduce_len = params.reduce_len and 1 or 0
  o.strip_handles = params.strip_handles and 1 or 0
  o.split_contractions = contractions == "split" and 1 or 0
  o.html_entities = params.html_entities and 1 or 0
  o.phone_numbers = params.phone_numbers and 1 or 0
  o.strip_urls = params.strip_urls and 1 or 0
  return setmetatable({ params = params, _o = o, _t = new_tokens() }, WordTokenizer)
end

function WordTokenizer:tokenize(s, op)
  op = op or "WordTokenizer:tokenize"
  check_string(op, s)
  local t = self._t
  C.tide_tokens_clear(t)
  if C.tide_word_tokenize(s, #s, self._o, t) < 0 then raise_c_as(op, "word_tokenize") end
  return strings(t, 0, self.params.kinds)
end

function WordTokenizer:get_params()
  local p = {}
  for k, v in pairs(self.params) do p[k] = v end
  return p
end

-- word_tokenize(s, opts) -> tokens [, kinds]: WordTokenizer(opts):tokenize(s), the tokeniser
-- of each distinct option set kept.
local word_cache = {}
function M.word_tokenize(s, opts)
  local op = "word_tokenize"
  check_string(op, s)
  local key = ""
  if opts ~= nil then
    args.options(op, opts, WORD_OPTS)
    local keys = {}
    for k, v in pairs(opts) do keys[#keys + 1] = k .. "=" .. tostring(v) end
    table.sort(keys)
    key = table.concat(keys, ",")
  end
  local tok = word_cache[key]
  if not tok then
    tok = M.WordTokenizer(opts, op)
    word_cache[key] = tok
  end
  return tok:tokenize(s, op)
end

-- ---------------------------------------------------------------- sentences

-- sentences(s, {paragraphs = true, newlines = false}) -> list of sentences (surrounding
-- whitespace trimmed). Ends a sentence after . ! ? … runs (with closing quotes / brackets) that
-- are followed by whitespace, except after abbreviations (Mr. e.g. No. 5), initials and
-- ellipses before a lowercase word; a blank line always ends one, any line break with
-- newlines = true.
function M.sentences(s, opts)
  local op = "sentences"
  check_string(op, s)
  opts = args.options(op, opts, { paragraphs = true, newlines = true })
  local o = ffi.new("tide_sentence_opts")
  o.paragraphs = bool(op, opts, "paragraphs", true) and 1 or 0
  o.newlines = bool(op, opts, "newlines", false) and 1 or 0
  local t = scratch()
  if C.tide_sentences(s, #s, o, t) < 0 then core.raise_c() end
  return (strings(t))
end

-- ---------------------------------------------------------------- n-grams

-- char_ngrams(s, n_min, n_max, {wb = false}) -> list: scikit-learn's analyzer = "char"
-- (or "char_wb" with wb = true) on s, without its lowercasing: n-grams of code points.
function M.char_ngrams(s, n_min, n_max, opts)
  local op = "char_ngrams"
  check_string(op, s)
  n_max = n_max or n_min
  check_n(op, n_min, n_max)
  opts = args.options(op, opts, { wb = true })
  local t = scratch()
  if C.tide_char_ngrams(s, #s, n_min, n_max, bool(op, opts, "wb", false) and 1 or 0, t) < 0 then core.raise_c() end
  return (strings(t))
end

local ngram_out
-- word_ngrams(tokens, n_min, n_max, {stop_words = set}) -> list of n-grams joined by a space,
-- in scikit-learn's order (the unigrams, then the bigrams, ...), after dropping the stop words
-- (a set {word = true} or a list).
function M.word_ngrams(tokens, n_min, n_max, opts)
  local op = "word_ngrams"
  if type(tokens) ~= "table" then raise(format("%s: tokens must be a list of strings, got %s", op, type(tokens))) end
  n_max = n_max or n_min
  check_n(op, n_min, n_max)
  opts = args.options(op, opts, { stop_words = true })
  local stop = opts.stop_words
  if stop ~= nil then
    if type(stop) ~= "table" then raise(format("%s: stop_words must be a set or a list, got %s", op, type(stop))) end
    if stop[1] ~= nil then stop = args.set(stop) end
  end
  local t = scratch()
  for i = 1, #tokens do
    local w = tokens[i]
    if type(w) ~= "string" then raise(format("%s: tokens[%d] is a %s, expected a string", op, i, type(w))) end
    if not (stop and stop[w]) and C.tide_tokens_push(t, w, #w, 0, op) < 0 then
      local msg = ffi_string(C.tide_last_error())
      C.tide_clear_error()
      raise(format("%s: tokens[%d]: %s", op, i, msg:match("invalid UTF%-8.*$") or msg))
    end
  end
  ngram_out = ngram_out or new_tokens()
  C.tide_tokens_clear(ngram_out)
  if C.tide_word_ngrams(t, 0, t.n, n_min, n_max, ngram_out) < 0 then core.raise_c() end
  return (strings(ngram_out))
end

return M
