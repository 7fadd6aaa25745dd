"""Load for scripts/crash-test.sh: concurrent clients post awards and redemptions and
log every request the server acknowledged (2xx with a transaction id), one JSON line
each, flushed before the next request. Requests that fail (connection refused or reset
while the server is down) are not acknowledged and are simply tried again as new ones.

usage: crash_driver.py BASE_URL KEY SECRET CUSTOMERS RUN_ID SECONDS ACK_LOG [CLIENTS]
"""
import http.client, json, random, sys, threading, time
from urllib.parse import urlparse

base, key, secret, customers, run, seconds, log_path = sys.argv[1:8]
clients = int(sys.argv[8]) if len(sys.argv) > 8 else 8
customers, seconds = int(customers), float(seconds)
url = urlparse(base)
lock = threading.Lock()
log = open(log_path, "a", buffering=1)
deadline = time.time() + seconds
counts = {"ack": 0, "refused": 0, "error": 0}

def client(n):
    rng = random.Random(hash((run, n)))
    conn, i = None, 0
    while time.time() < deadline:
        i += 1
        user = rng.randint(1, customers)
        order = f"{run}-{n}-{i}"
        if rng.random() < 0.7:
            path, body, kind = "/en/shop/points/award", {"customer_id": user, "points": rng.randint(1, 50), "order_id": order}, "award"
        else:
            path, body, kind = "/en/shop/transactions/create", {"order_id": order, "user_id": user, "order_total": 0, "points_redeemed": rng.randint(1, 20)}, "redeem"
        try:
            if conn is None:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", "X-API-Key": key, "X-API-Secret": secret})
            r = conn.getresponse()
            data = r.read()
            if 200 <= r.status < 300:
                d = json.loads(data)["data"]
                tx = d.get("transaction_id") or d.get("id")
                with lock:
                    log.write(json.dumps({"tx": tx, "order_id": order, "kind": kind, "user": user}) + "\n")
                    counts["ack"] += 1
            else:
                with lock:
                    counts["refused"] += 1
        except Exception:
            with lock:
                counts["error"] += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)

threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(counts))
