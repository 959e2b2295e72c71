"""`make scale`: Nginx spreads load over every replica and all share one login."""

import json
import secrets
import threading
import time

import websocket
from e2e.stack import compose, container_ids, register_and_login, replica_get


def upstreams_answering(client, url: str, requests: int = 20) -> set[str]:
    """Send requests that must all succeed; the replicas Nginx sent them to."""
    ids = set()
    for _ in range(requests):
        request_id = secrets.token_hex(8)
        ids.add(request_id)
        response = client.get(url, headers={"X-Request-ID": request_id}, timeout=5)
        assert response.status_code == 200
    # Nginx buffers its access log (flushed every second): poll until every request is in it.
    deadline, seen, logged = time.monotonic() + 15, set(), set()
    while logged != ids and time.monotonic() < deadline:
        time.sleep(0.5)
        for line in compose("logs", "--no-log-prefix", "--since", "5m", "nginx").splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("request_id") in ids and entry.get("upstream"):
                    logged.add(entry["request_id"])
                    seen.add(entry["upstream"])
    assert logged == ids, f"{len(ids - logged)} requests never reached Nginx's access log"
    return seen


def test_requests_land_on_every_web_replica(two_of_each, user):
    assert len(upstreams_answering(user, f"{two_of_each}/rooms")) == 2


def test_a_login_through_one_replica_is_honoured_by_all(two_of_each, user):
    assert len(upstreams_answering(user, f"{two_of_each}/api/v1/me")) == 2


def socket_counts() -> dict[str, int]:
    """Open sockets per ws replica, as each replica reports it."""
    return {cid: replica_get(cid, "/ws/ready")["connections"] for cid in container_ids("ws")}


def open_on_new_replica(url: str, cookie: str, avoid: set[str], tries: int = 8):
    """A socket on a ws replica not in ``avoid``; returns (socket, replica)."""
    for _ in range(tries):
        before = socket_counts()
        sock = websocket.create_connection(url, cookie=cookie, timeout=5)
        deadline = time.monotonic() + 5
        while (after := socket_counts()) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        replica = next(cid for cid in after if after[cid] > before.get(cid, 0))
        if replica not in avoid:
            return sock, replica
        sock.close()
    raise AssertionError(f"Nginx never sent a socket past {avoid}")


def wait_for(sock, predicate, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(sock.recv())
        if predicate(frame):
            return frame
    raise AssertionError("the awaited frame never came")


def test_messages_and_presence_cross_ws_replicas(two_of_each, user, room, base_url):
    """Two users whose sockets are proven to sit on different ws replicas see
    each other in presence and get each other's messages."""
    other = register_and_login(
        base_url, {"username": f"x_{secrets.token_hex(4)}", "password": "correct horse battery"}
    )
    url = two_of_each.replace("http", "ws", 1) + f"/ws/rooms/{room}"
    first, replica_a = open_on_new_replica(url, f"session={user.cookies.get('session')}", set())
    second, replica_b = open_on_new_replica(url, f"session={other.cookies.get('session')}", {replica_a})
    try:
        assert replica_a != replica_b
        names = {
            user.get(f"{base_url}/api/v1/me").json()["username"],
            other.get(f"{base_url}/api/v1/me").json()["username"],
        }
        for sock in (first, second):
            wait_for(sock, lambda f: f.get("type") == "presence" and names <= set(f["users"]))

        client_id = secrets.token_hex(6)
        first.send(json.dumps({"type": "message", "body": "across replicas", "client_id": client_id}))
        received = []

        def wait_for_message(sock):
            wait_for(sock, lambda f: f.get("type") == "message" and f.get("client_id") == client_id)
            received.append(sock)

        threads = [threading.Thread(target=wait_for_message, args=(sock,)) for sock in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(6)
        assert len(received) == 2, "a socket never got the message from the other replica"
    finally:
        first.close()
        second.close()
