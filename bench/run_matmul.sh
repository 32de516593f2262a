#!/usr/bin/env bash
# Matmul throughput: a 2048x2048 float32 matmul through Tide's Lua API vs OpenBLAS's cblas_sgemm
# called directly from C, same thread count (2), in one run. Prints the GFLOP/s of each, the
# ratio (target: Tide >= 95% of direct OpenBLAS) and Tide's 4x4 matmul cost per op from Lua.
# The two are run alternately twice and the best of each kept, to damp machine noise.
# Usage: bench/run_matmul.sh [n] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
TIDE=${TIDE:-build/tide}
N=${1:-2048}
THREADS=${2:-2}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
cc -O2 bench/matmul.c $(pkg-config --cflags --libs openblas) -o "$BIN/matmul_c"

best_c=0 best_t=0 small=""
for round in 1 2; do
  out_c=$("$BIN/matmul_c" "$N" "$THREADS" 5)
  out_t=$("$TIDE" bench/matmul.lua "$N" "$THREADS" 5)
  g_c=$(awk '/^gflops/ {print $2}' <<<"$out_c")
  g_t=$(awk '/^gflops/ {print $2}' <<<"$out_t")
  if [ "$round" = 1 ]; then
    grep -v '^gflops\|^small_ns' <<<"$out_c"
    grep -v '^gflops\|^small_ns' <<<"$out_t" | head -1
  fi
  small=$(grep -v '^gflops\|^small_ns' <<<"$out_t" | tail -1)
  best_c=$(awk -v a="$best_c" -v b="$g_c" 'BEGIN {print (b > a ? b : a)}')
  best_t=$(awk -v a="$best_t" -v b="$g_t" 'BEGIN {print (b > a ? b : a)}')
done
echo "$small"
ratio=$(awk -v t="$best_t" -v c="$best_c" 'BEGIN {printf "%.1f", 100 * t / c}')
printf 'best: OpenBLAS direct %.1f GFLOP/s, Tide %.1f GFLOP/s -> Tide at %s%% of direct OpenBLAS\n' "$best_c" "$best_t" "$ratio"
if awk -v r="$ratio" 'BEGIN {exit !(r >= 95)}'; then echo "matmul target (>= 95%): met"; else echo "matmul target (>= 95%): MISSED"; fi
