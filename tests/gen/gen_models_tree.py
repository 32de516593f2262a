"""Reference values for tests/lua/models_tree_spec.lua and models_forest_spec.lua: scikit-learn
1.2's DecisionTreeClassifier / DecisionTreeRegressor on small data without ties (whole tree_
arrays, predictions, feature importances) for each criterion and stopping rule, and the
accuracy of trees, random forests and extra trees on breast cancer, digits and wine with a
fixed stratified split.

"Without ties" is checked, not assumed: each tree case is fitted with five random_state values
(scikit-learn draws the feature order at random, which only matters when two splits score the
same) and must give the same tree every time. Features are float32 values (trees work in
float32), so the float64 numbers in the fixture are exact.

Run: /usr/bin/python3 tests/gen/gen_models_tree.py   (writes tests/fixtures/models_tree.lua)
"""
import os

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)

n, n_test, d = 160, 40, 6
X = rng.normal(size=(n + n_test, d)).astype(np.float32).astype(np.float64)
Xtr, Xte = X[:n], X[n:]
# classes from a noisy non-linear rule; targets from a smooth function plus noise
score = Xtr[:, 0] + 0.8 * Xtr[:, 1] * Xtr[:, 2] - 0.5 * Xtr[:, 3] + 0.3 * rng.normal(size=n)
y3 = np.digitize(score, [-0.6, 0.6])
yr = np.sin(Xtr[:, 0]) + Xtr[:, 1] ** 2 - Xtr[:, 4] + 0.1 * rng.normal(size=n)
sw = rng.uniform(0.5, 2.0, size=n)  # continuous weights: no two splits score the same


def tree_arrays(t):
    tr = t.tree_
    value = tr.value[:, 0, :]
    return {"node_count": int(tr.node_count), "max_depth": int(tr.max_depth), "n_leaves": int(tr.n_leaves),
            "children_left": tr.children_left.astype(np.int64), "children_right": tr.children_right.astype(np.int64),
            "feature": tr.feature.astype(np.int64), "threshold": tr.threshold, "value": value,
            "impurity": tr.impurity, "n_node_samples": tr.n_node_samples.astype(np.int64),
            "weighted_n_node_samples": tr.weighted_n_node_samples}


def same_tree(a, b):
    ta, tb = a.tree_, b.tree_
    return (ta.node_count == tb.node_count and np.array_equal(ta.feature, tb.feature)
            and np.array_equal(ta.threshold, tb.threshold) and np.array_equal(ta.children_left, tb.children_left))


def tree_case(cls, params, y, weights=None):
    fits = [cls(random_state=s, **params).fit(Xtr, y, sample_weight=weights) for s in range(5)]
    for f in fits[1:]:
        if not same_tree(fits[0], f):
            raise AssertionError(f"{cls.__name__}({params}) has ties: the tree depends on random_state")
    t = fits[0]
    c = {"params": params, "tree": tree_arrays(t), "importances": t.feature_importances_,
         "apply": t.apply(Xte).astype(np.int64) + 1}
    if weights is not None:
        c["sample_weight"] = weights
    if cls is DecisionTreeClassifier:
        c["proba"] = t.predict_proba(Xte)
        c["predict"] = t.predict(Xte).astype(np.int64)
    else:
        c["predict"] = t.predict(Xte)
    return c


cases = {
    "X": Xtr, "Xtest": Xte, "y3": y3.astype(np.int64), "yr": yr, "sw": sw,
    "cls_gini_weighted": tree_case(DecisionTreeClassifier, {"min_samples_leaf": 5}, y3, sw),
    "cls_entropy_weighted": tree_case(DecisionTreeClassifier, {"criterion": "entropy", "max_depth": 5, "min_samples_leaf": 5}, y3, sw),
    "cls_gini_depth3": tree_case(DecisionTreeClassifier, {"max_depth": 3, "min_samples_leaf": 8}, y3),
    "cls_min_leaf": tree_case(DecisionTreeClassifier, {"min_samples_leaf": 3, "min_samples_split": 25}, y3, sw),
    "cls_balanced": tree_case(DecisionTreeClassifier, {"class_weight": "balanced", "max_depth": 4, "min_samples_leaf": 5}, y3, sw),
    "cls_best_first": tree_case(DecisionTreeClassifier, {"max_leaf_nodes": 9, "min_samples_leaf": 5}, y3, sw),
    "cls_min_impurity": tree_case(DecisionTreeClassifier, {"min_impurity_decrease": 0.01, "min_samples_leaf": 5}, y3, sw),
    "cls_min_weight": tree_case(DecisionTreeClassifier, {"min_weight_fraction_leaf": 0.04, "max_depth": 6}, y3, sw),
    "reg_squared": tree_case(DecisionTreeRegressor, {"min_samples_leaf": 5}, yr),
    "reg_depth4": tree_case(DecisionTreeRegressor, {"max_depth": 4, "min_samples_leaf": 3}, yr, sw),
    "reg_friedman": tree_case(DecisionTreeRegressor, {"criterion": "friedman_mse", "max_depth": 5, "min_samples_leaf": 3}, yr),
    "reg_best_first": tree_case(DecisionTreeRegressor, {"max_leaf_nodes": 12}, yr),
    "reg_fractions": tree_case(DecisionTreeRegressor, {"min_samples_split": 0.1, "min_samples_leaf": 0.02}, yr),
    "cls_ccp": tree_case(DecisionTreeClassifier, {"min_samples_leaf": 5, "ccp_alpha": 0.012}, y3, sw),
    "reg_ccp": tree_case(DecisionTreeRegressor, {"min_samples_leaf": 5, "ccp_alpha": 0.02}, yr),
}
for name, cls, y, w in (("cls_gini_depth3", DecisionTreeClassifier, y3, None), ("reg_depth4", DecisionTreeRegressor, yr, sw)):
    dp = cls(random_state=0, **cases[name]["params"]).fit(Xtr, y, sample_weight=w).decision_path(Xte)
    cases[name]["path_indptr"] = dp.indptr.astype(np.int64)
    cases[name]["path_indices"] = dp.indices.astype(np.int64)
path = DecisionTreeClassifier(min_samples_leaf=5, random_state=0).cost_complexity_pruning_path(Xtr, y3, sample_weight=sw)
cases["ccp_path"] = {"ccp_alphas": path.ccp_alphas, "impurities": path.impurities}

# ---------------------------------------------------------------- 8-bit-like features, many samples
def minstd_data(n, d):
    """Integer features in [0, 50), labels and weights from the MINSTD generator (s * 48271 mod
    2^31 - 1), which models_tree_spec.lua repeats exactly: large nodes of few distinct values take
    Tide's per-rank histogram path; continuous weights keep splits from scoring the same."""
    s, X, y, w = 12345, np.zeros((n, d)), np.zeros(n, dtype=np.int64), np.zeros(n)
    def nxt():
        nonlocal s
        s = s * 48271 % 2147483647
        return s
    for i in range(n):
        for j in range(d):
            X[i, j] = nxt() % 50
        w[i] = 0.5 + nxt() % 10007 / 10007
        noise = nxt() % 5  # 40% noise: no large pure nodes, whose purity would hang on rounding
        y[i] = nxt() % 3 if noise <= 1 else int(X[i, 0] + X[i, 1] > 50) + int(X[i, 2] > 30)
    return X, y, w


# 6,000 samples: Tide also grows the subtrees below m/32 samples separately and stitches them
Xm, ym, wm = minstd_data(6000, 4)
fits = [DecisionTreeClassifier(min_samples_leaf=25, random_state=s).fit(Xm, ym, sample_weight=wm) for s in range(5)]
assert all(same_tree(fits[0], f) for f in fits[1:]), "the 8-bit case has ties"
cases["hist_8bit"] = {"tree": tree_arrays(fits[0]), "proba": fits[0].predict_proba(Xm[:50])}
# regression on the same features: the weights serve as continuous noise
ym_reg = Xm[:, 0] + 0.5 * Xm[:, 1] * Xm[:, 2] / 50 + wm
fits = [DecisionTreeRegressor(max_depth=6, random_state=s).fit(Xm, ym_reg) for s in range(5)]
assert all(same_tree(fits[0], f) for f in fits[1:]), "the 8-bit regression case has ties"
cases["hist_8bit_reg"] = {"tree": tree_arrays(fits[0])}

# ---------------------------------------------------------------- the bundled data sets
SEEDS = range(5)
for name, loader in (("breast_cancer", load_breast_cancer), ("digits", load_digits), ("wine", load_wine)):
    Xd, yd = loader(return_X_y=True)
    idx = np.arange(len(yd))
    tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=yd)

    def accuracy(make):
        return float(np.mean([np.mean(make(s).fit(Xd[tr], yd[tr]).predict(Xd[te]) == yd[te]) for s in SEEDS]))

    importances = np.mean([RandomForestClassifier(random_state=s, n_jobs=2).fit(Xd[tr], yd[tr]).feature_importances_
                           for s in SEEDS], axis=0)
    cases["data_" + name] = {
        "test": te + 1,
        "tree": accuracy(lambda s: DecisionTreeClassifier(random_state=s)),
        "forest": accuracy(lambda s: RandomForestClassifier(random_state=s, n_jobs=2)),
        "extra": accuracy(lambda s: ExtraTreesClassifier(random_state=s, n_jobs=2)),
        "forest_importances": importances,  # mean over the seeds
    }

# forests on the small regression problem: R^2 on the test rows, mean over seeds
yr_test = np.sin(Xte[:, 0]) + Xte[:, 1] ** 2 - Xte[:, 4]
cases["forest_reg_r2"] = float(np.mean([RandomForestRegressor(random_state=s).fit(Xtr, yr).score(Xte, yr_test)
                                        for s in SEEDS]))
cases["yr_test"] = yr_test

write_fixture(os.path.join(here, "..", "fixtures", "models_tree.lua"), cases,
              f"tests/gen/gen_models_tree.py (scikit-learn {sklearn.__version__})")
