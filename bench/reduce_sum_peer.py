"""bench/reduce_sum_peer.py — PyTorch's side of bench/reduce_sum.lua: the sum of 16M float32
values, row sums (dim 1) of a 4096x4096 float32 matrix (new result and out=) and column sums
(dim 0), on the thread count given (default 2).

Standalone it prints "RESULT torch:<name> <ms> ms" for every case, each the median of 21 runs
after two warm-ups. With --serve FIFO it stays alive and answers one case name per line read
from FIFO, so bench/reduce_sum.lua can alternate Tide and PyTorch case by case.
Run: /usr/bin/python3 bench/reduce_sum_peer.py [threads] [--serve FIFO]"""
import sys
import time

import torch

args = [a for a in sys.argv[1:] if not a.startswith("--")]
threads = int(args[0]) if args else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
# like bench/reduce_sum.lua, each case cycles through K copies of its input
N, R, K = 16 * 1024 * 1024, 4096, 4
xs = [torch.rand(N) for _ in range(K)]
ms = [torch.rand(R, R) for _ in range(K)]
out = torch.empty(R)
turn = [0]


def nextk():
    turn[0] = (turn[0] + 1) % K
    return turn[0]


CASES = {
    "sum16M": lambda: xs[nextk()].sum().item(),
    "rowsum": lambda: ms[nextk()].sum(1),
    "rowsum_out": lambda: torch.sum(ms[nextk()], 1, out=out),
    "colsum": lambda: ms[nextk()].sum(0),
}


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


print("# torch %s, %d threads" % (torch.__version__, torch.get_num_threads()), flush=True)
if "--serve" in sys.argv:
    fifo = sys.argv[sys.argv.index("--serve") + 1]
    with open(fifo) as commands:
        for line in commands:
            name = line.strip()
            if name == "quit":
                break
            print("RESULT torch:%-12s %8.3f ms" % (name, median_ms(CASES[name])), flush=True)
else:
    for name, f in CASES.items():
        print("RESULT torch:%-12s %8.3f ms" % (name, median_ms(f)))
