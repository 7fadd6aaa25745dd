"""Hostile input against a live server (scripts/bad-input.sh): each case must get a
clear 4xx naming the problem, the server must keep serving, and nothing may be
written (the shop's transaction count is compared before and after).

usage: bad_input.py HOST PORT KEY SECRET CUSTOMER_ID BODY_TIMEOUT_SECONDS [PARTNER_TOKEN]
"""
import http.client, json, socket, sys, threading, time

host, port, key, secret, customer, body_timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
AUTH = {"X-API-Key": key, "X-API-Secret": secret, "Content-Type": "application/json"}
failures = []

def call(method, path, body=None, headers=None, raw=None):
    c = http.client.HTTPConnection(host, port, timeout=15)
    h = dict(AUTH if headers is None else headers)
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    c.request(method, path, data, h)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    c.close()
    try:
        return r.status, json.loads(text)
    except ValueError:
        return r.status, text

def count_transactions():
    s, j = call("GET", f"/en/shop/transactions?user_id={customer}&per_page=100")
    return j["meta"]["total"] if s == 200 else -1

def expect(name, status_range, got, body, names=None):
    status, payload = got
    ok = status in status_range
    text = json.dumps(payload) if not isinstance(payload, str) else payload
    if ok and names:
        ok = any(n in text for n in names)
    if not ok:
        failures.append(f"{name}: {status} {text[:200]}")
    print(f"{'ok ' if ok else 'BAD'} {status} {name}")

before = count_transactions()
A = "/en/shop/points/award"
base = {"customer_id": customer, "order_id": "BAD-1"}
cases = [
    ("malformed JSON", dict(raw='{"customer_id": 1, "points": '), range(400, 401), ["MALFORMED_JSON"]),
    ("NaN points", dict(raw='{"customer_id": %d, "order_id": "BAD-1", "points": NaN}' % customer), range(400, 423), ["MALFORMED_JSON", "points"]),
    ("Infinity points", dict(raw='{"customer_id": %d, "order_id": "BAD-1", "points": Infinity}' % customer), range(400, 423), ["MALFORMED_JSON", "points"]),
    ("1e400 points", dict(raw='{"customer_id": %d, "order_id": "BAD-1", "points": 1e400}' % customer), range(400, 423), ["points", "MALFORMED_JSON"]),
    ("huge integer points", dict(body={**base, "points": 10**30}), range(422, 423), ["points"]),
    ("negative points", dict(body={**base, "points": -5}), range(422, 423), ["points"]),
    ("fractional points", dict(body={**base, "points": 2.5}), range(422, 423), ["points"]),
    ("points as object", dict(body={**base, "points": {"$gt": 0}}), range(422, 423), ["points"]),
    ("overlong order id", dict(body={**base, "points": 5, "order_id": "x" * 5000}), range(422, 423), ["order_id"]),
    ("order id with NUL", dict(body={**base, "points": 5, "order_id": "a\u0000b"}), range(422, 423), ["order_id"]),
    ("order id with escape and RTL override", dict(body={**base, "points": 5, "order_id": "a\u001b[31m\u202eb"}), range(422, 423), ["order_id"]),
    ("lone surrogate escape", dict(raw='{"customer_id": %d, "order_id": "\\ud800", "points": 5}' % customer), range(200, 423), None),
    ("array body", dict(raw='[1, 2, 3]'), range(400, 401), ["MALFORMED_JSON"]),
    ("deeply nested body", dict(raw='[' * 100000 + ']' * 100000), range(400, 414), None),
    ("oversize body (2 MiB)", dict(raw='{"pad": "' + "x" * (2 << 20) + '"}'), range(413, 414), ["PAYLOAD_TOO_LARGE"]),
    ("missing credentials", dict(body={**base, "points": 5}, headers={"Content-Type": "application/json"}), range(401, 402), None),
    ("duplicated API key header", dict(body={**base, "points": 5}, headers=None, dup=True), range(400, 402), None),
]
for name, kw, rng, names in cases:
    if kw.pop("dup", False):
        c = http.client.HTTPConnection(host, port, timeout=15)
        c.putrequest("POST", A)
        c.putheader("X-API-Key", key); c.putheader("X-API-Key", "lty_" + "0" * 40); c.putheader("X-API-Secret", secret)
        c.putheader("Content-Type", "application/json")
        data = json.dumps({**base, "points": 5}).encode()
        c.putheader("Content-Length", str(len(data))); c.endheaders(); c.send(data)
        r = c.getresponse(); t = r.read().decode(); c.close()
        got = (r.status, t)
    else:
        got = call("POST", A, **kw)
    expect(name, rng, got, None, names)

# A body that trickles in: 408 within the body deadline (+slack), the connection
# closed, and the server answers others meanwhile.
s = socket.create_connection((host, port))
payload = json.dumps({**base, "points": 5}).encode()
s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nX-API-Key: %s\r\nX-API-Secret: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (A, key, secret, len(payload))).encode())
start = time.time()
served_meanwhile = []
def trickle():
    try:
        for b in payload:
            s.sendall(bytes([b])); time.sleep(0.5)
    except OSError:
        pass
t = threading.Thread(target=trickle, daemon=True); t.start()
time.sleep(0.3)
served_meanwhile.append(call("GET", "/health", headers={})[0])
s.settimeout(body_timeout + 10)
answer = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        answer += chunk
except OSError:
    pass
elapsed = time.time() - start
status_line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
slow_ok = " 408 " in status_line + " " and elapsed < body_timeout + 5 and served_meanwhile == [200]
print(f"{'ok ' if slow_ok else 'BAD'} slow body: '{status_line}' after {elapsed:.1f} s, connection closed, /health meanwhile {served_meanwhile}")
if not slow_ok: failures.append(f"slow body: {status_line!r} after {elapsed:.1f}s, meanwhile {served_meanwhile}")

# Rewards: bad offers and hostile XML feeds, with the offer and product counts unchanged.
def counts():
    o = call("GET", "/en/shop/sync-status")[1]["data"]["total_offers"]
    p = call("GET", "/en/shop/products/sync-status")[1]["data"]["total_products"]
    return o, p
rewards_before = counts()
XML = {"X-API-Key": key, "X-API-Secret": secret, "Content-Type": "application/xml"}
bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + ']><products><product><name>&j;</name><price>1</price></product></products>'
rewards = [
    ("offer: unknown type", "POST", "/en/shop/offers", dict(body={"title": "x", "type": "discount_magic", "discount_value": 5}), range(422, 423), ["type"]),
    ("offer: negative stock", "POST", "/en/shop/offers", dict(body={"title": "x", "type": "discount_amount", "discount_value": 5, "stock": -1}), range(422, 423), ["stock"]),
    ("offer: percent over 100", "POST", "/en/shop/offers", dict(body={"title": "x", "type": "discount_percentage", "discount_value": 150}), range(422, 423), ["discount_value"]),
    ("offer: title as array", "POST", "/en/shop/offers", dict(body={"title": ["x"], "type": "discount_amount", "discount_value": 5}), range(422, 423), ["title"]),
    ("xml: billion laughs", "POST", "/en/shop/xml-import/from-file", dict(raw=bomb, headers=XML), range(400, 401), ["XML_IMPORT_FAILED"]),
    ("xml: external entity", "POST", "/en/shop/xml-import/from-file", dict(raw='<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><products><product><name>&x;</name><price>1</price></product></products>', headers=XML), range(400, 401), ["XML_IMPORT_FAILED"]),
    ("xml: malformed", "POST", "/en/shop/xml-import/from-file", dict(raw="<products><product><name>x</name><price>1</price></product>", headers=XML), range(400, 401), ["XML_IMPORT_FAILED"]),
    ("xml: 50 MB feed", "POST", "/en/shop/xml-import/from-file", dict(raw="<products>" + "<product><name>n</name><price>1</price></product>" * 1_100_000 + "</products>", headers=XML), range(413, 414), ["XML_FILE_TOO_LARGE"]),
    ("xml: metadata URL", "POST", "/en/shop/xml-import/from-url", dict(body={"url": "http://169.254.169.254/latest/meta-data/"}), range(422, 423), ["URL_NOT_ALLOWED"]),
    ("xml: private URL", "POST", "/en/shop/xml-import/validate", dict(body={"xml_url": "http://10.1.2.3/feed.xml"}), range(422, 423), ["URL_NOT_ALLOWED"]),
    ("coupon: code of nothing", "POST", "/en/shop/coupons/verify", dict(body={"code": "'; DROP TABLE coupons; --", "shop_id": 1}), range(400, 423), ["COUPON_NOT_FOUND", "SHOP_NOT_FOUND"]),
]
for name, method, path, kw, rng, names in rewards:
    try:
        got = call(method, path, **kw)
    except (ConnectionError, OSError) as e:  # the server may close a 50 MB upload early; it must answer 413 first
        got = (0, str(e))
    expect(name, rng, got, None, names)
rewards_after = counts()
print(f"offers and products before {rewards_before}, after {rewards_after}")
if rewards_before != rewards_after: failures.append(f"rewards written: {rewards_before} -> {rewards_after}")
cases += rewards

# Games: bad game definitions and hostile stamp images; the partner's game count unchanged.
def game_count():
    return call("GET", "/en/partners/games")[1]["data"]["pagination"]["total"]
games_before = game_count()
s_, created = call("POST", "/en/partners/games", {"name": "Bad-input card", "game_type": "stamps", "stamp_settings": {"stamps_required": 3}})
game = created["data"]["id"] if s_ == 201 else 0
games_before += 1 if s_ == 201 else 0
boundary = "----badinput"
def multipart(data, name="image", filename="stamp.png"):
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode()
MP = {"X-API-Key": key, "X-API-Secret": secret, "Content-Type": f"multipart/form-data; boundary={boundary}"}
games = [
    ("game: unknown type", "POST", "/en/partners/games", dict(body={"name": "x", "game_type": "roulette"}), range(422, 423), ["game_type"]),
    ("game: negative weight", "POST", "/en/partners/games", dict(body={"name": "x", "game_type": "wheel", "prizes": [{"kind": "points", "points": 5, "weight": -3}]}), range(422, 423), ["prizes"]),
    ("game: weights sum to 0", "POST", "/en/partners/games", dict(body={"name": "x", "game_type": "wheel", "prizes": [{"kind": "points", "points": 5, "weight": 0}, {"kind": "none", "weight": 0}]}), range(422, 423), ["prizes"]),
    ("game: coupon prize of no offer", "POST", "/en/partners/games", dict(body={"name": "x", "game_type": "scratch", "prizes": [{"kind": "coupon", "offer_id": 99999999, "weight": 1}]}), range(422, 423), ["offer_id"]),
    ("game: quiz answer out of range", "POST", "/en/partners/games", dict(body={"name": "x", "game_type": "quiz", "questions": [{"question": "q", "choices": ["a", "b"], "correct_index": 5}]}), range(422, 423), ["correct_index"]),
    ("game: 20 MB image", "POST", f"/en/partners/games/{game}/upload-stamp-image", dict(raw=multipart(b"\x89PNG\r\n\x1a\n" + b"x" * (20 << 20)), headers=MP), range(413, 414), ["PAYLOAD_TOO_LARGE"]),
    ("game: non-image upload", "POST", f"/en/partners/games/{game}/upload-stamp-image", dict(raw=multipart(b"#!/bin/sh\nrm -rf /\n", filename="stamp.png"), headers=MP), range(422, 423), ["IMAGE_INVALID"]),
    ("game: stamps on a stranger's card", "POST", f"/en/shop/games/{game}/add-stamps", dict(body={"card_id": 99999999, "shop_id": 1}), range(404, 405), ["CARD_NOT_FOUND"]),
    ("game: zero stamps", "POST", f"/en/shop/games/{game}/add-stamps", dict(body={"card_id": 1, "shop_id": 1, "stamps_count": 0}), range(422, 423), ["stamps_count"]),
    ("game: session key of nothing", "GET", "/en/shop/game-sessions/game_session_' OR 1=1 --", dict(), range(401, 405), None),
]
for name, method, path, kw, rng, names in games:
    try:
        got = call(method, path.replace(" ", "%20").replace("'", "%27"), **kw)
    except (ConnectionError, OSError) as e:  # a 20 MB upload may be cut short; it must answer 413 first
        got = (0, str(e))
    expect(name, rng, got, None, names)
games_after = game_count()
print(f"games before {games_before}, after {games_after}")
if games_before != games_after: failures.append(f"games written: {games_before} -> {games_after}")
cases += games

# Partner API (an owner's token): hostile sign-ins and resources; the partner's shops,
# users, card templates and settings unchanged.
token = sys.argv[7] if len(sys.argv) > 7 else None
if token is None:
    failures.append("no partner token: the Partner API cases did not run")
else:
    OWNER = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    def partner_state():
        shops = call("GET", "/en/partners/shops?per_page=100", headers=OWNER)[1]["meta"]["total"]
        users = len(call("GET", "/en/partners/users", headers=OWNER)[1]["data"])
        cards = call("GET", "/en/partners/cards", headers=OWNER)[1]["meta"]["total"]
        settings = call("GET", "/en/partners/settings", headers=OWNER)[1]["data"]
        return (shops, users, cards, json.dumps(settings, sort_keys=True))
    partner_before = partner_state()
    OPEN = {"Content-Type": "application/json"}
    partner = [
        ("partner: login with SQL in the email", "POST", "/en/partners/auth/login", dict(body={"email": "' OR 1=1 --", "password": "x"}, headers=OPEN), range(422, 423), ["email"]),
        ("partner: login with a 2 KB password", "POST", "/en/partners/auth/login", dict(body={"email": "a@b.lt", "password": "p" * 2048}, headers=OPEN), range(422, 423), ["password"]),
        ("partner: login with an object password", "POST", "/en/partners/auth/login", dict(body={"email": "a@b.lt", "password": {"$ne": ""}}, headers=OPEN), range(422, 423), ["password"]),
        ("partner: unsigned token (alg none)", "GET", "/en/partners/auth/me", dict(headers={"Authorization": "Bearer eyJhbGciOiJub25lIiwia2lkIjoiMSJ9.eyJzdWIiOiIxIiwicGlkIjoxLCJ2ZXIiOjF9."}), range(401, 402), ["INVALID_TOKEN"]),
        ("partner: shop name with NUL", "POST", "/en/partners/shops", dict(body={"name": "a\u0000b"}, headers=OWNER), range(422, 423), ["name"]),
        ("partner: shop latitude 1e400", "POST", "/en/partners/shops", dict(raw='{"name": "x", "latitude": 1e400, "longitude": 1}', headers=OWNER), range(400, 423), ["latitude", "MALFORMED_JSON"]),
        ("partner: shop website javascript:", "POST", "/en/partners/shops", dict(body={"name": "x", "website": "javascript:alert(1)"}, headers=OWNER), range(422, 423), ["website"]),
        ("partner: card colour as script", "POST", "/en/partners/cards", dict(body={"title": "t", "description": "d", "terms_conditions": "t", "card_design": {"background_color": "<script>"}}, headers=OWNER), range(422, 423), ["card_design.background_color"]),
        ("partner: card logo not an image", "POST", "/en/partners/cards", dict(body={"title": "t", "description": "d", "terms_conditions": "t", "card_design": {"logo": "data:text/html;base64,PHNjcmlwdD4="}}, headers=OWNER), range(422, 423), ["card_design.logo"]),
        ("partner: card rate of zero", "POST", "/en/partners/cards", dict(body={"title": "t", "description": "d", "terms_conditions": "t", "points_per_currency": 0}, headers=OWNER), range(422, 423), ["points_per_currency"]),
        ("partner: unknown sharing mode", "PUT", "/en/partners/settings", dict(body={"point_sharing": "everything"}, headers=OWNER), range(422, 423), ["point_sharing"]),
        ("partner: negative shop rate", "PUT", "/en/partners/settings", dict(body={"shop_earning_rates": {"1": -5}}, headers=OWNER), range(422, 423), ["shop_earning_rates"]),
        ("partner: user with an unknown role", "POST", "/en/partners/users", dict(body={"email": "x@y.lt", "name": "x", "password": "long-enough-pass", "role": "superadmin"}, headers=OWNER), range(422, 423), ["role"]),
        ("partner: user with a short password", "POST", "/en/partners/users", dict(body={"email": "x@y.lt", "name": "x", "password": "short", "role": "staff"}, headers=OWNER), range(422, 423), ["password"]),
        ("partner: import of 1,001 customers", "POST", "/en/partners/customers/bulk-import", dict(body={"customers": [{"email": f"c{i}@x.lt"} for i in range(1001)]}, headers=OWNER), range(422, 423), ["customers"]),
        ("partner: plan by an owner", "PUT", "/en/partners/1/plan", dict(body={"name": "free"}, headers=OWNER), range(403, 404), ["FORBIDDEN"]),
        ("partner: erase a customer of nobody", "POST", "/en/partners/customers/99999999/erase", dict(body={}, headers=OWNER), range(404, 405), ["CUSTOMER_NOT_FOUND"]),
    ]
    for name, method, path, kw, rng, names in partner:
        if "raw" in kw:
            got = call(method, path, raw=kw["raw"], headers=kw.get("headers"))
        else:
            got = call(method, path, kw.get("body"), headers=kw.get("headers"))
        expect(name, rng, got, None, names)
    partner_after = partner_state()
    print(f"partner state before {partner_before[:3]}, after {partner_after[:3]}")
    if partner_before != partner_after: failures.append(f"partner data written: {partner_before} -> {partner_after}")
    cases += partner

after = count_transactions()
alive = call("GET", "/health", headers={})[0]
print(f"transactions before {before}, after {after}; /health {alive}")
if before != after: failures.append(f"something was written: {before} -> {after}")
if alive != 200: failures.append("server stopped serving")
if failures:
    print("FAILURES:\n" + "\n".join(failures)); sys.exit(1)
print(f"bad input: {len(cases) + 1} cases, all refused with 4xx, nothing written")
