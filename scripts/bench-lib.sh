# Shared pieces of the benchmark scripts (source after scripts/lib.sh).

# bench_begin ROOT PGPORT: installs wrk, nginx and pgbench when missing, sets NGINX and BIN
# (the release build, or $BENCH_BIN), stops every server, nginx and the cluster on exit,
# and starts a throw-away PostgreSQL cluster under ROOT.
bench_begin() {
  [ -x /usr/sbin/nginx ] && export PATH="$PATH:/usr/sbin"
  install_missing wrk:wrk nginx:nginx-light pgbench:postgresql-contrib
  NGINX=$(command -v nginx)
  release_binary
  BENCH_ROOT=$1
  trap bench_cleanup EXIT
  start_pg "$1" "$2"
}

bench_cleanup() {
  stop_all_servers
  [ -f "$BENCH_ROOT/nginx.pid" ] && kill "$(cat "$BENCH_ROOT/nginx.pid")" 2>/dev/null || true
  stop_pg "$BENCH_ROOT"
}

# pgbench_award_ceiling SECONDS: pgbench's award transaction (Benchmarks/pgbench-award.sql)
# at c32 on a fresh `bench` database; sets PGBENCH (TPS).
pgbench_award_ceiling() {
  echo "pgbench award (c32, ${1}s)..."
  createdb bench
  psql -q bench <<'SQL'
CREATE TABLE accounts (aid int PRIMARY KEY, balance bigint NOT NULL DEFAULT 0);
INSERT INTO accounts SELECT g, 0 FROM generate_series(1,100000) g;
CREATE TABLE ledger (id bigserial PRIMARY KEY, account int NOT NULL, delta int NOT NULL,
  idempotency_key text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ledger_account_idx ON ledger(account);
VACUUM ANALYZE accounts;
SQL
  pgbench -n -f Benchmarks/pgbench-award.sql -c 32 -j 2 -T "$1" bench > "$BENCH_ROOT/pgbench.txt" 2>&1
  PGBENCH=$(grep -E '^tps' "$BENCH_ROOT/pgbench.txt" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
}

wrk_rps() { grep -E '^Requests/sec' "$1" | awk '{print $2}'; }
wrk_p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
wrk_p50() { grep -E '^ +50%' "$1" | awk '{print $2}'; }
wrk_errors() { local e; e=$(grep -E 'non-2xx' "$1" | awk '{print $NF}'); echo "${e:-0}"; }
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
