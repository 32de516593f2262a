"""Reference values for tests/lua/elementwise_spec.lua, computed by NumPy (and, for the type
promotion table only, by PyTorch, whose rules Tide follows):

  unary_<dtype>      every unary op on one input vector with the special values (±0, ±inf, NaN,
                     halves for round-half-to-even); float-only math on integer input is
                     computed in float32, as Tide (and PyTorch) do
  binary             binary ops over broadcast shape pairs ([3,1] with [1,4], [2,3] with [3], ...)
  divmod_<dtype>     floor_divide / remainder for every sign combination, division by zero (0 for
                     integers, as NumPy), MIN // -1, and float specials (inf, NaN, -0.0)
  where, clamp, masked_fill
  promotion          result dtype of add/div for every dtype pair (and with 0-dim tensors), and of
                     tensor-with-number ops, as PyTorch 1.13 computes them

Inputs are small multiples of 1/8 so float32 arithmetic is exact where it can be.
Run: /usr/bin/python3 tests/gen/gen_elementwise.py   (writes tests/fixtures/elementwise.lua)
"""
import math
import os

import numpy as np

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)
np.seterr(all="ignore")

DTYPES = ["float32", "float64", "int32", "int64", "uint8", "bool"]

SPECIAL = [-3.0, -2.5, -1.5, -1.0, -0.75, -0.5, -0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0,
           float("inf"), float("-inf"), float("nan")]

FLOAT_MATH = {
    "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "exp": np.exp, "log": np.log, "log2": np.log2,
    "log10": np.log10, "log1p": np.log1p, "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "reciprocal": lambda x: 1 / x,
}


def sigmoid(x):
    return (1 / (1 + np.exp(-x.astype("float64")))).astype(x.dtype)


def erf(x):
    return np.array([math.erf(v) if not math.isnan(v) else v for v in x.astype("float64")]).astype(x.dtype)


def sign_keep_nan(x):
    return np.where(np.isnan(x), x, np.sign(x)).astype(x.dtype) if x.dtype.kind == "f" else np.sign(x)


def unary_cases(dtype):
    if dtype in ("float32", "float64"):
        x = np.array(SPECIAL, dtype=dtype)
    elif dtype == "uint8":
        x = np.array([0, 1, 2, 3, 7, 100, 200, 255], dtype=dtype)
    else:
        x = np.array([-7, -3, -2, -1, 0, 1, 2, 3, 7], dtype=dtype)
    fx = x if x.dtype.kind == "f" else x.astype("float32")
    out = {"input": x}
    for name, f in FLOAT_MATH.items():
        out[name] = f(fx).astype(fx.dtype)
    out["sigmoid"] = sigmoid(fx)
    out["erf"] = erf(fx)
    if x.dtype.kind == "f":
        out["neg"], out["abs"], out["square"] = -x, np.abs(x), x * x
        out["relu"] = np.maximum(x, 0).astype(dtype)
        out["floor"], out["ceil"], out["round"], out["trunc"] = np.floor(x), np.ceil(x), np.round(x), np.trunc(x)
        out["sign"] = sign_keep_nan(x)
        out["isnan"], out["isinf"], out["isfinite"] = np.isnan(x), np.isinf(x), np.isfinite(x)
    else:
        if dtype != "uint8":
            out["neg"] = -x
            out["relu"] = np.maximum(x, 0).astype(dtype)
        else:
            out["neg"] = (-x.astype("int64")).astype("uint8")
            out["relu"] = x
        out["abs"], out["square"], out["sign"] = np.abs(x), (x * x).astype(dtype), np.sign(x).astype(dtype)
        out["floor"] = out["ceil"] = out["round"] = out["trunc"] = x
        out["isnan"], out["isinf"], out["isfinite"] = np.isnan(fx), np.isinf(fx), np.isfinite(fx)
        out["bitwise_not"] = np.invert(x)
    out["logical_not"] = np.logical_not(x)
    return out


def vals(shape, dtype="float32", lo=-16, hi=17):
    return np.asarray(rng.integers(lo, hi, size=shape) / 8).astype(dtype)


BINARY_NP = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": np.floor_divide, "remainder": np.remainder, "pow": np.power, "maximum": np.maximum,
    "minimum": np.minimum, "atan2": np.arctan2, "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor,
}

SHAPE_PAIRS = [([3, 1], [1, 4]), ([2, 3], [3]), ([4], [2, 3, 4]), ([2, 1, 3], [4, 1]), ([], [2, 2]),
               ([5], [5]), ([1], [3, 1]), ([2, 0], [1, 0])]


def binary_cases():
    cases = []
    for op, f in BINARY_NP.items():
        for i, (sa, sb) in enumerate(SHAPE_PAIRS):
            if op not in ("add", "mul", "maximum") and i not in (0, 1, 4):
                continue
            a, b = vals(sa), vals(sb)
            if op == "pow":
                a = np.asarray(np.abs(a) + np.float32(0.5))
            if op in ("maximum", "minimum") and a.size > 2:  # NaN must propagate from either side
                a.flat[0] = np.nan
                b.flat[b.size - 1] = np.nan
            cases.append({"op": op, "a": a, "b": b, "expected": np.asarray(f(a, b))})
    # integer broadcasting keeps integer arithmetic
    for op in ("add", "sub", "mul", "maximum", "floor_divide", "remainder"):
        a = rng.integers(-9, 10, size=[3, 1]).astype("int32")
        b = rng.integers(1, 5, size=[4]).astype("int32") * np.array([1, -1, 1, -1], dtype="int32")
        cases.append({"op": op, "a": a, "b": b, "expected": BINARY_NP[op](a, b)})
    for op in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        a = rng.integers(-9, 10, size=[2, 3]).astype("int64")
        b = rng.integers(0, 16, size=[3]).astype("int64")
        f = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor}[op]
        cases.append({"op": op, "a": a, "b": b, "expected": f(a, b)})
    return cases


def divmod_int(dtype):
    if dtype == "uint8":
        a, b = np.array([0, 1, 6, 7, 200, 255], dtype=dtype), np.array([1, 2, 3, 0, 255], dtype=dtype)
    else:
        # the extremes (int64 only up to 2^53, what a Lua number holds exactly)
        lo, hi = (np.iinfo(dtype).min, np.iinfo(dtype).max) if dtype == "int32" else (-2**53, 2**53 - 1)
        a = np.array([-7, -6, -1, 0, 1, 6, 7, lo, hi], dtype=dtype)
        b = np.array([-3, -2, -1, 1, 2, 3, 0], dtype=dtype)
    A, B = np.meshgrid(a, b, indexing="ij")
    return {"a": A, "b": B, "floor_divide": np.floor_divide(A, B), "remainder": np.remainder(A, B)}


def divmod_float(dtype):
    a = np.array([-7.5, -7.0, -1.0, -0.0, 0.0, 1.0, 7.0, 7.5, np.inf, -np.inf, np.nan], dtype=dtype)
    b = np.array([2.0, -2.0, 0.5, -0.75, np.inf, -np.inf, 0.0, np.nan], dtype=dtype)
    A, B = np.meshgrid(a, b, indexing="ij")
    return {"a": A, "b": B, "floor_divide": np.floor_divide(A, B), "remainder": np.remainder(A, B)}


def where_cases():
    cond = np.array([[True], [False], [True]])
    a, b = vals([3, 4]), vals([4])
    x = vals([2, 5])
    mask = np.array([True, False, False, True, True])
    return {
        "where": {"cond": cond, "a": a, "b": b, "expected": np.where(cond, a, b)},
        "where_scalar": {"cond": np.array([True, False, True]), "expected": np.array([1.5, -2.0, 1.5], "float32")},
        "clamp": {"x": x, "lo": -0.5, "hi": 0.75, "expected": np.clip(x, -0.5, 0.75)},
        "clamp_min": {"x": x, "lo": 0.25, "expected": np.maximum(x, np.float32(0.25))},
        "masked_fill": {"x": x, "mask": mask, "value": 9.0, "expected": np.where(mask, np.float32(9), x)},
    }


def promotion():
    """Result dtypes from PyTorch (whose rules Tide follows); 'error' where PyTorch refuses."""
    import torch

    tt = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
          "uint8": torch.uint8, "bool": torch.bool}
    name = {v: k for k, v in tt.items()}
    ops = {"add": torch.add, "sub": torch.sub, "div": torch.div, "lt": torch.lt, "maximum": torch.maximum,
           "bitwise_and": torch.bitwise_and}

    def result(f, *args):
        try:
            r = f(*args)
            return name[r.dtype]
        except (RuntimeError, TypeError):
            return "error"

    pairs = []
    for da in DTYPES:
        for db in DTYPES:
            a, b = torch.ones(2, dtype=tt[da]), torch.ones(2, dtype=tt[db])
            z = torch.ones((), dtype=tt[db])
            for op, f in ops.items():
                pairs.append({"a": da, "b": db, "op": op, "result": result(f, a, b),
                              "result_0d": result(f, a, z)})
    scalars = []
    for da in DTYPES:
        a = torch.ones(2, dtype=tt[da])
        for s in (2, 2.5, -1):
            for op, f in ops.items():
                if op == "maximum":  # torch.maximum takes no numbers
                    continue
                scalars.append({"dtype": da, "scalar": s, "op": op, "result": result(f, a, s)})
    unary = []
    for da in DTYPES:
        a = torch.ones(2, dtype=tt[da])
        for op in ("neg", "abs", "exp", "sqrt", "sigmoid", "floor", "sign", "square", "isnan", "logical_not",
                   "bitwise_not", "relu", "reciprocal"):
            unary.append({"dtype": da, "op": op, "result": result(getattr(torch, op), a)})
    return {"version": torch.__version__, "pairs": pairs, "scalars": scalars, "unary": unary}


def main():
    cases = {}
    for dt in ("float32", "float64", "int32", "uint8"):
        cases["unary_" + dt] = unary_cases(dt)
    cases["binary"] = binary_cases()
    for dt in ("int32", "int64", "uint8"):
        cases["divmod_" + dt] = divmod_int(dt)
    for dt in ("float32", "float64"):
        cases["divmod_" + dt] = divmod_float(dt)
    cases.update(where_cases())
    cases["promotion"] = promotion()
    write_fixture(os.path.join(here, "..", "fixtures", "elementwise.lua"), cases, "tests/gen/gen_elementwise.py")


if __name__ == "__main__":
    main()
