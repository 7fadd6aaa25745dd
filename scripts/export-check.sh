#!/usr/bin/env bash
# Export check (issue 14): ROWS ledger entries (default 1,000,000) with hostile text
# (commas, quotes, new lines, formulas, Lithuanian letters) exported through the API as
# CSV, NDJSON and XLSX by a live `loyalty serve`; each file downloaded through its signed
# link and read back by Python's csv module, json and openpyxl, cell for cell against
# the database; the server's peak RSS (VmHWM) must stay under 150 MB. Prints rows/s
# per format. CI runs a small ROWS with the debug build; run the full size by hand:
#   scripts/export-check.sh 1000000 postgres sqlite
# Usage: scripts/export-check.sh [rows] [sqlite|postgres ...]   (default: 1000000, both)
# (EXPORT_CHECK_ROOT, EXPORT_CHECK_PGPORT, EXPORT_CHECK_PORT move it aside of another run.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}; shift || true
DATABASES=("${@:-postgres}")
[ $# -eq 0 ] && DATABASES=(postgres sqlite)
ROOT=${EXPORT_CHECK_ROOT:-/tmp/loyalty-export-check}
PGPORT=${EXPORT_CHECK_PGPORT:-25438}; APIPORT=${EXPORT_CHECK_PORT:-18095}
RSS_LIMIT_KB=$((150 * 1024))
. scripts/lib.sh
install_missing curl:curl
python3 -c "import openpyxl" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check openpyxl==3.1.5 2>&1 | grep -v "Running pip as the 'root' user" || true
python3 -c "import openpyxl" || { echo "openpyxl is required (pip install openpyxl)"; exit 1; }
if [ -z "${BIN:-}" ]; then release_binary; fi

cleanup() {
  stop_all_servers
  stop_pg $ROOT/postgres
}
trap cleanup EXIT
rm -rf $ROOT && mkdir -p $ROOT

CUSTOMERS=$((ROWS / 10 + 1))
NOW=$(($(date +%s) * 1000))
# The same rows for both databases: card g % CUSTOMERS + 1, a description from five
# hostile shapes, a reference on every seventh.
SQL_LEDGER="SELECT 1, 1 + (g % $CUSTOMERS), 1 + g % 3, CASE WHEN g % 4 = 0 THEN 'redeemed' ELSE 'earned' END,
    CASE WHEN g % 4 = 0 THEN -(g % 50) ELSE g % 90 END, g % 1000, CASE WHEN g % 7 = 0 THEN 'ref-' || g END,
    CASE g % 5 WHEN 0 THEN 'Purchase ' || g WHEN 1 THEN 'Comma, \"quoted\" ' || g WHEN 2 THEN 'multi' || char(10) || 'line ' || g
      WHEN 3 THEN '=SUM(A1:A' || g || ')' ELSE 'Šiauliai ąčęėįšųūž ' || g END,
    $NOW - g * 1000"

results=()
for DB in "${DATABASES[@]}"; do
  echo "== $DB: generating $ROWS ledger entries..."
  if [ "$DB" = postgres ]; then
    start_pg $ROOT/$DB $PGPORT
    createdb loyalty
    URL="postgres://postgres@127.0.0.1:$PGPORT/loyalty"
    FLAGS=(--database-url "$URL")
    "$BIN" migrate "${FLAGS[@]}" >/dev/null
    shop_create "Export check" "${FLAGS[@]}"
    psql -q -v ON_ERROR_STOP=1 loyalty <<SQL
INSERT INTO customers (partner_id, email, name, created_at, updated_at)
  SELECT 1, 'c' || g || '@example.com', 'Name, "' || g || '"', $NOW, $NOW FROM generate_series(1, $CUSTOMERS) g;
INSERT INTO loyalty_cards (partner_id, customer_id, template_id, card_number, qr_code, created_at, updated_at)
  SELECT 1, id, 1, 'E' || id, 'q-' || id, $NOW, $NOW FROM customers;
INSERT INTO ledger_entries (partner_id, card_id, shop_id, type, points, balance_after, reference, description, created_at)
  $(sed 's/char(10)/chr(10)/' <<<"$SQL_LEDGER") FROM generate_series(1, $ROWS) g;
SQL
    DUMP() { psql -q loyalty -c "COPY ($1) TO STDOUT WITH (FORMAT csv, HEADER false)"; }
  else
    FLAGS=(--data-dir $ROOT/$DB)
    shop_create "Export check" "${FLAGS[@]}"
    python3 - "$ROOT/$DB/loyalty.sqlite" "$CUSTOMERS" "$ROWS" "$NOW" "$SQL_LEDGER" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); customers, rows, now, ledger = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
g = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ?)"
db.execute(g + " INSERT INTO customers (partner_id, email, name, created_at, updated_at) SELECT 1, 'c' || g || '@example.com', 'Name, \"' || g || '\"', ?, ? FROM s", (customers, now, now))
db.execute("INSERT INTO loyalty_cards (partner_id, customer_id, template_id, card_number, qr_code, created_at, updated_at) SELECT 1, id, 1, 'E' || id, 'q-' || id, ?, ? FROM customers", (now, now))
db.execute(g + " INSERT INTO ledger_entries (partner_id, card_id, shop_id, type, points, balance_after, reference, description, created_at) " + ledger + " FROM s", (rows,))
db.commit()
PY
    DUMP() { python3 -c "
import csv, sqlite3, sys
w = csv.writer(sys.stdout)
for r in sqlite3.connect('$ROOT/$DB/loyalty.sqlite').execute(sys.argv[1]): w.writerow(['' if v is None else v for v in r])
" "$1"; }
  fi
  printf '%s\n' "owner-password-1" | "$BIN" partner create-user --partner-id "$PARTNER" --email owner@example.com --role owner --json "${FLAGS[@]}" >/dev/null
  start_server api $APIPORT $ROOT/$DB-server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 \
    LOYALTY_LOG_LEVEL=error LOYALTY_SWEEP_SECONDS=0 LOYALTY_ANALYTICS_SECONDS=0 -- "${FLAGS[@]}"
  PID=$SERVER_PID
  partner_login $APIPORT owner@example.com owner-password-1
  BASE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  DUMP "SELECT e.id, e.created_at, e.card_id, lc.customer_id, e.shop_id, e.transaction_id, e.type, e.points, e.balance_after, e.reference,
    e.description FROM ledger_entries e LEFT JOIN loyalty_cards lc ON lc.id = e.card_id WHERE e.partner_id = 1 ORDER BY e.id" > $ROOT/$DB-expected.csv
  for FORMAT in csv ndjson xlsx; do
    t0=$(date +%s.%N)
    id=$(curl -sf -X POST "http://127.0.0.1:$APIPORT/en/partners/exports" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d "{\"type\":\"ledger\",\"format\":\"$FORMAT\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
    while :; do
      job=$(curl -sf "http://127.0.0.1:$APIPORT/en/partners/exports/$id" -H "Authorization: Bearer $TOKEN")
      status=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["status"])' <<<"$job")
      [ "$status" = completed ] && break
      [ "$status" = failed ] && { echo "export failed: $job"; exit 1; }
      sleep 0.5
    done
    t1=$(date +%s.%N)
    url=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["download_url"])' <<<"$job")
    curl -sf -o "$ROOT/$DB-ledger.$FORMAT" "$url"
    t2=$(date +%s.%N)
    RATE=$(python3 -c "print(f'{$ROWS / ($t1 - $t0):,.0f}')")
    SIZE=$(stat -c %s "$ROOT/$DB-ledger.$FORMAT")
    echo "$DB $FORMAT: $ROWS rows in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s ($RATE rows/s), $((SIZE / 1024)) KiB, downloaded in $(python3 -c "print(f'{$t2 - $t1:.1f}')") s"
    results+=("| $DB | $FORMAT | $ROWS | $RATE | $((SIZE / 1024 / 1024)) MiB |")
  done
  PEAK_RSS=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
  stop_server api
  echo "$DB: server RSS at start $((BASE_RSS / 1024)) MB, peak over the three exports $((PEAK_RSS / 1024)) MB (limit 150 MB)"
  [ "$PEAK_RSS" -lt "$RSS_LIMIT_KB" ] || { echo "FAIL: peak RSS $((PEAK_RSS / 1024)) MB >= 150 MB"; exit 1; }
  echo "$DB: reading the files back cell for cell..."
  python3 - "$ROOT/$DB" <<'PY'
import csv, json, sys, datetime, openpyxl
base = sys.argv[1]
def iso(ms):
    ms = int(ms)
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
kinds = ["int", "time", "int", "int", "int", "int", "code", "int", "int", "text", "text"]
names = ["id", "created_at", "card_id", "customer_id", "shop_id", "transaction_id", "type", "points", "balance_after", "reference", "description"]
def typed(row):
    out = []
    for k, v in zip(kinds, row):
        if v == "": out.append(None)
        elif k == "int": out.append(int(v))
        elif k == "time": out.append(iso(v))
        else: out.append(v)
    return out
def as_csv(k, v):
    if v is None: return ""
    if k == "text" and v[:1] in ("=", "+", "-", "@", "\t", "\r"): return "'" + v
    return str(v)
with open(base + "-expected.csv", newline="") as f:
    expected = [typed(r) for r in csv.reader(f)]
n = len(expected)
with open(base + "-ledger.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
assert rows[0] == names, rows[0]
assert len(rows) - 1 == n, (len(rows) - 1, n)
for i, (got, exp) in enumerate(zip(rows[1:], expected)):
    want = [as_csv(k, v) for k, v in zip(kinds, exp)]
    assert got == want, (i, got, want)
with open(base + "-ledger.ndjson", encoding="utf-8") as f:
    count = 0
    for line, exp in zip(f, expected):
        obj = json.loads(line)
        assert list(obj.keys()) == names, obj
        assert list(obj.values()) == exp, (obj, exp)
        count += 1
assert count == n, (count, n)
wb = openpyxl.load_workbook(base + "-ledger.xlsx", read_only=True)
ws = wb.worksheets[0]
it = ws.iter_rows(values_only=True)
assert list(next(it)) == names
count = 0
for got, exp in zip(it, expected):
    assert list(got) == exp, (count, got, exp)
    count += 1
assert count == n and next(it, None) is None, (count, n)
print(f"{base}: CSV, NDJSON and XLSX equal the database in all {n} rows x {len(names)} columns")
PY
  [ "$DB" = postgres ] && stop_pg $ROOT/$DB
done
echo
echo "| database | format | rows | rows/s (queued to completed) | file |"
echo "|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
