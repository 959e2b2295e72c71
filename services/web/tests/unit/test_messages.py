"""The message form's answer when db-api refuses it over the account's budget.

The route itself (login, the post, the 303 back) is tested against the real
stack: services/web/tests/integration/test_pages.py.
"""

from servicekit.internal_api import DbApiError
from web.rooms.routes import over_message_budget


def test_over_the_budget_is_the_429_page_with_db_apis_retry_after(app):
    refusal = DbApiError(
        429, {"error": {"code": "rate_limited", "message": "120 per 1 minute"}}, retry_after=7
    )
    with app.test_request_context(method="POST"):
        response = over_message_budget(refusal)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert "Too many attempts for now: the limit is 120 per 1 minute." in response.get_data(as_text=True)
