"""bench/tiny_ops_peer.py — the peers of bench/tiny_ops.lua: per-op overhead of tiny tensors in
PyTorch eager and NumPy (16-element float32 add into a new result, into out=, in place; times a
number; exp; relu; 4x4 matmul). Prints "RESULT <peer>:<name> <ns/op>".
Run: /usr/bin/python3 bench/tiny_ops_peer.py [iterations]"""
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300000


def bench(name, f, n=N):
    f(max(1, n // 10))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        f(n)
        best = min(best, (time.perf_counter() - t0) / n * 1e9)
    print("RESULT %-24s %9.1f ns/op" % (name, best))


def loop(op):
    # the loop itself costs ~30 ns/iteration in CPython; it is part of what a user pays
    def run(n):
        for _ in range(n):
            op()
    return run


def run_torch():
    try:
        import torch
    except ImportError:
        print("# torch not available")
        return
    torch.set_num_threads(1)
    a, b, out = torch.rand(16), torch.rand(16), torch.empty(16)
    m1, m2 = torch.rand(4, 4), torch.rand(4, 4)
    bench("torch:add16", loop(lambda: a + b))
    bench("torch:add16_out", loop(lambda: torch.add(a, b, out=out)))
    bench("torch:add16_inplace", loop(lambda: out.add_(b)))
    bench("torch:mul16_scalar", loop(lambda: a * 2))
    bench("torch:exp16", loop(lambda: a.exp()))
    bench("torch:relu16", loop(lambda: a.relu()))
    bench("torch:matmul4x4", loop(lambda: torch.matmul(m1, m2)))


def run_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.random(16, dtype=np.float32), rng.random(16, dtype=np.float32)
    out = np.empty(16, dtype=np.float32)
    m1, m2 = rng.random((4, 4), dtype=np.float32), rng.random((4, 4), dtype=np.float32)
    two = np.float32(2)
    bench("numpy:add16", loop(lambda: a + b))
    bench("numpy:add16_out", loop(lambda: np.add(a, b, out=out)))
    bench("numpy:add16_inplace", loop(lambda: np.add(out, b, out=out)))
    bench("numpy:mul16_scalar", loop(lambda: a * two))
    bench("numpy:exp16", loop(lambda: np.exp(a)))
    bench("numpy:relu16", loop(lambda: np.maximum(a, 0)))
    bench("numpy:matmul4x4", loop(lambda: m1 @ m2))


if __name__ == "__main__":
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    if which in ("all", "torch"):
        run_torch()
    if which in ("all", "numpy"):
        run_numpy()
