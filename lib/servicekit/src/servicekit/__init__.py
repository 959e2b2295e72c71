"""servicekit: what the three roomservice Flask services need the same way.

Each service's ``create_app()`` calls :func:`servicekit.app.init_service`, so
the shared parts (settings, JSON logs with Nginx's request id, the shared
Redis session, health and readiness, error shapes) exist once, not three
times. This package file imports nothing: gunicorn's master loads parts of
it before gevent patches, and importing Flask there would break patching.
"""
