"""ws: WebSocket messaging, behind Nginx at ``/ws/``.

This package file imports nothing at module level: gunicorn's master imports
the worker class (:mod:`ws.transport`) before gevent monkey-patches, and
importing Flask (hence ``ssl``) there would break the patching. The app is
built in :mod:`ws.app`.
"""

# The ``service`` of its logs and metrics.
SERVICE = "ws"


def create_app(overrides: dict | None = None):
    from ws.app import create_app as build

    return build(overrides)
