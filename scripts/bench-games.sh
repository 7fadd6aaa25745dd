#!/usr/bin/env bash
# Games benchmark: in ONE run, next to this machine's ceiling (../shared/perf/LIMITS.md):
#   - whole plays of a wheel via HTTP on PostgreSQL, each a start-session (J30: limits
#     under the card lock, the 1-point cost debited through the ledger, the CSPRNG draw
#     and its commitment) and a claim-reward (J33: the committed prize paid through the
#     ledger), with the members' own tokens        vs  pgbench's award transaction (c32)
#   - the same wheel with a daily budget (every prize takes from one budget row)
#   - stamps added at the till (S35, as the SDKs send it) to random members' cards
# Usage: scripts/bench-games.sh [--quick]   (quick = 5 s per measurement instead of 15 s)
#        BENCH_BIN=/path/to/loyalty scripts/bench-games.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=15; [ "${1:-}" = "--quick" ] && DUR=5
ROOT=/tmp/loyalty-bench-games
PGPORT=25434; APIPORT=18094
CUSTOMERS=${BENCH_CUSTOMERS:-1000}

. scripts/lib.sh
. scripts/bench-lib.sh
bench_begin $ROOT $PGPORT
pgbench_award_ceiling "$DUR"

python3 - "$CUSTOMERS" > $ROOT/customers.csv <<'PY'
import sys
print("external_id,email,name")
for i in range(1, int(sys.argv[1]) + 1):
    print(f"bench-{i},bench{i}@example.com,Bench {i}")
PY
api() { curl -sf "http://127.0.0.1:$APIPORT/en/$1" -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" -H 'Content-Type: application/json' "${@:2}"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])'; }

createdb loyalty
DB=(--database-url "postgres://postgres@127.0.0.1:$PGPORT/loyalty")
shop_create "Bench games" "${DB[@]}"
"$BIN" customers import --partner-id "$PARTNER" --file $ROOT/customers.csv "${DB[@]}" >/dev/null
start_server api $APIPORT $ROOT/server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=32 -- "${DB[@]}" || exit 1
python3 - "$CUSTOMERS" > $ROOT/award.json <<'PY'
import json, sys
print(json.dumps({"awards": [{"customer_id": i, "points": 1000000, "order_id": f"seed-{i}"} for i in range(1, int(sys.argv[1]) + 1)]}))
PY
api shop/points/bulk-award -d @$ROOT/award.json >/dev/null
WHEEL=$(api partners/games -d '{"name":"Bench wheel","game_type":"wheel","points_cost":1,"prizes":[{"kind":"points","points":2,"weight":1},{"kind":"none","weight":3}]}' | id_of)
BUDGETED=$(api partners/games -d '{"name":"Budget wheel","game_type":"wheel","points_cost":1,"budget":{"period":"day","points":1000000000},"prizes":[{"kind":"points","points":2,"weight":1},{"kind":"none","weight":3}]}' | id_of)
STAMPS=$(api partners/games -d '{"name":"Bench card","game_type":"stamps","stamp_settings":{"stamps_required":10},"prizes":[{"kind":"points","points":5}]}' | id_of)
SHOP=$(api shop/shops | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
# Members' own tokens (the first 200), and their card ids for the till.
: > $ROOT/tokens.txt
for c in $(seq 1 200); do
  echo "$c $(api "shop/customers/$c/token" -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')" >> $ROOT/tokens.txt
done
psql -tA loyalty -c "SELECT id FROM loyalty_cards ORDER BY id" > $ROOT/cards.txt
export BENCH_KEY=$KEY BENCH_SECRET=$SECRET BENCH_TOKENS=$ROOT/tokens.txt BENCH_SHOP=$SHOP BENCH_CARDS=$ROOT/cards.txt
BENCH_GAME=$WHEEL wrk -t2 -c32 -d3s -s Benchmarks/play.lua "http://127.0.0.1:$APIPORT" >/dev/null

plays() { psql -tA loyalty -c "SELECT count(*) FROM game_sessions WHERE game_id = $1 AND claimed_at IS NOT NULL"; }
measure_plays() { # $1 label, $2 game
  local before after
  before=$(plays "$2")
  BENCH_GAME=$2 wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/play.lua "http://127.0.0.1:$APIPORT" > $ROOT/play-$1.txt
  after=$(plays "$2")
  python3 -c "print(f'{($after - $before) / $DUR:.0f}')" > $ROOT/plays-$1.txt
}
echo "wheel plays (start + claim) with members' tokens (c32, ${DUR}s), without and with a budget..."
measure_plays wheel "$WHEEL"
measure_plays budget "$BUDGETED"
echo "stamps at the till (c32, ${DUR}s)..."
BENCH_GAME=$STAMPS wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/stamp.lua "http://127.0.0.1:$APIPORT" > $ROOT/stamps.txt

bad=$(psql -tA loyalty -c "SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(le.points),0)) x")
paid=$(psql -tA loyalty -c "SELECT count(*) FROM transactions WHERE type = 'game_reward'")
won=$(psql -tA loyalty -c "SELECT count(*) FROM game_sessions WHERE claimed_at IS NOT NULL AND prize_position IS NOT NULL")
echo "cards whose balance != sum(ledger entries): $bad; prizes paid $paid (sessions won $won + stamp completions)"
[ "$bad" = 0 ] || { echo "ledger invariant broken after the load"; exit 1; }
awk '/VmHWM/ {print int($2 / 1024)}' /proc/$SERVER_PID/status > $ROOT/rss.txt
stop_server api

WHEEL_PLAYS=$(cat $ROOT/plays-wheel.txt); BUDGET_PLAYS=$(cat $ROOT/plays-budget.txt); STAMP_RPS=$(wrk_rps $ROOT/stamps.txt)
cat <<REPORT

## Games benchmark $(date -u +%Y-%m-%dT%H:%MZ) ($(nproc) cores, ${DUR}s per measurement, wrk and servers share the cores)

| measurement | plays/s or req/s | HTTP req/s | p50 | p99 | non-2xx | ceiling (same run) | ratio |
|---|---|---|---|---|---|---|---|
| wheel play = start-session + claim-reward, members' tokens, PostgreSQL, c32 | $WHEEL_PLAYS plays/s | $(wrk_rps $ROOT/play-wheel.txt) | $(wrk_p50 $ROOT/play-wheel.txt) | $(wrk_p99 $ROOT/play-wheel.txt) | $(wrk_errors $ROOT/play-wheel.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$WHEEL_PLAYS" "$PGBENCH") |
| the same wheel with a daily budget (one budget row), PostgreSQL, c32 | $BUDGET_PLAYS plays/s | $(wrk_rps $ROOT/play-budget.txt) | $(wrk_p50 $ROOT/play-budget.txt) | $(wrk_p99 $ROOT/play-budget.txt) | $(wrk_errors $ROOT/play-budget.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$BUDGET_PLAYS" "$PGBENCH") |
| add-stamps at the till (S35), random cards, PostgreSQL, c32 | $STAMP_RPS req/s | $STAMP_RPS | $(wrk_p50 $ROOT/stamps.txt) | $(wrk_p99 $ROOT/stamps.txt) | $(wrk_errors $ROOT/stamps.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$STAMP_RPS" "$PGBENCH") |

peak server RSS: $(cat $ROOT/rss.txt) MiB
REPORT
