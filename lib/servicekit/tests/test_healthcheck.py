"""servicekit.healthcheck against a real HTTP server whose /ready can fail."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicekit.healthcheck import check


class Service(BaseHTTPRequestHandler):
    ready = True

    def do_GET(self):
        ok = self.path == "/health" or (self.path == "/ready" and Service.ready)
        self.send_response(200 if ok else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Service.ready = True
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def environ(service, tmp_path):
    return {
        "STARTUP_CHECK_URL": f"{service}/ready",
        "HEALTHCHECK_URL": f"{service}/health",
        "HEALTHCHECK_MARKER": str(tmp_path / "started"),
    }


def test_unhealthy_until_ready_once(environ):
    Service.ready = False
    assert not check(environ)
    Service.ready = True
    assert check(environ)


def test_once_started_a_dependency_outage_is_no_failure(environ):
    assert check(environ)
    Service.ready = False
    assert check(environ)


def test_once_started_a_dead_process_is_a_failure(environ, service):
    assert check(environ)
    environ["HEALTHCHECK_URL"] = service.rsplit(":", 1)[0] + ":1/health"
    assert not check(environ)


def test_without_a_startup_url_it_is_plain_liveness(environ):
    del environ["STARTUP_CHECK_URL"]
    Service.ready = False
    assert check(environ)
