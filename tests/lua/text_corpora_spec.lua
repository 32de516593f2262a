-- tide.text.corpora: the sentiment sentences and the airline tweets through the registry — counts
-- and class balance as the data sets' SOURCE.md gives them, structural checks of the texts (no
-- tab, no padding, no empty text, NEL kept inside imdb's sentences), options, the file formats'
-- odd lines on small files written here, and the errors when a data set is absent. The shared
-- data are read at run time (TIDE_DATA); those tests are pending without it.
local H = require("spec_helpers")
local ffi = require("ffi")
local tide = require("tide")
local corpora = require("tide.text.corpora")

pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite); int unsetenv(const char *name);")
-- The sanitizer build preloads ASan into this process; curl (the download test) hangs under it.
ffi.C.unsetenv("LD_PRELOAD")

local SENTENCES, TWEETS = H.data_dir("sentiment-labelled-sentences"), H.data_dir("twitter-airline-sentiment")
local saved_data = os.getenv("TIDE_DATA")
local tmp = H.mkdtemp()

teardown(function()
  if saved_data then ffi.C.setenv("TIDE_DATA", saved_data, 1) else ffi.C.unsetenv("TIDE_DATA") end
  ffi.C.unsetenv("TIDE_OFFLINE")
  os.execute("rm -rf " .. H.q(tmp))
end)

local function count(labels, k) return labels:eq(k):sum() end

local function check_texts(texts)
  for i, t in ipairs(texts) do
    assert(type(t) == "string" and t ~= "", "text " .. i .. " is empty")
    assert(not t:find("\t", 1, true), "text " .. i .. " holds a tab")
    assert(not t:find("^%s") and not t:find("%s$"), "text " .. i .. " has white space around it")
  end
end

describe("sentiment_sentences", function()
  it("reads 3,000 sentences, 1,500 negative and 1,500 positive", function()
    if not SENTENCES then return pending("TIDE_DATA with sentiment-labelled-sentences is not set") end
    local d = corpora.sentiment_sentences()
    assert.equals(3000, #d.texts)
    assert.same({ "negative", "positive" }, d.classes)
    assert.equals("int64", d.labels.dtype)
    assert.same({ 3000 }, d.labels.shape)
    assert.equals(1500, count(d.labels, 1))
    assert.equals(1500, count(d.labels, 2))
    check_texts(d.texts)
    local per, nel = {}, 0
    for i, s in ipairs(d.source) do
      per[s] = (per[s] or 0) + 1
      if d.texts[i]:find("\194\133", 1, true) then nel = nel + 1 end
    end
    assert.same({ amazon = 1000, imdb = 1000, yelp = 1000 }, per)
    assert.is_true(nel > 0, "imdb's NEL characters stay inside their sentences")
    assert.equals("sentiment-labelled-sentences", d.info.name)
    assert.equals("TIDE_DATA", d.info.how)
    assert.equals(SENTENCES, d.info.path)
    -- each site: 500 and 500, in file order
    local y = d.labels
    for k = 0, 2 do
      local part = y:narrow(1, k * 1000 + 1, 1000)
      assert.equals(500, count(part, 1))
    end
  end)

  it("reads the chosen sites in the order given", function()
    if not SENTENCES then return pending("TIDE_DATA with sentiment-labelled-sentences is not set") end
    local all = corpora.sentiment_sentences()
    local d = corpora.sentiment_sentences({ sources = { "yelp", "amazon" }, path = SENTENCES })
    assert.equals(2000, #d.texts)
    assert.equals("path", d.info.how)
    assert.equals("yelp", d.source[1])
    assert.equals("amazon", d.source[2000])
    assert.equals(all.texts[2001], d.texts[1])
    assert.equals(all.texts[1000], d.texts[2000])
    assert.equals(all.labels[2001], d.labels[1])
  end)

  it("downloads through the registry into the cache (from a file:// copy)", function()
    if not SENTENCES then return pending("TIDE_DATA with sentiment-labelled-sentences is not set") end
    if os.execute("command -v curl >/dev/null 2>&1") ~= 0 then return pending("curl is not installed") end
    ffi.C.unsetenv("TIDE_DATA")
    local cache = tmp .. "/cache"
    local ok, d = pcall(corpora.sentiment_sentences, { cache_dir = cache, base_url = "file://" .. SENTENCES,
      sources = { "amazon" } })
    ffi.C.setenv("TIDE_DATA", saved_data, 1)
    assert(ok, tostring(d))
    assert.equals("download", d.info.how)
    assert.equals(1000, #d.texts)
    assert.is_true(H.exists(cache .. "/sentiment-labelled-sentences/yelp_labelled.txt"))
  end)

  it("parses CRLF, padding, blank lines and a missing last newline; rejects odd lines", function()
    local dir = tmp .. "/sls"
    os.execute("mkdir -p " .. H.q(dir))
    H.write_file(dir .. "/amazon_cells_labelled.txt", "Good phone.\t1\r\nBad  battery .  \t0\r\n\r\n")
    H.write_file(dir .. "/imdb_labelled.txt", "A film\194\133 long.  \t0\n  Loved it \t 1")
    H.write_file(dir .. "/yelp_labelled.txt", "")
    local d = corpora.sentiment_sentences({ path = dir })
    assert.same({ "Good phone.", "Bad  battery .", "A film\194\133 long.", "Loved it" }, d.texts)
    assert.same({ 2, 1, 1, 2 }, d.labels:totable())
    assert.same({ "amazon", "amazon", "imdb", "imdb" }, d.source)
    local e = corpora.sentiment_sentences({ path = dir, sources = { "yelp" } })
    assert.equals(0, #e.texts)
    assert.same({ 0 }, e.labels.shape)
    for _, bad in ipairs({ "no label here\n", "label two\t2\n", "\t1\n", "a\tb\t1\n" }) do
      H.write_file(dir .. "/yelp_labelled.txt", "fine\t1\n" .. bad)
      H.assert_error(function() return corpora.sentiment_sentences({ path = dir }) end,
        "sentiment_sentences: ", "yelp_labelled.txt line 2 is not `sentence<TAB>0|1`")
    end
  end)

  it("rejects bad options and names the data set when it is absent", function()
    H.assert_error(function() return corpora.sentiment_sentences({ sources = { "twitter" } }) end,
      "sentiment_sentences: sources[1] is 'twitter'")
    H.assert_error(function() return corpora.sentiment_sentences({ sources = {} }) end, "sources must be a non-empty list")
    H.assert_error(function() return corpora.sentiment_sentences({ sources = { "imdb", "imdb" } }) end, "names 'imdb' twice")
    H.assert_error(function() return corpora.sentiment_sentences({ source = { "imdb" } }) end,
      "sentiment_sentences: unknown option 'source'")
    H.assert_error(function() return corpora.sentiment_sentences("imdb") end, "options must be a table")
    H.assert_error(function() return corpora.sentiment_sentences({ path = tmp .. "/nowhere" }) end,
      "sentiment-labelled-sentences", "not found")
    ffi.C.unsetenv("TIDE_DATA")
    ffi.C.setenv("TIDE_OFFLINE", "1", 1)
    local ok, err = pcall(corpora.airline_tweets, { cache_dir = tmp .. "/empty-cache" })
    ffi.C.unsetenv("TIDE_OFFLINE")
    if saved_data then ffi.C.setenv("TIDE_DATA", saved_data, 1) end
    assert.is_false(ok)
    assert.matches("twitter%-airline%-sentiment not found", err)
    assert.matches("TIDE_DATA", err)
  end)
end)

describe("airline_tweets", function()
  it("reads 14,640 tweets: 9,178 negative, 3,099 neutral, 2,363 positive", function()
    if not TWEETS then return pending("TIDE_DATA with twitter-airline-sentiment is not set") end
    local d = corpora.airline_tweets()
    assert.equals(14640, #d.texts)
    assert.same({ "negative", "neutral", "positive" }, d.classes)
    assert.equals("int64", d.labels.dtype)
    assert.equals(9178, count(d.labels, 1))
    assert.equals(3099, count(d.labels, 2))
    assert.equals(2363, count(d.labels, 3))
    local multiline = 0
    for i, t in ipairs(d.texts) do
      assert(t ~= "", "tweet " .. i .. " is empty")
      assert(not t:find("\t", 1, true), "tweet " .. i .. " holds a tab")
      if t:find("\n", 1, true) then multiline = multiline + 1 end
    end
    assert.equals(138, multiline) -- quoted texts spanning lines, as pandas reads them
    assert.equals(14640, d.frame:nrows())
    assert.equals(15, d.frame:ncols())
    assert.equals(d.texts[100], d.frame:col("text"):get(100))
    local airlines = {}
    for _, a in ipairs(d.frame:col("airline"):totable()) do airlines[a] = true end
    assert.is_true(airlines["Virgin America"] and airlines["United"])
    assert.equals("twitter-airline-sentiment", d.info.name)
    assert.equals(TWEETS .. "/Tweets.csv.gz", d.info.files.data)
  end)

  it("reads a decompressed copy and checks the columns and labels", function()
    local dir = tmp .. "/tw"
    os.execute("mkdir -p " .. H.q(dir))
    H.write_file(dir .. "/Tweets.csv", 'tweet_id,airline_sentiment,airline,text\n1,positive,Delta,"@Delta thanks,\nall good"\n'
      .. "2,negative,United,@united late again\n3,neutral,Delta,@Delta which gate?\n")
    local d = corpora.airline_tweets({ path = dir })
    assert.same({ "@Delta thanks,\nall good", "@united late again", "@Delta which gate?" }, d.texts)
    assert.same({ 3, 1, 2 }, d.labels:totable())
    H.write_file(dir .. "/Tweets.csv", "tweet_id,airline_sentiment,text\n1,angry,@x no\n")
    H.assert_error(function() return corpora.airline_tweets({ path = dir }) end,
      "airline_tweets: ", "row 1 has airline_sentiment 'angry'")
    H.write_file(dir .. "/Tweets.csv", "tweet_id,airline_sentiment,text\n1,positive,\n")
    H.assert_error(function() return corpora.airline_tweets({ path = dir }) end, "row 1 has no text")
    H.write_file(dir .. "/Tweets.csv", "tweet_id,sentiment,text\n1,positive,@x yes\n")
    H.assert_error(function() return corpora.airline_tweets({ path = dir }) end, "has no column 'airline_sentiment'")
    H.assert_error(function() return corpora.airline_tweets({ sources = {} }) end, "airline_tweets: unknown option 'sources'")
  end)
end)
