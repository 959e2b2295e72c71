"""Config objects per ``APP_ENV``, read from the environment through the settings registry.

Every setting the registry (:mod:`servicekit.settings`) says a service reads
becomes an attribute of that service's config object, parsed and defaulted
there, so a name, its default and its parser exist once. A service's mixin
adds only what is derived from them; :func:`config_for` combines it with the
environment's class, so ``ProductionConfig`` rules (no default secrets) apply
to every service without being written three times.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

from servicekit import settings
from servicekit.settings import ConfigError

__all__ = ["CONFIGS", "Config", "ConfigError", "config_for"]


class Config:
    """Settings shared by every service. Subclasses pick the environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    #: Set by :func:`config_for`: whose settings to read.
    SERVICE = ""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        for setting in settings.app_settings(self.SERVICE):
            setattr(self, setting.name, settings.value(environ, setting.name))

        # The names the site answers to (SITE_HOSTS, as Nginx's server_name) and
        # the names used inside the network: db-api's (DB_API_URL) and Nginx's
        # own (clients on its network call http://nginx:8080). Any other Host
        # is refused before it can reach a redirect.
        db_api_host = urlsplit(settings.value(environ, "DB_API_URL")).hostname or "db-api"
        self.TRUSTED_HOSTS = [*self.SITE_HOSTS, db_api_host, "nginx"]

        # Multipart forms: ours have at most five parts; a text part is held
        # in memory up to this (at least Werkzeug's 64 KiB read chunk, which
        # it also bounds); file parts are spooled, not held.
        self.MAX_FORM_PARTS = 32
        self.MAX_FORM_MEMORY_SIZE = 256 * 1024

        # The one login shared by web, db-api and ws (docs/api.md, "Conventions"):
        # every service must agree on these, so they are defined only here.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_REFRESH_EACH_REQUEST = False
        # How old an anonymous (signed cookie) session may be: its CSRF token with it.
        self.PERMANENT_SESSION_LIFETIME = timedelta(seconds=self.SESSION_IDLE_TIMEOUT_SECONDS)

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
        for name in ("SECRET_KEY", "SERVICE_TOKEN"):
            problem = settings.production_problem(name, getattr(self, name))
            if problem:
                raise ConfigError(problem)
        if not self.REDIS_PASSWORD and urlsplit(self.REDIS_URL).password is None:
            raise ConfigError(
                "REDIS_PASSWORD is not set (nor a password in REDIS_URL); production refuses "
                "an unauthenticated Redis"
            )


CONFIGS = {cls.ENV_NAME: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def config_for(service_mixin: type, environ: Mapping[str, str] = os.environ, *, service: str) -> Config:
    """Build ``service``'s config object for ``APP_ENV``, with its mixin's derived settings."""
    base = CONFIGS[settings.value(environ, "APP_ENV")]
    cls = type(f"{base.__name__}With{service_mixin.__name__}", (service_mixin, base), {"SERVICE": service})
    config = cls(environ)
    config.check()
    return config
