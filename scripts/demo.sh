#!/usr/bin/env bash
# The whole nightly job on a local demo data set: generate three OpenShift builds on two clusters
# (one upgraded mid-window) and a k3s baseline from the real 4.6 figures, backfill them into a
# throwaway Prometheus, collect, compare and report, then print where the reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
DEMO=.demo
OUT=${DEMO_OUTPUT:-reports}
mkdir -p "$DEMO" "$OUT"

if [ -f "$DEMO/prometheus.pid" ]; then kill "$(cat "$DEMO/prometheus.pid")" 2>/dev/null || true; rm -f "$DEMO/prometheus.pid"; fi
echo "==> generating the demo data and starting a throwaway Prometheus (about 15 s)"
url=$("$BIN/fedsim" up --scenario demo --dir "$DEMO")
trap 'kill "$(cat "$DEMO/prometheus.pid")" 2>/dev/null || true' EXIT
read -r start end < <("$BIN/fedsim" window --scenario demo)

cat > "$DEMO/fedreport.yaml" <<YAML
# Written by scripts/demo.sh: the demo's throwaway Prometheus stands in for the Thanos querier.
querier:
  url: $url
database: $DEMO/fedreport.sqlite
collect:
  step: 30s
report:
  output: $OUT
YAML
rm -f "$DEMO"/fedreport.sqlite*

run() { echo "==> fedreport $*" >&2; "$BIN/fedreport" "$@"; }
run check --config "$DEMO/fedreport.yaml" --end "$end" --window 6h
run collect --config "$DEMO/fedreport.yaml" --start "$start" --end "$end"
run builds --config "$DEMO/fedreport.yaml"
run snapshots --config "$DEMO/fedreport.yaml"
if "$BIN/fedreport" help compare >/dev/null 2>&1; then
  run compare 4.6.1 4.6.8 --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json --output "$OUT" | tee "$DEMO/compare-paths.txt"
  run report --distribution ocp --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json --output "$OUT" | tee "$DEMO/report-paths.txt"
  echo
  echo "Reports:"
  cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt" | sed 's/^/  /'
fi

# `UPDATE_SAMPLE=1 make demo` refreshes the committed sample reports (Markdown and HTML).
if [ "${UPDATE_SAMPLE:-}" = 1 ]; then
  mkdir -p reports/sample
  for f in $(cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt"); do
    case "$f" in
      *.md|*.html) cp "$f" "reports/sample/$(basename "$f" | sed -E 's/-[0-9]{8}T[0-9]{4}Z//')" ;;
    esac
  done
  echo "sample reports refreshed in reports/sample/"
fi
