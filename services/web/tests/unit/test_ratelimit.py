"""Login and register attempts are rate-limited (counted in memory here, in Redis in production)."""

import pytest


@pytest.fixture
def limited(app_factory):
    app = app_factory(
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_LOGIN="2/minute",
        RATELIMIT_REGISTER="2/minute",
    )
    return app.test_client()


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_too_many_attempts_get_the_429_page(limited, path):
    statuses = [limited.post(path, data={"username": "someone"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    page = limited.post(path, data={"username": "someone"})
    assert "Slow down a little" in page.text
    assert "the limit is 2 per 1 minute" in page.text
    assert int(page.headers["Retry-After"]) > 0


def test_viewing_the_form_is_not_an_attempt(limited):
    for _ in range(5):
        assert limited.get("/auth/login").status_code == 200
    assert limited.post("/auth/login", data={}).status_code == 422
