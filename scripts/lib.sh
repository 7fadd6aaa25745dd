# Shared by the check and benchmark scripts (sourced): missing tools, the release
# binary, a throw-away PostgreSQL cluster run as the `postgres` user (it refuses root),
# and `loyalty serve` processes started, waited for and stopped by PID.

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

# partner_user EMAIL PASSWORD ROLE [loyalty flags...]: creates a user of $PARTNER with the CLI.
partner_user() {
  printf '%s\n' "$2" | "$BIN" partner create-user --partner-id "$PARTNER" --email "$1" --role "$3" --json "${@:4}" >/dev/null
}

# partner_login PORT EMAIL PASSWORD: signs in through the API and sets TOKEN.
partner_login() {
  TOKEN=$(curl -sf -X POST "http://127.0.0.1:$1/en/partners/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$3\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])')
}

# wait_healthy PORT [PID]: up to 15 s for /health on 127.0.0.1:PORT; fails when it never
# answers, or at once when process PID (if given) has exited.
wait_healthy() {
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0
    [ -z "${2:-}" ] || _process_alive "$2" || { echo "server on port $1 exited before it answered /health" >&2; return 1; }
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}

# --- `loyalty serve` processes -----------------------------------------------------
# start_server NAME PORT LOG [VAR=value...] [-- serve flags...]
#   Starts `env VAR=value... "$BIN" serve --port PORT <serve flags>` in the background on
#   127.0.0.1 (the serve default host), stdout and stderr appended to LOG (a restart
#   under the same LOG keeps the earlier output), and waits up to 15 s for /health.
#   NAME is the caller's handle for it (a word: "api", "node1"); the PID is kept in
#   SERVER_PIDS[NAME], SERVER_PORTS[NAME] has the port, and SERVER_PID is the PID of
#   the server started last. Refuses a PORT something already listens on (its /health
#   would answer for ours). When the server exits or does not answer, prints why and
#   the last 20 lines of LOG to stderr, stops it if it still runs and returns 1: call
#   it as `start_server ... || exit 1` (or `|| fail ...`), in the script's own shell
#   (not in a pipeline or $(...): the PID would be recorded in a subshell). Needs BIN.
#   Starting NAME again (a restart, e.g. after stop_server NAME KILL) is allowed once
#   the previous process under NAME has been stopped.
# stop_server NAME [SIGNAL]: sends SIGNAL (a name; default TERM, KILL for a crash) to NAME's
#   PID and waits until the process is gone and reaped (after 10 s of TERM, KILL).
#   Does nothing when NAME is not running. Returns 0.
# stop_all_servers [SIGNAL]: stop_server for every server still recorded; always
#   returns 0, so it fits an EXIT trap: trap 'stop_all_servers; rm -rf "$WORK"' EXIT
# server_alive NAME: true while NAME's process runs (e.g. "did the load kill it?").
declare -gA SERVER_PIDS=() SERVER_PORTS=()
SERVER_PID=

start_server() {
  local name=$1 port=$2 log=$3 envs=() pid rc=0; shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "start_server: $name: '$1' is not VAR=value (serve flags go after --)" >&2; return 1; }
    envs+=("$1"); shift
  done
  [ $# -gt 0 ] && shift  # the --
  if [ -n "${SERVER_PIDS[$name]:-}" ]; then
    echo "start_server: $name is already running (PID ${SERVER_PIDS[$name]}); stop_server it first" >&2; return 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "start_server: $name: port $port is already in use" >&2; return 1
  fi
  env "${envs[@]}" "$BIN" serve --port "$port" "$@" >> "$log" 2>&1 &
  pid=$!
  SERVER_PIDS[$name]=$pid; SERVER_PORTS[$name]=$port; SERVER_PID=$pid
  if wait_healthy "$port" "$pid" 2>/dev/null && _process_alive "$pid"; then return 0; fi
  if _process_alive "$pid"; then
    echo "start_server: $name (PID $pid) did not answer /health on 127.0.0.1:$port within 15 s; stopping it" >&2
    stop_server "$name" KILL
  else
    wait "$pid" 2>/dev/null || rc=$?
    unset 'SERVER_PIDS[$name]'
    echo "start_server: $name (PID $pid, port $port) exited with status $rc before it answered /health" >&2
  fi
  echo "--- last lines of $log:" >&2; tail -20 "$log" >&2 || true; echo "---" >&2
  return 1
}

stop_server() {
  local name=$1 signal=${2:-TERM} pid
  pid=${SERVER_PIDS[$name]:-}
  [ -n "$pid" ] || return 0
  { # stderr off for the whole stop: bash reports a job killed by a signal ("Killed")
    # when it next reaps a child, which may be a `sleep` here rather than the wait
    kill -s "$signal" "$pid" || true
    for _ in $(seq 1 100); do _process_alive "$pid" || break; sleep 0.1; done
    if _process_alive "$pid"; then kill -s KILL "$pid"; fi
    wait "$pid" || true  # reaps it (it is this shell's child)
  } 2>/dev/null
  unset 'SERVER_PIDS[$name]'
  return 0
}

stop_all_servers() {
  local name
  for name in "${!SERVER_PIDS[@]}"; do stop_server "$name" "${1:-TERM}"; done
  return 0
}

# server_alive NAME: NAME was started and its process is still running.
server_alive() { [ -n "${SERVER_PIDS[$1]:-}" ] && _process_alive "${SERVER_PIDS[$1]}"; }

# _process_alive PID: the process exists and is not a zombie (exited, not yet reaped).
_process_alive() {
  local stat
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}
