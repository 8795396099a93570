#!/usr/bin/env bash
# Runs the built test suites (`swift test --skip-build`, extra arguments passed on) and then says
# what did not run: one line per skipped test with its reason, and their count. With CI set (to
# anything but empty, as TestBed.isCI reads it) a skipped test fails the run, so that a suite
# can never pass on CI by not running.
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$SWIFT" test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Swift Testing prints a skipped test as
#   ➜ Test "name" skipped: "reason"     (or `skipped.` when no reason was given)
# and a skipped suite as `Suite "name" skipped: …`, followed by a line for each of its tests.
# XCTest prints `Test Case '…' skipped`.
skipped=$(grep -E '^[^[:alnum:]]* *Test .* skipped(\.|: ".*")$|^Test Case .* skipped' "$log" || true)
count=0
if [ -n "$skipped" ]; then
    count=$(wc -l <<<"$skipped")
    echo
    while IFS= read -r line; do
        name=$(sed -E 's/^[^[:alnum:]]* *Test (Case )?//; s/ skipped([.:].*)?$//' <<<"$line")
        reason=$(sed -nE 's/.* skipped: (.*)$/\1/p' <<<"$line")
        echo "skipped: $name — ${reason:-no reason given}"
    done <<<"$skipped"
fi
echo "$count test(s) skipped"

if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$count" -gt 0 ] && [ -n "${CI:-}" ]; then
    echo "error: $count test(s) skipped under CI; every test must run there (install what the reasons above name)." >&2
    exit 1
fi
