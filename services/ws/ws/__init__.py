"""ws: WebSocket messaging, behind Nginx at ``/ws/``."""

from flask import Flask, jsonify

from servicekit.app import init_service
from servicekit.errors import register_error_handlers

from ws.config import WsConfig


def render_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    init_service(app, service="ws", config_mixin=WsConfig, path_prefix="/ws", overrides=overrides)
    register_error_handlers(app, render_error)
    return app
