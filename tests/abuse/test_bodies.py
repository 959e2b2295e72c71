"""Attack 1 (huge JSON bodies) and the slow-body attack, at the default limits.

Before: two 10 MB JSON logins got 502 after seconds, and db-api's worker was
OOM-killed (``Worker was sent SIGKILL! Perhaps out of memory?``): every route
took 10 MiB and the body was parsed twice. Now Nginx refuses any body over
``MAX_BODY_BYTES`` outside the upload location before a service sees it, and
``limit_conn`` caps how many requests one address holds open.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests
from abuse.guard import client_address

MIB = 1024 * 1024


def huge_login(size: int = 10 * MIB) -> bytes:
    """A login whose padding becomes millions of Python objects once parsed."""
    padding = ",".join(["{}"] * (size // 3))
    return ('{"username":"x","password":"y","pad":[' + padding + "]}").encode()


def post(url: str, body, address: str) -> requests.Response:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
    return requests.post(url, data=body, headers=headers, timeout=60)


def test_huge_json_logins_are_refused_before_any_service_reads_them(base_url, under_attack):
    body = huge_login()
    address = client_address()

    def chunked():  # no Content-Length: Nginx counts while it reads
        for start in range(0, len(body), MIB):
            yield body[start : start + MIB]

    with under_attack(), ThreadPoolExecutor(4) as pool:
        api = [pool.submit(post, f"{base_url}/api/v1/auth/login", body, address) for _ in range(2)]
        api.append(pool.submit(post, f"{base_url}/api/v1/auth/login", chunked(), address))
        web = pool.submit(post, f"{base_url}/auth/login", body, address)
        answers = [future.result() for future in api]
        page = web.result()

    for answer in answers:
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "payload_too_large"
    assert page.status_code == 413
    assert page.headers["Content-Type"].startswith("text/html")
    assert "too large" in page.text


def open_trickle(base_url: str, path: str, length: int, address: str) -> socket.socket:
    """A request whose headers are complete and whose body is still to come."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nX-Forwarded-For: {address}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        ).encode()
    )
    sock.setblocking(False)
    return sock


def answered(socks: list[socket.socket], wait: float) -> dict[socket.socket, bytes]:
    """The first bytes of the answers that arrive within ``wait`` seconds."""
    got: dict[socket.socket, bytes] = {}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + wait
        while len(got) < len(socks) and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                try:
                    got[key.fileobj] = key.fileobj.recv(4096)
                except OSError as exc:
                    got[key.fileobj] = repr(exc).encode()
                selector.unregister(key.fileobj)
    return got


def test_bodies_trickled_byte_by_byte_hold_at_most_the_connection_limit(base_url, under_attack):
    limit = int(os.environ["NGINX_CONN_PER_ADDRESS"])
    address = client_address()
    socks: list[socket.socket] = []
    try:
        with under_attack():
            for i in range(3 * limit):
                # Large bodies too: the upload location takes MAX_CONTENT_LENGTH.
                path, length = (
                    ("/rooms/general/files", 8 * MIB) if i % 3 == 0 else ("/api/v1/auth/login", 60_000)
                )
                socks.append(open_trickle(base_url, path, length, address))
            refused = answered(socks, wait=5)
            held = [sock for sock in socks if sock not in refused]
            for _ in range(8):  # one byte a second from every held request
                for sock in held:
                    sock.send(b" ")
                time.sleep(1)
            still_held = [sock for sock in held if sock not in answered(held, wait=0.5)]
    finally:
        for sock in socks:
            sock.close()

    assert len(held) <= limit, f"one address held {len(held)} requests open (limit {limit})"
    assert len(still_held) == len(held), "a request sending in time is not cut"
    for answer in refused.values():
        assert answer.startswith(b"HTTP/1.1 429"), answer[:200]
        assert b"Retry-After: 1" in answer
