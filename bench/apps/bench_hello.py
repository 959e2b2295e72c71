"""The bare Flask peer of the web pages: one route, no session, no template.

Served by the web image's own gunicorn settings (``/app/gunicorn.conf.py``:
gevent workers, JSON access log), so the room page divided by this is what
the application adds on top of gunicorn and Flask themselves.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def hello(path: str):
    return "Hello, World!"
