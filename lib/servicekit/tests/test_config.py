import pytest

from servicekit.config import DEFAULT_SECRET_KEY, ConfigError, config_for


class Mixin:
    def __init__(self, environ):
        super().__init__(environ)
        self.EXTRA = environ.get("EXTRA", "x")


def test_each_app_env_picks_its_class():
    assert config_for(Mixin, {"APP_ENV": "development"}).DEBUG is True
    assert config_for(Mixin, {"APP_ENV": "testing"}).TESTING is True
    assert config_for(Mixin, {"APP_ENV": "testing", "EXTRA": "y"}).EXTRA == "y"


def test_unknown_app_env_is_named():
    with pytest.raises(ConfigError, match="APP_ENV"):
        config_for(Mixin, {"APP_ENV": "staging"})


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_default_or_short_secret_key(secret):
    environ = {"APP_ENV": "production", "SERVICE_TOKEN": "t" * 40}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config_for(Mixin, environ)


def test_production_refuses_default_service_token():
    with pytest.raises(ConfigError, match="SERVICE_TOKEN"):
        config_for(Mixin, {"APP_ENV": "production", "SECRET_KEY": "s" * 40})


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "SERVICE_TOKEN": "t" * 40,
    "REDIS_PASSWORD": "r",
}


def test_production_accepts_real_secrets():
    config = config_for(Mixin, PRODUCTION)
    assert config.SESSION_REFRESH_EACH_REQUEST is False
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_bad_numbers_name_the_setting():
    with pytest.raises(ConfigError, match="HTTP_PORT"):
        config_for(Mixin, {"APP_ENV": "testing", "HTTP_PORT": "eighty"})


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
    config = config_for(Mixin, environ)
    assert config.SECRET_KEY == "f" * 40
    assert config.REDIS_PASSWORD == "r" * 64


def test_production_refuses_an_unauthenticated_redis():
    environ = {**PRODUCTION, "REDIS_PASSWORD": ""}
    with pytest.raises(ConfigError, match="REDIS_PASSWORD"):
        config_for(Mixin, environ)
    environ["REDIS_URL"] = "redis://:in-the-url@redis:6379/0"
    assert config_for(Mixin, environ).REDIS_PASSWORD == ""


def test_session_lifetimes_default_to_a_week_idle_and_a_month_in_all():
    config = config_for(Mixin, {"APP_ENV": "testing"})
    assert config.SESSION_IDLE_TIMEOUT_SECONDS == 7 * 24 * 3600
    assert config.SESSION_ABSOLUTE_TIMEOUT_SECONDS == 30 * 24 * 3600
    assert config.PERMANENT_SESSION_LIFETIME.total_seconds() == 7 * 24 * 3600


def test_unreadable_secret_file_is_named(tmp_path):
    environ = {"APP_ENV": "testing", "SECRET_KEY_FILE": str(tmp_path / "missing")}
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        config_for(Mixin, environ)
