"""Reference values for the k-NN, naive Bayes and dummy estimator specs
(tests/lua/models_neighbors_spec.lua, models_naive_bayes_spec.lua, models_dummy_spec.lua), from
scikit-learn 1.2:

  tests/fixtures/models_knn.lua         KNeighborsClassifier / Regressor: neighbours, distances,
                                        votes and predictions for every metric and weighting,
                                        dense and CSR, the training set queried against itself
  tests/fixtures/models_knn_nb.lua      GaussianNB (fit, weights, priors, partial_fit) and the
                                        discrete models: fitted attributes and log-probabilities
  tests/fixtures/models_knn_dummy.lua   DummyClassifier / DummyRegressor attributes and outputs
  tests/fixtures/models_knn_splits.lua  train/test splits of breast cancer, digits and wine, and
                                        scikit-learn's test predictions and accuracy per model

Tide's datasets.load gives 1-based classes; predictions are stored as 1-based class ids too.
Indices (neighbours, split rows) are 1-based.

Run: /usr/bin/python3 tests/gen/gen_models_knn.py
"""
import os
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import datasets
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import BernoulliNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures")
rng = np.random.default_rng(20261124)
GEN = f"tests/gen/gen_models_knn.py (scikit-learn {sklearn.__version__})"


def mat(a):
    return np.ascontiguousarray(a, dtype=np.float64)


# ---------------------------------------------------------------- k-NN
def knn_cases():
    out = {}
    Xtr = mat(rng.normal(size=(60, 5)))
    Xte = mat(rng.normal(size=(15, 5)))
    labels = np.array([-1, 2, 5])
    y = labels[rng.integers(0, 3, size=60)]
    yreg = mat(rng.normal(size=60) * 3 + 1)
    out["Xtr"], out["Xte"], out["y"], out["yreg"] = Xtr, Xte, y.astype(np.int64), yreg
    metrics = [("minkowski", 2), ("euclidean", 2), ("manhattan", 2), ("cosine", 2), ("minkowski", 3),
               ("minkowski", 1.5), ("chebyshev", 2), ("minkowski", 1)]
    cases = []
    for metric, p in metrics:
        c = {"metric": metric, "p": float(p), "k": 4}
        for weights in ("uniform", "distance"):
            clf = KNeighborsClassifier(n_neighbors=4, metric=metric, p=p, weights=weights, algorithm="brute").fit(Xtr, y)
            reg = KNeighborsRegressor(n_neighbors=4, metric=metric, p=p, weights=weights, algorithm="brute").fit(Xtr, yreg)
            dist, ind = clf.kneighbors(Xte)
            c["dist"], c["ind"] = mat(dist), (ind + 1).astype(np.int64)
            c[weights] = {"proba": mat(clf.predict_proba(Xte)), "pred": clf.predict(Xte).astype(np.int64),
                          "reg": mat(reg.predict(Xte))}
        cases.append(c)
    out["cases"] = cases
    clf = KNeighborsClassifier(n_neighbors=3).fit(Xtr, y)
    dist, ind = clf.kneighbors(None, 3)
    out["self"] = {"k": 3, "dist": mat(dist), "ind": (ind + 1).astype(np.int64)}
    # sparse: 70 % zeros; scikit-learn's sparse brute force (euclidean, manhattan, cosine)
    Str = mat(rng.normal(size=(40, 12)) * (rng.random((40, 12)) < 0.3))
    Ste = mat(rng.normal(size=(10, 12)) * (rng.random((10, 12)) < 0.3))
    for A in (Str, Ste):  # 3+ values a row: sparser rows tie (scikit-learn's order among ties is arbitrary)
        for i in range(A.shape[0]):
            while np.count_nonzero(A[i]) < 3:
                A[i, rng.integers(0, 12)] = rng.normal()
    ys = labels[rng.integers(0, 3, size=40)]
    out["sparse"] = {"Xtr": Str, "Xte": Ste, "y": ys.astype(np.int64), "cases": []}
    for metric in ("euclidean", "manhattan", "cosine"):
        clf = KNeighborsClassifier(n_neighbors=5, metric=metric, weights="distance").fit(sp.csr_matrix(Str), ys)
        dist, ind = clf.kneighbors(sp.csr_matrix(Ste))
        out["sparse"]["cases"].append({"metric": metric, "dist": mat(dist), "ind": (ind + 1).astype(np.int64),
                                       "proba": mat(clf.predict_proba(sp.csr_matrix(Ste)))})
    # ties: duplicated training rows at equal distance go to the lower index
    T = mat([[0, 0], [1, 0], [0, 1], [1, 0], [-1, 0], [0, -1], [2, 2]])
    clf = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(T, [0, 1, 1, 0, 0, 1, 1])
    dist, ind = clf.kneighbors(mat([[0, 0]]))
    out["ties"] = {"X": T, "dist": mat(dist)}
    return out


# ---------------------------------------------------------------- naive Bayes
def nb_attrs(m, X, names):
    r = {n: mat(getattr(m, n)) for n in names}
    r["jll"] = mat(m.predict_joint_log_proba(X))
    r["log_proba"] = mat(m.predict_log_proba(X))
    r["pred"] = m.predict(X).astype(np.int64)
    return r


def nb_cases():
    out = {}
    labels = np.array([3, 7, 9])
    Xg = mat(rng.normal(size=(60, 6)) * np.array([1, 10, 0.1, 5, 1, 2]) + np.array([0, 5, -1, 2, 0, 100]))
    yg = labels[rng.integers(0, 3, size=60)]
    wg = mat(rng.random(60) * 2)
    Xgt = mat(rng.normal(size=(12, 6)) * np.array([1, 10, 0.1, 5, 1, 2]) + np.array([0, 5, -1, 2, 0, 100]))
    out["gauss"] = {"X": Xg, "y": yg.astype(np.int64), "w": wg, "Xte": Xgt}
    names = ["theta_", "var_", "class_count_", "class_prior_"]
    g = out["gauss"]
    m = GaussianNB().fit(Xg, yg)
    g["default"] = nb_attrs(m, Xgt, names)
    g["default"]["epsilon_"] = float(m.epsilon_)
    m = GaussianNB(var_smoothing=1e-3, priors=[0.2, 0.3, 0.5]).fit(Xg, yg)
    g["priors"] = nb_attrs(m, Xgt, names)
    m = GaussianNB().fit(Xg, yg, sample_weight=wg)
    g["weighted"] = nb_attrs(m, Xgt, names)
    m = GaussianNB()
    m.partial_fit(Xg[:25], yg[:25], classes=labels)
    m.partial_fit(Xg[25:], yg[25:])
    g["partial"] = nb_attrs(m, Xgt, names)
    g["partial"]["epsilon_"] = float(m.epsilon_)
    m = GaussianNB()
    m.partial_fit(Xg[:30], yg[:30], classes=labels, sample_weight=wg[:30])
    m.partial_fit(Xg[30:], yg[30:], sample_weight=wg[30:])
    g["partial_weighted"] = nb_attrs(m, Xgt, names)

    Xc = mat(rng.integers(0, 6, size=(50, 8)) * (rng.random((50, 8)) < 0.6))
    yc = labels[rng.integers(0, 3, size=50)]
    wc = mat(rng.random(50) * 2)
    Xct = mat(rng.integers(0, 6, size=(10, 8)) * (rng.random((10, 8)) < 0.6))
    d = {"X": Xc, "y": yc.astype(np.int64), "w": wc, "Xte": Xct, "cases": []}
    specs = [
        ("MultinomialNB", {}, False),
        ("MultinomialNB", {"alpha": 0.5, "fit_prior": False}, True),
        ("MultinomialNB", {"class_prior": [0.5, 0.25, 0.25]}, False),
        ("ComplementNB", {}, False),
        ("ComplementNB", {"norm": True, "alpha": 0.3}, True),
        ("BernoulliNB", {}, False),
        ("BernoulliNB", {"binarize": 2.0, "alpha": 0.7}, True),
        ("BernoulliNB", {"binarize": None}, False),
    ]
    classes = {"MultinomialNB": MultinomialNB, "ComplementNB": ComplementNB, "BernoulliNB": BernoulliNB}
    for name, params, weighted in specs:
        X = Xc if params.get("binarize", 0) is not None else mat(Xc > 0)
        Xt = Xct if params.get("binarize", 0) is not None else mat(Xct > 0)
        m = classes[name](**params).fit(X, yc, sample_weight=wc if weighted else None)
        attrs = ["feature_count_", "class_count_", "feature_log_prob_", "class_log_prior_"]
        c = nb_attrs(m, Xt, attrs)
        c["name"], c["weighted"], c["binary_input"] = name, weighted, params.get("binarize", 0) is None
        c["params"] = {k: ("None" if v is None else v) for k, v in params.items()}
        # the same model through partial_fit in two batches
        m2 = classes[name](**params)
        sw = wc if weighted else None
        m2.partial_fit(X[:20], yc[:20], classes=labels, sample_weight=None if sw is None else sw[:20])
        m2.partial_fit(X[20:], yc[20:], sample_weight=None if sw is None else sw[20:])
        c["partial_log_proba"] = mat(m2.predict_log_proba(Xt))
        d["cases"].append(c)
    out["discrete"] = d
    return out


# ---------------------------------------------------------------- dummy
def dummy_cases():
    out = {}
    y = np.array([4, 1, 4, 2, 4, 1, 2, 2, 4, 7, 1, 4])
    w = mat([1, 2, 0.5, 3, 1, 1, 0, 2, 1, 4, 1, 1])
    X = np.zeros((len(y), 2))
    out["y"], out["w"] = y.astype(np.int64), w
    c = {}
    for strategy in ("most_frequent", "prior", "uniform"):
        for weighted in (False, True):
            m = DummyClassifier(strategy=strategy).fit(X, y, sample_weight=w if weighted else None)
            key = strategy + ("_w" if weighted else "")
            c[key] = {"class_prior": mat(m.class_prior_), "proba": mat(m.predict_proba(X[:3]))}
            if strategy != "uniform":
                c[key]["pred"] = m.predict(X[:3]).astype(np.int64)
    m = DummyClassifier(strategy="constant", constant=2).fit(X, y)
    c["constant"] = {"proba": mat(m.predict_proba(X[:2])), "pred": m.predict(X[:2]).astype(np.int64)}
    out["clf"] = c
    yr = mat([3.5, -1, 2, 8, 0.25, 4, 4, 10, -3, 2.5, 1, 7])
    wr = mat([1, 0.5, 2, 1, 1, 3, 0, 1, 2, 1, 1, 0.25])
    out["yr"], out["wr"] = yr, wr
    r = []
    for n in (12, 11):
        for strategy, q in (("mean", None), ("median", None), ("quantile", 0.1), ("quantile", 0.37),
                            ("quantile", 0.9), ("quantile", 0.0), ("quantile", 1.0)):
            for weighted in (False, True):
                m = DummyRegressor(strategy=strategy, quantile=q).fit(X[:n], yr[:n],
                                                                        sample_weight=wr[:n] if weighted else None)
                r.append({"n": n, "strategy": strategy, "quantile": -1.0 if q is None else q,
                          "weighted": weighted, "constant": float(np.ravel(m.constant_)[0])})
    out["reg"] = r
    return out


# ---------------------------------------------------------------- data sets
def load(name):
    if name == "breast-cancer":
        b = datasets.load_breast_cancer()
    elif name == "digits":
        b = datasets.load_digits()
    else:
        b = datasets.load_wine()
    return b.data, b.target


def split_cases():
    out = {}
    for name in ("breast-cancer", "digits", "wine"):
        X, y = load(name)
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=y)
        tr, te = np.sort(tr), np.sort(te)
        models = {
            "knn": KNeighborsClassifier(),
            "knn_distance": KNeighborsClassifier(n_neighbors=7, weights="distance"),
            "knn_manhattan": KNeighborsClassifier(metric="manhattan"),
            "gaussian_nb": GaussianNB(),
            "multinomial_nb": MultinomialNB(),
            "complement_nb": ComplementNB(),
            "bernoulli_nb": BernoulliNB(binarize=float(np.median(X))),
            "dummy": DummyClassifier(strategy="most_frequent"),
        }
        r = {"train": (tr + 1).astype(np.int64), "test": (te + 1).astype(np.int64), "models": {}}
        for key, m in models.items():
            m.fit(X[tr], y[tr])
            pred = m.predict(X[te])
            r["models"][key] = {"pred": (pred + 1).astype(np.int64), "accuracy": float(np.mean(pred == y[te]))}
        r["bernoulli_binarize"] = float(np.median(X))
        reg = KNeighborsRegressor(n_neighbors=5, weights="distance").fit(X[tr], X[tr, 0])
        r["knn_regressor_pred"] = mat(reg.predict(X[te][:, :]))
        out[name.replace("-", "_")] = r
    return out


if __name__ == "__main__":
    write_fixture(os.path.join(fixtures, "models_knn.lua"), knn_cases(), GEN)
    write_fixture(os.path.join(fixtures, "models_knn_nb.lua"), nb_cases(), GEN)
    write_fixture(os.path.join(fixtures, "models_knn_dummy.lua"), dummy_cases(), GEN)
    write_fixture(os.path.join(fixtures, "models_knn_splits.lua"), split_cases(), GEN)
