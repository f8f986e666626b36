#!/usr/bin/env bash
# Runs the whole test suite (unit tests on self-made data, plus real-data checks on ../shared/data), then the
# packaging test (scripts/package-test.sh: the tool and the library installed from packages, used outside the clone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Tests that segment with the default cache write here, not into the user's ~/.cache.
export CHANGWEN_CACHE="${CHANGWEN_CACHE:-$(mktemp -d)}"
log=$(mktemp)
set +e
dotnet test Changwen.slnx -c Release --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
bash scripts/package-test.sh
package_status=$?
set -e
# One plain closing line that any CI reader understands; the packaging test counts as one test.
count() { { grep -E "^ +$1: +[0-9]+$" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
rm -f "$log"
if [ "$package_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); [ "$status" -ne 0 ] || status=$package_status; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
