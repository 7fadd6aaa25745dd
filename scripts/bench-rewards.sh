#!/usr/bin/env bash
# Rewards benchmark: in ONE run, next to this machine's ceilings (../shared/perf/LIMITS.md):
#   - offer claims via HTTP on PostgreSQL (points debited through the ledger, coupon
#     issued, one transaction)       vs  pgbench's award transaction (c32); for an
#     unlimited offer by user_id, by user_email and with the member's own token, and for
#     an offer with a stock (every claim takes a unit from the one offer row)
#   - coupon verifications via HTTP on PostgreSQL (POST coupons/verify as the SDKs
#     send it)                       vs  nginx serving a static 75-byte JSON (c64)
#   - a 100,000-product XML feed imported from a file, on PostgreSQL and on SQLite:
#     wall time and the server's peak RSS
# Usage: scripts/bench-rewards.sh [--quick]   (quick = 5 s per measurement instead of 15 s)
#        BENCH_BIN=/path/to/loyalty scripts/bench-rewards.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=15; [ "${1:-}" = "--quick" ] && DUR=5
ROOT=/tmp/loyalty-bench-rewards
PGPORT=25433; NGINXPORT=18092; APIPORT=18093
CUSTOMERS=${BENCH_CUSTOMERS:-1000}
PRODUCTS=${BENCH_PRODUCTS:-100000}

. scripts/lib.sh
. scripts/bench-lib.sh
bench_begin $ROOT $PGPORT
mkdir -p $ROOT/www

pgbench_award_ceiling "$DUR"

echo "nginx static JSON (c64, ${DUR}s)..."
printf '{"success":true,"data":{"card_id":1,"card_number":"123-456-789","points":1}}' > $ROOT/www/b.json
cat > $ROOT/nginx.conf <<NGINX
worker_processes 1; pid $ROOT/nginx.pid; error_log $ROOT/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$NGINXPORT; root $ROOT/www; location / { default_type application/json; } } }
NGINX
"$NGINX" -c $ROOT/nginx.conf
sleep 0.5
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$NGINXPORT/b.json" > $ROOT/nginx.txt
NGINX_RPS=$(wrk_rps $ROOT/nginx.txt)

python3 - "$CUSTOMERS" > $ROOT/customers.csv <<'PY'
import sys
print("external_id,email,name")
for i in range(1, int(sys.argv[1]) + 1):
    print(f"bench-{i},bench{i}@example.com,Bench {i}")
PY
python3 - "$PRODUCTS" > $ROOT/feed.xml <<'PY'
import sys
n = int(sys.argv[1])
out = ['<?xml version="1.0" encoding="UTF-8"?>\n<products>\n']
for i in range(1, n + 1):
    out.append(f'<product><sku>P{i:07d}</sku><name>Product {i}</name><price>{i % 500 + 1}.{i % 100:02d}</price><category>C{i % 40}</category></product>\n')
out.append('</products>\n')
sys.stdout.write(''.join(out))
PY
FEED_BYTES=$(stat -c %s $ROOT/feed.xml)

api() { curl -sf "http://127.0.0.1:$APIPORT/en/shop/$1" -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" -H 'Content-Type: application/json' "${@:2}"; }

measure() { # $1 label, remaining: database flags
  local label=$1; shift
  shop_create "Bench $label" "$@"
  "$BIN" customers import --partner-id "$PARTNER" --file $ROOT/customers.csv "$@" >/dev/null
  start_server api $APIPORT $ROOT/server-$label.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 LOYALTY_LOG_LEVEL=error LOYALTY_PG_MAX_CONNECTIONS=32 \
    LOYALTY_XML_MAX_BYTES=$((64 << 20)) -- "$@" || exit 1
  local pid=$SERVER_PID
  # The feed first, on a fresh server: its time and the peak RSS it causes.
  local rss0 t0 t1
  rss0=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
  t0=$(date +%s.%N)
  curl -sf "http://127.0.0.1:$APIPORT/en/shop/xml-import/from-file" -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" \
    -F "xml_file=@$ROOT/feed.xml;type=application/xml" > $ROOT/import-$label.json || { echo "import failed"; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "import json,sys; d=json.load(open('$ROOT/import-$label.json'))['data']; assert d['products_created'] == $PRODUCTS, d; print('$label: imported', d['products_created'], 'products')"
  python3 -c "print(f'{$t1 - $t0:.1f}')" > $ROOT/import-time-$label.txt
  echo "$rss0" > $ROOT/rss-before-import-$label.txt
  awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status > $ROOT/rss-import-$label.txt
  if [ "$label" = postgres ]; then
    # Points for every customer, an unlimited 1-point offer, and 1,000 coupons to verify.
    python3 - "$CUSTOMERS" > $ROOT/award.json <<'PY'
import json, sys
print(json.dumps({"awards": [{"customer_id": i, "points": 1000000, "order_id": f"seed-{i}"} for i in range(1, int(sys.argv[1]) + 1)]}))
PY
    api points/bulk-award -d @$ROOT/award.json >/dev/null
    OFFER=$(api offers -d '{"title":"Bench","type":"discount_amount","discount_value":1,"points_required":1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
    : > $ROOT/codes.txt
    for c in $(seq 1 1000); do
      api "offers/$OFFER/claim" -d "{\"user_id\":$(( (c - 1) % CUSTOMERS + 1 ))}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["coupon_code"])' >> $ROOT/codes.txt
    done
    export BENCH_KEY=$KEY BENCH_SECRET=$SECRET BENCH_CUSTOMERS=$CUSTOMERS BENCH_FIRST_CUSTOMER=1 BENCH_OFFER=$OFFER BENCH_CODES=$ROOT/codes.txt
    BENCH_SHOP=$(api shops | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])'); export BENCH_SHOP
    wrk -t2 -c32 -d3s -s Benchmarks/claim.lua "http://127.0.0.1:$APIPORT" >/dev/null
    # Customer tokens for the member's own claims (J22): the first 200 members.
    : > $ROOT/tokens.txt
    for c in $(seq 1 200); do
      api "customers/$c/token" -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])' >> $ROOT/tokens.txt
    done
    echo "$label: offer claim via HTTP by user_id, user_email and member token, unlimited and limited offers (c32, ${DUR}s each)..."
    wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/claim.lua "http://127.0.0.1:$APIPORT" > $ROOT/claim-$label.txt
    BENCH_CLAIM_BY=email wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/claim.lua "http://127.0.0.1:$APIPORT" > $ROOT/claim-email-$label.txt
    BENCH_CLAIM_BY=token BENCH_TOKENS=$ROOT/tokens.txt \
      wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/claim.lua "http://127.0.0.1:$APIPORT" > $ROOT/claim-token-$label.txt
    # The same with a stock: every claim takes a unit from one offer row (the hot row).
    BENCH_OFFER=$(api offers -d '{"title":"Limited","type":"discount_amount","discount_value":1,"points_required":1,"stock":10000000}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])') \
      wrk -t2 -c32 -d"${DUR}s" --latency -s Benchmarks/claim.lua "http://127.0.0.1:$APIPORT" > $ROOT/claim-stock-$label.txt
    echo "$label: coupon verify via HTTP (c64, ${DUR}s)..."
    wrk -t2 -c64 -d"${DUR}s" --latency -s Benchmarks/verify.lua "http://127.0.0.1:$APIPORT" > $ROOT/verify-$label.txt
    local claims coupons bad
    claims=$(psql -tA loyalty -c "SELECT count(*) FROM transactions WHERE type = 'reward_claim'")
    coupons=$(psql -tA loyalty -c "SELECT count(*) FROM coupons")
    bad=$(psql -tA loyalty -c "SELECT count(*) FROM (SELECT lc.id FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.card_id = lc.id GROUP BY lc.id, lc.balance HAVING lc.balance <> COALESCE(SUM(le.points),0)) x")
    echo "$label: $claims claim transactions, $coupons coupons; cards whose balance != sum(ledger entries): $bad"
    [ "$claims" = "$coupons" ] && [ "$bad" = 0 ] || { echo "rewards invariant broken after the load"; exit 1; }
  fi
  awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status > $ROOT/rss-$label.txt
  stop_server api
}

createdb loyalty
measure postgres --database-url "postgres://postgres@127.0.0.1:$PGPORT/loyalty"
measure sqlite --data-dir $ROOT/sqlite

CLAIM=$(wrk_rps $ROOT/claim-postgres.txt); CLAIM_EMAIL=$(wrk_rps $ROOT/claim-email-postgres.txt); CLAIM_TOKEN=$(wrk_rps $ROOT/claim-token-postgres.txt)
CLAIM_STOCK=$(wrk_rps $ROOT/claim-stock-postgres.txt); VERIFY=$(wrk_rps $ROOT/verify-postgres.txt)
cat <<REPORT

## Rewards benchmark $(date -u +%Y-%m-%dT%H:%MZ) ($(nproc) cores, ${DUR}s per measurement, wrk and servers share the cores)

| measurement | req/s | p50 | p99 | non-2xx | ceiling (same run) | ratio |
|---|---|---|---|---|---|---|
| offer claim via HTTP by user_id, PostgreSQL, c32 | $CLAIM | $(wrk_p50 $ROOT/claim-postgres.txt) | $(wrk_p99 $ROOT/claim-postgres.txt) | $(wrk_errors $ROOT/claim-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$CLAIM" "$PGBENCH") |
| offer claim by user_email, PostgreSQL, c32 | $CLAIM_EMAIL | $(wrk_p50 $ROOT/claim-email-postgres.txt) | $(wrk_p99 $ROOT/claim-email-postgres.txt) | $(wrk_errors $ROOT/claim-email-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$CLAIM_EMAIL" "$PGBENCH") |
| offer claim with the member's own token (J22), PostgreSQL, c32 | $CLAIM_TOKEN | $(wrk_p50 $ROOT/claim-token-postgres.txt) | $(wrk_p99 $ROOT/claim-token-postgres.txt) | $(wrk_errors $ROOT/claim-token-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$CLAIM_TOKEN" "$PGBENCH") |
| offer claim, an offer with a stock (one hot offer row), PostgreSQL, c32 | $CLAIM_STOCK | $(wrk_p50 $ROOT/claim-stock-postgres.txt) | $(wrk_p99 $ROOT/claim-stock-postgres.txt) | $(wrk_errors $ROOT/claim-stock-postgres.txt) | pgbench award c32: $PGBENCH TPS | $(ratio "$CLAIM_STOCK" "$PGBENCH") |
| coupon verify via HTTP, PostgreSQL, c64 | $VERIFY | $(wrk_p50 $ROOT/verify-postgres.txt) | $(wrk_p99 $ROOT/verify-postgres.txt) | $(wrk_errors $ROOT/verify-postgres.txt) | nginx static JSON c64: $NGINX_RPS | $(ratio "$VERIFY" "$NGINX_RPS") |

| XML import ($PRODUCTS products, $FEED_BYTES bytes, multipart upload) | wall time | server RSS before | peak RSS after the import |
|---|---|---|---|
| PostgreSQL | $(cat $ROOT/import-time-postgres.txt) s | $(cat $ROOT/rss-before-import-postgres.txt) MiB | $(cat $ROOT/rss-import-postgres.txt) MiB |
| SQLite | $(cat $ROOT/import-time-sqlite.txt) s | $(cat $ROOT/rss-before-import-sqlite.txt) MiB | $(cat $ROOT/rss-import-sqlite.txt) MiB |

peak server RSS over the whole run: PostgreSQL $(cat $ROOT/rss-postgres.txt) MiB, SQLite $(cat $ROOT/rss-sqlite.txt) MiB
REPORT
