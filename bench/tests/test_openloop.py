"""bench/tools/openloop.py: the schedule, the response parser, and that it never waits for answers."""

import asyncio

import openloop


def test_schedule_is_a_constant_rate_from_zero():
    due = openloop.schedule(4, 1.5)
    assert due == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]
    assert openloop.schedule(0, 10) == []


def parse(raw: bytes):
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await openloop.read_response(reader)

    return asyncio.run(go())


def test_read_response_with_content_length_and_keep_alive():
    assert parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") == (200, 5, True)


def test_read_response_chunked_and_connection_close():
    raw = b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    raw += b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    assert parse(raw) == (503, 5, False)


def test_requests_start_on_schedule_while_no_answer_has_come():
    """The server answers nothing until it holds 10 requests: a closed loop would never get there."""

    async def scenario():
        held: list[asyncio.StreamWriter] = []
        enough = asyncio.Event()

        async def handle(reader, writer):
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                held.append(writer)
                if len(held) >= 10:
                    enough.set()
                await enough.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await openloop.run(f"http://127.0.0.1:{port}/x", rate=40, duration=0.5, timeout=20)

    result = asyncio.run(scenario())
    assert result["scheduled"] == 20
    assert result["completed"] == 20
    assert result["errors"] == 0
    assert result["connections_used"] >= 10
    # Every latency counts from the request's due time, so the held ones show the wait.
    assert result["max_ms"] >= result["p50_ms"]
