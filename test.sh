#!/usr/bin/env bash
# The test command of the README: builds everything and runs every test project.
# PostgreSQL tests run when SHANGDING_TEST_POSTGRES is set (as .ci/run does); otherwise they are
# skipped locally, and fail under CI=true.
set -euo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Shangding.slnx --nologo 2>&1 | tee "$log" || status=$?
# One closing line over all test projects.
awk '/^(Passed!|Failed!) +- +Failed:/ {
        gsub(",", ""); for (i = 1; i <= NF; i++) {
          if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
