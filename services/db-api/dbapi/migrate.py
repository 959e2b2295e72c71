"""Apply the forward-only schema migrations in ``migrations/`` (yoyo).

Run once per deploy, before db-api starts (the ``migrate`` compose service,
the Kubernetes Job). yoyo records what it applied and holds a lock while it
runs, so two concurrent runs never apply a migration twice. It waits for
MariaDB to accept connections first, so it can start alongside it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

from yoyo import get_backend, read_migrations

from servicekit.settings import value

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def database_url(environ=os.environ) -> str:
    user = quote(value(environ, "DB_USER"), safe="")
    password = quote(value(environ, "DB_PASSWORD"), safe="")
    host, port, name = (value(environ, name) for name in ("DB_HOST", "DB_PORT", "DB_NAME"))
    return f"mysql://{user}:{password}@{host}:{port}/{name}?charset=utf8mb4"


def connect(url: str, attempts: int = 30):
    for attempt in range(1, attempts + 1):
        try:
            return get_backend(url)
        except Exception as exc:
            if attempt == attempts:
                raise
            print(f"migrate: database not ready ({exc}); retrying", file=sys.stderr)
            time.sleep(1)
    raise AssertionError("unreachable")


def main() -> int:
    backend = connect(database_url())
    migrations = read_migrations(str(MIGRATIONS))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    print(f"migrate: {len(pending)} applied, {len(migrations)} known")
    return 0


if __name__ == "__main__":
    sys.exit(main())
