#!/usr/bin/env bash
# `make bench`: release builds in their own scratch path (the shared debug build in .build is left
# alone), the Python comparison's venv, then `fedbench run`, which generates and caches the data
# in .bench/, starts a throwaway Prometheus, runs every comparison side by side and writes
# reports/bench/bench.md and bench.json. Extra arguments go to `fedbench run` (see --help).
set -euo pipefail
cd "$(dirname "$0")/../.."

SWIFT=${SWIFT:-swift}
SCRATCH=${BENCH_SCRATCH:-.build-release}
BENCH_DIR=.bench

need() { command -v "$1" >/dev/null 2>&1; }
missing=""
need curl || missing="$missing curl"
need promtool || missing="$missing prometheus"
need valgrind || missing="$missing valgrind"
need python3 || missing="$missing python3 python3-venv"
if [ -n "$missing" ]; then
  echo "installing:$missing"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

for product in fedreport fedbench; do
  $SWIFT build -c release --scratch-path "$SCRATCH" --product "$product"
done

# prometheus-api-client + pandas, in a venv of our own under .bench/ (git-ignored).
if ! "$BENCH_DIR/venv/bin/python" -c 'import prometheus_api_client, pandas' 2>/dev/null; then
  mkdir -p "$BENCH_DIR"
  python3 -m venv "$BENCH_DIR/venv"
  "$BENCH_DIR/venv/bin/pip" install -q prometheus-api-client pandas
fi

exec "$SCRATCH/release/fedbench" run --fedreport "$SCRATCH/release/fedreport" --python "$BENCH_DIR/venv/bin/python" "$@"
