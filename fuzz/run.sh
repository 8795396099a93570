#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: fuzz/run.sh SECONDS [TARGET...]
# (targets: decoder selector duration config quantity; default all).
#
# Each target starts from its seed corpus fuzz/corpus/<target> (read only, regression inputs
# included) plus the inputs earlier runs found, kept in .build-fuzz/corpus/<target>. A crash, trap,
# sanitizer report, leak, input slower than FUZZ_TIMEOUT seconds (a hang) or RSS above
# FUZZ_RSS_MB fails the run; the input is saved under fuzz/crashes/ and the report is printed.
# Full logs: .build-fuzz/logs/<target>.log. Build first with fuzz/build.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decoder selector duration config quantity)
timeout_s=${FUZZ_TIMEOUT:-5}
rss_mb=${FUZZ_RSS_MB:-2048}

OUT=.build-fuzz
mkdir -p fuzz/crashes "$OUT/logs"
# The Swift runtime's own crash handler fights AddressSanitizer and can hang after a trap; let
# libFuzzer report instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}

failed=()
for t in "${targets[@]}"; do
    exe="$OUT/fuzz-$t"
    [ -x "$exe" ] || { echo "fuzz: $exe is missing; run fuzz/build.sh" >&2; exit 2; }
    mkdir -p "$OUT/corpus/$t"
    extra=()
    [ -f "fuzz/$t.dict" ] && extra+=("-dict=fuzz/$t.dict")
    log="$OUT/logs/$t.log"
    "$exe" "$OUT/corpus/$t" "fuzz/corpus/$t" "${extra[@]}" \
        -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
        -artifact_prefix="fuzz/crashes/$t-" -print_final_stats=1 >"$log" 2>&1
    status=$?
    if [ $status -eq 0 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -E '^#[0-9]+.*(DONE|INITED)' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+')
        echo "fuzz: $t ok: ${runs:-?} inputs in ${seconds}s, $cov"
    else
        echo "fuzz: $t FAILED (exit $status); report from $log:" >&2
        # The report: from the sanitizer's or libFuzzer's banner to the saved input.
        sed -n '/^==[0-9]*==\s*ERROR\|Fatal error\|^\*\*\*.*[Ff]uzzer\|ALARM: working on the last Unit/,/Test unit written/p' "$log" \
            | grep -v '^    #[0-9]* 0x[0-9a-f]* in fuzzer::' | head -80 >&2
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}; inputs in fuzz/crashes/ (reproduce: SWIFT_BACKTRACE=enable=no $OUT/fuzz-<target> fuzz/crashes/<file>)" >&2
    exit 1
fi
