"""Reference values for tests/lua/optim_spec.lua and tests/lua/lr_scheduler_spec.lua, computed by
PyTorch 1.13 (torch.optim, torch.optim.lr_scheduler, torch.nn.utils.clip_grad_*).

Optimizers: every case runs 10 steps from the same two parameters (shapes [2, 8] and [3]) and the
same sequence of gradients, in float64 and in float32, with PyTorch's single-tensor path
(foreach=False), and records both parameters after every step. The spec replays the gradients
and compares. float32 values are written with their shortest round-tripping float32 repr, so
the spec recovers the exact float32 by storing the number into a float32 tensor.
  grads_<dtype>[step][param]        the gradient of param at step (nil: param has no grad)
  <case>_<dtype>.params[step][param] the parameter after step

Schedulers: the lr (and momentum / beta1 where cycled) of each param group after construction
and after every scheduler.step(), for two param groups with different lrs.

Schedulers are under `schedulers` in the same file.

Run: /usr/bin/python3 tests/gen/gen_optim.py   (writes tests/fixtures/optim.lua)
"""
import math
import os
import warnings

import numpy as np
import torch

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures")
torch.set_num_threads(1)

STEPS = 10
SHAPES = [(2, 8), (3,)]


def short(x, dtype):
    """A Python float that converts back to the same value of dtype, written as briefly as possible."""
    if dtype == "float32":
        return [float(repr(np.float32(v))) for v in np.asarray(x, dtype=np.float32).ravel()]
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def arr(t, dtype):
    a = t.detach().numpy()
    return {"shape": list(a.shape), "dtype": dtype, "data": short(a, dtype)}


# ---------------------------------------------------------------- inputs
rng = np.random.default_rng(20240611)
init64 = [rng.normal(size=s) for s in SHAPES]
# gradients vary in scale from step to step (so amsgrad's running max matters)
scales = [1.0, 0.3, 2.0, 0.5, 1.5, 0.1, 1.0, 3.0, 0.2, 0.8]
grad64 = [[rng.normal(size=s) * scales[k] for s in SHAPES] for k in range(STEPS)]
# in the "skip" cases the second parameter has no gradient at steps 3, 4 and 8
SKIP = {(3, 1), (4, 1), (8, 1)}


def as_dtype(a, dtype):
    return np.array(short(a, dtype), dtype=np.float64 if dtype == "float64" else np.float32).reshape(a.shape)


CASES = [
    ("sgd_plain", "SGD", dict(lr=0.1)),
    ("sgd_momentum", "SGD", dict(lr=0.1, momentum=0.9)),
    ("sgd_dampening_wd", "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("sgd_nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001)),
    ("sgd_maximize", "SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("adam_plain", "Adam", dict(lr=0.01)),
    ("adam_wd_amsgrad", "Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("adam_maximize", "Adam", dict(lr=0.01, eps=1e-6, maximize=True)),
    ("adamw_plain", "AdamW", dict(lr=0.01)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True, betas=(0.85, 0.95))),
    ("rmsprop_plain", "RMSprop", dict(lr=0.01)),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.01, momentum=0.5)),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("rmsprop_all", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, centered=True, momentum=0.9, weight_decay=0.01)),
    ("adagrad_plain", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay", "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1,
                                      eps=1e-8)),
    ("adagrad_maximize", "Adagrad", dict(lr=0.1, maximize=True)),
    # two param groups (the second with its own lr / weight decay) and steps without a gradient
    ("adam_groups_skip", "Adam", dict(lr=0.01, groups=[{}, dict(lr=0.05, weight_decay=0.1)], skip=True)),
    ("sgd_groups_skip", "SGD", dict(lr=0.1, momentum=0.9, groups=[{}, dict(lr=0.01, nesterov=True)], skip=True)),
]


def run_case(cls, kw, dtype):
    kw = dict(kw)
    groups = kw.pop("groups", None)
    skip = kw.pop("skip", False)
    tdt = torch.float64 if dtype == "float64" else torch.float32
    params = [torch.tensor(as_dtype(a, dtype), dtype=tdt, requires_grad=True) for a in init64]
    kw["foreach"] = False
    if groups:
        plist = [dict(params=[p], **g) for p, g in zip(params, groups)]
    else:
        plist = params
    opt = getattr(torch.optim, cls)(plist, **kw)
    out = []
    for k in range(STEPS):
        for j, p in enumerate(params):
            if skip and (k + 1, j) in SKIP:
                p.grad = None
            else:
                p.grad = torch.tensor(as_dtype(grad64[k][j], dtype), dtype=tdt)
        opt.step()
        out.append([arr(p, dtype) for p in params])
    return out


cases = {}
for dtype in ("float64", "float32"):
    cases["init_" + dtype] = [arr(torch.tensor(as_dtype(a, dtype)), dtype) for a in init64]
    cases["grads_" + dtype] = [[arr(torch.tensor(as_dtype(g, dtype)), dtype) for g in gs] for gs in grad64]
cases["skip"] = [[k, j + 1] for (k, j) in sorted(SKIP)]
for name, cls, kw in CASES:
    for dtype in ("float64", "float32"):
        opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items() if k not in ("groups", "skip")}
        case = {"optimizer": cls, "options": opts, "params": run_case(cls, kw, dtype)}
        if "groups" in kw:
            case["groups"] = kw["groups"]
            case["skip"] = True
        cases[f"{name}_{dtype}"] = case

# ---------------------------------------------------------------- gradient clipping
crng = np.random.default_rng(7)
cgrads = [crng.normal(size=s) * 3 for s in [(4, 5), (7,), (2, 3, 2)]]
clip = []
for norm_type in [2.0, 1.0, math.inf, 3.0, 0.5]:
    for max_norm in [1.0, 100.0]:
        ps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in cgrads]
        for p, g in zip(ps, cgrads):
            p.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        clip.append({"norm_type": norm_type, "max_norm": max_norm, "total": float(total),
                     "grads": [arr(p.grad, "float64") for p in ps]})
cases["clip_grads"] = [arr(torch.tensor(g), "float64") for g in cgrads]
cases["clip_norm"] = clip
ps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in cgrads]
for p, g in zip(ps, cgrads):
    p.grad = torch.tensor(g)
torch.nn.utils.clip_grad_value_(ps, 1.5)
cases["clip_value"] = {"clip_value": 1.5, "grads": [arr(p.grad, "float64") for p in ps]}


# ---------------------------------------------------------------- schedulers
from torch.optim import lr_scheduler as S  # noqa: E402


def make_opt(kind, lrs=(0.1, 0.02)):
    ps = [torch.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)]
    if kind == "SGD":
        return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)
    return torch.optim.Adam(groups, lr=lrs[0])


def record(opt, sched, steps, metrics=None, epochs=None):
    lrs, moms = [], []

    def snap():
        lrs.append([g["lr"] for g in opt.param_groups])
        m = []
        for g in opt.param_groups:
            m.append(g["betas"][0] if "betas" in g else g.get("momentum", 0))
        moms.append(m)

    snap()
    for k in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[k])
        elif epochs is not None:
            sched.step(epochs[k])
        else:
            sched.step()
        snap()
    return lrs, moms


plateau_metrics = [1.0, 0.9, 0.95, 0.95, 0.9, 0.89999, 0.95, 0.96, 0.97, 0.5, 0.5, 0.5, 0.6, 0.6, 0.6, 0.6,
                   0.49, 0.7, 0.7, 0.7]

SCHED = [
    ("step", "SGD", "StepLR", dict(step_size=3, gamma=0.5), 12),
    ("step_default_gamma", "Adam", "StepLR", dict(step_size=2), 7),
    ("multistep", "SGD", "MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), 12),
    ("exponential", "SGD", "ExponentialLR", dict(gamma=0.9), 10),
    ("cosine", "SGD", "CosineAnnealingLR", dict(T_max=6), 20),
    ("cosine_eta_min", "Adam", "CosineAnnealingLR", dict(T_max=5, eta_min=0.001), 16),
    ("onecycle_cos", "SGD", "OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=20), 19),
    ("onecycle_linear_adam", "Adam", "OneCycleLR",
     dict(max_lr=0.3, epochs=3, steps_per_epoch=4, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
          final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9), 11),
    ("onecycle_three_phase", "SGD", "OneCycleLR", dict(max_lr=0.4, total_steps=15, three_phase=True), 14),
    ("onecycle_no_momentum", "Adam", "OneCycleLR", dict(max_lr=0.2, total_steps=10, cycle_momentum=False), 9),
    ("plateau_min_rel", "SGD", "ReduceLROnPlateau", dict(patience=2), 20),
    ("plateau_max_abs_cooldown", "SGD", "ReduceLROnPlateau",
     dict(mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs", cooldown=2, min_lr=[0.02, 0.005]),
     20),
    ("plateau_min_abs_min_lr", "Adam", "ReduceLROnPlateau",
     dict(factor=0.2, patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.001, eps=1e-3), 20),
    ("plateau_max_rel", "SGD", "ReduceLROnPlateau", dict(mode="max", patience=0, threshold=0.1), 20),
    ("linear_warmup", "SGD", "LinearLR", dict(start_factor=0.25, total_iters=4), 8),
    ("linear_decay", "Adam", "LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=6), 9),
]

sched_cases = {"plateau_metrics": plateau_metrics}
for name, kind, cls, kw, steps in SCHED:
    opt = make_opt(kind)
    sched = getattr(S, cls)(opt, **kw)
    metrics = plateau_metrics if cls == "ReduceLROnPlateau" else None
    lrs, moms = record(opt, sched, steps, metrics)
    opts = {k: v for k, v in kw.items()}
    sched_cases[name] = {"optimizer": kind, "scheduler": cls, "options": opts, "steps": steps, "lr": lrs,
                         "momentum": moms}

# LambdaLR with lr_lambda = 0.95 ** epoch (group 1) and 1 / (epoch + 1) (group 2)
opt = make_opt("SGD")
sched = S.LambdaLR(opt, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (e + 1)])
lrs, _ = record(opt, sched, 6)
sched_cases["lambda"] = {"lr": lrs}

# resuming: groups carry initial_lr and the scheduler starts at last_epoch = 3
opt = make_opt("SGD")
for g in opt.param_groups:
    g["initial_lr"] = g["lr"] * 2
sched = S.CosineAnnealingLR(opt, T_max=6, eta_min=0.001, last_epoch=3)
lrs, _ = record(opt, sched, 8)
sched_cases["cosine_resume"] = {"lr": lrs}

# two chained schedulers on one optimizer: each multiplies the lr the other left
opt = make_opt("SGD")
s1 = S.StepLR(opt, step_size=2, gamma=0.5)
s2 = S.ExponentialLR(opt, gamma=0.9)
lrs = [[g["lr"] for g in opt.param_groups]]
for k in range(8):
    opt.step()
    s1.step()
    s2.step()
    lrs.append([g["lr"] for g in opt.param_groups])
sched_cases["chained_step_exponential"] = {"lr": lrs}

# the deprecated step(epoch) form uses the closed form
for name, cls, kw in [("closed_step", "StepLR", dict(step_size=3, gamma=0.5)),
                      ("closed_multistep", "MultiStepLR", dict(milestones=[2, 4], gamma=0.1)),
                      ("closed_exponential", "ExponentialLR", dict(gamma=0.8)),
                      ("closed_cosine", "CosineAnnealingLR", dict(T_max=8, eta_min=0.01))]:
    opt = make_opt("SGD")
    sched = getattr(S, cls)(opt, **kw)
    epochs = [5, 2, 7, 3, 10, 0]
    lrs, _ = record(opt, sched, len(epochs), epochs=epochs)
    sched_cases[name] = {"scheduler": cls, "options": kw, "epochs": epochs, "lr": lrs}

cases["schedulers"] = sched_cases
write_fixture(os.path.join(fixtures, "optim.lua"), cases, "tests/gen/gen_optim.py")
