"""Checks, after scripts/crash-test.sh's kills, that every acknowledged transaction is
present exactly once with its ledger entry and exactly one transaction.created event
in the outbox (published or not), straight from the database.

usage: crash_verify.py ACK_LOG sqlite PATH | crash_verify.py ACK_LOG postgres DATABASE_URL
"""
import json, sqlite3, subprocess, sys

acks = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kind, where = sys.argv[2], sys.argv[3]

def rows(sql):
    if kind == "sqlite":
        con = sqlite3.connect(where)
        try:
            return [tuple(r) for r in con.execute(sql)]
        finally:
            con.close()
    out = subprocess.run(["psql", "-tA", "-F", "\t", where, "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]

txs = {}
for tid, order in rows("SELECT id, order_id FROM transactions"):
    txs.setdefault(int(tid), []).append(order)
entries = {}
for (tid,) in rows("SELECT transaction_id FROM ledger_entries WHERE transaction_id IS NOT NULL"):
    entries[int(tid)] = entries.get(int(tid), 0) + 1
events = {}
for (payload,) in rows("SELECT payload FROM outbox WHERE event_type = 'transaction.created'"):
    t = json.loads(payload)["data"]["transaction_id"]
    events[t] = events.get(t, 0) + 1

lost, wrong, no_entry, no_event, dup_event = [], [], [], [], []
for a in acks:
    t = int(a["tx"])
    if t not in txs: lost.append(a); continue
    if txs[t] != [a["order_id"]]: wrong.append(a)
    if entries.get(t, 0) < 1: no_entry.append(a)
    n = events.get(t, 0)
    if n == 0: no_event.append(a)
    elif n > 1: dup_event.append(a)
dups = rows("SELECT order_id, COUNT(*) FROM transactions GROUP BY partner_id, business_key, order_id HAVING COUNT(*) > 1")
negative = rows("SELECT id, balance FROM loyalty_cards WHERE balance < 0")
report = {"acknowledged": len(acks), "lost": len(lost), "wrong_order": len(wrong), "without_ledger_entry": len(no_entry),
          "without_event": len(no_event), "duplicate_events": len(dup_event), "duplicate_transactions": len(dups), "negative_balances": len(negative)}
print(json.dumps(report))
bad = {k: v for k, v in report.items() if k != "acknowledged" and v}
if bad or not acks:
    print("examples:", (lost + wrong + no_entry + no_event + dup_event)[:5], dups[:5], negative[:5], file=sys.stderr)
    sys.exit(1)
