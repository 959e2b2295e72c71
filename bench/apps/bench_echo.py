"""The bare gevent-websocket peer of ws: every text frame is answered with a pong.

Plain WSGI under the stock ``GeventWebSocketWorker`` with ws's own gunicorn
settings otherwise: no Flask, no session, no handshake check, no Redis, so
ws's ping round trips divided by this one's is what the service adds.
"""

PONG = '{"type": "pong"}'


def app(environ, start_response):
    ws = environ.get("wsgi.websocket")
    if ws is None:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"echo\n"]
    while True:
        message = ws.receive()
        if message is None:
            return []
        ws.send(PONG)
