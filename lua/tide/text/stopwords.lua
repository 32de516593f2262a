-- tide.text stop words: the Snowball stop-word lists, as Debian's liblingua-stopwords-perl ships
-- them (/usr/share/perl5/Lingua/StopWords/XX.pm, read once per process), and StopWords sets
-- built from them, from files and from word lists.
--
--   text.stop_words("english")["the"]                       --> true
--   local sw = text.StopWords{ lang = {"english", "french"}, add = {"rt", "via"}, remove = {"not"} }
--   sw:filter({"the", "flight", "was", "not", "late"})       --> {"flight", "not", "late"}
--   local t = sw:to_table()   -- plain table (JSON); text.StopWords.from_table(t) gives it back
--
-- The lists are lower case and matching is exact: lowercase tokens first (text.casefold). The
-- folder can be changed with the environment variable TIDE_STOPWORDS_DIR.
local core = require("tide._core")
local raise = core.raise
local format = string.format

local M = {}

local CODES = { danish = "da", dutch = "nl", english = "en", finnish = "fi", french = "fr", german = "de",
  hungarian = "hu", indonesian = "id", italian = "it", norwegian = "no", portuguese = "pt", romanian = "ro",
  russian = "ru", spanish = "es", swedish = "sv" }
local NAME_OF = {}
for name, code in pairs(CODES) do NAME_OF[name], NAME_OF[code] = name, name end

M._dir = os.getenv("TIDE_STOPWORDS_DIR") or "/usr/share/perl5/Lingua/StopWords"

local function known_list()
  local t = {}
  for name, code in pairs(CODES) do t[#t + 1] = name .. " (" .. code .. ")" end
  table.sort(t)
  return table.concat(t, ", ")
end

local function language(op, lang)
  if type(lang) ~= "string" then
    raise(format("%s: the language must be a name such as \"english\" or \"en\", got %s", op, type(lang)))
  end
  local name = NAME_OF[lang:lower()]
  if not name then raise(format("%s: no stop words for '%s' (known: %s)", op, lang, known_list())) end
  return name
end

local function valid_utf8(s) return require("tide.text.unicode").is_valid_utf8(s) end

-- the words of a language's list: a sorted array of unique words, read once per file
local lists = {}
local function list_of(op, name)
  local path = M._dir .. "/" .. CODES[name]:upper() .. ".pm"
  if lists[path] then return lists[path] end
  local f = io.open(path, "rb")
  if not f then
    raise(format("%s: cannot read %s, the %s stop words: install the Debian package liblingua-stopwords-perl",
      op, path, name))
  end
  local src = f:read("*a")
  f:close()
  local body = src:match("sub%s+_stopwords%s*{%s*return%s+qw%s*(%b())")
  if not body then raise(format("%s: %s has no 'sub _stopwords { return qw(...) }' list", op, path)) end
  local ok, at = valid_utf8(body)
  if not ok then raise(format("%s: %s: invalid UTF-8 in the word list (byte %d of it)", op, path, at - 1)) end
  local seen, words = {}, {}
  for w in body:sub(2, -2):gmatch("%S+") do
    if not seen[w] then seen[w] = true; words[#words + 1] = w end
  end
  table.sort(words)
  lists[path] = words
  return words
end

-- stop_words(lang) -> a new set {word = true, ...} of a language's list (a copy: changing it
-- changes nothing else). lang: a name of stop_word_languages() or its ISO 639-1 code.
function M.stop_words(lang)
  local op = "text.stop_words"
  local set = {}
  for _, w in ipairs(list_of(op, language(op, lang))) do set[w] = true end
  return set
end

-- stop_word_languages() -> the sorted language names (every list Lingua::StopWords has).
function M.stop_word_languages()
  local t = {}
  for name in pairs(CODES) do t[#t + 1] = name end
  table.sort(t)
  return t
end

-- ---------------------------------------------------------------- StopWords
local StopWords = {}
StopWords.__index = StopWords

-- a string or a list of strings -> a list, every word a non-empty string
local function word_list(op, what, words)
  if type(words) == "string" then words = { words } end
  if type(words) ~= "table" then
    raise(format("%s: %s must be a word or a list of words, got %s", op, what, type(words)))
  end
  for i, w in ipairs(words) do
    if type(w) ~= "string" or w == "" then
      local got = type(w) == "string" and "\"\"" or type(w)
      raise(format("%s: %s: word %d must be a non-empty string, got %s", op, what, i, got))
    end
    if not valid_utf8(w) then raise(format("%s: %s: word %d is not valid UTF-8", op, what, i)) end
  end
  return words
end

-- the words of a file: separated by white space; "#" or "|" (Snowball's own stop-list files)
-- starts a comment that runs to the end of the line
local function file_words(op, path)
  if type(path) ~= "string" then raise(format("%s: file must be a path, got %s", op, type(path))) end
  local f, err = io.open(path, "rb")
  if not f then raise(format("%s: cannot read the stop-word file %s (%s)", op, path, tostring(err))) end
  local src = f:read("*a")
  f:close()
  local ok, at = valid_utf8(src)
  if not ok then
    local line = select(2, src:sub(1, at - 1):gsub("\n", "")) + 1
    raise(format("%s: %s: invalid UTF-8 on line %d (byte %d)", op, path, line, at))
  end
  local words = {}
  for line in (src .. "\n"):gmatch("([^\n]*)\n") do
    for w in line:gsub("[#|].*", ""):gmatch("%S+") do words[#words + 1] = w end
  end
  return words
end

local OPTIONS = { lang = true, add = true, remove = true, file = true }

local function new(set, languages)
  return setmetatable({ _set = set, languages = languages }, StopWords)
end

-- StopWords{lang = "english" | {"english", "french"}, file = path, add = {...}, remove = {...}}
-- (or StopWords("english")): the union of the languages' lists, the file's words and add, less
-- remove. Every part is optional: StopWords{add = {"a", "b"}} is a list of one's own.
local function construct(opts)
  local op = "text.StopWords"
  if opts == nil then opts = {} end
  if type(opts) == "string" then opts = { lang = opts } end
  if type(opts) ~= "table" then raise(format("%s: expected a table of options, got %s", op, type(opts))) end
  for k in pairs(opts) do
    if not OPTIONS[k] then raise(format("%s: unknown option '%s' (lang, file, add, remove)", op, tostring(k))) end
  end
  local langs = opts.lang
  if langs == nil then langs = {} elseif type(langs) == "string" then langs = { langs } end
  if type(langs) ~= "table" then
    raise(format("%s: lang must be a language or a list of languages, got %s", op, type(langs)))
  end
  local self = new({}, {})
  for _, l in ipairs(langs) do
    local name = language(op, l)
    self.languages[#self.languages + 1] = name
    for _, w in ipairs(list_of(op, name)) do self._set[w] = true end
  end
  if opts.file ~= nil then
    for _, w in ipairs(file_words(op, opts.file)) do self._set[w] = true end
  end
  if opts.add ~= nil then self:add(word_list(op, "add", opts.add)) end
  if opts.remove ~= nil then self:remove(word_list(op, "remove", opts.remove)) end
  return self
end

-- sw:contains(word) -> true when word is a stop word.
function StopWords:contains(w)
  if type(w) ~= "string" then raise("StopWords:contains: expected a string, got " .. type(w)) end
  return self._set[w] == true
end

-- sw:filter(tokens) -> a new list of the tokens that are not stop words, in their order.
function StopWords:filter(tokens)
  if type(tokens) ~= "table" then raise("StopWords:filter: expected a list of tokens, got " .. type(tokens)) end
  local out, set, n = {}, self._set, 0
  for i = 1, #tokens do
    local t = tokens[i]
    if not set[t] then n = n + 1; out[n] = t end
  end
  return out
end

-- sw:words() -> the sorted list of the stop words.
function StopWords:words()
  local t = {}
  for w in pairs(self._set) do t[#t + 1] = w end
  table.sort(t)
  return t
end

-- sw:size() -> how many stop words.
function StopWords:size()
  local n = 0
  for _ in pairs(self._set) do n = n + 1 end
  return n
end

-- sw:add(words), sw:remove(words): a word or a list of words; return sw.
function StopWords:add(words)
  for _, w in ipairs(word_list("StopWords:add", "words", words)) do self._set[w] = true end
  return self
end

function StopWords:remove(words)
  for _, w in ipairs(word_list("StopWords:remove", "words", words)) do self._set[w] = nil end
  return self
end

-- sw:to_table() -> {words = sorted list, languages = list}: plain data for JSON. Loading it
-- needs no stop-word package: the words themselves are saved.
function StopWords:to_table()
  local langs = {}
  for i, l in ipairs(self.languages) do langs[i] = l end
  return { words = self:words(), languages = langs }
end

function StopWords:__tostring()
  local langs = #self.languages > 0 and (" from " .. table.concat(self.languages, ", ")) or ""
  return format("StopWords(%d words%s)", self:size(), langs)
end

-- StopWords.from_table(t) -> the StopWords sw:to_table() described.
local function from_table(t)
  local op = "StopWords.from_table"
  if type(t) ~= "table" or type(t.words) ~= "table" then
    raise(op .. ": expected a table with a list of words (to_table's form)")
  end
  local set = {}
  for _, w in ipairs(word_list(op, "words", t.words)) do set[w] = true end
  local langs = {}
  for i, l in ipairs(t.languages or {}) do
    if type(l) ~= "string" then raise(format("%s: languages[%d] must be a string, got %s", op, i, type(l))) end
    langs[i] = l
  end
  return new(set, langs)
end

function M.is_stop_words(x) return getmetatable(x) == StopWords end

M.StopWords = setmetatable({ from_table = from_table, class = StopWords },
  { __call = function(_, opts) return construct(opts) end })

return M
