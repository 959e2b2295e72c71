"""The transport's frame limits and close frames, over a real socketpair (no servers)."""

from __future__ import annotations

import os
import socket
import struct
import threading

import gevent
import pytest
from geventwebsocket.websocket import Stream

from ws.transport import (
    MAX_MESSAGE_SIZE,
    ConnectionClosed,
    Socket,
    accept_key,
    close_payload,
    require_gevent_patched,
    text_frame,
    unmask,
)


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
    """A client frame built by hand, in the shortest length form."""
    first = (0x80 if fin else 0) | rsv | opcode
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, (0x80 if mask else 0) | size)
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, size)
    else:
        header = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, size)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + unmask(payload, key)


class Handler:
    """What ``Socket`` needs of gevent-websocket's handler."""

    def __init__(self, sock: socket.socket):
        self.socket = sock
        self.rfile = sock.makefile("rb")
        self.logger = None


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    client.settimeout(5)
    server.settimeout(5)
    ws = Socket({}, Stream(Handler(server)), Handler(server))
    yield ws, client
    server.close()
    client.close()


def finish(client: socket.socket, raw: bytes) -> None:
    """Send ``raw`` and end the stream, as a peer does after a violation (ends the linger)."""
    client.sendall(raw)
    client.shutdown(socket.SHUT_WR)


def read_server_frame(client: socket.socket) -> tuple[int, bytes]:
    first, second = client.recv(2, socket.MSG_WAITALL)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", client.recv(2, socket.MSG_WAITALL))
    elif size == 127:
        (size,) = struct.unpack("!Q", client.recv(8, socket.MSG_WAITALL))
    payload = client.recv(size, socket.MSG_WAITALL) if size else b""
    assert second & 0x80 == 0, "server frames are never masked"
    return first & 0x0F, payload


def close_code(client: socket.socket) -> int:
    opcode, payload = read_server_frame(client)
    assert opcode == 0x8
    return struct.unpack("!H", payload[:2])[0]


def test_close_payload_is_code_then_reason():
    assert close_payload(4401, "logged out") == b"\x11\x31logged out"
    assert close_payload(1000, None) == b"\x03\xe8"


def test_close_reason_is_cut_to_fit_a_control_frame_on_a_character_boundary():
    payload = close_payload(1001, "é" * 100)
    assert len(payload) <= 125
    payload[2:].decode("utf-8")


def test_close_sends_the_code(pair):
    ws, client = pair
    ws.close(4401, "logged out")
    opcode, payload = read_server_frame(client)
    assert (opcode, payload) == (0x8, b"\x11\x31logged out")
    assert ws.closed


def test_close_is_sent_once(pair):
    ws, client = pair
    ws.close(1001, "bye")
    ws.close(1000, "again")
    assert close_code(client) == 1001
    client.setblocking(False)
    with pytest.raises(BlockingIOError):
        client.recv(1)


def test_text_message_round_trip_with_16_bit_length(pair):
    ws, client = pair
    text = "x" * 300
    client.sendall(frame(0x1, text.encode()))
    assert ws.receive() == text


def test_fragments_and_interleaved_ping(pair):
    ws, client = pair
    client.sendall(frame(0x1, "héllo ".encode()[:2], fin=False))
    client.sendall(frame(0x9, b"are you there"))
    client.sendall(frame(0x0, "héllo ".encode()[2:], fin=False))
    client.sendall(frame(0x0, "wörld".encode()))
    assert ws.receive() == "héllo wörld"
    assert read_server_frame(client) == (0xA, b"are you there")


def test_message_of_exactly_the_limit_is_accepted(pair):
    ws, client = pair
    client.sendall(frame(0x1, b"a" * MAX_MESSAGE_SIZE))
    assert len(ws.receive()) == MAX_MESSAGE_SIZE


def test_huge_announced_frame_closes_1009_before_any_payload(pair):
    ws, client = pair
    # A 64-bit length of 1 TiB and no payload at all: reading it would hang.
    finish(client, struct.pack("!BBQ", 0x81, 0x80 | 127, 1 << 40) + b"mask")
    assert ws.receive() is None
    assert close_code(client) == 1009


def test_fragments_are_counted_together(pair):
    ws, client = pair
    half = b"a" * (MAX_MESSAGE_SIZE // 2)
    # Two halves fill the limit; one more byte, announced but never sent, is over.
    raw = frame(0x1, half, fin=False) + frame(0x0, half, fin=False)
    raw += struct.pack("!BBH", 0x80, 0x80 | 126, 1) + b"mask"
    sender = threading.Thread(target=finish, args=(client, raw))
    sender.start()
    assert ws.receive() is None
    sender.join(5)
    assert close_code(client) == 1009


def test_binary_frame_closes_1003(pair):
    ws, client = pair
    finish(client, frame(0x2, b"\x00\x01"))
    assert ws.receive() is None
    assert close_code(client) == 1003


@pytest.mark.parametrize(
    "payloads",
    [[b"\xff\xfe"], [b"\xed\xa0\x80"], ["é".encode()[:1]], [b"ok \xc3", b"\x28"]],
    ids=["invalid-byte", "surrogate", "truncated", "split-invalid"],
)
def test_bad_utf8_closes_1007(pair, payloads):
    ws, client = pair
    raw = b"".join(
        frame(0x1 if index == 0 else 0x0, payload, fin=index == len(payloads) - 1)
        for index, payload in enumerate(payloads)
    )
    finish(client, raw)
    assert ws.receive() is None
    assert close_code(client) == 1007


@pytest.mark.parametrize(
    "raw",
    [
        frame(0x1, b"{}", mask=False),
        frame(0x1, b"{}", rsv=0x40),
        frame(0x0, b"orphan"),
        frame(0x3, b"reserved opcode"),
        frame(0x9, b"ping", fin=False),
        frame(0x9, b"p" * 126),
        frame(0x1, b"a", fin=False) + frame(0x1, b"b"),
        frame(0x8, b"\x03"),
        frame(0x8, struct.pack("!H", 1005)),
    ],
    ids=[
        "unmasked",
        "rsv-bit",
        "continuation-without-start",
        "reserved-opcode",
        "fragmented-control",
        "long-control",
        "text-inside-fragmented",
        "close-1-byte",
        "close-reserved-code",
    ],
)
def test_protocol_violations_close_1002(pair, raw):
    ws, client = pair
    finish(client, raw)
    assert ws.receive() is None
    assert close_code(client) == 1002


def test_peer_close_is_echoed(pair):
    ws, client = pair
    client.sendall(frame(0x8, struct.pack("!H", 1000) + b"done"))
    assert ws.receive() is None
    assert close_code(client) == 1000


def test_eof_ends_the_socket_quietly(pair):
    ws, client = pair
    client.shutdown(socket.SHUT_WR)
    assert ws.receive() is None
    assert ws.closed


def test_send_after_close_fails():
    server, client = socket.socketpair()
    ws = Socket({}, Stream(Handler(server)), Handler(server))
    ws.close(1000, "")
    with pytest.raises(ConnectionClosed):
        ws.send("late")
    server.close()
    client.close()


def test_unmask_matches_the_rfc_example():
    # RFC 6455 section 5.7: a masked "Hello".
    assert unmask(bytes.fromhex("7f9f4d5158"), bytes.fromhex("37fa213d")) == b"Hello"


def test_accept_key_matches_the_rfc_example():
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_unpatched_process_is_refused():
    with pytest.raises(RuntimeError, match="monkey-patched"):
        require_gevent_patched()


@pytest.fixture
def gevent_pair():
    """A socketpair of gevent sockets, as ws's worker has (monkey-patched)."""
    from gevent import socket as gsocket

    server, client = gsocket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ws = Socket({}, Stream(Handler(server)), Handler(server))
    yield ws, client
    server.close()
    client.close()


def test_text_frame_is_a_final_unmasked_text_frame():
    assert text_frame("hé") == b"\x81\x03h\xc3\xa9"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"


def test_write_nowait_sends_a_frame_the_kernel_takes_and_keeps_no_lock(gevent_pair):
    ws, client = gevent_pair
    assert ws.write_nowait(text_frame("hi")) == (b"", False)
    assert client.recv(16) == b"\x81\x02hi"
    assert not ws.send_lock.locked()


def test_write_nowait_never_blocks_and_keeps_the_lock_over_a_part_sent(gevent_pair):
    ws, client = gevent_pair
    big = text_frame("y" * 1_000_000)
    tail, locked = ws.write_nowait(big)
    assert 0 < len(tail) < len(big) and locked
    assert ws.write_nowait(text_frame("other")) == (text_frame("other"), False)  # cannot cut in
    reader = gevent.spawn(lambda: b"".join(iter(lambda: client.recv(65536), b"")))
    ws.write_frame(tail, locked=True)
    assert not ws.send_lock.locked()
    ws.handler.socket.shutdown(socket.SHUT_WR)
    assert reader.get(timeout=10) == big
