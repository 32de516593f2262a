"""bench/classical_vs_sklearn_peer.py THREADS [--serve FIFO] — scikit-learn's side of
bench/classical_vs_sklearn.lua. Loads the same data with the same splits (Fashion-MNIST from the
IDX files of Debian's dataset-fashion-mnist, official 60,000 / 10,000 split, pixels / 255; digits
from sklearn's bundled CSV, every 4th row (1-based i % 4 == 0) held out), and for each case line
"<dataset> <model>" read from FIFO fits the model on the training rows and prints
"RESULT sklearn:<dataset>:<model> <fit s> <predict s> <score>" (score: test accuracy for
classifiers, the explained variance ratio of the components for PCA, the test inertia for k-means).
"""
import os
import sys

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import gzip  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import cluster, decomposition, ensemble, linear_model, naive_bayes, neighbors, tree  # noqa: E402

warnings.filterwarnings("ignore")
FASHION = os.environ.get("TIDE_FASHION_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


_cache = {}


def data(name):
    if name not in _cache:
        if name == "fashion":
            xtr = read_idx(f"{FASHION}/train-images-idx3-ubyte.gz").reshape(60000, 784) / 255.0
            ytr = read_idx(f"{FASHION}/train-labels-idx1-ubyte.gz").astype(np.int64)
            xte = read_idx(f"{FASHION}/t10k-images-idx3-ubyte.gz").reshape(10000, 784) / 255.0
            yte = read_idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
        else:
            from sklearn.datasets import load_digits
            d = load_digits()
            test = (np.arange(1, len(d.target) + 1) % 4) == 0
            xtr, ytr, xte, yte = d.data[~test], d.target[~test], d.data[test], d.target[test]
        _cache[name] = (np.ascontiguousarray(xtr), ytr, np.ascontiguousarray(xte), yte)
    return _cache[name]


MODELS = {
    "logistic": lambda: linear_model.LogisticRegression(),
    "tree": lambda: tree.DecisionTreeClassifier(random_state=0),
    "forest": lambda: ensemble.RandomForestClassifier(n_estimators=100, n_jobs=THREADS, random_state=0),
    "hgb": lambda: ensemble.HistGradientBoostingClassifier(random_state=0),
    "knn": lambda: neighbors.KNeighborsClassifier(n_neighbors=5, n_jobs=THREADS),
    "gnb": lambda: naive_bayes.GaussianNB(),
    "pca": lambda: decomposition.PCA(n_components=50, random_state=0),
    "kmeans": lambda: cluster.KMeans(n_clusters=10, n_init=1, random_state=0),
}


def run(case):
    dataset, model = case.split()
    xtr, ytr, xte, yte = data(dataset)
    est = MODELS[model]()
    t0 = time.perf_counter()
    est.fit(xtr, ytr) if model not in ("pca", "kmeans") else est.fit(xtr)
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    if model == "pca":
        est.transform(xte)
        score = float(est.explained_variance_ratio_.sum())
    elif model == "kmeans":
        est.predict(xte)
        score = float(-est.score(xte))
    else:
        pred = est.predict(xte)
        score = float((pred == yte).mean())
    predict = time.perf_counter() - t0
    print(f"RESULT sklearn:{dataset}:{model} {fit:.4f} {predict:.4f} {score:.6f}", flush=True)


print(f"# scikit-learn {sklearn.__version__}, {THREADS} threads", flush=True)
if "--serve" in sys.argv:
    with open(sys.argv[sys.argv.index("--serve") + 1]) as commands:
        for line in commands:
            if line.strip() == "quit":
                break
            run(line.strip())
else:
    for ds in ("digits", "fashion"):
        for m in MODELS:
            run(f"{ds} {m}")
