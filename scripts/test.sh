#!/usr/bin/env bash
# Runs the whole test suite (XCTest) and ends with a plain "N passed, N failed" summary line.
# Extra arguments go to `swift test` (e.g. --filter BackdoorTests).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test --disable-swift-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The last summary line is the whole run's ("… with N tests skipped and M failures" when some skip).
line=$(grep -E "Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?" "$log" | tail -1)
executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$line")
failed=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$line")
skipped=$(grep -cE "Test Case .* skipped" "$log" || true)
if [ -n "$line" ]; then
  echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
