#!/usr/bin/env bash
# Where PostgreSQL spends its time on offer claims: a throw-away cluster with
# pg_stat_statements (planning tracked), 1,000 members, an unlimited offer, 10 s of claims
# at c32 through wrk, then the statements by total planning + execution time.
# Usage: scripts/profile-claims.sh   (BENCH_BIN=/path/to/loyalty, else the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
install_missing wrk:wrk
release_binary
ROOT=/tmp/loyalty-profile-claims; PORT=25491; API=18095
trap 'stop_all_servers; stop_pg $ROOT' EXIT
start_pg $ROOT $PORT -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on
createdb loyalty
URL="postgres://postgres@127.0.0.1:$PORT/loyalty"
shop_create Profile --database-url "$URL"
start_server api $API $ROOT/server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error -- --database-url "$URL"
api() { curl -sf -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" -H 'Content-Type: application/json' "http://127.0.0.1:$API/en/shop/$1" "${@:2}"; }
for i in $(seq 1 1000); do api customers -d "{\"email\":\"p$i@example.com\"}" >/dev/null; done
python3 -c 'import json; print(json.dumps({"awards":[{"customer_id":i,"points":1000000,"order_id":f"s-{i}"} for i in range(1,1001)]}))' > $ROOT/awards.json
api points/bulk-award -d @$ROOT/awards.json >/dev/null
OFFER=$(api offers -d '{"title":"Profile","type":"discount_amount","discount_value":1,"points_required":1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
psql -q loyalty -c "CREATE EXTENSION pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
BENCH_KEY=$KEY BENCH_SECRET=$SECRET BENCH_CUSTOMERS=1000 BENCH_FIRST_CUSTOMER=1 BENCH_OFFER=$OFFER \
  wrk -t2 -c32 -d10s --latency -s Benchmarks/claim.lua "http://127.0.0.1:$API" > $ROOT/wrk.txt
grep -E "Requests/sec|Latency " $ROOT/wrk.txt
psql loyalty -c "SELECT calls, plans, round(total_plan_time::numeric) AS plan_ms, round(total_exec_time::numeric) AS exec_ms,
  left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement FROM pg_stat_statements
  ORDER BY total_plan_time + total_exec_time DESC LIMIT 14"
