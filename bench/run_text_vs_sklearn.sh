#!/usr/bin/env bash
# Text classification, Tide vs scikit-learn 1.2 (issue 6): tokenising throughput, TF-IDF (word 1-2
# grams) + logistic regression / naive Bayes on the airline tweets, same split, and Tide's
# fastText-style model. Needs ../shared/data (TIDE_DATA) and python3-sklearn, python3-pandas
# (python3-nltk for the TweetTokenizer figure).
#   bench/run_text_vs_sklearn.sh [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
export TIDE_DATA=${TIDE_DATA:-$(realpath -m ../shared/data)}
exec "${TIDE:-build/tide}" bench/text_vs_sklearn.lua "${1:-2}"
