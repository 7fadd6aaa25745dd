#!/usr/bin/env bash
# Runs scripts/contract_scenario.py (rewards routes through their success paths, every
# response checked against openapi.yaml) against a live `loyalty serve` on a fresh SQLite
# directory. Usage: scripts/contract-scenario.sh   (BIN=.build/debug/loyalty)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18691}
python3 -c "import jsonschema, referencing, yaml" 2>/dev/null || { echo "contract-scenario: jsonschema, referencing and PyYAML are needed"; exit 1; }
DATA=$(mktemp -d /tmp/loyalty-contract-XXXXXX)
trap 'stop_all_servers; rm -rf "$DATA"' EXIT
shop_create Contract --data-dir "$DATA"
start_server api "$PORT" "$DATA/server.log" LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 -- --data-dir "$DATA" || exit 1
FEED_PORT=${FEED_PORT:-18693} python3 scripts/contract_scenario.py "http://127.0.0.1:$PORT" "$KEY" "$SECRET" Sources/LoyaltyServer/Resources/openapi.yaml
server_alive api || { echo "contract-scenario: the server died"; tail -20 "$DATA/server.log"; exit 1; }
