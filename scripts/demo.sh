#!/usr/bin/env bash
# The whole nightly job on a local demo data set: generate three OpenShift builds on two clusters
# (one upgraded mid-window) and a k3s baseline from the real 4.6 figures, and 18 nightlies of
# 4.7.0 on a CI cluster (one a day, with build-to-build noise and one planted step); backfill
# them into two throwaway Prometheus servers, collect and compare, run the nightly job night by
# night, then report and follow the trend; then print where the reports are. With DEMO_SAMPLES=1
# (make samples) it also refreshes the committed samples in reports/sample/ and, when chromium is
# installed, the screenshots in docs/images/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
DEMO=.demo
OUT=${DEMO_OUTPUT:-reports}
SAMPLE=reports/sample
IMAGES=docs/images
mkdir -p "$DEMO" "$OUT"

NIGHTLIES=$DEMO/nightlies
for dir in "$DEMO" "$NIGHTLIES"; do
  if [ -f "$dir/prometheus.pid" ]; then kill "$(cat "$dir/prometheus.pid")" 2>/dev/null || true; rm -f "$dir/prometheus.pid"; fi
done
echo "==> generating the demo data and starting a throwaway Prometheus (about 15 s)"
url=$("$BIN/fedsim" up --scenario demo --dir "$DEMO")
trap 'kill "$(cat "$DEMO/prometheus.pid")" 2>/dev/null || true; kill "$(cat "$NIGHTLIES/prometheus.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
echo "==> generating 18 nightlies on a CI cluster and starting a second Prometheus (about 20 s)"
nightly_url=$("$BIN/fedsim" up --scenario nightlies --dir "$NIGHTLIES")
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
  builds: 18
# The edge target of the seed: the platform in 2 cores and 8 GiB.
budgets:
  total: {cpu: 2, memory: 8Gi}
  categories: {control-plane: {memory: 3Gi}}
  components: {etcd: {cpu: 500m}}
YAML
rm -f "$DEMO"/fedreport.sqlite*

run() { echo "==> fedreport $*" >&2; "$BIN/fedreport" "$@"; }
run check --config "$DEMO/fedreport.yaml" --end "$end" --window 6h
run collect --config "$DEMO/fedreport.yaml" --start "$start" --end "$end"
run builds --config "$DEMO/fedreport.yaml"
run snapshots --config "$DEMO/fedreport.yaml"
run compare 4.6.1 4.6.8 --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json --output "$OUT" >"$DEMO/compare-paths.txt"

# The nightly job as cron runs it, once a night on the CI cluster's run of that night: collect,
# then the periodic report over the last 18 builds. It exits 3 on the night the planted change
# first shows (see docs/commands.md, nightly --fail-on).
echo "==> the nightly job, night by night ($("$BIN/fedsim" window --scenario nightlies --runs | wc -l) nights)"
night=0
while read -r night_start night_end; do
  night=$((night + 1))
  status=0
  "$BIN/fedreport" nightly --config "$DEMO/fedreport.yaml" --url "$nightly_url" --start "$night_start" --end "$night_end" \
    --step 60s --cluster ci-nightly-0 --baseline k3s --format json --output "$DEMO/nights" --quiet >/dev/null 2>"$DEMO/night.log" \
    || status=$?
  case $status in
    0) ;;
    3) echo "  night $night: exit 3, $(grep -m1 '^change point' "$DEMO/night.log" || echo 'a regression')" ;;
    *) cat "$DEMO/night.log" >&2; exit "$status" ;;
  esac
done < <("$BIN/fedsim" window --scenario nightlies --runs)

run report --distribution ocp --cluster ci-nightly-0 --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,csv,json,jira \
  --output "$OUT" >"$DEMO/report-paths.txt"
run trend --distribution ocp --cluster ci-nightly-0 --baseline k3s --config "$DEMO/fedreport.yaml" --format md,html,json --output "$OUT" \
  >"$DEMO/trend-paths.txt"

# The committed samples and screenshots change only when asked for (make samples, or
# DEMO_SAMPLES=1): a demo run leaves the work tree as it was.
if [ "${DEMO_SAMPLES:-0}" = 1 ]; then
  # The committed samples: the same reports under names without the time stamp.
  echo "==> refreshing the samples in $SAMPLE/"
  mkdir -p "$SAMPLE"
  rm -f "$SAMPLE"/report-ocp-* "$SAMPLE"/trend-ocp-*
  for f in $(cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt" "$DEMO/trend-paths.txt"); do
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
    report_html=$(ls "$SAMPLE"/report-ocp-*.html)
    shoot "$report_html" "$IMAGES/report.png" 1280,800
    shoot "$report_html" "$IMAGES/report-phone.png" 390,844
  else
    echo "==> no chromium: screenshots in $IMAGES/ left as they are (apt-get install chromium)"
  fi
  echo "Samples: $SAMPLE/"
else
  echo "==> samples in $SAMPLE/ and screenshots in $IMAGES/ left as they are (make samples refreshes them)"
fi

echo
echo "Reports:"
cat "$DEMO/compare-paths.txt" "$DEMO/report-paths.txt" "$DEMO/trend-paths.txt" | sed 's/^/  /'
