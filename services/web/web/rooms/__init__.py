"""The list of rooms, creating one, and a room's page with its live chat."""

from flask import Blueprint

bp = Blueprint("rooms", __name__, url_prefix="/rooms")

from web.rooms import routes  # noqa: E402, F401 - the routes attach themselves to bp
