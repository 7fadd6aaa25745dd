"""Decodes QR images rendered by a live `loyalty serve` (GET /qr) with zbarimg, an
independent decoder (Debian zbar-tools), and compares every payload byte for byte.

Payload lengths are chosen so that every version 1-40 is produced at every error
correction level (160 symbols, each at the largest length that version holds), plus
random payloads (lengths, characters incl. UTF-8, pixel sizes, borders) up to COUNT.
The server's X-QR-Version / X-QR-Mask headers show which symbols were made; the
check fails unless all 160 version/level pairs and all 8 masks were decoded.
Usage: qr_decode_check.py BASE_URL COUNT WORKDIR
"""
import os
import random
import subprocess
import sys
import urllib.parse

import requests

BASE, COUNT, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(6)
ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -._~:/?#[]@!$&'()*+,;=%"
UTF8 = "ąčęėįšųūžĄČĘĖĮŠŲŪŽ€£ßéü"

# Byte capacity per level, versions 1-40 (ISO/IEC 18004 Table 7, byte mode).
CAPACITY = {
    "L": [17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858, 929, 1003, 1091, 1171, 1273, 1367, 1465, 1528, 1628, 1732, 1840, 1952, 2068, 2188, 2303, 2431, 2563, 2699, 2809, 2953],
    "M": [14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331],
    "Q": [11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292, 322, 364, 394, 442, 482, 509, 565, 611, 661, 715, 751, 805, 868, 908, 982, 1030, 1112, 1168, 1228, 1283, 1351, 1423, 1499, 1579, 1663],
    "H": [7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220, 250, 280, 310, 338, 382, 403, 439, 461, 511, 535, 593, 625, 658, 698, 742, 790, 842, 898, 958, 983, 1051, 1093, 1139, 1219, 1273],
}


def text(n, utf8=False):
    if not utf8:
        return "".join(rng.choice(ASCII) for _ in range(n))
    out, size = [], 0
    while size < n:
        c = rng.choice(UTF8 + ASCII)
        b = len(c.encode())
        if size + b > n:
            c, b = "x", 1
        out.append(c)
        size += b
    return "".join(out)


cases = []
for level, caps in CAPACITY.items():
    for version, cap in enumerate(caps, start=1):
        cases.append((text(cap, utf8=version % 5 == 0), level, version))
while len(cases) < COUNT:
    level = rng.choice("LMQH")
    cases.append((text(rng.randint(1, CAPACITY[level][rng.randint(0, 39)]), utf8=rng.random() < 0.3), level, None))

session = requests.Session()
seen_pairs, seen_masks, failures = set(), set(), []
for i, (payload, level, version) in enumerate(cases):
    border = rng.choice([2, 4, 6])
    # At least 3 pixels per module: the camera-free decoder needs a few pixels per module
    # (at 1-2 px, zbarimg misses dense symbols whatever made them).
    expected = version or next(v for v, cap in enumerate(CAPACITY[level], start=1) if cap >= len(payload.encode()))
    size = rng.randint(3, 6) * (17 + 4 * expected + 2 * border)
    url = f"{BASE}/qr?data={urllib.parse.quote(payload, safe='')}&ec={level}&size={size}&border={border}&format=png"
    r = session.get(url, timeout=30)
    if r.status_code != 200:
        failures.append((i, f"HTTP {r.status_code}: {r.text[:200]}"))
        continue
    got_version, mask = int(r.headers["X-QR-Version"]), int(r.headers["X-QR-Mask"])
    if got_version != expected:
        failures.append((i, f"expected the smallest version {expected}, server made {got_version}"))
    path = os.path.join(WORK, f"{i}.png")
    with open(path, "wb") as f:
        f.write(r.content)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", path], capture_output=True)
    decoded = out.stdout[:-1] if out.stdout.endswith(b"\n") else out.stdout
    if decoded != payload.encode():
        failures.append((i, f"v{got_version}-{level} mask {mask}: decoded {decoded[:40]!r}... expected {payload[:40]!r}... (zbarimg exit {out.returncode})"))
        continue
    seen_pairs.add((got_version, level))
    seen_masks.add(mask)
    os.remove(path)

print(f"qr-decode: {len(cases)} symbols, {len(cases) - len(failures)} decoded identically by zbarimg; "
      f"{len(seen_pairs)}/160 version-level pairs, masks {sorted(seen_masks)}")
for i, reason in failures[:20]:
    print(f"  case {i}: {reason}")
ok = not failures and len(seen_pairs) == 160 and seen_masks == set(range(8)) and len(cases) >= 500
sys.exit(0 if ok else 1)
