-- Sentiment analysis: trains and compares text classifiers, writes the best pipeline, classifies new sentences
--
--   tide run sentiment                               the labelled sentences (binary), then the airline tweets (3 classes)
--   tide run sentiment --dataset tweets              one data set: sentences or tweets
--   tide run sentiment --data FILE.csv --text-column review --label-column stars
--   tide run sentiment "What a lovely crew" "Lost my bag again"     train, then classify these
--   tide run sentiment --model sentiment-output/tweets/model.safetensors "Never again"   classify only
--
-- For each data set: a stratified 80 / 20 split (--seed), one text Preprocessor (Unicode
-- normalisation, the word tokeniser, punctuation dropped; --stop-words, --stem), then each
-- model in its own pipeline:
--   nb, cnb    TF-IDF of word 1-2 grams -> multinomial / complement naive Bayes
--   logistic   TF-IDF of word 1-2 grams -> logistic regression (multinomial)
--   svm        TF-IDF of word 1-2 grams -> linear SVM (dual coordinate descent)
--   fasttext   a fastText-style network: mean of word and hashed-bigram embeddings -> linear
-- Prints accuracy, macro F1 and fit time per model; for the best (by macro F1 on the test part)
-- the precision, recall and F1 per class and the confusion matrix. Writes to --out/<data set>/:
-- model.safetensors (the whole pipeline: tide.models.load reads it), metrics.json,
-- comparison.csv, confusion.png. Sentences given on the command line are then classified with
-- the best pipeline of the last data set (or with --model).
local tide = require("tide")
local cli = require("tide.cli")
local text = tide.text
local models = tide.models
local metrics = tide.metrics
local ev = require("tide.evaluate")
local files = require("tide.io.files")
local json = require("tide.io.json")

local opts, sentences = cli.options({ ... }, {
  { "dataset", nil, "sentences or tweets (default: both)" },
  { "data", nil, "a CSV file of your own (with --text-column and --label-column)" },
  { "text-column", "text", "--data: the column holding the texts" },
  { "label-column", "label", "--data: the column holding the labels" },
  { "models", "nb,cnb,logistic,svm,fasttext", "the models to compare (comma-separated)" },
  { "test-size", 0.2, "share of the data held out for testing" },
  { "stop-words", false, "drop English stop words (Snowball list) before vectorising" },
  { "stem", false, "stem the words (Snowball English)" },
  { "model", nil, "classify the sentences with this saved pipeline instead of training" },
  { "seed", 42, "random seed (split, models)" },
  { "threads", 0, "threads (0 = all cores)" },
  { "out", "sentiment-output", "output folder" },
}, "Train and compare sentiment classifiers; classify the sentences given after the options")

local function fail(msg)
  io.stderr:write("sentiment: ", (tostring(msg):gsub("^.-:%d+: ", "")), "\n")
  os.exit(1)
end
if opts.threads > 0 then tide.threads(opts.threads) end
tide.manual_seed(opts.seed)
local clock = require("tide.evaluate.cross_validate").now

-- ---------------------------------------------------------------- classify with a pipeline
local function classify(pipe, classes, list)
  if #list == 0 then return end
  print("\nClassified:")
  local ok, proba = pcall(pipe.predict_proba, pipe, list)
  local pred = pipe:predict(list)
  for i, s in ipairs(list) do
    local label = classes and classes[tonumber(pred[i])] or tostring(pred[i])
    local conf = ok and string.format(" (%.2f)", proba[i]:max()) or ""
    print(string.format("  %-9s%s  %s", label, conf, s))
  end
end

if opts.model then
  local ok, pipe = pcall(models.load, opts.model)
  if not ok then fail(pipe) end
  local meta_ok, meta = pcall(function()
    local f = assert(io.open((opts.model:gsub("model%.safetensors$", "metrics.json")), "rb"))
    local s = f:read("*a")
    f:close()
    return json.decode(s)
  end)
  if #sentences == 0 then fail("--model: give the sentences to classify after the options") end
  classify(pipe, meta_ok and meta.classes or nil, sentences)
  os.exit(0)
end

-- ---------------------------------------------------------------- data
local function load(name)
  if name == "sentences" then
    local d = text.sentiment_sentences()
    return { name = name, texts = d.texts, labels = d.labels, classes = d.classes,
      what = "labelled review sentences (amazon, imdb, yelp)" }
  elseif name == "tweets" then
    local d = text.airline_tweets()
    return { name = name, texts = d.texts, labels = d.labels, classes = d.classes, what = "US airline tweets" }
  end
  -- a CSV of the user's
  local frame = tide.frame.read_csv(opts.data)
  local tcol, lcol = frame:col(opts.text_column), frame:col(opts.label_column)
  local texts, names, ids, classes = {}, {}, {}, {}
  for i = 1, frame:nrows() do
    local t, l = tcol:get(i), lcol:get(i)
    if t ~= nil and l ~= nil then
      l = tostring(l)
      if not names[l] then classes[#classes + 1] = l; names[l] = true end
      texts[#texts + 1], ids[#ids + 1] = tostring(t), l
    end
  end
  table.sort(classes)
  local id_of = {}
  for k, c in ipairs(classes) do id_of[c] = k end
  for i, l in ipairs(ids) do ids[i] = id_of[l] end
  if #classes < 2 then fail(string.format("--data: column '%s' has fewer than two labels", opts.label_column)) end
  return { name = (opts.data:match("([^/]+)%.%w+$") or "data"), texts = texts, labels = tide.tensor(ids, "int64"),
    classes = classes, what = opts.data }
end

-- ---------------------------------------------------------------- the models
local function preprocessor()
  return text.Preprocessor{ stop_words = opts.stop_words and "english" or false,
    stemmer = opts.stem and "english" or false }
end

local function tfidf() return text.TfidfVectorizer{ ngram_range = { 1, 2 }, sublinear_tf = true } end

local FACTORY = {
  nb = function() return models.MultinomialNB{ alpha = 0.1 } end,
  cnb = function() return models.ComplementNB{ alpha = 0.3 } end,
  logistic = function() return models.LogisticRegression{ C = 10, max_iter = 1000, random_state = opts.seed } end,
  svm = function() return models.LinearSVC{ C = 0.5, random_state = opts.seed } end,
}
local LABEL = { nb = "multinomial NB", cnb = "complement NB", logistic = "logistic regression",
  svm = "linear SVM", fasttext = "fastText-style network" }

local function pipeline(name)
  if name == "fasttext" then
    return text.TextPipeline{ { "prep", preprocessor() }, { "clf", text.FastTextClassifier{ seed = opts.seed } } }
  end
  if not FACTORY[name] then fail("unknown model '" .. name .. "' (nb, cnb, logistic, svm, fasttext)") end
  return text.TextPipeline{ { "prep", preprocessor() }, { "tfidf", tfidf() }, { "clf", FACTORY[name]() } }
end

local function subset(list, ids)
  local out = {}
  for i = 1, ids.shape[1] do out[i] = list[tonumber(ids[i])] end
  return out
end

-- ---------------------------------------------------------------- one data set
local function run(name)
  local okd, D = pcall(load, name)
  if not okd then fail(D) end
  local split = select(-1, ev.train_test_split(#D.texts, D.labels, { test_size = opts.test_size, stratify = true,
    random_state = opts.seed }))
  local xtr, xte = subset(D.texts, split.train), subset(D.texts, split.test)
  local ytr, yte = D.labels:index_select(1, split.train), D.labels:index_select(1, split.test)
  print(string.format("\n== %s: %d %s, %d classes (%s); %d train, %d test", D.name, #D.texts, D.what, #D.classes,
    table.concat(D.classes, ", "), #xtr, #xte))

  local dir = opts.out .. "/" .. D.name
  if not files.mkdir_p(dir) then fail("cannot create the folder " .. dir) end
  local rows, best = {}, nil
  print(string.format("  %-24s %9s %9s %9s %10s", "model", "accuracy", "macro F1", "fit s", "predict s"))
  for m in opts.models:gmatch("[^,%s]+") do
    local pipe = pipeline(m)
    local t0 = clock()
    local okf, err = pcall(pipe.fit, pipe, xtr, ytr)
    if not okf then fail(m .. ": " .. tostring(err)) end
    local t1 = clock()
    local pred = pipe:predict(xte)
    local t2 = clock()
    local row = { model = m, accuracy = metrics.accuracy(yte, pred),
      macro_f1 = metrics.f1_score(yte, pred, { average = "macro" }), fit_seconds = t1 - t0, predict_seconds = t2 - t1 }
    rows[#rows + 1] = row
    print(string.format("  %-24s %9.4f %9.4f %9.2f %10.3f", LABEL[m] or m, row.accuracy, row.macro_f1, row.fit_seconds,
      row.predict_seconds))
    io.stdout:flush()
    if not best or row.macro_f1 > best.row.macro_f1 then best = { row = row, pipe = pipe, pred = pred } end
  end

  print(string.format("\nBest: %s (macro F1 %.4f)\n", LABEL[best.row.model] or best.row.model, best.row.macro_f1))
  io.write(metrics.classification_report(yte, best.pred, { names = D.classes, digits = 3 }))
  local cm = metrics.confusion_matrix(yte, best.pred, { num_classes = #D.classes })
  print("\nConfusion matrix (rows: true class, columns: predicted)")
  io.write(string.format("  %-10s", ""))
  for _, c in ipairs(D.classes) do io.write(string.format("%10s", c)) end
  io.write("\n")
  for i, c in ipairs(D.classes) do
    io.write(string.format("  %-10s", c))
    for j = 1, #D.classes do io.write(string.format("%10d", tonumber(cm[i][j]))) end
    io.write("\n")
  end
  local okp, perr = pcall(tide.plot.confusion_matrix, cm, { names = D.classes,
    title = D.name .. ": " .. (LABEL[best.row.model] or best.row.model), path = dir .. "/confusion.png" })
  if not okp then print("  (confusion plot: " .. tostring(perr) .. ")") end

  best.pipe:save(dir .. "/model.safetensors")
  local csv = { "model,accuracy,macro_f1,fit_seconds,predict_seconds" }
  for _, r in ipairs(rows) do
    csv[#csv + 1] = string.format("%s,%.6f,%.6f,%.4f,%.4f", r.model, r.accuracy, r.macro_f1, r.fit_seconds,
      r.predict_seconds)
  end
  files.write("sentiment", dir .. "/comparison.csv", { table.concat(csv, "\n") .. "\n" })
  local p, r, f, s = metrics.precision_recall_fscore_support(yte, best.pred, { num_classes = #D.classes })
  local per_class = {}
  for k, c in ipairs(D.classes) do
    per_class[k] = { class = c, precision = p[k], recall = r[k], f1 = f[k], support = tonumber(s[k]) }
  end
  files.write("sentiment", dir .. "/metrics.json", { json.encode({ data = D.name, classes = D.classes,
    best = best.row.model, models = rows, per_class = per_class, train = #xtr, test = #xte, seed = opts.seed }) })
  print(string.format("\nWrote %s/{model.safetensors, metrics.json, comparison.csv, confusion.png}", dir))
  return best.pipe, D.classes
end

local names = {}
if opts.data then names = { "csv" }
elseif opts.dataset then
  if opts.dataset ~= "sentences" and opts.dataset ~= "tweets" then
    fail("--dataset must be sentences or tweets, got '" .. opts.dataset .. "'")
  end
  names = { opts.dataset }
else
  names = { "sentences", "tweets" }
end
local pipe, classes
for _, name in ipairs(names) do pipe, classes = run(name) end
classify(pipe, classes, sentences)
