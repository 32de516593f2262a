"""Reference values for tests/lua/nn_activation_spec.lua, nn_norm_spec.lua and nn_loss_spec.lua:
forward values and gradients of the activations, softmax / log_softmax, batch_norm, layer_norm,
embedding and the losses, for every option, in float64 and float32 — computed by PyTorch.

Every case holds its inputs, the upstream gradient `g` it was differentiated with (a scalar for
reduced losses) and the results. Class ids in targets and embedding ids are written 1-based
(PyTorch's + 1), as Tide's Lua API counts them; ignore_index stays as given.

  act:  {op, dtype, x, arg, g, y, gx}          arg: slope / alpha / approximate / 1-based dim
  bn:   {dtype, x, rm, rv, w, b, training, momentum, eps, g, y, gx, gw, gb, rm_after, rv_after}
  ln:   {dtype, x, ns, w, b, eps, g, y, gx, gw, gb}
  emb:  {ids, weight, padding_idx, scale_grad_by_freq, g, y, gw}
  loss: {op, dtype, x, target, opts = {...}, g, y, gx, gt}   (opts.weight / pos_weight arrays)

Run: /usr/bin/python3 tests/gen/gen_nn_ops.py   (writes tests/fixtures/nn_ops.lua)
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261126)
rng = np.random.default_rng(20261126)

TD = {"float32": torch.float32, "float64": torch.float64}


def compact(a):
    """float32 values as the shortest decimal that round-trips to the same float32 (keeps the
    fixture small; the spec converts by each case's dtype)."""
    a = np.asarray(a)
    if a.dtype != np.float32:
        return a
    return np.array([float(np.format_float_positional(v, unique=True)) if np.isfinite(v) else float(v)
                     for v in a.ravel()], dtype=np.float64).reshape(a.shape)


def arr(t):
    return compact(t.detach().cpu().numpy().copy())


def leaf(a, dtype, grad=True):
    return torch.tensor(np.asarray(a), dtype=TD[dtype], requires_grad=grad)


def randn(shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


# ---------------------------------------------------------------- activations

act = []


def act_case(op, dtype, x, arg=None):
    xt = leaf(x, dtype)
    if op == "leaky_relu":
        y = F.leaky_relu(xt, arg)
    elif op == "elu":
        y = F.elu(xt, arg)
    elif op == "gelu":
        y = F.gelu(xt, approximate=arg)
    elif op in ("softmax", "log_softmax"):
        d = arg - 1 if arg > 0 else arg
        y = getattr(F, op)(xt, dim=d)
    else:
        y = getattr(F, op)(xt) if op == "relu" else getattr(torch, op)(xt)
    g = randn(x.shape, dtype)
    y.backward(torch.tensor(g, dtype=TD[dtype]))
    c = {"op": op, "dtype": dtype, "x": compact(x.astype(dtype)), "g": compact(g), "y": arr(y), "gx": arr(xt.grad)}
    if arg is not None:
        c["arg"] = arg
    act.append(c)


for dtype in ("float64", "float32"):
    full = dtype == "float64"  # float32: a subset of the grid
    x = randn((2, 3, 4), dtype, 2.0)
    x.flat[:4] = [0.0, -0.0, 1e-3, -1e-3]  # around the kinks and the origin
    wide = randn((2, 5), dtype, 30.0)  # saturating sigmoid / tanh, large exponents
    for op in ("relu", "sigmoid", "tanh"):
        act_case(op, dtype, x)
        act_case(op, dtype, wide)
    act_case("leaky_relu", dtype, x, 0.2)
    act_case("elu", dtype, x, 1.0)
    act_case("gelu", dtype, x, "none")
    act_case("gelu", dtype, x, "tanh")
    act_case("gelu", dtype, wide, "tanh")
    if full:
        act_case("leaky_relu", dtype, x, 0.01)
        act_case("elu", dtype, x, 0.5)
        act_case("gelu", dtype, wide, "none")
    for dim in ((1, 2, 3, -1) if full else (2, -1)):
        act_case("softmax", dtype, x, dim)
        act_case("log_softmax", dtype, x, dim)
    # large logits: the max shift keeps exp finite
    big = randn((3, 5), dtype, 200.0)
    act_case("softmax", dtype, big, 2)
    act_case("log_softmax", dtype, big, 2)
    act_case("log_softmax", dtype, big, 1)

# ---------------------------------------------------------------- batch_norm / layer_norm

bn = []


def bn_case(dtype, shape, affine, training, momentum=0.1, eps=1e-5, shift=0.0):
    C = shape[1]
    x = randn(shape, dtype) * 1.5 + shift
    rm0, rv0 = randn((C,), dtype) * 0.1, np.abs(randn((C,), dtype)) + 0.5
    xt = leaf(x, dtype)
    rm, rv = torch.tensor(rm0), torch.tensor(rv0)
    w = leaf(randn((C,), dtype), dtype) if affine else None
    b = leaf(randn((C,), dtype), dtype) if affine else None
    y = F.batch_norm(xt, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
    g = randn(shape, dtype)
    y.backward(torch.tensor(g))
    c = {"dtype": dtype, "x": compact(x), "rm": compact(rm0), "rv": compact(rv0), "training": training,
         "momentum": momentum, "eps": eps, "g": compact(g), "y": arr(y), "gx": arr(xt.grad), "rm_after": arr(rm),
         "rv_after": arr(rv)}
    if affine:
        c.update({"w": arr(w), "b": arr(b), "gw": arr(w.grad), "gb": arr(b.grad)})
    bn.append(c)


for dtype in ("float64", "float32"):
    bn_case(dtype, (3, 2, 2, 3), True, True)
    bn_case(dtype, (3, 2, 2, 3), True, False)
    bn_case(dtype, (5, 3), False, True, momentum=0.3, eps=1e-3)
    bn_case(dtype, (5, 3), True, False)
    bn_case(dtype, (3, 2, 4), True, True, momentum=1.0)
    bn_case(dtype, (4, 2, 2, 2), True, True, shift=100.0)  # large mean: two-pass variance

ln = []


def ln_case(dtype, shape, ns, affine, eps=1e-5, shift=0.0):
    x = randn(shape, dtype) + shift
    xt = leaf(x, dtype)
    w = leaf(randn(ns, dtype), dtype) if affine else None
    b = leaf(randn(ns, dtype), dtype) if affine else None
    y = F.layer_norm(xt, ns, w, b, eps)
    g = randn(shape, dtype)
    y.backward(torch.tensor(g))
    c = {"dtype": dtype, "x": compact(x), "ns": list(ns), "eps": eps, "g": compact(g), "y": arr(y),
         "gx": arr(xt.grad)}
    if affine:
        c.update({"w": arr(w), "b": arr(b), "gw": arr(w.grad), "gb": arr(b.grad)})
    ln.append(c)


for dtype in ("float64", "float32"):
    ln_case(dtype, (2, 3, 4), (4,), True)
    ln_case(dtype, (2, 3, 4), (3, 4), True, eps=1e-3)
    ln_case(dtype, (3, 5), (5,), False)
    ln_case(dtype, (2, 8), (8,), True, shift=50.0)

# ---------------------------------------------------------------- embedding

emb = []


def emb_case(ids, V, D, padding_idx=None, scale=False):
    w = leaf(randn((V, D), "float64"), "float64")
    idt = torch.tensor(ids, dtype=torch.int64)
    y = F.embedding(idt, w, padding_idx=padding_idx, scale_grad_by_freq=scale)
    g = randn(tuple(y.shape), "float64")
    y.backward(torch.tensor(g))
    c = {"ids": (np.asarray(ids) + 1).astype(np.int64), "weight": arr(w), "scale_grad_by_freq": scale,
         "g": g, "y": arr(y), "gw": arr(w.grad)}
    if padding_idx is not None:
        c["padding_idx"] = padding_idx + 1 if padding_idx >= 0 else padding_idx
    emb.append(c)


emb_case([[0, 2, 5, 2], [1, 1, 4, 0]], 6, 3)
emb_case([[0, 2, 5, 2], [1, 1, 4, 0]], 6, 3, padding_idx=1)
emb_case([3, 3, 0, 5, 3], 6, 4, padding_idx=-1)
emb_case([[0, 2, 5, 2], [1, 1, 4, 0]], 6, 3, scale=True)

# ---------------------------------------------------------------- losses

loss = []
RED = ("mean", "sum", "none")


def loss_case(op, dtype, x, target, opts, target_grad=False, target_dtype=None):
    xt = leaf(x, dtype)
    if target_dtype is None:
        tt = leaf(target, dtype, grad=target_grad)
    else:
        tt = torch.tensor(target, dtype=torch.int64)
    kw = {}
    for k, v in opts.items():
        kw[k] = torch.tensor(v, dtype=TD[dtype]) if isinstance(v, np.ndarray) else v
    y = getattr(F, op)(xt, tt, **kw)
    if y.dim() == 0:
        g = np.asarray(0.75, dtype=dtype)
    else:
        g = randn(tuple(y.shape), dtype)
    y.backward(torch.tensor(g, dtype=TD[dtype]))
    t_out = target.astype(dtype) if target_dtype is None else (np.asarray(target) + 1).astype(np.int64)
    if target_dtype is not None and "ignore_index" in opts:
        t_out = np.where(np.asarray(target) == opts["ignore_index"], opts["ignore_index"], t_out).astype(np.int64)
    opts = {k: compact(v) if isinstance(v, np.ndarray) else v for k, v in opts.items()}
    c = {"op": op, "dtype": dtype, "x": compact(x.astype(dtype)), "target": compact(t_out), "opts": opts,
         "g": compact(g), "y": arr(y), "gx": arr(xt.grad)}
    if target_grad:
        c["gt"] = arr(tt.grad)
    loss.append(c)


for dtype in ("float64", "float32"):
    reds = RED if dtype == "float64" else ("mean", "none")  # float32: a subset of the grid
    N, Cn = 5, 4
    logits = randn((N, Cn), dtype, 2.0)
    tgt = rng.integers(0, Cn, size=N)
    tgt_ign = tgt.copy()
    tgt_ign[[1, 3]] = -100
    cw = np.abs(randn((Cn,), dtype)) + 0.2
    for red in reds:
        loss_case("cross_entropy", dtype, logits, tgt, {"reduction": red}, target_dtype="int64")
        loss_case("cross_entropy", dtype, logits, tgt_ign, {"reduction": red, "weight": cw, "ignore_index": -100},
                  target_dtype="int64")
        loss_case("cross_entropy", dtype, logits, tgt_ign, {"reduction": red, "weight": cw, "label_smoothing": 0.15,
                                                             "ignore_index": -100}, target_dtype="int64")
        loss_case("cross_entropy", dtype, logits, tgt, {"reduction": red, "label_smoothing": 0.3}, target_dtype="int64")
    # [N, C, d1, d2] inputs
    lg4 = randn((2, 3, 2, 3), dtype, 2.0)
    t4 = rng.integers(0, 3, size=(2, 2, 3))
    t4i = t4.copy()
    t4i[0, 1, 2] = -1
    cw3 = np.abs(randn((3,), dtype)) + 0.2
    for red in reds:
        loss_case("cross_entropy", dtype, lg4, t4, {"reduction": red}, target_dtype="int64")
        loss_case("cross_entropy", dtype, lg4, t4i, {"reduction": red, "weight": cw3, "ignore_index": -1,
                                                      "label_smoothing": 0.1}, target_dtype="int64")
    # probability targets
    probs = torch.softmax(torch.tensor(randn((N, Cn), "float64")), 1).numpy()
    probs4 = torch.softmax(torch.tensor(randn((2, 3, 2, 3), "float64")), 1).numpy()
    for red in reds:
        loss_case("cross_entropy", dtype, logits, probs, {"reduction": red}, target_grad=True)
        loss_case("cross_entropy", dtype, logits, probs, {"reduction": red, "weight": cw, "label_smoothing": 0.2},
                  target_grad=True)
        loss_case("cross_entropy", dtype, lg4, probs4, {"reduction": red, "label_smoothing": 0.1}, target_grad=True)
    # huge logits: log-sum-exp stays finite
    loss_case("cross_entropy", dtype, randn((4, 7), dtype, 300.0), rng.integers(0, 7, size=4), {},
              target_dtype="int64")
    # nll_loss
    logp = torch.log_softmax(torch.tensor(logits), 1).numpy()
    logp4 = torch.log_softmax(torch.tensor(lg4), 1).numpy()
    for red in reds:
        loss_case("nll_loss", dtype, logp, tgt, {"reduction": red}, target_dtype="int64")
        loss_case("nll_loss", dtype, logp, tgt_ign, {"reduction": red, "weight": cw, "ignore_index": -100},
                  target_dtype="int64")
        loss_case("nll_loss", dtype, logp4, t4i, {"reduction": red, "ignore_index": -1}, target_dtype="int64")
    # elementwise
    a, b = randn((2, 4), dtype, 2.0), randn((2, 4), dtype, 2.0)
    a.flat[0] = b.flat[0]  # d = 0: sign and kink
    for red in reds:
        loss_case("mse_loss", dtype, a, b, {"reduction": red}, target_grad=True)
        loss_case("l1_loss", dtype, a, b, {"reduction": red}, target_grad=True)
        loss_case("huber_loss", dtype, a, b, {"reduction": red}, target_grad=True)
        loss_case("huber_loss", dtype, a, b, {"reduction": red, "delta": 0.6}, target_grad=True)
        loss_case("smooth_l1_loss", dtype, a, b, {"reduction": red, "beta": 0.5}, target_grad=True)
        # beta = 0 is l1_loss; at d = 0 PyTorch 1.13's smooth_l1 kernel returns -1 where its own
        # l1_loss (and Tide) give sign(0) = 0, so this case leaves out the d = 0 element
        loss_case("smooth_l1_loss", dtype, a, b + (a == b) * 0.5, {"reduction": red, "beta": 0.0}, target_grad=True)
    p = rng.uniform(0.02, 0.98, size=(2, 4)).astype(dtype)
    p.flat[0], p.flat[1] = 0.0, 1.0  # logs clamp at -100
    yb = rng.uniform(0, 1, size=(2, 4)).astype(dtype)
    yb.flat[0], yb.flat[1] = 0.0, 1.0
    bw = np.abs(randn((2, 4), dtype)) + 0.1
    logit = randn((2, 4), dtype, 3.0)
    logit.flat[:2] = [60.0, -60.0]
    pw = np.abs(randn((4,), dtype)) * 2 + 0.1
    for red in reds:
        loss_case("binary_cross_entropy", dtype, p, yb, {"reduction": red})
        loss_case("binary_cross_entropy", dtype, p, yb, {"reduction": red, "weight": bw})
        loss_case("binary_cross_entropy_with_logits", dtype, logit, yb, {"reduction": red}, target_grad=True)
        loss_case("binary_cross_entropy_with_logits", dtype, logit, yb, {"reduction": red, "weight": bw,
                                                                         "pos_weight": pw}, target_grad=True)
# broadcasting target (PyTorch warns and broadcasts)
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    loss_case("mse_loss", "float64", randn((3, 4), "float64"), randn((4,), "float64"), {}, target_grad=True)
    loss_case("l1_loss", "float64", randn((3, 1), "float64"), randn((3, 4), "float64"), {"reduction": "sum"},
              target_grad=True)

write_fixture(os.path.join(here, "..", "fixtures", "nn_ops.lua"),
              {"act": act, "bn": bn, "ln": ln, "emb": emb, "loss": loss}, "tests/gen/gen_nn_ops.py")
