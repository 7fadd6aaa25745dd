"""OAuth 2.0 end to end with Authlib (a real client library from PyPI) against a live
`loyalty serve`: authorization code with PKCE (S256) through the consent page, the
client credentials grant, refresh rotation, revocation and introspection; and each
refusal the issue lists: a wrong verifier, a reused code, a redirect URI not
registered, an expired token, a revoked token, a scope escalation.

Usage: oauth_check.py BASE_URL OWNER_TOKEN OWNER_EMAIL OWNER_PASSWORD
(scripts/oauth-check.sh starts the server and the partner user.)
"""
import html.parser
import sys
import time
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

# Tokens here live 10 s; Authlib treats a token as expired 60 s early by default.
from authlib.integrations.base_client.errors import OAuthError

BASE, OWNER_TOKEN, EMAIL, PASSWORD = sys.argv[1:5]
REDIRECT = "http://127.0.0.1:9/callback"
owner = {"Authorization": f"Bearer {OWNER_TOKEN}"}
checks = []


def check(name, ok, detail=""):
    checks.append((name, bool(ok)))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))


class FormToken(html.parser.HTMLParser):
    token = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "form_token":
            self.token = a.get("value")


def consent(url, decision="approve", password=PASSWORD):
    """Plays the user on the consent page: GET it, sign in, allow. Returns the redirect."""
    page = requests.get(url, allow_redirects=False)
    if page.status_code != 200:
        return page
    parser = FormToken()
    parser.feed(page.text)
    return requests.post(
        BASE + "/oauth/authorize",
        data={"form_token": parser.token, "email": EMAIL, "password": password, "decision": decision},
        allow_redirects=False,
    )


# Metadata (RFC 8414) names every endpoint Authlib needs.
meta = requests.get(BASE + "/.well-known/oauth-authorization-server").json()
check("metadata: S256 only", meta["code_challenge_methods_supported"] == ["S256"], meta)
AUTHORIZE, TOKEN = meta["authorization_endpoint"], meta["token_endpoint"]
REVOKE, INTROSPECT = meta["revocation_endpoint"], meta["introspection_endpoint"]

# The partner registers and approves the app.
r = requests.post(
    BASE + "/en/partners/oauth/clients",
    headers=owner,
    json={"name": "Authlib app", "redirect_uris": [REDIRECT], "scopes": "loyalty:read points:manage analytics:read"},
)
app = r.json()["data"]
requests.post(BASE + f"/en/partners/oauth/clients/{app['id']}/approve", headers=owner, json={})
CID, SECRET = app["client_id"], app["client_secret"]

# Authorization code + PKCE (S256).
session = OAuth2Session(CID, SECRET, scope="loyalty:read points:manage", redirect_uri=REDIRECT, code_challenge_method="S256", leeway=1)
verifier = generate_token(64)
url, state = session.create_authorization_url(AUTHORIZE, code_verifier=verifier)
back = consent(url)
check("consent redirects back with a code", back.status_code == 302 and "code=" in back.headers.get("Location", ""), back.status_code)
callback = back.headers["Location"]
check("state returned unchanged", urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["state"] == [state])

# A wrong verifier is refused, and does not spend the code.
try:
    OAuth2Session(CID, SECRET, redirect_uri=REDIRECT, leeway=1).fetch_token(TOKEN, authorization_response=callback, code_verifier=generate_token(64))
    check("wrong code_verifier refused", False, "token issued")
except OAuthError as e:
    check("wrong code_verifier refused", e.error == "invalid_grant", e.error)

token = session.fetch_token(TOKEN, authorization_response=callback, code_verifier=verifier)
check("code exchanged for tokens", "access_token" in token and "refresh_token" in token, token)
r = session.get(BASE + "/en/partners/customers")
check("loyalty:read reads customers", r.status_code == 200, r.text[:200])
r = session.post(BASE + "/en/partners/shops", json={"name": "x"})
check("without loyalty:write a shop write is refused", r.status_code == 403 and r.json()["error"]["code"] == "INSUFFICIENT_SCOPE", r.text[:200])

# The same code again: refused, and the tokens it gave are revoked.
try:
    OAuth2Session(CID, SECRET, redirect_uri=REDIRECT, leeway=1).fetch_token(TOKEN, authorization_response=callback, code_verifier=verifier)
    check("reused code refused", False, "token issued")
except OAuthError as e:
    check("reused code refused", e.error == "invalid_grant", e.error)
check("a reused code revokes its tokens", session.get(BASE + "/en/partners/customers").status_code == 401)


def fresh(scope="loyalty:read points:manage"):
    s = OAuth2Session(CID, SECRET, scope=scope, redirect_uri=REDIRECT, code_challenge_method="S256", leeway=1)
    v = generate_token(64)
    u, _ = s.create_authorization_url(AUTHORIZE, code_verifier=v)
    s.fetch_token(TOKEN, authorization_response=consent(u).headers["Location"], code_verifier=v)
    return s


# A redirect URI the app did not register: an error page, never a redirect.
s = OAuth2Session(CID, SECRET, scope="loyalty:read", redirect_uri="http://127.0.0.1:9/elsewhere", code_challenge_method="S256", leeway=1)
u, _ = s.create_authorization_url(AUTHORIZE, code_verifier=generate_token(64))
page = requests.get(u, allow_redirects=False)
check("unregistered redirect_uri: error page, no redirect", page.status_code == 400 and "Location" not in page.headers, page.status_code)

# Scope escalation: at the authorization request, and on refresh.
s = OAuth2Session(CID, SECRET, scope="loyalty:read webhooks:manage", redirect_uri=REDIRECT, code_challenge_method="S256", leeway=1)
u, _ = s.create_authorization_url(AUTHORIZE, code_verifier=generate_token(64))
r = requests.get(u, allow_redirects=False)
check("scope beyond the app's: invalid_scope", "error=invalid_scope" in r.headers.get("Location", ""), r.headers.get("Location"))
s = fresh()
try:
    s.refresh_token(TOKEN, refresh_token=s.token["refresh_token"], scope="loyalty:read analytics:read")
    check("refresh cannot widen the scope", False, "widened")
except OAuthError as e:
    check("refresh cannot widen the scope", e.error == "invalid_scope", e.error)

# Rotation: a new pair; the old refresh token again revokes the family.
old_refresh = s.token["refresh_token"]
new = s.refresh_token(TOKEN, refresh_token=old_refresh)
check("refresh rotates the refresh token", new["refresh_token"] != old_refresh and s.get(BASE + "/en/partners/customers").status_code == 200)
try:
    OAuth2Session(CID, SECRET, leeway=1).refresh_token(TOKEN, refresh_token=old_refresh)
    check("a spent refresh token is refused", False, "accepted")
except OAuthError as e:
    check("a spent refresh token is refused", e.error == "invalid_grant", e.error)
check("... and its family is revoked", s.get(BASE + "/en/partners/customers").status_code == 401)

# Revocation (RFC 7009) and introspection (RFC 7662).
s = fresh()
access = s.token["access_token"]
i = requests.post(INTROSPECT, data={"token": access}, auth=(CID, SECRET)).json()
check("introspection: active with its scope", i.get("active") is True and i.get("scope") == "loyalty:read points:manage", i)
s.revoke_token(REVOKE, token=access)
check("revoked token refused", requests.get(BASE + "/en/partners/customers", headers={"Authorization": f"Bearer {access}"}).status_code == 401)
i = requests.post(INTROSPECT, data={"token": access}, auth=(CID, SECRET)).json()
check("introspection: revoked is inactive", i == {"active": False}, i)

# Client credentials.
cc = OAuth2Session(CID, SECRET, scope="analytics:read", leeway=1)
t = cc.fetch_token(TOKEN, grant_type="client_credentials")
check("client credentials token", "access_token" in t and "refresh_token" not in t, t)
check("client credentials reads analytics", cc.get(BASE + "/en/partners/analytics/overview").status_code == 200)
try:
    OAuth2Session(CID, SECRET, scope="webhooks:manage", leeway=1).fetch_token(TOKEN, grant_type="client_credentials")
    check("client credentials cannot escalate scope", False, "issued")
except OAuthError as e:
    check("client credentials cannot escalate scope", e.error == "invalid_scope", e.error)
try:
    OAuth2Session(CID, "las_wrong", scope="analytics:read", leeway=1).fetch_token(TOKEN, grant_type="client_credentials")
    check("wrong client secret refused", False, "issued")
except OAuthError as e:
    check("wrong client secret refused", e.error == "invalid_client", e.error)

# Expiry: the server runs with 10-second access tokens (asked without Authlib, which
# would refuse to send a token it knows has expired).
s = fresh()
bearer = {"Authorization": f"Bearer {s.token['access_token']}"}
check("fresh token accepted", requests.get(BASE + "/en/partners/customers", headers=bearer).status_code == 200)
time.sleep(11)
check("expired token refused", requests.get(BASE + "/en/partners/customers", headers=bearer).status_code == 401)

failed = [n for n, ok in checks if not ok]
print(f"{len(checks) - len(failed)} of {len(checks)} OAuth checks passed")
sys.exit(1 if failed else 0)
