"""web: the HTML pages, behind Nginx at every path not claimed by /api or /ws."""

from flask import Flask

from servicekit.app import init_service
from servicekit.internal_api import init_db_api
from servicekit.ratelimit import init_ratelimit
from web import auth, errors, files, hooks, main, rooms, templating
from web.config import WebConfig
from web.extensions import csrf


def create_app(overrides: dict | None = None) -> Flask:
    """servicekit's shared parts, then web's own; the same four steps as ws and db-api."""
    app = Flask(__name__)
    init_service(app, service="web", config_mixin=WebConfig, overrides=overrides)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    """db-api client, rate limits in Redis, CSRF on every POST, the template
    helpers, and last the request hooks (the current user, security headers)."""
    init_db_api(app)
    init_ratelimit(app)
    csrf.init_app(app)
    templating.register(app)
    hooks.register(app)


def register_blueprints(app: Flask) -> None:
    """The site's sections, each a tiny package with its routes and forms."""
    for blueprint in (main.bp, auth.bp, rooms.bp, files.bp, errors.bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Every error is a page in the site's layout, never a traceback."""
    errors.register(app)
