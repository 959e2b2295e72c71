"""gunicorn's logs as the same JSON lines as the application's.

The access line is written by gunicorn after the response is sent, so it
also covers WebSocket upgrades and requests Flask never saw.
"""

from __future__ import annotations

import os

import structlog
from gunicorn import glogging

from servicekit.logformat import configure_logging
from servicekit.settings import value


class JsonLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        configure_logging(value(os.environ, "SERVICE_NAME"), cfg.loglevel)
        self._access = structlog.get_logger("access")

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        self._access.info(
            "request",
            request_id=environ.get("HTTP_X_REQUEST_ID", "-"),
            method=environ.get("REQUEST_METHOD"),
            path=environ.get("PATH_INFO"),
            route=environ.get("roomservice.route"),
            user_id=environ.get("roomservice.user_id"),
            status=int(status) if str(status).isdigit() else status,
            duration_ms=round(request_time.total_seconds() * 1000, 2),
            bytes=getattr(resp, "sent", None),
            remote=environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
            user_agent=environ.get("HTTP_USER_AGENT"),
        )
