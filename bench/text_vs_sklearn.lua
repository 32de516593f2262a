-- bench/text_vs_sklearn.lua [threads=2] — text classification, Tide vs scikit-learn 1.2 side by
-- side in one run (issue 6): on the US airline tweets (14,640, three classes), the same split on
-- both sides (the k-th tweet of each class, file order, held out when k % 5 == 0):
--   tokenize   throughput in MB/s over every tweet: CountVectorizer().fit_transform (lowercase,
--              tokens by (?u)\b\w\w+\b, counting into the vocabulary and a CSR matrix) against
--              scikit-learn's, and Tide's word tokeniser (URLs, mentions, emoticons ...; Lua
--              strings out) against NLTK's TweetTokenizer
--   tfidf_lr   TfidfVectorizer(word 1-2 grams) fit on the training tweets + transform of the test
--              tweets, then LogisticRegression(max_iter = 1000) (lbfgs, C = 1, multinomial):
--              vectorise and fit seconds, the sklearn / Tide ratio of their sum (goal >= 2), and the
--              macro F1 of each (goal: Tide's within 1 point or better)
--   tfidf_nb   the same TF-IDF, then multinomial naive Bayes
--   fasttext   Tide's FastTextClassifier (defaults) on the same split: fit seconds and macro F1,
--              against the logistic regression's macro F1 (issue 6, point 3)
-- Run by bench/run_text_vs_sklearn.sh.
package.path = "bench/?.lua;" .. package.path
local tide = require("tide")
local clock = require("clock")
local peer = require("peer")

local threads = tonumber(arg[1]) or 2
tide.threads(threads)
local text, models, metrics = tide.text, tide.models, tide.metrics
tide.models.warnings(false)

local D = text.airline_tweets()
local file = require("tide.datasets").locate("twitter-airline-sentiment") .. "/Tweets.csv.gz"

-- the split (as the peer makes it)
local train_t, test_t, ytr, yte, seen = {}, {}, {}, {}, {}
local bytes = 0
for i, t in ipairs(D.texts) do
  local c = tonumber(D.labels[i])
  seen[c] = (seen[c] or 0) + 1
  bytes = bytes + #t
  if seen[c] % 5 == 0 then test_t[#test_t + 1], yte[#yte + 1] = t, c
  else train_t[#train_t + 1], ytr[#ytr + 1] = t, c end
end
ytr, yte = tide.tensor(ytr, "int64"), tide.tensor(yte, "int64")
local MB = bytes / 1e6

local p = peer.start("text_vs_sklearn", "text_vs_sklearn_peer.py", threads, "'" .. file .. "'")
print(p.header)
print(string.format("# Tide, %d threads, %d tweets (%.2f MB), %d train / %d test", threads, #D.texts, MB, #train_t,
  #test_t))

local function best_of(f, reps)
  local best = math.huge
  for _ = 1, reps or 3 do
    collectgarbage("collect")
    local t0 = clock()
    f()
    best = math.min(best, clock() - t0)
  end
  return best
end

-- ---------------------------------------------------------------- tokenize
local tok = text.WordTokenizer()
local word_mbs = MB / best_of(function() for _, t in ipairs(D.texts) do tok:tokenize(t) end end)
local sk_mbs = MB / best_of(function() text.CountVectorizer():fit_transform(D.texts) end)
local psk, pnltk = p:ask("tokenize", "RESULT sklearn:tokenize%s+([%d.]+)%s+([%-%d.]+)")
psk, pnltk = tonumber(psk), tonumber(pnltk)
print("\nTokenising every tweet (MB/s, best of 3; higher is better)")
print(string.format("  %-44s %10s %10s %8s", "", "Tide", "peer", "ratio"))
print(string.format("  %-44s %10.1f %10.1f %7.1fx", "CountVectorizer: tokenise + count, all tweets", sk_mbs, psk,
  sk_mbs / psk))
if pnltk and pnltk > 0 then
  print(string.format("  %-44s %10.1f %10.1f %7.1fx", "word tokeniser vs NLTK TweetTokenizer", word_mbs, pnltk,
    word_mbs / pnltk))
else
  print(string.format("  %-44s %10.1f %10s", "word tokeniser (NLTK not installed)", word_mbs, "-"))
end

-- ---------------------------------------------------------------- TF-IDF + models
local function tfidf()
  local t0 = clock()
  local v = text.TfidfVectorizer{ ngram_range = { 1, 2 } }
  local xtr = v:fit_transform(train_t)
  local xte = v:transform(test_t)
  return xtr, xte, clock() - t0
end

local function run(case, make)
  collectgarbage("collect")
  local xtr, xte, vec_s = tfidf()
  local t0 = clock()
  local m = make():fit(xtr, ytr)
  local fit_s = clock() - t0
  local f1 = metrics.f1_score(yte, m:predict(xte), { average = "macro" })
  return vec_s, fit_s, f1, xtr.shape[2], m
end

print("\nTF-IDF (word 1-2 grams) + model on the tweets (seconds; ratio = scikit-learn / Tide, goal >= 2)")
print(string.format("  %-22s %9s %9s %9s %9s %9s %8s %9s %9s", "", "Tide vec", "Tide fit", "Tide sum", "sk vec",
  "sk fit", "ratio", "Tide F1", "sk F1"))
local lr_f1
for _, case in ipairs({ "tfidf_lr", "tfidf_nb" }) do
  local make = case == "tfidf_lr" and function() return models.LogisticRegression{ max_iter = 1000 } end
    or function() return models.MultinomialNB() end
  local vs, fs, f1, d, m = run(case, make)
  local pattern = "RESULT sklearn:" .. case .. "%s+([%d.]+)%s+([%d.]+)%s+([%d.]+)"
  local pv, pf, pf1 = p:ask(case, pattern)
  pv, pf, pf1 = tonumber(pv), tonumber(pf), tonumber(pf1)
  print(string.format("  %-22s %9.3f %9.3f %9.3f %9.3f %9.3f %7.2fx %9.4f %9.4f",
    case == "tfidf_lr" and "logistic regression" or "multinomial NB", vs, fs, vs + fs, pv, pf, (pv + pf) / (vs + fs),
    f1, pf1))
  if case == "tfidf_lr" then
    lr_f1 = f1
    print(string.format("  %-22s %d features, %d iterations; macro F1 difference %+.2f points", "", d,
      m.n_iter_ and tonumber(m.n_iter_[1]) or -1, 100 * (f1 - pf1)))
  end
  io.stdout:flush()
end

-- ---------------------------------------------------------------- fastText-style model
local ok, err = pcall(function()
  local t0 = clock()
  local ft = text.FastTextClassifier{}:fit(train_t, ytr)
  local fit_s = clock() - t0
  local f1 = metrics.f1_score(yte, ft:predict(test_t), { average = "macro" })
  print(string.format("\nFastTextClassifier (defaults): fit %.2f s, macro F1 %.4f (logistic regression %.4f: %s)",
    fit_s, f1, lr_f1, f1 >= lr_f1 and "at least as good" or "lower"))
end)
if not ok then print("\nFastTextClassifier: " .. tostring(err)) end
p:close()
