#!/usr/bin/env bash
# Start-up time vs Python peers, and resident memory under tensor churn.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/startup.sh
"${TIDE:-build/tide}" bench/memory_temporaries.lua
