"""Reference values for tests/lua/nn_conv_spec.lua and tests/lua/nn_pool_spec.lua: conv1d,
conv2d and conv_transpose2d (stride, padding incl. "same"/"valid", dilation, groups, bias,
output_padding) and max_pool2d (with indices), avg_pool2d (count_include_pad, ceil_mode,
divisor_override), adaptive_avg_pool2d — forward values and every gradient, computed by PyTorch.

Inputs are multiples of 1/8 in [-2, 2] (max pooling inputs have ties on purpose). Every case is
differentiated with an upstream gradient g (also multiples of 1/8); the results are computed in
float64 from the same values, so float32 cases compare Tide's float32 results against exact
references. Max pooling indices are written 1-based (PyTorch's + 1), as Tide's Lua API counts.

  conv: {op, dtype, x, w, b (or absent), opts = {...}, g, y, gx, gw, gb}
  pool: {op, dtype, x, kernel, opts = {...} (or output_size), g, y, gx, idx (max only)}

Run: /usr/bin/python3 tests/gen/gen_conv.py   (writes tests/fixtures/conv.lua)
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)


def vals(shape, lo=-16, hi=17, div=8.0):
    return (rng.integers(lo, hi, size=shape) / div).astype(np.float64)


def leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def np64(t):
    return t.detach().numpy().astype(np.float64)


# ---------------------------------------------------------------- convolutions

conv = {}


def conv_case(name, op, dtype, xshape, wshape, bias=True, **opts):
    x, w = vals(xshape), vals(wshape)
    if op == "conv_transpose2d":
        out_ch = wshape[1] * opts.get("groups", 1)
    else:
        out_ch = wshape[0]
    b = vals((out_ch,)) if bias else None
    xt, wt = leaf(x), leaf(w)
    bt = leaf(b) if bias else None
    fn = {"conv1d": F.conv1d, "conv2d": F.conv2d, "conv_transpose2d": F.conv_transpose2d}[op]
    y = fn(xt, wt, bt, **opts)
    g = vals(tuple(y.shape))
    (y * torch.tensor(g)).sum().backward()
    c = {"op": op, "dtype": dtype, "x": x, "w": w, "opts": {k: (list(v) if isinstance(v, tuple) else v)
                                                            for k, v in opts.items()},
         "g": g, "y": np64(y), "gx": np64(xt.grad), "gw": np64(wt.grad)}
    if bias:
        c["b"] = b
        c["gb"] = np64(bt.grad)
    conv[name] = c


# conv2d: every kernel path (Winograd for >= 8 channels 3x3 stride 1, direct for few input
# channels, im2col otherwise) and every option
conv_case("c2_wino", "conv2d", "float32", (1, 8, 6, 7), (8, 8, 3, 3), padding=1)
conv_case("c2_wino_nopad", "conv2d", "float32", (1, 9, 4, 5), (8, 9, 3, 3))
conv_case("c2_first_layer", "conv2d", "float32", (2, 1, 9, 17), (4, 1, 3, 3), padding=1)
conv_case("c2_stride2", "conv2d", "float32", (2, 3, 7, 9), (4, 3, 3, 3), stride=2, padding=1)
conv_case("c2_dilation", "conv2d", "float32", (1, 2, 9, 8), (3, 2, 3, 3), padding=2, dilation=2)
conv_case("c2_groups", "conv2d", "float32", (2, 4, 6, 6), (6, 2, 3, 3), padding=1, groups=2)
conv_case("c2_depthwise", "conv2d", "float32", (1, 4, 5, 18), (4, 1, 3, 3), padding=1, groups=4)
conv_case("c2_rect", "conv2d", "float32", (2, 3, 8, 7), (2, 3, 2, 3), stride=(2, 1), padding=(1, 0),
          dilation=(1, 2))
conv_case("c2_pointwise", "conv2d", "float32", (2, 5, 4, 3), (3, 5, 1, 1))
conv_case("c2_nobias", "conv2d", "float32", (2, 3, 5, 5), (2, 3, 3, 3), bias=False, padding=1)
conv_case("c2_same", "conv2d", "float32", (1, 2, 6, 7), (3, 2, 5, 3), padding="same")
conv_case("c2_valid", "conv2d", "float32", (1, 2, 6, 7), (3, 2, 3, 3), padding="valid")
conv_case("c2_f64", "conv2d", "float64", (2, 3, 6, 5), (4, 3, 3, 3), stride=(1, 2), padding=1)
conv_case("c2_f64_groups", "conv2d", "float64", (1, 6, 5, 5), (9, 2, 2, 2), groups=3, dilation=2, padding=1)
# conv_transpose2d
conv_case("ct_stride2", "conv_transpose2d", "float32", (2, 3, 4, 5), (3, 2, 3, 3), stride=2, padding=1,
          output_padding=1)
conv_case("ct_wino", "conv_transpose2d", "float32", (1, 8, 4, 4), (8, 8, 3, 3), padding=1)
conv_case("ct_groups", "conv_transpose2d", "float32", (1, 4, 3, 3), (4, 3, 4, 4), stride=2, padding=1, groups=2)
conv_case("ct_dilation", "conv_transpose2d", "float32", (2, 2, 4, 4), (2, 3, 3, 2), dilation=(2, 1),
          stride=(1, 2), output_padding=(0, 1))
conv_case("ct_up2", "conv_transpose2d", "float64", (1, 3, 3, 4), (3, 2, 2, 2), stride=2, bias=False)
conv_case("ct_f64", "conv_transpose2d", "float64", (2, 2, 3, 3), (2, 4, 3, 3), stride=3, padding=1,
          output_padding=2)
# conv1d
conv_case("c1_basic", "conv1d", "float32", (2, 3, 10), (4, 3, 3), padding=1)
conv_case("c1_stride", "conv1d", "float32", (2, 2, 11), (3, 2, 5), stride=2, padding=2)
conv_case("c1_groups", "conv1d", "float64", (1, 4, 9), (6, 2, 3), groups=2, dilation=2, bias=False)
conv_case("c1_same", "conv1d", "float32", (1, 3, 20), (2, 3, 3), padding="same")

# ---------------------------------------------------------------- pooling

pool = {}


def pool_case(name, op, dtype, xshape, kernel=None, **opts):
    x = vals(xshape, -8, 9, 4.0)  # coarse values: ties in the max windows
    xt = leaf(x)
    if op == "max_pool2d":
        y, idx = F.max_pool2d(xt, kernel, return_indices=True, **opts)
    elif op == "avg_pool2d":
        y = F.avg_pool2d(xt, kernel, **opts)
    else:
        y = F.adaptive_avg_pool2d(xt, opts["output_size"])
    g = vals(tuple(y.shape))
    (y * torch.tensor(g)).sum().backward()
    c = {"op": op, "dtype": dtype, "x": x, "g": g, "y": np64(y), "gx": np64(xt.grad)}
    if op == "adaptive_avg_pool2d":
        c["output_size"] = list(opts["output_size"]) if isinstance(opts["output_size"], tuple) else opts["output_size"]
    else:
        c["kernel"] = list(kernel) if isinstance(kernel, tuple) else kernel
        c["opts"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
    if op == "max_pool2d":
        c["idx"] = idx.numpy().astype(np.int64) + 1
    pool[name] = c


pool_case("max_2x2", "max_pool2d", "float32", (2, 3, 8, 6), 2)
pool_case("max_2x2_odd", "max_pool2d", "float32", (1, 2, 7, 9), 2)
pool_case("max_2x2_ceil", "max_pool2d", "float32", (1, 2, 7, 9), 2, ceil_mode=True)
pool_case("max_3s2p1", "max_pool2d", "float32", (2, 2, 7, 8), 3, stride=2, padding=1)
pool_case("max_3s2p1_ceil", "max_pool2d", "float64", (2, 2, 8, 8), 3, stride=2, padding=1, ceil_mode=True)
pool_case("max_dilated", "max_pool2d", "float32", (1, 3, 9, 10), 2, stride=1, dilation=2)
pool_case("max_rect", "max_pool2d", "float64", (1, 2, 8, 7), (3, 2), stride=(2, 1), padding=(1, 0))
pool_case("max_unbatched", "max_pool2d", "float32", (3, 6, 6), 3, stride=3)
pool_case("avg_2x2", "avg_pool2d", "float32", (2, 3, 8, 6), 2)
pool_case("avg_pad_incl", "avg_pool2d", "float32", (1, 2, 7, 9), 3, stride=2, padding=1)
pool_case("avg_pad_excl", "avg_pool2d", "float64", (1, 2, 7, 9), 3, stride=2, padding=1, count_include_pad=False)
pool_case("avg_ceil", "avg_pool2d", "float32", (1, 2, 7, 9), 3, stride=2, padding=1, ceil_mode=True)
pool_case("avg_ceil_excl", "avg_pool2d", "float64", (1, 2, 7, 8), 3, stride=2, padding=1, ceil_mode=True,
          count_include_pad=False)
pool_case("avg_divisor", "avg_pool2d", "float32", (1, 2, 6, 6), 2, stride=1, divisor_override=3)
pool_case("avg_rect", "avg_pool2d", "float64", (2, 1, 8, 7), (2, 3), stride=(2, 2), padding=(1, 1))
pool_case("adaptive_down", "adaptive_avg_pool2d", "float32", (2, 3, 7, 9), output_size=(3, 4))
pool_case("adaptive_global", "adaptive_avg_pool2d", "float64", (2, 3, 5, 6), output_size=1)
pool_case("adaptive_up", "adaptive_avg_pool2d", "float32", (1, 2, 4, 6), output_size=(5, 7))
pool_case("adaptive_unbatched", "adaptive_avg_pool2d", "float64", (3, 6, 5), output_size=(2, 2))

write_fixture(os.path.join(here, "..", "fixtures", "conv.lua"), {"conv": conv, "pool": pool},
              "tests/gen/gen_conv.py")
