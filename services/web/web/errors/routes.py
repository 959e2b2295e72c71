"""Pages Nginx fetches when it answers an error itself, so they look like Flask's own."""

from web.errors import bp
from web.errors.handlers import render_error


@bp.get("/413")
def payload_too_large():
    return render_error(413, "payload_too_large", "The request body is too large.")
