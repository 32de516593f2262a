#!/usr/bin/env bash
# Sums against PyTorch (16M float32 sum, row and column sums of 4096x4096), see bench/reduce_sum.lua.
set -euo pipefail
cd "$(dirname "$0")/.."
"${TIDE:-build/tide}" bench/reduce_sum.lua "${1:-2}" "${2:-5}"
