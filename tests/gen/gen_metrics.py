"""Reference values for tests/lua/metrics_spec.lua: scikit-learn's classification metrics on
several random label sets (multiclass, binary, classes missing from y_true, from y_pred or from
both, sample weights, a label subset, zero_division = 1, F-beta) — accuracy, balanced accuracy,
confusion matrices (plain and normalized), precision / recall / F-beta / support for every
average, and classification_report text.

Tide's labels are 1-based class ids and its classes are 1..K (K = num_classes, or the largest
label seen), so each case passes labels=[1..K] to scikit-learn unless the case sets its own.

Run: /usr/bin/python3 tests/gen/gen_metrics.py   (writes tests/fixtures/metrics.lua)
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")  # zero-division warnings are the point of some cases
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240603)


def noisy(y_true, k, p_correct):
    """Predictions that copy y_true with probability p_correct, else a random class in 1..k."""
    keep = rng.random(len(y_true)) < p_correct
    return np.where(keep, y_true, rng.integers(1, k + 1, size=len(y_true)))


def case(y_true, y_pred, labels=None, num_classes=None, weights=None, zero_division="warn", names=None,
         betas=(1.0, 0.5, 2.0), pos_labels=()):
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    k = num_classes or int(max(y_true.max(), y_pred.max()))
    sk_labels = list(labels) if labels is not None else list(range(1, k + 1))
    sw = None if weights is None else np.asarray(weights, dtype=np.float64)
    c = {"y_true": y_true.tolist(), "y_pred": y_pred.tolist()}
    if labels is not None:
        c["labels"] = list(labels)
    if num_classes is not None:
        c["num_classes"] = num_classes
    if weights is not None:
        c["weights"] = sw.tolist()
    c["zero_division"] = zero_division
    c["accuracy"] = M.accuracy_score(y_true, y_pred, sample_weight=sw)
    c["accuracy_count"] = float(M.accuracy_score(y_true, y_pred, normalize=False, sample_weight=sw))
    c["balanced_accuracy"] = M.balanced_accuracy_score(y_true, y_pred, sample_weight=sw)
    c["balanced_accuracy_adjusted"] = M.balanced_accuracy_score(y_true, y_pred, sample_weight=sw, adjusted=True)
    cm = {}
    for norm in (None, "true", "pred", "all"):
        m = M.confusion_matrix(y_true, y_pred, labels=sk_labels, sample_weight=sw, normalize=norm)
        cm["norm_" + (norm or "none")] = m.astype(np.float64) if (norm or sw is not None) else m.astype(np.int64)
    c["cm"] = cm
    prf = []
    for beta in betas:
        for avg in (None, "macro", "micro", "weighted"):
            p, r, f, s = M.precision_recall_fscore_support(
                y_true, y_pred, beta=beta, labels=sk_labels, average=avg, sample_weight=sw,
                zero_division=zero_division)
            e = {"beta": beta, "average": avg or "none"}
            if avg is None:
                e["p"], e["r"], e["f"], e["s"] = np.asarray(p), np.asarray(r), np.asarray(f), np.asarray(s)
            else:
                e["p"], e["r"], e["f"] = float(p), float(r), float(f)
            prf.append(e)
    for pos in pos_labels:
        p, r, f, _ = M.precision_recall_fscore_support(
            y_true, y_pred, average="binary", pos_label=pos, sample_weight=sw, zero_division=zero_division)
        prf.append({"beta": 1.0, "average": "binary", "pos_label": pos, "p": float(p), "r": float(r), "f": float(f)})
    c["prf"] = prf
    reports = {}
    for digits in (2, 4):
        text = M.classification_report(
            y_true, y_pred, labels=sk_labels, target_names=names, sample_weight=sw, digits=digits,
            zero_division=zero_division)
        reports["d%d" % digits] = text.split("\n")  # lines: the fixture writer keeps strings on one line
    c["report"] = reports
    if names is not None:
        c["names"] = list(names)
    return c


cases = {}

# multiclass, every class present
yt = rng.integers(1, 6, size=60)
cases["multiclass"] = case(yt, noisy(yt, 5, 0.6))

# class 4 of 6 never appears; class 6 only in y_pred; class 2 only in y_true
yt = rng.choice([1, 2, 3, 5], size=40)
yp = noisy(yt, 5, 0.5)
yp[yp == 2] = 1
yp[yp == 4] = 6
cases["missing_classes"] = case(yt, yp)

# num_classes beyond the largest label, with class names
yt = rng.integers(1, 5, size=30)
cases["num_classes"] = case(yt, noisy(yt, 4, 0.7), num_classes=6,
                            names=["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal"])

# binary 1/2 with both positive labels
yt = rng.integers(1, 3, size=50)
cases["binary"] = case(yt, noisy(yt, 2, 0.7), pos_labels=(1, 2), names=["neg", "pos"])

# binary data with only class 1 in y_true
cases["binary_one_class"] = case([1] * 8, [1, 1, 2, 1, 1, 2, 1, 1], pos_labels=(1, 2))

# sample weights
yt = rng.integers(1, 5, size=40)
w = rng.integers(1, 9, size=40) / 4.0
cases["weighted"] = case(yt, noisy(yt, 4, 0.6), weights=w)

# a subset of labels in a given order
yt = rng.integers(1, 6, size=50)
cases["label_subset"] = case(yt, noisy(yt, 5, 0.5), labels=[3, 1, 5])

# zero_division = 1 with classes missing from predictions
yt = rng.integers(1, 5, size=25)
yp = noisy(yt, 4, 0.6)
yp[yp == 3] = 2
cases["zero_division_1"] = case(yt, yp, zero_division=1, num_classes=5)

# a larger 10-class set, like a Fashion-MNIST evaluation
yt = rng.integers(1, 11, size=2000)
cases["ten_classes"] = case(yt, noisy(yt, 10, 0.85), betas=(1.0,),
                            names=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                   "Sneaker", "Bag", "Ankle boot"])

# all predictions wrong
cases["all_wrong"] = case([1, 1, 2, 2, 3], [2, 3, 3, 1, 1], betas=(1.0,))

write_fixture(os.path.join(here, "..", "fixtures", "metrics.lua"), cases,
              f"tests/gen/gen_metrics.py (scikit-learn {sklearn.__version__})")
