"""Reference values for tests/lua/models_hgb_spec.lua: scikit-learn 1.2's histogram gradient
boosting (binning thresholds, every tree of small fits, predictions, early stopping on the
training loss) and accuracies on breast cancer, digits and wine with fixed splits.

Run with /usr/bin/python3 (Debian's numpy / scikit-learn) from the repository root:
    /usr/bin/python3 tests/gen/gen_models_hgb.py
"""
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(__file__))
from fixture_writer import write_fixture  # noqa: E402

FIELDS = ["value", "count", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf",
          "bin_threshold"]


def trees(est):
    out = []
    for it in est._predictors:
        for pred in it:
            nodes = pred.nodes
            out.append({f: np.asarray(nodes[f], dtype=np.float64) for f in FIELDS})
    return out


def small_data(rng, n=240, d=4):
    X = rng.normal(size=(n, d))
    X[:, 1] = np.round(X[:, 1] * 3)          # few distinct values
    X[rng.random(n) < 0.15, 2] = np.nan      # missing values
    return X


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    rng = np.random.default_rng(0)
    cases = {}

    # binning: few distinct values, many, NaN; max_bins small and default
    Xb = rng.normal(size=(400, 4))
    Xb[:, 1] = rng.integers(0, 7, size=400)
    Xb[rng.random(400) < 0.2, 2] = np.nan
    Xb[:, 3] = np.round(Xb[:, 3], 1)
    for mb in (16, 255):
        bm = _BinMapper(n_bins=mb + 1).fit(Xb)
        cases[f"bins_{mb}"] = {
            "max_bins": mb,
            "thresholds": [np.asarray(t, dtype=np.float64) for t in bm.bin_thresholds_],
            "n_bins_non_missing": np.asarray(bm.n_bins_non_missing_, dtype=np.int64),
            "binned": np.asarray(bm.transform(Xb), dtype=np.int64),
        }
    cases["bins_X"] = Xb

    X = small_data(rng)
    Xtest = small_data(rng, n=60)
    cases["X"] = X
    cases["Xtest"] = Xtest
    y2 = (X[:, 0] + 0.5 * np.nan_to_num(X[:, 2]) + 0.3 * rng.normal(size=len(X)) > 0).astype(np.int64)
    y3 = np.digitize(X[:, 0] + X[:, 3] * 0.5, [-0.5, 0.5]).astype(np.int64)
    yr = 2 * X[:, 0] - X[:, 1] + np.nan_to_num(X[:, 2]) + 0.1 * rng.normal(size=len(X))
    w = rng.uniform(0.5, 2.0, size=len(X))
    cases["y2"], cases["y3"], cases["yr"], cases["w"] = y2, y3, yr, w

    def record(name, est, y, params, sample_weight=None, classifier=True, keep_trees=True):
        est.fit(X, y, sample_weight=sample_weight)
        c = {"params": params, "trees": trees(est) if keep_trees else [], "n_iter": est.n_iter_,
             "baseline": np.asarray(est._baseline_prediction, dtype=np.float64).ravel()}
        if classifier:
            c["decision"] = np.asarray(est.decision_function(Xtest), dtype=np.float64)
            c["proba"] = est.predict_proba(Xtest)
            c["predict"] = est.predict(Xtest).astype(np.int64)
        else:
            c["predict"] = est.predict(Xtest)
        c["train_score"] = np.asarray(est.train_score_, dtype=np.float64)
        cases[name] = c

    p = dict(max_iter=6, learning_rate=0.3, max_leaf_nodes=8, min_samples_leaf=10, early_stopping=False)
    record("binary", HistGradientBoostingClassifier(**p), y2, p)
    p = dict(max_iter=4, max_leaf_nodes=6, min_samples_leaf=8, l2_regularization=0.5, early_stopping=False)
    record("multiclass", HistGradientBoostingClassifier(**p), y3, p)
    p = dict(max_iter=6, max_depth=3, min_samples_leaf=5, max_bins=32, early_stopping=False)
    record("regression_weighted", HistGradientBoostingRegressor(**p), yr, p, sample_weight=w, classifier=False)
    p = dict(loss="absolute_error", max_iter=5, max_leaf_nodes=10, min_samples_leaf=12, early_stopping=False)
    record("regression_absolute", HistGradientBoostingRegressor(**p), yr, p, classifier=False)
    # early stopping on the training loss (validation_fraction=None: no random split)
    p = dict(max_iter=200, learning_rate=0.5, early_stopping=True, validation_fraction=None, n_iter_no_change=3,
             tol=1e-3, min_samples_leaf=5)
    record("early_stopping", HistGradientBoostingClassifier(**p), y2, p, keep_trees=False)

    # the bundled data sets: stratified 75/25 splits, default parameters (no early stopping below 10,000 rows)
    for name, loader in (("breast_cancer", load_breast_cancer), ("digits", load_digits), ("wine", load_wine)):
        Xd, yd = loader(return_X_y=True)
        idx = np.arange(len(yd))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=yd)
        est = HistGradientBoostingClassifier(random_state=0).fit(Xd[tr], yd[tr])
        pred = est.predict(Xd[te])
        cases["data_" + name] = {"test": te + 1, "accuracy": float(np.mean(pred == yd[te])),
                                 "predict": pred.astype(np.int64)}

    write_fixture(os.path.join(os.path.dirname(__file__), "..", "fixtures", "models_hgb.lua"), cases,
                  "tests/gen/gen_models_hgb.py (scikit-learn %s)" % sklearn.__version__)


if __name__ == "__main__":
    main()
