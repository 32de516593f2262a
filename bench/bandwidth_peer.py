"""bench/bandwidth_peer.py — the peers of bench/bandwidth.lua: the same 16M-float ops in
PyTorch (out=, 2 threads by default) and NumPy (out=, single-threaded by design).
Prints "RESULT <peer>:<name> <ms> ms <GB/s> GB/s". Run: /usr/bin/python3 bench/bandwidth_peer.py [n]"""
import os
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 16 * 1024 * 1024
THREADS = int(os.environ.get("TIDE_BENCH_THREADS", "2"))
B = 4 * N


def bench(name, nbytes, f, reps=15):
    f()
    f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    ms = min(times)  # the best run: the least disturbed on a shared machine
    print("RESULT %-22s %8.3f ms %7.2f GB/s" % (name, ms, nbytes / ms / 1e6))


def run_torch():
    try:
        import torch
    except ImportError:
        print("# torch not available")
        return
    torch.set_num_threads(THREADS)
    print("# torch %s: %d threads" % (torch.__version__, torch.get_num_threads()))
    a, b, out = torch.rand(N), torch.rand(N), torch.empty(N)
    row = torch.rand(1024)
    a2, out2 = a.view(N // 1024, 1024), out.view(N // 1024, 1024)
    bench("torch:add_out", 3 * B, lambda: torch.add(a, b, out=out))
    bench("torch:add_new", 3 * B, lambda: a + b)
    bench("torch:add_inplace", 3 * B, lambda: out.add_(b))
    bench("torch:mul_scalar_out", 2 * B, lambda: torch.mul(a, 3, out=out))
    bench("torch:add_bcast_out", 2 * B, lambda: torch.add(a2, row, out=out2))
    bench("torch:relu_out", 2 * B, lambda: torch.clamp_min(a, 0, out=out))
    bench("torch:exp_out", 2 * B, lambda: torch.exp(a, out=out))
    bench("torch:sigmoid_out", 2 * B, lambda: torch.sigmoid(a, out=out))
    bench("torch:sum", B, lambda: torch.sum(a))


def run_numpy():
    print("# numpy %s: 1 thread" % np.__version__)
    rng = np.random.default_rng(0)
    a, b = rng.random(N, dtype=np.float32), rng.random(N, dtype=np.float32)
    out = np.empty(N, dtype=np.float32)
    row = rng.random(1024, dtype=np.float32)
    a2, out2 = a.reshape(N // 1024, 1024), out.reshape(N // 1024, 1024)
    bench("numpy:add_out", 3 * B, lambda: np.add(a, b, out=out))
    bench("numpy:add_new", 3 * B, lambda: a + b)
    bench("numpy:add_inplace", 3 * B, lambda: np.add(out, b, out=out))
    bench("numpy:mul_scalar_out", 2 * B, lambda: np.multiply(a, np.float32(3), out=out))
    bench("numpy:add_bcast_out", 2 * B, lambda: np.add(a2, row, out=out2))
    bench("numpy:relu_out", 2 * B, lambda: np.maximum(a, np.float32(0), out=out))
    bench("numpy:exp_out", 2 * B, lambda: np.exp(a, out=out))
    bench("numpy:sigmoid_out", 2 * B, lambda: np.divide(1, 1 + np.exp(-a), out=out))
    bench("numpy:sum", B, lambda: np.sum(a))


if __name__ == "__main__":
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    if which in ("all", "torch"):
        run_torch()
    if which in ("all", "numpy"):
        run_numpy()
