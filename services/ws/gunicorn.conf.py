"""gunicorn for ws: one gevent-websocket worker per container; scale with replicas.

One worker, because every socket of a room must be reachable from one
process's registry and Redis pub/sub already spans replicas: more sockets
means more containers (``--scale ws=N``), not more workers.

* ``worker_connections`` (``WS_WORKER_CONNECTIONS``) caps the sockets (and
  plain requests) one worker holds at once: each idle socket is one reader
  greenlet, its Flask request context and its connection object (a writer
  greenlet only while it backs up; ``make bench`` P9 has the memory per
  socket); beyond the cap new connections wait in the listen backlog.
  Default 4000; Nginx holds two file descriptors per socket (docs/scaling.md,
  "Connection budget").
* ``max_requests = 0``: sockets live for hours; recycling a worker by request
  count would cut them all.
* ``graceful_timeout``: on SIGTERM the worker (:class:`ws.transport.RoomServiceWorker`)
  first closes every socket with 1001 ("going away"), then waits up to this
  long for the close handshakes before gunicorn kills what is left.
* ``timeout`` is only a heartbeat under gevent: idle sockets survive it.
"""

import os

# Shared settings and hooks (bind, JSON logs, metrics directory, ...); gunicorn
# reads every module-level name, so all of them are taken.
from servicekit.gunicorn_conf import *  # noqa: F403
from servicekit.settings import value

worker_class = "ws.transport.RoomServiceWorker"
workers = 1
worker_connections = value(os.environ, "WS_WORKER_CONNECTIONS")
max_requests = 0
