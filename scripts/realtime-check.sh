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
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  stop_pg "$WORK/pgroot"; rm -rf "$WORK"
}
trap cleanup EXIT

echo "realtime: $N subscribers on one node (SQLite)"
shop_create RT --data-dir "$WORK/sqlite"
LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_LOG_LEVEL=error "$BIN" serve --data-dir "$WORK/sqlite" --port "$P1" > "$WORK/sqlite.log" 2>&1 &
pid=$!; pids+=($pid)
wait_healthy "$P1" || { cat "$WORK/sqlite.log"; exit 1; }
ROUNDS=2 python3 scripts/realtime_load.py "http://127.0.0.1:$P1" "$KEY" "$SECRET" "$N" "$pid" | tee "$WORK/one-node.json"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "realtime: two nodes on PostgreSQL, subscribers on node 1, completions on node 2"
start_pg "$WORK/pgroot" "$PGP"
URL="postgres://postgres@127.0.0.1:$PGP/postgres"
shop_create RT2 --database-url "$URL"
node_pids=()
for p in $P1 $P2; do
  LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=16 "$BIN" serve --database-url "$URL" --port "$p" > "$WORK/node$p.log" 2>&1 &
  node_pids+=($!); pids+=($!)
done
for p in $P1 $P2; do wait_healthy "$p" || { cat "$WORK/node$p.log"; exit 1; }; done
python3 scripts/realtime_load.py "http://127.0.0.1:$P1" "$KEY" "$SECRET" 200 "${node_pids[0]}" "http://127.0.0.1:$P2" | tee "$WORK/two-nodes.json"
echo "realtime: passed"
