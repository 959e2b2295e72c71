"""roomservice on a Swarm of three nodes (scripts/test-swarm.sh): replicas
spread over nodes, one login and one chat across them, and what clients see
while Redis goes away, a worker is drained, web and ws are rolled, and a
worker is lost.

The lab: ``manager`` (edge), ``worker1`` (edge, Redis, MariaDB) and
``worker2`` (application tasks only), which is the worker these tests drain
and kill: losing the data node is an outage of the data tier, which no test
pretends otherwise (docs/scaling.md). Every client talks to the manager's
edge. The tests reshape the cluster, so they run in this file's order, each
leaving the lab as the next one expects and checking its own precondition
(a rolling update puts tasks back on the drained worker). Measured figures go
to test-output/swarm-figures.jsonl, for docs/scaling.md.
"""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest
import requests
import websocket
from e2e.load import Load, assert_nothing_lost, assert_sockets_caught_up
from swarm.cluster import (
    APP_SERVICES,
    STACK,
    all_task_ids,
    app_worker,
    docker,
    ensure_tasks_on,
    figure,
    force_update,
    lab,
    node_by_hostname,
    running,
    set_availability,
    tasks_by_address,
    upstreams,
    wait_converged,
    ws_sockets_per_node,
)


def send_gets(session: requests.Session, url: str, count: int) -> set[str]:
    """``count`` GETs that must all succeed, each with its own request id."""
    ids = set()
    for _ in range(count):
        request_id = secrets.token_hex(8)
        response = session.get(url, headers={"X-Request-ID": request_id}, allow_redirects=False, timeout=10)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        ids.add(request_id)
    return ids


def served_by(service: str, request_ids: set[str]) -> dict:
    """request id -> the task (and so the node) of ``service`` that answered it."""
    by_address = tasks_by_address(service)
    answered = upstreams(request_ids)
    assert set(answered) == request_ids, (
        f"{len(request_ids - set(answered))} requests missing from the edge's log"
    )
    return {request_id: by_address[address] for request_id, address in answered.items()}


def open_socket(base: str, user: requests.Session, room: str, request_id: str):
    sock = websocket.create_connection(
        base.replace("http", "ws", 1) + f"/ws/rooms/{room}",
        cookie=f"session={user.cookies.get('session')}",
        header=[f"X-Request-ID: {request_id}"],
        timeout=5,
    )
    sock.send('{"type": "ping"}')
    while json.loads(sock.recv())["type"] != "pong":
        pass
    return sock


def status_of(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None


def failed(answers) -> list:
    return [answer for answer in answers if answer != 200]


def wait_until(condition, timeout: float, message) -> float:
    """Seconds until ``condition()``; after ``timeout`` fail with ``message``
    (or what ``message()`` says then)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(message() if callable(message) else message)
        time.sleep(0.5)
    return time.monotonic() - started


def chat_states(load: Load) -> str:
    states = [(chat.connects, chat.close_codes, len(chat.missing())) for chat in load.chats]
    return f"(connects, close codes, missing) per client: {states}; last events: {load.ws_events[-8:]}"


def ensure_sockets_on(load: Load, node: str, tries: int = 20) -> None:
    """Add chat clients until at least one socket is held by a ws task on ``node``
    (Nginx picks among the ws tasks at random)."""
    for _ in range(tries):
        wait_until(lambda: all(chat.connects for chat in load.chats), 30, "a chat client did not connect")
        if ws_sockets_per_node().get(node):
            return
        load.add_socket()
    pytest.fail(f"no socket landed on {node} in {tries} tries")


def replicas_serving(service: str, request) -> set[str]:
    """The tasks of ``service`` that answered batches of ``request(request_id)``,
    until all of them did (Nginx picks among them at random) or 60 requests."""
    everyone, seen = {task.id for task in running(service)}, set()
    for _ in range(6):
        ids = {secrets.token_hex(8) for _ in range(10)}
        for request_id in ids:
            request(request_id)
        seen |= {task.id for task in served_by(service, ids).values()}
        if seen >= everyone:
            break
    return seen


@pytest.mark.parametrize(
    ("service", "path"), [("web", "/rooms"), ("db-api", "/api/v1/rooms/{room}/messages")]
)
def test_every_http_replica_serves_and_they_span_two_nodes(base, user, room, service, path):
    everyone = running(service)
    assert len({task.node for task in everyone}) >= 2, f"{service} runs on one node: {everyone}"
    url = base + path.format(room=room)

    def get(request_id):
        response = user.get(url, headers={"X-Request-ID": request_id}, allow_redirects=False, timeout=10)
        assert response.status_code == 200, f"{url}: {response.status_code}"

    assert replicas_serving(service, get) == {task.id for task in everyone}, (
        f"some {service} replicas served nothing"
    )


def test_every_ws_replica_holds_sockets_and_they_span_two_nodes(base, user, room):
    everyone = running("ws")
    assert len({task.node for task in everyone}) >= 2, f"ws runs on one node: {everyone}"
    served = replicas_serving("ws", lambda request_id: open_socket(base, user, room, request_id).close())
    assert served == {task.id for task in everyone}, "some ws replicas held no socket"


def test_every_edge_node_serves(edges):
    for edge in edges:
        assert requests.get(f"{edge}/health", timeout=5).json() == {"status": "ok", "service": "web"}


def test_one_login_is_honoured_by_replicas_on_other_nodes(base):
    credentials = {"username": f"s_{secrets.token_hex(4)}", "password": "correct horse battery"}
    client = requests.Session()
    assert client.post(f"{base}/api/v1/auth/register", json=credentials, timeout=5).status_code == 201
    login_id = secrets.token_hex(8)
    login = client.post(
        f"{base}/api/v1/auth/login", json=credentials, headers={"X-Request-ID": login_id}, timeout=5
    )
    assert login.status_code == 200
    login_node = served_by("db-api", {login_id})[login_id].node
    api_nodes = {
        task.node for task in served_by("db-api", send_gets(client, f"{base}/api/v1/me", 20)).values()
    }
    web_nodes = {task.node for task in served_by("web", send_gets(client, f"{base}/rooms", 20)).values()}
    assert api_nodes - {login_node}, f"db-api on other nodes than {login_node} never saw the login"
    assert len(web_nodes) >= 2, f"the login was only tried on web replicas on {web_nodes}"


def test_a_message_reaches_a_socket_on_another_node_within_a_second(base, user, room):
    ids = [secrets.token_hex(8) for _ in range(8)]
    sockets = [open_socket(base, user, room, request_id) for request_id in ids]
    client_id, arrived = secrets.token_hex(6), {}

    def wait_for_message(request_id, sock):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            frame = json.loads(sock.recv())
            if frame.get("type") == "message" and frame.get("client_id") == client_id:
                arrived[request_id] = time.monotonic() - sent_at
                return

    threads = [
        threading.Thread(target=wait_for_message, args=pair) for pair in zip(ids, sockets, strict=True)
    ]
    sent_at = time.monotonic()
    sockets[0].send(json.dumps({"type": "message", "body": "across nodes", "client_id": client_id}))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(6)
    for sock in sockets:
        sock.close()
    where = served_by("ws", set(ids))
    sender_node = where[ids[0]].node
    elsewhere = [request_id for request_id in ids[1:] if where[request_id].node != sender_node]
    assert elsewhere, f"every socket landed on the sender's node {sender_node}: try again"
    late = {where[r].node: arrived.get(r) for r in elsewhere if arrived.get(r) is None or arrived[r] >= 1.0}
    assert not late, f"the message sent on {sender_node} was late or missing on {late}"
    figure(
        "cross_node_message",
        sender_node=sender_node,
        receiver_nodes=sorted({where[r].node for r in elsewhere}),
        slowest_s=round(max(arrived[r] for r in elsewhere), 3),
    )


def test_a_redis_outage_restarts_no_task_and_sockets_reconnect(base, user, room):
    watched = (*APP_SERVICES, "nginx")
    before = {service: all_task_ids(service) for service in watched}
    with Load(base, user, room, sockets=3, socket_posts=True) as load:
        time.sleep(2)
        docker("service", "scale", "--detach=false", f"{STACK}_redis=0")
        stopped = time.monotonic()
        wait_until(
            lambda: status_of(f"{base}/api/ready") == 503,
            20,
            "the outage was never visible: the test proved nothing",
        )
        time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
        docker("service", "scale", "--detach=true", f"{STACK}_redis=1")
        wait_until(
            lambda: status_of(f"{base}/api/ready") == 200,
            120,
            "db-api did not become ready again after Redis came back",
        )
        back = time.monotonic()
        while time.monotonic() - back < 60 and not all(
            chat.connects >= 2 and chat.catch_ups >= 2 and not chat.missing() for chat in load.chats
        ):
            time.sleep(0.5)
        reconnected = time.monotonic() - back
    after = {service: all_task_ids(service) for service in watched}
    assert after == before, f"tasks were replaced during the outage: {after}"
    for number, chat in enumerate(load.chats):
        assert 1013 in chat.close_codes, (
            f"socket client {number} was not told to reconnect: {chat_states(load)}"
        )
        assert chat.catch_ups >= 2, (
            f"socket client {number} did not catch up after Redis: {chat_states(load)}"
        )
    assert_nothing_lost(load, base, user, room)
    assert_sockets_caught_up(load)
    assert user.get(f"{base}/api/v1/me", timeout=5).status_code == 200, "the session did not survive"
    figure(
        "redis_outage",
        seconds_without_redis=round(back - stopped, 1),
        sockets_back_after_s=round(reconnected, 1),
        posts_acknowledged=len(load.acknowledged),
    )


def test_draining_a_worker_under_load_fails_no_get_and_loses_no_message(base, user, room):
    node = app_worker()
    ensure_tasks_on(node, APP_SERVICES)
    with Load(base, user, room, sockets=6, socket_posts=True) as load:
        ensure_sockets_on(load, node)
        gets_before, acknowledged_before = len(load.gets), len(load.acknowledged)
        set_availability(node, "drain")
        try:
            seconds = wait_converged(avoid=node)
            gets_during = load.gets[gets_before:]
            acknowledged_during = len(load.acknowledged) - acknowledged_before
            time.sleep(3)
        finally:
            set_availability(node, "active")
    assert not failed(load.gets), f"{len(failed(load.gets))} GETs failed: {failed(load.gets)[:10]}"
    assert_nothing_lost(load, base, user, room)
    assert_sockets_caught_up(load)
    moved = [chat for chat in load.chats if 1001 in chat.close_codes]
    assert moved, "no socket was closed by the drained node's ws task"
    figure(
        "drain",
        node=node,
        seconds_to_drain=round(seconds, 1),
        gets_served_meanwhile=len(gets_during),
        gets_failed=0,
        messages_acknowledged_meanwhile=acknowledged_during,
        sockets_moved=len(moved),
        frames_repeated=sum(chat.repeats for chat in load.chats),
        longest_socket_gap_s=round(max(load.ws_gaps, default=0.0), 2),
    )


def test_rolling_update_of_web_and_ws_fails_no_get(base, user, room):
    """Both at once, as a release of a new version rolls them."""
    services = ("web", "ws")
    old = {service: {task.id for task in running(service)} for service in services}
    durations = {}

    def roll(service):
        started = time.monotonic()
        force_update(service)
        durations[service] = round(time.monotonic() - started, 1)

    with Load(base, user, room, sockets=4, socket_posts=True) as load:
        rollers = [threading.Thread(target=roll, args=(service,)) for service in services]
        for roller in rollers:
            roller.start()
        for roller in rollers:
            roller.join(400)
    for service in services:
        assert service in durations, f"the update of {service} did not finish"
        new = running(service)
        assert not old[service] & {task.id for task in new}, f"some {service} tasks were not replaced"
        assert len({task.node for task in new}) >= 2, f"{service} ended on one node"
    assert not failed(load.gets), f"{len(failed(load.gets))} GETs failed: {failed(load.gets)[:10]}"
    assert_nothing_lost(load, base, user, room)
    assert_sockets_caught_up(load)
    figure(
        "rolling_update",
        seconds=durations,
        gets_served=len(load.gets),
        gets_failed=0,
        messages_acknowledged=len(load.acknowledged),
        socket_reconnects=len(load.ws_gaps),
    )


def test_losing_a_worker_reschedules_its_tasks_and_loses_no_message(base, user, room):
    node = app_worker()
    ensure_tasks_on(node, ("web", "ws"))
    with Load(base, user, room, sockets=6, socket_posts=True) as load:
        ensure_sockets_on(load, node)
        gets_before, acknowledged_before = len(load.gets), len(load.acknowledged)
        started = time.monotonic()
        lab("kill", node)
        try:
            seen_down = wait_until(
                lambda: node_by_hostname(node).state == "down", 60, f"{node} never went down"
            )
            wait_converged(avoid=node)
            recovered = time.monotonic() - started
            gets_during = load.gets[gets_before:]
            acknowledged_during = len(load.acknowledged) - acknowledged_before
            time.sleep(3)
        finally:
            lab("start", node)
    assert_nothing_lost(load, base, user, room)
    assert_sockets_caught_up(load)
    figure(
        "node_loss",
        node=node,
        seconds_to_marked_down=round(seen_down, 1),
        seconds_to_full_replicas=round(recovered, 1),
        gets_served_meanwhile=len(gets_during),
        gets_failed_meanwhile=len(failed(gets_during)),
        messages_acknowledged_meanwhile=acknowledged_during,
        socket_reconnects=len(load.ws_gaps),
        longest_socket_gap_s=round(max(load.ws_gaps, default=0.0), 2),
        frames_repeated=sum(chat.repeats for chat in load.chats),
    )
