"""bench/tools/wsfleet.py: frames in and out, split anywhere, and receipts counted per broadcast."""

import asyncio

import wsfleet


def test_a_masked_frame_parses_back_to_its_payload_at_every_length():
    for size in (0, 5, 125, 126, 65535, 65536):
        payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
        frame = wsfleet.encode_frame(wsfleet.OP_TEXT, payload, b"\x01\x02\x03\x04")
        assert wsfleet.FrameParser().feed(frame) == [(wsfleet.OP_TEXT, payload)]


def test_server_frames_split_at_any_byte_come_out_whole_and_in_order():
    stream = wsfleet.encode_frame(wsfleet.OP_TEXT, b'{"type": "presence"}')
    stream += wsfleet.encode_frame(wsfleet.OP_PING, b"hi")
    stream += wsfleet.encode_frame(wsfleet.OP_TEXT, b"x" * 300)
    for cut in range(1, len(stream)):
        parser = wsfleet.FrameParser()
        frames = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert frames == [
            (wsfleet.OP_TEXT, b'{"type": "presence"}'),
            (wsfleet.OP_PING, b"hi"),
            (wsfleet.OP_TEXT, b"x" * 300),
        ]


def test_handshake_request_carries_the_cookie_and_the_key():
    request = wsfleet.handshake_request("nginx:8080", "/ws/rooms/a", "abc", "a2V5")
    assert request.startswith(b"GET /ws/rooms/a HTTP/1.1\r\nHost: nginx:8080\r\n")
    assert b"Cookie: session=abc\r\n" in request
    assert b"Sec-WebSocket-Key: a2V5\r\n" in request
    assert request.endswith(b"\r\n\r\n")


def test_a_broadcast_is_done_when_every_expected_socket_got_it():
    async def scenario():
        tracker = wsfleet.Tracker()
        entry = tracker.start(b"fleet-1-1", expected=3)
        tracker.receipt(b"fleet-1-1", 1.0)
        tracker.receipt(b"fleet-9-9", 1.0)  # another broadcast's: ignored
        tracker.receipt(b"fleet-1-1", 2.0)
        assert not entry["done"].done()
        tracker.receipt(b"fleet-1-1", 3.0)
        return entry

    entry = asyncio.run(scenario())
    assert entry["done"].done()
    assert entry["times"] == [1.0, 2.0, 3.0]


def test_only_stored_message_frames_count_as_receipts():
    frame = b'{"type": "message", "id": 7, "body": "b", "client_id": "fleet-12-3"}'
    error = b'{"type": "error", "code": "rate_limited", "client_id": "fleet-12-3"}'
    assert frame.startswith(wsfleet.MESSAGE) and wsfleet.CLIENT_ID.search(frame).group(1) == b"fleet-12-3"
    assert not error.startswith(wsfleet.MESSAGE)
