"""WebSocket load for `make bench`, on asyncio and the websockets library.

  wsbench.py ping URL --conns 50 --duration 10 [--cookie C]
      every socket sends {"type": "ping"} and waits for the pong, in a loop;
      prints {"round_trips", "rate", "p50_ms", "p99_ms", "errors"}.
  wsbench.py broadcast URL --sockets 1000 --procs 2 --messages 50 --cookie C
      opens the sockets (spread over --procs processes), prints "READY n" and
      waits for a line on stdin (the harness reads memory meanwhile); then the
      first socket sends --messages messages, one every --interval seconds,
      and every socket notes when each arrives. Prints the send -> last
      receipt latencies (p50, p99, max), and how many receipts were missed.

Only the last stdout line is JSON; everything before it is progress.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time

from websockets.asyncio.client import connect

PING = '{"type": "ping"}'


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def open_socket(url: str, cookie: str):
    headers = {"Cookie": f"session={cookie}"} if cookie else None
    return await connect(
        url,
        additional_headers=headers,
        compression=None,
        ping_interval=None,
        open_timeout=30,
        close_timeout=2,
        max_queue=None,
    )


async def open_many(url: str, cookie: str, count: int, concurrency: int) -> tuple[list, int]:
    gate = asyncio.Semaphore(concurrency)
    errors = 0

    async def one():
        nonlocal errors
        async with gate:
            try:
                return await open_socket(url, cookie)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors += 1
                if errors <= 3:
                    print(f"wsbench: connect failed: {exc!r}", file=sys.stderr)
                return None

    sockets = await asyncio.gather(*(one() for _ in range(count)))
    return [s for s in sockets if s is not None], errors


async def close_all(sockets: list) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


# --- ping: round trips per second ---------------------------------------------


async def ping(args) -> dict:
    sockets, errors = await open_many(args.url, args.cookie, args.conns, 50)
    if not sockets:
        raise SystemExit("wsbench: no socket opened")
    await asyncio.sleep(0.5)  # let join-time frames (presence) arrive first
    rtts: list[float] = []
    deadline = time.perf_counter() + args.duration

    async def loop(ws):
        nonlocal errors
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await ws.send(PING)
                while "pong" not in await ws.recv():
                    pass
                rtts.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors += 1
            print(f"wsbench: ping failed: {exc!r}", file=sys.stderr)

    started = time.perf_counter()
    await asyncio.gather(*(loop(ws) for ws in sockets))
    elapsed = time.perf_counter() - started
    await close_all(sockets)
    return {
        "connections": len(sockets),
        "round_trips": len(rtts),
        "rate": len(rtts) / elapsed,
        "p50_ms": 1000 * (percentile(rtts, 0.50) or 0),
        "p99_ms": 1000 * (percentile(rtts, 0.99) or 0),
        "errors": errors,
    }


# --- broadcast: one room, many sockets ----------------------------------------


def broadcast_worker(index: int, args, count: int, queue, go) -> None:
    asyncio.run(broadcast_part(index, args, count, queue, go))


async def broadcast_part(index: int, args, count: int, queue, go) -> None:
    sockets, errors = await open_many(args.url, args.cookie, count, 25)
    receipts: dict[str, list] = {}  # client_id -> [count, first receipt, last receipt]

    async def reader(ws):
        try:
            async for text in ws:
                if '"client_id": "bench-' not in text and '"client_id":"bench-' not in text:
                    continue
                now = time.monotonic()
                client_id = json.loads(text).get("client_id")
                entry = receipts.setdefault(client_id, [0, now, now])
                entry[0] += 1
                entry[1] = min(entry[1], now)
                entry[2] = max(entry[2], now)
        except Exception:  # noqa: BLE001, S110 - a closed socket ends its reader
            pass

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    queue.put(("ready", index, len(sockets), errors))
    await asyncio.to_thread(go.wait)
    sends: dict[str, float] = {}
    if index == 0 and sockets:
        for n in range(args.messages):
            client_id = f"bench-{os.getpid()}-{n}"
            frame = json.dumps({"type": "message", "body": f"broadcast {n}", "client_id": client_id})
            sends[client_id] = time.monotonic()
            await sockets[0].send(frame)
            await asyncio.sleep(args.interval)
    else:
        await asyncio.sleep(args.messages * args.interval)
    await asyncio.sleep(args.grace)
    queue.put(("result", index, receipts, sends))
    await close_all(sockets)
    for task in readers:
        task.cancel()


def broadcast(args) -> dict:
    context = multiprocessing.get_context("fork")
    queue, go = context.Queue(), context.Event()
    base, extra = divmod(args.sockets, args.procs)
    shares = [base + (1 if i < extra else 0) for i in range(args.procs)]
    procs = [
        context.Process(target=broadcast_worker, args=(i, args, share, queue, go))
        for i, share in enumerate(shares)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    opened = errors = 0
    for _ in procs:
        _, _, n, e = queue.get()
        opened, errors = opened + n, errors + e
    connect_s = time.perf_counter() - started
    print(f"READY {opened} {errors} {connect_s:.1f}", flush=True)
    if args.wait_stdin:
        sys.stdin.readline()
    go.set()
    receipts: dict[str, list] = {}
    sends: dict[str, float] = {}
    for _ in procs:
        _, _, part, part_sends = queue.get()
        sends.update(part_sends)
        for client_id, (count, first, last) in part.items():
            entry = receipts.setdefault(client_id, [0, first, last])
            entry[0] += count
            entry[1] = min(entry[1], first)
            entry[2] = max(entry[2], last)
    for proc in procs:
        proc.join(timeout=10)
    latencies, firsts, missed = [], [], 0
    for client_id, sent in sends.items():
        count, first, last = receipts.get(client_id, [0, sent, sent])
        missed += opened - count
        if count:
            latencies.append(last - sent)
            firsts.append(first - sent)
    return {
        "sockets": opened,
        "connect_errors": errors,
        "connect_s": connect_s,
        "messages": len(sends),
        "missed_receipts": missed,
        "p50_ms": 1000 * (percentile(latencies, 0.50) or 0),
        "p99_ms": 1000 * (percentile(latencies, 0.99) or 0),
        "max_ms": 1000 * max(latencies, default=0),
        "mean_ms": 1000 * (statistics.fmean(latencies) if latencies else 0),
        "first_p50_ms": 1000 * (percentile(firsts, 0.50) or 0),
        "first_p99_ms": 1000 * (percentile(firsts, 0.99) or 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ping", "broadcast"])
    parser.add_argument("url")
    parser.add_argument("--cookie", default="")
    parser.add_argument("--conns", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--grace", type=float, default=2.0)
    parser.add_argument("--wait-stdin", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(ping(args)) if args.mode == "ping" else broadcast(args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
