"""gunicorn for db-api: gthread workers, one pooled connection per thread.

Why (docs/design.md, "db-api on gthread workers"): gevent workers with a
PooledDB of PyMySQL connections stalled requests for seconds when more
requests were in flight than connections; gthread keeps p99 low because a worker never accepts
more concurrent requests than it has threads, and each thread owns at most
one connection (``DB_POOL_MAX`` defaults to ``GUNICORN_THREADS``).
Connection budget: replicas x workers x threads <= MariaDB max_connections.
"""

import os

# Shared settings and hooks (bind, JSON logs, metrics directory, ...); gunicorn
# reads every module-level name, so all of them are taken.
from servicekit.gunicorn_conf import *  # noqa: F403

worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Recycle workers now and then (leaks), not every few seconds under load.
max_requests = 100000
max_requests_jitter = 10000
