"""The part of every ``create_app()`` that is the same in all three services."""

from __future__ import annotations

from flask import Flask
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from servicekit.bodies import init_body_limits
from servicekit.config import config_for
from servicekit.health import Check, health_blueprint, health_paths
from servicekit.hosts import init_hosts
from servicekit.jsonprovider import init_json
from servicekit.logs import init_logging
from servicekit.metrics import init_metrics
from servicekit.redis_client import check_redis, init_redis
from servicekit.sessions import init_sessions


def init_service(
    app: Flask,
    *,
    service: str,
    config_mixin: type,
    path_prefix: str = "",
    checks: dict[str, Check] | None = None,
    ready_details=None,
    overrides: dict | None = None,
) -> None:
    """Settings, ProxyFix, host and body limits, the JSON encoder, JSON logs,
    Redis, the shared session, health routes.

    ``path_prefix`` is where the service lives behind Nginx (``/api``, ``/ws``),
    since Nginx passes paths through unchanged.
    """
    app.config.from_object(config_for(config_mixin, service=service))
    if overrides:
        app.config.update(overrides)
    # First of all hooks: no body is read and no URL built before these hold.
    init_hosts(app, health_paths(path_prefix))
    init_body_limits(app)
    # Exactly one proxy (Nginx) sits in front: trust one hop of X-Forwarded-*.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    if app.debug:
        # Tracebacks in the browser, in development only (never evalex).
        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=False)
    init_json(app)
    init_logging(app, service)
    init_metrics(app, service)
    redis_client = init_redis(app)
    init_sessions(app, redis_client, health_paths(path_prefix))
    all_checks = {"redis": check_redis, **(checks or {})}
    app.register_blueprint(health_blueprint(service, path_prefix, all_checks, ready_details))
