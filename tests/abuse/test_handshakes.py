"""A burst of WebSocket handshakes from one address, at the default limits.

Nginx lets ``NGINX_WS_BURST`` handshakes through at once and then
``NGINX_WS_RATE``; the rest are a JSON 429 with ``Retry-After`` before they
reach ws, while a bystander's socket keeps working. The sockets stay open,
so past the account's caps ws itself refuses some of the handshakes that got
through (429 ``too_many_sockets``): those count as having reached ws.
"""

from __future__ import annotations

import json
import time

import websocket
from abuse.settings import setting
from e2e.stack import client_address, new_room, register_and_login

HANDSHAKES = 100


def per_second(rate: str) -> float:
    count, unit = rate.split("r/")
    return int(count) / (60 if unit == "m" else 1)


def test_a_handshake_burst_is_cut_at_the_burst_and_rate(base_url, under_attack):
    address = client_address()
    client = register_and_login(
        base_url,
        {"username": f"burst_{address.replace('.', '_')}", "password": "correct horse battery"},
        {"X-Forwarded-For": address},
    )
    room = new_room(base_url, client)
    url = "ws" + base_url[len("http") :] + f"/ws/rooms/{room}"
    cookie = f"session={client.cookies.get('session')}"
    statuses, refusals, opened = [], [], []
    with under_attack():
        started = time.monotonic()
        for _ in range(HANDSHAKES):
            try:
                opened.append(
                    websocket.create_connection(
                        url, cookie=cookie, header=[f"X-Forwarded-For: {address}"], timeout=10
                    )
                )
                statuses.append(101)
            except websocket.WebSocketBadStatusException as exc:
                statuses.append(exc.status_code)
                refusals.append(exc)
        elapsed = time.monotonic() - started
        for sock in opened:
            sock.close()

    allowed = setting("NGINX_WS_BURST") + 1 + per_second(setting("NGINX_WS_RATE")) * elapsed
    codes = [json.loads(refusal.resp_body)["error"]["code"] for refusal in refusals]
    assert set(statuses) <= {101, 429}, statuses
    assert set(codes) <= {"rate_limited", "too_many_sockets"}, codes
    reached_ws = statuses.count(101) + codes.count("too_many_sockets")
    assert reached_ws <= allowed, f"{reached_ws} handshakes reached ws in {elapsed:.1f} s"
    assert codes.count("rate_limited") >= HANDSHAKES - allowed
    for refusal, code in zip(refusals, codes, strict=True):
        if code == "rate_limited":
            assert int(refusal.resp_headers["retry-after"]) >= 1
