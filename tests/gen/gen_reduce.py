"""Reference values for tests/lua/reduce_spec.lua: reductions (sum, mean, prod, var, std, norm,
logsumexp, amax, amin, count_nonzero, any, all) over each dim, several dims and all dims, with
keepdim; cumsum / cumprod; max / argmax with ties (first occurrence, like NumPy); stable sort
with ties and NaN (NaN last ascending, first descending), topk, kthvalue, lower median; unique
with inverse and counts — computed by NumPy.

A case is {input = name of an array in `inputs`, op =, args = {dim =, keepdim =, ...},
expected = array [, indices = array], view = "t" (optional: the spec transposes dims 1 and 3
of the input first, a non-contiguous view)}. Dims and indices are 1-based as in Lua.

Run: /usr/bin/python3 tests/gen/gen_reduce.py   (writes tests/fixtures/reduce.lua)
"""
import math
import os

import numpy as np

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261125)

inputs = {
    # multiples of 1/8: float32 sums are exact
    "A": (rng.integers(-16, 17, size=(2, 3, 4)) / 8).astype(np.float32),
    "B": rng.standard_normal((3, 2, 5)).astype(np.float64),
    "P": rng.uniform(0.5, 1.5, size=(2, 3, 4)).astype(np.float32),  # products stay moderate
    "I": rng.integers(-3, 4, size=(4, 5)).astype(np.int32),  # many ties
    "Q": rng.integers(0, 2, size=(3, 4)).astype(bool),
    "T": np.array([[3, 1, 2, 1, 3, np.nan, 2, 1],
                   [0, 0, 5, np.nan, -1, 5, np.nan, 0],
                   [2, 2, 2, 2, 2, 2, 2, 2]], dtype=np.float32),
    "U": np.array([3, 1, 2, 3, np.nan, 1, 7, np.nan, 2, 2], dtype=np.float64),
    "L": np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf]], dtype=np.float64),
}

cases = {}


def axes(dim, nd):
    """1-based dim / list of dims -> NumPy axis tuple (None: all)."""
    if dim is None:
        return None
    if isinstance(dim, int):
        dim = [dim]
    return tuple(d - 1 if d > 0 else nd + d for d in dim)


def view_of(x, view):
    return np.swapaxes(x, 0, 2) if view == "t" else x


def add(name, inp, op, expected, args=None, view=None, indices=None):
    c = {"input": inp, "op": op, "args": args or {}, "expected": np.asarray(expected)}
    if indices is not None:
        c["indices"] = np.asarray(indices, dtype=np.int64)
    if view:
        c["view"] = view
    cases[name] = c


def lse(x, ax, keepdims):
    m = np.max(x, axis=ax, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(x - m), axis=ax, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=ax) if ax is not None else r.reshape(())


REDUCERS = {
    "sum": lambda x, ax, k: np.sum(x.astype(np.float64), axis=ax, keepdims=k),
    "mean": lambda x, ax, k: np.mean(x.astype(np.float64), axis=ax, keepdims=k),
    "prod": lambda x, ax, k: np.prod(x.astype(np.float64), axis=ax, keepdims=k),
    "var": lambda x, ax, k: np.var(x.astype(np.float64), axis=ax, keepdims=k, ddof=1),
    "std": lambda x, ax, k: np.std(x.astype(np.float64), axis=ax, keepdims=k, ddof=1),
    "norm": lambda x, ax, k: np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=ax, keepdims=k)),
    "amax": lambda x, ax, k: np.amax(x, axis=ax, keepdims=k),
    "amin": lambda x, ax, k: np.amin(x, axis=ax, keepdims=k),
    "logsumexp": lambda x, ax, k: lse(x.astype(np.float64), ax, k),
    "count_nonzero": lambda x, ax, k: np.count_nonzero(x, axis=ax, keepdims=k),
}

# every reducer over single dims, two dims, all dims (a number), with and without keepdim
for op, f in REDUCERS.items():
    inp = "P" if op == "prod" else "A"
    x = inputs[inp]
    for dim in (1, 2, 3, -1, [1, 3], [2, 3], None):
        for keep in (False, True):
            if keep and dim not in (2, [1, 3], None):
                continue
            ax = axes(dim, 3)
            dname = "all" if dim is None else (str(dim).replace("-", "m") if isinstance(dim, int) else "_".join(map(str, dim)))
            args = {"keepdim": keep}
            if dim is not None:
                args["dim"] = dim
            add(f"{op}_{inp}_{dname}{'_keep' if keep else ''}", inp, op, f(x, ax, keep), args)
    # the transposed (non-contiguous) view
    for dim in (1, 3, [1, 2]):
        ax = axes(dim, 3)
        dname = str(dim) if isinstance(dim, int) else "_".join(map(str, dim))
        add(f"{op}_{inp}_t_{dname}", inp, op, f(view_of(x, "t"), ax, False), {"dim": dim}, view="t")

# float64 input, var/std without correction, other norms
B = inputs["B"]
for dim in (1, 2, 3, None):
    ax = axes(dim, 3)
    dn = "all" if dim is None else str(dim)
    a = {} if dim is None else {"dim": dim}
    add(f"sum_B_{dn}", "B", "sum", np.sum(B, axis=ax), a)
    add(f"mean_B_{dn}", "B", "mean", np.mean(B, axis=ax), a)
    add(f"var0_B_{dn}", "B", "var", np.var(B, axis=ax, ddof=0), dict(a, correction=0))
    add(f"std0_B_{dn}", "B", "std", np.std(B, axis=ax, ddof=0), dict(a, unbiased=False))
    for p, pn in ((1, "1"), (3, "3"), (math.inf, "inf"), (-math.inf, "minf"), (0, "0"), (0.5, "half")):
        if p == math.inf:
            r = np.max(np.abs(B), axis=ax)
        elif p == -math.inf:
            r = np.min(np.abs(B), axis=ax)
        elif p == 0:
            r = np.asarray(np.count_nonzero(B, axis=ax), dtype=np.float64)
        else:
            r = np.sum(np.abs(B) ** p, axis=ax) ** (1 / p)
        add(f"norm{pn}_B_{dn}", "B", "norm", r, dict(a, p=p))
    add(f"normfro_B_{dn}", "B", "norm", np.sqrt(np.sum(B * B, axis=ax)), dict(a, p="fro"))

# integers and bools: sums are int64; any / all / count_nonzero
I, Q = inputs["I"], inputs["Q"]
for dim in (1, 2, None):
    ax = axes(dim, 2)
    dn = "all" if dim is None else str(dim)
    a = {} if dim is None else {"dim": dim}
    add(f"sum_I_{dn}", "I", "sum", np.sum(I.astype(np.int64), axis=ax), a)
    add(f"prod_I_{dn}", "I", "prod", np.prod(I.astype(np.int64), axis=ax), a)
    add(f"sum_Q_{dn}", "Q", "sum", np.sum(Q, axis=ax), a)
    add(f"any_Q_{dn}", "Q", "any", np.any(Q, axis=ax), a)
    add(f"all_Q_{dn}", "Q", "all", np.all(Q, axis=ax), a)
    add(f"amax_I_{dn}", "I", "amax", np.amax(I, axis=ax), a)
    add(f"count_nonzero_I_{dn}", "I", "count_nonzero", np.count_nonzero(I, axis=ax), a)
add("mean_I_all", "I", "mean", np.mean(I.astype(np.float64)), {})
add("logsumexp_L_2", "L", "logsumexp", lse(inputs["L"], 1, False), {"dim": 2})

# max / min along a dim with the first index of ties, argmax / argmin (per dim and flattened)
for name, fv, fi in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
    for dim in (1, 2):
        ax = dim - 1
        add(f"{name}_I_{dim}", "I", name, fv(I, axis=ax), {"dim": dim}, indices=fi(I, axis=ax) + 1)
        add(f"arg{name}_I_{dim}", "I", "arg" + name, fi(I, axis=ax) + 1, {"dim": dim})
    add(f"{name}_T_2", "T", name, fv(inputs["T"], axis=1), {"dim": 2}, indices=fi(inputs["T"], axis=1) + 1)
    add(f"arg{name}_I_all", "I", "arg" + name, np.int64(fi(I) + 1), {})
    add(f"{name}_I_all", "I", name, fv(I), {})
    add(f"{name}_A_t_1", "A", name, fv(view_of(inputs["A"], "t"), axis=0), {"dim": 1}, view="t",
        indices=fi(view_of(inputs["A"], "t"), axis=0) + 1)

# scans
A = inputs["A"]
for dim in (1, 2, 3):
    add(f"cumsum_A_{dim}", "A", "cumsum", np.cumsum(A.astype(np.float64), axis=dim - 1), {"dim": dim})
    add(f"cumsum_A_t_{dim}", "A", "cumsum", np.cumsum(view_of(A, "t").astype(np.float64), axis=dim - 1), {"dim": dim},
        view="t")
    add(f"cumprod_P_{dim}", "P", "cumprod", np.cumprod(inputs["P"].astype(np.float64), axis=dim - 1), {"dim": dim})
add("cumsum_I_2", "I", "cumsum", np.cumsum(I.astype(np.int64), axis=1), {"dim": 2})


# sorting: stable, NaN largest (last ascending, first descending)
def order(row, descending):
    def key(i):
        v = row[i]
        nan = v != v
        if descending:
            return (0 if nan else 1, 0 if nan else -v, i)
        return (1 if nan else 0, 0 if nan else v, i)
    return sorted(range(len(row)), key=key)


def sort_along(x, dim, descending):
    xm = np.moveaxis(x, dim - 1, -1)
    idx = np.empty(xm.shape, dtype=np.int64)
    for pos in np.ndindex(xm.shape[:-1]):
        idx[pos] = order(list(xm[pos]), descending)
    vals = np.take_along_axis(xm, idx, axis=-1)
    return np.moveaxis(vals, -1, dim - 1), np.moveaxis(idx, -1, dim - 1)


for inp in ("T", "I"):
    x = inputs[inp]
    for dim in (1, 2):
        for desc in (False, True):
            v, i = sort_along(x, dim, desc)
            add(f"sort_{inp}_{dim}{'_desc' if desc else ''}", inp, "sort", v, {"dim": dim, "descending": desc},
                indices=i + 1)
            if inp == "T" and dim == 2:
                for k in (0, 3, 8):
                    add(f"topk_T_{k}{'_largest' if desc else '_smallest'}", "T", "topk", v[:, :k],
                        {"k": k, "dim": 2, "largest": desc}, indices=i[:, :k] + 1)
    v, i = sort_along(x, 1, False)
    add(f"kthvalue_{inp}_2", inp, "kthvalue", v[1], {"k": 2, "dim": 1}, indices=i[1] + 1)
v, i = sort_along(inputs["I"], 2, False)
n = inputs["I"].shape[1]
add("median_I_2", "I", "median", v[:, (n - 1) // 2], {"dim": 2}, indices=i[:, (n - 1) // 2] + 1)
add("median_I_all", "I", "median", np.sort(inputs["I"].ravel())[(inputs["I"].size - 1) // 2], {})
Tm = inputs["T"]
med_v, med_i = [], []
for row in Tm:
    nan = [j for j in range(len(row)) if row[j] != row[j]]
    if nan:
        med_v.append(np.nan)
        med_i.append(nan[0] + 1)
    else:
        o = order(list(row), False)
        med_v.append(row[o[(len(row) - 1) // 2]])
        med_i.append(o[(len(row) - 1) // 2] + 1)
add("median_T_2", "T", "median", np.array(med_v, dtype=np.float32), {"dim": 2}, indices=med_i)

# unique over the flattened tensor; NaNs collapse into one (NumPy >= 1.24's equal_nan)
for inp in ("U", "I"):
    vals, inv, cnt = np.unique(inputs[inp], return_inverse=True, return_counts=True)
    cases[f"unique_{inp}"] = {"input": inp, "op": "unique", "args": {}, "expected": vals,
                              "inverse": (inv.reshape(inputs[inp].shape) + 1).astype(np.int64),
                              "counts": cnt.astype(np.int64)}

write_fixture(os.path.join(here, "..", "fixtures", "reduce.lua"),
              {"inputs": inputs, "cases": cases}, "tests/gen/gen_reduce.py")
print(f"{len(cases)} cases")
