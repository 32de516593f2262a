-- The NLP pipeline stage by stage: normalisation, tokens, stop words, stems, lemmas, n-grams, TF-IDF, and corpus statistics
--
--   tide run nlp-pipeline                          the labelled sentiment sentences (3,000 reviews)
--   tide run nlp-pipeline --data FILE.txt          one document per line (or FILE.csv --column text)
--   tide run nlp-pipeline --text "Some text."      show the stages on this text too
--
-- Shows every stage on --samples sample documents (and on --text): the input, its sentences,
-- Unicode normalisation and case folding, the word tokens with their kinds, stop words
-- removed, Snowball stems, WordNet lemmas, word bigrams and character n-grams. Then corpus
-- statistics: documents, tokens, vocabulary size at each stage (raw, case-folded, without stop
-- words, stemmed, lemmatised), the most frequent terms before and after stop words and
-- stemming, tokenising speed, and the TF-IDF matrix (word 1-2 grams) with its highest-weighted
-- terms (and, with labels, the terms chi-squared ranks first). Writes to --out: top_terms.csv,
-- summary.json and top_terms.png.
local tide = require("tide")
local cli = require("tide.cli")
local text = tide.text
local files = require("tide.io.files")
local json = require("tide.io.json")

local opts = cli.options({ ... }, {
  { "data", nil, "a text file (one document per line) or a CSV file (with --column)" },
  { "column", "text", "--data CSV: the column holding the texts" },
  { "text", nil, "a text of your own to show the stages on" },
  { "samples", 3, "sample documents shown stage by stage" },
  { "lang", "english", "language of the stop words and the stemmer" },
  { "top", 15, "how many most frequent terms to list" },
  { "out", "nlp-pipeline-output", "output folder" },
}, "Every stage of the text pipeline on sample sentences, with corpus statistics")

local function fail(msg)
  io.stderr:write("nlp-pipeline: ", (tostring(msg):gsub("^.-:%d+: ", "")), "\n")
  os.exit(1)
end
if not files.mkdir_p(opts.out) then fail("cannot create the folder " .. opts.out) end
local clock = require("tide.evaluate.cross_validate").now

-- ---------------------------------------------------------------- the corpus
local function load()
  if not opts.data then
    local d = text.sentiment_sentences()
    return d.texts, d.labels, d.classes, "the labelled sentiment sentences (amazon, imdb, yelp)"
  end
  if opts.data:lower():match("%.csv$") or opts.data:lower():match("%.csv%.gz$") then
    local frame = tide.frame.read_csv(opts.data)
    local col = frame:col(opts.column)
    local docs = {}
    for i = 1, frame:nrows() do
      local v = col:get(i)
      if v ~= nil then docs[#docs + 1] = tostring(v) end
    end
    return docs, nil, nil, opts.data
  end
  local f, err = io.open(opts.data, "rb")
  if not f then fail("cannot read " .. opts.data .. ": " .. tostring(err)) end
  local docs = {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line:find("%S") then docs[#docs + 1] = line end
  end
  f:close()
  return docs, nil, nil, opts.data
end

local okl, docs, labels, classes, what = pcall(load)
if not okl then fail(docs) end
if #docs == 0 then fail("no documents in " .. tostring(what)) end
print(string.format("Corpus: %d documents, %s", #docs, what))

-- ---------------------------------------------------------------- stages on samples
local function list(t, n)
  local shown = {}
  for i = 1, math.min(#t, n or 40) do shown[i] = t[i] end
  return table.concat(shown, " | ") .. (#t > (n or 40) and string.format(" ... (%d)", #t) or "")
end

local stemmer = text.Stemmer(opts.lang)
local stops = text.StopWords{ lang = opts.lang }
local lemmatizer = opts.lang == "english" and text.Lemmatizer() or nil

local function show(doc, k)
  print(string.format("\n-- sample %s", k))
  print("  input       " .. doc)
  local ss = text.sentences(doc)
  if #ss > 1 then print("  sentences   " .. list(ss)) end
  local norm = text.normalize(doc, { form = "NFKC", casefold = true, invalid = "replace" })
  print("  normalised  " .. norm)
  local toks, kinds = text.word_tokenize(norm, { kinds = true })
  local tagged = {}
  for i, t in ipairs(toks) do tagged[i] = kinds[i] == "word" and t or (t .. "/" .. kinds[i]) end
  print("  tokens      " .. list(tagged))
  local words = {}
  for i, t in ipairs(toks) do if kinds[i] == "word" then words[#words + 1] = t end end
  local kept = stops:filter(words)
  print("  no stops    " .. list(kept))
  print("  stems       " .. list(stemmer:stem_all(kept)))
  if lemmatizer then
    local lem = {}
    for i, w in ipairs(kept) do
      local v = lemmatizer:lemmatize(w, "v")
      lem[i] = v ~= w and v or lemmatizer:lemmatize(w, "n")
    end
    print("  lemmas      " .. list(lem) .. "   (verb, else noun)")
  end
  print("  bigrams     " .. list(text.word_ngrams(kept, 2, 2), 12))
  local first = kept[1] or words[1]
  if first then print("  char 3-grams of '" .. first .. "'  " .. list(text.char_ngrams(first, 3, 3, { wb = true }))) end
end

for i = 1, math.min(opts.samples, #docs) do
  local ok, err = pcall(show, docs[i], tostring(i))
  if not ok then fail(err) end
end
if opts.text then
  local ok, err = pcall(show, opts.text, "(--text)")
  if not ok then fail(err) end
end

-- ---------------------------------------------------------------- corpus statistics
local t0 = clock()
local bytes, all = 0, {}
for i, d in ipairs(docs) do
  bytes = bytes + #d
  local ok, toks = pcall(text.word_tokenize, d, { kinds = true })
  if not ok then fail(string.format("document %d: %s", i, tostring(toks))) end
  all[i] = toks
end
local tok_s = clock() - t0
-- the word tokens again with their kinds (second pass keeps the timing above clean)
local counts = { raw = {}, folded = {}, nostop = {}, stems = {}, lemmas = {} }
local ntok = 0
local stem_cache, lemma_cache = {}, {}
for _, d in ipairs(docs) do
  local toks, kinds = text.word_tokenize(d, { kinds = true })
  for i, t in ipairs(toks) do
    if kinds[i] == "word" then
      ntok = ntok + 1
      counts.raw[t] = (counts.raw[t] or 0) + 1
      local f = text.casefold(t)
      counts.folded[f] = (counts.folded[f] or 0) + 1
      if not stops:contains(f) then
        counts.nostop[f] = (counts.nostop[f] or 0) + 1
        local s = stem_cache[f]
        if not s then s = stemmer:stem(f); stem_cache[f] = s end
        counts.stems[s] = (counts.stems[s] or 0) + 1
        if lemmatizer then
          local l = lemma_cache[f]
          if not l then
            l = lemmatizer:lemmatize(f, "v")
            if l == f then l = lemmatizer:lemmatize(f, "n") end
            lemma_cache[f] = l
          end
          counts.lemmas[l] = (counts.lemmas[l] or 0) + 1
        end
      end
    end
  end
end

local function top(c, n)
  local terms = {}
  for t, k in pairs(c) do terms[#terms + 1] = { t, k } end
  table.sort(terms, function(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end)
  local out = {}
  for i = 1, math.min(n, #terms) do out[i] = terms[i] end
  return out, #terms
end

print(string.format("\nCorpus statistics: %d documents, %.2f MB, %d word tokens (%.1f per document)", #docs,
  bytes / 1e6, ntok, ntok / #docs))
print(string.format("  word tokeniser: %.2f s, %.1f MB/s", tok_s, bytes / 1e6 / math.max(tok_s, 1e-9)))
local summary = { documents = #docs, bytes = bytes, word_tokens = ntok, tokenize_seconds = tok_s,
  tokenize_mb_per_s = bytes / 1e6 / math.max(tok_s, 1e-9), vocabulary = {}, top = {} }
local STAGES = { { "raw", "as written" }, { "folded", "case-folded" }, { "nostop", "without stop words" },
  { "stems", "stemmed" }, { "lemmas", "lemmatised" } }
print("  vocabulary size:")
for _, st in ipairs(STAGES) do
  if next(counts[st[1]]) then
    local _, n = top(counts[st[1]], 0)
    summary.vocabulary[st[1]] = n
    print(string.format("    %-20s %7d", st[2], n))
  end
end
print(string.format("\nMost frequent terms (%d):", opts.top))
local columns = { "folded", "nostop", "stems" }
local tops = {}
for _, c in ipairs(columns) do tops[c] = top(counts[c], opts.top); summary.top[c] = tops[c] end
print(string.format("    %-24s %-24s %-24s", "case-folded", "without stop words", "stemmed"))
local csv = { "rank,term,count,term_no_stop_words,count_no_stop_words,stem,count_stem" }
for i = 1, opts.top do
  local cells, row = {}, { tostring(i) }
  for _, c in ipairs(columns) do
    local e = tops[c][i]
    cells[#cells + 1] = e and string.format("%-16s %7d", e[1], e[2]) or ""
    row[#row + 1] = e and ('"' .. e[1]:gsub('"', '""') .. '"') or ""
    row[#row + 1] = e and tostring(e[2]) or ""
  end
  print(string.format("    %-24s %-24s %-24s", cells[1], cells[2], cells[3]))
  csv[#csv + 1] = table.concat(row, ",")
end
files.write("nlp-pipeline", opts.out .. "/top_terms.csv", { table.concat(csv, "\n") .. "\n" })

-- ---------------------------------------------------------------- TF-IDF
t0 = clock()
local vec = text.TfidfVectorizer{ ngram_range = { 1, 2 }, min_df = 2 }
local okv, X = pcall(vec.fit_transform, vec, docs)
if not okv then fail(X) end
local vec_s = clock() - t0
local names = vec:get_feature_names_out()
local n, d = X.shape[1], X.shape[2]
print(string.format("\nTF-IDF (word 1-2 grams, min_df = 2): %d x %d, %d stored values (%.3f%% dense), %.3f s",
  n, d, X.nnz, 100 * X.nnz / math.max(1, n * d), vec_s))
summary.tfidf = { rows = n, columns = d, nnz = X.nnz, seconds = vec_s }
-- the terms with the highest total weight
local weight = X:t_matmul(tide.ones({ n, 1 }, "float64"))
local order = {}
for j = 1, d do order[j] = j end
table.sort(order, function(a, b) return weight[a][1] > weight[b][1] end)
local wt = {}
for i = 1, math.min(opts.top, d) do wt[i] = string.format("%s (%.1f)", names[order[i]], weight[order[i]][1]) end
print("  highest total weight: " .. table.concat(wt, ", "))
summary.tfidf.top = wt
if labels then
  local chi = tide.feature_selection.chi2(X, labels)
  local ord = {}
  for j = 1, d do ord[j] = j end
  table.sort(ord, function(a, b) return chi[a] > chi[b] end)
  local best = {}
  for i = 1, math.min(opts.top, d) do best[i] = names[ord[i]] end
  print(string.format("  most associated with the labels (chi-squared, %s): %s", table.concat(classes, " / "),
    table.concat(best, ", ")))
  summary.tfidf.chi2_top = best
end

local labels_top, values = {}, {}
for i, e in ipairs(tops.stems) do labels_top[i], values[i] = e[1], e[2] end
local okp, perr = pcall(tide.plot.bar, { names = labels_top, heights = tide.tensor(values, "float64"),
  title = "Most frequent stems", ylabel = "count", xrotation = 45, width = 1000, path = opts.out .. "/top_terms.png" })
if not okp then print("  (bar chart: " .. tostring(perr) .. ")") end
files.write("nlp-pipeline", opts.out .. "/summary.json", { json.encode(summary) })
print(string.format("\nWrote %s/{top_terms.csv, top_terms.png, summary.json}", opts.out))
