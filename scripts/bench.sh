#!/usr/bin/env bash
# Load benchmark: measures, in ONE run on this machine, the server's throughput next
# to the machine's ceilings (../shared/perf/LIMITS.md), and prints ratios:
#   - durable award via HTTP on PostgreSQL   vs  pgbench's award transaction (c32)
#   - balance read via HTTP on PostgreSQL     vs  nginx serving a static 75-byte JSON
#   - the same two on embedded SQLite (for the one-machine set-up)
#   - award on PostgreSQL again with 3 active webhook endpoints (an nginx sink), and
#     then the dispatcher's delivery rate while it drains the backlog (no load)
# PostgreSQL runs with default durability (fsync and synchronous_commit on).
# Usage: scripts/bench.sh [--quick]   (quick = 5 s per measurement instead of 15 s)
#        BENCH_BIN=/path/to/loyalty scripts/bench.sh   (measure another build instead)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=15; [ "${1:-}" = "--quick" ] && DUR=5
ROOT=/tmp/loyalty-bench
PGPORT=25432; NGINXPORT=18090; APIPORT=18091
CUSTOMERS=${BENCH_CUSTOMERS:-1000}

. scripts/lib.sh
. scripts/bench-lib.sh
bench_begin $ROOT $PGPORT

pgbench_award_ceiling "$DUR"

echo "nginx static JSON (c64, ${DUR}s)..."
mkdir -p $ROOT/www
printf '{"success":true,"data":{"card_id":1,"card_number":"123-456-789","points":1}}' > $ROOT/www/b.json
cat > $ROOT/nginx.conf <<NGINX
worker_processes 1; pid $ROOT/nginx.pid; error_log $ROOT/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$NGINXPORT; root $ROOT/www; location / { default_type application/json; }
  location /hook { return 200 "ok"; } } }
NGINX
"$NGINX" -c $ROOT/nginx.conf
sleep 0.5
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$NGINXPORT/b.json" > $ROOT/nginx.txt
NGINX_RPS=$(wrk_rps $ROOT/nginx.txt)
# nginx stays up as the webhook sink (POST /hook/... answers 200).

# Customers 1..N for the partner that `shop create` makes first.
python3 - "$CUSTOMERS" > $ROOT/customers.csv <<'PY'
import sys
print("external_id,email,name")
for i in range(1, int(sys.argv[1]) + 1):
    print(f"bench-{i},bench{i}@example.com,Bench {i}")
PY

measure_api() { # $1 label (a label ending in -hooks adds 3 webhook endpoints), remaining: database flags
  local label=$1; shift
  local creds key secret
  creds=$("$BIN" shop create --name "Bench $label" --json "$@")
  key=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
  secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
  "$BIN" customers import --partner-id 1 --file $ROOT/customers.csv "$@" >/dev/null
  start_server api $APIPORT $ROOT/server-$label.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=32 LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 \
    -- "$@" || exit 1
  local pid=$SERVER_PID
  if [[ $label == *-hooks ]]; then
    for i in 1 2 3; do
      curl -sf -X POST "http://127.0.0.1:$APIPORT/en/shop/webhooks" -H "X-API-Key: $key" -H "X-API-Secret: $secret" -H 'Content-Type: application/json' \
        -d "{\"url\":\"http://127.0.0.1:$NGINXPORT/hook/$i\",\"events\":[\"points.awarded\"]}" >/dev/null || { echo "webhook create failed"; exit 1; }
    done
  fi
  export BENCH_KEY=$key BENCH_SECRET=$secret BENCH_CUSTOMERS=$CUSTOMERS BENCH_FIRST_CUSTOMER=1
  BENCH_RUN=warm wrk -t2 -c32 -d3s -s Benchmarks/award.lua "http://127.0.0.1:$APIPORT" >/dev/null
  echo "$label: award via HTTP (c32, ${DUR}s)..."
  BENCH_RUN=$label wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/award.lua "http://127.0.0.1:$APIPORT" > $ROOT/award-$label.txt
  echo "$label: balance read via HTTP (c64, ${DUR}s)..."
  wrk -t2 -c64 -d"${DUR}s" --latency -s Benchmarks/balance.lua "http://127.0.0.1:$APIPORT" > $ROOT/balance-$label.txt
  if [[ $label != *-hooks ]]; then
    echo "$label: bulk award via HTTP (c4, 100 awards per request, ${DUR}s)..."
    BENCH_RUN=bulk-$label BENCH_BULK_ITEMS=100 wrk -t2 -c4 -d"${DUR}s" --latency -s Benchmarks/bulk.lua "http://127.0.0.1:$APIPORT" > $ROOT/bulk-$label.txt
  fi
  # The ledger invariant after the load: balance == sum(entries) on every card.
  if [ "$label" = postgres ] && curl -sf "http://127.0.0.1:$APIPORT/en/shop/cards/1/qr-token" -H "X-API-Key: $key" -H "X-API-Secret: $secret" >/dev/null; then
    # Digital cards (builds that have them): 200 dynamic tokens, then scans (decrypt +
    # two reads) and QR renders.
    : > $ROOT/tokens.txt
    for c in $(seq 1 200); do
      curl -sf "http://127.0.0.1:$APIPORT/en/shop/cards/$c/qr-token" -H "X-API-Key: $key" -H "X-API-Secret: $secret" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])' >> $ROOT/tokens.txt
    done
    echo "$label: card scan via HTTP (c32, ${DUR}s)..."
    BENCH_TOKENS=$ROOT/tokens.txt wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/scan.lua "http://127.0.0.1:$APIPORT" > $ROOT/scan-$label.txt
    echo "$label: QR PNG render, GET /qr (c64, ${DUR}s)..."
    wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$APIPORT/qr?data=$(head -1 $ROOT/tokens.txt)&size=250" > $ROOT/qr-$label.txt
  fi
  if [ "$label" = postgres ]; then
    BAD=$(psql -tA loyalty -c "SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(le.points),0)) x")
    echo "$label: cards whose balance != sum(ledger entries): $BAD"
    DRIFT=$(psql -tA loyalty -c "SELECT count(*) FROM (SELECT balance_after, SUM(points) OVER (PARTITION BY card_id ORDER BY id) AS running FROM ledger_entries) x WHERE balance_after <> running")
    echo "$label: ledger entries whose balance_after != running sum: $DRIFT"
    LOTS=$(psql -tA loyalty -c "SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN point_lots l ON l.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(l.remaining),0)) x" 2>/dev/null || echo "n/a (no lots table)")
    echo "$label: cards whose balance != sum(lots remaining): $LOTS"
  fi
  if [[ $label == *-hooks ]]; then
    # The backlog the award phase left, drained with no load: the dispatcher's rate.
    local db=${label%-hooks} q0 q1 d0 d1
    sql() { psql -tA "$db" -c "$1"; }
    d0=$(sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"); q0=$(sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    echo "$label: after the award phase: $d0 delivered, $q0 queued; draining for ${DUR}s..."
    sleep "$DUR"
    d1=$(sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"); q1=$(sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    echo "$label: $((d1 - d0)) delivered in ${DUR}s while draining ($q1 still queued)"
    echo "$(( (d1 - d0) / DUR ))" > $ROOT/drain-$label.txt
    echo "$(sql "SELECT count(*) FROM webhook_attempts WHERE status_code IS NULL OR status_code <> 200")" > $ROOT/drain-errors-$label.txt
  fi
  # Peak resident memory of the server over the whole run.
  awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status > $ROOT/rss-$label.txt
  stop_server api
}

createdb loyalty
measure_api postgres --database-url "postgres://postgres@127.0.0.1:$PGPORT/loyalty"
measure_api sqlite --data-dir $ROOT/sqlite
if [ -z "${BENCH_NO_HOOKS:-}" ]; then
  createdb loyalty_hooks
  measure_api loyalty_hooks-hooks --database-url "postgres://postgres@127.0.0.1:$PGPORT/loyalty_hooks"
fi

AWARD_PG=$(wrk_rps $ROOT/award-postgres.txt); BAL_PG=$(wrk_rps $ROOT/balance-postgres.txt)
AWARD_SQ=$(wrk_rps $ROOT/award-sqlite.txt); BAL_SQ=$(wrk_rps $ROOT/balance-sqlite.txt)
BULK_PG=$(python3 -c "print(round(float('$(wrk_rps $ROOT/bulk-postgres.txt)') * 100))"); BULK_SQ=$(python3 -c "print(round(float('$(wrk_rps $ROOT/bulk-sqlite.txt)') * 100))")
cat <<REPORT

## Benchmark $(date -u +%Y-%m-%dT%H:%MZ) ($(nproc) cores, ${DUR}s per measurement, wrk and servers share the cores)

| measurement | req/s | p50 | p99 | non-2xx | ceiling (same run) | ratio |
|---|---|---|---|---|---|---|
| award via HTTP, PostgreSQL, c32 | $AWARD_PG | $(wrk_p50 $ROOT/award-postgres.txt) | $(wrk_p99 $ROOT/award-postgres.txt) | $(wrk_errors $ROOT/award-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$AWARD_PG" "$PGBENCH") |
| balance read via HTTP, PostgreSQL, c64 | $BAL_PG | $(wrk_p50 $ROOT/balance-postgres.txt) | $(wrk_p99 $ROOT/balance-postgres.txt) | $(wrk_errors $ROOT/balance-postgres.txt) | nginx static JSON c64: $NGINX_RPS | $(ratio "$BAL_PG" "$NGINX_RPS") |
| bulk award via HTTP, PostgreSQL, c4 x 100 items (awards/s) | $BULK_PG | $(wrk_p50 $ROOT/bulk-postgres.txt) | $(wrk_p99 $ROOT/bulk-postgres.txt) | $(wrk_errors $ROOT/bulk-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$BULK_PG" "$PGBENCH") |
| award via HTTP, SQLite, c32 | $AWARD_SQ | $(wrk_p50 $ROOT/award-sqlite.txt) | $(wrk_p99 $ROOT/award-sqlite.txt) | $(wrk_errors $ROOT/award-sqlite.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$AWARD_SQ" "$PGBENCH") |
| balance read via HTTP, SQLite, c64 | $BAL_SQ | $(wrk_p50 $ROOT/balance-sqlite.txt) | $(wrk_p99 $ROOT/balance-sqlite.txt) | $(wrk_errors $ROOT/balance-sqlite.txt) | nginx static JSON c64: $NGINX_RPS | $(ratio "$BAL_SQ" "$NGINX_RPS") |
| bulk award via HTTP, SQLite, c4 x 100 items (awards/s) | $BULK_SQ | $(wrk_p50 $ROOT/bulk-sqlite.txt) | $(wrk_p99 $ROOT/bulk-sqlite.txt) | $(wrk_errors $ROOT/bulk-sqlite.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$BULK_SQ" "$PGBENCH") |
REPORT
if [ -f $ROOT/scan-postgres.txt ]; then
SCAN_PG=$(wrk_rps $ROOT/scan-postgres.txt); QR_PG=$(wrk_rps $ROOT/qr-postgres.txt)
echo "| card scan (dynamic token) via HTTP, PostgreSQL, c32 | $SCAN_PG | $(wrk_p50 $ROOT/scan-postgres.txt) | $(wrk_p99 $ROOT/scan-postgres.txt) | $(wrk_errors $ROOT/scan-postgres.txt) | nginx static JSON c64: $NGINX_RPS | $(ratio "$SCAN_PG" "$NGINX_RPS") |"
echo "| QR PNG render GET /qr (76-byte token, version 5-M, 250 px), c64 | $QR_PG | $(wrk_p50 $ROOT/qr-postgres.txt) | $(wrk_p99 $ROOT/qr-postgres.txt) | $(wrk_errors $ROOT/qr-postgres.txt) | nginx static JSON c64: $NGINX_RPS | $(ratio "$QR_PG" "$NGINX_RPS") |"
fi
echo "peak server RSS: PostgreSQL run $(cat $ROOT/rss-postgres.txt) MiB, SQLite run $(cat $ROOT/rss-sqlite.txt) MiB"
if [ -f $ROOT/award-loyalty_hooks-hooks.txt ]; then
  AWARD_H=$(wrk_rps $ROOT/award-loyalty_hooks-hooks.txt)
  echo "| award via HTTP, PostgreSQL, c32, 3 active webhook endpoints | $AWARD_H | $(wrk_p50 $ROOT/award-loyalty_hooks-hooks.txt) | $(wrk_p99 $ROOT/award-loyalty_hooks-hooks.txt) | $(wrk_errors $ROOT/award-loyalty_hooks-hooks.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$AWARD_H" "$PGBENCH") |"
  echo "| webhook deliveries/s draining the backlog (PostgreSQL, nginx sink) | $(cat $ROOT/drain-loyalty_hooks-hooks.txt) | | | $(cat $ROOT/drain-errors-loyalty_hooks-hooks.txt) failed attempts | target 1,000/s | |"
  echo "peak server RSS with 3 webhook endpoints: $(cat $ROOT/rss-loyalty_hooks-hooks.txt) MiB"
fi
