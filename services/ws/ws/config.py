"""ws reads only registry settings (``servicekit.settings``: ``ALLOWED_ORIGINS``,
``WS_RATE_PER_SECOND``, ``WS_SEND_QUEUE_SIZE``, ...); nothing is derived here."""


class WsConfig:
    pass
