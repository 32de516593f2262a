-- tide.text.corpora: the labelled text data sets of the registry (tide.datasets), read into
-- texts and 1-based class ids.
--   sentiment_sentences{sources =, path =, ...} -> {texts, labels, classes, source, info}
--       UCI "sentiment labelled sentences" (registry: sentiment-labelled-sentences): 3 x 1,000
--       review sentences from amazon, imdb and yelp, binary (classes negative, positive)
--   airline_tweets{path =, ...} -> {texts, labels, classes, frame, info}
--       Twitter US airline sentiment (registry: twitter-airline-sentiment): 14,640 tweets,
--       three classes (negative, neutral, positive), and the whole table as a tide.frame
-- labels: int64 [n], class ids 1..K indexing classes. The files are found as tide.datasets finds
-- them: opts.path (the folder, or one holding it), TIDE_DATA, Tide's cache, then a download
-- (where the registry has an address; {download = false} or TIDE_OFFLINE=1 stop it);
-- opts.cache_dir and opts.base_url as for tide.datasets.locate.
local core = require("tide._core")
local args = require("tide._args")
local raise = core.raise
local format, find, sub = string.format, string.find, string.sub

local M = {}

local LOCATE_OPTS = { "path", "cache_dir", "download", "base_url" }

local function options(op, opts, extra)
  local names = { unpack(LOCATE_OPTS) }
  for _, k in ipairs(extra or {}) do names[#names + 1] = k end
  return args.options(op, opts, args.set(names))
end

-- the data set's file paths (a decompressed copy of a .gz is accepted) and where they were found
local function files_of(name, opts)
  local D = require("tide.datasets")
  local dir, how = D.locate(name, { path = opts.path, cache_dir = opts.cache_dir, download = opts.download,
    base_url = opts.base_url })
  local paths = D.load(name, { path = dir })
  return paths, { name = name, path = dir, how = how, files = paths }
end

local function labels_tensor(ids)
  local tide = require("tide") -- (the tensor methods and tide.frame need the whole library)
  if #ids == 0 then return tide.empty({ 0 }, "int64") end
  return tide.tensor(ids, "int64")
end

-- ---------------------------------------------------------------- sentiment sentences
local SENTENCE_SOURCES = { "amazon", "imdb", "yelp" }
local SENTENCE_CLASSES = { "negative", "positive" }

-- The lines of one file, `sentence<TAB>label` with label 0 (negative) or 1 (positive). Lines end
-- at "\n" only: imdb's sentences hold U+0085 (NEL), which some readers take for a line break. A
-- "\r" before the "\n" and white space around the sentence (imdb pads each with two spaces) are
-- dropped; blank lines are skipped; any other line is an error naming the file and line.
local function read_sentences(op, path, source, texts, labels, sources)
  local f = io.open(path, "rb")
  if not f then raise(format("%s: cannot read %s", op, path)) end
  local s = f:read("*a")
  f:close()
  local i, n, line_no = 1, #s, 0
  while i <= n do
    local nl = find(s, "\n", i, true) or (n + 1)
    line_no = line_no + 1
    local line = sub(s, i, nl - 1)
    i = nl + 1
    if find(line, "%S") then
      local sentence, label = line:match("^%s*(.-)%s*\t%s*([01])%s*$")
      if not sentence or sentence == "" or find(sentence, "\t", 1, true) then
        raise(format("%s: %s line %d is not `sentence<TAB>0|1`: %q", op, path, line_no, sub(line, 1, 80)))
      end
      texts[#texts + 1] = sentence
      labels[#labels + 1] = label == "1" and 2 or 1
      sources[#sources + 1] = source
    end
  end
end

-- sentiment_sentences{sources = {"amazon", "imdb", "yelp"}, path =, ...}: the sentences of the
-- chosen sites, in that order, each file in its line order.
--   texts: the sentences; labels: int64 [n], 1 = negative, 2 = positive (the files' 0 and 1);
--   classes = {"negative", "positive"}; source: the site of each row; info: where the files are.
function M.sentiment_sentences(opts)
  local op = "sentiment_sentences"
  opts = options(op, opts, { "sources" })
  local chosen = opts.sources or SENTENCE_SOURCES
  if type(chosen) ~= "table" or #chosen == 0 then
    raise(op .. ": sources must be a non-empty list of \"amazon\", \"imdb\", \"yelp\"")
  end
  local seen = {}
  for k, src in ipairs(chosen) do
    if src ~= "amazon" and src ~= "imdb" and src ~= "yelp" then
      raise(format("%s: sources[%d] is %s, expected \"amazon\", \"imdb\" or \"yelp\"", op, k,
        type(src) == "string" and ("'" .. src .. "'") or type(src)))
    end
    if seen[src] then raise(format("%s: sources names '%s' twice", op, src)) end
    seen[src] = true
  end
  local paths, info = files_of("sentiment-labelled-sentences", opts)
  local texts, ids, sources = {}, {}, {}
  for _, src in ipairs(chosen) do read_sentences(op, paths[src], src, texts, ids, sources) end
  return { texts = texts, labels = labels_tensor(ids), classes = { unpack(SENTENCE_CLASSES) }, source = sources,
    info = info }
end

-- ---------------------------------------------------------------- airline tweets
local TWEET_CLASSES = { "negative", "neutral", "positive" }

-- airline_tweets{path =, ...}: every tweet of Tweets.csv (read gzipped by tide.csv; quoted texts
-- span lines).
--   texts: the `text` column; labels: int64 [n] from `airline_sentiment`, 1 = negative,
--   2 = neutral, 3 = positive; classes = {"negative", "neutral", "positive"}; frame: the whole
--   table (airline, negativereason, ...) as a tide.frame; info: where the file is.
function M.airline_tweets(opts)
  local op = "airline_tweets"
  opts = options(op, opts)
  local paths, info = files_of("twitter-airline-sentiment", opts)
  local frame = require("tide").frame.read_csv(paths.data)
  local has = {}
  for _, name in ipairs(frame.names) do has[name] = true end
  for _, name in ipairs({ "text", "airline_sentiment" }) do
    if not has[name] then raise(format("%s: %s has no column '%s'", op, paths.data, name)) end
  end
  local class_id = {}
  for k, c in ipairs(TWEET_CLASSES) do class_id[c] = k end
  local text, sentiment = frame:col("text"), frame:col("airline_sentiment")
  local texts, ids = {}, {}
  for i = 1, frame:nrows() do
    local t, s = text:get(i), sentiment:get(i)
    if t == nil or t == "" then raise(format("%s: %s: row %d has no text", op, paths.data, i)) end
    local id = class_id[s]
    if not id then
      raise(format("%s: %s: row %d has airline_sentiment %s, expected negative, neutral or positive", op, paths.data,
        i, s == nil and "missing" or ("'" .. tostring(s) .. "'")))
    end
    texts[i], ids[i] = t, id
  end
  return { texts = texts, labels = labels_tensor(ids), classes = { unpack(TWEET_CLASSES) }, frame = frame, info = info }
end

return M
