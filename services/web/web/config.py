"""web's own settings; shared ones come from :mod:`servicekit.config`."""

from servicekit.config import env_int


class WebConfig:
    def __init__(self, environ):
        super().__init__(environ)
        # The token lives as long as the session: a form left open for an hour still submits.
        self.WTF_CSRF_TIME_LIMIT = None
        # How many messages the room page renders before the live chat takes over.
        self.ROOM_HISTORY = env_int(environ, "ROOM_HISTORY", 50)
        self.ROOMS_PER_PAGE = env_int(environ, "ROOMS_PER_PAGE", 50)
