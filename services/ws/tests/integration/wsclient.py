"""Helpers for ws integration tests: API users and a hand-written WebSocket client."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
import uuid
from urllib.parse import urlsplit

import requests
import websocket

BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_url(path: str) -> str:
    return "ws" + BASE_URL[len("http") :] + path


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class User:
    def __init__(self, username: str, cookie: str, http: requests.Session):
        self.username = username
        self.cookie = cookie
        self.http = http

    def connect(self, slug: str, **kwargs) -> websocket.WebSocket:
        return websocket.create_connection(
            ws_url(f"/ws/rooms/{slug}"), cookie=f"session={self.cookie}", timeout=5, **kwargs
        )

    @property
    def id(self) -> int:
        return self.http.get(f"{BASE_URL}/api/v1/me", timeout=5).json()["id"]

    def logout(self) -> None:
        self.http.post(f"{BASE_URL}/api/v1/auth/logout", json={}, timeout=5)


def post_json(http: requests.Session, path: str, payload: dict, attempts: int = 5) -> requests.Response:
    """POST with a few retries on 5xx while a just-started stack settles."""
    for _ in range(attempts):
        response = http.post(BASE_URL + path, json=payload, timeout=5)
        if response.status_code < 500:
            return response
        time.sleep(1)
    return response


def recv_json(ws: websocket.WebSocket, kind: str | None = None, timeout: float = 2.0) -> dict:
    """The next frame (of ``kind``, skipping others) within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        ws.settimeout(max(0.01, deadline - time.monotonic()))
        frame = json.loads(ws.recv())
        if kind is None or frame["type"] == kind:
            return frame


def recv_nothing(ws: websocket.WebSocket, kind: str, wait: float) -> None:
    """Nothing of ``kind`` arrives within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        ws.settimeout(left)
        try:
            frame = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            return
        assert frame["type"] != kind, frame


def mask(payload: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawClient:
    """A WebSocket client written by hand over a TCP socket to Nginx."""

    def __init__(self, path: str, cookie: str | None = None, origin: str | None = None):
        parts = urlsplit(BASE_URL)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=5)
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
        ]
        if cookie:
            lines.append(f"Cookie: session={cookie}")
        if origin:
            lines.append(f"Origin: {origin}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if h)}

    def body(self) -> bytes:
        """The body of a refusal (after :attr:`status` was not 101)."""
        return self._read_exact(int(self.headers.get("content-length", "0")))

    def expected_accept(self) -> str:
        digest = hashlib.sha1((self.key + GUID).encode()).digest()  # noqa: S324 - RFC 6455
        return base64.b64encode(digest).decode()

    def _read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed during handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def send_frame(
        self, opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = True, length_form=None
    ) -> None:
        first = (0x80 if fin else 0) | opcode
        size = len(payload)
        form = length_form or (7 if size < 126 else 16 if size <= 0xFFFF else 64)
        mask_bit = 0x80 if masked else 0
        if form == 7:
            header = struct.pack("!BB", first, mask_bit | size)
        elif form == 16:
            header = struct.pack("!BBH", first, mask_bit | 126, size)
        else:
            header = struct.pack("!BBQ", first, mask_bit | 127, size)
        if masked:
            key = os.urandom(4)
            self.sock.sendall(header + key + mask(payload, key))
        else:
            self.sock.sendall(header + payload)

    def send_text(self, text: str) -> None:
        self.send_frame(0x1, text.encode())

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self._read_exact(2)
        assert second & 0x80 == 0, "server frames must not be masked"
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read_exact(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read_exact(8))
        return first & 0x0F, self._read_exact(size)

    def read_json(self, kind: str) -> dict:
        for _ in range(50):
            opcode, payload = self.read_frame()
            if opcode == 0x1 and json.loads(payload)["type"] == kind:
                return json.loads(payload)
        raise AssertionError(f"no {kind} frame")

    def close_code(self) -> int:
        """Skip data frames until the close frame; its code."""
        for _ in range(100):
            opcode, payload = self.read_frame()
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0]
        raise AssertionError("no close frame")

    def close(self) -> None:
        self.sock.close()
