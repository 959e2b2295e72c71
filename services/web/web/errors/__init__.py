"""Error pages: one template in the site's layout for every status."""

from flask import Blueprint

bp = Blueprint("errors", __name__, url_prefix="/_errors")

from web.errors import routes  # noqa: E402, F401 - the routes attach themselves to bp
from web.errors.handlers import register  # noqa: E402, F401 - used by create_app
