"""ws knows its site from the one setting that names it: default origins, trusted hosts."""

from werkzeug.test import EnvironBuilder

from servicekit.config import config_for
from ws import create_app
from ws.config import WsConfig
from ws.handshake import make_check


def origins(**environ) -> frozenset[str]:
    return config_for(WsConfig, {"APP_ENV": "testing", **environ}, service="ws").ALLOWED_ORIGINS


def test_the_site_hosts_on_the_http_port_by_default():
    assert origins(HTTP_PORT="8080") == {"http://127.0.0.1:8080", "http://localhost:8080"}
    assert origins(SITE_HOSTS="chat.example.com", HTTP_PORT="80") == {"http://chat.example.com"}


def test_over_https_the_site_hosts_on_the_https_port():
    secure = {"SESSION_COOKIE_SECURE": "true", "SITE_HOSTS": "chat.example.com,localhost"}
    assert origins(**secure, HTTPS_PORT="8443") == {
        "https://chat.example.com:8443",
        "https://localhost:8443",
    }
    assert origins(**secure, HTTPS_PORT="443") == {"https://chat.example.com", "https://localhost"}


def test_allowed_origins_overrides_the_default():
    assert origins(ALLOWED_ORIGINS=" https://a.example , https://b.example ") == {
        "https://a.example",
        "https://b.example",
    }


def test_a_handshake_naming_another_host_is_refused_before_anything_else(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")
    app = create_app({"REDIS_URL": "redis://127.0.0.1:9/0", "DB_API_URL": "http://127.0.0.1:9"})
    check = make_check(app)

    def environ(host: str) -> dict:
        headers = {"Host": host, "Upgrade": "websocket", "Connection": "Upgrade"}
        return EnvironBuilder(path="/ws/rooms/general", headers=headers).get_environ()

    refusal = check(environ("evil.example"))
    assert (refusal.status, refusal.code) == (400, "bad_request")
    assert check(environ("localhost:8080")).status == 401, "a known host goes on to the login check"
