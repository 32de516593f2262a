#!/usr/bin/env bash
# Classical models, Tide vs scikit-learn 1.2 (issue 5): logistic regression, decision tree, random
# forest (100 trees), histogram gradient boosting, k-NN (k=5), Gaussian NB, PCA(50) and
# k-means(10) on digits and Fashion-MNIST (60,000 x 784), same splits, both on THREADS cores.
#   bench/run_classical_vs_sklearn.sh [THREADS=2] [DATASETS=digits,fashion] [MODELS=all]
# (the full run takes ~15 minutes: scikit-learn alone needs ~7 on Fashion-MNIST)
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${TIDE:-build/tide}" bench/classical_vs_sklearn.lua "${1:-2}" "${2:-digits,fashion}" "${3:-all}"
