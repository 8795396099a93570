#!/usr/bin/env bash
# The whole nightly job on a local demo data set: generate three OpenShift builds on two clusters
# (one upgraded mid-window) and a k3s baseline from the real 4.6 figures, backfill them into a
# throwaway Prometheus, collect, compare and report; refresh the committed samples in
# reports/sample/ and, when chromium is installed, the screenshots in docs/images/; then print
# where the reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
DEMO=.demo
OUT=${DEMO_OUTPUT:-reports}
SAMPLE=reports/sample
IMAGES=docs/images
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
run compare 4.6.1 4.6.8 --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json --output "$OUT" >"$DEMO/compare-paths.txt"
run report --distribution ocp --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json --output "$OUT" >"$DEMO/report-paths.txt"

# The committed samples: the same reports under names without the time stamp.
echo "==> refreshing the samples in $SAMPLE/"
mkdir -p "$SAMPLE"
for f in $(cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt"); do
  cp "$f" "$SAMPLE/$(basename "$f" | sed -E 's/-[0-9]{8}T[0-9]{4}Z//')"
done

# Screenshots of the HTML samples as a desktop (1280×800) and a phone (390×844) browser show
# them: the top of the page, which the README links.
chromium=$(command -v chromium || true)
shoot() {
  local html=$1 png=$2 size=$3 profile
  profile=$(mktemp -d)
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$size" --virtual-time-budget=3000 --screenshot="$PWD/$png" "file://$PWD/$html" >/dev/null 2>&1
  rm -rf "$profile"
  echo "  $png"
}
if [ -n "$chromium" ]; then
  echo "==> screenshots in $IMAGES/"
  mkdir -p "$IMAGES"
  shoot "$SAMPLE/compare-4.6.1_vs_4.6.8.html" "$IMAGES/compare.png" 1280,800
  shoot "$SAMPLE/compare-4.6.1_vs_4.6.8.html" "$IMAGES/compare-phone.png" 390,844
  shoot "$SAMPLE/report-ocp-4.6.16.html" "$IMAGES/report.png" 1280,800
  shoot "$SAMPLE/report-ocp-4.6.16.html" "$IMAGES/report-phone.png" 390,844
else
  echo "==> no chromium: screenshots in $IMAGES/ left as they are (apt-get install chromium)"
fi

echo
echo "Samples: $SAMPLE/"
echo "Reports:"
cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt" | sed 's/^/  /'
