"""Reference values for tests/lua/models_logistic_spec.lua: scikit-learn 1.2's LogisticRegression.

Small well-conditioned problems (noisy labels, so the optimum is finite and unique) fitted with a
tight tolerance: coefficients, intercepts, decision values, probabilities and predictions on new
rows, for the binary / multinomial / one-vs-rest cases, sample and class weights, no intercept, no
penalty, CSR input, and L1 / elastic-net (scikit-learn's saga run to convergence). Also the
default-tolerance iteration counts of lbfgs, and test accuracy on breast cancer, digits and wine
(standardised with the training rows' mean and population std) with the split indices; the
specs read those data sets from Debian's python3-sklearn copy, so only the indices are stored.

Run: /usr/bin/python3 tests/gen/gen_models_logistic.py   (writes tests/fixtures/models_logistic.lua)
"""
import os
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(5)


def mat(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64))


def record(model, X, y, Xt, sw=None):
    model.fit(X, y, sample_weight=sw)
    return {"coef": mat(model.coef_), "intercept": mat(model.intercept_),
            "decision": mat(model.decision_function(Xt)), "proba": mat(model.predict_proba(Xt)),
            "predict": np.asarray(model.predict(Xt), dtype=np.int64),
            "n_iter": np.asarray(model.n_iter_, dtype=np.int64)}


TIGHT = dict(tol=1e-10, max_iter=10000)
SAGA = dict(solver="saga", tol=1e-12, max_iter=200000)


def small_cases():
    out = {}
    n, d = 80, 5
    X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 1.0, 1.5])
    score2 = X @ np.array([1.0, -0.5, 0.8, 0.0, 0.2]) + 0.8 * rng.normal(size=n)
    y2 = (score2 > 0.2).astype(np.int64)
    s1 = X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=n)
    s2 = X[:, 2] - X[:, 4] / 3 + 0.7 * rng.normal(size=n)
    y3 = np.where(s1 > 0.5, 2, np.where(s2 > 0.0, 1, 0)).astype(np.int64)
    Xt = rng.normal(size=(12, d))
    sw = rng.uniform(0.3, 2.0, size=n)
    Xs = np.abs(X) * (rng.random((n, d)) < 0.5)  # sparse-ish input
    out["data"] = {"X": mat(X), "y2": y2, "y3": y3, "Xt": mat(Xt), "sw": mat(sw), "Xs": mat(Xs)}

    out["binary"] = record(LogisticRegression(**TIGHT), X, y2, Xt)
    out["binary_C"] = record(LogisticRegression(C=0.05, **TIGHT), X, y2, Xt)
    out["binary_sw"] = record(LogisticRegression(**TIGHT), X, y2, Xt, sw)
    out["binary_noint"] = record(LogisticRegression(fit_intercept=False, **TIGHT), X, y2, Xt)
    out["binary_balanced"] = record(LogisticRegression(class_weight="balanced", **TIGHT), X, y2, Xt)
    out["binary_none"] = record(LogisticRegression(penalty="none", **TIGHT), X, y2, Xt)
    out["binary_multinomial"] = record(LogisticRegression(multi_class="multinomial", **TIGHT), X, y2, Xt)
    out["multi"] = record(LogisticRegression(**TIGHT), X, y3, Xt)
    out["multi_C"] = record(LogisticRegression(C=0.1, **TIGHT), X, y3, Xt, sw)
    out["multi_ovr"] = record(LogisticRegression(multi_class="ovr", **TIGHT), X, y3, Xt)
    out["multi_ovr_balanced"] = record(LogisticRegression(multi_class="ovr", class_weight="balanced", **TIGHT), X, y3, Xt)
    out["multi_cw"] = record(LogisticRegression(class_weight={0: 2.0, 2: 0.5}, **TIGHT), X, y3, Xt)
    out["multi_ovr_cw"] = record(LogisticRegression(multi_class="ovr", class_weight={0: 2.0, 2: 0.5}, **TIGHT), X, y3, Xt)
    out["multi_noint"] = record(LogisticRegression(fit_intercept=False, **TIGHT), X, y3, Xt)
    out["multi_sparse"] = record(LogisticRegression(**TIGHT), sp.csr_matrix(Xs), y3, Xt)
    out["binary_sparse"] = record(LogisticRegression(**TIGHT), sp.csr_matrix(Xs), y2, Xt)
    # default tolerance: the iteration counts (lbfgs stops on max |gradient| <= 1e-4)
    out["default_binary"] = record(LogisticRegression(), X, y2, Xt)
    out["default_multi"] = record(LogisticRegression(), X, y3, Xt)
    # L1 and elastic-net: saga run to convergence (the optimum is what is compared)
    out["l1_binary"] = record(LogisticRegression(penalty="l1", C=0.2, **SAGA), X, y2, Xt)
    out["l1_multi"] = record(LogisticRegression(penalty="l1", C=0.3, **SAGA), X, y3, Xt)
    out["l1_ovr"] = record(LogisticRegression(penalty="l1", C=0.3, multi_class="ovr", **SAGA), X, y3, Xt)
    out["enet_binary"] = record(LogisticRegression(penalty="elasticnet", l1_ratio=0.5, C=0.3, **SAGA), X, y2, Xt, sw)
    out["enet_multi"] = record(LogisticRegression(penalty="elasticnet", l1_ratio=0.3, C=0.5, **SAGA), X, y3, Xt)
    out["l1_sparse"] = record(LogisticRegression(penalty="l1", C=0.5, **SAGA), sp.csr_matrix(Xs), y3, Xt)
    return out


def dataset_cases():
    out = {}
    tables = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits, "wine": datasets.load_wine}
    for name, load in tables.items():
        Xr, yr = load(return_X_y=True)
        idx = np.arange(len(yr))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=yr)
        mu, sd = Xr[tr].mean(axis=0), Xr[tr].std(axis=0)
        sd[sd == 0] = 1.0
        Xtr, Xte = (Xr[tr] - mu) / sd, (Xr[te] - mu) / sd
        m = LogisticRegression().fit(Xtr, yr[tr])
        l1 = LogisticRegression(penalty="l1", solver="saga", C=0.5, max_iter=5000).fit(Xtr, yr[tr])
        out[name] = {"train": tr + 1, "test": te + 1,
                     "accuracy": float((m.predict(Xte) == yr[te]).mean()),
                     "accuracy_l1": float((l1.predict(Xte) == yr[te]).mean()),
                     "n_iter": int(m.n_iter_[0])}
    return out


def main():
    cases = small_cases()
    cases.update(dataset_cases())
    write_fixture(os.path.join(here, "..", "fixtures", "models_logistic.lua"), cases,
                  "tests/gen/gen_models_logistic.py (scikit-learn " + sklearn.__version__ + ")")


if __name__ == "__main__":
    main()
