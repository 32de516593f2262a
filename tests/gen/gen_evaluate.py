"""Reference values for tests/lua/evaluate_*_spec.lua (scikit-learn 1.2, SciPy):

- folds of KFold, StratifiedKFold (classes in order of first appearance, string labels) and
  GroupKFold (fewer than 17 groups, size ties), all without shuffling: exactly scikit-learn's;
- sizes of shuffled splits (train_test_split, ShuffleSplit, StratifiedShuffleSplit per class when
  the class shares have no ties in their remainders, RepeatedKFold);
- cross_validate on breast cancer (labels 0/1) and wine with a nearest-centroid classifier, whose
  probabilities are softmax(-d / mean(d)) of the distances d to the class centroids (computed here
  with NumPy, scored by scikit-learn's metrics), with StratifiedKFold(5): per-fold accuracy,
  f1_macro, roc_auc(_ovr), neg_log_loss; cross_val_predict; a least-squares regressor's r2 and
  neg_mean_squared_error over KFold(4) on synthetic data;
- cross_val_score of GaussianNB and KNeighborsClassifier (defaults) on breast cancer, wine and
  digits, for the same numbers from tide.models through tide.evaluate;
- the corrected resampled t-test and McNemar's test (chi-squared with and without continuity
  correction, exact binomial) and the distributions behind them (SciPy).

Run: /usr/bin/python3 tests/gen/gen_evaluate.py   (writes tests/fixtures/evaluate.lua)
"""
import os

import numpy as np
from scipy import special, stats
from sklearn import metrics as M
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import cross_val_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, train_test_split, StratifiedShuffleSplit

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(5)


def folds_of(splitter, X, y=None, groups=None):
    return [{"train": (tr + 1).tolist(), "test": (te + 1).tolist()} for tr, te in splitter.split(X, y, groups)]


splits = {}
splits["kfold_10_3"] = {"n": 10, "k": 3, "folds": folds_of(KFold(3), np.zeros(10))}
splits["kfold_23_5"] = {"n": 23, "k": 5, "folds": folds_of(KFold(5), np.zeros(23))}
y1 = [2, 2, 0, 1, 1, 0, 2, 2, 2, 1, 0, 0, 2, 1, 2, 2, 0, 1, 2, 2]
splits["skfold_3"] = {"y": y1, "k": 3, "folds": folds_of(StratifiedKFold(3), np.zeros(20), y1)}
y2 = ["b", "a", "a", "c", "b", "b", "a", "a", "a", "b", "c", "a", "b", "a", "a", "c", "a", "b"]
splits["skfold_strings_4"] = {"y": y2, "k": 4, "folds": folds_of(StratifiedKFold(4), np.zeros(18), y2)}
y3 = rng.integers(0, 4, size=57).tolist()
splits["skfold_57_5"] = {"y": y3, "k": 5, "folds": folds_of(StratifiedKFold(5), np.zeros(57), y3)}
g1 = [3, 3, 1, 1, 1, 2, 4, 4, 5, 5, 5, 5, 6, 7, 7, 2, 8]
splits["group_3"] = {"groups": g1, "k": 3, "folds": folds_of(GroupKFold(3), np.zeros(17), None, g1)}
g2 = ["x", "y", "y", "z", "z", "z", "w", "w", "v", "u", "u", "u"]
splits["group_strings_2"] = {"groups": g2, "k": 2, "folds": folds_of(GroupKFold(2), np.zeros(12), None, g2)}

sizes = []
for n, test_size, train_size in [(100, None, None), (569, 0.25, None), (569, 0.2, None), (10, 3, None),
                                 (50, None, 0.6), (50, 0.3, 0.5), (7, 0.5, None), (1797, 0.33, None)]:
    tr, te = train_test_split(np.arange(n), test_size=test_size, train_size=train_size, random_state=0)
    sizes.append({"n": n, "test_size": test_size, "train_size": train_size, "n_train": len(tr), "n_test": len(te)})

# stratified class counts without remainder ties (no random tie-break)
strat = []
for counts, test_size in [([60, 30, 10], 0.25), ([212, 357], 0.25), ([50, 71, 48], 0.3)]:
    yy = np.repeat(np.arange(len(counts)), counts)
    sss = StratifiedShuffleSplit(n_splits=1, test_size=test_size, random_state=0)
    tr, te = next(sss.split(np.zeros(len(yy)), yy))
    strat.append({"counts": counts, "test_size": test_size,
                  "train_counts": np.bincount(yy[tr], minlength=len(counts)).tolist(),
                  "test_counts": np.bincount(yy[te], minlength=len(counts)).tolist()})


# ---------------------------------------------------------------- cross-validation
def centroid_fit(X, y):
    classes = np.unique(y)
    return classes, np.stack([X[y == c].mean(axis=0) for c in classes])


def centroid_dist(C, X):
    return np.sqrt(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2))


def centroid_proba(C, X):
    d = centroid_dist(C, X)
    z = -d / d.mean(axis=1, keepdims=True)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cv_case(X, y, k):
    out = {"accuracy": [], "f1_macro": [], "roc_auc": [], "neg_log_loss": [], "n_train": [], "n_test": []}
    oof = np.zeros(len(y), dtype=np.int64)
    for tr, te in StratifiedKFold(k).split(X, y):
        classes, C = centroid_fit(X[tr], y[tr])
        d = centroid_dist(C, X[te])
        pred = classes[np.argmin(d, axis=1)]
        p = centroid_proba(C, X[te])
        oof[te] = pred
        out["accuracy"].append(M.accuracy_score(y[te], pred))
        out["f1_macro"].append(M.f1_score(y[te], pred, average="macro"))
        if len(classes) == 2:
            out["roc_auc"].append(M.roc_auc_score(y[te], p[:, 1]))
        else:
            out["roc_auc"].append(M.roc_auc_score(y[te], p, multi_class="ovr"))
        out["neg_log_loss"].append(-M.log_loss(y[te], p, labels=classes))
        out["n_train"].append(len(tr))
        out["n_test"].append(len(te))
    out["oof"] = oof.tolist()
    return out


bc = load_breast_cancer()
wine = load_wine()
cv = {"breast_cancer": cv_case(bc.data, bc.target, 5), "wine": cv_case(wine.data, wine.target + 1, 5)}

Xr = np.round(rng.normal(size=(60, 3)), 3)
yr = np.round(Xr @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(size=60) * 0.5, 3)
reg = {"X": Xr, "y": yr, "r2": [], "neg_mean_squared_error": []}
for tr, te in KFold(4).split(Xr):
    A = np.c_[Xr[tr], np.ones(len(tr))]
    w = np.linalg.lstsq(A, yr[tr], rcond=None)[0]
    p = np.c_[Xr[te], np.ones(len(te))] @ w
    reg["r2"].append(M.r2_score(yr[te], p))
    reg["neg_mean_squared_error"].append(-M.mean_squared_error(yr[te], p))
cv["regression"] = reg

# ---------------------------------------------------------------- tests and distributions
def corrected_ttest(a, b, n_train, n_test):
    d = np.asarray(a) - np.asarray(b)
    k = len(d)
    t = d.mean() / np.sqrt((1 / k + n_test / n_train) * d.var(ddof=1))
    return t, 2 * stats.t.sf(abs(t), k - 1)


tests = {"ttest": [], "mcnemar": []}
for a, b, ntr, nte in [([0.91, 0.93, 0.90, 0.94, 0.92], [0.89, 0.90, 0.91, 0.90, 0.88], 455, 114),
                       ([0.70, 0.72, 0.69, 0.71, 0.75, 0.73, 0.70, 0.74, 0.72, 0.71],
                        [0.71, 0.70, 0.70, 0.72, 0.73, 0.70, 0.71, 0.72, 0.70, 0.73], 900, 100),
                       ([0.5, 0.6, 0.55], [0.52, 0.58, 0.5], 20, 10)]:
    t, p = corrected_ttest(a, b, ntr, nte)
    tests["ttest"].append({"a": a, "b": b, "n_train": ntr, "n_test": nte, "t": t, "p": p})
for n, pa, pb in [(200, 0.8, 0.7), (60, 0.9, 0.85), (30, 0.6, 0.6), (500, 0.75, 0.78)]:
    yt = rng.integers(0, 3, size=n)
    a = np.where(rng.random(n) < pa, yt, (yt + 1) % 3)
    b = np.where(rng.random(n) < pb, yt, (yt + 2) % 3)
    ra, rb = a == yt, b == yt
    n01, n10 = int(np.sum(ra & ~rb)), int(np.sum(~ra & rb))
    chi_c = (abs(n01 - n10) - 1) ** 2 / (n01 + n10)
    chi = (n01 - n10) ** 2 / (n01 + n10)
    exact = min(1.0, 2 * stats.binom.cdf(min(n01, n10), n01 + n10, 0.5))
    tests["mcnemar"].append({"y": yt.tolist(), "a": a.tolist(), "b": b.tolist(), "b_count": n01, "c_count": n10,
                             "chi2_corrected": chi_c, "p_corrected": stats.chi2.sf(chi_c, 1),
                             "chi2": chi, "p": stats.chi2.sf(chi, 1), "exact_stat": min(n01, n10), "p_exact": exact})
dist = {
    "betainc": [[a, b, x, special.betainc(a, b, x)] for a, b, x in
                [(0.5, 0.5, 0.3), (2, 3, 0.4), (10, 0.5, 0.95), (0.5, 20, 0.01), (50, 60, 0.45), (4.5, 0.5, 0.999)]],
    "t_sf": [[t, df, stats.t.sf(t, df)] for t, df in [(0.5, 4), (2.1, 9), (-1.3, 3), (8.0, 2), (0.0, 5), (3.3, 29)]],
    "chi2_sf": [[x, df, stats.chi2.sf(x, df)] for x, df in [(0.5, 1), (3.84, 1), (12.0, 1), (2.0, 3), (15.0, 4), (0.3, 2)]],
    "binom_cdf": [[k, n, stats.binom.cdf(k, n, 0.5)] for k, n in [(0, 5), (3, 10), (20, 50), (7, 7), (12, 40)]],
}
tests["dist"] = dist

# real estimators through cross_val_score (cv=5: StratifiedKFold), for tide.models' twins
real = {}
for name, loader in [("breast_cancer", load_breast_cancer), ("wine", load_wine), ("digits", load_digits)]:
    X, y = loader(return_X_y=True)
    real[name] = {"gaussian_nb": cross_val_score(GaussianNB(), X, y).tolist(),
                  "knn": cross_val_score(KNeighborsClassifier(), X, y).tolist(),
                  "gaussian_nb_f1_macro": cross_val_score(GaussianNB(), X, y, scoring="f1_macro").tolist()}

write_fixture(os.path.join(here, "..", "fixtures", "evaluate.lua"),
              {"splits": splits, "sizes": sizes, "strat": strat, "cv": cv, "tests": tests, "real": real},
              "tests/gen/gen_evaluate.py")
