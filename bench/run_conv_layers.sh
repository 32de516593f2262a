#!/usr/bin/env bash
# The CNN benchmark's convolution and pooling layers against PyTorch, forward and backward per
# layer plus the four chained (see bench/conv_layers.lua). Args: [threads] [rounds].
set -euo pipefail
cd "$(dirname "$0")/.."
"${TIDE:-build/tide}" bench/conv_layers.lua "${1:-2}" "${2:-5}"
