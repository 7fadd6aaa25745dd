#!/usr/bin/env bash
# OAuth 2.0 end to end with Authlib (PyPI) against a live `loyalty serve` on SQLite:
# code + PKCE through the consent page, client credentials, rotation, revocation,
# introspection, and the refusals (scripts/oauth_check.py). Access tokens live 10 s here
# so that expiry is exercised.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=/tmp/loyalty-oauth-check
APIPORT=18096
. scripts/lib.sh
install_missing curl:curl
python3 -c "import authlib" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check authlib==1.9.6 2>&1 | grep -v "Running pip as the 'root' user" || true
python3 -c "import authlib, requests" || { echo "authlib and requests are required (pip install authlib requests)"; exit 1; }
if [ -z "${BIN:-}" ]; then release_binary; fi
trap stop_all_servers EXIT
rm -rf $ROOT && mkdir -p $ROOT
shop_create "OAuth check" --data-dir $ROOT
partner_user owner@example.com "owner-password-1" owner --data-dir $ROOT
start_server api $APIPORT $ROOT/server.log LOYALTY_RATE_LIMIT_SHOP=0 LOYALTY_RATE_LIMIT_PARTNER=0 LOYALTY_RATE_LIMIT_MEMBER=0 \
  LOYALTY_LOG_LEVEL=error LOYALTY_OAUTH_ACCESS_TTL_SECONDS=10 -- --data-dir $ROOT
partner_login $APIPORT owner@example.com owner-password-1
python3 scripts/oauth_check.py "http://127.0.0.1:$APIPORT" "$TOKEN" owner@example.com owner-password-1
