"""bench/reduce_sum_peer.py — PyTorch's side of bench/reduce_sum.lua: the sum of 16M float32
values, row sums (dim 1) of a 4096x4096 float32 matrix (new result and out=) and column sums
(dim 0), on the thread count given (default 2).

Standalone it prints "RESULT torch:<name> <ms> ms" for every case, each the median of 21 runs
after two warm-ups. With --serve FIFO it stays alive and answers one case name per line read
from FIFO, so bench/reduce_sum.lua can alternate Tide and PyTorch case by case.
Run: /usr/bin/python3 bench/reduce_sum_peer.py [threads] [--serve FIFO]"""
import torch

from peer_util import median_ms, serve, threads_arg

torch.set_num_threads(threads_arg())
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


def report(name):
    print("RESULT torch:%-12s %8.3f ms" % (name, median_ms(CASES[name])), flush=True)


serve(CASES, report)
