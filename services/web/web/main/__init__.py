"""The home page and the old addresses that moved."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from web.main import routes  # noqa: E402, F401 - the routes attach themselves to bp
