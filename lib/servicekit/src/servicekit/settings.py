"""Every setting roomservice reads, listed once: name, default, parser, meaning, readers.

The services' config objects and gunicorn files read through :func:`value`;
``scripts/check-env`` validates ``.env`` with the same parsers before
``make up``; ``scripts/settings`` writes ``.env.example``, the README's table
and Kubernetes' ``config.env`` from this list; ``tests/settings`` fails when
compose, an Nginx template or the code names a setting that is not here, or
one of these is not passed where it is read. Adding a setting is one
:class:`Setting` below plus its line in compose.

Pure Python without dependencies: the host's ``python3`` imports it without
the services' packages (``scripts/check-env``, ``scripts/settings``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# Development placeholders; production refuses them (and anything short).
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105
DEFAULT_SERVICE_TOKEN = "dev-insecure-service-token"  # noqa: S105
MIN_SECRET_LENGTH = 32

# Who reads a setting. The Python services read it from their environment;
# the other containers get it from compose (nginx renders it into its
# templates, mysql as MARIADB_*); "compose" is interpolation in the compose
# files only (ports, limits, log rotation); "compose-cli" the docker compose
# command itself; "make" the Makefile; "swarm" deploy/swarm/stack.yml and
# scripts/stack-deploy (`make stack-deploy`).
APPS = ("web", "ws", "db-api")
PYTHON_SERVICES = (*APPS, "migrate")
LIMITED = ("web", "db-api")  # the services with Flask-Limiter limits (servicekit.ratelimit)
CLIENTS = ("web", "ws")  # db-api's clients (servicekit.internal_api)
CONTAINERS = ("nginx", "mysql", "redis", "prometheus", "locust")
READERS = (*PYTHON_SERVICES, *CONTAINERS, "alertmanager", "compose", "compose-cli", "make", "swarm")


class ConfigError(RuntimeError):
    """A setting is missing, malformed or unsafe; the message names it."""


@dataclass(frozen=True)
class Kind:
    """How a setting's text becomes a value: ``parse`` raises ValueError saying what it wants."""

    describe: str
    parse: Callable[[str], object]
    show: Callable[[object], str] = str


def _integer(low: int | None = None, high: int | None = None) -> Kind:
    def parse(text: str) -> int:
        number = int(text)  # ValueError for anything but an integer
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(text)
        return number

    span = f" from {low} to {high}" if high is not None else f" of at least {low}" if low is not None else ""
    return Kind(f"a whole number{span}", parse)


def _number(low: float = 0.0) -> Kind:
    def parse(text: str) -> float:
        number = float(text)
        if not number >= low:  # also refuses NaN
            raise ValueError(text)
        return number

    return Kind(f"a number of at least {low:g}", parse, lambda v: f"{v:g}")


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(text)


def _choice(*options: str, case: bool = True) -> Kind:
    def parse(text: str) -> str:
        found = text if case else text.upper()
        if found not in options:
            raise ValueError(text)
        return found

    return Kind("one of " + ", ".join(options), parse)


def _matching(pattern: str, describe: str) -> Kind:
    compiled = re.compile(pattern, re.IGNORECASE)

    def parse(text: str) -> str:
        if not compiled.fullmatch(text):
            raise ValueError(text)
        return text

    return Kind(describe, parse)


def _address(text: str) -> str:
    ipaddress.ip_address(text)
    return text


def _origins(text: str) -> frozenset[str]:
    origins = frozenset(part.strip().rstrip("/") for part in text.split(",") if part.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(origin)
    return origins


def _text(text: str) -> str:
    return text


def _hosts(text: str) -> tuple[str, ...]:
    hosts = tuple(part.strip() for part in text.split(",") if part.strip())
    if not hosts or not all(_HOST.fullmatch(host) for host in hosts):
        raise ValueError(text)
    return hosts


_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]+")

# Docker's and Redis's size units (512m, 1.5g, 384mb, 1000), as bytes.
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)([kmg]?)b?", re.IGNORECASE)


def size_in_bytes(text: str) -> int:
    """Bytes of a Docker or Redis size such as 512m, 1.5g, 384mb or 1000."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(text)
    number, unit = match.groups()
    return int(float(number) * 1024 ** "_kmg".index(unit.lower() or "_"))


# Flask-Limiter's notation (the `limits` library's grammar): "10/minute",
# "5 per 10 seconds", several joined by , ; or |.
_ONE_LIMIT = r"\s*[0-9]+\s*(?:/|\s*per\s*)\s*[0-9]*\s*(?:second|minute|hour|day|month|year)s?\s*"

BOOLEAN = Kind("true or false", _boolean, lambda v: "true" if v else "false")
INTEGER = _integer()
COUNT = _integer(1)
PORT = _integer(1, 65535)
BYTES = _integer(1)
SECONDS = _number(0.001)
RATE = _number(0.001)
TEXT = Kind("text", _text)
SECRET = Kind("a secret", _text)
ADDRESS = Kind("an IP address such as 127.0.0.1", _address)
ORIGINS = Kind(
    "comma-separated origins such as https://chat.example.com",
    _origins,
    lambda v: ",".join(sorted(v)),
)
RATE_LIMIT = _matching(
    rf"{_ONE_LIMIT}(?:[,;|]{_ONE_LIMIT})*", "a rate limit such as 10/minute or 100 per hour"
)
APP_ENV = _choice("development", "testing", "production")
LOG_LEVEL = _choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", case=False)
DURATION = _matching(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))+", "a duration such as 30s or 1m30s")
MEMORY = _matching(r"[0-9]+(?:\.[0-9]+)?[bkmg]?", "a size such as 512m or 1g")
CPUS = _number(0)
RESTART_POLICY = _matching(
    r"no|always|unless-stopped|on-failure(?::[0-9]+)?", "no, always, unless-stopped or on-failure"
)
PROJECT_NAME = _matching(r"[a-z0-9][a-z0-9_-]*", "lowercase letters, digits, - and _")
RETENTION = _matching(r"[0-9]+(?:ms|s|m|h|d|w|y)", "a duration such as 7d")
HOSTS = Kind("host names separated by commas", _hosts, ",".join)
# Redis's maxmemory units: whole numbers only.
REDIS_SIZE = _matching(r"[0-9]+(?:k|kb|m|mb|g|gb)?", "a size such as 384mb or 1gb")
# Nginx's limit_req rate: requests per second or per minute.
NGINX_RATE = _matching(r"[1-9][0-9]*r/[sm]", "a rate such as 10r/s or 30r/m")
URL = _matching(r"https?://[^\s/]+\S*", "an http:// or https:// URL")
# Werkzeug's generate_password_hash method with scrypt's N, r and p.
HASH_METHOD = _matching(r"scrypt:[0-9]+:[0-9]+:[0-9]+", "scrypt:N:r:p such as scrypt:16384:8:5")
IDENTIFIER = _matching(r"[A-Za-z0-9_]{1,64}", "letters, digits and underscores (at most 64)")
ENDPOINT_MODE = _choice("vip", "dnsrr")
PUBLISH_MODE = _choice("host", "ingress")


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    kind: Kind
    meaning: str
    read_by: tuple[str, ...]
    section: str
    #: A secret: generated by ``make up`` (value ``generate`` in .env.example),
    #: or read from the file ``NAME_FILE`` names.
    secret: bool = False
    #: A secret compose can also take as ``NAME_FILE`` (mounted as a compose
    #: secret); False when a container needs the value itself (Redis's
    #: ``--requirepass``), though the Python services still read ``NAME_FILE``.
    file_in_compose: bool = True
    #: Wiring between containers that compose (or the image) sets; documented, not for .env.
    internal: bool = False
    #: A default computed from other settings: ``default`` is then a function
    #: of the environment and this text is what the docs show.
    default_text: str | None = None

    def default_for(self, environ: Mapping[str, str]) -> object:
        return self.default(environ) if callable(self.default) else self.default

    def shown_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        return self.kind.show(self.default)

    def parse(self, text: str) -> object:
        try:
            return self.kind.parse(text)
        except ValueError:
            raise ConfigError(f"{self.name} must be {self.kind.describe}, not {text!r}") from None


def _site_hosts_default(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Where the site listens names it: a loopback or wildcard address is 127.0.0.1 and localhost."""
    bind = value(environ, "HTTP_BIND")
    return ("127.0.0.1", "localhost") if bind in ("127.0.0.1", "0.0.0.0", "::", "::1") else (bind,)


def _origins_default(environ: Mapping[str, str]) -> frozenset[str]:
    """The site's own origins: each of SITE_HOSTS on the port it is served on (HTTPS when the cookie is)."""
    if value(environ, "SESSION_COOKIE_SECURE"):
        scheme, port, default_port = "https", value(environ, "HTTPS_PORT"), 443
    else:
        scheme, port, default_port = "http", value(environ, "HTTP_PORT"), 80
    suffix = "" if port == default_port else f":{port}"
    return frozenset(f"{scheme}://{host}{suffix}" for host in value(environ, "SITE_HOSTS"))


def _pool_default(environ: Mapping[str, str]) -> int:
    return value(environ, "API_THREADS")


S_SECRETS = "Secrets (generated by make up)"
S_LISTEN = "Where the site listens"
S_BEHAVIOUR = "Behaviour"
S_BODIES = "Bodies and files"
S_SESSIONS = "Sessions and passwords"
S_LIMITS = "Rate limits"
S_NGINX = "Nginx limits per client address"
S_WS = "WebSockets"
S_DB = "Database"
S_TIMEOUTS = "Timeouts"
S_CAPACITY = "Capacity"
S_CONTAINERS = "Containers"
S_OBSERVABILITY = "Observability and load tests"
S_SWARM = "Docker Swarm (make stack-deploy)"
S_MODES = "Modes (written by make up)"
S_INTERNAL = "Internal"

SECTIONS = (
    S_SECRETS,
    S_LISTEN,
    S_BEHAVIOUR,
    S_BODIES,
    S_SESSIONS,
    S_LIMITS,
    S_NGINX,
    S_WS,
    S_DB,
    S_TIMEOUTS,
    S_CAPACITY,
    S_CONTAINERS,
    S_OBSERVABILITY,
    S_SWARM,
    S_MODES,
    S_INTERNAL,
)


def _limits(prefix: str, label: str, memory: str) -> list[Setting]:
    return [
        Setting(
            f"{prefix}_CPUS",
            0.0,
            CPUS,
            f"CPU limit of each {label} container (0: none)",
            ("compose",),
            S_CAPACITY,
        ),
        Setting(
            f"{prefix}_MEMORY",
            memory,
            MEMORY,
            f"memory limit of each {label} container",
            ("compose",),
            S_CAPACITY,
        ),
    ]


def _nginx_limits() -> list[Setting]:
    """Nginx's per-address rate, burst and open-request limits (deploy/nginx/site.conf.template)."""
    zones = (
        ("PAGES", "10r/s", 50, "page requests (not POSTs)"),
        ("FORMS", "30r/m", 20, "form posts to web"),
        ("API", "20r/s", 100, "/api/ requests"),
        ("WS", "1r/s", 20, "WebSocket handshakes"),
    )
    found = []
    for zone, rate, burst, what in zones:
        found += [
            Setting(
                f"NGINX_{zone}_RATE",
                rate,
                NGINX_RATE,
                f"{what} per client address, at Nginx",
                ("nginx",),
                S_NGINX,
            ),
            Setting(
                f"NGINX_{zone}_BURST",
                burst,
                COUNT,
                f"{what} per client address Nginx lets past NGINX_{zone}_RATE at once",
                ("nginx",),
                S_NGINX,
            ),
        ]
    found.append(
        Setting(
            "NGINX_CONN_PER_ADDRESS",
            50,
            COUNT,
            "requests open at once per client address (WebSockets, slow bodies)",
            ("nginx",),
            S_NGINX,
        )
    )
    return found


# fmt: off
_SETTINGS = [
    # name, default, kind, meaning, read by, section, flags
    Setting("SECRET_KEY", DEFAULT_SECRET_KEY, SECRET,
            "signs session cookies and CSRF tokens, the same in all three services; production refuses "
            f"the default or fewer than {MIN_SECRET_LENGTH} characters",
            APPS, S_SECRETS, secret=True, default_text="generated"),
    Setting("SERVICE_TOKEN", DEFAULT_SERVICE_TOKEN, SECRET,
            "authenticates web and ws to db-api's /api/internal/ routes; production rule as SECRET_KEY",
            APPS, S_SECRETS, secret=True, default_text="generated"),
    Setting("DB_PASSWORD", "", SECRET,
            "MariaDB password of db-api's user (rows only); migrate sets it at every deploy",
            ("db-api", "migrate"), S_SECRETS, secret=True, default_text="generated"),
    Setting("DB_MIGRATE_PASSWORD", "", SECRET,
            "MariaDB password of the schema owner the migrations run as; migrate sets it at every deploy",
            ("migrate",), S_SECRETS, secret=True, default_text="generated"),
    Setting("DB_ROOT_PASSWORD", "", SECRET,
            "MariaDB root password: migrate provisions both users with it, backup and restore use it; "
            "the volume keeps the one it was created with",
            ("migrate", "mysql"), S_SECRETS, secret=True, default_text="generated"),
    Setting("REDIS_PASSWORD", "", SECRET,
            "Redis's requirepass: every service, healthcheck and integration test authenticates with it; "
            "production refuses to start without it (unless REDIS_URL carries one). Compose needs the "
            "value (Redis takes it on its command line); the services also read REDIS_PASSWORD_FILE",
            (*APPS, "redis"), S_SECRETS, secret=True, default_text="generated", file_in_compose=False),

    Setting("HTTP_BIND", "127.0.0.1", ADDRESS, "address Nginx publishes HTTP on", ("compose",), S_LISTEN),
    Setting("HTTP_PORT", 8080, PORT, "port Nginx publishes HTTP on", ("ws", "compose"), S_LISTEN),
    Setting("HTTPS_BIND", "127.0.0.1", ADDRESS, "address `make up TLS=1` publishes HTTPS on",
            ("compose",), S_LISTEN),
    Setting("HTTPS_PORT", 8443, PORT, "port `make up TLS=1` publishes HTTPS on (HTTP redirects to it)",
            ("ws", "nginx", "compose"), S_LISTEN),
    Setting("SITE_HOSTS", _site_hosts_default, HOSTS,
            "the host names the site answers to; Nginx (its default server) and every service (Flask's "
            "TRUSTED_HOSTS) answer any other Host with 400. Unset, `make up` derives it from HTTP_BIND; "
            "set it for a DNS name",
            (*APPS, "nginx", "make"), S_LISTEN,
            default_text="127.0.0.1,localhost (HTTP_BIND when that is not a loopback or wildcard address)"),
    Setting("ALLOWED_ORIGINS", _origins_default, ORIGINS,
            "origins allowed to open WebSockets", ("ws",), S_LISTEN,
            default_text="each of SITE_HOSTS on HTTP_PORT (https:// on HTTPS_PORT when "
                         "SESSION_COOKIE_SECURE)"),

    Setting("APP_ENV", "production", APP_ENV,
            "config class of every service: production refuses default secrets, development shows "
            "debug pages", APPS, S_BEHAVIOUR),
    Setting("LOG_LEVEL", "INFO", LOG_LEVEL, "log level of every service", APPS, S_BEHAVIOUR),
    Setting("SESSION_COOKIE_SECURE", False, BOOLEAN,
            "send the session cookie over HTTPS only (TLS=1 turns it on)", APPS, S_BEHAVIOUR),
    Setting("SESSION_COOKIE_NAME", "session", TEXT, "name of the shared session cookie", APPS, S_BEHAVIOUR),
    Setting("ROOM_HISTORY", 50, COUNT, "messages the room page shows before the live chat takes over",
            ("web",), S_BEHAVIOUR),
    Setting("ROOMS_PER_PAGE", 50, COUNT, "rooms listed per page on /rooms", ("web",), S_BEHAVIOUR),

    Setting("MAX_BODY_BYTES", 64 * 1024, BYTES,
            "largest request body of every route but uploads (JSON, forms), in Nginx and in each service",
            (*APPS, "nginx"), S_BODIES),
    Setting("MAX_CONTENT_LENGTH", 10 * 1024 * 1024, BYTES,
            "largest upload request, in Nginx's upload location and web's and db-api's upload views; the "
            "home page quotes it", ("web", "db-api", "nginx"), S_BODIES),
    Setting("UPLOAD_QUOTA_BYTES", 100 * 1024 * 1024, BYTES,
            "bytes of files one account may store in all; an upload past it is a 413", ("db-api",), S_BODIES),
    Setting("FILE_TRANSFERS_PER_WORKER", 2, COUNT,
            "uploads and downloads at once per db-api worker (each holds a thread and a connection); "
            "more get 503 with Retry-After", ("db-api",), S_BODIES),
    Setting("FILE_TRANSFER_TIMEOUT", 120.0, SECONDS,
            "seconds an upload or a download may take in all, however slow the client", ("web",), S_BODIES),

    Setting("SESSION_IDLE_TIMEOUT_SECONDS", 7 * 24 * 3600, COUNT,
            "a login ends after this long without a request (also the age limit of an anonymous session)",
            APPS, S_SESSIONS),
    Setting("SESSION_ABSOLUTE_TIMEOUT_SECONDS", 30 * 24 * 3600, COUNT,
            "a login ends this long after it began, however busy", APPS, S_SESSIONS),
    Setting("SESSIONS_PER_USER", 20, COUNT,
            "live logins per account; a new login past it ends that account's oldest", APPS, S_SESSIONS),
    Setting("PASSWORD_HASH_METHOD", "scrypt:16384:8:5", HASH_METHOD,
            "Werkzeug's password hash method (docs/security.md, Password hashing); older hashes are "
            "replaced at the next login", ("db-api",), S_SESSIONS),
    Setting("PASSWORD_HASH_CONCURRENCY", 2, COUNT, "password hashes at once per db-api worker",
            ("db-api",), S_SESSIONS),
    Setting("PASSWORD_HASH_WAIT", 5.0, SECONDS,
            "seconds a login or registration waits for its turn to hash before a 503", ("db-api",),
            S_SESSIONS),

    Setting("RATELIMIT_ENABLED", True, BOOLEAN, "every write rate limit on (true) or off", LIMITED,
            S_LIMITS),
    Setting("RATELIMIT_LOGIN", "10/minute", RATE_LIMIT,
            "login attempts per client address (web form and API share every login counter)",
            LIMITED, S_LIMITS),
    Setting("RATELIMIT_LOGIN_FAILED", "5/15minutes", RATE_LIMIT,
            "failed logins per account and client address", LIMITED, S_LIMITS),
    Setting("RATELIMIT_LOGIN_ACCOUNT", "100/hour", RATE_LIMIT,
            "failed logins per account from all addresses (docs/security.md, Login limits)", LIMITED,
            S_LIMITS),
    Setting("RATELIMIT_REGISTER", "5/minute", RATE_LIMIT, "registrations per client address", LIMITED,
            S_LIMITS),
    Setting("RATELIMIT_MESSAGES", "120/minute", RATE_LIMIT,
            "message posts per client address (HTTP), and per account over HTTP and WebSockets together",
            LIMITED, S_LIMITS),
    Setting("RATELIMIT_ROOMS", "20/hour", RATE_LIMIT,
            "rooms created per client address and per account (web form and API together)", LIMITED,
            S_LIMITS),
    Setting("RATELIMIT_UPLOADS", "30/hour", RATE_LIMIT, "file uploads per client address and per account",
            LIMITED, S_LIMITS),
    Setting("WS_RATE_PER_SECOND", 20.0, RATE, "frames per second one WebSocket may send, sustained",
            ("ws",), S_LIMITS),
    Setting("WS_RATE_BURST", 40, COUNT, "frames one WebSocket may send in a burst", ("ws",), S_LIMITS),

    *_nginx_limits(),

    Setting("WS_SEND_QUEUE_SIZE", 256, COUNT,
            "frames queued for one slow client before its socket is closed (1008)", ("ws",), S_WS),
    Setting("WS_PRESENCE_TTL", 15.0, SECONDS,
            "seconds a dead ws replica's presence entries and socket slots outlive it", ("ws",), S_WS),
    Setting("WS_SOCKETS_PER_ACCOUNT_ROOM", 10, COUNT,
            "open WebSockets per account in one room, across ws replicas; the next is a 429 before the "
            "upgrade", ("ws",), S_WS),
    Setting("WS_SOCKETS_PER_ACCOUNT", 20, COUNT,
            "open WebSockets per account overall, across ws replicas; the next is a 429 before the upgrade",
            ("ws",), S_WS),
    Setting("WS_HANDSHAKE_TIMEOUT", 5.0, SECONDS,
            "seconds for an upgrade's request head to reach ws, and again for ws to decide it (503 after)",
            ("ws",), S_WS),
    Setting("WS_REVOCATION_INTERVAL", 2.0, SECONDS,
            "seconds between the checks that close the sockets of logged-out sessions", ("ws",), S_WS),
    Setting("WS_WORKER_CONNECTIONS", 4000, COUNT,
            "sockets and requests one ws replica holds at once; more wait in the listen backlog",
            ("ws",), S_WS),

    Setting("DB_NAME", "roomservice", IDENTIFIER, "MariaDB database", ("db-api", "migrate", "mysql"), S_DB),
    Setting("DB_USER", "roomservice", TEXT,
            "db-api's MariaDB user: SELECT, INSERT, UPDATE, DELETE on the application's tables only",
            ("db-api", "migrate"), S_DB),
    Setting("DB_MIGRATE_USER", "roomservice_migrate", IDENTIFIER,
            "the schema owner (every privilege on DB_NAME) that migrate applies the migrations as; "
            "must differ from DB_USER", ("migrate",), S_DB),
    Setting("DB_SSL_DISABLED", True, BOOLEAN,
            "connect to MariaDB without TLS (it is reachable only on the internal network)",
            ("db-api",), S_DB),
    Setting("DB_POOL_MAX", _pool_default, COUNT, "pooled MariaDB connections per db-api worker",
            ("db-api",), S_DB, default_text="API_THREADS"),
    Setting("DB_POOL_TIMEOUT", 2.0, SECONDS, "seconds a request waits for a pooled connection, then 503",
            ("db-api",), S_DB),
    Setting("DB_CONNECT_TIMEOUT", 3, COUNT, "seconds to connect to MariaDB", ("db-api",), S_DB),
    Setting("DB_READ_TIMEOUT", 10, COUNT, "seconds to wait for a MariaDB answer", ("db-api",), S_DB),
    Setting("DB_WRITE_TIMEOUT", 10, COUNT, "seconds to wait to send to MariaDB", ("db-api",), S_DB),

    Setting("REDIS_SOCKET_TIMEOUT", 0.5, SECONDS,
            "seconds a Redis call may take before the request answers 503", APPS, S_TIMEOUTS),
    Setting("DB_API_TIMEOUT", 2.0, SECONDS,
            "seconds web and ws give db-api per page, handshake or frame, retries included "
            "(servicekit.internal_api)", CLIENTS, S_TIMEOUTS),
    Setting("DB_API_AUTH_TIMEOUT", 10.0, SECONDS,
            "seconds web and ws give db-api on register and login, which hash a password and may wait "
            "their turn (PASSWORD_HASH_WAIT)", CLIENTS, S_TIMEOUTS),
    Setting("GUNICORN_TIMEOUT", 30, COUNT, "seconds a worker may stay silent before gunicorn restarts it",
            APPS, S_TIMEOUTS),
    Setting("GUNICORN_GRACEFUL_TIMEOUT", 20, COUNT,
            "seconds a stopping worker has to finish its requests (ws: to close its sockets)",
            APPS, S_TIMEOUTS),
    Setting("GUNICORN_KEEPALIVE", 75, COUNT,
            "seconds gunicorn keeps an idle connection from Nginx (longer than Nginx keeps it)",
            APPS, S_TIMEOUTS),

    Setting("WEB_WORKERS", 2, COUNT, "gunicorn gevent workers per web replica", ("web",), S_CAPACITY),
    Setting("WEB_WORKER_CONNECTIONS", 1000, COUNT, "requests one web worker serves at once",
            ("web",), S_CAPACITY),
    Setting("API_WORKERS", 2, COUNT, "gunicorn gthread workers per db-api replica", ("db-api",), S_CAPACITY),
    Setting("API_THREADS", 8, COUNT, "threads per db-api worker, each with at most one MariaDB connection",
            ("db-api",), S_CAPACITY),
    Setting("WEB_REPLICAS", 1, COUNT, "web containers (`make scale WEB=n` writes it)", ("compose",),
            S_CAPACITY),
    Setting("WS_REPLICAS", 1, COUNT, "ws containers (`make scale WS=n` writes it)", ("compose",), S_CAPACITY),
    Setting("API_REPLICAS", 1, COUNT,
            "db-api containers (`make scale API=n` writes it); API_REPLICAS x API_WORKERS x DB_POOL_MAX "
            "must fit MariaDB's max_connections (200)", ("compose",), S_CAPACITY),
    *_limits("NGINX", "Nginx", "256m"),
    *_limits("WEB", "web", "512m"),
    *_limits("WS", "ws", "512m"),
    *_limits("API", "db-api", "512m"),
    *_limits("REDIS", "Redis", "512m"),
    Setting("REDIS_MAXMEMORY", "384mb", REDIS_SIZE,
            "Redis's maxmemory, below REDIS_MEMORY (check-env insists); past it Redis evicts the least "
            "recently used key with a TTL (docs/design.md, Redis memory)", ("redis",), S_CAPACITY),
    *_limits("DB", "MariaDB", "1g"),

    Setting("COMPOSE_PROJECT_NAME", "roomservice", PROJECT_NAME,
            "compose project: prefixes containers, networks and volumes", ("compose", "compose-cli", "make"),
            S_CONTAINERS),
    Setting("IMAGE_TAG", "latest", TEXT, "tag of the images built here (roomservice/web:TAG, ...)",
            ("compose",), S_CONTAINERS),
    Setting("DOCKER_RESTART_POLICY", "unless-stopped", RESTART_POLICY,
            "restart policy of every long-running container", ("compose",), S_CONTAINERS),
    Setting("DOCKER_STOP_GRACE_PERIOD", "30s", DURATION,
            "time a stopping container has to drain before it is killed", ("compose",), S_CONTAINERS),
    Setting("LOG_MAX_SIZE", "10m", MEMORY, "size at which Docker rotates a container's log file",
            ("compose",), S_CONTAINERS),
    Setting("LOG_MAX_FILE", 5, COUNT, "rotated log files Docker keeps per container", ("compose",),
            S_CONTAINERS),

    Setting("PROMETHEUS_PORT", 9090, PORT, "loopback port of Prometheus (`make up OBSERVABILITY=1`)",
            ("compose",), S_OBSERVABILITY),
    Setting("PROMETHEUS_RETENTION", "7d", RETENTION, "how long Prometheus keeps samples", ("compose",),
            S_OBSERVABILITY),
    Setting("ALERTMANAGER_PORT", 9093, PORT,
            "loopback port of Alertmanager's UI (`make up OBSERVABILITY=1`)", ("compose",), S_OBSERVABILITY),
    Setting("ALERTMANAGER_WEBHOOK_URL", "http://alert-log:8080/", URL,
            "where Alertmanager posts firing and resolved alerts (its webhook format); by default the "
            "alert-log container logs them", ("alertmanager",), S_OBSERVABILITY),
    Setting("LOCUST_PORT", 8089, PORT, "loopback port of Locust's web UI (compose profile loadtest)",
            ("compose",), S_OBSERVABILITY),

    Setting("STACK_NAME", "roomservice", PROJECT_NAME,
            "the Swarm stack's name (prefix of its services, secrets, volumes)", ("swarm",), S_SWARM),
    Setting("SWARM_HTTP_PORT", 28080, PORT, "the port every edge node publishes on Swarm", ("swarm",),
            S_SWARM),
    Setting("SWARM_WEB_REPLICAS", 2, COUNT, "web replicas on Swarm, spread over nodes", ("swarm",), S_SWARM),
    Setting("SWARM_WS_REPLICAS", 2, COUNT, "ws replicas on Swarm, spread over nodes", ("swarm",), S_SWARM),
    Setting("SWARM_API_REPLICAS", 2, COUNT, "db-api replicas on Swarm, spread over nodes", ("swarm",),
            S_SWARM),
    Setting("SWARM_ENDPOINT_MODE", "vip", ENDPOINT_MODE,
            "Swarm service discovery: vip (IPVS virtual IPs) or dnsrr (DNS round robin, for hosts "
            "without IPVS)", ("swarm",), S_SWARM),
    Setting("SWARM_PUBLISH_MODE", "host", PUBLISH_MODE,
            "host: each edge node publishes the port itself, client addresses kept; ingress: the "
            "routing mesh (needs vip)", ("swarm",), S_SWARM),
    Setting("SWARM_OVERLAY_ENCRYPTED", True, BOOLEAN,
            "IPsec on the overlays between Swarm nodes; false for a kernel without ESP", ("swarm",), S_SWARM),
    Setting("IMAGE_REGISTRY", "", TEXT,
            "where every Swarm node pulls roomservice's images from, e.g. registry.example.com/",
            ("swarm",), S_SWARM, default_text="(empty)"),

    Setting("COMPOSE_FILE", "docker-compose.yml", TEXT,
            "compose files in use, ':'-separated; `make up TLS=1 DEV=1` writes it, every target and a "
            "plain `docker compose` use it", ("compose-cli", "make"), S_MODES),
    Setting("COMPOSE_PROFILES", "", TEXT,
            "compose profiles in use; `make up OBSERVABILITY=1` writes observability",
            ("compose-cli", "make"), S_MODES, default_text="(none)"),

    Setting("REDIS_URL", "redis://redis:6379/0", TEXT, "Redis for sessions, rate limits and pub/sub",
            APPS, S_INTERNAL, internal=True),
    Setting("DB_API_URL", "http://db-api:8000", TEXT, "db-api as web and ws reach it", CLIENTS,
            S_INTERNAL, internal=True),
    Setting("DB_HOST", "mysql", TEXT, "MariaDB's host name", ("db-api", "migrate"), S_INTERNAL,
            internal=True),
    Setting("DB_PORT", 3306, PORT, "MariaDB's port", ("db-api", "migrate"), S_INTERNAL, internal=True),
    Setting("DB_ROOT_USER", "root", TEXT,
            "the account migrate provisions both users with (root in compose's MariaDB; on a managed "
            "database the DBA's, docs/design.md, Database users)", ("migrate",), S_INTERNAL, internal=True),
    Setting("SESSION_KEY_PREFIX", "session:", TEXT, "Redis key prefix of sessions; every service must agree",
            APPS, S_INTERNAL, internal=True),
    Setting("HEALTHCHECK_URL", "", TEXT, "what the container's healthcheck requests (its /ready)",
            APPS, S_INTERNAL, internal=True, default_text="(per service)"),
    Setting("STARTUP_CHECK_URL", "", TEXT,
            "Swarm's healthcheck (servicekit.healthcheck): asked until it answers once (the /ready), "
            "then HEALTHCHECK_URL (the /health)", APPS, S_INTERNAL, internal=True,
            default_text="(unset: none)"),
    Setting("HEALTHCHECK_MARKER", "/tmp/.started", TEXT,  # noqa: S108 - the container's tmpfs
            "the file servicekit.healthcheck marks a first success in", APPS, S_INTERNAL, internal=True),
    Setting("PORT", 8000, PORT, "port gunicorn binds in the container (Dockerfile)", APPS, S_INTERNAL,
            internal=True),
    Setting("SERVICE_NAME", "app", TEXT, "the service's name in its logs and metrics (Dockerfile)",
            APPS, S_INTERNAL, internal=True, default_text="(per image)"),
    Setting("PROMETHEUS_MULTIPROC_DIR", "/tmp/prometheus-metrics", TEXT,  # noqa: S108 - a tmpfs
            "where gunicorn workers write metrics for /metrics to aggregate", APPS, S_INTERNAL,
            internal=True),
]
# fmt: on

SETTINGS: dict[str, Setting] = {s.name: s for s in _SETTINGS}

SECRETS = tuple(s.name for s in _SETTINGS if s.secret)


def read_by(service: str) -> list[Setting]:
    """The settings ``service`` reads, in the registry's order."""
    return [s for s in _SETTINGS if service in s.read_by]


def app_settings(service: str) -> list[Setting]:
    """What a Flask service's config holds: the settings every app reads, and its own."""
    return [s for s in _SETTINGS if service in s.read_by or set(APPS) <= set(s.read_by)]


def secret_text(environ: Mapping[str, str], name: str) -> str | None:
    """The secret ``name`` from ``NAME_FILE`` if set (Docker and Kubernetes mount
    secrets as files), else from ``NAME``; None when neither is set."""
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    text = environ.get(name)
    return text or None


def value(environ: Mapping[str, str], name: str) -> object:
    """The parsed value of setting ``name`` in ``environ``, or its default when unset or empty."""
    setting = SETTINGS[name]
    text = secret_text(environ, name) if setting.secret else environ.get(name)
    if text is None or text == "":
        return setting.default_for(environ)
    return setting.parse(text)


def production_problem(name: str, secret: str) -> str | None:
    """Why production refuses this value of SECRET_KEY or SERVICE_TOKEN, if it does."""
    if secret == SETTINGS[name].default or len(secret) < MIN_SECRET_LENGTH:
        return (
            f"{name} is the default or shorter than {MIN_SECRET_LENGTH} characters; "
            "production refuses to start with it"
        )
    return None
