"""bench/text_vs_sklearn_peer.py THREADS TWEETS_CSV_GZ [--serve FIFO] — scikit-learn's side of
bench/text_vs_sklearn.lua. Reads the airline tweets (column text, label airline_sentiment) and
splits them as the Lua side does: the k-th tweet of each class (file order, 1-based) is held out
when k % 5 == 0. For each case read from FIFO prints one line:
  tokenize   RESULT sklearn:tokenize <CountVectorizer().fit_transform MB/s> <NLTK TweetTokenizer MB/s or -1>
  tfidf_lr   RESULT sklearn:tfidf_lr <vectorise s> <fit s> <macro F1> <n_features> <iterations>
  tfidf_nb   RESULT sklearn:tfidf_nb <vectorise s> <fit s> <macro F1>
tfidf_lr: TfidfVectorizer(ngram_range=(1, 2)) fit_transform on the training tweets + transform
on the test tweets, then LogisticRegression(max_iter=1000) (lbfgs, C=1, multinomial)."""
import os
import sys

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402

warnings.filterwarnings("ignore")
CLASSES = ["negative", "neutral", "positive"]
df = pd.read_csv(sys.argv[2])
texts = df.text.tolist()
y = np.array([CLASSES.index(s) + 1 for s in df.airline_sentiment])
test = np.zeros(len(y), bool)
for c in (1, 2, 3):
    idx = np.flatnonzero(y == c)
    test[idx[4::5]] = True
train_t = [t for t, k in zip(texts, test) if not k]
test_t = [t for t, k in zip(texts, test) if k]
ytr, yte = y[~test], y[test]
MB = sum(len(t.encode("utf-8")) for t in texts) / 1e6


def best_of(f, reps=3):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def report(case):
    if case == "tokenize":
        sk = MB / best_of(lambda: CountVectorizer().fit_transform(texts))
        try:
            from nltk.tokenize import TweetTokenizer
            tt = TweetTokenizer()
            nl = MB / best_of(lambda: [tt.tokenize(t) for t in texts], 1)
        except ImportError:
            nl = -1
        print("RESULT sklearn:tokenize %.3f %.3f" % (sk, nl), flush=True)
    elif case in ("tfidf_lr", "tfidf_nb"):
        t0 = time.perf_counter()
        v = TfidfVectorizer(ngram_range=(1, 2))
        xtr = v.fit_transform(train_t)
        xte = v.transform(test_t)
        t1 = time.perf_counter()
        if case == "tfidf_lr":
            m = LogisticRegression(max_iter=1000).fit(xtr, ytr)
        else:
            m = MultinomialNB().fit(xtr, ytr)
        t2 = time.perf_counter()
        f1 = f1_score(yte, m.predict(xte), average="macro")
        extra = " %d %d" % (xtr.shape[1], m.n_iter_[0]) if case == "tfidf_lr" else ""
        print("RESULT sklearn:%s %.4f %.4f %.6f%s" % (case, t1 - t0, t2 - t1, f1, extra), flush=True)
    else:
        print("RESULT sklearn:%s unknown case" % case, flush=True)


print("# scikit-learn %s, %d threads, %d tweets (%.2f MB), %d train / %d test"
      % (sklearn.__version__, THREADS, len(texts), MB, len(train_t), len(test_t)), flush=True)
if "--serve" in sys.argv:
    with open(sys.argv[sys.argv.index("--serve") + 1]) as commands:
        for line in commands:
            if line.strip() == "quit":
                break
            report(line.strip())
else:
    for c in ("tokenize", "tfidf_lr", "tfidf_nb"):
        report(c)
