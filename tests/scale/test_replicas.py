"""`make scale`: Nginx spreads load over every replica and all share one login."""

import json
import secrets
import threading
import time

import websocket
from e2e.stack import compose


def upstreams_answering(client, url: str, requests: int = 20) -> set[str]:
    """Send requests that must all succeed; the replicas Nginx sent them to."""
    ids = set()
    for _ in range(requests):
        request_id = secrets.token_hex(8)
        ids.add(request_id)
        response = client.get(url, headers={"X-Request-ID": request_id}, timeout=5)
        assert response.status_code == 200
    time.sleep(2.5)  # Nginx flushes its access log every second
    seen = set()
    for line in compose("logs", "--no-log-prefix", "--since", "5m", "nginx").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("request_id") in ids and entry.get("upstream"):
                seen.add(entry["upstream"])
    return seen


def test_requests_land_on_every_web_replica(two_of_each, user):
    assert len(upstreams_answering(user, f"{two_of_each}/rooms")) == 2


def test_a_login_through_one_replica_is_honoured_by_all(two_of_each, user):
    assert len(upstreams_answering(user, f"{two_of_each}/api/v1/me")) == 2


def test_messages_and_presence_cross_ws_replicas(two_of_each, user, room):
    cookie = f"session={user.cookies.get('session')}"
    url = two_of_each.replace("http", "ws", 1) + f"/ws/rooms/{room}"
    sockets = [websocket.create_connection(url, cookie=cookie, timeout=5) for _ in range(4)]
    try:
        client_id = secrets.token_hex(6)
        sockets[0].send(json.dumps({"type": "message", "body": "across replicas", "client_id": client_id}))
        received = []

        def wait_for_message(sock):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                frame = json.loads(sock.recv())
                if frame.get("type") == "message" and frame.get("client_id") == client_id:
                    received.append(sock)
                    return

        threads = [threading.Thread(target=wait_for_message, args=(sock,)) for sock in sockets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(6)
        assert len(received) == len(sockets), "some sockets never got the message"
    finally:
        for sock in sockets:
            sock.close()
