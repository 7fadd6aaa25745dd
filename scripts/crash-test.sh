#!/usr/bin/env bash
# Crash test: concurrent clients post awards and redemptions, logging every request the
# server acknowledged; the server is killed with SIGKILL mid-load and restarted, KILLS
# times; then every acknowledged transaction must be present exactly once (with its
# ledger entry and exactly one transaction.created event), no card may have a negative
# balance, and `loyalty check` must find balance == sum(entries) == sum(lots) on every
# card. Runs on SQLite and on PostgreSQL.
# Usage: scripts/crash-test.sh [sqlite|postgres]...   (BIN, KILLS=5, CLIENTS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
KILLS=${KILLS:-5}; CLIENTS=${CLIENTS:-8}
PORT=${PORT:-18381}; PGPORT_CRASH=${PGPORT_CRASH:-18382}
WORK=$(mktemp -d /tmp/loyalty-crash-XXXXXX); chmod 755 "$WORK"
driver_pid=
cleanup() {
  stop_all_servers KILL
  for p in $driver_pid; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  stop_pg "$WORK/pgroot"; rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "crash-test: $*" >&2; tail -20 "$WORK/server.log" >&2 || true; exit 1; }

serve() { # (re)starts the server under test; the log keeps every run's output
  start_server crash "$PORT" "$WORK/server.log" LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_SWEEP_SECONDS=0 LOYALTY_LOG_LEVEL=error \
    -- "${DBARGS[@]}" || fail "server did not start"
}

run_backend() {
  local backend=$1 acks="$WORK/acks-$1.jsonl"
  : > "$acks"
  if [ "$backend" = postgres ]; then
    start_pg "$WORK/pgroot" "$PGPORT_CRASH"
    URL="postgres://postgres@127.0.0.1:$PGPORT_CRASH/postgres"; DBARGS=(--database-url "$URL")
  else
    DBARGS=(--data-dir "$WORK/sqlite")
  fi
  shop_create Crash "${DBARGS[@]}"; key=$KEY; secret=$SECRET; partner=$PARTNER
  python3 -c "
print('external_id,email,name')
for i in range(1, 41): print(f'c-{i},c{i}@example.com,C {i}')" > "$WORK/c.csv"
  "$BIN" customers import --partner-id "$partner" --file "$WORK/c.csv" "${DBARGS[@]}" >/dev/null 2>&1
  serve
  local seconds=$(( KILLS * 3 + 4 ))
  python3 scripts/crash_driver.py "http://127.0.0.1:$PORT" "$key" "$secret" 40 "K$backend" "$seconds" "$acks" "$CLIENTS" > "$WORK/driver.out" &
  driver_pid=$!
  for k in $(seq 1 "$KILLS"); do
    sleep "$(python3 -c 'import random; print(round(random.uniform(1.0, 2.5), 2))')"
    before=$(wc -l < "$acks")
    stop_server crash KILL
    serve
    echo "$backend: kill $k after $before acknowledged"
  done
  wait "$driver_pid"; driver_pid=
  stop_server crash KILL
  echo "$backend: driver $(cat "$WORK/driver.out")"
  if [ "$backend" = postgres ]; then
    python3 scripts/crash_verify.py "$acks" postgres "$URL" || fail "$backend: acknowledged transactions lost or duplicated"
  else
    python3 scripts/crash_verify.py "$acks" sqlite "$WORK/sqlite/loyalty.sqlite" || fail "$backend: acknowledged transactions lost or duplicated"
  fi
  # The checker can fail: an acknowledgement the database never saw must be reported.
  { cat "$acks"; echo '{"tx": 987654321, "order_id": "never-sent", "kind": "award", "user": 1}'; } > "$WORK/forged.jsonl"
  if [ "$backend" = postgres ]; then verify_args=(postgres "$URL"); else verify_args=(sqlite "$WORK/sqlite/loyalty.sqlite"); fi
  python3 scripts/crash_verify.py "$WORK/forged.jsonl" "${verify_args[@]}" >/dev/null 2>&1 && fail "$backend: the checker accepted a forged acknowledgement"
  "$BIN" check "${DBARGS[@]}" 2>/dev/null || fail "$backend: ledger invariants broken after the kills"
  echo "$backend: $KILLS kills, $(wc -l < "$acks") acknowledged, 0 lost"
  [ "$backend" = postgres ] && stop_pg "$WORK/pgroot"
  return 0
}

backends=("$@"); [ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
for b in "${backends[@]}"; do run_backend "$b"; done
echo "crash-test: passed (${backends[*]})"
