"""ws's Flask app: shared service parts, the handshake check, the room socket."""

from flask import Flask

from servicekit.app import init_service
from servicekit.errors import register_error_handlers, render_json_error
from servicekit.internal_api import init_db_api
from ws import SERVICE, views
from ws.config import WsConfig
from ws.handshake import make_check
from ws.hub import current_hub, init_hub
from ws.transport import install_handshake_check


def create_app(overrides: dict | None = None) -> Flask:
    """servicekit's shared parts, then ws's own; the same four steps as web and db-api."""
    app = Flask(__name__)
    init_service(
        app,
        service=SERVICE,
        config_mixin=WsConfig,
        path_prefix="/ws",
        ready_details=lambda: current_hub().status(),
        overrides=overrides,
    )
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    """db-api client, the hub (sockets, fan-out, presence), and the check
    every upgrade passes before its 101."""
    init_db_api(app)
    init_hub(app)
    install_handshake_check(app, make_check(app), app.config["WS_HANDSHAKE_TIMEOUT"])


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(views.bp)


def register_errorhandlers(app: Flask) -> None:
    """The API's JSON error shape, also for a refused handshake."""
    register_error_handlers(app, render_json_error)
