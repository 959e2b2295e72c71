"""Sharing files in a room: upload through db-api, download as an attachment."""

from flask import Blueprint

bp = Blueprint("files", __name__)

from web.files import routes  # noqa: E402, F401 - the routes attach themselves to bp
