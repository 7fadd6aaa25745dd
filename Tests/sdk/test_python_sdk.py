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
