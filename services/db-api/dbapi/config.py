"""db-api's own settings; shared ones come from :mod:`servicekit.config`."""

from servicekit.config import env_bool, env_float, env_int, env_secret, env_str


class DbApiConfig:
    def __init__(self, environ):
        super().__init__(environ)
        self.DB_HOST = env_str(environ, "DB_HOST", "mysql")
        self.DB_PORT = env_int(environ, "DB_PORT", 3306)
        self.DB_NAME = env_str(environ, "DB_NAME", "roomservice")
        self.DB_USER = env_str(environ, "DB_USER", "roomservice")
        self.DB_PASSWORD = env_secret(environ, "DB_PASSWORD", "")
        # TLS to MariaDB: off on the private compose network (see README).
        self.DB_SSL_DISABLED = env_bool(environ, "DB_SSL_DISABLED", True)
        # One pooled connection per gthread thread: a request never waits
        # for another request's connection (see gunicorn.conf.py).
        self.DB_POOL_MAX = env_int(environ, "DB_POOL_MAX", env_int(environ, "GUNICORN_THREADS", 8))
        self.DB_POOL_TIMEOUT = env_float(environ, "DB_POOL_TIMEOUT", 2.0)
        # Bounded socket waits: a hung MariaDB is a 503, not a stuck thread.
        self.DB_CONNECT_TIMEOUT = env_int(environ, "DB_CONNECT_TIMEOUT", 3)
        self.DB_READ_TIMEOUT = env_int(environ, "DB_READ_TIMEOUT", 10)
        self.DB_WRITE_TIMEOUT = env_int(environ, "DB_WRITE_TIMEOUT", 10)
        # Password hashing (dbapi.passwords): OWASP's scrypt cost, 16 MiB a
        # hash, two hashes at a time per worker, a 503 after waiting this long.
        self.PASSWORD_HASH_METHOD = env_str(environ, "PASSWORD_HASH_METHOD", "scrypt:16384:8:5")
        self.PASSWORD_HASH_CONCURRENCY = env_int(environ, "PASSWORD_HASH_CONCURRENCY", 2)
        self.PASSWORD_HASH_WAIT = env_float(environ, "PASSWORD_HASH_WAIT", 5.0)
        # Bytes of files one account may store in all.
        self.UPLOAD_QUOTA_BYTES = env_int(environ, "UPLOAD_QUOTA_BYTES", 100 * 1024 * 1024)
        # Uploads and downloads at once per worker; each holds a thread and a
        # connection while it lasts, the other threads stay for everything else.
        self.FILE_TRANSFERS_PER_WORKER = env_int(environ, "FILE_TRANSFERS_PER_WORKER", 2)
