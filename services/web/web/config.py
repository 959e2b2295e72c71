"""web's own settings; shared ones come from :mod:`servicekit.config`."""

from servicekit.config import env_float, env_int


class WebConfig:
    def __init__(self, environ):
        super().__init__(environ)
        # Longest an upload or a download may take: each holds one of db-api's
        # few file transfer slots while it lasts, however slow the client.
        self.FILE_TRANSFER_TIMEOUT = env_float(environ, "FILE_TRANSFER_TIMEOUT", 120.0)
        # The token lives as long as the session: a form left open for an hour still submits.
        self.WTF_CSRF_TIME_LIMIT = None
        # How many messages the room page renders before the live chat takes over.
        self.ROOM_HISTORY = env_int(environ, "ROOM_HISTORY", 50)
        self.ROOMS_PER_PAGE = env_int(environ, "ROOMS_PER_PAGE", 50)
