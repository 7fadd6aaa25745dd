"""Scenario suite with the official Python SDK (loyaltylt-sdk 3.1.0, unchanged) against our server.

The server is started by scripts/sdk-scenario.sh, which exports LOYALTY_BASE_URL,
LOYALTY_API_KEY and LOYALTY_API_SECRET. The only thing changed on the SDK object is
its base URL, as a real integrator pointing it at a self-hosted server would do.
"""
import os
import threading
import time
import uuid

import pytest
import requests
from loyalty_sdk import LoyaltySDK
from loyalty_sdk.exceptions import LoyaltyAPIError

BASE = os.environ["LOYALTY_BASE_URL"]
KEY = os.environ["LOYALTY_API_KEY"]
SECRET = os.environ["LOYALTY_API_SECRET"]


@pytest.fixture(scope="module")
def sdk():
    client = LoyaltySDK(api_key=KEY, api_secret=SECRET, locale="en")
    client.base_url = BASE
    return client


@pytest.fixture(scope="module")
def customer():
    # Customers are our extension (the seed FAQ's customers.create); the SDK has no call for it.
    email = f"sdk-{uuid.uuid4().hex[:8]}@example.com"
    r = requests.post(f"{BASE}/en/shop/customers", json={"email": email, "name": "SDK Customer"},
                      headers={"X-API-Key": KEY, "X-API-Secret": SECRET}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["data"]


def test_validate_credentials(sdk):
    data = sdk.validate_credentials()
    assert data["valid"] is True
    assert data["partner_id"] >= 1
    assert data["api_key"].startswith("lty_")


def test_health(sdk):
    health = sdk.health_check()
    assert health["status"] == "ok"
    assert set(health["services"]) >= {"authentication", "points_system", "loyalty_cards"}


def test_shops_and_card_templates(sdk):
    shops = sdk.get_shops()
    assert shops["meta"]["total"] >= 1
    assert shops["data"][0]["name"]
    cards = sdk.get_loyalty_cards()
    assert cards["meta"]["total"] >= 1
    template = sdk.get_loyalty_card(cards["data"][0]["id"])
    assert template["id"] == cards["data"][0]["id"]
    assert "points_per_currency" in template


def test_card_info_and_balance(sdk, customer):
    info = sdk.get_loyalty_card_info(user_id=customer["id"])
    assert info["user"]["id"] == customer["id"]
    assert len(info["card_number"]) == 11
    balance = sdk.get_points_balance(card_number=info["card_number"])
    assert balance["card_id"] == info["id"]
    by_qr = sdk.get_points_balance(card_number=info["qr_code"])
    assert by_qr["card_id"] == info["id"]


def test_transaction_duplicate_refund_and_history(sdk, customer):
    order = f"SDK-{uuid.uuid4().hex[:10]}"
    before = sdk.get_points_balance(user_id=customer["id"])["points"]
    created = sdk.create_transaction(order_id=order, user_id=customer["id"], order_total=15.50, currency="EUR",
                                     cart_items=[{"sku": "A1", "quantity": 1, "unit_price": 15.5}],
                                     meta_data={"source": "python-sdk"})
    assert created["points_awarded"] == 15
    assert created["points_balance"] == before + 15
    assert created["order_total"] == 15.5

    with pytest.raises(LoyaltyAPIError) as dup:
        sdk.create_transaction(order_id=order, user_id=customer["id"], order_total=15.50)
    assert dup.value.http_status == 409
    assert sdk.get_points_balance(user_id=customer["id"])["points"] == before + 15

    refund = sdk.create_transaction(order_id=order, user_email=customer["email"], transaction_type="refund")
    assert refund["points_reversed"] == 15
    assert sdk.get_points_balance(user_id=customer["id"])["points"] == before

    history = sdk.get_transactions(user_id=customer["id"])
    assert history["meta"]["total"] == 2
    types = sorted(t["type"] for t in history["data"])
    assert types == ["purchase", "refund"]
    assert any(t["metadata"]["source"] == "python-sdk" for t in history["data"])


def test_errors_surface_as_api_errors(sdk):
    with pytest.raises(LoyaltyAPIError) as missing:
        sdk.get_loyalty_card_info(user_id=987654321)
    assert missing.value.http_status == 404
    with pytest.raises(LoyaltyAPIError) as invalid:
        sdk.create_transaction(order_id="bad", user_id=1, points=-3)
    assert invalid.value.http_status == 422
    assert "points" in invalid.value.message


# --- QR login, QR card scan and realtime (issue 6): the SDK's own generate/poll and
# its raw Pusher client (subscribe_qr_*, websocket-client), unchanged. The customer's
# app is played with plain HTTP, as the SDK has no customer-side calls.

def customer_token(customer_id):
    r = requests.post(f"{BASE}/en/shop/customers/{customer_id}/token",
                      headers={"X-API-Key": KEY, "X-API-Secret": SECRET}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["data"]["token"]


def app_call(method, path, token, **kwargs):
    return requests.request(method, f"{BASE}/en/shop/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs)


def subscribe_in_background(fn, session_id):
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=fn(session_id, timeout=20)))
    thread.start()
    time.sleep(0.5)  # the subscription is made before the customer acts
    return thread, box


def test_realtime_config_points_at_this_server(sdk):
    config = sdk.get_realtime_config()
    assert config["key"] and config["scheme"] == "http"
    assert f'{config["host"]}:{config["port"]}' == BASE.split("://")[1]
    assert config["channel_prefix"] == {"qr_login": "qr-login.", "qr_card": "qr-card."}
    assert config["event"] == "status_update"


def test_qr_card_session_generate_subscribe_poll(sdk, customer):
    token = customer_token(customer["id"])
    session = sdk.generate_qr_card_session(device_name="Till 1")
    assert session["qr_code"] == f'loyaltylt://qr-card?code={session["qr_code"].split("code=")[1].split("&")[0]}&session={session["session_id"]}'
    assert len(session["manual_code"]) == 11 and session["realtime_channel"] == "qr-card." + session["session_id"]
    assert sdk.poll_qr_card_status(session["session_id"])["status"] == "pending"

    thread, box = subscribe_in_background(sdk.subscribe_qr_card, session["session_id"])
    scanned = app_call("POST", "qr-card/scan", token, json={"qr_code": session["qr_code"]})
    assert scanned.status_code == 200, scanned.text
    thread.join()
    event = box["result"]
    assert event is not None, "no card_identified event arrived"
    assert event["status"] == "authenticated" and event["card_data"]["user"]["id"] == customer["id"]

    polled = sdk.poll_qr_card_status(session["session_id"])
    assert polled["status"] == "authenticated"
    assert polled["card_data"]["loyalty_card_id"] == event["card_data"]["loyalty_card_id"]
    again = app_call("POST", "qr-card/scan", token, json={"qr_code": session["qr_code"]})
    assert again.status_code == 409
    with pytest.raises(LoyaltyAPIError) as missing:
        sdk.poll_qr_card_status(str(uuid.uuid4()))
    assert missing.value.http_status == 404


def test_qr_login_generate_subscribe_poll(sdk, customer):
    token = customer_token(customer["id"])
    session = sdk.generate_qr_login(device_name="POS 7")
    assert session["qr_code"].startswith("loyaltylt://qr-login?code=")
    code = session["qr_code"].split("code=")[1].split("&")[0]
    assert sdk.poll_qr_login(session["session_id"])["status"] == "pending"

    thread, box = subscribe_in_background(sdk.subscribe_qr_login, session["session_id"])
    assert app_call("POST", f"auth/qr-login/scan/{code}", token).status_code == 200
    assert app_call("POST", f'auth/qr-login/confirm/{session["session_id"]}', token).status_code == 200
    thread.join()
    result = box["result"]
    assert result is not None and result["status"] == "authenticated"
    assert result["user"]["id"] == customer["id"] and result["token"] and result["refresh_token"]

    polled = sdk.poll_qr_login(session["session_id"])
    assert polled["status"] == "authenticated" and polled["token"]
    me = app_call("GET", "auth/me", polled["token"])
    assert me.status_code == 200 and me.json()["data"]["id"] == customer["id"]
    assert "token" not in sdk.poll_qr_login(session["session_id"])


def test_scanned_card_token_identifies_the_customer(customer):
    token = customer_token(customer["id"])
    mine = app_call("GET", "me/card", token).json()["data"]
    r = requests.post(f"{BASE}/en/shop/loyalty-cards/scan", json={"qr_data": mine["qr"]["token"]},
                      headers={"X-API-Key": KEY, "X-API-Secret": SECRET}, timeout=10)
    assert r.status_code == 200 and r.json()["data"]["customer"]["id"] == customer["id"]
    image = requests.get(mine["qr"]["qr_image_url"], timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"


# --- Rewards: every offer, category, coupon and XML-import method of the SDK ---

FEED_URL = os.environ.get("LOYALTY_FEED_URL")


def shop_post(path, body):
    """Shop calls the SDK has no method for (claiming for a member is our extension)."""
    return requests.post(f"{BASE}/en/shop/{path}", json=body, headers={"X-API-Key": KEY, "X-API-Secret": SECRET}, timeout=10)


def test_offer_crud(sdk):
    created = sdk.create_offer(title="SDK offer", description="Ten percent", discount_type="percentage", type="discount",
                               discount_value=10, start_date="2026-01-01", end_date="2099-12-31", points_required=5)
    assert created["id"] >= 1 and created["type"] == "discount_percentage" and created["points_required"] == 5
    assert sdk.get_offer(created["id"])["title"] == "SDK offer"
    updated = sdk.update_offer(created["id"], discount_value=15, is_featured=True)
    assert updated["discount_value"] == 15 and updated["is_featured"] is True
    listed = sdk.get_offers(is_featured=True, type="discount")
    assert any(o["id"] == created["id"] for o in listed["data"]) and listed["meta"]["total"] >= 1
    assert sdk.delete_offer(created["id"]) is None
    with pytest.raises(LoyaltyAPIError) as err:
        sdk.get_offer(created["id"])
    assert err.value.http_status == 404
    with pytest.raises(LoyaltyAPIError) as bad:
        sdk.create_offer(title="Bad", type="discount_percentage", discount_value=150)
    assert bad.value.http_status == 422


def test_coupon_till_flow(sdk, customer):
    sdk.create_transaction(order_id=f"earn-{uuid.uuid4().hex[:8]}", user_id=customer["id"], order_total=10, points=100)
    offer = sdk.create_offer(title="Five off", type="discount_amount", discount_value=5, points_required=20, minimum_purchase=10)
    claim = shop_post(f"offers/{offer['id']}/claim", {"user_id": customer["id"]})
    assert claim.status_code == 201, claim.text
    code, coupon_id = claim.json()["data"]["coupon_code"], claim.json()["data"]["coupon_id"]
    shop_id = sdk.get_shops()["data"][0]["id"]

    verified = sdk.verify_coupon(code, shop_id)  # the SDK sends `code`
    assert verified["coupon"]["id"] == coupon_id and verified["user"]["id"] == customer["id"]
    listed = sdk.list_coupons(shop_id=shop_id, user_id=customer["id"])
    assert any(c["id"] == coupon_id for c in listed["coupons"]) and listed["pagination"]["total"] >= 1
    assert sdk.get_card_coupons(shop_id, user_id=customer["id"])["total_count"] >= 1
    discount = sdk.calculate_coupon_discount(code, 42.5)
    assert discount["can_apply"] is True and discount["discount_amount"] == 5 and discount["final_amount"] == 37.5
    assert sdk.get_coupon_products(coupon_id)["selection_required"] is False
    assert sdk.set_coupon_pending(coupon_id, shop_id)["status"] == "pending"
    assert sdk.cancel_pending_coupon(coupon_id, shop_id)["status"] == "active"
    redeemed = sdk.redeem_coupon(coupon_id, shop_id, notes="till 1")
    assert redeemed["coupon_id"] == coupon_id and redeemed["status"] == "used"
    with pytest.raises(LoyaltyAPIError) as again:
        sdk.redeem_coupon(coupon_id, shop_id)
    assert again.value.http_status == 409 and again.value.code == 1311


def test_categories_and_xml_import(sdk):
    assert FEED_URL, "sdk-scenario.sh serves a feed and sets LOYALTY_FEED_URL"
    validated = sdk.validate_xml(FEED_URL)
    assert validated["is_valid"] is True and validated["product_count"] == 3
    assert validated["structure"]["detected_path"] == "products/product"
    imported = sdk.import_from_url(FEED_URL, auto_publish=True)
    assert imported["products_created"] + imported["products_updated"] == 2 and len(imported["errors"]) == 1
    stats = sdk.get_import_stats()
    assert stats["total_products"] >= 2 and stats["categories_used"] >= 2
    categories = sdk.get_categories()
    names = {c["name"] for c in categories["flat_list"]}
    assert {"Kitchen", "Drinks"} <= names
    with pytest.raises(LoyaltyAPIError) as refused:
        sdk.import_from_url("http://169.254.169.254/latest/meta-data")
    assert refused.value.http_status == 422


def partner_post(path, body):
    """The Partner API's game management (the SDK is a shop client and has no call for it)."""
    return requests.post(f"{BASE}/en/partners/{path}", json=body, headers={"X-API-Key": KEY, "X-API-Secret": SECRET}, timeout=10)


def test_every_game_method(sdk, customer):
    # A stamp card of 3 whose reward is a coupon of a game-only (inactive) offer.
    offer = sdk.create_offer(title="Free coffee", type="free_item", is_active=False)
    created = partner_post("games", {
        "name": {"lt": "Kavos kortelė", "en": "Coffee card"}, "description": "Three coffees, the fourth is free",
        "game_type": "stamps", "reward_description": "A free coffee",
        "stamp_settings": {"stamps_required": 3, "reset_on_complete": False, "product_name": "Coffee"},
        "prizes": [{"kind": "coupon", "offer_id": offer["id"]}],
    })
    assert created.status_code == 201, created.text
    game_id = created.json()["data"]["id"]
    shop_id = sdk.get_shops()["data"][0]["id"]
    card_id = sdk.get_loyalty_card_info(user_id=customer["id"])["id"]

    games = sdk.list_games(shop_id, type="stamps")
    assert any(g["id"] == game_id for g in games["data"]) and games["meta"]["total"] >= 1
    game = sdk.get_game(game_id, card_id)
    assert game["game_type"] == "stamps" and game["stamps_required"] == 3 and game["name"]["en"] == "Coffee card"
    added = sdk.add_stamps(game_id, card_id, shop_id, stamps_count=2)
    assert added["current_step"] == 2 and added["is_completed"] is False and added["remaining"] == 1
    done = sdk.add_stamps(game_id, card_id, shop_id)
    assert done["is_completed"] is True and done["reward_generated"]["type"] == "coupon"
    verified = sdk.verify_coupon(done["reward_generated"]["coupon_code"], shop_id)
    assert verified["coupon"]["status"] == "active"
    again = sdk.add_stamps(game_id, card_id, shop_id)
    assert again["was_already_completed"] is True
    progress = sdk.get_game_progress(game_id, card_id)
    assert progress["progress"]["completed"] is True and progress["stamps_required"] == 3
    assert [h["action"] for h in progress["progress"]["history"]] == ["stamp_added", "stamp_added", "game_completed"]
    card_games = sdk.get_card_games(card_id, shop_id)
    assert any(g["id"] == game_id and g["status"] == "completed" for g in card_games)
    history = sdk.get_game_history(card_id, shop_id)
    assert history["meta"]["total"] >= 1 and history["data"][0]["reward_claimed"]["type"] == "coupon"
    restarted = sdk.restart_game(game_id, card_id, shop_id)
    assert restarted["progress"]["current_step"] == 0
    completed = sdk.complete_game(game_id, card_id)
    assert completed["completed"] is True and completed["coupon"]["status"] == "active"
    with pytest.raises(LoyaltyAPIError) as missing:
        sdk.get_game(999_999, card_id)
    assert missing.value.http_status == 404
    with pytest.raises(LoyaltyAPIError) as blocked:
        sdk.add_stamps(game_id, 999_999, shop_id)
    assert blocked.value.http_status == 404


def test_member_plays_a_fair_wheel(sdk, customer):
    import hashlib
    created = partner_post("games", {"name": "Wheel", "game_type": "wheel",
                                     "prizes": [{"kind": "points", "points": 15, "weight": 3}, {"kind": "none", "weight": 1}]})
    assert created.status_code == 201, created.text
    token = customer_token(customer["id"])
    start = app_call("POST", f"games/{created.json()['data']['id']}/start-session", token)
    assert start.status_code == 200, start.text
    key, commitment = start.json()["data"]["session_key"], start.json()["data"]["commitment"]
    claim = app_call("POST", f"game-sessions/{key}/claim-reward", token)
    assert claim.status_code == 200, claim.text
    data = claim.json()["data"]
    assert hashlib.sha256(f"{data['outcome']}:{data['salt']}".encode()).hexdigest() == commitment
    assert data["points_earned"] in (0, 15)
    assert app_call("POST", f"game-sessions/{key}/claim-reward", token).status_code == 409
