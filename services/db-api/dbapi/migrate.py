"""Provision the database users, then apply the forward-only migrations (yoyo).

Run once per deploy, before db-api starts (the ``migrate`` compose service,
the Swarm service, the Kubernetes Job). Two users, least privilege
(docs/design.md, "Database users"):

* ``DB_MIGRATE_USER`` owns the schema: every privilege on ``DB_NAME``, and
  only this one-shot process knows its password.
* ``DB_USER`` is what db-api connects as: SELECT, INSERT, UPDATE and DELETE
  on the application's tables and nothing else (no CREATE, DROP or ALTER,
  not even a look at yoyo's bookkeeping tables).

With ``DB_ROOT_PASSWORD`` set (for ``DB_ROOT_USER``, root by default), each
run creates what is missing and sets both passwords from the environment, so
the same run serves a fresh volume, a
volume made by an older release (whose ``DB_USER`` held every privilege: that
grant is revoked only after the table grants are in place, so a db-api
replica still running never loses access) and a rotated password. Without it
(a managed database) the users are the DBA's, and this only migrates.

yoyo records what it applied and holds a lock while it runs, so two
concurrent runs never apply a migration twice. It waits for MariaDB to accept
connections first, so it can start alongside it.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pymysql
from yoyo import get_backend, read_migrations

from servicekit.settings import ConfigError, value

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
# Names put into SQL as identifiers (placeholders cannot quote those).
IDENTIFIER = re.compile(r"[A-Za-z0-9_]{1,64}")
T = TypeVar("T")


def settings(environ: Mapping[str, str] = os.environ) -> dict:
    found = {
        key: value(environ, name)
        for key, name in (
            ("host", "DB_HOST"),
            ("port", "DB_PORT"),
            ("name", "DB_NAME"),
            ("user", "DB_USER"),
            ("password", "DB_PASSWORD"),
            ("migrate_user", "DB_MIGRATE_USER"),
            ("migrate_password", "DB_MIGRATE_PASSWORD"),
            ("root_user", "DB_ROOT_USER"),
            ("root_password", "DB_ROOT_PASSWORD"),
        )
    }
    if not IDENTIFIER.fullmatch(found["name"]):
        raise ConfigError(f"DB_NAME must be letters, digits and underscores, not {found['name']!r}")
    if found["user"] == found["migrate_user"]:
        raise ConfigError("DB_USER and DB_MIGRATE_USER must differ: db-api gets no DDL rights")
    return found


def database_url(user: str, password: str, host: str, port: int, name: str) -> str:
    return f"mysql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{name}?charset=utf8mb4"


def retrying(connect: Callable[[], T], attempts: int = 30) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return connect()
        except Exception as exc:
            if attempt == attempts:
                raise
            print(f"migrate: database not ready ({exc}); retrying", file=sys.stderr)
            time.sleep(1)
    raise AssertionError("unreachable")


def connect(url: str, attempts: int = 30):
    return retrying(lambda: get_backend(url), attempts)


def root_connection(s: dict, attempts: int = 30) -> pymysql.Connection:
    return retrying(
        lambda: pymysql.connect(
            host=s["host"], port=s["port"], user=s["root_user"], password=s["root_password"], autocommit=True
        ),
        attempts,
    )


def set_user(cur, user: str, password: str) -> None:
    cur.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
    cur.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))


def provision_users(root: pymysql.Connection, s: dict) -> None:
    """The database and both users with their passwords; the schema owner's grant."""
    with root.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{s['name']}`")
        set_user(cur, s["migrate_user"], s["migrate_password"])
        cur.execute(f"GRANT ALL PRIVILEGES ON `{s['name']}`.* TO %s@'%%'", (s["migrate_user"],))
        set_user(cur, s["user"], s["password"])


def app_tables(cur, name: str) -> list[str]:
    """The application's tables: every base table but yoyo's bookkeeping."""
    cur.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
        (name,),
    )
    tables = [row[0] for row in cur.fetchall()]
    return sorted(t for t in tables if not (t.startswith("_yoyo") or t == "yoyo_lock"))


def grant_app_tables(root: pymysql.Connection, s: dict) -> list[str]:
    """DML on each application table to DB_USER, then drop any wider grant it had."""
    with root.cursor() as cur:
        tables = app_tables(cur, s["name"])
        for table in tables:
            if not IDENTIFIER.fullmatch(table):
                raise ConfigError(f"table name {table!r} cannot be granted safely")
            cur.execute(f"GRANT {APP_PRIVILEGES} ON `{s['name']}`.`{table}` TO %s@'%%'", (s["user"],))
        cur.execute("SHOW GRANTS FOR %s@'%%'", (s["user"],))
        if any(f"ON `{s['name']}`.*" in row[0] for row in cur.fetchall()):
            cur.execute(f"REVOKE ALL PRIVILEGES ON `{s['name']}`.* FROM %s@'%%'", (s["user"],))
    return tables


def migrate(s: dict) -> tuple[int, int]:
    """Apply what is pending as the schema owner; (applied, known)."""
    backend = connect(database_url(s["migrate_user"], s["migrate_password"], s["host"], s["port"], s["name"]))
    migrations = read_migrations(str(MIGRATIONS))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return len(pending), len(migrations)


def main() -> int:
    s = settings()
    root = root_connection(s) if s["root_password"] else None
    if root is not None:
        provision_users(root, s)
    applied, known = migrate(s)
    print(f"migrate: {applied} applied, {known} known")
    if root is not None:
        tables = grant_app_tables(root, s)
        print(f"migrate: {s['user']} may read and write {len(tables)} tables, nothing else")
        root.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
