"""web's settings beyond the registry's (``servicekit.settings``: every setting
web reads, e.g. ``MAX_CONTENT_LENGTH``, ``ROOM_HISTORY``, is already an attribute)."""


class WebConfig:
    def __init__(self, environ):
        super().__init__(environ)
        # The token lives as long as the session: a form left open for an hour still submits.
        self.WTF_CSRF_TIME_LIMIT = None
