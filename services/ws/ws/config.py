"""ws's own settings; shared ones come from :mod:`servicekit.config`."""

from servicekit.config import env_float, env_int, env_list


def site_origins(hosts: tuple[str, ...], secure: bool, http_port: int, https_port: int) -> str:
    """The site's own origins: each of ``SITE_HOSTS`` on the port the site is served on."""
    scheme, port, default_port = ("https", https_port, 443) if secure else ("http", http_port, 80)
    suffix = "" if port == default_port else f":{port}"
    return ",".join(f"{scheme}://{host}{suffix}" for host in hosts)


class WsConfig:
    def __init__(self, environ):
        super().__init__(environ)
        # Who may open a socket: by default the site itself, named once in
        # SITE_HOSTS; over HTTPS (SESSION_COOKIE_SECURE) on HTTPS_PORT.
        default_origins = site_origins(
            self.SITE_HOSTS,
            self.SESSION_COOKIE_SECURE,
            self.HTTP_PORT,
            env_int(environ, "HTTPS_PORT", 8443),
        )
        self.ALLOWED_ORIGINS = frozenset(env_list(environ, "ALLOWED_ORIGINS", default_origins))
        # Per-connection token bucket (docs/websocket.md: 20 frames/s, bursts of 40).
        self.WS_RATE_PER_SECOND = env_float(environ, "WS_RATE_PER_SECOND", 20.0)
        self.WS_RATE_BURST = env_int(environ, "WS_RATE_BURST", 40)
        # Frames waiting for one slow client before it is dropped (close 1008).
        self.WS_SEND_QUEUE_SIZE = env_int(environ, "WS_SEND_QUEUE_SIZE", 256)
        # A replica's presence entries and socket slots outlive it by at most this long.
        self.WS_PRESENCE_TTL = env_float(environ, "WS_PRESENCE_TTL", 15.0)
        # Open sockets per account, across replicas: in one room, and overall.
        self.WS_SOCKETS_PER_ACCOUNT_ROOM = env_int(environ, "WS_SOCKETS_PER_ACCOUNT_ROOM", 10)
        self.WS_SOCKETS_PER_ACCOUNT = env_int(environ, "WS_SOCKETS_PER_ACCOUNT", 20)
        # Seconds for a handshake's request head to arrive, and again for the
        # pre-101 check (session, room, socket caps) to decide.
        self.WS_HANDSHAKE_TIMEOUT = env_float(environ, "WS_HANDSHAKE_TIMEOUT", 5.0)
        # Logged-out sessions' sockets close within this interval plus a Redis round trip.
        self.WS_REVOCATION_INTERVAL = env_float(environ, "WS_REVOCATION_INTERVAL", 2.0)
