"""db-api reads only registry settings (``servicekit.settings``: ``DB_*``,
``MAX_CONTENT_LENGTH``, ...); ``DB_POOL_MAX`` defaults to ``API_THREADS``, one
pooled connection per gthread thread, so a request never waits for another
request's connection (see gunicorn.conf.py)."""


class DbApiConfig:
    pass
