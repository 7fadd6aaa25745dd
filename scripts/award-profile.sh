#!/usr/bin/env bash
# Where an award's time goes on PostgreSQL: runs 10 s of wrk award load (c32, 1,000
# customers) against a build on a fresh cluster with pg_stat_statements, then prints
# requests/s and the top statements (calls, rows, mean and total execution time).
# PERF=1 also records the server with `perf record -g` into /tmp/perf-<label>.data.
# Usage: scripts/award-profile.sh [binary] [label]   (default: this tree's release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
BENCH_BIN=${1:-}; L=${2:-current}
install_missing wrk:wrk pgbench:postgresql-contrib
release_binary
R=/tmp/award-profile-$L; PORT=25440; API=18097
start_pg $R $PORT -c shared_preload_libraries=pg_stat_statements
trap 'stop_all_servers; stop_pg $R' EXIT
createdb loyalty; psql -q loyalty -c "CREATE EXTENSION pg_stat_statements"
URL=postgres://postgres@127.0.0.1:$PORT/loyalty
creds=$("$BIN" shop create --name P --json --database-url $URL)
python3 -c "
print('external_id,email,name')
for i in range(1, 1001): print(f'p-{i},p{i}@example.com,P {i}')" > $R/customers.csv
"$BIN" customers import --partner-id 1 --file $R/customers.csv --database-url $URL >/dev/null
export BENCH_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
export BENCH_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")
export BENCH_CUSTOMERS=1000 BENCH_FIRST_CUSTOMER=1
start_server api $API $R/server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=32 -- --database-url $URL || exit 1
BENCH_RUN=w wrk -t2 -c32 -d3s -s Benchmarks/award.lua http://127.0.0.1:$API >/dev/null
psql -q loyalty -c "SELECT pg_stat_statements_reset()" >/dev/null
if [ -n "${PERF:-}" ]; then (perf record -F 1999 -g -p ${SERVER_PIDS[api]} -o /tmp/perf-$L.data -- sleep 9 >/dev/null 2>&1 &); fi
BENCH_RUN=m wrk -t2 -c32 -d10s -s Benchmarks/award.lua http://127.0.0.1:$API | grep Requests
psql loyalty -c "SELECT calls, rows, round(mean_exec_time::numeric,3) AS mean_ms, round(total_exec_time::numeric) AS total_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 60) AS q FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8"
