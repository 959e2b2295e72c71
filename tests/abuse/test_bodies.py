"""Attack 1 (huge JSON bodies) and the slow-body attack, at the default limits.

Before: two 10 MB JSON logins got 502 after seconds, and db-api's worker was
OOM-killed (``Worker was sent SIGKILL! Perhaps out of memory?``): every route
took 10 MiB and the body was parsed twice. Now Nginx refuses any body over
``MAX_BODY_BYTES`` outside the upload location before a service sees it;
``limit_conn`` caps how many requests one address holds open, and a body
that pauses longer than ``client_body_timeout`` is cut.
"""

from __future__ import annotations

import selectors
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests
from abuse.settings import setting
from e2e.stack import client_address

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


# Nginx's client_body_timeout (deploy/nginx/nginx.conf): the longest a body may pause.
BODY_TIMEOUT = 15


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


class Trickler:
    """Many requests sending their bodies one byte a second; notes each answer."""

    def __init__(self):
        self.socks: list[socket.socket] = []
        self.answers: dict[socket.socket, bytes] = {}
        self.last = time.monotonic()

    def open(self, sock: socket.socket) -> None:
        self.socks.append(sock)
        if time.monotonic() - self.last >= 1:
            self.trickle(self.waiting())

    def waiting(self) -> list[socket.socket]:
        return [sock for sock in self.socks if sock not in self.answers]

    def collect(self, wait: float) -> None:
        waiting = self.waiting()
        if not waiting:
            time.sleep(wait)
            return
        with selectors.DefaultSelector() as selector:
            for sock in waiting:
                selector.register(sock, selectors.EVENT_READ)
            for key, _ in selector.select(wait):
                try:
                    self.answers[key.fileobj] = key.fileobj.recv(4096)
                except OSError as exc:
                    self.answers[key.fileobj] = repr(exc).encode()

    def trickle(self, socks: list[socket.socket]) -> None:
        self.last = time.monotonic()
        for sock in socks:
            if sock not in self.answers:
                try:
                    sock.send(b" ")
                except OSError as exc:
                    self.answers[sock] = repr(exc).encode()

    def run(self, seconds: float, talking) -> None:
        """Trickle into ``talking()`` every second for ``seconds``, collecting answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.collect(wait=1)
            self.trickle(talking())

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


def test_bodies_trickled_byte_by_byte_are_capped_per_address_and_cut_when_they_pause(base_url, under_attack):
    limit = setting("NGINX_CONN_PER_ADDRESS")
    address = client_address()
    attack = Trickler()
    uploads = set()
    try:
        with under_attack():
            for i in range(3 * limit):
                # Large bodies too: the upload location takes MAX_CONTENT_LENGTH.
                large = i % 3 == 0
                path, length = ("/rooms/general/files", 8 * MIB) if large else ("/api/v1/auth/login", 60_000)
                sock = open_trickle(base_url, path, length, address)
                attack.open(sock)
                if large:
                    uploads.add(sock)
            attack.run(5, attack.waiting)
            refused, held = dict(attack.answers), attack.waiting()
            silent, talking = held[::2], held[1::2]
            attack.run(BODY_TIMEOUT + 5, lambda: talking)
    finally:
        attack.close()

    assert len(held) <= limit, f"one address held {len(held)} requests open (limit {limit})"
    for sock, answer in refused.items():
        if sock in uploads and answer.startswith(b"HTTP/1.1 302"):
            # Uploads stream through to web, which sends an anonymous one to
            # the login before reading its body: refused, and not held either.
            assert b"Location: /auth/login" in answer, answer[:300]
            continue
        assert answer.startswith(b"HTTP/1.1 429"), answer[:200]
        assert b"Retry-After: 1" in answer
    assert not [sock for sock in talking if sock in attack.answers], "a body sent in time is cut"
    for sock in silent:
        cut = attack.answers.get(sock)
        assert cut is not None, f"a body paused for {BODY_TIMEOUT + 5} s is still held"
        assert cut == b"" or cut.startswith(b"HTTP/1.1 408") or b"Reset" in cut, cut[:200]
