#!/usr/bin/env bash
# Times a web upload as a clerk sees it: how long the upload request takes to answer, then the batch page's
# progress until the batch is done (a big file that waits in line for its turn: its place, then its batch).
# Usage: bench/web-upload.sh <base-url> <file> [user]
# Needs a running web app with the demo accounts (Development), e.g.
#   dotnet run -c Release --project src/Shangding.Web -- --urls http://127.0.0.1:5099
# and a file of the water company's category (P-ARREARS-WATER), e.g. from `Shangding.Bench generate`.
set -euo pipefail
BASE=$1 FILE=$2 USER_NAME=${3:-water}
. "$(dirname "$0")/web-signin.sh"
T=$(curl -s -c "$JAR" -b "$JAR" "$BASE/unit/upload/P-ARREARS-WATER" | token)
START=$(date +%s.%N)
ANSWER=$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w "%{redirect_url} %{time_total}" -F "__RequestVerificationToken=$T" \
  -F "Upload=@$FILE;filename=$(basename "$FILE")" "$BASE/unit/upload/P-ARREARS-WATER")
BATCH=${ANSWER%% *}
echo "{\"step\":\"web-upload\",\"file\":\"$(basename "$FILE")\",\"answeredSeconds\":${ANSWER##* },\"batch\":\"$BATCH\"}"
while true; do
  # -L: the line's page sends the clerk on to the batch's page once its import has started.
  PAGE=$(curl -s -L -b "$JAR" -w '\n%{url_effective}' "$BATCH")
  NOW=$(echo "$(date +%s.%N) - $START" | bc)
  if ! grep -q "batch-progress" <<<"$PAGE" && grep -q "/unit/uploads/" <<<"$(tail -1 <<<"$PAGE")"; then
    # Ended without a batch (cancelled in line, failed before its batch row, or unknown to the app).
    echo "{\"step\":\"web-upload-failed\",\"seconds\":$NOW,\"error\":\"$(grep -o '<p class="error"[^>]*>[^<]*' <<<"$PAGE" | sed 's/<[^>]*>//' | head -1)\"}"
    exit 1
  fi
  if ! grep -q "batch-progress" <<<"$PAGE"; then
    COUNTS=$(grep -o '<strong>[0-9,]*</strong>' <<<"$PAGE" | head -6 | sed 's/<[^>]*>//g' | tr -d ',' | paste -sd, -)
    echo "{\"step\":\"web-upload-done\",\"seconds\":$NOW,\"counts\":[$COUNTS]}"
    break
  fi
  echo "{\"seconds\":$NOW,\"progress\":\"$(grep -o '已读取并校验 [0-9,]* 行（文件的 [0-9]*%）\|正在读取文件\|全部读取，正在入库\|您的文件排在第 [0-9]* 位\|正在开始处理' <<<"$PAGE" | head -1)\"}"
  sleep 2
done
