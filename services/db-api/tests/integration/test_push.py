"""Push: a new message is published once to ``room:<slug>``; Redis down loses nothing."""

from __future__ import annotations

import json
import time


def next_message(pubsub, timeout=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if item is not None:
            return json.loads(item["data"])
    return None


def test_new_message_is_published_once(client, room, redis_client):
    pubsub = redis_client.pubsub()
    pubsub.subscribe(f"room:{room['slug']}")
    next_message(pubsub, 0.2)
    url = f"/api/v1/rooms/{room['slug']}/messages"
    message = client.post(url, json={"body": "push me 😀", "client_id": "p1"}).get_json()
    assert next_message(pubsub) == {"type": "message", **message}
    assert client.post(url, json={"body": "push me 😀", "client_id": "p1"}).status_code == 200
    assert next_message(pubsub, 0.5) is None, "a repeat is not pushed again"
    pubsub.close()


def test_redis_down_at_publish_still_stores(make_app, base_config, client, room):
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    svc = broken.test_client()
    response = svc.post(
        f"/api/internal/rooms/{room['slug']}/messages",
        json={"user_id": client.user["id"], "body": "stored anyway"},
        headers={"Authorization": f"Bearer {base_config['SERVICE_TOKEN']}"},
    )
    assert response.status_code == 201
    message = response.get_json()
    items = client.get(f"/api/v1/rooms/{room['slug']}/messages?after={message['id'] - 1}").get_json()["items"]
    assert items == [message]
