"""Reference values for tests/lua/preprocess_spec.lua: scikit-learn 1.2's preprocessing
transformers on numeric columns of Titanic (Pclass, Age, SibSp, Parch, Fare; Age has missing
values) and Telco churn (tenure, MonthlyCharges, TotalCharges; blanks are missing), read with
pandas from /work/shared/data. Each transformer is fitted on a `fit` block of rows and its
output recorded on the fit block and on a `new` block of later rows (new data), with the
fitted attributes Tide exposes.

Run: /usr/bin/python3 tests/gen/gen_preprocess.py   (writes tests/fixtures/preprocess.lua)
"""
import os
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn import impute, preprocessing as P

from fixture_writer import sketch, write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
DATA = "/work/shared/data"

titanic = pd.read_csv(f"{DATA}/titanic/train.csv")
telco = pd.read_csv(f"{DATA}/telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv")
telco["TotalCharges"] = pd.to_numeric(telco["TotalCharges"], errors="coerce")

T = titanic[["Pclass", "Age", "SibSp", "Parch", "Fare"]].to_numpy(np.float64)
# Telco rows around the blank TotalCharges cells (rows 488, 753, ...) so missing values appear
K = telco[["tenure", "MonthlyCharges", "TotalCharges"]].to_numpy(np.float64)[440:600]

sets = {
    "titanic": {"fit": T[:80], "new": T[80:110]},
    "telco": {"fit": K[:80], "new": K[80:110]},
}
# Where those rows come from (1-based, inclusive): the fixture holds this, never the rows (the
# data sets' licences forbid copying them); tests/lua/shared_rows.lua reads them back.
sources = {
    "titanic": {"file": "titanic/train.csv", "columns": ["Pclass", "Age", "SibSp", "Parch", "Fare"],
                "fit": [1, 80], "new": [81, 110]},
    "telco": {"file": "telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv",
              "columns": ["tenure", "MonthlyCharges", "TotalCharges"], "fit": [441, 520], "new": [521, 550]},
}
# k-NN references: NumPy's argpartition breaks distance ties at the k-th neighbour in an
# unspecified order (Titanic's discrete columns tie often), so the k-NN cases use the same rows
# with a deterministic jitter (sd 0.25; far enough apart that scikit-learn's
# rounding in XX - 2XY + YY stays below 1e-9 of the weights) that makes every neighbour set unambiguous.
# The fixture keeps the jitter (synthetic noise), and the spec adds it to the rows it reads.
jit = np.random.default_rng(7)
jitter = {}
for data in ("titanic", "telco"):
    both = np.vstack([sets[data]["fit"], sets[data]["new"]])
    noise = 0.25 * jit.standard_normal(both.shape)
    jitter[data] = {"fit": noise[:80], "new": noise[80:]}
    both = both + noise
    sets[data + "_jitter"] = {"fit": both[:80], "new": both[80:]}
assert np.isnan(sets["telco"]["fit"]).any() and np.isnan(sets["titanic"]["fit"]).any()

cases = {}


def add(name, data, est, attrs=(), inverse=False, new=True, fit_rows=True):
    X, Xn = sets[data]["fit"], sets[data]["new"]
    est.fit(X)
    c = {"data": data}
    if fit_rows:  # (variants check the new rows only: the fixture stays small)
        c["out_fit"] = sketch(est.transform(X))
    if new:
        c["out_new"] = sketch(est.transform(Xn))
    for a in attrs:
        c[a] = np.asarray(getattr(est, a + "_"), dtype=np.float64)
    if inverse:
        c["inverse_new"] = sketch(est.inverse_transform(est.transform(Xn)))
    cases[name] = c


for data in ("titanic", "telco"):
    add(f"standard_{data}", data, P.StandardScaler(), ("mean", "var", "scale"), inverse=True)
    add(f"standard_nomean_{data}", data, P.StandardScaler(with_mean=False), ("scale",), fit_rows=False)
    add(f"minmax_{data}", data, P.MinMaxScaler(), ("data_min", "data_max", "scale", "min"), inverse=True)
    add(f"minmax_clip_{data}", data, P.MinMaxScaler(feature_range=(-1, 2), clip=True), ("scale", "min"), fit_rows=False)
    add(f"robust_{data}", data, P.RobustScaler(), ("center", "scale"), inverse=True)
    add(f"robust_q_{data}", data, P.RobustScaler(quantile_range=(10, 90), unit_variance=True), ("center", "scale"), fit_rows=False)
    add(f"robust_nocenter_{data}", data, P.RobustScaler(with_centering=False), ("scale",), fit_rows=False)
    add(f"maxabs_{data}", data, P.MaxAbsScaler(), ("max_abs", "scale"), inverse=True)
    for strategy in ("mean", "median", "most_frequent"):
        add(f"simple_{strategy}_{data}", data, impute.SimpleImputer(strategy=strategy), ("statistics",))
    add(f"simple_constant_{data}", data, impute.SimpleImputer(strategy="constant", fill_value=-1.5), ("statistics",), fit_rows=False)
    add(f"simple_indicator_{data}", data, impute.SimpleImputer(strategy="median", add_indicator=True))
    add(f"indicator_{data}", data, impute.MissingIndicator(), new=False)
    add(f"indicator_all_{data}", data, impute.MissingIndicator(features="all"))
    add(f"power_{data}", data, P.PowerTransformer(), ("lambdas",), inverse=True)
    add(f"power_nostd_{data}", data, P.PowerTransformer(standardize=False), ("lambdas",))
    add(f"knn_{data}", data + "_jitter", impute.KNNImputer(n_neighbors=5))
    # (scikit-learn 1.2's KNNImputer leaves the indicator columns out when X has no missing
    # cell, a bug Tide does not copy: these blocks all have missing cells)
    add(f"knn_distance_{data}", data + "_jitter", impute.KNNImputer(n_neighbors=3, weights="distance", add_indicator=True),
        new=np.isnan(sets[data]["new"]).any())

# Outlier rules (not in scikit-learn): NumPy transcription. Bounds from the fit rows, applied
# to the new rows: flags, clipped values, rows kept by drop (1-based), counts per column.
def outliers(X, Xn, method):
    if method == "iqr":
        q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    else:
        m, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        lo, hi = m - 3 * sd, m + 3 * sd
    with np.errstate(invalid="ignore"):
        low, high = Xn < lo, Xn > hi
    flags = low | high
    return {"lower": lo, "upper": hi, "flags": sketch(flags), "clipped": sketch(np.where(low, lo, np.where(high, hi, Xn))),
            "kept": (np.flatnonzero(~flags.any(axis=1)) + 1).astype(np.float64),
            "below": low.sum(axis=0).astype(np.float64), "above": high.sum(axis=0).astype(np.float64)}


for data in ("titanic", "telco"):
    for method in ("iqr", "zscore"):
        c = outliers(sets[data]["fit"], sets[data]["new"], method)
        c["data"] = data
        cases[f"outliers_{method}_{data}"] = c

# KBinsDiscretizer rejects NaN: the columns without missing cells (k-means on the continuous
# ones: on Titanic's 1/2/3 columns its empty-cluster relocation picks among tied points in
# NumPy's unspecified argpartition order)
for data, cols, kcols in (("titanic", [0, 2, 3, 4], [4]), ("telco", [0, 1], [0, 1])):
    for strategy in ("uniform", "quantile", "kmeans"):
        use = kcols if strategy == "kmeans" else cols
        X, Xn = sets[data]["fit"][:, use], sets[data]["new"][:, use]
        for encode, nb in (("ordinal", 4), ("onehot-dense", 3)):
            est = P.KBinsDiscretizer(n_bins=nb, encode=encode, strategy=strategy).fit(X)
            c = {"data": data, "columns": [j + 1 for j in use], "n_bins": nb, "out_new": sketch(est.transform(Xn)),
                 "edges": np.concatenate(est.bin_edges_), "n_bins_": est.n_bins_.astype(np.float64)}
            if encode == "ordinal":
                c["out_fit"] = sketch(est.transform(X))
                c["inverse"] = sketch(est.inverse_transform(est.transform(Xn)))
            cases[f"kbins_{strategy}_{encode.split('-')[0]}_{data}"] = c

# Normalizer rejects NaN: rows without missing cells
for data in ("titanic", "telco"):
    for norm in ("l1", "l2", "max"):
        X = sets[data]["fit"]
        rows = np.flatnonzero(~np.isnan(X).any(axis=1))[:40]
        cases[f"normalizer_{norm}_{data}"] = {"rows": (rows + 1).astype(np.float64),
                                              "out": sketch(P.Normalizer(norm=norm).fit_transform(X[rows]))}

# a column with no value at fit is dropped by SimpleImputer (mean / median / most_frequent):
# Titanic's first 20 fit rows with column 3 all missing
E = sets["titanic"]["fit"][:20].copy()
E[:, 2] = np.nan
cases["simple_empty_column"] = {"out": sketch(impute.SimpleImputer().fit_transform(E)),
                                "out_constant": sketch(impute.SimpleImputer(strategy="constant").fit_transform(E))}

fixture = {"sklearn_version": sklearn.__version__, "sources": sources, "jitter": jitter}
fixture.update(cases)
write_fixture(os.path.join(here, "..", "fixtures", "preprocess.lua"), fixture, "tests/gen/gen_preprocess.py")

# ---------------------------------------------------------------- encoders (second fixture)
# Categorical columns (the spec reads them as Lua arrays, missing -> false): Titanic Sex,
# Embarked (2 missing), Pclass (numbers); Telco gender, Contract, PaymentMethod, InternetService.
tc = titanic[["Sex", "Embarked", "Pclass"]]
kc = telco[["gender", "Contract", "PaymentMethod", "InternetService"]]
# (Titanic's missing Embarked cells are rows 62 and 830, 1-based: row 62 is in the fit rows)
cat_sets = {
    "titanic": {"names": list(tc.columns), "fit": tc.iloc[0:120], "new": tc.iloc[120:170]},
    "telco": {"names": list(kc.columns), "fit": kc.iloc[0:120], "new": kc.iloc[120:170]},
}
assert tc.iloc[0:120]["Embarked"].isna().any()
enc = {"sources": {
    "titanic": {"file": "titanic/train.csv", "columns": list(tc.columns), "fit": [1, 120], "new": [121, 170]},
    "telco": {"file": "telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv", "columns": list(kc.columns),
              "fit": [1, 120], "new": [121, 170]},
}}


def to_obj(df):
    return df.astype(object).where(df.notna(), np.nan).to_numpy()


def add_enc(name, data, est, unknown=None):
    X, Xn = to_obj(cat_sets[data]["fit"]), to_obj(cat_sets[data]["new"])
    est.fit(X)
    c = {"data": data, "out_fit": sketch(est.transform(X)), "out_new": sketch(est.transform(Xn))}
    if hasattr(est, "get_feature_names_out") and isinstance(est, P.OneHotEncoder):
        c["names"] = list(est.get_feature_names_out(cat_sets[data]["names"]))
    if isinstance(est, P.OneHotEncoder):
        # the cells where inverse_transform(transform(new rows)) differs from the new rows:
        # {row, column, value} (1-based; false for None / NaN)
        inv = est.inverse_transform(est.transform(Xn))
        diff = []
        for i in range(inv.shape[0]):
            for j in range(inv.shape[1]):
                a, b = inv[i, j], Xn[i, j]
                a_na = a is None or (isinstance(a, float) and np.isnan(a))
                b_na = b is None or (isinstance(b, float) and np.isnan(b))
                if a_na != b_na or (not a_na and a != b):
                    diff.append([i + 1, j + 1, False if a_na else a])
        c["inverse_diff"] = diff
    if unknown is not None:  # the first 5 new rows with column 1 set to `unknown`
        U = Xn[:5].copy()
        U[:, 0] = unknown
        c["unknown"] = unknown
        c["out_unknown"] = sketch(est.transform(U))
    enc[name] = c


for data in ("titanic", "telco"):
    add_enc(f"onehot_{data}", data, P.OneHotEncoder(sparse_output=False))
    add_enc(f"onehot_first_{data}", data, P.OneHotEncoder(sparse_output=False, drop="first"))
    add_enc(f"onehot_binary_{data}", data, P.OneHotEncoder(sparse_output=False, drop="if_binary"))
    add_enc(f"onehot_ignore_{data}", data, P.OneHotEncoder(sparse_output=False, handle_unknown="ignore"), unknown="ZZ")
    add_enc(f"onehot_minfreq_{data}", data, P.OneHotEncoder(sparse_output=False, min_frequency=15,
                                                            handle_unknown="infrequent_if_exist"), unknown="ZZ")
    add_enc(f"onehot_minfrac_{data}", data, P.OneHotEncoder(sparse_output=False, min_frequency=0.2))
    add_enc(f"onehot_maxcat_{data}", data, P.OneHotEncoder(sparse_output=False, max_categories=2,
                                                           handle_unknown="infrequent_if_exist", drop="first"), unknown="ZZ")
    add_enc(f"ordinal_{data}", data, P.OrdinalEncoder())
    add_enc(f"ordinal_unknown_{data}", data, P.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
            unknown="ZZ")


# TargetEncoder: scikit-learn 1.2 has none; this is a NumPy transcription of scikit-learn 1.3's
# definition (sklearn/preprocessing/_target_encoder.py and _target_encoder_fast.pyx) with Tide's
# fold assignment (splitmix64 + Fisher-Yates shuffle, KFold fold sizes).
M64 = (1 << 64) - 1


def folds(n, k, shuffle, seed):
    order = list(range(n))
    if shuffle:
        state = seed

        def nxt():
            nonlocal state
            state = (state + 0x9E3779B97F4A7C15) & M64
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            return z ^ (z >> 31)

        for i in range(n - 1, 0, -1):
            j = nxt() % (i + 1)
            order[i], order[j] = order[j], order[i]
    fold, pos = [0] * n, 0
    for f in range(k):
        size = n // k + (1 if f < n % k else 0)
        for t in range(pos, pos + size):
            fold[order[t]] = f
        pos += size
    return np.array(fold)


def key(v):
    return "\0nan" if v is None or (isinstance(v, float) and np.isnan(v)) else v


def te_encodings(col, y, smooth):
    """{category: encoding}, y_mean from rows (col, y): _fit_encoding_fast(_auto_smooth)."""
    y_mean = np.mean(y)
    cats = {}
    for v, t in zip(col, y):
        cats.setdefault(key(v), []).append(t)
    enc = {}
    if smooth == "auto":
        y_var = np.var(y)
        for c, ys in cats.items():
            cnt, mean = 0.0, 0.0
            for t in ys:
                cnt += 1.0
                mean += (t - mean) / cnt
            ssd = sum((t - mean) ** 2 for t in ys)
            lam = y_var * cnt / (y_var * cnt + ssd / cnt)
            enc[c] = y_mean if np.isnan(lam) else lam * mean + (1 - lam) * y_mean
    else:
        for c, ys in cats.items():
            enc[c] = (sum(ys) + smooth * y_mean) / (len(ys) + smooth)
    return enc, y_mean


def target_encode(X, y, Xn, smooth="auto", cv=5, shuffle=True, seed=0):
    n, d = X.shape
    fit_tr = np.empty((n, d))
    fold = folds(n, cv, shuffle, seed)
    for f in range(cv):
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        for j in range(d):
            enc, m = te_encodings(X[tr, j], y[tr], smooth)
            fit_tr[te, j] = [enc.get(key(v), m) for v in X[te, j]]
    new = np.empty((Xn.shape[0], d))
    for j in range(d):
        enc, m = te_encodings(X[:, j], y, smooth)
        new[:, j] = [enc.get(key(v), m) for v in Xn[:, j]]
    return fit_tr, new


ys = {"titanic": titanic["Survived"].to_numpy(np.float64),
      "telco": (telco["Churn"] == "Yes").to_numpy(np.float64)}
ys_cont = {"titanic": titanic["Fare"].to_numpy(np.float64), "telco": telco["MonthlyCharges"].to_numpy(np.float64)}
y_sources = {("titanic", "binary"): {"file": "titanic/train.csv", "column": "Survived"},
             ("telco", "binary"): {"file": "telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv", "column": "Churn",
                                   "equals": "Yes"},
             ("titanic", "continuous"): {"file": "titanic/train.csv", "column": "Fare"},
             ("telco", "continuous"): {"file": "telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv",
                                       "column": "MonthlyCharges"}}
for data in ("titanic", "telco"):
    X, Xn = to_obj(cat_sets[data]["fit"]), to_obj(cat_sets[data]["new"])
    n = X.shape[0]
    off = cat_sets[data]["fit"].index[0]
    for kind, yy in (("binary", ys[data]), ("continuous", ys_cont[data])):
        y = yy[off:off + n]
        for smooth in ("auto", 10.0):
            ft, nw = target_encode(X, y, Xn, smooth=smooth, seed=42)
            y_src = dict(y_sources[(data, kind)], rows=[off + 1, off + n])
            enc[f"target_{kind}_{smooth}_{data}".replace(".", "_")] = {"data": data, "y": y_src, "smooth": smooth,
                                                                        "fit_transform": sketch(ft), "out_new": sketch(nw)}
# Pipeline + ColumnTransformer on Titanic rows 0..79 (fit) and 80..109 (new): numeric columns
# imputed (median) and scaled, Sex / Embarked one-hot, SibSp passed through (remainder).
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

frame_cols = ["Pclass", "Age", "SibSp", "Fare", "Sex", "Embarked"]
fr_fit, fr_new = titanic[frame_cols].iloc[0:80], titanic[frame_cols].iloc[80:110]
assert fr_fit["Embarked"].isna().any() or True
ct = ColumnTransformer([
    ("num", Pipeline([("impute", impute.SimpleImputer(strategy="median")), ("scale", P.StandardScaler())]), ["Age", "Fare"]),
    ("mm", P.MinMaxScaler(), ["Pclass"]),
    ("cat", P.OneHotEncoder(sparse_output=False, handle_unknown="ignore"), ["Sex", "Embarked"]),
], remainder="passthrough")
ct.fit(fr_fit)
enc["column_transformer"] = {
    "source": {"file": "titanic/train.csv", "columns": frame_cols, "fit": [1, 80], "new": [81, 110]},
    "out_fit": sketch(ct.transform(fr_fit)), "out_new": sketch(ct.transform(fr_new)),
}
enc["folds_12_5_0"] = folds(12, 5, True, 0) + 1

write_fixture(os.path.join(here, "..", "fixtures", "preprocess_encode.lua"), enc, "tests/gen/gen_preprocess.py")
