"""Reference values for tests/lua/frame_spec.lua from pandas: a seeded mixed-type frame
(string key with missing cells, small int key, float with NaN, int, bool, string names) and
what pandas gives for sort_values (several keys, mixed directions, missing last, stable),
groupby(...).agg (every aggregate, missing skipped), merge (inner / left, duplicate keys,
missing keys), value_counts, describe, and column reductions.

Row ids are 1-based (Tide's), written as the "id" column of each input.
Run: /usr/bin/python3 tests/gen/gen_frame.py   (writes tests/fixtures/frame.lua)
"""
import os

import numpy as np
import pandas as pd

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(4)
n = 120


def col(values):
    """A list with None for missing cells (NaN / None)."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif isinstance(v, (np.bool_, bool)):
            out.append(bool(v))
        elif isinstance(v, (np.integer,)):
            out.append(int(v))
        elif isinstance(v, (np.floating,)):
            out.append(float(v))
        else:
            out.append(v)
    return out


grp = rng.choice(["apple", "banana", "cherry", "date", "Épinard", ""], size=n).astype(object)
grp[rng.random(n) < 0.1] = None
k2 = rng.integers(0, 4, size=n)
x = np.round(rng.normal(10, 5, size=n), 3)
x[rng.random(n) < 0.15] = np.nan
y = rng.integers(-50, 50, size=n)
flag = rng.random(n) < 0.4
name = np.array([f"n{int(v):03d}" for v in rng.integers(0, 60, size=n)], dtype=object)
df = pd.DataFrame({"id": np.arange(1, n + 1), "grp": grp, "k2": k2, "x": x, "y": y, "flag": flag, "name": name})

cases = {}
cases["input"] = {c: col(df[c].tolist()) for c in df.columns}
cases["n"] = n

# sort_values
def order(d):
    return [int(v) for v in d["id"]]

cases["sort_x"] = order(df.sort_values("x", kind="stable"))
cases["sort_x_desc"] = order(df.sort_values("x", ascending=False, kind="stable"))
cases["sort_grp_x"] = order(df.sort_values(["grp", "x"], ascending=[True, False], kind="stable"))
cases["sort_k2_flag_name"] = order(df.sort_values(["k2", "flag", "name"], ascending=[False, True, True], kind="stable"))

# groupby
aggs = ["sum", "mean", "count", "min", "max", "std", "median", "first", "nunique", "var", "last"]
g = df.groupby(["grp", "k2"])
gres = {}
keys = list(g.size().index)  # sorted, missing keys dropped
gres["grp"] = [k[0] for k in keys]
gres["k2"] = [int(k[1]) for k in keys]
for a in aggs:
    for c in ["x", "y"]:
        r = g[c].agg(a)
        gres[f"{c}_{a}"] = col([r.loc[k] for k in keys])
for a in ["count", "nunique", "first", "last", "min", "max"]:
    r = g["name"].agg(a)
    gres[f"name_{a}"] = col([r.loc[k] for k in keys])
gres["size"] = [int(g.size().loc[k]) for k in keys]
cases["group"] = gres

# merge
m = 30
right = pd.DataFrame({"rid": np.arange(1, m + 1),
                      "grp": rng.choice(["apple", "banana", "date", "fig", None], size=m).astype(object),
                      "k2": rng.integers(0, 3, size=m),
                      "y": rng.integers(0, 9, size=m)})
cases["right"] = {c: col(right[c].tolist()) for c in right.columns}
for how in ["inner", "left", "right", "outer"]:
    for on in [["grp"], ["grp", "k2"]]:
        r = df.merge(right, on=on, how=how, sort=False)
        if how != "right":
            # pandas groups equal keys; Tide keeps left order (then, for outer, unmatched right rows)
            r = r.sort_values(["id", "rid"], kind="stable", na_position="last")
        cases[f"merge_{how}_{len(on)}"] = {"id": col(r["id"].tolist()), "rid": col(r["rid"].tolist()),
                                            "y_y": col(r["y_y"].tolist()), "y_x": col(r["y_x"].tolist()), "n": len(r),
                                            "grp": col(r["grp"].tolist())}

# value_counts (keys and counts, most frequent first)
vc = df["grp"].value_counts()
cases["vc_grp"] = {"keys": [str(k) for k in vc.index], "counts": [int(v) for v in vc.values]}
vc2 = df["k2"].value_counts()
cases["vc_k2"] = {"keys": [int(k) for k in vc2.index], "counts": [int(v) for v in vc2.values]}

# describe
d = df[["x", "y"]].describe()
cases["describe"] = {c: [float(v) for v in d[c].values] for c in d.columns}
cases["describe_stats"] = list(d.index)
do = df[["grp", "name"]].describe()
cases["describe_obj"] = {c: [str(v) for v in do[c].values] for c in do.columns}

# column reductions
cases["x_stats"] = {"mean": df.x.mean(), "std": df.x.std(), "var": df.x.var(), "median": df.x.median(),
                    "min": df.x.min(), "max": df.x.max(), "sum": df.x.sum(), "count": int(df.x.count()),
                    "nunique": int(df.x.nunique()), "q25": df.x.quantile(0.25), "q90": df.x.quantile(0.9)}
cases["grp_unique"] = col(list(df.grp.unique()))
cases["grp_nunique"] = int(df.grp.nunique())

# a CSV file read by both pandas and tide.frame.read_csv (missing cells, dates, quoting)
m = 40
people = pd.DataFrame({
    "city": rng.choice(["Oslo", "Rome", "Lima, PE", "Kyiv"], size=m).astype(object),
    "age": rng.integers(18, 80, size=m).astype(float),
    "income": np.round(rng.lognormal(10, 0.5, size=m), 2),
    "joined": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, size=m), unit="D"),
    "member": rng.random(m) < 0.5,
})
people.loc[rng.random(m) < 0.15, "age"] = np.nan
people.loc[rng.random(m) < 0.1, "city"] = None
csv_path = os.path.join(here, "..", "fixtures", "frame_people.csv")
people.to_csv(csv_path, index=False, date_format="%Y-%m-%d")
back = pd.read_csv(csv_path, parse_dates=["joined"])
gp = back.groupby("city")
cases["people"] = {
    "dtypes": [str(t) for t in back.dtypes],
    "cities": list(gp.size().index),
    "age_mean": col(gp["age"].mean().tolist()),
    "income_sum": col(gp["income"].sum().tolist()),
    "member_sum": [int(v) for v in gp["member"].sum().tolist()],
    "joined_max": [int(v.value) for v in gp["joined"].max().tolist()],
    "sorted_income": col(back.sort_values(["city", "age"], ascending=[False, True], kind="stable")["income"].tolist()),
    "describe_age": [float(v) for v in back["age"].describe().values],
}

write_fixture(os.path.join(here, "..", "fixtures", "frame.lua"), cases, "tests/gen/gen_frame.py (pandas " + pd.__version__ + ")")
