"""Gunicorn settings every service shares; each service's ``gunicorn.conf.py``
imports these and sets only what differs (worker class and counts)."""

from __future__ import annotations

import os
import shutil

from servicekit.settings import value

__all__ = [
    "accesslog",
    "bind",
    "child_exit",
    "control_socket_disable",
    "errorlog",
    "forwarded_allow_ips",
    "graceful_timeout",
    "keepalive",
    "logger_class",
    "loglevel",
    "on_starting",
    "timeout",
    "worker_tmp_dir",
]

# Workers write metrics here; /metrics aggregates them (servicekit.metrics).
# prometheus_client reads the variable itself, so it is put in the environment.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = value(os.environ, "PROMETHEUS_MULTIPROC_DIR")

bind = f"0.0.0.0:{value(os.environ, 'PORT')}"
# Nginx is the only client; it sends X-Forwarded-*, which ProxyFix trusts for one hop.
forwarded_allow_ips = "*"
# Heartbeat files in memory: the root filesystem is read-only in compose.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - private to the container
# gunicorn 27's control socket defaults to a path shared by every server.
control_socket_disable = True
timeout = value(os.environ, "GUNICORN_TIMEOUT")
graceful_timeout = value(os.environ, "GUNICORN_GRACEFUL_TIMEOUT")
# Longer than Nginx's upstream keepalive_timeout, so gunicorn never closes first.
keepalive = value(os.environ, "GUNICORN_KEEPALIVE")
accesslog = "-"
errorlog = "-"
loglevel = value(os.environ, "LOG_LEVEL").lower()
logger_class = "servicekit.gunicorn_logging.JsonLogger"


def on_starting(server):
    """Start every server with an empty metrics directory (stale files lie)."""
    path = value(os.environ, "PROMETHEUS_MULTIPROC_DIR")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the aggregate."""
    # Imported here, not at the top: prometheus_client picks its value store
    # when first imported, and must see PROMETHEUS_MULTIPROC_DIR by then.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
