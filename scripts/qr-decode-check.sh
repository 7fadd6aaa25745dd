#!/usr/bin/env bash
# The QR encoder against an independent decoder: a live `loyalty serve` renders at least
# 500 payloads (every version 1-40 at every level L/M/Q/H, plus random ones) through
# GET /qr, and zbarimg (Debian zbar-tools) must read every one back byte for byte. The
# checker is first shown to fail on a wrong expectation.
# Usage: scripts/qr-decode-check.sh   (BIN, COUNT=600)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
BIN=${BIN:-.build/debug/loyalty}
PORT=${PORT:-18781}
COUNT=${COUNT:-600}
command -v zbarimg >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools; }
command -v zbarimg >/dev/null || { echo "qr-decode: zbarimg is not installed"; exit 1; }
DATA=$(mktemp -d /tmp/loyalty-qr-XXXXXX)
trap 'stop_all_servers; rm -rf "$DATA"' EXIT
start_server api "$PORT" "$DATA/server.log" -- --data-dir "$DATA" || exit 1
# The decoder comparison can fail: a symbol of "hello" is not "hellp".
curl -sf "http://127.0.0.1:$PORT/qr?data=hello" -o "$DATA/self.png"
[ "$(zbarimg --quiet --raw "$DATA/self.png" 2>/dev/null)" = "hello" ] || { echo "qr-decode: zbarimg cannot read a known symbol"; exit 1; }
[ "$(zbarimg --quiet --raw "$DATA/self.png" 2>/dev/null)" != "hellp" ] || { echo "qr-decode: the comparison cannot fail"; exit 1; }
python3 scripts/qr_decode_check.py "http://127.0.0.1:$PORT" "$COUNT" "$DATA"
