-- tide.text.lemmatize: the WordNet lemmatiser — WordNet's morphy as NLTK 3.8 implements it
-- (WordNetCorpusReader._morphy and WordNetLemmatizer.lemmatize), reading the WordNet 3.0 database
-- of Debian's wordnet-base.
--   Lemmatizer{path = "/usr/share/wordnet"} -> lem    (the database is read once per process)
--   lem:lemmatize(word, pos = "n") -> lemma            lem:morphy(word, pos) -> {candidates}
--   lem:lemmatize_all(tokens, tags) -> {lemmas}        lemmatize(word, pos): the default lemmatiser
-- Morphy: a word in the part of speech's exception list (noun.exc, verb.exc, adj.exc, adv.exc)
-- gives the word and its listed lemmas, nothing else; otherwise the detachment rules are applied
-- once and the word and those forms that are lemmas of that part of speech (index.<pos>) are the
-- candidates; when there are none, the rules are applied again to the forms of the last round
-- until some round gives candidates or no rule applies. The shortest candidate is the lemma (the
-- first of equal lengths); no candidate: the word itself.
-- As in NLTK: no case folding ("Dogs" stays "Dogs"; the database is lower case) and multi-word
-- lemmas are written with "_" ("hot_dogs" -> "hot_dog"; "hot dogs" is left alone).
-- Parts of speech: WordNet's "n", "v", "a", "r", "s" (satellite adjective, as "a"), or a Penn
-- Treebank tag: NN* -> n, VB* -> v, JJ* -> a, RB* (RB, RBR, RBS) -> r and every other Penn tag
-- (DT, IN, PRP, RP, CD, punctuation ...) -> n, the lemmatiser's default — the mapping commonly
-- paired with NLTK's pos_tag, whose tags NLTK's lemmatiser itself does not accept.
local core = require("tide._core")
local args = require("tide._args")
local raise = core.raise
local find, sub, byte, format = string.find, string.sub, string.byte, string.format

local M = {}

local DEFAULT_PATH = "/usr/share/wordnet"
local LEMMATIZER_OPTS = args.set({ "path" })
local POS_FILES = { n = "noun", v = "verb", a = "adj", r = "adv" }

-- NLTK's MORPHOLOGICAL_SUBSTITUTIONS, in its order (the order of the candidates).
local RULES = {
  n = { { "s", "" }, { "ses", "s" }, { "ves", "f" }, { "xes", "x" }, { "zes", "z" }, { "ches", "ch" },
    { "shes", "sh" }, { "men", "man" }, { "ies", "y" } },
  v = { { "s", "" }, { "ies", "y" }, { "es", "e" }, { "es", "" }, { "ed", "e" }, { "ed", "" }, { "ing", "e" },
    { "ing", "" } },
  a = { { "er", "" }, { "est", "" }, { "er", "e" }, { "est", "e" } },
  r = {},
}

-- ---------------------------------------------------------------- parts of speech
local POS = { n = "n", v = "v", a = "a", r = "r", s = "a" }
for _, t in ipairs({ "NN", "NNS", "NNP", "NNPS" }) do POS[t] = "n" end
for _, t in ipairs({ "VB", "VBD", "VBG", "VBN", "VBP", "VBZ" }) do POS[t] = "v" end
for _, t in ipairs({ "JJ", "JJR", "JJS" }) do POS[t] = "a" end
for _, t in ipairs({ "RB", "RBR", "RBS" }) do POS[t] = "r" end
for _, t in ipairs({ "CC", "CD", "DT", "EX", "FW", "IN", "LS", "MD", "PDT", "POS", "PRP", "PRP$", "RP", "SYM", "TO",
  "UH", "WDT", "WP", "WP$", "WRB", ".", ",", ":", "``", "''", "-LRB-", "-RRB-", "-NONE-", "#", "$", "(", ")" }) do
  POS[t] = "n"
end

local function pos_of(op, pos)
  if pos == nil then return "n" end
  local p = POS[pos]
  if p then return p end
  raise(format("%s: unknown part of speech %s (expected \"n\", \"v\", \"a\", \"r\", \"s\" or a Penn Treebank tag "
    .. "such as NN, VBD, JJ, RB)", op, type(pos) == "string" and ("'" .. pos .. "'") or tostring(pos)))
end
M._pos_of = pos_of

-- ---------------------------------------------------------------- words
-- true when s is well-formed UTF-8 (only called for words with a byte >= 0x80)
local function valid_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = byte(s, i)
    local len, lo, hi = 1, 0x80, 0xBF
    if c < 0x80 then len = 1
    elseif c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then
      len = 3
      if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
    elseif c >= 0xF0 and c <= 0xF4 then
      len = 4
      if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
    else return false end
    if i + len - 1 > n then return false end
    for k = 1, len - 1 do
      local d = byte(s, i + k)
      if k == 1 then
        if d < lo or d > hi then return false end
      elseif d < 0x80 or d > 0xBF then return false end
    end
    i = i + len
  end
  return true
end

local function check_word(op, word, where)
  if type(word) ~= "string" then raise(format("%s: %s must be a string, got %s", op, where, type(word))) end
  if word == "" then raise(format("%s: %s is an empty string", op, where)) end
  if find(word, "[\128-\255]") and not valid_utf8(word) then raise(format("%s: %s is not valid UTF-8", op, where)) end
end

-- ---------------------------------------------------------------- the database
local databases = {} -- path -> {lemmas = {pos -> set}, exceptions = {pos -> {word -> {lemmas}}}}

local function read_file(dir, name)
  local path = dir .. "/" .. name
  local f = io.open(path, "rb")
  if not f then
    raise(format("Lemmatizer: cannot read the WordNet file %s (install the Debian package wordnet-base, or give "
      .. "{path = folder} holding WordNet 3.0's index.* and *.exc files)", path))
  end
  local s = f:read("*a")
  f:close()
  return s
end

-- index.<pos>: one lemma per line, the lemma up to the first space; lines of the licence header
-- start with a space.
local function read_index(dir, name)
  local s = read_file(dir, name)
  local set, i, n = {}, 1, #s
  while i <= n do
    local sp = find(s, " ", i, true)
    if not sp then break end
    if sp > i then set[sub(s, i, sp - 1)] = true end
    i = (find(s, "\n", sp, true) or n) + 1
  end
  if next(set) == nil then raise(format("Lemmatizer: %s/%s holds no lemma (not a WordNet index file?)", dir, name)) end
  return set
end

-- <pos>.exc: "inflected lemma [lemma ...]" per line
local function read_exceptions(dir, name)
  local map = {}
  for line in read_file(dir, name):gmatch("[^\n]+") do
    local word, rest = line:match("^%s*(%S+)(.*)$")
    if word then
      local lemmas = {}
      for w in rest:gmatch("%S+") do lemmas[#lemmas + 1] = w end
      map[word] = lemmas
    end
  end
  return map
end

local function database(dir)
  local db = databases[dir]
  if db then return db end
  db = { lemmas = {}, exceptions = {} }
  for pos, file in pairs(POS_FILES) do
    db.lemmas[pos] = read_index(dir, "index." .. file)
    db.exceptions[pos] = read_exceptions(dir, file .. ".exc")
  end
  databases[dir] = db
  return db
end

-- ---------------------------------------------------------------- morphy
local function apply_rules(forms, rules)
  local out = {}
  for _, form in ipairs(forms) do
    local n = #form
    for _, rule in ipairs(rules) do
      local old = rule[1]
      if n >= #old and sub(form, n - #old + 1) == old then out[#out + 1] = sub(form, 1, n - #old) .. rule[2] end
    end
  end
  return out
end

-- the forms (and `first`, before them) that are lemmas, once each, in order
local function filter_forms(lemmas, forms, first)
  local out, seen = {}, {}
  if first and lemmas[first] then out[1], seen[first] = first, true end
  for _, form in ipairs(forms) do
    if lemmas[form] and not seen[form] then
      out[#out + 1] = form
      seen[form] = true
    end
  end
  return out
end

local function morphy(db, form, pos)
  local lemmas, rules = db.lemmas[pos], RULES[pos]
  local exc = db.exceptions[pos][form]
  if exc then return filter_forms(lemmas, exc, form) end
  local forms = apply_rules({ form }, rules)
  local found = filter_forms(lemmas, forms, form)
  while #found == 0 and #forms > 0 do
    forms = apply_rules(forms, rules)
    found = filter_forms(lemmas, forms)
  end
  return found
end

local function shortest(found, word)
  local best = found[1]
  if not best then return word end
  for i = 2, #found do
    if #found[i] < #best then best = found[i] end
  end
  return best
end

-- ---------------------------------------------------------------- the lemmatiser
local Lemmatizer = {}
Lemmatizer.__index = Lemmatizer

-- Lemmatizer{path = dir}: reads (once per process and folder) the WordNet database in dir,
-- default /usr/share/wordnet (Debian's wordnet-base).
function M.Lemmatizer(opts)
  opts = args.options("Lemmatizer", opts, LEMMATIZER_OPTS)
  local path = opts.path or DEFAULT_PATH
  if type(path) ~= "string" or path == "" then raise("Lemmatizer: path must be a folder name, got " .. tostring(path)) end
  path = path:gsub("(.)/+$", "%1")
  return setmetatable({ path = path, _db = database(path) }, Lemmatizer)
end

-- lem:morphy(word, pos) -> the candidate lemmas in morphy's order (NLTK's _morphy), maybe empty
function Lemmatizer:morphy(word, pos)
  check_word("morphy", word, "word")
  return morphy(self._db, word, pos_of("morphy", pos))
end

-- lem:lemmatize(word, pos = "n") -> the shortest candidate, or the word itself
function Lemmatizer:lemmatize(word, pos)
  check_word("lemmatize", word, "word")
  return shortest(morphy(self._db, word, pos_of("lemmatize", pos)), word)
end

-- lem:lemmatize_all(tokens, tags) -> a new list; tags: nil (nouns), one part of speech for all,
-- or a list as long as tokens (e.g. Penn tags from a tagger)
function Lemmatizer:lemmatize_all(tokens, tags)
  local op = "lemmatize_all"
  if type(tokens) ~= "table" then raise(format("%s: tokens must be a list of strings, got %s", op, type(tokens))) end
  local n = #tokens
  local tag_list = type(tags) == "table"
  if tag_list and #tags ~= n then raise(format("%s: %d tokens but %d tags", op, n, #tags)) end
  local one = not tag_list and pos_of(op, tags)
  local db, out = self._db, {}
  for i = 1, n do
    local word = tokens[i]
    check_word(op, word, "token " .. i)
    local pos = one or pos_of(op .. " (tag " .. i .. ")", tags[i])
    out[i] = shortest(morphy(db, word, pos), word)
  end
  return out
end

function Lemmatizer:__tostring()
  return format("Lemmatizer(WordNet in %s)", self.path)
end

local default
-- lemmatize(word, pos = "n"): with the default lemmatiser (WordNet of /usr/share/wordnet)
function M.lemmatize(word, pos)
  check_word("lemmatize", word, "word")
  default = default or M.Lemmatizer()
  return default:lemmatize(word, pos)
end

return M
