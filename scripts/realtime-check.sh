#!/usr/bin/env bash
# Realtime through the real protocol (Pusher 7 over WebSocket, asyncio `websockets`):
#  1. one node on SQLite: N=1000 concurrent subscribers, one qr-card session each; every
#     session is completed through the customer API and every subscriber must receive
#     its own `card_identified`; the server's RSS idle / with subscribers / after close
#     is reported, and every connection must be gone after the clients close; the whole
#     round runs twice and the second peak may not exceed the first by more than 20%;
#  2. two nodes on one PostgreSQL: 200 subscribers on node 1, every session completed on
#     node 2, so every event crosses nodes through LISTEN/NOTIFY.
# Usage: scripts/realtime-check.sh   (BIN, N=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
install_missing
BIN=${BIN:-.build/debug/loyalty}
N=${N:-1000}
P1=${P1:-18581}; P2=${P2:-18582}; PGP=${PGP:-18584}
python3 -c "import websockets, requests" || { echo "realtime: python websockets/requests are not installed"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((N + 200)) ] || { echo "realtime: open-file limit $(ulimit -n) is below $N subscribers"; exit 1; }
WORK=$(mktemp -d /tmp/loyalty-rt-XXXXXX); chmod 755 "$WORK"
cleanup() {
  stop_all_servers
  stop_pg "$WORK/pgroot"; rm -rf "$WORK"
}
trap cleanup EXIT

echo "realtime: $N subscribers on one node (SQLite)"
shop_create RT --data-dir "$WORK/sqlite"
start_server sqlite "$P1" "$WORK/sqlite.log" LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error -- --data-dir "$WORK/sqlite" || exit 1
ROUNDS=2 python3 scripts/realtime_load.py "http://127.0.0.1:$P1" "$KEY" "$SECRET" "$N" "${SERVER_PIDS[sqlite]}" | tee "$WORK/one-node.json"
stop_server sqlite

echo "realtime: two nodes on PostgreSQL, subscribers on node 1, completions on node 2"
start_pg "$WORK/pgroot" "$PGP"
URL="postgres://postgres@127.0.0.1:$PGP/postgres"
shop_create RT2 --database-url "$URL"
for p in $P1 $P2; do
  start_server "node$p" "$p" "$WORK/node$p.log" LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=16 -- --database-url "$URL" || exit 1
done
python3 scripts/realtime_load.py "http://127.0.0.1:$P1" "$KEY" "$SECRET" 200 "${SERVER_PIDS[node$P1]}" "http://127.0.0.1:$P2" | tee "$WORK/two-nodes.json"
echo "realtime: passed"
