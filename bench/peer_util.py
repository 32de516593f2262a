"""bench/peer_util.py — what the PyTorch peers of the Lua benchmarks (bench/*_peer.py) share: the
thread-count argument, median timings (as bench/clock.lua takes them), and the case loop.

A peer prints a header line, then for each case one line "RESULT torch:<case> <values> ms". With
--serve FIFO it stays alive and answers one case name per line read from FIFO (until "quit"), so
the Lua side (bench/peer.lua) can alternate Tide and PyTorch case by case; without, it runs every
case once."""
import sys
import time

import torch


def threads_arg(default=2):
    """The thread count: the first command-line argument that is not an option or a path."""
    args = [a for a in sys.argv[1:] if not a.startswith("--") and not a.startswith("/")]
    return int(args[0]) if args else default


def medians(sample, reps=21, warmups=2):
    """The median of each value sample() returns (a tuple of numbers), over reps runs after warmups."""
    for _ in range(warmups):
        sample()
    runs = [sample() for _ in range(reps)]
    m = (reps + 1) // 2 - 1
    return tuple(sorted(col)[m] for col in zip(*runs))


def median_ms(f, reps=21):
    """The median time (ms) of reps runs of f after two warm-ups."""
    def timed():
        t0 = time.perf_counter()
        f()
        return ((time.perf_counter() - t0) * 1e3,)
    return medians(timed, reps)[0]


def serve(cases, report):
    """Print the header, then report(name) for each case asked through --serve FIFO, or for every
    name in cases."""
    print("# torch %s, %d threads" % (torch.__version__, torch.get_num_threads()), flush=True)
    if "--serve" in sys.argv:
        fifo = sys.argv[sys.argv.index("--serve") + 1]
        with open(fifo) as commands:
            for line in commands:
                name = line.strip()
                if name == "quit":
                    break
                report(name)
    else:
        for name in cases:
            report(name)
