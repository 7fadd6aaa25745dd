#!/usr/bin/env bash
# Runs the official Python SDK (loyaltylt-sdk 3.1.0) scenario suite against a real
# `loyalty serve` on a fresh SQLite data directory. Needs a built binary (BIN) and
# the SDK + pytest installed (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18181}
DATA=$(mktemp -d /tmp/loyalty-sdk-XXXXXX)
FEED_PORT=${FEED_PORT:-18182}
trap 'stop_all_servers; [ -n "${FEED_PID:-}" ] && kill "$FEED_PID" 2>/dev/null; rm -rf "$DATA"' EXIT
creds=$("$BIN" shop create --name "SDK Shop" --json --data-dir "$DATA")
export LOYALTY_API_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
export LOYALTY_API_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
export LOYALTY_BASE_URL="http://127.0.0.1:$PORT"
# The XML import tests fetch a feed from a local web server: loopback feeds are
# allowed only with the development flag (the SSRF policy refuses them otherwise).
python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory Tests/Fixtures >/dev/null 2>&1 &
FEED_PID=$!
export LOYALTY_FEED_URL="http://127.0.0.1:$FEED_PORT/product-feed.xml"
start_server api "$PORT" "$DATA/server.log" LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 -- --data-dir "$DATA" || { echo "server did not start"; exit 1; }
python3 -m pytest -q Tests/sdk/test_python_sdk.py
