#!/usr/bin/env bash
# Intake benchmarks of issue 3. Usage: bench/run.sh [rows]   (default 1,000,000)
# PostgreSQL runs need SHANGDING_BENCH_POSTGRES (or SHANGDING_TEST_POSTGRES): an admin connection
# string; each run creates and drops its own database. Prints one JSON line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "score" ]; then
  # Score benchmarks of issue 4. Usage: bench/run.sh score [persons] [records-per-person]
  # (default 1,031,000 persons — about 1,000,000 of them adults who all opt in — and a mean of 10 records each).
  PERSONS=${2:-1031000}
  PER=${3:-10}
  dotnet build -c Release bench/Shangding.Bench -v q --nologo >/dev/null
  BIN="dotnet bench/Shangding.Bench/bin/Release/net10.0/Shangding.Bench.dll"
  # The CLI's GC settings (no background GC, memory retained), and a 256 MB gen0 budget: see RESULTS.md.
  export DOTNET_gcConcurrent=0 DOTNET_GCRetainVM=1 DOTNET_GCgen0size=0x10000000
  DIR=${BENCH_DIR:-/tmp/shangding-bench}
  mkdir -p "$DIR"
  for provider in postgres sqlite; do
    target=sd_score_bench
    [ $provider = sqlite ] && target="$DIR/score-bench.db"
    $BIN score-generate $provider "$target" "$PERSONS" "$PER"
    for step in score-stream score-recompute "score-recompute --draft" "score-rescore 10000" score-simulate; do
      echo "{\"uptime\": \"$(uptime)\"}"
      # shellcheck disable=SC2086
      set -- $step
      $BIN "$1" $provider "$target" "${@:2}"
    done
    $BIN score-drop $provider "$target"
  done
  exit 0
fi
# bench/run.sh floor [rows]: the storage floor under a file's import on each engine (see README.md).
FLOOR=false
if [ "${1:-}" = "floor" ]; then
  FLOOR=true
  shift
fi
ROWS=${1:-1000000}
OUT=${BENCH_DIR:-/tmp/shangding-bench}
mkdir -p "$OUT"
dotnet build -c Release bench/Shangding.Bench -v q --nologo >/dev/null
BIN="dotnet bench/Shangding.Bench/bin/Release/net10.0/Shangding.Bench.dll"
if [ "$FLOOR" = true ]; then
  [ -f "$OUT/water-$ROWS.csv" ] || $BIN generate "$ROWS" "$OUT/water-$ROWS.csv"
  for provider in sqlite postgres; do
    $BIN calibrate
    $BIN storage-floor "$OUT/water-$ROWS.csv" $provider
  done
  exit 0
fi
[ -f "$OUT/water-$ROWS.xlsx" ] || $BIN generate "$ROWS" "$OUT/water-$ROWS.xlsx"
[ -f "$OUT/water-$ROWS.csv" ] || $BIN generate "$ROWS" "$OUT/water-$ROWS.csv"
$BIN read "$OUT/water-$ROWS.xlsx"
$BIN read "$OUT/water-$ROWS.csv"
# A calibration before each timed step: the same fixed work, to tell a slow phase of a shared
# virtual machine from a slow change (see calibrate in README.md).
for provider in sqlite postgres; do
  $BIN calibrate
  $BIN import "$OUT/water-$ROWS.xlsx" $provider --twice
  $BIN calibrate
  $BIN import "$OUT/water-$ROWS.csv" $provider
  $BIN calibrate
  $BIN api 200000 $provider
done
