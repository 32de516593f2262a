"""Reference values for tests/lua/linalg_spec.lua and tests/c/test_linalg.c: matmul in every
shape combination (dot, gemv both ways, 2-d, batched, broadcast batch dims), transposed and
strided views, float64, integer and mixed dtypes, plus outer and addmm — computed by NumPy.

Inputs are multiples of 1/8 in [-2, 2], so float32 products and sums are exact and the expected
values are exact too. Matrix sizes mostly exceed the small-product threshold (M*N*K > 512) so
OpenBLAS is exercised; a few small cases cover the C loop. A case's `av` / `bv` names the view
the spec takes of the stored base array before the product:
  t      swap the last two dims (a transposed view; BLAS gets a trans flag, no copy)
  step2  every second element of the last dim (no BLAS layout: a contiguous copy is made)
  narrow the first `k` elements of the last dim (a leading dimension larger than the width)
  perm01 swap the first two (batch) dims

Run: /usr/bin/python3 tests/gen/gen_linalg.py   (writes tests/fixtures/linalg.lua)
"""
import os

import numpy as np

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)


def vals(shape, dtype="float32"):
    if dtype in ("float32", "float64"):
        return (rng.integers(-16, 17, size=shape) / 8).astype(dtype)
    if dtype == "uint8":
        return rng.integers(0, 200, size=shape).astype(dtype)
    return rng.integers(-5, 6, size=shape).astype(dtype)


def view(x, v, k=None):
    if v is None:
        return x
    if v == "t":
        return np.swapaxes(x, -1, -2)
    if v == "step2":
        return x[..., ::2]
    if v == "narrow":
        return x[..., :k]
    if v == "perm01":
        return np.swapaxes(x, 0, 1)
    raise ValueError(v)


def case(ashape, bshape, dtype="float32", av=None, bv=None, ak=None, bk=None, bdtype=None, rdtype=None):
    bdtype = bdtype or dtype
    a, b = vals(ashape, dtype), vals(bshape, bdtype)
    va, vb = view(a, av, ak), view(b, bv, bk)
    if np.dtype(dtype).kind in "iu" and np.dtype(bdtype).kind in "iu" and dtype == bdtype:
        expected = np.matmul(va, vb)  # integer arithmetic, wrapping like Tide's
    else:
        expected = np.matmul(va.astype(np.float64), vb.astype(np.float64))
    c = {"a": a, "b": b, "expected": np.asarray(expected), "rdtype": rdtype or dtype}
    if av:
        c["av"] = av
    if bv:
        c["bv"] = bv
    if ak:
        c["ak"] = ak
    if bk:
        c["bk"] = bk
    return c


matmul = {
    "mm_small": case((3, 4), (4, 5)),  # C loop
    "mm_blas": case((8, 9), (9, 8)),
    "mm_blas_f64": case((8, 9), (9, 8), "float64"),
    "dot_small": case((5,), (5,)),
    "dot_blas": case((520,), (520,)),
    "vm": case((9,), (9, 60)),
    "mv": case((60, 9), (9,)),
    "mv_ta": case((9, 60), (9,), av="t"),
    "vm_tb": case((9,), (60, 9), bv="t"),
    "bmm3": case((2, 8, 9), (2, 9, 8)),
    "bcast4": case((2, 1, 8, 9), (2, 9, 8)),
    "bcast4_f64": case((1, 2, 8, 9), (2, 1, 9, 8), "float64"),
    "fold": case((3, 8, 9), (9, 8)),
    "fold_tb": case((3, 8, 9), (8, 9), bv="t"),
    "fold_perm": case((2, 2, 8, 9), (9, 8), av="perm01"),
    "left2d_batched": case((8, 9), (2, 9, 8)),
    "vec_batched": case((9,), (2, 9, 8)),
    "batched_vec": case((2, 8, 9), (9,)),
    "ta": case((9, 8), (9, 8), av="t"),
    "tb": case((8, 9), (8, 9), bv="t"),
    "tab": case((9, 8), (8, 9), av="t", bv="t"),
    "tab_f64": case((9, 8), (8, 9), "float64", av="t", bv="t"),
    "step_a": case((8, 18), (9, 8), av="step2"),
    "step_b": case((8, 9), (9, 16), bv="step2"),
    "narrow_a": case((8, 12), (9, 8), av="narrow", ak=9),
    "narrow_b": case((8, 9), (9, 11), bv="narrow", bk=8),
    "batched_t": case((2, 9, 8), (2, 8, 9), av="t", bv="t"),
    "small_t": case((4, 3), (4, 2), av="t"),  # C loop with strides
    "int64": case((3, 4), (4, 5), "int64"),
    "int64_batched": case((2, 3, 4), (4, 2), "int64"),
    "int64_vec": case((4,), (4,), "int64"),
    "int32_big": case((8, 9), (9, 8), "int32", bv=None),
    "int32_t": case((9, 8), (9, 8), "int32", av="t"),
    "uint8_wrap": case((3, 4), (4, 2), "uint8"),
    "mixed_int_f32": case((8, 9), (9, 8), "int64", bdtype="float32", rdtype="float32"),
    "mixed_f32_f64": case((8, 9), (9, 8), "float32", bdtype="float64", rdtype="float64"),
}

x, y = vals((5,)), vals((4,))
xi, yi = vals((5,), "int64"), vals((4,), "int64")
A, B, Cm, Cr = vals((8, 9)), vals((9, 8)), vals((8, 8)), vals((8,))
At = vals((9, 8))
other = {
    "outer": {"a": x, "b": y, "expected": np.outer(x.astype(np.float64), y)},
    "outer_int64": {"a": xi, "b": yi, "expected": np.outer(xi, yi)},
    "addmm": {"c": Cm, "a": A, "b": B, "beta": 0.5, "alpha": 2.0,
              "expected": 0.5 * Cm.astype(np.float64) + 2.0 * (A.astype(np.float64) @ B)},
    "addmm_row": {"c": Cr, "a": A, "b": B, "beta": 1.0, "alpha": -1.0,
                  "expected": Cr.astype(np.float64) - (A.astype(np.float64) @ B)},
    "addmm_ta": {"c": Cm, "a": At, "av": "t", "b": B, "beta": 0.0, "alpha": 1.0,
                 "expected": At.T.astype(np.float64) @ B},
}

cases = {}
for k, v in matmul.items():
    cases["matmul_" + k] = v
cases.update(other)
write_fixture(os.path.join(here, "..", "fixtures", "linalg.lua"), cases, "tests/gen/gen_linalg.py")
