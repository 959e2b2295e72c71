"""Extension objects, created unbound here and initialised in :func:`web.create_app`."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
