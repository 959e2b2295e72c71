"""Config objects per ``APP_ENV``, read from the environment.

A service defines a mixin with its own settings; :func:`config_for` combines
it with the environment's class, so ``ProductionConfig`` rules (no default
secrets) apply to every service without being written three times.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

# Placeholders for development; ProductionConfig refuses them.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105
DEFAULT_SERVICE_TOKEN = "dev-insecure-service-token"  # noqa: S105
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names it."""


def env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {value!r}") from None


def env_float(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None


def env_str(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name)
    return default if value is None or value == "" else value


def env_list(environ: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    """A comma-separated setting, blanks dropped."""
    return tuple(item.strip() for item in env_str(environ, name, default).split(",") if item.strip())


def env_secret(environ: Mapping[str, str], name: str, default: str) -> str:
    """A secret from ``NAME``, or from the file ``NAME_FILE`` names (Docker
    and Kubernetes secrets are mounted as files)."""
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    return env_str(environ, name, default)


class Config:
    """Settings shared by every service. Subclasses pick the environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.SECRET_KEY = env_secret(environ, "SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SERVICE_TOKEN = env_secret(environ, "SERVICE_TOKEN", DEFAULT_SERVICE_TOKEN)
        self.REDIS_URL = env_str(environ, "REDIS_URL", "redis://redis:6379/0")
        # Redis's requirepass; a password in REDIS_URL wins over it.
        self.REDIS_PASSWORD = env_secret(environ, "REDIS_PASSWORD", "")
        # Redis calls fail fast: a dead Redis answers 503 in well under a second.
        self.REDIS_SOCKET_TIMEOUT = env_float(environ, "REDIS_SOCKET_TIMEOUT", 0.5)
        self.DB_API_URL = env_str(environ, "DB_API_URL", "http://db-api:8000")
        # Time budget for db-api per unit of work (a page, a handshake, a frame),
        # retries included (servicekit.internal_api states the policy).
        self.DB_API_TIMEOUT = env_float(environ, "DB_API_TIMEOUT", 2.0)
        # Registering and logging in hash a password, which may wait its turn
        # (db-api's PASSWORD_HASH_WAIT): those calls may take longer.
        self.DB_API_AUTH_TIMEOUT = env_float(environ, "DB_API_AUTH_TIMEOUT", 10.0)
        self.LOG_LEVEL = env_str(environ, "LOG_LEVEL", "INFO")
        self.HTTP_PORT = env_int(environ, "HTTP_PORT", 8080)

        # The names the site answers to (Nginx's server_name says the same):
        # any other Host is refused before it can reach a redirect. Also
        # trusted: the names used inside the network, db-api's (DB_API_URL)
        # and Nginx's own (clients on its network call http://nginx:8080).
        self.SITE_HOSTS = env_list(environ, "SITE_HOSTS", "127.0.0.1,localhost")
        self.TRUSTED_HOSTS = [*self.SITE_HOSTS, urlsplit(self.DB_API_URL).hostname or "db-api", "nginx"]

        # Request bodies (servicekit.bodies): small everywhere, large only
        # where a view accepts uploads. Nginx enforces the same numbers.
        self.MAX_BODY_BYTES = env_int(environ, "MAX_BODY_BYTES", 64 * 1024)
        self.MAX_CONTENT_LENGTH = env_int(environ, "MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
        # Multipart forms: ours have at most five parts; a text part is held
        # in memory up to this (at least Werkzeug's 64 KiB read chunk, which
        # it also bounds); file parts are spooled, not held.
        self.MAX_FORM_PARTS = 32
        self.MAX_FORM_MEMORY_SIZE = 256 * 1024

        # The one login shared by web, db-api and ws (docs/api.md, "Conventions").
        # Every service must agree on these, so they are defined only here.
        self.SESSION_COOKIE_NAME = env_str(environ, "SESSION_COOKIE_NAME", "session")
        self.SESSION_COOKIE_SECURE = env_bool(environ, "SESSION_COOKIE_SECURE", False)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_KEY_PREFIX = env_str(environ, "SESSION_KEY_PREFIX", "session:")
        self.SESSION_REFRESH_EACH_REQUEST = False
        # A login ends after this long without a request, and this long after it began.
        self.SESSION_IDLE_TIMEOUT_SECONDS = env_int(environ, "SESSION_IDLE_TIMEOUT_SECONDS", 7 * 24 * 3600)
        self.SESSION_ABSOLUTE_TIMEOUT_SECONDS = env_int(
            environ, "SESSION_ABSOLUTE_TIMEOUT_SECONDS", 30 * 24 * 3600
        )
        # Live logins per account; a new login past it ends that account's oldest.
        self.SESSIONS_PER_USER = env_int(environ, "SESSIONS_PER_USER", 20)
        # How old an anonymous (signed cookie) session may be: its CSRF token with it.
        self.PERMANENT_SESSION_LIFETIME = timedelta(seconds=self.SESSION_IDLE_TIMEOUT_SECONDS)

        # Rate limits (Flask-Limiter syntax); tests and load runs raise or lower
        # them. Why these numbers: docs/security.md, "Resource budget".
        self.RATELIMIT_ENABLED = env_bool(environ, "RATELIMIT_ENABLED", True)
        self.RATELIMIT_LOGIN = env_str(environ, "RATELIMIT_LOGIN", "10/minute")
        self.RATELIMIT_LOGIN_FAILED = env_str(environ, "RATELIMIT_LOGIN_FAILED", "5/15minutes")
        self.RATELIMIT_LOGIN_ACCOUNT = env_str(environ, "RATELIMIT_LOGIN_ACCOUNT", "100/hour")
        self.RATELIMIT_REGISTER = env_str(environ, "RATELIMIT_REGISTER", "5/minute")
        self.RATELIMIT_MESSAGES = env_str(environ, "RATELIMIT_MESSAGES", "120/minute")
        self.RATELIMIT_ROOMS = env_str(environ, "RATELIMIT_ROOMS", "20/hour")
        self.RATELIMIT_UPLOADS = env_str(environ, "RATELIMIT_UPLOADS", "30/hour")

    def check(self) -> None:
        """Refuse settings that must never reach this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True


class ProductionConfig(Config):
    ENV_NAME = "production"

    def check(self) -> None:
        for name, default in (
            ("SECRET_KEY", DEFAULT_SECRET_KEY),
            ("SERVICE_TOKEN", DEFAULT_SERVICE_TOKEN),
        ):
            value = getattr(self, name)
            if value == default or len(value) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    f"{name} is the default or shorter than {MIN_SECRET_LENGTH} "
                    f"characters; production refuses to start with it"
                )
        if not self.REDIS_PASSWORD and urlsplit(self.REDIS_URL).password is None:
            raise ConfigError(
                "REDIS_PASSWORD is not set (nor a password in REDIS_URL); production refuses "
                "an unauthenticated Redis"
            )


CONFIGS = {cls.ENV_NAME: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def config_for(service_mixin: type, environ: Mapping[str, str] = os.environ) -> Config:
    """Build the config object for ``APP_ENV`` with the service's own settings."""
    app_env = environ.get("APP_ENV", "production")
    try:
        base = CONFIGS[app_env]
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {app_env!r}") from None
    cls = type(f"{base.__name__}With{service_mixin.__name__}", (service_mixin, base), {})
    config = cls(environ)
    config.check()
    return config
