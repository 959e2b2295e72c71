"""Hand-built frames through Nginx: length forms, fragments, control frames, close codes.

Each violation must close that one socket with its documented code while the
worker keeps serving everyone else.
"""

from __future__ import annotations

import json
import struct

import pytest
from wsclient import RawClient

PING = json.dumps({"type": "ping"}).encode()


@pytest.fixture
def raw(user, room):
    clients: list[RawClient] = []

    def open_client() -> RawClient:
        client = RawClient(f"/ws/rooms/{room}", user.cookie)
        assert client.status == 101
        client.read_json("presence")
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


def pong(client: RawClient) -> dict:
    return client.read_json("pong")


def test_short_16_bit_and_64_bit_length_forms(raw):
    client = raw()
    client.send_frame(0x1, PING)
    assert pong(client) == {"type": "pong"}
    padded = json.dumps({"type": "ping", "pad": "x" * 1000}).encode()
    client.send_frame(0x1, padded, length_form=16)
    assert pong(client) == {"type": "pong"}
    client.send_frame(0x1, PING, length_form=64)
    assert pong(client) == {"type": "pong"}


def test_fragmented_message_with_a_ping_in_between(raw):
    client = raw()
    client.send_frame(0x1, PING[:5], fin=False)
    client.send_frame(0x9, b"hello?")
    client.send_frame(0x0, PING[5:9], fin=False)
    client.send_frame(0x0, PING[9:])
    assert client.read_frame() == (0xA, b"hello?")
    assert pong(client) == {"type": "pong"}


def test_pong_frames_are_ignored(raw):
    client = raw()
    client.send_frame(0xA, b"unsolicited")
    client.send_frame(0x1, PING)
    assert pong(client) == {"type": "pong"}


def test_client_close_is_echoed_with_its_code(raw):
    client = raw()
    client.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
    assert client.close_code() == 1000


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (lambda c: c.send_frame(0x1, b"x" * (64 * 1024 + 1)), 1009),
        (lambda c: c.sock.sendall(struct.pack("!BBQ", 0x81, 0xFF, 1 << 40) + b"mask"), 1009),
        (lambda c: (c.send_frame(0x1, b"a" * 40000, fin=False), c.send_frame(0x0, b"b" * 40000)), 1009),
        (lambda c: c.send_frame(0x2, b"\x00\x01\x02"), 1003),
        (lambda c: c.send_frame(0x1, b'{"type": "\xff"}'), 1007),
        (lambda c: (c.send_frame(0x1, b"\xc3", fin=False), c.send_frame(0x0, b"("), None), 1007),
        (lambda c: c.send_frame(0x1, PING, masked=False), 1002),
        (lambda c: c.send_frame(0x0, PING), 1002),
        (lambda c: c.send_frame(0x9, b"x", fin=False), 1002),
        (lambda c: c.send_frame(0x9, b"x" * 126), 1002),
        (lambda c: c.send_frame(0x5, b""), 1002),
        (lambda c: c.send_frame(0x1 | 0x40, PING), 1002),
    ],
    ids=[
        "over-64KiB",
        "1TiB-announced",
        "fragments-over-64KiB",
        "binary",
        "bad-utf8",
        "bad-utf8-across-fragments",
        "unmasked",
        "orphan-continuation",
        "fragmented-ping",
        "long-ping",
        "reserved-opcode",
        "rsv1-set",
    ],
)
def test_violations_close_with_the_documented_code_and_others_keep_going(raw, send, code):
    bystander = raw()
    offender = raw()
    send(offender)
    assert offender.close_code() == code
    bystander.send_frame(0x1, PING)
    assert pong(bystander) == {"type": "pong"}
    newcomer = raw()
    newcomer.send_frame(0x1, PING)
    assert pong(newcomer) == {"type": "pong"}
