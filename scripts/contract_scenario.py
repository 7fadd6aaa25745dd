"""Contract scenario: the rewards routes (offers, claims, the till, coupons in a purchase,
the member's own coupon routes, categories and the XML import) driven through their
success paths and main refusals against a live server, every response checked against
its schema in openapi.yaml (jsonschema, draft 2020-12) and against the status the step
expects. Complements scripts/fuzz.sh, whose generated requests mostly meet 404s for want
of data. Exits 1 on any undocumented status, schema mismatch or unexpected status.

Usage: python3 scripts/contract_scenario.py BASE_URL API_KEY API_SECRET OPENAPI_YAML
"""
import base64, json, sys, os, urllib.request, urllib.error, uuid, yaml, http.server, threading
import jsonschema, referencing, referencing.jsonschema

BASE = sys.argv[1]; KEY = sys.argv[2]; SECRET = sys.argv[3]; SPEC = sys.argv[4]
doc = yaml.safe_load(open(SPEC))
reg = referencing.Registry().with_resource('urn:doc', referencing.Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT202012))
def esc(s): return s.replace('~', '~0').replace('/', '~1')
problems = []
seen = {}

def template_of(path):
    # '/en/shop/offers/12/claim' -> '/{locale}/shop/offers/{id}/claim'
    p = '/{locale}' + path.split('?')[0][3:]
    best = None
    for t in doc['paths']:
        tp = t.split('/'); pp = p.split('/')
        if len(tp) != len(pp): continue
        if all(a == b or (a.startswith('{') and a.endswith('}')) for a, b in zip(tp, pp)):
            score = sum(1 for a in tp if not a.startswith('{'))
            if best is None or score > best[0]: best = (score, t)
    return best[1]

def check(method, path, status, body):
    t = template_of(path)
    op = doc['paths'][t][method.lower()]
    key = f'{method} {t} {status}'
    seen[key] = seen.get(key, 0) + 1
    resp = op['responses'].get(str(status))
    if resp is None:
        problems.append(f'UNDOCUMENTED STATUS {key}: {json.dumps(body)[:400]}'); return
    if '$ref' in resp:
        ptr = resp['$ref'][1:]
    else:
        ptr = f'/paths/{esc(t)}/{method.lower()}/responses/{status}'
    schema = {'$ref': f'urn:doc#{ptr}/content/application~1json/schema'}
    v = jsonschema.Draft202012Validator(schema, registry=reg, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errs = list(v.iter_errors(body))
    for e in errs[:5]:
        problems.append(f'SCHEMA {key}: {"/".join(map(str, e.absolute_path))}: {e.message[:300]}')

def call(method, path, body=None, token=None, headers=None, raw=None, ctype=None, expect=None):
    url = BASE + path
    h = {}
    if token: h['Authorization'] = 'Bearer ' + token
    else: h.update({'X-API-Key': KEY, 'X-API-Secret': SECRET})
    data = None
    if raw is not None:
        data = raw; h['Content-Type'] = ctype
    elif body is not None:
        data = json.dumps(body).encode(); h['Content-Type'] = 'application/json'
    if headers: h.update(headers)
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    j = json.loads(text)
    if os.environ.get("TRACE"): print(method, path, status, text[:300])
    check(method, path, status, j)
    if expect is not None and status != expect:
        problems.append(f'UNEXPECTED {method} {path} -> {status} (wanted {expect}): {text[:300]}')
    return status, j

E = '/en/shop/'
st, j = call('GET', E + 'shops'); shop = j['data'][0]['id']
def customer(tag):
    st, j = call('POST', E + 'customers', {'email': f'{tag}-{uuid.uuid4().hex[:6]}@example.com', 'name': tag.title()}, expect=201)
    cid = j['data']['id']
    call('POST', E + 'points/award', {'customer_id': cid, 'points': 1000}, expect=201)
    st, j = call('POST', E + f'customers/{cid}/token', {})
    return cid, j['data']['token']
c1, t1 = customer('ann'); c2, t2 = customer('bob')

# catalogue: import the fixture feed (file and raw body), then a URL feed served locally
feed = open(os.path.join(os.path.dirname(__file__), '..', 'Tests', 'Fixtures', 'product-feed.xml'), 'rb').read()
bnd = 'XyZ' + uuid.uuid4().hex
mp = (f'--{bnd}\r\nContent-Disposition: form-data; name="xml_file"; filename="feed.xml"\r\nContent-Type: application/xml\r\n\r\n').encode() + feed + f'\r\n--{bnd}--\r\n'.encode()
call('POST', E + 'xml-import/from-file', raw=mp, ctype=f'multipart/form-data; boundary={bnd}', expect=200)
mpv = (f'--{bnd}\r\nContent-Disposition: form-data; name="file"; filename="f.xml"\r\n\r\n').encode() + feed + (f'\r\n--{bnd}\r\nContent-Disposition: form-data; name="validate_only"\r\n\r\ntrue\r\n--{bnd}--\r\n').encode()
call('POST', E + 'xml-import/from-file', raw=mpv, ctype=f'multipart/form-data; boundary={bnd}', expect=200)
call('POST', E + 'xml-import/from-file', raw=feed, ctype='application/xml', expect=200)
call('POST', E + 'xml-import/from-file', raw=b'<not xml', ctype='application/xml', expect=400)
call('POST', E + 'xml-import/from-file', raw=b'', ctype='text/plain', expect=422)
call('POST', E + 'xml-import/from-file', raw=b'garbage', ctype='multipart/form-data; boundary=zz', expect=None)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Type', 'application/xml'); self.end_headers(); self.wfile.write(feed)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(('127.0.0.1', int(os.environ.get('FEED_PORT', '18693'))), H); threading.Thread(target=srv.serve_forever, daemon=True).start()
furl = f'http://127.0.0.1:{srv.server_port}/feed.xml'
call('POST', E + 'xml-import/from-url', {'url': furl, 'auto_publish': True}, expect=200)
call('POST', E + 'xml-import/from-url', {'xml_url': furl, 'validate_only': True}, expect=200)
call('POST', E + 'xml-import/validate', {'url': furl}, expect=200)
call('POST', E + 'xml-import/validate', {'url': 'https://10.0.0.1/x.xml'}, expect=422)
call('POST', E + 'xml-import/from-url', {}, expect=422)
call('GET', E + 'xml-import/field-mappings', expect=200)
call('GET', E + 'xml-import/stats', expect=200)
st, j = call('GET', E + 'xml-import/history?limit=5', expect=200)
imp = j['data'][0]['id']
call('GET', E + 'xml-import', expect=200)
call('DELETE', E + f'xml-import/{imp}', expect=200)
call('DELETE', E + f'xml-import/{imp}', expect=404)
call('GET', E + 'categories', expect=200)
call('GET', E + 'products/categories', expect=200)
call('GET', E + 'products/sync-status', expect=200)

# offers
st, j = call('POST', E + 'offers', {'title': {'en': '10% off', 'lt': '10% nuolaida'}, 'type': 'discount_percentage', 'discount_value': 10,
    'points_required': 100, 'stock': 50, 'per_member_limit': 3, 'coupon_validity_days': 30, 'minimum_purchase': 20, 'maximum_discount': 15}, expect=201)
o1 = j['data']['id']
st, j = call('POST', E + 'offers', {'title': 'Five off', 'type': 'discount', 'discount_type': 'fixed_amount', 'discount_value': 5, 'points_required': 20}, expect=201)
o2 = j['data']['id']
# free item with products from the feed
prods = []
st, j = call('GET', E + 'products/categories')
st, j = call('POST', E + 'offers', {'title': 'Free mug', 'type': 'free_item', 'product_ids': [1, 2], 'shop_ids': [shop]}, expect=201)
o3 = j['data']['id']
st, j = call('POST', E + 'offers', {'title': 'Double', 'type': 'points_multiplier', 'points_multiplier': 2, 'starts_at': '2020-01-01', 'ends_at': '2099-01-01'}, expect=201)
o4 = j['data']['id']
st, j = call('POST', E + 'offers', {'title': 'Cashback', 'type': 'cashback', 'cashback_percentage': 5, 'tiers': ['Gold']}, expect=201)
o5 = j['data']['id']
call('POST', E + 'offers', {'title': 'bad', 'type': 'discount_percentage', 'discount_value': 500, 'shop_ids': [999999]}, expect=422)
call('PUT', E + f'offers/{o2}', {'is_featured': True, 'description': 'Five euros off'}, expect=200)
call('PUT', E + 'offers/999999', {'is_featured': True}, expect=404)
call('GET', E + 'offers?type=discount&is_featured=true', expect=200)
call('GET', E + 'offers?available_only=1&per_page=50', expect=200)
call('GET', E + 'offers', token=t1, expect=200)
call('GET', E + f'offers/{o1}', expect=200)
call('GET', E + f'offers/{o5}', token=t1, expect=200)
call('GET', E + 'sync-status', expect=200)

# claims
st, j = call('POST', E + f'offers/{o1}/claim', {'user_id': c1}, headers={'Idempotency-Key': 'k1'}, expect=201)
cp1 = j['data']['coupon_id']; code1 = j['data']['coupon_code']; qr1 = j['data']['qr_code']
st, j2 = call('POST', E + f'offers/{o1}/claim', {'user_id': c1}, headers={'Idempotency-Key': 'k1'}, expect=201)
st, j = call('POST', E + f'offers/{o2}/claim', {}, token=t1, expect=201)
cp2 = j['data']['coupon_id']; code2 = j['data']['coupon_code']
st, j = call('POST', E + f'offers/{o3}/claim', {'user_email': None, 'customer_id': c2}, expect=201)
cp3 = j['data']['coupon_id']; code3 = j['data']['coupon_code']
st, j = call('POST', E + f'offers/{o1}/claim', {'user_id': c2, 'reference': 'ref-1'}, expect=201)
cp4 = j['data']['coupon_id']
call('POST', E + f'offers/{o1}/claim', {'user_id': c2, 'reference': 'ref-1'}, expect=409)
call('POST', E + f'offers/{o5}/claim', {'user_id': c2}, expect=403)
call('POST', E + f'offers/{o1}/claim', {}, expect=422)
call('POST', E + 'offers/999999/claim', {'user_id': c2}, expect=404)
st, j = call('POST', E + f'offers/{o2}/claim', {'user_id': c2}, expect=201)
cp5 = j['data']['coupon_id']; code5 = j['data']['coupon_code']

# till
call('POST', E + 'coupons/verify', {'code': code1.lower().replace('-', ' '), 'shop_id': shop, 'purchase_amount': 35}, expect=200)
call('POST', E + 'coupons/verify', {'coupon_code': qr1, 'shop_id': shop}, expect=200)
call('POST', E + 'coupons/verify', {'coupon_code': code1, 'shop_id': shop, 'purchase_amount': 5}, expect=422)
call('POST', E + 'coupons/verify', {'coupon_code': 'LTC1.1.AAAA.bad', 'shop_id': shop}, expect=422)
call('POST', E + 'coupons/verify', {'coupon_code': 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', 'shop_id': shop}, expect=404)
call('POST', E + 'coupons/verify', {'coupon_code': code1, 'shop_id': 999999}, expect=404)
call('POST', E + 'coupons/calculate-discount', {'code': code1, 'purchase_amount': 42.5}, expect=200)
call('POST', E + 'coupons/calculate-discount', {'code': code1, 'purchase_amount': 5}, expect=200)
call('POST', E + 'coupons/calculate-discount', {'code': code3, 'purchase_amount': 30, 'cart_items': [{'product_id': 1, 'quantity': 1}]}, expect=200)
call('GET', E + f'coupons/products?coupon_id={cp3}', expect=200)
call('POST', E + 'coupons/pending', {'coupon_id': cp1, 'shop_id': shop}, expect=200)
call('POST', E + 'coupons/pending', {'coupon_id': cp1, 'shop_id': shop}, expect=200)
call('POST', E + 'coupons/cancel-pending', {'coupon_id': cp1, 'shop_id': shop}, expect=200)
call('POST', E + 'coupons/cancel-pending', {'coupon_id': cp1, 'shop_id': shop}, expect=409)
call('POST', E + 'coupons/pending', {'coupon_code': code3, 'shop_id': shop, 'selected_product_id': 999}, expect=422)
call('POST', E + 'coupons/redeem', {'coupon_id': cp3, 'shop_id': shop}, expect=None)
call('POST', E + 'coupons/redeem', {'coupon_id': cp1, 'shop_id': shop, 'notes': 'till 3'}, expect=200)
call('POST', E + 'coupons/redeem', {'coupon_id': cp1, 'shop_id': shop}, expect=409)
call('POST', E + 'coupons/verify', {'coupon_code': code1, 'shop_id': shop}, expect=409)
call('POST', E + 'coupons/calculate-discount', {'code': code1, 'purchase_amount': 42.5}, expect=200)
call('POST', E + 'coupons/pending', {}, expect=422)
call('GET', E + f'coupons?shop_id={shop}', expect=200)
call('GET', E + f'coupons?shop_id={shop}&status=all&user_id={c1}&per_page=100', expect=200)
call('GET', E + 'coupons', expect=422)
call('GET', E + f'coupons/card?shop_id={shop}&user_id={c2}', expect=200)
call('GET', E + f'coupons/card?shop_id={shop}', expect=422)
call('POST', E + 'coupons/cancel', {'coupon_id': cp4, 'reason': 'asked'}, expect=200)
call('POST', E + 'coupons/cancel', {'coupon_id': cp4}, expect=400)

# purchase with a coupon
st, j = call('POST', E + 'transactions/create', {'order_id': 'A-1', 'user_id': c2, 'order_total': 35, 'coupon_code': code5}, expect=201)
call('POST', E + 'transactions/create', {'order_id': 'A-2', 'user_id': c2, 'order_total': 35, 'coupon_code': code5}, expect=409)
call('POST', E + 'transactions/create', {'order_id': 'A-3', 'user_id': c1, 'order_total': 35, 'coupon_code': code2}, expect=201)
call('POST', E + 'transactions/create', {'order_id': 'A-1', 'user_id': c2, 'type': 'refund', 'coupon_code': code5}, expect=422)
call('GET', E + 'transactions?per_page=100', expect=200)
call('GET', E + 'events?limit=100' , expect=None)

# member routes
call('GET', E + 'coupons', token=t1, expect=200)
call('GET', E + 'coupons?status=redeemed&expires_soon=true', token=t1, expect=200)
call('GET', E + 'offers/coupons', token=t2, expect=200)
call('GET', E + 'coupons/expiring?days=60', token=t2, expect=200)
call('GET', E + 'coupons/statistics', token=t2, expect=200)
call('GET', E + f'coupons/{cp3}', token=t2, expect=200)
call('GET', E + f'coupons/{cp3}', token=t1, expect=404)
st, j = call('POST', E + f'offers/{o2}/claim', {}, token=t2, expect=201)
cp6 = j['data']['coupon_id']
call('POST', E + f'coupons/{cp6}/redeem', {'location': 'web', 'redemption_reference': 'r1'}, token=t2, expect=200)
call('POST', E + f'offers/coupons/{cp6}/redeem', {}, token=t2, expect=409)
st, j = call('POST', E + f'offers/{o2}/claim', {}, token=t2, expect=201)
cp7 = j['data']['coupon_id']
call('POST', E + f'offers/coupons/{cp7}/redeem', {}, token=t2, expect=200)
st, j = call('POST', E + f'offers/{o2}/claim', {}, token=t2, expect=201)
cp8 = j['data']['coupon_id']
call('POST', E + f'coupons/{cp8}/cancel', {'reason': 'no'}, token=t2, expect=200)
call('POST', E + f'coupons/{cp8}/cancel', {}, token=t2, expect=400)
call('GET', E + 'coupons/statistics', token='bad', expect=401)
call('GET', E + 'coupons/statistics', expect=401)
call('GET', E + 'offers', token='bad', expect=401)
call('DELETE', E + f'offers/{o4}', expect=200)
call('DELETE', E + f'offers/{o4}', expect=404)
call('GET', E + 'xml-import/stats', expect=200)
call('GET', E + 'sync-status', expect=200)

# games: partner management, a stamp card at the till, member sessions of every kind
P = '/en/partners/'
st, j = call('POST', P + 'games', {'name': {'en': 'Coffee card', 'lt': 'Kavos kortelė'}, 'game_type': 'stamps', 'description': 'Ten coffees',
    'stamp_settings': {'stamps_required': 3, 'per_visit_limit': 2, 'reset_on_complete': False}, 'prizes': [{'kind': 'coupon', 'offer_id': o3}],
    'purchase_rule': {'min_order_total': 5}}, expect=201)
gs = j['data']['id']
st, j = call('POST', P + 'games', {'name': 'Wheel', 'game_type': 'wheel_of_fortune', 'points_cost': 2, 'daily_limit': 5,
    'budget': {'period': 'day', 'points': 1000, 'coupons': 5}, 'prizes': [{'kind': 'points', 'points': 5, 'weight': 2}, {'kind': 'none', 'weight': 1}]}, expect=201)
gw = j['data']['id']
st, j = call('POST', P + 'games', {'name': 'Quiz', 'game_type': 'quiz', 'questions': [{'question': {'en': '2+2?'}, 'choices': ['3', '4'], 'correct_index': 1}],
    'prizes': [{'kind': 'points', 'points': 3, 'min_score': 1}]}, expect=201)
gq = j['data']['id']
st, j = call('POST', P + 'games', {'name': 'Set', 'game_type': 'collection', 'items': [{'key': 'cup', 'name': 'Cup'}], 'prizes': [{'kind': 'points', 'points': 4}]}, expect=201)
gc = j['data']['id']
st, j = call('POST', P + 'games', {'name': 'Regular', 'game_type': 'challenge', 'goal': {'metric': 'spend', 'target': 10, 'period': 'month'},
    'prizes': [{'kind': 'points', 'points': 9}]}, expect=201)
gch = j['data']['id']
call('POST', P + 'games', {'name': 'x', 'game_type': 'roulette'}, expect=422)
call('POST', P + 'games', {'name': 'x', 'game_type': 'wheel', 'prizes': [{'kind': 'none', 'weight': 0}]}, expect=422)
call('GET', P + 'games?active_only=true&game_type=wheel', expect=200)
call('GET', P + f'games/{gw}', expect=200)
call('PUT', P + f'games/{gw}', {'is_featured': True, 'description': 'Spin it'}, expect=200)
call('PUT', P + f'games/{gch}/toggle-status', expect=200)
call('PUT', P + f'games/{gch}/toggle-status', expect=200)
call('GET', P + f'games/{gc}/collection-items', expect=200)
call('GET', P + f'games/{gs}/stamps', expect=200)
png = base64.b64encode(bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + b'0' * 32).decode()
call('POST', P + f'games/{gs}/upload-stamp-image', {'image_base64': png}, expect=200)
call('POST', P + f'games/{gs}/upload-stamp-image', {'image_base64': base64.b64encode(b'hello').decode()}, expect=422)
call('GET', P + 'games/999999', expect=404)
st, j = call('GET', E + 'loyalty-cards/info?user_id=%d' % c1, expect=200)
card1 = j['data']['id']
call('GET', E + f'games?shop_id={shop}&type=stamps', expect=200)
call('GET', E + 'games', token=t1, expect=200)
call('GET', E + f'games/{gs}?card_id={card1}', expect=200)
call('GET', E + f'games/{gw}', token=t1, expect=200)
call('GET', E + f'games/{gs}', token=t1, expect=200)
call('GET', E + f'games/{gch}', token=t1, expect=200)
call('GET', E + f'games/{gc}', token=t1, expect=200)
call('POST', E + f'games/{gs}/add-stamps', {'card_id': card1, 'shop_id': shop, 'stamps_count': 2}, expect=200)
call('POST', E + f'games/{gs}/add-stamps', {'card_id': card1, 'shop_id': shop, 'stamps_count': 3}, expect=422)
call('POST', E + f'games/{gs}/add-stamps', {'card_id': card1, 'shop_id': shop}, expect=200)
call('POST', E + f'games/{gs}/add-stamps', {'card_id': card1, 'shop_id': shop}, expect=200)
call('POST', E + f'games/{gs}/complete', {'card_id': card1}, expect=409)
call('GET', E + f'games/{gs}/progress?card_id={card1}', expect=200)
call('GET', E + f'games/{gs}/progress', expect=422)
call('GET', E + f'cards/{card1}/games?shop_id={shop}', expect=200)
call('GET', E + f'cards/{card1}/games/history?status=completed', expect=200)
call('POST', E + f'games/{gs}/restart', {'card_id': card1, 'shop_id': shop}, expect=200)
call('POST', E + f'games/{gs}/complete', {'card_id': card1}, expect=200)
call('POST', E + f'games/{gw}/add-stamps', {'card_id': card1, 'shop_id': shop}, expect=422)
call('POST', E + 'transactions/create', {'user_id': c1, 'order_id': 'G-' + uuid.uuid4().hex[:6], 'amount': 12, 'shop_id': shop}, expect=201)
for g in (gw, gq, gc):
    st, j = call('POST', E + f'games/{g}/start-session', token=t1, expect=200)
    key = j['data']['session_key']
    call('GET', E + f'game-sessions/{key}', token=t1, expect=200)
    call('GET', E + f'game-sessions/{key}', token=t2, expect=404)
    call('PUT', E + f'game-sessions/{key}/progress', {'score': 1, 'progress_data': {'level': 1}, 'answers': [{'question_id': 1, 'answer_index': 1}]} if g == gq else {'score': 1}, token=t1, expect=200)
    call('POST', E + f'game-sessions/{key}/claim-reward', token=t1, expect=200)
    call('POST', E + f'game-sessions/{key}/claim-reward', token=t1, expect=409)
    call('PUT', E + f'game-sessions/{key}/progress', {'score': 2}, token=t1, expect=409)
call('POST', E + f'games/{gs}/start-session', token=t1, expect=403)
call('GET', E + 'game-sessions/game_session_' + '0' * 32, token=t1, expect=404)
call('GET', E + f'game-sessions/history?game_id={gw}&status=completed&date_from=2020-01-01', token=t1, expect=200)
call('GET', E + 'game-sessions/history', expect=401)
call('GET', P + f'games/{gw}/statistics?period=day', expect=200)
call('DELETE', P + f'games/{gch}', expect=200)
call('DELETE', P + f'games/{gch}', expect=404)

# events feed and webhooks test
st, j = call('GET', E + 'events?limit=200', expect=None)
print('statuses seen:'); [print(' ', k, n) for k, n in sorted(seen.items())]
srv.shutdown()
print('PROBLEMS:' if problems else 'no problems'); [print(' ', p) for p in problems]
print(f'contract scenario: {sum(seen.values())} responses over {len(seen)} operation/status pairs, {len(problems)} problems')
sys.exit(1 if problems else 0)
