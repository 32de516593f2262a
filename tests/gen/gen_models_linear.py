"""Reference values for tests/lua/models_linear_spec.lua and models_linear_svm_spec.lua:
scikit-learn 1.2's LinearRegression, Ridge, Lasso, ElasticNet and LinearSVC on small synthetic
sets (dense, CSR, sample weights, more features than samples, a rank-deficient design), and
LinearSVC's test accuracy on breast cancer, digits and wine with the split indices.

The synthetic inputs are written into the fixture (they are small); the real tables are read
by the specs from Debian's python3-sklearn copy, so only the split indices are stored.
LinearSVC references are fitted with tol = 1e-10 so that they sit at the optimum, which is
unique: Tide's coordinate order differs from liblinear's, its optimum does not.

Run: /usr/bin/python3 tests/gen/gen_models_linear.py
     (writes tests/fixtures/models_linear.lua and tests/fixtures/models_linear_svm.lua)
"""
import os
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import datasets
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from fixture_writer import write_fixture

assert sklearn.__version__.startswith("1.2"), sklearn.__version__
warnings.filterwarnings("ignore")  # convergence warnings of the deliberately short runs
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)


def mat(a):
    return np.asarray(a, dtype=np.float64)


def regression_data(n, d, noise=0.3, density=1.0, scale_spread=True):
    X = rng.normal(size=(n, d))
    X[:, 1::3] += 0.6 * X[:, ::3][:, : X[:, 1::3].shape[1]]  # correlated columns
    if scale_spread:
        X *= np.exp(rng.uniform(-1, 1, size=d))
    if density < 1:
        X = np.abs(X) * (rng.random((n, d)) < density)
    w = rng.normal(size=d) * (rng.random(d) < 0.7)
    y = X @ w + 1.5 + noise * rng.normal(size=n)
    return X, y


def fit_record(model, X, y, sw=None, extra=()):
    model.fit(X, y, sample_weight=sw)
    icpt = model.intercept_
    r = {"coef": mat(model.coef_), "intercept": mat(icpt) if np.ndim(icpt) else float(icpt)}
    for name in extra:
        v = getattr(model, name)
        r[name] = mat(v) if isinstance(v, np.ndarray) else (list(v) if isinstance(v, list) else v)
    return r


def regression_cases():
    out = {}
    XA, yA = regression_data(60, 8)
    swA = rng.uniform(0.2, 2.0, size=60)
    XB, yB = regression_data(15, 25)  # wide: dual ridge, minimum-norm least squares
    XC, yC = regression_data(80, 12, density=0.3, scale_spread=False)  # sparse-ish, nonnegative
    XD = XA.copy()
    XD[:, 7] = 2 * XD[:, 2]  # rank-deficient
    swC = rng.uniform(0.0, 2.0, size=80)
    swC[:5] = 0
    swB = rng.uniform(0.5, 1.5, size=15)
    out["data"] = {"swB": mat(swB), "XA": mat(XA), "yA": mat(yA), "swA": mat(swA), "XB": mat(XB), "yB": mat(yB), "XC": mat(XC),
                   "yC": mat(yC), "swC": mat(swC), "XD": mat(XD)}
    XCs = sp.csr_matrix(XC)

    ext = ("rank_", "singular_")
    out["ols"] = {
        "A": fit_record(LinearRegression(), XA, yA, extra=ext),
        "A_sw": fit_record(LinearRegression(), XA, yA, swA, extra=ext),
        "A_noint": fit_record(LinearRegression(fit_intercept=False), XA, yA, extra=ext),
        "B": fit_record(LinearRegression(), XB, yB, extra=ext),
        "D": fit_record(LinearRegression(), XD, yA, extra=ext),
        "C": fit_record(LinearRegression(), XC, yC),
        "C_sw": fit_record(LinearRegression(), XC, yC, swC),
        "A_pos": fit_record(LinearRegression(positive=True), XA, yA),
        "A_pos_sw": fit_record(LinearRegression(positive=True), XA, yA, swA),
        "B_pos": fit_record(LinearRegression(positive=True, fit_intercept=False), XB, yB),
    }
    out["ridge"] = {
        "A": fit_record(Ridge(), XA, yA),
        "A_sw": fit_record(Ridge(alpha=0.1), XA, yA, swA),
        "A_noint": fit_record(Ridge(alpha=3.0, fit_intercept=False), XA, yA),
        "A_svd": fit_record(Ridge(alpha=0.5, solver="svd"), XA, yA, swA),
        "B": fit_record(Ridge(alpha=0.7), XB, yB),
        "B_sw": fit_record(Ridge(alpha=0.7), XB, yB, swB),
        # CSR through conjugate gradients; the reference is the exact (Cholesky) solution
        "C": fit_record(Ridge(alpha=2.0, solver="cholesky"), XC, yC),
        "C_sw": fit_record(Ridge(alpha=2.0, solver="cholesky"), XC, yC, swC),
        "C_sk_cg": fit_record(Ridge(alpha=2.0, tol=1e-12), XCs, yC, extra=("n_iter_",)),
    }

    ee = ("n_iter_", "dual_gap_")
    out["lasso"] = {
        "A": fit_record(Lasso(alpha=0.1), XA, yA, extra=ee),
        "A_tight": fit_record(Lasso(alpha=0.05, tol=1e-10, max_iter=10000), XA, yA, extra=ee),
        "A_sw": fit_record(Lasso(alpha=0.1, tol=1e-10, max_iter=10000), XA, yA, swA, extra=ee),
        "A_pos": fit_record(Lasso(alpha=0.02, positive=True, tol=1e-10, max_iter=10000), XA, yA, extra=ee),
        "A_noint": fit_record(Lasso(alpha=0.1, fit_intercept=False, tol=1e-10, max_iter=10000), XA, yA, extra=ee),
        "A_short": fit_record(Lasso(alpha=0.001, max_iter=3), XA, yA, extra=ee),
        "C": fit_record(Lasso(alpha=0.05, tol=1e-10, max_iter=10000), XC, yC, extra=ee),
        "C_sparse": fit_record(Lasso(alpha=0.05, tol=1e-10, max_iter=10000), XCs, yC, extra=ee),
        "C_sparse_sw": fit_record(Lasso(alpha=0.05, tol=1e-10, max_iter=10000), XCs, yC, swC, extra=ee),
    }
    out["enet"] = {
        "A": fit_record(ElasticNet(alpha=0.1, l1_ratio=0.3), XA, yA, extra=ee),
        "A_tight": fit_record(ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-10, max_iter=10000), XA, yA, extra=ee),
        "A_sw": fit_record(ElasticNet(alpha=0.2, l1_ratio=0.5, tol=1e-10, max_iter=10000), XA, yA, swA, extra=ee),
        "B": fit_record(ElasticNet(alpha=0.05, l1_ratio=0.9, tol=1e-10, max_iter=10000), XB, yB, extra=ee),
        "C_sparse": fit_record(ElasticNet(alpha=0.02, l1_ratio=0.5, tol=1e-10, max_iter=10000), XCs, yC,
                               extra=ee),
        "C_sparse_noint": fit_record(ElasticNet(alpha=0.02, l1_ratio=0.5, fit_intercept=False, tol=1e-10,
                                                max_iter=10000), XCs, yC, extra=ee),
    }
    # two targets at once (no random draws here, so the LinearSVC data stay as they were)
    Y = np.stack([yA, 2 * XA[:, 0] - XA[:, 3] + np.cos(np.arange(60.0))], axis=1)
    out["data"]["YA"] = mat(Y)
    out["multi"] = {
        "ols": fit_record(LinearRegression(), XA, Y),
        "ridge": fit_record(Ridge(alpha=0.5), XA, Y, swA),
        "ridge_alphas": fit_record(Ridge(alpha=np.array([0.5, 20.0])), XA, Y),
        "lasso": fit_record(Lasso(alpha=0.05, tol=1e-10, max_iter=10000), XA, Y, extra=("n_iter_", "dual_gap_")),
    }
    m = LinearRegression().fit(XA, Y)
    out["multi"]["ols"]["score"] = m.score(XA[:30], Y[:30])

    # the diabetes table as Debian's python3-sklearn ships it (raw, unscaled), read by the spec
    base = os.path.join(os.path.dirname(datasets.__file__), "data")
    Xd = np.loadtxt(os.path.join(base, "diabetes_data_raw.csv.gz"))
    yd = np.loadtxt(os.path.join(base, "diabetes_target.csv.gz"))
    tr, te = train_test_split(np.arange(len(yd)), test_size=0.25, random_state=0)
    dia = {"train": tr + 1, "test": te + 1}
    for name, model in [("ols", LinearRegression()), ("ridge", Ridge(alpha=1.0)), ("lasso", Lasso(alpha=0.1)),
                        ("enet", ElasticNet(alpha=0.01, l1_ratio=0.5))]:
        model.fit(Xd[tr], yd[tr])
        dia[name] = {"coef": mat(model.coef_), "intercept": float(model.intercept_),
                     "r2": float(model.score(Xd[te], yd[te])),
                     "n_iter_": int(getattr(model, "n_iter_", 0) or 0)}
    out["diabetes"] = dia
    return out


# ---------------------------------------------------------------- LinearSVC
def svc_record(model, X, y, Xt, sw=None):
    model.fit(X, y, sample_weight=sw)
    return {"coef": mat(model.coef_), "intercept": mat(model.intercept_), "decision": mat(model.decision_function(Xt)),
            "predict": np.asarray(model.predict(Xt), dtype=np.int64)}


TIGHT = dict(tol=1e-10, max_iter=200000)


def svc_cases():
    out = {}
    n, d = 90, 5
    X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    y3 = (X[:, 0] + 0.5 * X[:, 1] > 0.3).astype(np.int64) + (X[:, 2] - X[:, 4] / 3 > 0.6).astype(np.int64)
    y2 = (X @ np.array([1.0, -0.5, 0.8, 0.0, 0.2]) + 0.4 * rng.normal(size=n) > 0.2).astype(np.int64)
    Xt = rng.normal(size=(12, d))
    sw = rng.uniform(0.3, 2.0, size=n)
    Xs = np.abs(X) * (rng.random((n, d)) < 0.5)  # sparse-ish input
    out["data"] = {"X": mat(X), "y2": y2, "y3": y3, "Xt": mat(Xt), "sw": mat(sw), "Xs": mat(Xs)}
    out["binary"] = svc_record(LinearSVC(**TIGHT), X, y2, Xt)
    out["binary_hinge"] = svc_record(LinearSVC(loss="hinge", **TIGHT), X, y2, Xt)
    out["binary_C"] = svc_record(LinearSVC(C=0.05, **TIGHT), X, y2, Xt)
    out["binary_sw"] = svc_record(LinearSVC(**TIGHT), X, y2, Xt, sw)
    out["binary_noint"] = svc_record(LinearSVC(fit_intercept=False, **TIGHT), X, y2, Xt)
    out["binary_scaling"] = svc_record(LinearSVC(intercept_scaling=2.5, **TIGHT), X, y2, Xt)
    out["multi"] = svc_record(LinearSVC(**TIGHT), X, y3, Xt)
    out["multi_hinge"] = svc_record(LinearSVC(loss="hinge", C=0.5, **TIGHT), X, y3, Xt)
    out["multi_balanced"] = svc_record(LinearSVC(class_weight="balanced", **TIGHT), X, y3, Xt)
    out["multi_cw"] = svc_record(LinearSVC(class_weight={0: 2.0, 2: 0.5}, **TIGHT), X, y3, Xt)
    out["multi_sparse"] = svc_record(LinearSVC(**TIGHT), sp.csr_matrix(Xs), y3, Xt)
    L1 = dict(penalty="l1", dual=False, **TIGHT)
    out["binary_l1"] = svc_record(LinearSVC(C=0.1, **L1), X, y2, Xt)
    out["binary_l1_sw"] = svc_record(LinearSVC(C=0.1, **L1), X, y2, Xt, sw)
    out["multi_l1"] = svc_record(LinearSVC(C=0.2, **L1), X, y3, Xt)
    out["multi_l1_sparse"] = svc_record(LinearSVC(C=0.5, **L1), sp.csr_matrix(Xs), y3, Xt)
    out["binary_cw"] = svc_record(LinearSVC(class_weight={0: 3.0, 1: 0.5}, **TIGHT), X, y2, Xt)
    out["binary_hinge_balanced"] = svc_record(LinearSVC(loss="hinge", class_weight="balanced", **TIGHT), X, y2, Xt, sw)

    tables = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits, "wine": datasets.load_wine}
    for name, load in tables.items():
        Xr, yr = load(return_X_y=True)
        idx = np.arange(len(yr))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=yr)
        sc = StandardScaler().fit(Xr[tr])
        m = LinearSVC(random_state=0).fit(sc.transform(Xr[tr]), yr[tr])
        acc = float((m.predict(sc.transform(Xr[te])) == yr[te]).mean())
        out[name] = {"train": tr + 1, "test": te + 1, "accuracy": acc, "n_iter": int(m.n_iter_)}
    return out


def main():
    write_fixture(os.path.join(here, "..", "fixtures", "models_linear.lua"), regression_cases(),
                  "tests/gen/gen_models_linear.py (scikit-learn " + sklearn.__version__ + ")")
    write_fixture(os.path.join(here, "..", "fixtures", "models_linear_svm.lua"), svc_cases(),
                  "tests/gen/gen_models_linear.py (scikit-learn " + sklearn.__version__ + ")")


if __name__ == "__main__":
    main()
