"""db-api: the JSON API over MariaDB, behind Nginx at ``/api/``."""

from flask import Flask

from dbapi import internal, public
from dbapi.config import DbApiConfig
from dbapi.db import check_db, init_db, pool_details
from dbapi.errors import init_errors
from dbapi.files import init_files
from dbapi.passwords import init_passwords
from servicekit.app import init_service
from servicekit.metrics import RedisMemoryCollector, add_collector, service_name
from servicekit.ratelimit import init_ratelimit


def create_app(overrides: dict | None = None) -> Flask:
    """servicekit's shared parts, then db-api's own; the same four steps as web and ws."""
    app = Flask(__name__)
    init_service(
        app,
        service="db-api",
        config_mixin=DbApiConfig,
        path_prefix="/api",
        checks={"mysql": check_db},
        ready_details=pool_details,
        overrides=overrides,
    )
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    """The pool, password hashing, Redis's memory gauge (one service exports
    it, db-api), file transfer slots, rate limits in Redis."""
    init_db(app)
    init_passwords(app)
    add_collector(app, RedisMemoryCollector(app.extensions["redis"], service_name(app)))
    init_files(app)
    init_ratelimit(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(public.bp)
    app.register_blueprint(internal.bp)


def register_errorhandlers(app: Flask) -> None:
    """JSON errors, plus the pool's and the database's own."""
    init_errors(app)
