#!/usr/bin/env bash
# Expiry benchmark (issue 3): 1,000,000 lapsed point lots (10 on each of 100,000
# cards) are expired by `loyalty expire` while a wrk award load runs against the
# server on the same database; prints the expiry time, the award throughput before
# and during the sweep, and the ledger/lot invariants afterwards. Then the same
# expiry on embedded SQLite (without concurrent load: the CLI and the server would
# be two writers of one file).
# Usage: scripts/bench-expiry.sh [lots]   (default 1000000; must be a multiple of 10)
set -euo pipefail
cd "$(dirname "$0")/.."
LOTS=${1:-1000000}; CARDS=$((LOTS / 10))
ROOT=/tmp/loyalty-bench-expiry
PGPORT=25436; APIPORT=18093
. scripts/lib.sh
install_missing wrk:wrk
release_binary

cleanup() {
  stop_all_servers
  stop_pg $ROOT
}
trap cleanup EXIT
start_pg $ROOT $PGPORT
createdb loyalty
URL="postgres://postgres@127.0.0.1:$PGPORT/loyalty"
creds=$("$BIN" shop create --name "Expiry bench" --json --database-url "$URL")
export BENCH_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$creds")
export BENCH_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$creds")

# Generates CARDS customers with a card each holding 10 lapsed lots of 10 points; the
# balance, lifetime figures and one matching ledger entry keep every invariant true.
generate_sql() { # $1 = now in ms
cat <<SQL
INSERT INTO customers (partner_id, external_id, email, name, created_at, updated_at)
  SELECT 1, 'x-' || g, 'x' || g || '@example.com', 'X ' || g, $1, $1 FROM generate_series(1, $CARDS) g;
INSERT INTO loyalty_cards (partner_id, customer_id, template_id, card_number, qr_code, balance, lifetime_earned, next_expiry_at, next_expiry_points, created_at, updated_at)
  SELECT 1, c.id, 1, 'B' || c.id, 'q-' || c.id, 100, 100, $1 - 86400000::bigint, 100, $1, $1 FROM customers c;
INSERT INTO ledger_entries (partner_id, card_id, type, points, balance_after, description, created_at)
  SELECT 1, id, 'earned', 100, 100, 'seed', $1 - 200 * 86400000::bigint FROM loyalty_cards;
INSERT INTO point_lots (partner_id, card_id, source, points, remaining, expires_at, created_at)
  SELECT 1, lc.id, 'earned', 10, 10, $1 - 86400000::bigint - g * 1000, $1 - 200 * 86400000::bigint FROM loyalty_cards lc, generate_series(1, 10) g;
SQL
}
NOW=$(($(date +%s) * 1000))
echo "generating $LOTS lapsed lots on $CARDS cards (PostgreSQL)..."
"$BIN" migrate --database-url "$URL" >/dev/null
generate_sql "$NOW" | psql -q loyalty
psql -q loyalty -c "VACUUM ANALYZE"

start_server api $APIPORT $ROOT/server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_SWEEP_SECONDS=0 LOYALTY_PG_MAX_CONNECTIONS=32 \
  -- --database-url "$URL" || exit 1
export BENCH_CUSTOMERS=1000 BENCH_FIRST_CUSTOMER=1
BENCH_RUN=warm wrk -t2 -c32 -d3s -s Benchmarks/award.lua "http://127.0.0.1:$APIPORT" >/dev/null
BENCH_RUN=base wrk -t2 -c32 -d10s -s Benchmarks/award.lua "http://127.0.0.1:$APIPORT" > $ROOT/award-base.txt
echo "expiring while awards run..."
BENCH_RUN=during wrk -t2 -c32 -d40s --latency -s Benchmarks/award.lua "http://127.0.0.1:$APIPORT" > $ROOT/award-during.txt &
wrkpid=$!
sleep 2
start=$(date +%s.%N)
"$BIN" expire --json --database-url "$URL" > $ROOT/expire-pg.json
end=$(date +%s.%N)
PG_SECONDS=$(python3 -c "print(f'{$end - $start:.1f}')")
wait $wrkpid
stop_server api
rps() { grep -E '^Requests/sec' "$1" | awk '{print $2}'; }
check() {
  psql -tA loyalty -c "SELECT
    (SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(le.points),0)) a) || ' ' ||
    (SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN point_lots l ON l.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(l.remaining),0)) b) || ' ' ||
    (SELECT count(*) FROM point_lots WHERE remaining > 0 AND expires_at <= $NOW)"
}
read -r BAD_LEDGER BAD_LOTS LEFT <<<"$(check)"

echo "generating $LOTS lapsed lots on $CARDS cards (SQLite)..."
"$BIN" shop create --name "Expiry bench" --data-dir $ROOT/sqlite >/dev/null
python3 - "$ROOT/sqlite/loyalty.sqlite" "$NOW" "$CARDS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); now = int(sys.argv[2]); cards = int(sys.argv[3]); day = 86400000
db.execute("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) INSERT INTO customers (partner_id, external_id, email, name, created_at, updated_at) SELECT 1, 'x-' || x, 'x' || x || '@example.com', 'X', ?, ? FROM g", (cards, now, now))
db.execute("INSERT INTO loyalty_cards (partner_id, customer_id, template_id, card_number, qr_code, balance, lifetime_earned, next_expiry_at, next_expiry_points, created_at, updated_at) SELECT 1, id, 1, 'B' || id, 'q-' || id, 100, 100, ?, 100, ?, ? FROM customers", (now - day, now, now))
db.execute("INSERT INTO ledger_entries (partner_id, card_id, type, points, balance_after, description, created_at) SELECT 1, id, 'earned', 100, 100, 'seed', ? FROM loyalty_cards", (now - 200 * day,))
db.execute("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 10) INSERT INTO point_lots (partner_id, card_id, source, points, remaining, expires_at, created_at) SELECT 1, lc.id, 'earned', 10, 10, ? - x * 1000, ? FROM loyalty_cards lc, g", (now - day, now - 200 * day))
db.commit()
PY
start=$(date +%s.%N)
"$BIN" expire --json --data-dir $ROOT/sqlite > $ROOT/expire-sqlite.json
end=$(date +%s.%N)
SQ_SECONDS=$(python3 -c "print(f'{$end - $start:.1f}')")
SQ_CHECK=$(python3 - "$ROOT/sqlite/loyalty.sqlite" "$NOW" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
a = db.execute("SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.card_id = lc.id GROUP BY lc.id HAVING lc.balance <> COALESCE(SUM(le.points),0))").fetchone()[0]
b = db.execute("SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN point_lots l ON l.card_id = lc.id GROUP BY lc.id HAVING lc.balance <> COALESCE(SUM(l.remaining),0))").fetchone()[0]
c = db.execute("SELECT count(*) FROM point_lots WHERE remaining > 0 AND expires_at <= ?", (int(sys.argv[2]),)).fetchone()[0]
print(a, b, c)
PY
)
cat <<REPORT

## Expiry benchmark $(date -u +%Y-%m-%dT%H:%MZ) ($(nproc) cores; $LOTS lots on $CARDS cards)

| database | expire (s) | result | awards/s before | awards/s during (40 s window) | cards balance != ledger / != lots, lots left |
|---|---|---|---|---|---|
| PostgreSQL, under award load | $PG_SECONDS | $(cat $ROOT/expire-pg.json) | $(rps $ROOT/award-base.txt) | $(rps $ROOT/award-during.txt) | $BAD_LEDGER / $BAD_LOTS, $LEFT |
| SQLite, alone | $SQ_SECONDS | $(cat $ROOT/expire-sqlite.json) | - | - | $SQ_CHECK |
REPORT
