"""Open-loop HTTP load for `make bench`: requests start on a fixed schedule, whatever the answers do.

  openloop.py URL --rate 500 --duration 10 [--cookie C] [--max-conns 512] [--timeout 5]

Request *i* is due at ``start + i / rate`` (a constant rate, like wrk2 or
vegeta). At its due time it takes an idle keep-alive connection, or opens a
new one (up to ``--max-conns``), or waits for one to come back; the schedule
itself never waits, so a slow answer cannot hold back the next request.
Latency is measured from the **due** time, so time spent queueing for a
connection counts: no coordinated omission. A request unanswered ``--timeout``
seconds after its due time is an error.

Why not an existing tool: wrk and `hey` are closed loop (each connection or
worker sends its next request only after the previous answer, and `hey -q`
only throttles that loop), so under queueing they send less and hide the
wait; wrk2 and vegeta are not packaged in Debian trixie. This is ~150 lines
of asyncio on the standard library, and its scheduler and parser are unit
tested (bench/tests/test_openloop.py).

Prints one JSON line: offered and achieved rate, latency percentiles from the
due time, errors, statuses, and the client's own lag behind its schedule (if
that grows, the client, not the server, was the bottleneck).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
from urllib.parse import urlsplit


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, the same rule as bench/harness/stats.py."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def schedule(rate: float, duration: float) -> list[float]:
    """Due times, in seconds after the start, of a constant-rate run."""
    if rate <= 0 or duration <= 0:
        return []
    return [i / rate for i in range(int(rate * duration))]


def build_request(host: str, path: str, cookie: str = "") -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "User-Agent: roomservice-openloop"]
    if cookie:
        lines.append(f"Cookie: session={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, keep-alive) of one HTTP/1.1 response; the body is read and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep_alive = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and value == b"chunked":
            chunked = True
        elif name == b"connection" and value == b"close":
            keep_alive = False
    if not chunked:
        await reader.readexactly(length)
        return status, length, keep_alive
    total = 0
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        total += size
        if size == 0:
            return status, total, keep_alive


class Pool:
    """Keep-alive connections to one host, at most ``size``; waiters are served in order."""

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port, self.size = host, port, size
        self.idle: list = []
        self.open = 0
        self.peak = 0
        self.waiters: collections.deque[asyncio.Future] = collections.deque()

    async def acquire(self):
        if self.idle:
            return self.idle.pop()
        if self.open < self.size:
            self.open += 1
            self.peak = max(self.peak, self.open)
            try:
                return await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self.open -= 1
                raise
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return await waiter

    def release(self, conn) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def discard(self, conn) -> None:
        self.open -= 1
        if conn is not None:
            conn[1].close()


async def run(
    url: str, rate: float, duration: float, cookie: str = "", max_conns: int = 512, timeout: float = 5.0
) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = build_request(parts.netloc, path, cookie)
    pool = Pool(host, port, max_conns)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    lags: list[float] = []
    statuses: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()

    async def one(due: float) -> None:
        conn = None
        try:
            async with asyncio.timeout_at(due + timeout):
                conn = await pool.acquire()
                conn[1].write(request)
                status, _, keep_alive = await read_response(conn[0])
            latencies.append(loop.time() - due)
            statuses[status] += 1
            if keep_alive:
                pool.release(conn)
            else:
                pool.discard(conn)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            if conn is not None:
                pool.discard(conn)

    start = loop.time() + 0.05
    tasks = set()
    for offset in schedule(rate, duration):
        due = start + offset
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        lags.append(loop.time() - due)
        task = asyncio.create_task(one(due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    elapsed = loop.time() - start
    ms = lambda v: None if v is None else round(1000 * v, 3)  # noqa: E731
    non2xx = sum(n for s, n in statuses.items() if not 200 <= s < 400)
    return {
        "offered_rate": rate,
        "scheduled": len(lags),
        "completed": len(latencies),
        "achieved_rate": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p90_ms": ms(percentile(latencies, 0.90)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "p999_ms": ms(percentile(latencies, 0.999)),
        "max_ms": ms(max(latencies, default=None)),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "non2xx": non2xx,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "client_lag_p99_ms": ms(percentile(lags, 0.99)),
        "client_lag_max_ms": ms(max(lags, default=None)),
        "connections_used": pool.peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--max-conns", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.rate, args.duration, args.cookie, args.max_conns, args.timeout))
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
