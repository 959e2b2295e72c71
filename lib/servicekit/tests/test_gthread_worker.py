"""A stopping gthread worker stops listening at once (servicekit.gthread_worker)."""

import socket

from servicekit.gthread_worker import DrainingThreadWorker


class Queue:
    def __init__(self):
        self.deferred = []

    def defer(self, callback, *args):
        self.deferred.append((callback, args))


def test_a_stopping_worker_closes_its_listener_so_new_connections_are_refused():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    worker = DrainingThreadWorker.__new__(DrainingThreadWorker)
    worker.alive, worker.sockets, worker.method_queue, worker._accepting = True, [listener], Queue(), False

    worker.handle_exit(15, None)
    assert not worker.alive
    for callback, args in worker.method_queue.deferred:
        callback(*args)

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return
    raise AssertionError("a new connection was still accepted by the kernel")
