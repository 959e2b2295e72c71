"""Thousands of WebSockets from one process, for P10 and P11 (`make bench`).

A minimal RFC 6455 client on asyncio's ``Protocol`` (no per-socket task, no
message queue: a frame is parsed where its bytes arrive), so one process
holds 10,000 sockets in a few tens of MB and spends microseconds per received
frame: on a 2-core machine the client's own cost is part of every figure.

Driven over stdin/stdout, one JSON object per line:

  {"cmd": "config", "url": "ws://nginx:8080/ws/rooms/x", "cookies": ["..."]}
  {"cmd": "open", "count": 1000}            -> {"event": "opened", "open": n, ...}
  {"cmd": "broadcast", "count": 20, "concurrency": 4, "timeout": 10}
                                            -> {"event": "broadcast", "latencies_ms": [...], ...}
  {"cmd": "close"}                          -> {"event": "closed"}

Sockets use the cookies round robin. A broadcast is a ``message`` frame sent
by one of the first ``concurrency`` sockets (the broadcasters); it goes the
real way (ws → db-api → Redis → every ws replica) and is done when every
socket open when it was sent has received it. Each broadcaster sends its next
one when its last is done (or timed out), like the websocket-shootout
benchmark's concurrent broadcasters.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
from urllib.parse import urlsplit

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
MARKER = b'"fleet-'
MESSAGE = b'{"type": "message"'  # a stored message as db-api publishes it; error frames do not count
CLIENT_ID = re.compile(rb'"client_id": ?"(fleet-[0-9]+-[0-9]+)"')


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, the same rule as bench/harness/stats.py."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def xor_mask(payload: bytes, mask: bytes) -> bytes:
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def encode_frame(opcode: int, payload: bytes, mask: bytes | None = None) -> bytes:
    """One final frame; clients must mask (``mask``: 4 bytes), servers must not (``None``)."""
    size = len(payload)
    head = bytearray([0x80 | opcode])
    bit = 0x80 if mask is not None else 0
    if size < 126:
        head.append(bit | size)
    elif size < 1 << 16:
        head.append(bit | 126)
        head += size.to_bytes(2, "big")
    else:
        head.append(bit | 127)
        head += size.to_bytes(8, "big")
    if mask is None:
        return bytes(head) + payload
    return bytes(head) + mask + xor_mask(payload, mask)


class FrameParser:
    """Frames out of a byte stream, as they complete: ``feed(data)`` returns (opcode, payload) pairs."""

    def __init__(self):
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buf = self.buffer
        buf += data
        frames = []
        while len(buf) >= 2:
            opcode, size, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
            masked = buf[1] & 0x80
            if size == 126:
                if len(buf) < 4:
                    break
                size, at = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    break
                size, at = int.from_bytes(buf[2:10], "big"), 10
            mask = None
            if masked:
                if len(buf) < at + 4:
                    break
                mask, at = bytes(buf[at : at + 4]), at + 4
            if len(buf) < at + size:
                break
            payload = bytes(buf[at : at + size])
            del buf[: at + size]
            frames.append((opcode, xor_mask(payload, mask) if mask else payload))
        return frames


def handshake_request(host: str, path: str, cookie: str, key: str) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if cookie:
        lines.append(f"Cookie: session={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Tracker:
    """Receipts per broadcast id: how many sockets got it, and when."""

    def __init__(self):
        self.pending: dict[bytes, dict] = {}

    def start(self, client_id: bytes, expected: int) -> dict:
        entry = {
            "sent": time.monotonic(),
            "expected": expected,
            "times": [],
            "done": asyncio.get_running_loop().create_future(),
        }
        self.pending[client_id] = entry
        return entry

    def receipt(self, client_id: bytes, now: float) -> None:
        entry = self.pending.get(client_id)
        if entry is None:
            return
        entry["times"].append(now)
        if len(entry["times"]) >= entry["expected"] and not entry["done"].done():
            entry["done"].set_result(None)


class FleetSocket(asyncio.Protocol):
    def __init__(self, request: bytes, tracker: Tracker):
        self.request = request
        self.tracker = tracker
        self.transport = None
        self.head = b""
        self.parser: FrameParser | None = None
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes):
        if self.parser is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status, rest = self.head[:end], self.head[end + 4 :]
            self.head = b""
            if b" 101 " not in status.split(b"\r\n", 1)[0] + b" ":
                self.fail(ConnectionError(status.split(b"\r\n", 1)[0].decode("latin-1")))
                return
            self.parser = FrameParser()
            if not self.opened.done():
                self.opened.set_result(None)
            data = rest
            if not data:
                return
        now = time.monotonic()
        for opcode, payload in self.parser.feed(data):
            if opcode == OP_TEXT and MARKER in payload and payload.startswith(MESSAGE):
                if m := CLIENT_ID.search(payload):
                    self.tracker.receipt(m.group(1), now)
            elif opcode == OP_PING:
                self.send(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                self.closed = True
                self.transport.close()

    def send(self, opcode: int, payload: bytes) -> None:
        self.transport.write(encode_frame(opcode, payload, os.urandom(4)))

    def fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))


class Fleet:
    def __init__(self, url: str, cookies: list[str], connect_concurrency: int = 100):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.netloc, self.path = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
        self.cookies = cookies or [""]
        self.sockets: list[FleetSocket] = []
        self.tracker = Tracker()
        self.gate = asyncio.Semaphore(connect_concurrency)
        self.sequence = 0
        self.errors: list[str] = []

    async def open_one(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        key = base64.b64encode(os.urandom(16)).decode()
        request = handshake_request(self.netloc, self.path, self.cookies[index % len(self.cookies)], key)
        async with self.gate:
            try:
                _, sock = await asyncio.wait_for(
                    loop.create_connection(lambda: FleetSocket(request, self.tracker), self.host, self.port),
                    30,
                )
                await asyncio.wait_for(sock.opened, 30)
            except (OSError, TimeoutError, ConnectionError) as exc:
                self.errors.append(repr(exc))
                return
        self.sockets.append(sock)

    async def open(self, count: int) -> dict:
        started = time.monotonic()
        errors_before = len(self.errors)
        first = len(self.sockets)
        await asyncio.gather(*(self.open_one(first + i) for i in range(count)))
        self.sockets = [s for s in self.sockets if not s.closed]
        return {
            "event": "opened",
            "open": len(self.sockets),
            "errors": len(self.errors) - errors_before,
            "seconds": round(time.monotonic() - started, 2),
            "first_errors": self.errors[errors_before:][:3],
        }

    async def broadcast(self, count: int, concurrency: int, timeout: float) -> dict:
        alive = [s for s in self.sockets if not s.closed]
        expected = len(alive)
        latencies: list[float | None] = []
        firsts: list[float] = []
        receipts: list[float] = []
        missed = 0
        remaining = count

        async def broadcaster(sock: FleetSocket) -> None:
            nonlocal remaining, missed
            while remaining > 0:
                remaining -= 1
                self.sequence += 1
                client_id = f"fleet-{os.getpid()}-{self.sequence}"
                frame = json.dumps(
                    {"type": "message", "body": f"fleet broadcast {self.sequence}", "client_id": client_id}
                ).encode()
                entry = self.tracker.start(client_id.encode(), expected)
                sock.send(OP_TEXT, frame)
                try:
                    await asyncio.wait_for(asyncio.shield(entry["done"]), timeout)
                    latencies.append(max(entry["times"]) - entry["sent"])
                except TimeoutError:
                    latencies.append(None)
                times = entry["times"]
                missed += max(0, expected - len(times))
                if times:
                    firsts.append(min(times) - entry["sent"])
                    receipts.extend(t - entry["sent"] for t in times)
                self.tracker.pending.pop(client_id.encode(), None)

        await asyncio.gather(*(broadcaster(s) for s in alive[: max(1, concurrency)]))
        ms = lambda v: None if v is None else round(1000 * v, 3)  # noqa: E731
        done = [x for x in latencies if x is not None]
        return {
            "event": "broadcast",
            "sockets": expected,
            "broadcasts": len(latencies),
            "concurrency": concurrency,
            "latencies_ms": [ms(x) for x in latencies],
            "timed_out": len(latencies) - len(done),
            "missed_receipts": missed,
            "last_p50_ms": ms(percentile(done, 0.5)),
            "last_p95_ms": ms(percentile(done, 0.95)),
            "last_p99_ms": ms(percentile(done, 0.99)),
            "last_max_ms": ms(max(done, default=None)),
            "first_p50_ms": ms(percentile(firsts, 0.5)),
            "receipt_p50_ms": ms(percentile(receipts, 0.5)),
            "receipt_p99_ms": ms(percentile(receipts, 0.99)),
        }

    def close(self) -> None:
        for sock in self.sockets:
            if not sock.closed and sock.transport is not None:
                sock.transport.close()


async def serve(stdin_lines) -> None:
    fleet: Fleet | None = None
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stdin_lines.readline)
        if not line:
            break
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "config":
            fleet = Fleet(command["url"], command.get("cookies", []), command.get("connect_concurrency", 100))
            reply = {"event": "configured"}
        elif fleet is None:
            reply = {"event": "error", "message": "config first"}
        elif cmd == "open":
            reply = await fleet.open(int(command["count"]))
        elif cmd == "broadcast":
            reply = await fleet.broadcast(
                int(command["count"]), int(command.get("concurrency", 1)), float(command.get("timeout", 10))
            )
        elif cmd == "close":
            fleet.close()
            await asyncio.sleep(0.5)
            print(json.dumps({"event": "closed"}), flush=True)
            return
        else:
            reply = {"event": "error", "message": f"unknown command {cmd!r}"}
        print(json.dumps(reply), flush=True)


def main() -> None:
    asyncio.run(serve(sys.stdin))


if __name__ == "__main__":
    main()
