#!/usr/bin/env bash
# Times the download of a batch's rejects file as a clerk's browser sees it: the first byte, the whole file, its size.
# Usage: bench/web-rejects.sh <base-url> <batch-id> [user]
# Needs a running web app with the demo accounts (Development) and a batch of the user's unit with rejected rows,
# e.g. one uploaded by bench/web-upload.sh from a generated file whose every row has a misspelt ID type:
#   sed '3,$s/,居民身份证,/,居民身分证,/' water-1000000.csv > water-bad.csv
set -euo pipefail
BASE=$1 BATCH=$2 USER_NAME=${3:-water}
. "$(dirname "$0")/web-signin.sh"
for FORMAT in xlsx csv; do
  curl -s -b "$JAR" -o /dev/null -w "{\"step\":\"rejects-$FORMAT\",\"http\":%{http_code},\"firstByteSeconds\":%{time_starttransfer},\"totalSeconds\":%{time_total},\"bytes\":%{size_download}}\n" \
    "$BASE/unit/batches/$BATCH/rejects.$FORMAT"
done
