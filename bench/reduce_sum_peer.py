"""bench/reduce_sum_peer.py — PyTorch's side of bench/reduce_sum.lua: the sum of 16M float32
values, row sums (dim 1) of a 4096x4096 float32 matrix (new result and out=) and column sums
(dim 0), on the thread count given (default 2). Prints "RESULT torch:<name> <ms> ms", the
median of 21 runs after two warm-ups.
Run: /usr/bin/python3 bench/reduce_sum_peer.py [threads]"""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
N, R = 16 * 1024 * 1024, 4096
x = torch.rand(N)
m = torch.rand(R, R)
out = torch.empty(R)


def median_ms(f, reps=21):
    f()
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append((time.perf_counter() - t0) * 1e3)
    t.sort()
    return t[(reps + 1) // 2 - 1]


print("# torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
for name, f in (
    ("sum16M", lambda: x.sum().item()),
    ("rowsum", lambda: m.sum(1)),
    ("rowsum_out", lambda: torch.sum(m, 1, out=out)),
    ("colsum", lambda: m.sum(0)),
):
    print("RESULT torch:%-12s %8.3f ms" % (name, median_ms(f)))
