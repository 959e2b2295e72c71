"""gunicorn for db-api: gthread workers, one pooled connection per thread.

Chosen from measurements (stack-notes): gevent workers with a PooledDB of
PyMySQL connections stalled requests for seconds when more requests were in
flight than connections; gthread keeps p99 low because a worker never accepts
more concurrent requests than it has threads, and each thread owns at most
one connection (``DB_POOL_MAX`` defaults to ``GUNICORN_THREADS``).
Connection budget: replicas x workers x threads <= MariaDB max_connections.
"""

import os

from servicekit.gunicorn_conf import (  # noqa: F401 - gunicorn reads these names
    accesslog,
    bind,
    child_exit,
    control_socket_disable,
    errorlog,
    forwarded_allow_ips,
    graceful_timeout,
    keepalive,
    logger_class,
    loglevel,
    on_starting,
    timeout,
    worker_tmp_dir,
)

worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
max_requests = 10000
max_requests_jitter = 1000
