"""Reference values for tests/lua/nn_embedding_bag_spec.lua: torch.nn.functional.embedding_bag
(PyTorch 1.13, include_last_offset=False) forward values and the gradients of weight and
per_sample_weights, for modes sum / mean / max, per-sample weights, padding_idx, empty bags and
2-d input, in float64 and float32.

Ids, offsets and padding_idx are written 1-based (PyTorch's + 1), as Tide's Lua API counts them.
Each case: {mode, dtype, ids, offsets (nil for a 2-d input), weight, psw, padding_idx, g, y, gw, gpsw}.

Run: /usr/bin/python3 tests/gen/gen_nn_embedding_bag.py   (writes tests/fixtures/nn_embedding_bag.lua)
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20260611)
rng = np.random.default_rng(20260611)

TD = {"float32": torch.float32, "float64": torch.float64}

cases = []


def compact(t):
    """A float tensor as NumPy; float32 values as the shortest decimal that rounds back to them
    (a smaller fixture; the spec converts by the case's dtype)."""
    a = t.detach().numpy()
    if a.dtype != np.float32:
        return a
    return np.array([float(np.format_float_positional(v, unique=True)) for v in a.ravel()]).reshape(a.shape)


def case(ids, offsets, V, D, mode, dtype="float64", psw=False, padding_idx=None, ties=False):
    idt = torch.tensor(ids, dtype=torch.int64)
    if ties:  # values on a coarse grid: maxima tie, the first must win
        w = torch.tensor(rng.integers(-3, 4, size=(V, D)).astype(np.float64) / 2, dtype=TD[dtype])
    else:
        w = torch.tensor(rng.normal(size=(V, D)), dtype=TD[dtype])
    w.requires_grad_(True)
    off = torch.tensor(offsets, dtype=torch.int64) if offsets is not None else None
    p = None
    if psw:
        p = torch.tensor(rng.normal(size=idt.shape), dtype=TD[dtype]).requires_grad_(True)
    y = F.embedding_bag(idt, w, off, mode=mode, per_sample_weights=p, padding_idx=padding_idx)
    g = torch.tensor(rng.normal(size=y.shape), dtype=TD[dtype])
    y.backward(g)
    c = {
        "mode": mode, "dtype": dtype,
        "ids": (idt + 1).numpy(),
        "offsets": (off + 1).numpy() if off is not None else None,
        "weight": compact(w),
        "psw": compact(p) if p is not None else None,
        "padding_idx": padding_idx + 1 if padding_idx is not None else None,
        "g": compact(g),
        "y": compact(y),
        "gw": compact(w.grad),
        "gpsw": compact(p.grad) if p is not None else None,
    }
    cases.append(c)


for dtype in ("float64", "float32"):
    for mode in ("sum", "mean", "max"):
        # bags of 3, 0 (empty), 4, 1 and 2 ids, repeated ids
        case([0, 2, 5, 1, 1, 4, 2, 7, 3, 6], [0, 3, 3, 7, 8], 8, 4, mode, dtype)
        # padding: a bag of padding only gives zeros, padding is not counted by mean
        case([0, 2, 2, 1, 2, 4, 2, 5], [0, 3, 5], 6, 3, mode, dtype, padding_idx=2)
        # 2-d input [B, L]
        case([[0, 1, 2], [3, 3, 1], [5, 0, 4]], None, 6, 5, mode, dtype)
    case([0, 2, 5, 1, 1, 4, 2, 7, 3, 6], [0, 3, 3, 7, 8], 8, 4, "sum", dtype, psw=True)
    case([0, 2, 2, 1, 2, 4, 2, 5], [0, 3, 5], 6, 3, "sum", dtype, psw=True, padding_idx=2)
    case([[0, 1, 2], [3, 3, 1]], None, 6, 3, "sum", dtype, psw=True)
# ties in max: the first maximum wins (its row gets the gradient)
case([0, 1, 2, 3, 4, 5, 0, 1], [0, 4, 6], 6, 6, "max", "float64", ties=True)
# trailing empty bags
case([1, 2], [0, 2, 2, 2], 3, 2, "mean", "float64")

write_fixture(os.path.join(here, "..", "fixtures", "nn_embedding_bag.lua"), {"cases": cases},
              "tests/gen/gen_nn_embedding_bag.py")
