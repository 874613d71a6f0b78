#!/usr/bin/env bash
# Intake benchmarks of issue 3. Usage: bench/run.sh [rows]   (default 1,000,000)
# PostgreSQL runs need SHANGDING_BENCH_POSTGRES (or SHANGDING_TEST_POSTGRES): an admin connection
# string; each run creates and drops its own database. Prints one JSON line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
OUT=${BENCH_DIR:-/tmp/shangding-bench}
mkdir -p "$OUT"
dotnet build -c Release bench/Shangding.Bench -v q --nologo >/dev/null
BIN="dotnet bench/Shangding.Bench/bin/Release/net10.0/Shangding.Bench.dll"
[ -f "$OUT/water-$ROWS.xlsx" ] || $BIN generate "$ROWS" "$OUT/water-$ROWS.xlsx"
[ -f "$OUT/water-$ROWS.csv" ] || $BIN generate "$ROWS" "$OUT/water-$ROWS.csv"
$BIN read "$OUT/water-$ROWS.xlsx"
$BIN read "$OUT/water-$ROWS.csv"
for provider in sqlite postgres; do
  $BIN import "$OUT/water-$ROWS.xlsx" $provider --twice
  $BIN import "$OUT/water-$ROWS.csv" $provider
  $BIN api 200000 $provider
done
