"""Reference values for tests/lua/stats_spec.lua (tide.stats) from pandas / scipy / NumPy.

Run with /usr/bin/python3 from the repository root; writes tests/fixtures/stats.lua.
Data: a few Titanic columns (first 120 rows, as read by pandas) plus small hand-made cases. The
fixture records where the Titanic rows come from, never the rows themselves (the data set's licence
forbids copying it); tests/lua/shared_rows.lua reads them back from ../shared/data.
"""
import math
import os
import sys

import numpy as np
import pandas as pd
import scipy.stats

sys.path.insert(0, os.path.dirname(__file__))
from fixture_writer import write_fixture  # noqa: E402

TITANIC = "/work/shared/data/titanic/train.csv"
df = pd.read_csv(TITANIC).head(120)
num = df[["Age", "Fare", "SibSp", "Parch", "Pclass"]].astype("float64")
X = num.to_numpy()

cases = {}
cases["titanic"] = {"file": "titanic/train.csv", "columns": list(num.columns), "rows": [1, 120]}
cases["skew"] = num.skew().to_numpy()
cases["kurt"] = num.kurt().to_numpy()
qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
cases["q"] = qs
cases["quantiles"] = num.quantile(qs).to_numpy()          # [len(qs), d]
cases["pearson"] = num.corr(method="pearson").to_numpy()
cases["spearman"] = num.corr(method="spearman").to_numpy()

# IQR and z-score outlier counts per column (NaN skipped)
iqr_counts, z_counts = [], []
for c in num.columns:
    v = num[c].dropna().to_numpy()
    q1, q3 = np.quantile(v, [0.25, 0.75])
    r = q3 - q1
    iqr_counts.append(int(((v < q1 - 1.5 * r) | (v > q3 + 1.5 * r)).sum()))
    z = np.abs(scipy.stats.zscore(v))
    z_counts.append(int((z > 3).sum()))
cases["iqr_counts"] = np.array(iqr_counts, dtype=np.int64)
cases["z_counts"] = np.array(z_counts, dtype=np.int64)

# A small column with ties and NaN for 1-d quantiles / skew / kurt
small = np.array([3.0, np.nan, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, np.nan, 3.5])
s = pd.Series(small)
cases["small"] = small
cases["small_skew"] = float(s.skew())
cases["small_kurt"] = float(s.kurt())
cases["small_q"] = np.quantile(small[~np.isnan(small)], [0.05, 0.33, 0.5, 0.77, 0.99])


# Cramér's V: codes 1..K (pandas categorical codes + 1; 0 for a missing cell)
def codes(series):
    c = pd.Categorical(series)
    return c.codes.astype(np.int64) + 1


def cramers_v(a, b, bias_correction):
    keep = (a > 0) & (b > 0)
    table = pd.crosstab(a[keep], b[keep]).to_numpy()
    chi2 = scipy.stats.chi2_contingency(table, correction=False)[0]
    n = table.sum()
    r, k = table.shape
    phi2 = chi2 / n
    if not bias_correction:
        return math.sqrt(phi2 / (min(r, k) - 1))
    phi2c = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    return math.sqrt(phi2c / min(kc - 1, rc - 1))


sex, pclass, embarked, survived = (codes(df[c]) for c in ["Sex", "Pclass", "Embarked", "Survived"])
cases["cramer"] = {
    "sex_survived": cramers_v(sex, survived, False),
    "sex_survived_bc": cramers_v(sex, survived, True),
    "pclass_embarked": cramers_v(pclass, embarked, False),
    "pclass_embarked_bc": cramers_v(pclass, embarked, True),
}
# scipy's own association() agrees with the uncorrected formula
keep = (pclass > 0) & (embarked > 0)
assert abs(scipy.stats.contingency.association(pd.crosstab(pclass[keep], embarked[keep]).to_numpy(), method="cramer")
           - cases["cramer"]["pclass_embarked"]) < 1e-14


# Correlation ratio (eta) of a categorical and a numeric column, NaN rows skipped
def eta(cat, y):
    keep = (cat > 0) & ~np.isnan(y)
    d = pd.DataFrame({"c": cat[keep], "y": y[keep]})
    mean = d["y"].mean()
    g = d.groupby("c")["y"]
    between = (g.count() * (g.mean() - mean) ** 2).sum()
    total = ((d["y"] - mean) ** 2).sum()
    return math.sqrt(between / total)


cases["eta"] = {"pclass_fare": eta(pclass, df["Fare"].to_numpy(float)),
                "embarked_age": eta(embarked, df["Age"].to_numpy(float))}

write_fixture("tests/fixtures/stats.lua", cases, "tests/gen/gen_stats.py")
