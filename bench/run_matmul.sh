#!/usr/bin/env bash
# Matmul throughput: a 2048x2048 float32 matmul through Tide's Lua API vs OpenBLAS's cblas_sgemm
# called directly from C, same thread count (2), in one run. Prints the GFLOP/s of each, the
# ratio (target: Tide >= 95% of direct OpenBLAS) and Tide's 4x4 matmul cost per op from Lua.
# The target is judged on the same work on both sides: the C program writes into a buffer it
# reuses, so Tide writes into a reused out= tensor; the ratio with a fresh result per call
# (which adds the page faults of a new 16 MB result) is printed too. The two programs run
# alternately for several rounds and the best of each is kept, to damp machine noise.
# Usage: bench/run_matmul.sh [n] [threads] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
TIDE=${TIDE:-build/tide}
N=${1:-2048}
THREADS=${2:-2}
ROUNDS=${3:-3}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
cc -O2 bench/matmul.c $(pkg-config --cflags --libs openblas) -o "$BIN/matmul_c"

max() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > a ? b : a)}'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN {print (b < a ? b : a)}'; }
best_c=0 best_t=0 best_o=0 small_new=1e9 small_out=1e9
for round in $(seq "$ROUNDS"); do
  out_c=$("$BIN/matmul_c" "$N" "$THREADS" 5)
  out_t=$("$TIDE" bench/matmul.lua "$N" "$THREADS" 5)
  [ "$round" = 1 ] && { grep -v '^gflops\|^small_ns' <<<"$out_c"; grep -v '^gflops\|^small_ns' <<<"$out_t" | head -2; }
  best_c=$(max "$best_c" "$(awk '$1 == "gflops" {print $2}' <<<"$out_c")")
  best_t=$(max "$best_t" "$(awk '$1 == "gflops" {print $2}' <<<"$out_t")")
  best_o=$(max "$best_o" "$(awk '$1 == "gflops_out" {print $2}' <<<"$out_t")")
  small_new=$(min "$small_new" "$(awk '$1 == "small_ns" {print $2}' <<<"$out_t")")
  small_out=$(min "$small_out" "$(awk '$1 == "small_ns" {print $3}' <<<"$out_t")")
done
printf 'Tide 4x4 float32 matmul from Lua: %.0f ns/op (new result), %.0f ns/op (out=)  [best of %d rounds]\n' \
  "$small_new" "$small_out" "$ROUNDS"
ratio=$(awk -v t="$best_o" -v c="$best_c" 'BEGIN {printf "%.1f", 100 * t / c}')
ratio_new=$(awk -v t="$best_t" -v c="$best_c" 'BEGIN {printf "%.1f", 100 * t / c}')
printf 'best of %d rounds: OpenBLAS direct %.1f GFLOP/s; Tide %.1f GFLOP/s into out= (%s%%), %.1f GFLOP/s with a new result (%s%%)\n' \
  "$ROUNDS" "$best_c" "$best_o" "$ratio" "$best_t" "$ratio_new"
if awk -v r="$ratio" 'BEGIN {exit !(r >= 95)}'; then echo "matmul target (Tide >= 95% of direct OpenBLAS): met ($ratio%)"
else echo "matmul target (Tide >= 95% of direct OpenBLAS): MISSED ($ratio%)"; fi
