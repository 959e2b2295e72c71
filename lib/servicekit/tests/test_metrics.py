"""The Redis error counter and the Redis memory collector, against a Redis that refuses.

The conftest's app points at a closed port: a real, instantly refused Redis.
The stack tests (tests/e2e, tests/faults) move the same metrics in the
running services; these pin down the wiring of each handled failure.
"""

from prometheus_client import REGISTRY

from servicekit.metrics import RedisMemoryCollector, add_collector


def redis_errors(operation: str) -> float:
    labels = {"service": "demo", "operation": operation}
    return REGISTRY.get_sample_value("roomservice_redis_errors_total", labels) or 0.0


def test_a_session_read_that_fails_is_counted_once(app, stored_session_id):
    client = app.test_client()
    client.set_cookie("session", stored_session_id)
    before = redis_errors("session")
    assert client.get("/whoami").status_code == 503
    assert redis_errors("session") == before + 1


def test_a_readiness_check_that_fails_is_counted(app):
    before = redis_errors("ready")
    assert app.test_client().get("/demo/ready").status_code == 503
    assert redis_errors("ready") == before + 1


def test_redis_down_is_redis_up_0_in_a_scrape_that_still_answers(app):
    add_collector(app, RedisMemoryCollector(app.extensions["redis"], "demo"))
    before = redis_errors("info")
    scrape = app.test_client().get("/metrics")
    assert scrape.status_code == 200
    assert "roomservice_redis_up 0.0" in scrape.text
    assert "roomservice_redis_memory_used_bytes " not in scrape.text
    assert redis_errors("info") == before + 1
