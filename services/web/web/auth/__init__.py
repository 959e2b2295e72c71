"""Register, log in, log out."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from web.auth import routes  # noqa: E402, F401 - the routes attach themselves to bp
