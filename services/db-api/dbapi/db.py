"""The MariaDB pool: one DBUtils ``PooledDB`` of PyMySQL connections per worker process.

Why it is built this way (docs/design.md, "The pool"):

* The pool is created lazily on first use in each worker, never at import
  time, so a preloading master never hands sockets to its children.
* ``mincached=0``: creating the pool opens nothing; MariaDB being down at start
  only makes ``/api/ready`` fail, it does not stop the process.
* ``blocking=True`` would wait forever for a free connection, so a
  ``BoundedSemaphore`` sized like ``maxconnections`` stands in front of
  ``pool.connection()`` and bounds the wait with ``DB_POOL_TIMEOUT``; a timeout
  is :class:`PoolTimeout`, answered 503 with ``Retry-After: 1``.
* ``autocommit=True`` with ``ping=0, reset=False``: each single statement
  commits by itself, so there is nothing to roll back at checkout and no ping
  under the pool lock. SteadyDB's "tough" cursor already reopens a dead
  connection and retries the statement once when no transaction is open
  (``steady_db.py``, ``_get_tough_method``: on OperationalError, InterfaceError
  or InternalError it tries a new cursor, then a new connection); inside
  :func:`transaction` it re-raises instead, so a multi-statement write is never
  half-applied.
* TLS is off on the private network by default (``DB_SSL_DISABLED``): PyMySQL
  would otherwise load the CA bundle on every connect (~20 ms of CPU).
* One connection per request, kept in ``g`` and returned at teardown;
  PyMySQL connections are not thread-safe. A streamed download detaches it
  (:func:`detach_connection`) and returns it when the stream is closed.
* The pool figures go to ``roomservice_db_pool_connections`` at every
  checkout and checkin, under a lock so the last write is the newest state;
  each worker writes its own and ``/metrics`` sums the live ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from dbutils.pooled_db import PooledDB
from flask import Flask, current_app, g
from pymysql.cursors import DictCursor

from servicekit.metrics import DB_POOL_CONNECTIONS

DB_ERRORS = (pymysql.err.OperationalError, pymysql.err.InterfaceError)
# OperationalError numbers that mean "cannot talk to MariaDB right now" (try
# again) rather than a bug: server gone, lost connection, too many
# connections, shutdown, killed, lock wait timeout, deadlock. 0 is PyMySQL's
# InterfaceError(0, '') for a dead socket.
UNAVAILABLE_ERRORS = frozenset(
    {0, 1040, 1053, 1205, 1213, 1927, 2002, 2003, 2005, 2006, 2013, 2014, 2055, 4031}
)
MAX_ID = 2**63 - 1
DUPLICATE_KEY = 1062
FOREIGN_KEY_MISSING = 1452


class PoolTimeout(Exception):
    """No pooled connection became free within ``DB_POOL_TIMEOUT``."""


class Database:
    """A lazily created pool plus the gate that bounds waiting for it."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.max = config["DB_POOL_MAX"]
        self.timeout = config["DB_POOL_TIMEOUT"]
        self.gate = threading.BoundedSemaphore(self.max)
        self._pool: PooledDB | None = None
        self._lock = threading.Lock()
        self._metrics_lock = threading.Lock()
        self.publish_figures()

    @property
    def pool(self) -> PooledDB:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._make_pool()
        return self._pool

    def _make_pool(self) -> PooledDB:
        c = self.config
        return PooledDB(
            creator=pymysql,
            mincached=0,
            maxcached=0,
            maxconnections=self.max,
            blocking=True,
            ping=0,
            reset=False,
            host=c["DB_HOST"],
            port=c["DB_PORT"],
            user=c["DB_USER"],
            password=c["DB_PASSWORD"],
            database=c["DB_NAME"],
            charset="utf8mb4",
            autocommit=True,
            init_command="SET time_zone='+00:00'",
            connect_timeout=c["DB_CONNECT_TIMEOUT"],
            read_timeout=c["DB_READ_TIMEOUT"],
            write_timeout=c["DB_WRITE_TIMEOUT"],
            ssl_disabled=c["DB_SSL_DISABLED"],
            cursorclass=DictCursor,
        )

    def checkout(self):
        """A pooled connection, or :class:`PoolTimeout` after ``DB_POOL_TIMEOUT``."""
        if not self.gate.acquire(timeout=self.timeout):
            raise PoolTimeout(f"no database connection free within {self.timeout} s")
        try:
            connection = self.pool.connection()
        except BaseException:
            self.gate.release()
            raise
        self.publish_figures()
        return connection

    def checkin(self, connection) -> None:
        try:
            connection.close()
        finally:
            self.gate.release()
            self.publish_figures()

    def figures(self) -> dict[str, int]:
        """Max, checked out and idle connections (DBUtils keeps these counts private)."""
        pool = self._pool
        if pool is None:
            return {"max": self.max, "in_use": 0, "idle": 0}
        return {"max": self.max, "in_use": pool._connections, "idle": len(pool._idle_cache)}

    def publish_figures(self) -> None:
        with self._metrics_lock:
            for state, value in self.figures().items():
                DB_POOL_CONNECTIONS.labels(state).set(value)


def init_db(app: Flask) -> Database:
    database = Database(app.config)
    app.extensions["db"] = database
    app.teardown_appcontext(_return_connection)
    return database


def database() -> Database:
    return current_app.extensions["db"]


def connection():
    """This request's connection, checked out on first use."""
    if "db_connection" not in g:
        g.db_connection = database().checkout()
    return g.db_connection


def detach_connection():
    """This request's connection, no longer returned at teardown: a streamed
    response reads on it after the view and returns it with ``checkin``."""
    con = connection()
    del g.db_connection
    return con


def _return_connection(_exc) -> None:
    con = g.pop("db_connection", None)
    if con is not None:
        database().checkin(con)


def query_one(sql: str, args: tuple = ()) -> dict | None:
    with connection().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()


def query_all(sql: str, args: tuple = ()) -> list[dict]:
    with connection().cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def execute(sql: str, args: tuple = ()) -> int:
    """Run one write; returns the new row's id (``lastrowid``)."""
    with connection().cursor() as cur:
        cur.execute(sql, args)
        return cur.lastrowid


@contextmanager
def transaction() -> Iterator[Any]:
    """Several statements that commit together or not at all."""
    con = connection()
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def error_number(exc: pymysql.err.MySQLError) -> int | None:
    return exc.args[0] if exc.args and isinstance(exc.args[0], int) else None


def is_unavailable(exc: pymysql.err.MySQLError) -> bool:
    return isinstance(exc, pymysql.err.InterfaceError) or error_number(exc) in UNAVAILABLE_ERRORS


def check_db() -> str:
    """Readiness check: ``ok`` or why not."""
    pool = database()
    try:
        con = pool.checkout()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT 1")
        finally:
            # Back at once, so the pool figures next to it count other requests only.
            pool.checkin(con)
    except PoolTimeout:
        return "error: pool exhausted"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"error: {type(exc).__name__}"
    return "ok"


def pool_details() -> dict:
    return {"pool": database().figures()}
