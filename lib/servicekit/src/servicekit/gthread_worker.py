"""db-api's gunicorn worker: gthread, which stops listening the moment it is told to stop.

gunicorn's gthread worker stops *accepting* when it is told to stop (a
rollout's ``docker stop``) but keeps its listening socket open until it
exits, after its kept-alive connections have lingered (about 2 s). Meanwhile
the kernel goes on completing handshakes that nobody will accept: Nginx
sends a request on such a connection and gets a reset only when the worker
exits, too late to pass a GET on to another replica within
``proxy_next_upstream_timeout``, so the client gets a 502. Closing the
listening socket at once makes a new connection refused, and Nginx tries the
next replica immediately; requests already accepted are finished as before.

It lives in servicekit, not in db-api's package: gunicorn's master imports
the worker class, and importing ``dbapi`` would create the app's metrics
before their multiprocess directory exists.
"""

from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class DrainingThreadWorker(ThreadWorker):
    def handle_exit(self, sig, frame) -> None:
        stopping = self.alive
        super().handle_exit(sig, frame)
        if stopping:
            # Run by the worker's own event loop, not inside the signal handler.
            self.method_queue.defer(self.stop_listening)

    def stop_listening(self) -> None:
        self.set_accept_enabled(False)
        for listener in self.sockets:
            listener.close()
