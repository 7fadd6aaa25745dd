# Shared by the benchmark scripts (sourced): missing tools, the release binary, and a
# throw-away PostgreSQL cluster run as the `postgres` user (it refuses root).

# install_missing "wrk:wrk" "pgbench:postgresql-contrib" ...  (command:package pairs)
install_missing() {
  local need=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}"); done
  command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; fi
  command -v initdb >/dev/null || export PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH"
}

# Sets BIN: $BENCH_BIN when given (another build to compare), else this tree's release build.
release_binary() {
  if [ -n "${BENCH_BIN:-}" ]; then BIN=$BENCH_BIN; return; fi
  echo "building release binary..."
  swift build -c release --product loyalty >/dev/null
  BIN=$(swift build -c release --show-bin-path)/loyalty
}

# start_pg ROOT PORT [extra postgres options]: a fresh cluster in ROOT/pg; exports PG* for psql.
start_pg() {
  local root=$1 port=$2; shift 2
  rm -rf "$root" && mkdir -p "$root" && chown postgres:postgres "$root"
  runuser -u postgres -- initdb -D "$root/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- pg_ctl -D "$root/pg" -l "$root/pg.log" -w -o "-h 127.0.0.1 -p $port -k $root -c max_connections=200 $*" start >/dev/null
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
}

stop_pg() { [ -d "$1/pg" ] && runuser -u postgres -- pg_ctl -D "$1/pg" -m fast stop >/dev/null 2>&1 || true; }

# shop_create NAME [database flags...]: `$BIN shop create --json`; sets KEY, SECRET, PARTNER.
shop_create() {
  local out
  out=$("$BIN" shop create --name "$1" --json "${@:2}" 2>/dev/null)
  KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$out")
  SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_secret"])' <<<"$out")
  PARTNER=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["partner_id"])' <<<"$out")
}

# wait_healthy PORT: up to 15 s for /health on 127.0.0.1:PORT; fails when it never answers.
wait_healthy() {
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; return 1
}
