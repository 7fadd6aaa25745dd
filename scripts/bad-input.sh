#!/usr/bin/env bash
# Hostile input against a live `loyalty serve` (SQLite): malformed JSON, NaN/Infinity,
# huge/negative/fractional numbers, wrong types, overlong and odd unicode strings,
# array and deeply nested bodies, an oversize body, missing and duplicated headers,
# and a body that trickles in (slowloris). Each gets a clear 4xx, the server keeps
# serving, and nothing is written. Then, with the server logging at trace level: the
# API secret and a webhook secret (created and rotated) appear in no log line and in
# no response after the one that created them. Usage: scripts/bad-input.sh   (BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18781}
DATA=$(mktemp -d /tmp/loyalty-bad-XXXXXX)
trap 'stop_all_servers; [ -n "${KEEP:-}" ] || rm -rf "$DATA"' EXIT
shop_create Bad --data-dir "$DATA"; key=$KEY; secret=$SECRET
partner_user bad-owner@example.com bad-owner-password owner --data-dir "$DATA"
start_server api "$PORT" "$DATA/server.log" LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_BODY_TIMEOUT_SECONDS=2 LOYALTY_LOG_LEVEL=trace LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 \
  -- --data-dir "$DATA" || exit 1
user=$(curl -s -X POST "http://127.0.0.1:$PORT/en/shop/customers" -H "X-API-Key: $key" -H "X-API-Secret: $secret" -H 'Content-Type: application/json' -d '{"email":"bad@example.com"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
partner_login "$PORT" bad-owner@example.com bad-owner-password
python3 scripts/bad_input.py 127.0.0.1 "$PORT" "$key" "$secret" "$user" 2 "$TOKEN"
server_alive api || { echo "bad-input: the server died"; tail -20 "$DATA/server.log"; exit 1; }

# Secrets: shown once, never logged, never returned again.
api() { curl -s -X "$1" "http://127.0.0.1:$PORT/en/shop/$2" -H "X-API-Key: $key" -H "X-API-Secret: $secret" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
hook=$(api POST webhooks '{"url":"http://127.0.0.1:9/h","events":["points.awarded"]}')
hook_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])' <<<"$hook")
first=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])' <<<"$hook")
second=$(api POST "webhooks/$hook_id/rotate-secret" '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])')
pair=$(api POST "customers/$user/token" '{}')
access=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])' <<<"$pair")
refresh1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["refresh_token"])' <<<"$pair")
curl -sf "http://127.0.0.1:$PORT/en/shop/auth/me" -H "Authorization: Bearer $access" >/dev/null || { echo "bad-input: the customer token was refused"; exit 1; }
refresh2=$(curl -s -X POST "http://127.0.0.1:$PORT/en/shop/auth/refresh" -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$refresh1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["refresh_token"])')
later=$(api GET webhooks; api GET "webhooks/$hook_id"; api POST validate-credentials '{}'; api POST "webhooks/$hook_id/test" '{}'; api GET "webhooks/$hook_id/deliveries")
# A partner user's password and tokens: never logged, not in the audit log or later answers.
owner_login=$(curl -s -X POST "http://127.0.0.1:$PORT/en/partners/auth/login" -H 'Content-Type: application/json' -d '{"email":"bad-owner@example.com","password":"bad-owner-password"}')
partner_refresh=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["refresh_token"])' <<<"$owner_login")
later+=$(curl -s "http://127.0.0.1:$PORT/en/partners/audit-log" -H "Authorization: Bearer $TOKEN"; curl -s "http://127.0.0.1:$PORT/en/partners/users" -H "Authorization: Bearer $TOKEN")
grep -qF "bad-owner-password" "$DATA/server.log" && { echo "bad-input: a partner password appears in the server log"; exit 1; }
grep -qF "bad-owner-password" <<<"$later" && { echo "bad-input: a partner password appears in a later response"; exit 1; }
for s in "$secret" "$first" "$second" "$access" "$refresh1" "$refresh2" "$TOKEN" "$partner_refresh"; do
  [ ${#s} -ge 32 ] || { echo "bad-input: a secret was not captured"; exit 1; }
  grep -qF "$s" "$DATA/server.log" && { echo "bad-input: a secret appears in the server log"; exit 1; }
  grep -qF "$s" <<<"$later" && { echo "bad-input: a secret appears in a later response"; exit 1; }
done
[ "$(wc -l < "$DATA/server.log")" -gt 10 ] || { echo "bad-input: the trace log is empty; the secret scan proves nothing"; exit 1; }
echo "secrets: API secret, two webhook secrets, a customer token and two refresh tokens, a partner password, token and refresh token in none of $(wc -l < "$DATA/server.log") trace log lines nor in later responses"
