#!/usr/bin/env bash
# Exercises the `loyalty` CLI end to end on a fresh SQLite data directory and fails
# on the first unexpected output: shop create, keys create/list/revoke, customers
# import (with a duplicate and a bad row), signing-keys rotate/retire, migrate, --help,
# and `serve` refusing bad settings at start-up (a bad LOYALTY_PORT, LOYALTY_LOG_LEVEL,
# LOYALTY_DATABASE_URL): it exits non-zero within 5 s, names the variable and what it
# expected, and leaves nothing listening; the same command with good settings serves.
# Usage: scripts/cli-check.sh   (BIN, PORT=18881)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18881}
DATA=$(mktemp -d /tmp/loyalty-cli-XXXXXX)
trap 'stop_all_servers; rm -rf "$DATA"' EXIT
fail() { echo "cli-check: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

out=$("$BIN" shop create --name "CLI Shop" --json --data-dir "$DATA")
key=$(json '["api_key"]' <<<"$out"); partner=$(json '["partner_id"]' <<<"$out")
[[ $key =~ ^lty_[A-Za-z0-9]{40}$ ]] || fail "shop create printed key '$key'"
[ "$(json '["api_secret"]' <<<"$out" | wc -c)" -gt 40 ] || fail "no secret"

second=$("$BIN" keys create --partner-id "$partner" --env staging --expires-in-days 30 --json --data-dir "$DATA")
key2=$(json '["api_key"]' <<<"$second")
[ "$(json '["environment"]' <<<"$second")" = staging ] || fail "staging key"
list=$("$BIN" keys list --partner-id "$partner" --json --data-dir "$DATA")
[ "$(json '.__len__()' <<<"$list")" = 2 ] || fail "keys list: $list"
grep -q "$key" <<<"$list" && fail "keys list shows a full key"
"$BIN" keys revoke "$key2" --data-dir "$DATA" | grep -q Revoked || fail "revoke"
[ "$("$BIN" keys list --json --data-dir "$DATA" | python3 -c 'import json,sys; print(sorted(k["status"] for k in json.load(sys.stdin)))')" = "['active', 'revoked']" ] || fail "revoked status"
"$BIN" keys revoke lty_doesnotexist --data-dir "$DATA" >/dev/null 2>&1 && fail "revoking an unknown key succeeded"
"$BIN" keys create --partner-id 999 --data-dir "$DATA" >/dev/null 2>&1 && fail "key for unknown partner"

cat > "$DATA/c.csv" <<'CSV'
external_id,email,phone,name
c-1,one@example.com,+37060000011,"One, Person"
c-2,two@example.com,,Two
c-3,one@example.com,,Duplicate email
c-4,not-an-email,,Bad
CSV
imp=$("$BIN" customers import --partner-id "$partner" --file "$DATA/c.csv" --data-dir "$DATA")
grep -q "Imported 2 of 4 customers" <<<"$imp" || fail "import: $imp"
grep -q "line 4: duplicate email" <<<"$imp" || fail "import duplicate: $imp"
grep -q "line 5: invalid email" <<<"$imp" || fail "import invalid: $imp"
echo '{"rules":[{"id":"x","multiplier":"lots"}],"expiry":{"policy":"weekly"}}' > "$DATA/bad.json"
bad=$("$BIN" program set --partner-id "$partner" "$DATA/bad.json" --data-dir "$DATA" 2>&1) && fail "an invalid programme was accepted"
grep -q "rules.0.multiplier" <<<"$bad" && grep -q "expiry.policy" <<<"$bad" || fail "program set did not name the bad fields: $bad"
echo '{"expiry":{"policy":"days","days":30},"pending_days":7}' | "$BIN" program set --partner-id "$partner" - --data-dir "$DATA" | grep -q "version 1" || fail "program set"
[ "$("$BIN" program show --partner-id "$partner" --data-dir "$DATA" | json '["program"]["pending_days"]')" = 7 ] || fail "program show"
"$BIN" expire --dry-run --in-days 40 --data-dir "$DATA" | grep -q "nothing would expire" || fail "expire --dry-run"
"$BIN" expire --json --data-dir "$DATA" | grep -q '"lots":0' || fail "expire"
"$BIN" signing-keys rotate --purpose card_token --data-dir "$DATA" | grep -q "is now current" || fail "signing-keys rotate"
"$BIN" signing-keys rotate --purpose card_token --data-dir "$DATA" >/dev/null
first=$("$BIN" signing-keys list --data-dir "$DATA" | awk '$2 == "card_token" {print $1}' | sort -n | head -1)
"$BIN" signing-keys retire "$first" --data-dir "$DATA" | grep -q retired || fail "signing-keys retire"
[ "$("$BIN" signing-keys list --data-dir "$DATA" | grep -c active)" = 1 ] || fail "signing-keys list"
"$BIN" signing-keys retire "$first" --data-dir "$DATA" >/dev/null 2>&1 && fail "retiring a retired key succeeded"
"$BIN" signing-keys list --data-dir "$DATA" | grep -q material && fail "signing-keys list shows key material"
"$BIN" migrate --data-dir "$DATA" | grep -q "up to date" || fail "migrate"
"$BIN" --help | grep -q "SUBCOMMANDS" || fail "--help"
"$BIN" customers import --help | grep -q "external_id" || fail "import --help"

# Bad configuration stops `serve` before it listens. The control: the same data
# directory and port with good settings starts and answers /health, so a refusal below
# is the bad variable's doing.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_server control "$PORT" "$DATA/serve-good.log" LOYALTY_LOG_LEVEL=error -- --data-dir "$DATA" || fail "serve with good settings did not start"
stop_server control
listening "$PORT" && fail "port $PORT still answers after the control server stopped"
default_busy=; listening 8080 && default_busy=1  # where a LOYALTY_PORT=abc that was ignored would listen
for bad in LOYALTY_PORT=abc LOYALTY_LOG_LEVEL=verbose 'LOYALTY_DATABASE_URL=postgres://u@h/db?sslmode=sometimes'; do
  var=${bad%%=*}; args=(--data-dir "$DATA")
  [ "$var" = LOYALTY_PORT ] || args+=(--port "$PORT")
  rc=0; out=$(timeout -k 2 5 env "$bad" "$BIN" serve "${args[@]}" 2>&1) || rc=$?
  case $rc in
    0) fail "serve with $bad exited 0: $out" ;;
    124|137) fail "serve with $bad was still running after 5 s (stopped by timeout): $out" ;;
  esac
  grep -qF "$var" <<<"$out" && grep -qw expected <<<"$out" || fail "serve with $bad (exit $rc) did not name $var and what it expected: $out"
  listening "$PORT" && fail "something listens on $PORT after serve with $bad exited"
  [ -z "$default_busy" ] && listening 8080 && fail "something listens on 8080 after serve with $bad exited"
  echo "serve refuses $bad: exit $rc, $(head -1 <<<"$out")"
done
echo "cli-check: 1 passed, 0 failed"
