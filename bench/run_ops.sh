#!/bin/sh
# bench/run_ops.sh — Tide's elementwise ops against PyTorch and NumPy, side by side in one run:
#   tiny ops (per-op overhead, ns/op): bench/tiny_ops.lua vs bench/tiny_ops_peer.py
#   large ops (16M floats, ms and GB/s, 2 threads): bench/bandwidth.lua vs bench/bandwidth_peer.py
# and prints, per benchmark, Tide's figure, each peer's, and peer/Tide (> 1: Tide is faster).
# Usage: bench/run_ops.sh [tiny|large|all]   (env: TIDE_BUILD_DIR, default ./build;
#        TIDE_BENCH_ITERS, default 300000; TIDE_BENCH_N, default 16777216; TIDE_BENCH_THREADS, 2)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${TIDE_BUILD_DIR:-$here/build}
which=${1:-all}
iters=${TIDE_BENCH_ITERS:-300000}
n=${TIDE_BENCH_N:-16777216}
py=${PYTHON:-/usr/bin/python3}
export LUA_PATH="$here/lua/?.lua;$here/lua/?/init.lua;$build/bindings/?.lua;;"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# table NAME_FILE: joins "RESULT name value" lines of tide and "RESULT peer:name value" of peers
table() {
  awk -v unit="$2" '
    $1 == "RESULT" {
      split($2, p, ":")
      if (p[2] == "") { tide[$2] = $3; if (!($2 in seen)) { order[++k] = $2; seen[$2] = 1 } }
      else peer[p[1], p[2]] = $3
    }
    END {
      printf "%-18s %12s %12s %8s %12s %8s\n", "op", "tide " unit, "torch " unit, "ratio", "numpy " unit, "ratio"
      for (i = 1; i <= k; i++) {
        name = order[i]; t = tide[name]
        tv = peer["torch", name]; nv = peer["numpy", name]
        tr = (tv != "" && t > 0) ? sprintf("%.2f", tv / t) : "-"
        nr = (nv != "" && t > 0) ? sprintf("%.2f", nv / t) : "-"
        printf "%-18s %12s %12s %8s %12s %8s\n", name, t, (tv == "" ? "-" : tv), tr, (nv == "" ? "-" : nv), nr
      }
      print "ratio = peer time / tide time (> 1: tide is faster)"
    }' "$1"
}

# run CMD... in 2 rounds alternating with the peer script, keep each benchmark's best figure
best_of_rounds() {
  out=$1 lua_script=$2 py_script=$3 arg=$4
  : > "$out.all"
  for round in 1 2; do
    luajit "$here/bench/$lua_script" "$arg" > "$out.$round"
    cat "$out.$round" >> "$out.all"
    "$py" "$here/bench/$py_script" "$arg" >> "$out.all"
  done
  grep -h '^#' "$out.all" | sort -u || true
  # tide's names in its own order, then every peer line; each with its best value
  awk '$1 == "RESULT" { if (!($2 in b) || $3 + 0 < b[$2] + 0) b[$2] = $3
                        if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
       END { for (i = 1; i <= k; i++) print "RESULT", order[i], b[order[i]] }' "$out.all" > "$out"
}

if [ "$which" = tiny ] || [ "$which" = all ]; then
  echo "== tiny ops: ns per op, best of 2 x 5 runs of $iters ops, 1 thread"
  best_of_rounds "$tmp/tiny" tiny_ops.lua tiny_ops_peer.py "$iters"
  table "$tmp/tiny" ns
  echo
fi

if [ "$which" = large ] || [ "$which" = all ]; then
  echo "== large ops: $n float32 elements, ms (best of 2 x 15 runs), ${TIDE_BENCH_THREADS:-2} threads for tide and torch, numpy single-threaded"
  best_of_rounds "$tmp/large" bandwidth.lua bandwidth_peer.py "$n"
  table "$tmp/large" ms
fi
