#!/usr/bin/env python3
"""pandas.read_csv on the benchmark file: best of `rounds` wall times in seconds, printed as
'pandas <seconds> <rows> <cols>'. Run by bench/run_csv_vs_pandas.sh with /usr/bin/python3."""
import sys
import time

import pandas as pd


def main():
    path, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    best, shape = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        best = min(best, time.perf_counter() - t0)
        shape = df.shape
        del df
    print("pandas %.4f %d %d" % (best, shape[0], shape[1]))


if __name__ == "__main__":
    main()
