"""Reference values for tests/lua/metrics_curves_spec.lua: scikit-learn 1.2's score metrics
(roc_curve with and without drop_intermediate, roc_auc_score binary / max_fpr / multiclass ovr
and ovo with every average, precision_recall_curve, average_precision_score, log_loss,
brier_score_loss) and regression metrics (MSE / RMSE / MAE / MAPE / median AE / max error / R² /
explained variance, single and multi-output, weights, constant targets), top-k accuracy on the
multiclass cases, and on label values (section label_values, for metrics_labels_spec.lua) the
classification metrics, Matthews' correlation, Cohen's kappa (plain, linear, quadratic), zero-one
and Hamming losses.

Binary cases use labels {0, 1}, {-1, 1}, Tide's {1, 2} (positive class 2, passed to scikit-learn
as pos_label=2) and strings with an explicit pos_label; scores have ties (rounded values) and some
cases zero weights.

Run: /usr/bin/python3 tests/gen/gen_metrics_curves.py   (writes tests/fixtures/metrics_curves.lua)
"""
import os
import warnings

import numpy as np
from sklearn import metrics as M

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)


def f64(a):
    return np.asarray(a, dtype=np.float64)


def binary_case(n, labels, pos_label=None, weights=False, decimals=1, tide_pos=None):
    """labels: the two label values (negative first); scores correlate with the positive class."""
    is_pos = rng.random(n) < 0.4
    y = np.where(is_pos, labels[1], labels[0])
    score = np.round(rng.normal(size=n) + 1.2 * is_pos, decimals)
    prob = np.round(1 / (1 + np.exp(-score)), 3)
    sw = np.round(rng.random(n) * 2, 2) if weights else None
    if sw is not None:
        sw[rng.random(n) < 0.1] = 0.0
    c = {"y_true": y.tolist(), "y_score": f64(score), "y_prob": f64(prob)}
    if pos_label is not None:
        c["pos_label"] = pos_label
    if sw is not None:
        c["weights"] = f64(sw)
    kw = {"sample_weight": sw}
    pl = pos_label if pos_label is not None else tide_pos
    for drop in (True, False):
        fpr, tpr, thr = M.roc_curve(y, score, pos_label=pl, drop_intermediate=drop, **kw)
        c["roc_drop" if drop else "roc_all"] = {"fpr": f64(fpr), "tpr": f64(tpr), "thresholds": f64(thr)}
    yb = (y == (pl if pl is not None else 1)).astype(int)
    c["auc"] = M.roc_auc_score(yb, score, **kw)
    c["auc_max_fpr"] = M.roc_auc_score(yb, score, max_fpr=0.3, **kw)
    p, r, t = M.precision_recall_curve(y, prob, pos_label=pl, **kw)
    c["pr"] = {"precision": f64(p), "recall": f64(r), "thresholds": f64(t)}
    c["ap"] = M.average_precision_score(y, score, pos_label=pl if pl is not None else 1, **kw)
    c["brier"] = M.brier_score_loss(y, prob, pos_label=pl, **kw)
    c["log_loss"] = M.log_loss(yb, prob, **kw)
    c["log_loss_sum"] = M.log_loss(yb, prob, normalize=False, **kw)
    return c


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def multiclass_case(n, k, weights=False, base=0):
    y = rng.integers(0, k, size=n)
    z = rng.normal(size=(n, k))
    z[np.arange(n), y] += 1.0
    prob = np.round(softmax(z), 3)
    prob[:, -1] = 1 - prob[:, :-1].sum(axis=1)  # rows sum to 1 up to rounding
    labels = y + base
    sw = np.round(rng.random(n) * 2, 2) if weights else None
    c = {"y_true": labels.tolist(), "proba": f64(prob)}
    if sw is not None:
        c["weights"] = f64(sw)
    kw = {"sample_weight": sw}
    ovr = {}
    for avg in ("macro", "weighted", "micro"):
        ovr[avg] = M.roc_auc_score(labels, prob, multi_class="ovr", average=avg, **kw)
    ovr["none"] = f64(M.roc_auc_score(labels, prob, multi_class="ovr", average=None, **kw))
    c["ovr"] = ovr
    if sw is None:
        c["ovo"] = {avg: M.roc_auc_score(labels, prob, multi_class="ovo", average=avg) for avg in ("macro", "weighted")}
    c["top_k"] = [M.top_k_accuracy_score(labels, prob, k=kk, **kw) for kk in range(1, k + 1)]  # ties: rounded
    c["log_loss"] = M.log_loss(labels, prob, **kw)
    c["log_loss_eps"] = M.log_loss(labels, prob, eps=1e-3, **kw)
    return c


def regression_case(n, m, weights=False, constant=False):
    yt = rng.normal(size=(n, m)) * 3 + 1
    yp = yt + rng.normal(size=(n, m))
    if constant:
        yt[:, 0] = 2.0
        yp[:, 0] = 2.0
        if m > 1:
            yt[:, 1] = 1.5  # constant y_true, varied y_pred: SS_tot is exactly 0
    sw = np.round(rng.random(n) * 2, 2) if weights else None
    if constant and weights:
        sw = rng.integers(1, 4, size=n).astype(np.float64)  # exact weighted means of the constants
    c = {"y_true": f64(yt if m > 1 else yt[:, 0]), "y_pred": f64(yp if m > 1 else yp[:, 0])}
    if sw is not None:
        c["weights"] = f64(sw)
    kw = {"sample_weight": sw}
    yt1, yp1 = (yt, yp) if m > 1 else (yt[:, 0], yp[:, 0])
    outs = ["raw_values", "uniform_average"]
    r = {}
    for mo in outs:
        key = mo
        r["mse_" + key] = M.mean_squared_error(yt1, yp1, multioutput=mo, **kw)
        r["rmse_" + key] = M.mean_squared_error(yt1, yp1, multioutput=mo, squared=False, **kw)
        r["mae_" + key] = M.mean_absolute_error(yt1, yp1, multioutput=mo, **kw)
        r["mape_" + key] = M.mean_absolute_percentage_error(yt1, yp1, multioutput=mo, **kw)
        r["r2_" + key] = M.r2_score(yt1, yp1, multioutput=mo, **kw)
        r["ev_" + key] = M.explained_variance_score(yt1, yp1, multioutput=mo, **kw)
        if sw is None:
            r["medae_" + key] = M.median_absolute_error(yt1, yp1, multioutput=mo)
    r["r2_variance_weighted"] = M.r2_score(yt1, yp1, multioutput="variance_weighted", **kw)
    r["ev_variance_weighted"] = M.explained_variance_score(yt1, yp1, multioutput="variance_weighted", **kw)
    r["r2_unforced"] = M.r2_score(yt1, yp1, multioutput="raw_values", force_finite=False, **kw)
    if m > 1:
        mw = [0.3, 0.7] + [1.0] * (m - 2)
        r["mse_custom"] = M.mean_squared_error(yt1, yp1, multioutput=mw, **kw)
        r["r2_custom"] = M.r2_score(yt1, yp1, multioutput=mw, **kw)
        c["custom"] = mw
    if m == 1 and sw is None:
        r["max_error"] = M.max_error(yt1, yp1)
    for key, v in r.items():
        r[key] = f64(np.atleast_1d(v)) if isinstance(v, np.ndarray) else float(v)
    c["expect"] = r
    return c


def label_case(y_true, y_pred, pos_label=None, labels=None):
    """Classification metrics on label values (0-based digits, -1/1, strings): scikit-learn's
    classes are the sorted union of y_true and y_pred (and labels)."""
    c = {"y_true": list(y_true), "y_pred": list(y_pred)}
    if labels is not None:
        c["labels"] = list(labels)
    c["accuracy"] = M.accuracy_score(y_true, y_pred)
    c["balanced_accuracy"] = M.balanced_accuracy_score(y_true, y_pred)
    c["cm"] = M.confusion_matrix(y_true, y_pred, labels=labels).astype(np.int64)
    prf = {}
    for avg in ("macro", "micro", "weighted"):
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, average=avg, labels=labels)
        prf[avg] = [p, r, f]
    p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, labels=labels)
    prf["none"] = {"p": f64(p), "r": f64(r), "f": f64(f), "s": np.asarray(s, dtype=np.int64)}
    if pos_label is not None:
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, average="binary", pos_label=pos_label)
        prf["binary"] = [p, r, f]
        c["pos_label"] = pos_label
    c["prf"] = prf
    if labels is None:
        c["mcc"] = M.matthews_corrcoef(y_true, y_pred)
        c["kappa"] = {w or "none": M.cohen_kappa_score(y_true, y_pred, weights=w) for w in (None, "linear", "quadratic")}
        c["zero_one"] = M.zero_one_loss(y_true, y_pred)
        c["zero_one_count"] = float(M.zero_one_loss(y_true, y_pred, normalize=False))
        c["hamming"] = M.hamming_loss(y_true, y_pred)
    c["report"] = M.classification_report(y_true, y_pred, labels=labels).split("\n")  # lines (no newlines in fixtures)
    return c


digits_true = rng.integers(0, 10, size=80)
digits_pred = np.where(rng.random(80) < 0.7, digits_true, rng.integers(0, 8, size=80))
pm_true = rng.choice([-1, 1], size=30)
pm_pred = np.where(rng.random(30) < 0.7, pm_true, -pm_true)
animals = np.array(["cat", "dog", "bird"])
an_true = animals[rng.integers(0, 3, size=25)]
an_pred = np.where(rng.random(25) < 0.6, an_true, animals[rng.integers(0, 3, size=25)])
label_values = {
    "digits": label_case(digits_true.tolist(), digits_pred.tolist()),
    "binary01": label_case([0, 1, 1, 0, 1, 1, 0, 0, 1, 0], [0, 1, 0, 0, 1, 1, 1, 0, 1, 1], pos_label=1),
    "binary01_pos0": label_case([0, 1, 1, 0, 1, 1, 0, 0, 1, 0], [0, 1, 0, 0, 1, 1, 1, 0, 1, 1], pos_label=0),
    "pm1": label_case(pm_true.tolist(), pm_pred.tolist(), pos_label=1),
    "strings": label_case(an_true.tolist(), an_pred.tolist()),
    "strings_binary": label_case(["no", "yes", "yes", "no", "yes"], ["no", "yes", "no", "no", "no"], pos_label="yes"),
    "digits_labels": label_case(digits_true.tolist(), digits_pred.tolist(), labels=[9, 0, 3, 11]),
}


cases = {
    "binary01": binary_case(60, [0, 1]),
    "binary01_weighted": binary_case(80, [0, 1], weights=True),
    "binary_pm1": binary_case(50, [-1, 1], decimals=2),
    "binary_ids": binary_case(70, [1, 2], tide_pos=2),
    "binary_strings": binary_case(40, ["ham", "spam"], pos_label="spam", weights=True),
    "binary_pos0": binary_case(45, [1, 0], pos_label=0),
    "binary_no_ties": binary_case(30, [0, 1], decimals=8),
}
multi = {
    "mc4": multiclass_case(90, 4),
    "mc3_weighted": multiclass_case(70, 3, weights=True),
    "mc5_ids": multiclass_case(100, 5, base=1),
}
regr = {
    "r1": regression_case(40, 1),
    "r1_weighted": regression_case(35, 1, weights=True),
    "r3": regression_case(30, 3),
    "r2_weighted_constant": regression_case(25, 2, weights=True, constant=True),
    "r1_constant": regression_case(10, 1, constant=True),
}
write_fixture(os.path.join(here, "..", "fixtures", "metrics_curves.lua"),
              {"binary": cases, "multiclass": multi, "regression": regr, "label_values": label_values},
              "tests/gen/gen_metrics_curves.py")
