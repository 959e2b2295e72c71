"""Seed the bench stack through Nginx: one user, its session cookie, the rooms.

Prints one JSON line: {"cookie", "room", "broadcast_room", "fleet_room", "messages"}.

  seed.py BASE --accounts N   only N more accounts, logged in: {"cookies": [...]}
  (P10/P11 spread their sockets over many accounts, as real users are.)
"""

import json
import secrets
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://nginx:8080"
PASSWORD = "bench-password-" + secrets.token_hex(4)
ROOM, BROADCAST_ROOM, FLEET_ROOM, HISTORY = "Bench room", "Bench broadcast", "Bench fleet", 50


def call(method: str, path: str, body: dict | None = None, cookie: str = "") -> tuple[int, dict, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if cookie:
        request.add_header("Cookie", f"session={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def session_cookie(headers: dict) -> str:
    for name, value in headers.items():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit(f"seed: no session cookie in {headers}")


def new_account() -> str:
    """Register and log in a fresh account; its session cookie."""
    credentials = {"username": "bench_" + secrets.token_hex(4), "password": PASSWORD}
    status, _, text = call("POST", "/api/v1/auth/register", credentials)
    if status != 201:
        raise SystemExit(f"seed: register answered {status}: {text}")
    status, headers, text = call("POST", "/api/v1/auth/login", credentials)
    if status != 200:
        raise SystemExit(f"seed: login answered {status}: {text}")
    return session_cookie(headers)


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[2] == "--accounts":
        print(json.dumps({"cookies": [new_account() for _ in range(int(sys.argv[3]))]}))
        return
    cookie = new_account()
    slugs = []
    for name in (ROOM, BROADCAST_ROOM, FLEET_ROOM):
        status, _, text = call("POST", "/api/v1/rooms", {"name": name}, cookie)
        if status not in (201, 409):
            raise SystemExit(f"seed: creating {name!r} answered {status}: {text}")
        slugs.append(name.lower().replace(" ", "-"))
    for n in range(HISTORY):
        line = f"Bench message {n}: the quick brown fox jumps over the lazy dog."
        body = {"body": line, "client_id": f"seed-{n}"}
        status, _, text = call("POST", f"/api/v1/rooms/{slugs[0]}/messages", body, cookie)
        if status not in (200, 201):
            raise SystemExit(f"seed: posting a message answered {status}: {text}")
    seeded = {"cookie": cookie, "room": slugs[0], "broadcast_room": slugs[1], "fleet_room": slugs[2]}
    print(json.dumps({**seeded, "messages": HISTORY}))


if __name__ == "__main__":
    main()
