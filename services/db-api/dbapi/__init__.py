"""db-api: the JSON API over MariaDB, behind Nginx at ``/api/``."""

from flask import Flask, jsonify

from servicekit.app import init_service
from servicekit.errors import register_error_handlers

from dbapi.config import DbApiConfig


def render_error(status: int, code: str, message: str, fields: dict | None = None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify(error=error)
    response.status_code = status
    return response


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    init_service(
        app, service="db-api", config_mixin=DbApiConfig, path_prefix="/api", overrides=overrides
    )
    register_error_handlers(app, render_error)
    return app
