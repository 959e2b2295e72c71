"""web: the HTML pages, behind Nginx at every path not claimed by /api or /ws."""

from flask import Flask, render_template

from servicekit.app import init_service
from servicekit.errors import register_error_handlers

from web.config import WebConfig


def render_error(status: int, code: str, message: str, fields: dict | None = None):
    return render_template("errors/error.html", status=status, code=code, message=message), status


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    init_service(app, service="web", config_mixin=WebConfig, overrides=overrides)
    register_error_handlers(app, render_error)
    return app
