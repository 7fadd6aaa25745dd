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
trap 'stop_all_servers; rm -rf "$DATA"' EXIT
creds=$("$BIN" shop create --name "SDK Shop" --json --data-dir "$DATA")
export LOYALTY_API_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
export LOYALTY_API_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
export LOYALTY_BASE_URL="http://127.0.0.1:$PORT"
start_server api "$PORT" "$DATA/server.log" -- --data-dir "$DATA" || { echo "server did not start"; exit 1; }
python3 -m pytest -q Tests/sdk/test_python_sdk.py
