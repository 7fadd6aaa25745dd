#!/usr/bin/env bash
# Webhooks end to end against a real `loyalty serve`, on SQLite and on PostgreSQL:
#  1. a Node receiver checks every delivery with the seed FAQ's verifyWebhook
#     (crypto.createHmac + timingSafeEqual against `sha256=<hex>`);
#  2. kill -9 right after an award is acknowledged, before the dispatcher publishes
#     it: the restarted server still delivers it;
#  3. kill -9 while a delivery is in flight (the receiver holds it): after restart
#     and the lease, the same delivery id arrives again and is marked delivered.
# Needs node and a built binary (BIN, default the debug build). Usage: webhook-check.sh [sqlite|postgres]...
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18281}; RPORT=${RPORT:-18282}; PGPORT_CHECK=${PGPORT_CHECK:-18283}
command -v node >/dev/null || { echo "webhook-check: node is not installed"; exit 1; }
WORK=$(mktemp -d /tmp/loyalty-webhooks-XXXXXX); chmod 755 "$WORK"
pids=()
cleanup() {
  stop_all_servers KILL
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  stop_pg "$WORK/pgroot"; rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "webhook-check: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

export LOG="$WORK/received.jsonl" SECRET_FILE="$WORK/secret"
: > "$LOG"; echo none > "$SECRET_FILE"
PORT=$RPORT node scripts/webhook-receiver.js 2>"$WORK/receiver.err" & pids+=($!)
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$RPORT) 2>/dev/null && break; sleep 0.1; done

serve() { # extra env assignments...; (re)starts the server, the log keeps every run's output
  start_server hooks "$PORT" "$WORK/server.log" "$@" LOYALTY_WEBHOOK_ALLOW_LOOPBACK=1 LOYALTY_WEBHOOK_RETRY_SCHEDULE=0,1s,1s,1s,1s \
    LOYALTY_WEBHOOK_LEASE_SECONDS=3 LOYALTY_SWEEP_SECONDS=0 -- "${DBARGS[@]}" || fail "server did not start"
}
kill9() { stop_server hooks KILL; }
api() { # method path [body]
  curl -s -X "$1" "http://127.0.0.1:$PORT/en/shop/$2" -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" -H 'Content-Type: application/json' ${3:+-d "$3"}
}
# wait_for PYTHON-CONDITION-ON-lines (a list of received entries) [seconds]
wait_for() {
  for _ in $(seq 1 $(( ${2:-20} * 10 ))); do
    python3 -c "import json,sys; lines=[json.loads(l) for l in open('$LOG')]; sys.exit(0 if ($1) else 1)" && return 0; sleep 0.1
  done
  fail "timed out waiting for: $1 (received: $(cat "$LOG"))"
}

run_backend() {
  local backend=$1
  : > "$LOG"; : > "$WORK/server.log"
  if [ "$backend" = postgres ]; then
    start_pg "$WORK/pgroot" "$PGPORT_CHECK"
    DBARGS=(--database-url "postgres://postgres@127.0.0.1:$PGPORT_CHECK/postgres")
  else
    DBARGS=(--data-dir "$WORK/data-$backend")
  fi
  shop_create "Hook Shop" "${DBARGS[@]}"
  serve
  hook=$(api POST webhooks "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"points.awarded\",\"transaction.created\",\"customer.created\"]}")
  id=$(json '["data"]["id"]' <<<"$hook"); json '["data"]["secret"]' <<<"$hook" > "$SECRET_FILE"
  user=$(api POST customers '{"email":"hook@example.com","name":"Hook"}' | json '["data"]["id"]')

  # 1. The FAQ's verifier accepts real deliveries (and the test event).
  api POST "webhooks/$id/test" '{}' >/dev/null
  api POST points/award "{\"customer_id\":$user,\"points\":10,\"order_id\":\"H-1\"}" | grep -q '"success":true' || fail "award H-1"
  wait_for "any(l['event']=='points.awarded' and l['order_id']=='H-1' for l in lines) and any(l['event']=='webhook.test' for l in lines) and any(l['event']=='customer.created' for l in lines)"
  python3 -c "import json,sys; lines=[json.loads(l) for l in open('$LOG')]; bad=[l for l in lines if not l['verified']]; sys.exit(1 if bad or not lines else 0)" \
    || fail "the FAQ's verifyWebhook rejected a delivery: $(cat "$LOG")"
  echo "$backend: FAQ verifyWebhook accepted $(wc -l < "$LOG") deliveries"

  # 2. Killed after the commit, before publication: delivered after restart.
  kill9; serve LOYALTY_WEBHOOK_POLL_MS=600000
  sleep 0.5  # the dispatcher's first cycle has run; it now idles for 10 minutes
  api POST points/award "{\"customer_id\":$user,\"points\":11,\"order_id\":\"H-2\"}" | grep -q '"success":true' || fail "award H-2"
  kill9
  grep -q '"H-2"' "$LOG" && fail "H-2 was delivered before the kill; the check proves nothing"
  serve
  wait_for "any(l['event']=='points.awarded' and l['order_id']=='H-2' and l['verified'] for l in lines)"
  echo "$backend: award acknowledged then kill -9 before publication: delivered after restart"

  # 3. Killed while the receiver holds the delivery: redelivered after the lease.
  api PUT "webhooks/$id" "{\"url\":\"http://127.0.0.1:$RPORT/slow-once\"}" | grep -q slow-once || fail "url update"
  api POST points/award "{\"customer_id\":$user,\"points\":12,\"order_id\":\"H-3\"}" | grep -q '"success":true' || fail "award H-3"
  wait_for "any(l['order_id']=='H-3' and l['event']=='points.awarded' for l in lines)"
  kill9; serve
  wait_for "sum(1 for l in lines if l['order_id']=='H-3' and l['event']=='points.awarded') >= 2" 30
  python3 -c "import json,sys; d=[l['delivery'] for l in map(json.loads, open('$LOG')) if l['order_id']=='H-3' and l['event']=='points.awarded']; sys.exit(0 if len(set(d))==1 else 1)" \
    || fail "H-3 arrived under different delivery ids"
  for _ in $(seq 1 50); do
    api GET "webhooks/$id/deliveries?status=pending" | grep -q '"data":\[\]' && break; sleep 0.2
  done
  log=$(api GET "webhooks/$id/deliveries?per_page=100")
  python3 -c "import json,sys; d=json.load(sys.stdin)['data']; sys.exit(0 if d and all(x['status']=='delivered' for x in d) else 1)" <<<"$log" \
    || fail "not every delivery ended delivered: $log"
  echo "$backend: kill -9 during delivery: same delivery id redelivered after the lease, all $(json '["meta"]["total"]' <<<"$log") deliveries delivered"
  kill9
  [ "$backend" = postgres ] && stop_pg "$WORK/pgroot"
  return 0
}

backends=("$@"); [ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
for b in "${backends[@]}"; do run_backend "$b"; done
echo "webhook-check: passed (${backends[*]})"
