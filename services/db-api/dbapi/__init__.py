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


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(public.bp)
    app.register_blueprint(internal.bp)


def create_app(overrides: dict | None = None) -> Flask:
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
    init_db(app)
    init_passwords(app)
    # Redis's memory against its maxmemory: one service exports it, db-api.
    add_collector(app, RedisMemoryCollector(app.extensions["redis"], service_name(app)))
    init_files(app)
    init_errors(app)
    init_ratelimit(app)
    register_blueprints(app)
    return app
