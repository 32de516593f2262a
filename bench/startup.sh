#!/usr/bin/env bash
# Start-up time: `tide -e 'require("tide")'` vs `python3 -c "import torch"` (and NumPy), same
# machine, one run. Prints the mean wall time of each and the ratio. Target: Tide under 30 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
TIDE=${TIDE:-build/tide}
PY=/usr/bin/python3

mean_ms() { # mean_ms RUNS CMD...
  local runs=$1; shift
  "$@" >/dev/null 2>&1 # warm the page cache
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
  t1=$(date +%s%N)
  echo "scale=2; ($t1 - $t0) / 1000000 / $runs" | bc
}

tide_ms=$(mean_ms 50 "$TIDE" -e 'require("tide")')
printf '%-40s %8s ms\n' "tide -e 'require(\"tide\")'" "$tide_ms"
if $PY -c "import numpy" 2>/dev/null; then
  np_ms=$(mean_ms 10 $PY -c "import numpy")
  printf '%-40s %8s ms   (tide is %sx faster)\n' 'python3 -c "import numpy"' "$np_ms" "$(echo "scale=1; $np_ms / $tide_ms" | bc)"
fi
if $PY -c "import torch" 2>/dev/null; then
  torch_ms=$(mean_ms 5 $PY -c "import torch")
  printf '%-40s %8s ms   (tide is %sx faster)\n' 'python3 -c "import torch"' "$torch_ms" "$(echo "scale=1; $torch_ms / $tide_ms" | bc)"
fi
if [ "$(echo "$tide_ms < 30" | bc)" -eq 1 ]; then echo "start-up target (< 30 ms): met"; else echo "start-up target (< 30 ms): MISSED"; fi
