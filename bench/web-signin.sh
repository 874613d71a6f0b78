# Sourced by the web benchmarks: signs in as a demo account ($USER_NAME) on $BASE, keeping the session in the cookie
# jar $JAR (removed when the script exits), and defines `token` (the page's anti-forgery token from standard input).
JAR=$(mktemp)
trap 'rm -f "$JAR"' EXIT
token() { grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
T=$(curl -s -c "$JAR" -b "$JAR" "$BASE/account/signin" | token)
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "UserName=$USER_NAME" --data-urlencode "Password=Shangding-demo-2026" \
  --data-urlencode "__RequestVerificationToken=$T" "$BASE/account/signin"
