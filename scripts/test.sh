#!/usr/bin/env bash
# Runs the whole test suite (unit tests on self-made data, plus real-data checks on ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Tests that segment with the default cache write here, not into the user's ~/.cache.
export CHANGWEN_CACHE="${CHANGWEN_CACHE:-$(mktemp -d)}"
log=$(mktemp)
set +e
dotnet test Changwen.slnx -c Release --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line that any CI reader understands.
count() { { grep -E "^ +$1: +[0-9]+$" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
rm -f "$log"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
