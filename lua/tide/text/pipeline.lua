-- tide.text.Preprocessor and tide.text.TextPipeline: the text stages composed.
--
--   local prep = text.Preprocessor{ stop_words = "english", stemmer = "english" }
--   prep:process("The flights were DELAYED again!!")    --> {"flight", "delay", "again"}
--   local pipe = text.TextPipeline{ {"prep", prep}, {"tfidf", text.TfidfVectorizer{ngram_range = {1, 2}}},
--                                   {"clf", tide.models.LogisticRegression{}} }
--   pipe:fit(docs, labels); pipe:predict{"what a great crew"}; pipe:save("sentiment.safetensors")
--
-- The Preprocessor turns each document into its list of tokens through these stages, each one
-- optional: Unicode normalisation (utf8proc), lower-casing (full case folding), accent
-- stripping, tokenisation (the word tokeniser, whitespace, or a regex), dropping token kinds
-- (punctuation, URLs, ...), stop words, lemmatisation (WordNet) or stemming (Snowball), and a
-- minimum token length. It follows scikit-learn's transformer contract (fit / transform /
-- get_params / clone / JSON save), so it is the first step of a TextPipeline, and the
-- vectorisers and FastTextClassifier take its token lists as documents.
-- TextPipeline is tide.preprocess.Pipeline (the same class): a pipeline ending in a model saves
-- to one safetensors file and tide.models.load reads it back.
local core = require("tide._core")
local B = require("tide.preprocess.base")
local raise = core.raise
local format = string.format

local M = {}

local TOKENIZERS = { word = true, whitespace = true, regex = true }
local KINDS = { word = true, number = true, url = true, email = true, mention = true, hashtag = true, symbol = true,
  emoticon = true, punct = true }

local function check(self)
  local p, name = self.params, "Preprocessor"
  local function one_of(key, allowed)
    if not allowed[p[key]] then
      local list = {}
      for k in pairs(allowed) do if k ~= false then list[#list + 1] = tostring(k) end end
      table.sort(list)
      raise(format("%s: %s must be one of %s, got %s", name, key, table.concat(list, ", "), tostring(p[key])))
    end
  end
  one_of("normalize", { NFC = true, NFKC = true, NFD = true, NFKD = true, [false] = true })
  one_of("invalid", { error = true, replace = true })
  one_of("tokenizer", TOKENIZERS)
  one_of("contractions", { keep = true, split = true })
  for _, key in ipairs({ "lowercase", "strip_accents", "reduce_len" }) do
    if type(p[key]) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", name, key, tostring(p[key]))) end
  end
  if p.tokenizer == "regex" and type(p.pattern) ~= "string" then
    raise(name .. ": tokenizer = \"regex\" needs pattern = \"...\"")
  end
  if type(p.drop) ~= "table" then raise(name .. ": drop must be a list of token kinds") end
  for _, k in ipairs(p.drop) do
    if not KINDS[k] then raise(format("%s: drop: unknown token kind '%s'", name, tostring(k))) end
  end
  if p.stemmer and p.lemmatize then raise(name .. ": choose stemmer or lemmatize, not both") end
  if p.lemmatize and not ({ [true] = true, n = true, v = true, a = true, r = true })[p.lemmatize] then
    raise(name .. ": lemmatize must be false, true (nouns) or a part of speech n, v, a, r")
  end
  if type(p.min_length) ~= "number" or p.min_length < 0 or p.min_length ~= math.floor(p.min_length) then
    raise(name .. ": min_length must be a non-negative integer, got " .. tostring(p.min_length))
  end
  local sw = p.stop_words
  if sw ~= false and type(sw) ~= "string" and type(sw) ~= "table" then
    raise(name .. ": stop_words must be false, a language name or a list of words, got " .. type(sw))
  end
  if p.stemmer ~= false and type(p.stemmer) ~= "string" then
    raise(name .. ": stemmer must be false or a language name, got " .. type(p.stemmer))
  end
  self._ready = nil -- the stage objects are built again on first use
end

local Preprocessor = B.class("Preprocessor", {
  normalize = "NFKC", invalid = "error", lowercase = true, strip_accents = false,
  tokenizer = "word", pattern = false, contractions = "keep", reduce_len = false,
  drop = { "punct" }, stop_words = false, lemmatize = false, stemmer = false, min_length = 1,
}, check)
M.Preprocessor = Preprocessor

-- the number of characters (code points) of a valid UTF-8 string
local function utf8_length(str)
  local _, cont = str:gsub("[\128-\191]", "")
  return #str - cont
end

local MEMO_MAX = 500000

-- the stage objects (stemmer, stop words, lemmatiser, regex), built once
local function stages(self)
  if self._ready then return self._ready end
  local p, text = self.params, require("tide.text")
  local s = { drop = {}, memo = {}, memo_n = 0 }
  for _, k in ipairs(p.drop) do s.drop[k] = true end
  s.normalize = { form = p.normalize or "none", casefold = p.lowercase, strip_accents = p.strip_accents,
    invalid = p.invalid }
  if p.tokenizer == "word" then
    s.word = text.WordTokenizer{ kinds = true, contractions = p.contractions, reduce_len = p.reduce_len }
  elseif p.tokenizer == "regex" then
    s.regex = text.RegexTokenizer(p.pattern)
  end
  if p.stop_words then
    if type(p.stop_words) == "string" then s.stop = text.StopWords{ lang = p.stop_words }
    else s.stop = text.StopWords{ lang = {}, add = p.stop_words } end
  end
  if p.stemmer then s.stemmer = text.Stemmer(p.stemmer) end
  if p.lemmatize then
    s.lemmatizer = text.Lemmatizer()
    s.pos = p.lemmatize == true and "n" or p.lemmatize
  end
  self._ready = s
  return s
end

-- trace (explain's record, or nil) gets the stage's output; a list is copied, later stages edit it
local function note(trace, stage, v)
  if not trace then return end
  if type(v) == "table" then v = { unpack(v) } end
  trace[#trace + 1] = { stage = stage, value = v }
end

-- The tokens, with their kinds, for which keep(token, kind, arg) holds.
local function filter(tokens, kinds, keep, arg)
  local t, k, n = {}, {}, 0
  for i = 1, #tokens do
    local tok, kind = tokens[i], kinds[i]
    if keep(tok, kind, arg) then
      n = n + 1
      t[n], k[n] = tok, kind
    end
  end
  return t, k
end
local function kind_kept(_, kind, drop) return not drop[kind] end
local function not_stop_word(tok, _, stop) return not stop:contains(tok) end
local function long_enough(tok, _, min) return utf8_length(tok) >= min end

-- One document through every stage. With trace (a table), each stage's output is recorded in
-- it: trace[i] = {stage = name, value = string or token list} (the nlp-pipeline recipe shows it).
local function run(self, doc, trace)
  local p, text = self.params, require("tide.text")
  local s = self._ready or stages(self)
  note(trace, "input", doc)
  doc = text.normalize(doc, s.normalize)
  note(trace, "normalised", doc)
  local tokens, kinds
  if s.word then
    tokens, kinds = s.word:tokenize(doc)
  elseif p.tokenizer == "whitespace" then
    tokens = text.whitespace_tokenize(doc)
  else
    tokens = s.regex:tokenize(doc)
  end
  note(trace, "tokens", tokens)
  kinds = kinds or {}
  if next(s.drop) then
    tokens, kinds = filter(tokens, kinds, kind_kept, s.drop)
    note(trace, "kinds dropped", tokens)
  end
  if s.stop then
    tokens, kinds = filter(tokens, kinds, not_stop_word, s.stop)
    note(trace, "stop words removed", tokens)
  end
  -- lemmas and stems of words only (a URL, @mention or emoticon stays as it is); a token of
  -- another tokeniser has no kind and counts as a word
  if s.lemmatizer or s.stemmer then
    local idx, words = {}, {}
    for i, tok in ipairs(tokens) do
      local kind = kinds[i]
      if kind == nil or kind == "word" then idx[#idx + 1], words[#words + 1] = i, tok end
    end
    -- each distinct word is lemmatised or stemmed once (a corpus repeats its words); the
    -- memo is dropped when it grows past MEMO_MAX words
    local memo, miss, missed = s.memo, {}, {}
    for _, w in ipairs(words) do
      if memo[w] == nil and not missed[w] then miss[#miss + 1], missed[w] = w, true end
    end
    if #miss > 0 then
      if s.memo_n + #miss > MEMO_MAX then memo, s.memo_n = {}, 0; s.memo = memo end
      local out
      if s.lemmatizer then
        out = {}
        for j, w in ipairs(miss) do out[j] = s.lemmatizer:lemmatize(w, s.pos) end
      else
        out = s.stemmer:stem_all(miss)
      end
      for j, w in ipairs(miss) do memo[w] = out[j] end
      s.memo_n = s.memo_n + #miss
    end
    for j, i in ipairs(idx) do tokens[i] = memo[words[j]] end
    note(trace, s.lemmatizer and "lemmas" or "stems", tokens)
  end
  if p.min_length > 1 then
    tokens = filter(tokens, kinds, long_enough, p.min_length)
    note(trace, "short tokens dropped", tokens)
  end
  return tokens
end

local function check_doc(op, doc, i)
  if type(doc) ~= "string" then
    raise(format("%s: document %d must be a string, got %s", op, i, type(doc)))
  end
end

-- process(doc) -> list of tokens
function Preprocessor:process(doc)
  check_doc("Preprocessor.process", doc, 1)
  return run(self, doc)
end

-- explain(doc) -> {{stage =, value =}, ...}: what every stage made of the document
function Preprocessor:explain(doc)
  check_doc("Preprocessor.explain", doc, 1)
  local trace = {}
  run(self, doc, trace)
  return trace
end

local function documents(op, docs)
  if type(docs) ~= "table" then raise(op .. ": expected a list of strings, got " .. type(docs)) end
  for i = 1, #docs do check_doc(op, docs[i], i) end
  return docs
end

-- fit(docs): nothing is learned; checks the documents and builds the stages (so a missing
-- stop-word list or WordNet is an error here, not at predict time)
function Preprocessor:fit(docs)
  documents("Preprocessor.fit", docs)
  stages(self)
  self.state = { fitted = true }
  return self
end

-- transform(docs) -> list of token lists (one per document)
function Preprocessor:transform(docs)
  local op = "Preprocessor.transform"
  documents(op, docs)
  local out = {}
  for i = 1, #docs do
    local ok, r = pcall(run, self, docs[i])
    if not ok then raise(format("%s: document %d: %s", op, i, tostring(r):gsub("^.-:%d+: ", ""))) end
    out[i] = r
  end
  return out
end

function Preprocessor:fit_transform(docs)
  return self:fit(docs):transform(docs)
end

-- TextPipeline(steps): tide.preprocess.Pipeline, whose steps here take documents
M.TextPipeline = require("tide.preprocess.compose").Pipeline

return M
