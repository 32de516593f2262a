#!/usr/bin/env bash
# build.sh — set up, build and test Tide on Debian 12 (run as root, or with sudo available).
#
#   ./build.sh run      install what is missing, build, run Tide's main job (tide run cnn)
#   ./build.sh test     install what is missing, build, run the whole test suite
#                       (the sanitizer build first, then every test again on the release build)
#   ./build.sh build    install what is missing and build only
#   ./build.sh bench    build, install the peers (PyTorch, NumPy) and run the benchmarks
set -euo pipefail
cd "$(dirname "$0")"
JOBS=$(nproc 2>/dev/null || echo 2)

BUILD_DEPS=(build-essential cmake pkg-config luajit libluajit-5.1-dev libopenblas-dev libreadline-dev
  libpng-dev zlib1g-dev libcairo2-dev lua-cjson dataset-fashion-mnist curl
  libutf8proc-dev libpcre2-dev libstemmer-dev wordnet-base liblingua-stopwords-perl)
# python3-sklearn ships the breast cancer / digits / wine tables the classical-model tests read;
# chromium opens the EDA report in the headless-browser check (tests/check/eda_report_chromium.sh)
# snowball-data holds the Snowball project's reference vocabularies and stems (stemmer tests)
TEST_DEPS=(lua-busted python3 python3-numpy python3-sklearn chromium snowball-data)
BENCH_DEPS=(python3-numpy python3-torch python3-sklearn python3-pandas python3-nltk bc)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build.sh: installing ${missing[*]}"
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

case "${1:-run}" in
  build)
    install_missing "${BUILD_DEPS[@]}"
    build build
    ;;
  run)
    install_missing "${BUILD_DEPS[@]}"
    build build
    shift || true
    ./build/tide run cnn "$@"
    ;;
  test)
    install_missing "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}"
    # tests that need ../shared/data find it here (reported as pending / skipped without it)
    TIDE_DATA=$(realpath -m "${TIDE_DATA:-../shared/data}"); export TIDE_DATA
    # AddressSanitizer + UndefinedBehaviorSanitizer build: every C test and spec
    build build-asan -DTIDE_SANITIZE=ON
    ctest --test-dir build-asan --output-on-failure -j "$JOBS"
    # the whole suite on the release build; its summary closes the run
    build build
    ctest --test-dir build --output-on-failure -j "$JOBS"
    ;;
  bench)
    install_missing "${BUILD_DEPS[@]}" "${BENCH_DEPS[@]}"
    build build
    for b in bench/run_*.sh; do echo "== $b"; bash "$b"; done
    ;;
  *)
    echo "usage: ./build.sh [run|test|build|bench]" >&2
    exit 2
    ;;
esac
