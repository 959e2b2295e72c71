"""Everything that touches gevent-websocket, so the transport can be swapped.

gevent-websocket 0.10.1 is unmaintained and has known gaps (docs/design.md,
"WebSockets on gevent-websocket"); this module closes them without touching
the library:

* :class:`CheckedHandler` runs the application's handshake check *before* any
  101, so a refused upgrade is a plain HTTP 401/403/404/429 with a JSON body,
  and bounds the handshake in time: a request head that does not arrive within
  the handshake timeout drops the connection (gevent's server would wait
  forever), a check that does not decide within it is a 503;
* :class:`Socket` sends prebuilt frames without yielding when the kernel
  takes them (:meth:`Socket.write_nowait`), sends real close codes, refuses
  binary frames (1003), bad UTF-8 (1007), unmasked or malformed frames
  (1002), and checks the announced frame length and the running message
  total before reading any payload (1009 over :data:`MAX_MESSAGE_SIZE`), so
  a huge frame never reaches memory;
* :class:`RoomServiceWorker` uses that handler, restores gunicorn's access log
  for WebSocket requests, refuses to start without gevent's monkey-patching,
  and closes every open socket with 1001 when it shuts down.

The rest of the service sees only :class:`Refusal`, :data:`SOCKET_KEY`,
:data:`ENDED_KEY`, :class:`ConnectionClosed`, :func:`text_frame` and a socket's
``receive()``, ``write_nowait(frame)``, ``write_frame(frame)``,
``close(code, reason)`` and ``closed``. The module imports no Flask: gunicorn's
master imports the worker class before gevent patches anything.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import hashlib
import json
import socket
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

import gevent
from gevent import monkey
from gevent.lock import Semaphore
from geventwebsocket.exceptions import ProtocolError, WebSocketError
from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import Header, Stream, WebSocket
from gunicorn.workers.ggevent import PyWSGIHandler

MAX_MESSAGE_SIZE = 64 * 1024
# How long a closing socket waits for the peer's close frame, and how long a
# close waits for a writer stuck on a stalled peer, before the TCP connection
# is cut.
CLOSE_TIMEOUT = 2.0
SEND_LOCK_TIMEOUT = 1.0
LINGER_MAX_BYTES = 1024 * 1024
# Reasons are cut so that code + reason fit a control frame (125 bytes).
MAX_REASON_BYTES = 123
SOCKET_KEY = "wsgi.websocket"
HANDSHAKE_ATTR = "websocket_handshake"
# A callable the check may leave in the environ: called once when the request
# is over, whether it was refused, failed or became a socket that closed.
ENDED_KEY = "roomservice.ws.ended"
WORKER_BOOT_ERROR = 3  # gunicorn's arbiter halts instead of respawning

ConnectionClosed = WebSocketError


@dataclass(frozen=True)
class Refusal:
    """Why an upgrade is answered as plain HTTP instead of a 101."""

    status: int
    code: str
    message: str


HandshakeCheck = Callable[[dict], "Refusal | None"]
TIMED_OUT = Refusal(503, "unavailable", "The handshake took too long; try again shortly.")


@dataclass(frozen=True)
class Handshake:
    check: HandshakeCheck
    timeout: float


def install_handshake_check(app, check: HandshakeCheck, timeout: float) -> None:
    """Have :class:`CheckedHandler` call ``check(environ)`` before upgrading.

    ``timeout`` bounds each phase of a handshake in seconds: the request head
    arriving, then the check deciding.
    """
    setattr(app, HANDSHAKE_ATTR, Handshake(check, timeout))


class MessageTooBig(WebSocketError):
    """A frame or message announced more than :data:`MAX_MESSAGE_SIZE` bytes."""


class UnsupportedData(WebSocketError):
    """A binary frame: this protocol is JSON text only."""


def unmask(payload: bytes, mask: bytes) -> bytes:
    """XOR the payload with the 4-byte mask as one big integer (no per-byte loop)."""
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def text_frame(text: str) -> bytes:
    """A whole server text frame (unmasked), built once however many sockets it goes to."""
    payload = text.encode("utf-8")
    return bytes(Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", len(payload), 0)) + payload


def close_payload(code: int, reason: str | bytes | None = "") -> bytes:
    """A close frame's payload: the 2-byte big-endian code, then the UTF-8 reason."""
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    reason = (reason or b"")[:MAX_REASON_BYTES]
    # Cutting may split a character; drop the partial tail so the peer sees valid UTF-8.
    reason = reason.decode("utf-8", "ignore").encode("utf-8")
    return struct.pack("!H", code) + reason


class Socket(WebSocket):
    """A gevent-websocket ``WebSocket`` with limits, real close codes and a send lock.

    The send lock keeps frames whole when the writer greenlet, the reader (pongs)
    and a closer (revocation, shutdown) write at once. Closing does not drop the
    stream: the reader keeps reading until the peer's close frame arrives, and
    the TCP connection is cut after :data:`CLOSE_TIMEOUT` if it never does.
    """

    max_message_size = MAX_MESSAGE_SIZE

    def __init__(self, environ, stream, handler):
        super().__init__(environ, stream, handler)
        self.send_lock = Semaphore()
        self.received = 0

    def read_frame(self):
        header = Header.decode_header(self.stream)
        if header.flags:
            raise ProtocolError("reserved bits set without an extension")
        if header.opcode == self.OPCODE_BINARY:
            raise UnsupportedData("binary frames are not supported")
        data = header.opcode in (self.OPCODE_TEXT, self.OPCODE_CONTINUATION)
        if data and self.received + header.length > self.max_message_size:
            raise MessageTooBig(f"message over {self.max_message_size} bytes")
        if not header.mask:
            raise ProtocolError("client frames must be masked")
        if not header.length:
            return header, b""
        payload = self.raw_read(header.length)
        if len(payload) != header.length:
            raise WebSocketError("unexpected EOF reading frame payload")
        return header, unmask(payload, header.mask)

    def read_message(self):
        """The next text message; ``None`` once the peer's close frame arrived."""
        decoder = None
        parts: list[str] = []
        self.received = 0
        while True:
            header, payload = self.read_frame()
            opcode = header.opcode
            if opcode == self.OPCODE_TEXT:
                if decoder is not None:
                    raise ProtocolError("new message inside a fragmented one")
                decoder = codecs.getincrementaldecoder("utf-8")()
            elif opcode == self.OPCODE_CONTINUATION:
                if decoder is None:
                    raise ProtocolError("continuation frame without a message")
            elif opcode == self.OPCODE_PING:
                self.handle_ping(header, payload)
                continue
            elif opcode == self.OPCODE_PONG:
                continue
            elif opcode == self.OPCODE_CLOSE:
                self.handle_close(header, payload)
                return None
            else:
                raise ProtocolError(f"unknown opcode {opcode}")
            self.received += len(payload)
            parts.append(decoder.decode(payload, final=header.fin))
            if header.fin:
                return "".join(parts)

    def receive(self):
        """The next text message, or ``None`` when the socket is done.

        Violations close the socket with its code (docs/websocket.md) before
        returning ``None``; a closed socket keeps reading until the peer's
        close frame.
        """
        try:
            return self.read_message()
        except MessageTooBig:
            self.close(1009, "message too big")
        except UnsupportedData:
            self.close(1003, "binary frames are not supported")
        except UnicodeError:
            self.close(1007, "invalid UTF-8")
        except ProtocolError:
            self.close(1002, "protocol error")
        except (WebSocketError, OSError, AttributeError):
            # EOF or a dead peer: nothing to say to it any more.
            self.closed = True
            return None
        self.linger()
        return None

    def linger(self) -> None:
        """After closing on a violation, drop what the peer still sends, briefly.

        Closing a TCP socket with unread input sends a reset, which can make
        the peer (or Nginx) discard our close frame before reading it. The
        stream is unusable after a violation, so the bytes are read raw and
        thrown away until EOF, :data:`CLOSE_TIMEOUT` or :data:`LINGER_MAX_BYTES`.
        """
        drained = 0
        with contextlib.suppress(OSError, AttributeError, ValueError), gevent.Timeout(CLOSE_TIMEOUT, False):
            while drained < LINGER_MAX_BYTES:
                chunk = self.handler.rfile.read1(65536)
                if not chunk:
                    return
                drained += len(chunk)

    def send_frame(self, message, opcode):
        if self.closed:
            raise ConnectionClosed("socket is closed")
        if isinstance(message, str):
            message = message.encode("utf-8")
        self._write(bytes(message or b""), opcode)

    def send(self, message, binary=None):
        self.send_frame(message, self.OPCODE_BINARY if binary else self.OPCODE_TEXT)

    def _write(self, payload: bytes, opcode: int) -> None:
        header = Header.encode_header(True, opcode, b"", len(payload), 0)
        if not self.send_lock.acquire(timeout=SEND_LOCK_TIMEOUT):
            self.abort()
            raise ConnectionClosed("peer is not reading")
        try:
            self.raw_write(bytes(header) + payload)
        except (OSError, TypeError) as exc:
            raise ConnectionClosed("socket is dead") from exc
        finally:
            self.send_lock.release()

    def write_nowait(self, frame: bytes) -> tuple[bytes, bool]:
        """Write what the kernel takes of a whole frame now, never yielding.

        Returns the unsent tail (``b""`` when all of it went) and whether the
        send lock is still held: it is when part of the frame went, so no
        other frame can cut in; finish with ``write_frame(tail, locked=True)``.
        A socket that another greenlet is writing to sends nothing here.
        """
        if self.closed:
            raise ConnectionClosed("socket is closed")
        if not self.send_lock.acquire(blocking=False):
            return frame, False
        try:
            sent = self.handler.socket.send(frame, 0, timeout=0.0)
        except BlockingIOError:
            sent = 0
        except (OSError, AttributeError) as exc:
            self.send_lock.release()
            raise ConnectionClosed("socket is dead") from exc
        if sent == len(frame) or sent == 0:
            self.send_lock.release()
            return frame[sent:], False
        return frame[sent:], True

    def write_frame(self, frame: bytes, locked: bool = False) -> None:
        """Write a whole prebuilt frame (or the tail ``write_nowait`` left, lock held), waiting if need be."""
        if not locked and not self.send_lock.acquire(timeout=SEND_LOCK_TIMEOUT):
            self.abort()
            raise ConnectionClosed("peer is not reading")
        try:
            self.raw_write(frame)
        except (OSError, TypeError) as exc:
            raise ConnectionClosed("socket is dead") from exc
        finally:
            self.send_lock.release()

    def close(self, code=1000, message=b""):
        """Send a close frame with ``code`` and ``message``, once.

        The stock ``close`` put the reason where the code belongs (peers saw
        1005 or a protocol error); here the code really goes first.
        """
        if self.closed:
            return
        self.closed = True
        try:
            self._write(close_payload(code, message), self.OPCODE_CLOSE)
        except ConnectionClosed:
            self.abort()
            return
        gevent.spawn_later(CLOSE_TIMEOUT, self.abort)

    def abort(self) -> None:
        """Cut the TCP connection: unblocks a reader or writer stuck on it."""
        self.closed = True
        with contextlib.suppress(OSError, AttributeError):
            self.handler.socket.shutdown(socket.SHUT_RDWR)


OPEN_SOCKETS: set[Socket] = set()


def close_all(code: int, reason: str) -> int:
    """Close every open socket of this process; returns how many."""
    sockets = list(OPEN_SOCKETS)
    for ws in sockets:
        ws.close(code, reason)
    return len(sockets)


class CheckedHandler(WebSocketHandler, PyWSGIHandler):
    """gevent-websocket's handler with a bounded pre-upgrade check and gunicorn's access log."""

    def handle_one_request(self):
        """Read one request; its head must arrive within the handshake timeout.

        Nginx passes a head on whole, so only a peer inside the network that
        trickles one (or idles between keep-alive requests) ever meets this.
        """
        handshake = getattr(self.server.application, HANDSHAKE_ATTR, None)
        if handshake is not None:
            self.socket.settimeout(handshake.timeout)
        return super().handle_one_request()

    def _handle_client_error(self, ex):
        if isinstance(ex, TimeoutError):
            return None  # the head did not arrive in time: close, no traceback
        return super()._handle_client_error(ex)

    def run_application(self):
        # The head is in; from here a socket may rightly stay quiet for hours.
        self.socket.settimeout(None)
        try:
            super().run_application()
        finally:
            ended = self.environ.pop(ENDED_KEY, None)
            if ended is not None:
                ended()

    def upgrade_websocket(self):
        handshake = getattr(self.application, HANDSHAKE_ATTR, None)
        if handshake is not None and self._asks_for_upgrade():
            refusal = self._check(handshake)
            if refusal is not None:
                return self._refuse(refusal)
        return super().upgrade_websocket()

    def _check(self, handshake: Handshake) -> Refusal | None:
        timer = gevent.Timeout(handshake.timeout)
        timer.start()
        try:
            return handshake.check(self.environ)
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
            return TIMED_OUT
        finally:
            timer.close()

    def _asks_for_upgrade(self) -> bool:
        env = self.environ
        return (
            env.get("REQUEST_METHOD") == "GET"
            and env.get("HTTP_UPGRADE", "").lower() == "websocket"
            and "upgrade" in env.get("HTTP_CONNECTION", "").lower()
        )

    def _refuse(self, refusal: Refusal) -> list[bytes]:
        body = json.dumps({"error": {"code": refusal.code, "message": refusal.message}}).encode()
        status = f"{refusal.status} {HTTPStatus(refusal.status).phrase}"
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        self.start_response(status, headers)
        return [body]

    def upgrade_connection(self):
        """The stock handshake, creating a :class:`Socket` (the only one for this connection)."""
        version = self.environ.get("HTTP_SEC_WEBSOCKET_VERSION")
        if version not in self.SUPPORTED_VERSIONS:
            self.start_response(
                "400 Bad Request", [("Sec-WebSocket-Version", ", ".join(self.SUPPORTED_VERSIONS))]
            )
            return [b"Unsupported WebSocket version"]
        key = self.environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
        try:
            valid_key = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            valid_key = False
        if not valid_key:
            self.start_response("400 Bad Request", [])
            return [b"Invalid Sec-WebSocket-Key"]
        self.websocket = Socket(self.environ, Stream(self), self)
        self.environ.update({"wsgi.websocket_version": version, SOCKET_KEY: self.websocket})
        self.start_response("101 Switching Protocols", handshake_headers(key))
        return None

    def run_websocket(self):
        ws = self.websocket
        OPEN_SOCKETS.add(ws)
        try:
            super().run_websocket()
        finally:
            OPEN_SOCKETS.discard(ws)

    def log_request(self):
        PyWSGIHandler.log_request(self)


def accept_key(key: str) -> str:
    digest = hashlib.sha1((key + WebSocketHandler.GUID).encode("latin-1")).digest()  # noqa: S324 - RFC 6455
    return base64.b64encode(digest).decode("latin-1")


def handshake_headers(key: str) -> list[tuple[str, str]]:
    return [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key(key))]


def require_gevent_patched() -> None:
    """Blocking sockets would stall every connection of the worker: refuse them."""
    if not monkey.is_module_patched("socket"):
        raise RuntimeError("gevent has not monkey-patched 'socket'; ws cannot run unpatched")


class RoomServiceWorker(GeventWebSocketWorker):
    """The gevent-websocket worker with :class:`CheckedHandler` and a clean shutdown."""

    wsgi_handler = CheckedHandler

    def patch(self):
        super().patch()
        try:
            require_gevent_patched()
        except RuntimeError as exc:
            self.log.critical(str(exc))
            sys.exit(WORKER_BOOT_ERROR)

    def handle_exit(self, sig, frame):
        super().handle_exit(sig, frame)
        gevent.spawn(self._going_away)

    def handle_quit(self, sig, frame):
        gevent.spawn(self._going_away)
        super().handle_quit(sig, frame)

    def _going_away(self):
        count = close_all(1001, "server shutting down")
        self.log.info("closed %d websockets with 1001", count)
