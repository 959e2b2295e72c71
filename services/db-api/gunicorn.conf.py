"""gunicorn for db-api: gthread workers, one pooled connection per thread.

Why (docs/design.md, "db-api on gthread workers"): gevent workers with a
PooledDB of PyMySQL connections stalled requests for seconds when more
requests were in flight than connections; gthread keeps p99 low because a worker never accepts
more concurrent requests than it has threads, and each thread owns at most
one connection (``DB_POOL_MAX`` defaults to ``API_THREADS``).
Connection budget: API_REPLICAS x API_WORKERS x DB_POOL_MAX <= MariaDB max_connections.
"""

import os

# Shared settings and hooks (bind, JSON logs, metrics directory, ...); gunicorn
# reads every module-level name, so all of them are taken.
from servicekit.gunicorn_conf import *  # noqa: F403
from servicekit.settings import value

# gthread, closing its listening socket as soon as it is told to stop.
worker_class = "servicekit.gthread_worker.DrainingThreadWorker"
workers = value(os.environ, "API_WORKERS")
threads = value(os.environ, "API_THREADS")
# Recycle workers now and then (leaks), not every few seconds under load.
max_requests = 100000
max_requests_jitter = 10000
