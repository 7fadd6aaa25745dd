#!/usr/bin/env bash
# Two `loyalty serve` nodes on one PostgreSQL behind nginx (round robin) on loopback:
#  - awards through both nodes (wrk via nginx), then `loyalty check`: every invariant holds;
#  - a webhook endpoint (the Node receiver) gets every points.awarded event exactly once
#    although both nodes publish and deliver: no delivery id twice, all first attempts,
#    as many deliveries as events;
#  - rate limits are per node (README): with LOYALTY_RATE_LIMIT_SHOP=20 on each node,
#    60 quick requests through nginx get between 20 and 40 answers that are not 429.
# Usage: scripts/two-nodes.sh   (BIN = the loyalty binary, default the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ -x /usr/sbin/nginx ] && export PATH="$PATH:/usr/sbin"
install_missing wrk:wrk nginx:nginx-light node:nodejs
BIN=${BIN:-.build/debug/loyalty}
P1=${P1:-18481}; P2=${P2:-18482}; LB=${LB:-18480}; RPORT=${RPORT:-18483}; PGP=${PGP:-18484}
DUR=${DUR:-8}
WORK=$(mktemp -d /tmp/loyalty-two-XXXXXX); chmod 755 "$WORK"
pids=()
cleanup() {
  stop_all_servers KILL
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  stop_pg "$WORK/pgroot"; rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "two-nodes: $*" >&2; tail -5 "$WORK"/node*.log >&2 || true; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

start_pg "$WORK/pgroot" "$PGP"
URL="postgres://postgres@127.0.0.1:$PGP/postgres"
export LOG="$WORK/received.jsonl" SECRET_FILE="$WORK/secret"; : > "$LOG"; echo none > "$SECRET_FILE"
PORT=$RPORT node scripts/webhook-receiver.js 2>"$WORK/receiver.err" & pids+=($!)

shop_create Two --database-url "$URL"; key=$KEY; secret=$SECRET; partner=$PARTNER
python3 -c "
print('external_id,email,name')
for i in range(1, 201): print(f't-{i},t{i}@example.com,T {i}')" > "$WORK/c.csv"
"$BIN" customers import --partner-id "$partner" --file "$WORK/c.csv" --database-url "$URL" >/dev/null 2>&1

start_nodes() { # extra env...
  for p in $P1 $P2; do
    start_server "node$p" "$p" "$WORK/node$p.log" "$@" LOYALTY_LOG_LEVEL=error LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 LOYALTY_PG_MAX_CONNECTIONS=16 \
      -- --database-url "$URL" || fail "node $p did not start"
  done
}
stop_nodes() { for p in $P1 $P2; do stop_server "node$p"; done; }

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http { access_log off;
  upstream nodes { server 127.0.0.1:$P1; server 127.0.0.1:$P2; keepalive 64; }
  server { listen 127.0.0.1:$LB; location / { proxy_pass http://nodes; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NGINX
nginx -c "$WORK/nginx.conf"

start_nodes LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0
api() { curl -s -X "$1" "http://127.0.0.1:$LB/en/shop/$2" -H "X-API-Key: $key" -H "X-API-Secret: $secret" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
hook=$(api POST webhooks "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"points.awarded\"]}")
hook_id=$(json '["data"]["id"]' <<<"$hook"); json '["data"]["secret"]' <<<"$hook" > "$SECRET_FILE"

BENCH_KEY=$key BENCH_SECRET=$secret BENCH_CUSTOMERS=200 BENCH_FIRST_CUSTOMER=1 BENCH_RUN=two \
  wrk -t2 -c16 -d"${DUR}s" -s Benchmarks/award.lua "http://127.0.0.1:$LB" > "$WORK/wrk.txt"
grep -E "Requests/sec" "$WORK/wrk.txt"
both=$(psql -tA -d "$URL" -c "SELECT COUNT(*) FROM transactions")
[ "$both" -gt 100 ] || fail "only $both transactions were recorded"
for p in $P1 $P2; do grep -q "error" "$WORK/node$p.log" && fail "node $p logged errors"; done

# Every event delivered once, although both nodes publish and deliver.
for _ in $(seq 1 300); do
  pending=$(psql -tA -d "$URL" -c "SELECT (SELECT COUNT(*) FROM outbox WHERE seq IS NULL) + (SELECT COUNT(*) FROM webhook_queue)")
  [ "$pending" = 0 ] && break; sleep 0.2
done
[ "$pending" = 0 ] || fail "$pending events or deliveries still queued"
events=$(psql -tA -d "$URL" -c "SELECT COUNT(*) FROM transactions WHERE points_awarded > 0")
python3 - "$LOG" "$events" <<'PY' || fail "webhook deliveries were duplicated or lost"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
events = int(sys.argv[2])
ids = [l["delivery"] for l in lines]
first = all(l["attempt"] == "1" for l in lines)
ok = len(ids) == len(set(ids)) == events and first and all(l["verified"] for l in lines)
print(f"webhooks: {events} points.awarded events, {len(ids)} requests, {len(set(ids))} distinct delivery ids, all first attempts: {first}")
sys.exit(0 if ok else 1)
PY
"$BIN" check --database-url "$URL" 2>/dev/null || fail "ledger invariants broken"
echo "two nodes: $both transactions through nginx, ledger invariants hold"
stop_nodes

# Rate limits are per node: 20/min on each, so 20..40 of 60 quick requests pass.
start_nodes LOYALTY_RATE_LIMIT_SHOP=20
ok=0; limited=0
for i in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$LB/en/shop/validate-credentials" -H "X-API-Key: $key" -H "X-API-Secret: $secret")
  if [ "$code" = 429 ]; then limited=$((limited + 1)); elif [ "$code" = 200 ]; then ok=$((ok + 1)); fi
done
echo "rate limit 20/min per node, 2 nodes: $ok answered, $limited limited (429) of 60"
[ "$ok" -ge 20 ] && [ "$ok" -le 40 ] && [ $((ok + limited)) = 60 ] || fail "rate limits did not hold as documented"
stop_nodes
echo "two-nodes: passed"
