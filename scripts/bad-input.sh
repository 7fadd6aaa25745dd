#!/usr/bin/env bash
# Hostile input against a live `loyalty serve` (SQLite): malformed JSON, NaN/Infinity,
# huge/negative/fractional numbers, wrong types, overlong and odd unicode strings,
# array and deeply nested bodies, an oversize body, missing and duplicated headers,
# and a body that trickles in (slowloris). Each gets a clear 4xx, the server keeps
# serving, and nothing is written. Usage: scripts/bad-input.sh   (BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18781}
DATA=$(mktemp -d /tmp/loyalty-bad-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$DATA"' EXIT
creds=$("$BIN" shop create --name "Bad" --json --data-dir "$DATA")
key=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_BODY_TIMEOUT_SECONDS=2 "$BIN" serve --data-dir "$DATA" --port "$PORT" > "$DATA/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
user=$(curl -s -X POST "http://127.0.0.1:$PORT/en/shop/customers" -H "X-API-Key: $key" -H "X-API-Secret: $secret" -H 'Content-Type: application/json' -d '{"email":"bad@example.com"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
python3 scripts/bad_input.py 127.0.0.1 "$PORT" "$key" "$secret" "$user" 2
kill -0 "$pid" || { echo "bad-input: the server died"; tail -20 "$DATA/server.log"; exit 1; }
