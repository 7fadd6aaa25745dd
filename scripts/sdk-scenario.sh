#!/usr/bin/env bash
# Runs the official Python SDK (loyaltylt-sdk 3.1.0) scenario suite against a real
# `loyalty serve` on a fresh SQLite data directory. Needs a built binary (BIN) and
# the SDK + pytest installed (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18181}
DATA=$(mktemp -d /tmp/loyalty-sdk-XXXXXX)
creds=$("$BIN" shop create --name "SDK Shop" --json --data-dir "$DATA")
export LOYALTY_API_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
export LOYALTY_API_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
export LOYALTY_BASE_URL="http://127.0.0.1:$PORT"
"$BIN" serve --data-dir "$DATA" --port "$PORT" > "$DATA/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$LOYALTY_BASE_URL/health" >/dev/null && break; sleep 0.1; done
curl -sf "$LOYALTY_BASE_URL/health" >/dev/null || { cat "$DATA/server.log"; echo "server did not start"; exit 1; }
python3 -m pytest -q Tests/sdk/test_python_sdk.py
