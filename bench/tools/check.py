"""Preflight for a wrk peer: GET it once and print status, length and whether a marker is in the body.

Usage: check.py URL [COOKIE] [MARKER]. Exit 1 unless the answer is 200 (and holds MARKER).
"""

import sys
import urllib.error
import urllib.request


def main() -> None:
    url = sys.argv[1]
    cookie = sys.argv[2] if len(sys.argv) > 2 else ""
    marker = sys.argv[3] if len(sys.argv) > 3 else ""
    request = urllib.request.Request(url)  # noqa: S310 - the bench stack's http URLs
    if cookie:
        request.add_header("Cookie", f"session={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode("utf-8", "replace")
    found = (marker in body) if marker else True
    print(f"check: {url} -> {status}, {len(body)} bytes, marker {'found' if found else 'MISSING'}")
    sys.exit(0 if status == 200 and found else 1)


if __name__ == "__main__":
    main()
