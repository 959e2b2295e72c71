import pytest

from servicekit.config import ConfigError, config_for
from servicekit.settings import DEFAULT_SECRET_KEY


class Mixin:
    def __init__(self, environ):
        super().__init__(environ)
        self.DERIVED = self.ROOM_HISTORY * 2


def config(environ, service="web"):
    return config_for(Mixin, environ, service=service)


def test_each_app_env_picks_its_class():
    assert config({"APP_ENV": "development"}).DEBUG is True
    assert config({"APP_ENV": "testing"}).TESTING is True


def test_a_service_gets_the_registry_settings_it_reads_and_no_others():
    web = config({"APP_ENV": "testing", "ROOM_HISTORY": "7"})
    assert web.ROOM_HISTORY == 7 and web.DERIVED == 14
    assert web.RATELIMIT_LOGIN == "10/minute" and web.LOG_LEVEL == "INFO"
    assert not hasattr(web, "WS_SEND_QUEUE_SIZE")  # ws's own
    ws = config_for(type("Plain", (), {}), {"APP_ENV": "testing"}, service="ws")
    assert ws.WS_SEND_QUEUE_SIZE == 256 and not hasattr(ws, "ROOM_HISTORY")


def test_unknown_app_env_is_named():
    with pytest.raises(ConfigError, match="APP_ENV"):
        config({"APP_ENV": "staging"})


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_default_or_short_secret_key(secret):
    environ = {"APP_ENV": "production", "SERVICE_TOKEN": "t" * 40}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config(environ)


def test_production_refuses_default_service_token():
    with pytest.raises(ConfigError, match="SERVICE_TOKEN"):
        config({"APP_ENV": "production", "SECRET_KEY": "s" * 40})


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "SERVICE_TOKEN": "t" * 40,
    "REDIS_PASSWORD": "r",
}


def test_production_accepts_real_secrets():
    production = config(PRODUCTION)
    assert production.SESSION_REFRESH_EACH_REQUEST is False
    assert production.SESSION_COOKIE_HTTPONLY is True
    assert production.SESSION_COOKIE_SAMESITE == "Lax"


def test_bad_values_name_the_setting():
    with pytest.raises(ConfigError, match="ROOM_HISTORY must be a whole number of at least 1, not 'many'"):
        config({"APP_ENV": "testing", "ROOM_HISTORY": "many"})


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("f" * 40 + "\n")
    redis_password = tmp_path / "redis_password"
    redis_password.write_text("r" * 64 + "\n")
    environ = {
        "APP_ENV": "production",
        "SECRET_KEY_FILE": str(secret),
        "SERVICE_TOKEN": "t" * 40,
        "REDIS_PASSWORD_FILE": str(redis_password),
    }
    production = config(environ)
    assert production.SECRET_KEY == "f" * 40
    assert production.REDIS_PASSWORD == "r" * 64


def test_production_refuses_an_unauthenticated_redis():
    environ = {**PRODUCTION, "REDIS_PASSWORD": ""}
    with pytest.raises(ConfigError, match="REDIS_PASSWORD"):
        config(environ)
    environ["REDIS_URL"] = "redis://:in-the-url@redis:6379/0"
    assert config(environ).REDIS_PASSWORD == ""


def test_session_lifetimes_default_to_a_week_idle_and_a_month_in_all():
    testing = config({"APP_ENV": "testing"})
    assert testing.SESSION_IDLE_TIMEOUT_SECONDS == 7 * 24 * 3600
    assert testing.SESSION_ABSOLUTE_TIMEOUT_SECONDS == 30 * 24 * 3600
    assert testing.PERMANENT_SESSION_LIFETIME.total_seconds() == 7 * 24 * 3600


def test_unreadable_secret_file_is_named(tmp_path):
    environ = {"APP_ENV": "testing", "SECRET_KEY_FILE": str(tmp_path / "missing")}
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        config(environ)
