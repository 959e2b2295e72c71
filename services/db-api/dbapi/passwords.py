"""Password hashes: Werkzeug's scrypt at OWASP's cost, bounded per worker.

``generate_password_hash`` stores the method with each hash
(``scrypt:16384:8:5$salt$hash``), so the cost can be raised later while old
hashes still verify; :func:`needs_rehash` says when a stored hash is older
than ``PASSWORD_HASH_METHOD`` and the next successful login replaces it. The
hashes of the first release (``scrypt$n$r$p$salt$hash``, the standard
library directly) still verify and are upgraded the same way.

Why N=2^14, r=8, p=5 (one of OWASP's equivalent scrypt settings): the CPU
cost is OWASP's and the memory 16 MiB per hash (128 x N x r bytes); no more
than ``PASSWORD_HASH_CONCURRENCY`` hashes run at once per worker (the CPU is
the bound anyway), so hashing holds at most 64 MiB of a replica's 512, and a
login flood waits its turn, or gets a 503 after ``PASSWORD_HASH_WAIT``
seconds, instead of stacking up. Figures: docs/security.md, "Password hashing".
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator

from flask import Flask, current_app
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.security import check_password_hash, generate_password_hash

LEGACY_SCHEME = "scrypt$"
LEGACY_MAXMEM = 64 * 1024 * 1024


class PasswordHasher:
    """Hashing with the configured method, at most ``concurrency`` at a time."""

    def __init__(self, method: str, concurrency: int, wait: float):
        self.method = method
        self.wait = wait
        self.slots = threading.BoundedSemaphore(concurrency)
        # Verified against when the username is unknown, so both cases take as long.
        self.dummy_hash = generate_password_hash(secrets.token_hex(16), method=method)

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        if not self.slots.acquire(timeout=self.wait):
            raise ServiceUnavailable("Too many logins at once; try again in a moment.", retry_after=1)
        try:
            yield
        finally:
            self.slots.release()

    def hash(self, password: str) -> str:
        with self._slot():
            return generate_password_hash(password, method=self.method)

    def verify(self, password: str, stored: str) -> bool:
        with self._slot():
            if stored.startswith(LEGACY_SCHEME):
                return _verify_legacy(password, stored)
            try:
                return check_password_hash(stored, password)
            except ValueError:
                return False

    def verify_unknown(self, password: str) -> None:
        self.verify(password, self.dummy_hash)

    def needs_rehash(self, stored: str) -> bool:
        return stored.partition("$")[0] != self.method


def _verify_legacy(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, expected = stored.split("$")
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=LEGACY_MAXMEM,
            dklen=32,
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(expected))


def init_passwords(app: Flask) -> None:
    app.extensions["passwords"] = PasswordHasher(
        app.config["PASSWORD_HASH_METHOD"],
        app.config["PASSWORD_HASH_CONCURRENCY"],
        app.config["PASSWORD_HASH_WAIT"],
    )


def hasher() -> PasswordHasher:
    return current_app.extensions["passwords"]
