#!/usr/bin/env bash
# bench/run_cnn_vs_torch.sh — issue 3's flagship benchmark: the same CNN trained on Fashion-MNIST by Tide
# (bench/cnn_vs_torch.lua) and PyTorch (bench/cnn_vs_torch_peer.py), 2 threads each, one after the other in this
# run; prints both figures and Tide/PyTorch ratios (> 1: Tide is faster / larger).
#   bench/run_cnn_vs_torch.sh [EPOCHS=2]          speed, accuracy and peak memory
#   bench/run_cnn_vs_torch.sh memory [EPOCHS=10]  Tide's resident memory after every epoch
set -euo pipefail
cd "$(dirname "$0")/.."
tide=${TIDE:-build/tide}
py=${PYTHON:-/usr/bin/python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "${1:-}" = memory ]; then
  "$tide" bench/cnn_vs_torch.lua --epochs "${2:-10}" --memory | tee "$out"
  awk '/rss_after_epoch_1_mb/ {a=$3} /rss_after_epoch_/ {b=$3} END {printf "RSS after epoch 1: %.1f MB, after the last: %.1f MB (%+.1f%%)\n", a, b, 100*(b-a)/a}' "$out"
  exit 0
fi
epochs=${1:-2}
"$tide" bench/cnn_vs_torch.lua --epochs "$epochs" | tee -a "$out"
"$py" bench/cnn_vs_torch_peer.py --epochs "$epochs" | tee -a "$out"
awk '
  /^RESULT peer:/ { sub("peer:", "", $2); peer[$2] = $3; next }
  /^RESULT / { tide[$2] = $3 }
  END {
    printf "\n%-14s %12s %12s %10s\n", "", "Tide", "PyTorch", "Tide/PyTorch"
    n = split("train_img_s infer_img_s test_acc peak_rss_mb", k, " ")
    for (i = 1; i <= n; i++) printf "%-14s %12.1f %12.1f %10.2f\n", k[i], tide[k[i]], peer[k[i]], tide[k[i]] / peer[k[i]]
    printf "accuracy difference (Tide - PyTorch): %+.2f points\n", tide["test_acc"] - peer["test_acc"]
  }' "$out"
