"""gunicorn for web: gevent workers.

A page waits mostly on Redis and db-api, so cooperative greenlets serve many
in flight per worker at little memory (measured: gevent x2 ~7.8k req/s for a
hello page against ~5.9k for gthread 2x8).
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

worker_class = "gevent"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
max_requests = 10000
max_requests_jitter = 1000
