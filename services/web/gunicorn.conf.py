"""gunicorn for web: gevent workers.

A page waits mostly on Redis and db-api, so cooperative greenlets serve many
in flight per worker at little memory (docs/design.md, "web on gevent
workers": gevent x2 ~7.8k req/s for a hello page against ~5.9k for gthread
2x8 in the stack evaluation).
"""

import os

# Shared settings and hooks (bind, JSON logs, metrics directory, ...); gunicorn
# reads every module-level name, so all of them are taken.
from servicekit.gunicorn_conf import *  # noqa: F403
from servicekit.settings import value

worker_class = "gevent"
workers = value(os.environ, "WEB_WORKERS")
worker_connections = value(os.environ, "WEB_WORKER_CONNECTIONS")
# Recycle workers now and then (leaks), not every few seconds under load.
max_requests = 100000
max_requests_jitter = 10000
