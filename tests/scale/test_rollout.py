"""`make rollout` under load: zero failed GETs, no message lost or stored twice,
every WebSocket client back and receiving within 5 s."""

import pytest
from e2e.load import Load, assert_nothing_lost, record
from e2e.stack import run_script

RETRYABLE = {502, 503, 504, "ConnectionError", "ReadTimeout"}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", ["web", "db-api", "ws"])
def test_rollout_under_load_loses_nothing(two_of_each, user, room, service):
    with Load(two_of_each, user, room, sockets=3) as load:
        run_script("rollout.sh", service, timeout=300)
    failed = [answer for answer in load.gets if answer != 200]
    assert not failed, f"{len(failed)} failed GETs: {failed[:10]}"
    assert set(load.post_answers) <= {200, 201} | RETRYABLE, f"POST answers: {set(load.post_answers)}"
    assert_nothing_lost(load, two_of_each, user, room)
    assert all(gap <= 5 for gap in load.ws_gaps), f"WebSocket clients were away {max(load.ws_gaps):.1f} s"
    if service == "ws":
        assert load.ws_gaps, "the ws rollout never moved a socket"
    record(f"rollout of {service} (2 replicas)", load)
