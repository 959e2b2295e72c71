"""ws's own settings; shared ones come from :mod:`servicekit.config`."""

from servicekit.config import env_int, env_str


class WsConfig:
    def __init__(self, environ):
        super().__init__(environ)
        http_port = env_int(environ, "HTTP_PORT", 8080)
        default_origins = f"http://127.0.0.1:{http_port},http://localhost:{http_port}"
        self.ALLOWED_ORIGINS = frozenset(
            origin.strip() for origin in env_str(environ, "ALLOWED_ORIGINS", default_origins).split(",") if origin.strip()
        )
