"""Reference values for tests/lua/models_svm_spec.lua: scikit-learn 1.2's SVC and SVR (libsvm)
on small synthetic problems — every kernel, two and three classes, class and sample weights,
probability estimates with a fixed random_state, epsilon-SVR — plus accuracies on the bundled
breast cancer, digits and wine data with fixed stratified splits and standardised features.

Tide trains with the same algorithm step for step (SMO with WSS3, shrinking, float kernel
cache), so support vectors, dual coefficients and intercepts are compared tightly.

Run: /usr/bin/python3 tests/gen/gen_models_svm.py   (writes tests/fixtures/models_svm.lua)
"""
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)


def blobs(n, d, k):
    centers = rng.normal(0, 2.0, size=(k, d))
    y = np.arange(n) % k
    rng.shuffle(y)
    X = centers[y] + rng.normal(0, 1.3, size=(n, d))
    return np.round(X, 3), y.astype(np.int64)


def fitted(est, Xtest, proba=False):
    c = {
        "support": est.support_.astype(np.int64) + 1,
        "dual_coef": est.dual_coef_,
        "intercept": est.intercept_,
        "n_support": est.n_support_.astype(np.int32),
        "decision": np.asarray(est.decision_function(Xtest), dtype=np.float64) if hasattr(est, "decision_function")
        else None,
        "predict": est.predict(Xtest),
    }
    if hasattr(est, "classes_"):
        c["n_iter"] = np.asarray(est.n_iter_, dtype=np.int32)
        c["class_weight_"] = np.asarray(est.class_weight_, dtype=np.float64)
        c["predict"] = c["predict"].astype(np.int64)
    else:
        c["n_iter"] = int(est.n_iter_)
    if proba:
        c["probA"] = est.probA_
        c["probB"] = est.probB_
        c["proba"] = est.predict_proba(Xtest)
    if getattr(est, "kernel", None) == "linear":
        c["coef"] = np.asarray(est.coef_)
    return c


def main():
    cases = {}
    X2, y2 = blobs(60, 4, 2)
    X3, y3 = blobs(75, 4, 3)
    Xt = np.round(rng.normal(0, 2.5, size=(20, 4)), 3)
    cases["X2"], cases["y2"], cases["X3"], cases["y3"], cases["Xtest"] = X2, y2, X3, y3, Xt

    svc = {}
    settings = {
        "rbf2": (2, dict()),
        "rbf3": (3, dict()),
        "rbf3_auto_C": (3, dict(gamma="auto", C=3.0)),
        "linear3": (3, dict(kernel="linear", C=0.5)),
        "poly2": (2, dict(kernel="poly", degree=3, coef0=1.0, gamma=0.1)),
        "poly3": (3, dict(kernel="poly", degree=2, coef0=0.5, gamma="auto")),
        "sigmoid2": (2, dict(kernel="sigmoid", gamma=0.01, coef0=-0.5)),
        "balanced3": (3, dict(class_weight="balanced", C=2.0)),
        "noshrink3": (3, dict(shrinking=False)),
        "tight3": (3, dict(tol=1e-6)),
        "ovo3": (3, dict(decision_function_shape="ovo")),
        "maxiter3": (3, dict(max_iter=5)),
    }
    for name, (k, params) in settings.items():
        X, y = (X2, y2) if k == 2 else (X3, y3)
        est = SVC(**params).fit(X, y)
        c = fitted(est, Xt)
        c["params"] = params
        c["fit_status"] = int(est.fit_status_)
        svc[name] = c
    # class weights as a table, sample weights (some zero: those rows are left out)
    sw = np.round(rng.uniform(0.2, 2.0, size=len(y3)), 2)
    sw[::9] = 0
    est = SVC(class_weight={0: 2.0, 2: 0.5}, C=1.5).fit(X3, y3, sample_weight=sw)
    c = fitted(est, Xt)
    c["params"] = {"C": 1.5}
    c["class_weight"] = [2.0, 1.0, 0.5]
    c["sample_weight"] = sw
    svc["weighted3"] = c
    # probability estimates: folds drawn with random_state
    for name, (X, y, params) in {
        "proba2": (X2, y2, dict(probability=True, random_state=0)),
        "proba3": (X3, y3, dict(probability=True, random_state=7, C=2.0)),
        "proba3_poly": (X3, y3, dict(probability=True, random_state=123, kernel="poly", degree=2, gamma=0.2)),
        "proba3_weighted": (X3, y3, dict(probability=True, random_state=5, class_weight={0: 3.0, 1: 0.5}, C=0.7)),
    }.items():
        est = SVC(**params).fit(X, y)
        c = fitted(est, Xt, proba=True)
        # a {label: weight} table has number keys, which the fixture cannot spell: the spec sets it
        c["params"] = {k: v for k, v in params.items() if not isinstance(v, dict)}
        svc[name] = c
    # string labels: the same model as the codes
    cases["svc"] = svc

    ys = np.round(np.sin(X2[:, 0]) + 0.5 * X2[:, 1] - 0.2 * X2[:, 2] ** 2 + rng.normal(0, 0.1, size=len(X2)), 3)
    cases["ys"] = ys
    svr = {}
    for name, params in {
        "rbf": dict(),
        "rbf_C_eps": dict(C=10.0, epsilon=0.05),
        "linear": dict(kernel="linear", epsilon=0.2),
        "poly": dict(kernel="poly", degree=2, coef0=1.0, gamma=0.05, C=2.0),
    }.items():
        est = SVR(**params).fit(X2, ys)
        c = fitted(est, Xt)
        c["params"] = params
        svr[name] = c
    swr = np.round(rng.uniform(0.0, 2.0, size=len(ys)), 2)
    est = SVR(C=3.0).fit(X2, ys, sample_weight=swr)
    c = fitted(est, Xt)
    c["params"] = {"C": 3.0}
    c["sample_weight"] = swr
    svr["weighted"] = c
    cases["svr"] = svr

    # the bundled data sets: stratified 75/25 splits, features standardised on the training part
    for name, loader in (("breast_cancer", load_breast_cancer), ("digits", load_digits), ("wine", load_wine)):
        Xd, yd = loader(return_X_y=True)
        idx = np.arange(len(yd))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=yd)
        sc = StandardScaler().fit(Xd[tr])
        est = SVC().fit(sc.transform(Xd[tr]), yd[tr])
        pred = est.predict(sc.transform(Xd[te]))
        cases["data_" + name] = {"test": te + 1, "accuracy": float(np.mean(pred == yd[te])),
                                 "n_sv": int(est.support_.size), "predict": pred.astype(np.int64)}

    write_fixture(os.path.join(here, "..", "fixtures", "models_svm.lua"), cases, "tests/gen/gen_models_svm.py")


if __name__ == "__main__":
    main()
