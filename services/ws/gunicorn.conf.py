"""gunicorn for ws: one gevent-websocket worker per container; scale with replicas.

Each open socket is one greenlet (~22 KB); ``worker_connections`` caps the
sockets one worker holds (default 4000; Nginx holds two connections each).
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

worker_class = "ws.transport.RoomServiceWorker"
workers = 1
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "4000"))
# Long-lived sockets: never recycle a worker by request count.
max_requests = 0
