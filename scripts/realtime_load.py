"""Realtime under load, through the real protocol: N WebSocket clients (asyncio
`websockets`) each subscribe to their own qr-card session over Pusher protocol 7;
every session is then completed by the customer's app (HTTP) on COMPLETE_URL (another
node, when given), and each client must receive its own `card_identified` event with
its own session id. Reports delivery latency and the server's resident memory (VmRSS
of SERVER_PID) idle, with N subscribers, and after they closed.
With ROUNDS=2 (environment) the whole exercise runs twice: the second round's peak
must not exceed the first's by more than 20%, or memory is not bounded (a leak).
Usage: realtime_load.py BASE_URL KEY SECRET N SERVER_PID [COMPLETE_URL]
"""
import asyncio
import json
import os
import sys
import time

import requests
import websockets

BASE, KEY, SECRET, N, PID = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
COMPLETE = sys.argv[6] if len(sys.argv) > 6 else BASE
CREDS = {"X-API-Key": KEY, "X-API-Secret": SECRET}


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


def health():
    return requests.get(f"{BASE}/health", timeout=10).json()["realtime"]


async def subscriber(url, channel, ready, go, results):
    async with websockets.connect(url, max_queue=16, open_timeout=30, ping_interval=None) as ws:
        hello = json.loads(await ws.recv())
        assert hello["event"] == "pusher:connection_established", hello
        await ws.send(json.dumps({"event": "pusher:subscribe", "data": {"channel": channel}}))
        ack = json.loads(await ws.recv())
        assert ack["event"] == "pusher_internal:subscription_succeeded" and ack["channel"] == channel, ack
        ready.append(channel)
        await go.wait()
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
            if frame.get("event") == "card_identified":
                results[channel] = (time.time(), json.loads(frame["data"]))
                return


async def round_trip():
    s = requests.Session()
    customer = s.post(f"{BASE}/en/shop/customers", json={"email": f"rt-{int(time.time()*1000)}@example.com"}, headers=CREDS, timeout=10).json()["data"]
    token = s.post(f"{BASE}/en/shop/customers/{customer['id']}/token", headers=CREDS, timeout=10).json()["data"]["token"]
    config = s.get(f"{BASE}/en/shop/realtime/config", headers=CREDS, timeout=10).json()["data"]
    url = f"ws://{config['host']}:{config['port']}/app/{config['key']}?protocol=7&client=load&version=1"
    sessions = [s.post(f"{BASE}/en/shop/qr-card/generate", json={"device_name": f"till {i}"}, headers=CREDS, timeout=10).json()["data"]["session_id"] for i in range(N)]
    idle = rss_mib(PID)
    ready, results, go = [], {}, asyncio.Event()
    tasks = [asyncio.create_task(subscriber(url, "qr-card." + sid, ready, go, results)) for sid in sessions]
    deadline = time.time() + 120
    while len(ready) < N and time.time() < deadline:
        await asyncio.sleep(0.2)
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
    assert len(ready) == N, f"only {len(ready)} of {N} subscribed"
    connected = health()
    with_subscribers = rss_mib(PID)
    go.set()
    sent = {}

    def complete_all():
        c = requests.Session()
        auth = {"Authorization": f"Bearer {token}"}
        for sid in sessions:
            sent["qr-card." + sid] = time.time()
            r = c.post(f"{COMPLETE}/en/shop/qr-card/scan", json={"session_id": sid}, headers=auth, timeout=30)
            assert r.status_code == 200, r.text

    started = time.time()
    await asyncio.get_running_loop().run_in_executor(None, complete_all)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    wall = time.time() - started
    wrong = [ch for ch, (_, payload) in results.items() if "qr-card." + payload["session_id"] != ch or payload["status"] != "authenticated"]
    latencies = sorted((results[ch][0] - sent[ch]) * 1000 for ch in results)
    await asyncio.sleep(1.0)
    after = health()
    closed_rss = rss_mib(PID)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    report = {
        "subscribers": N, "received": len(results), "wrong_session": len(wrong),
        "server_connections_while_subscribed": connected["connections"], "server_connections_after_close": after["connections"],
        "rss_mib_idle": round(idle, 1), "rss_mib_with_subscribers": round(with_subscribers, 1), "rss_mib_after_close": round(closed_rss, 1),
        "kib_per_subscriber": round((with_subscribers - idle) * 1024 / N, 1),
        "completions_wall_s": round(wall, 2), "latency_ms_p50": round(p(0.5), 1), "latency_ms_p99": round(p(0.99), 1), "latency_ms_max": round(latencies[-1], 1),
    }
    print(json.dumps(report), flush=True)
    ok = len(results) == N and not wrong and connected["connections"] >= N and after["connections"] == 0
    return ok, with_subscribers


async def main():
    peaks, ok = [], True
    for _ in range(int(os.environ.get("ROUNDS", "1"))):
        round_ok, peak = await round_trip()
        ok, peaks = ok and round_ok, peaks + [peak]
    if len(peaks) > 1 and peaks[-1] > peaks[0] * 1.2:
        print(f"realtime: memory grew from {peaks[0]:.1f} to {peaks[-1]:.1f} MiB between rounds")
        ok = False
    sys.exit(0 if ok else 1)


asyncio.run(main())
