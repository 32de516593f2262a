"""Reference values for tests/lua/index_spec.lua: cat, stack, split, chunk, gather, scatter,
scatter_add, index_select, index_add_, masked_select, nonzero, take and put_ — computed by NumPy,
with non-contiguous inputs (a case's `xv = "t"` means: take the stored array transposed, last two
dims swapped, as a view). Index values are stored 1-based, as Lua passes them; dims are 1-based.

Run: /usr/bin/python3 tests/gen/gen_index.py   (writes tests/fixtures/index.lua)
"""
import os

import numpy as np

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1124)


def vals(shape, dtype="float32"):
    return rng.integers(-9, 10, size=shape).astype(dtype)


def idx(low, high, shape):
    return rng.integers(low, high, size=shape).astype(np.int64)


def T(x):
    return np.swapaxes(x, -1, -2)


cases = {}

# ---------------------------------------------------------------- cat / stack
a, b, c = vals((2, 3)), vals((1, 3)), vals((2, 2))
cases["cat_dim1"] = {"xs": [a, b], "dim": 1, "expected": np.concatenate([a, b], 0)}
d = vals((2, 1))
cases["cat_dim2"] = {"xs": [a, c, d], "dim": 2, "expected": np.concatenate([a, c, d], 1)}
bt = vals((2, 3))  # used transposed: [3, 2]
e = vals((3, 2))
cases["cat_noncontig"] = {"xs": [bt, e], "views": ["t", ""], "dim": 2, "expected": np.concatenate([bt.T, e], 1)}
i64 = vals((2, 2), "int64")
cases["cat_mixed"] = {"xs": [i64, c], "dim": 1, "dtype": "float32",
                      "expected": np.concatenate([i64.astype(np.float32), c], 0)}
p, q = vals((2, 2, 3)), vals((2, 1, 3))
cases["cat_3d"] = {"xs": [p, q], "dim": 2, "expected": np.concatenate([p, q], 1)}
s1, s2, s3 = vals((2, 3)), vals((2, 3)), vals((3, 2))
for dim in (1, 2, 3):
    cases[f"stack_dim{dim}"] = {"xs": [s1, s2, s3], "views": ["", "", "t"], "dim": dim,
                                "expected": np.stack([s1, s2, s3.T], dim - 1)}

# ---------------------------------------------------------------- split / chunk
ar = np.arange(10, dtype=np.float32)
cases["split_size"] = {"x": ar, "size": 3, "dim": 1, "expected": np.split(ar, [3, 6, 9])}
cases["split_sizes"] = {"x": ar, "size": [2, 5, 3], "dim": 1, "expected": np.split(ar, [2, 7])}
m = vals((5, 2))  # used transposed: [2, 5]
cases["split_noncontig"] = {"x": m, "xv": "t", "size": 2, "dim": 2, "expected": np.split(m.T, [2, 4], 1)}
m7 = vals((2, 7))
cases["chunk"] = {"x": m7, "n": 3, "dim": 2, "expected": np.split(m7, [3, 6], 1)}
cases["chunk_even"] = {"x": m7, "n": 2, "dim": 1, "expected": np.split(m7, [1], 0)}

# ---------------------------------------------------------------- gather / scatter
g = vals((3, 4, 5))
gi = idx(0, 3, (2, 4, 3))
cases["gather_dim1"] = {"x": g, "dim": 1, "index": gi + 1, "expected": np.take_along_axis(g[:, :, :3], gi, 0)}
gi2 = idx(0, 4, (3, 6, 5))
cases["gather_dim2"] = {"x": g, "dim": 2, "index": gi2 + 1, "expected": np.take_along_axis(g, gi2, 1)}
gi3 = idx(0, 5, (3, 4, 2))
cases["gather_dim3"] = {"x": g, "dim": 3, "index": gi3 + 1, "expected": np.take_along_axis(g, gi3, 2)}
gt = vals((5, 4))  # used transposed: [4, 5]
git = idx(0, 5, (3, 4))  # used transposed: [4, 3]
cases["gather_noncontig"] = {"x": gt, "xv": "t", "dim": 2, "index": git + 1, "iv": "t",
                             "expected": np.take_along_axis(gt.T, git.T, 1)}


def scatter(x, dim, index, src, add=False):
    out = x.copy()
    for p in np.ndindex(index.shape):
        tgt = list(p)
        tgt[dim] = index[p]
        v = src[p] if isinstance(src, np.ndarray) else src
        if add:
            out[tuple(tgt)] += v
        else:
            out[tuple(tgt)] = v
    return out


z = vals((3, 5))
src = vals((2, 5))
si = np.array([[0, 1, 2, 0, 1], [2, 0, 1, 1, 0]], dtype=np.int64)  # unique per column
cases["scatter_dim1"] = {"x": z, "dim": 1, "index": si + 1, "src": src, "expected": scatter(z, 0, si, src)}
si2 = np.array([[4, 0], [1, 3], [2, 2]], dtype=np.int64)[:, :1]  # one per row
cases["scatter_dim2_value"] = {"x": z, "dim": 2, "index": si2 + 1, "value": 7.5,
                               "expected": scatter(z, 1, si2, 7.5)}
sa = idx(0, 3, (4, 5))
srca = vals((4, 6))
cases["scatter_add_dup"] = {"x": z, "dim": 1, "index": sa + 1, "src": srca,
                            "expected": scatter(z, 0, sa, srca, add=True)}
zt = vals((5, 3))  # used transposed
cases["scatter_add_noncontig"] = {"x": zt, "xv": "t", "dim": 2, "index": idx(0, 5, (3, 4)) + 1, "src": vals((3, 4))}
c_ = cases["scatter_add_noncontig"]
c_["expected"] = scatter(zt.T, 1, c_["index"] - 1, c_["src"], add=True)
zi = vals((3, 5), "int64")
cases["scatter_add_int64"] = {"x": zi, "dim": 1, "index": sa[:, :5] + 1, "src": vals((4, 5), "int64"), }
c_ = cases["scatter_add_int64"]
c_["expected"] = scatter(zi, 0, sa[:, :5], c_["src"], add=True)

# ---------------------------------------------------------------- index_select / index_add_
h = vals((4, 3, 5))
for dim, n in ((1, 4), (2, 3), (3, 5)):
    ii = idx(0, n, (6,))
    cases[f"index_select_dim{dim}"] = {"x": h, "dim": dim, "index": ii + 1, "expected": np.take(h, ii, dim - 1)}
ht = vals((6, 4))  # used transposed: [4, 6]
ii = np.array([5, 0, 0, 3], dtype=np.int64)
cases["index_select_noncontig"] = {"x": ht, "xv": "t", "dim": 2, "index": ii + 1, "expected": np.take(ht.T, ii, 1)}
ia = np.array([2, 0, 2], dtype=np.int64)
base = vals((3, 4))
srcia = vals((3, 4))
exp = base.copy()
np.add.at(exp, ia, 2.0 * srcia)
cases["index_add"] = {"x": base, "dim": 1, "index": ia + 1, "src": srcia, "alpha": 2.0, "expected": exp}

# ---------------------------------------------------------------- masks, nonzero, take, put
mm = vals((2, 3))
mask = np.array([True, False, True])
cases["masked_select_bcast"] = {"x": mm, "mask": mask, "expected": mm[np.broadcast_to(mask, mm.shape)]}
mt = vals((3, 2))  # used transposed: [2, 3]
mask2 = vals((2, 3)) > 0
cases["masked_select_noncontig"] = {"x": mt, "xv": "t", "mask": mask2, "expected": mt.T[mask2]}
nz = (vals((3, 4)) > 2).astype(np.float32)
cases["nonzero_2d"] = {"x": nz, "expected": np.argwhere(nz) + 1}
nz3 = (vals((2, 3, 4)) > 3).astype(np.int32)
cases["nonzero_3d"] = {"x": nz3, "expected": np.argwhere(nz3) + 1}
nzt = (vals((4, 3)) > 0).astype(np.float64)  # used transposed
cases["nonzero_noncontig"] = {"x": nzt, "xv": "t", "expected": np.argwhere(nzt.T) + 1}
tk = vals((3, 4))
ti = idx(0, 12, (2, 3))
cases["take"] = {"x": tk, "index": ti + 1, "expected": np.take(tk, ti)}
cases["take_noncontig"] = {"x": tk, "xv": "t", "index": ti + 1, "expected": np.take(tk.T, ti)}
pu = tk.copy()
pi = np.array([0, 5, 11, 5], dtype=np.int64)
ps = vals((4,))
exp = pu.copy().ravel()
np.add.at(exp, pi, ps)
cases["put_accumulate"] = {"x": pu, "index": pi + 1, "src": ps, "expected": exp.reshape(3, 4)}

write_fixture(os.path.join(here, "..", "fixtures", "index.lua"), cases, "tests/gen/gen_index.py")
