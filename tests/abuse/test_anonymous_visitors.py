"""Attack 2 of issue 12: anonymous page views must not fill Redis.

Each page below carries a form, so its CSRF token must live somewhere; a
visitor who never logs in may leave nothing lasting in Redis for it (at most
a short-lived key behind a per-address rate).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

PAGES = ("/auth/login", "/auth/register", "/")
VIEWS = 500
AN_HOUR = 3600


def keys_with_ttl(redis) -> dict[bytes, int]:
    keys = list(redis.scan_iter(count=1000))
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.ttl(key)
    return dict(zip(keys, pipe.execute(), strict=True))


def anonymous_view(url: str) -> int:
    # A fresh client each time: the attacker keeps no cookie.
    return requests.get(url, timeout=10).status_code


def test_500_anonymous_page_views_leave_no_lasting_key_in_redis(base_url, redis_client, under_attack):
    urls = [base_url + PAGES[i % len(PAGES)] for i in range(VIEWS)]
    with under_attack():
        before = keys_with_ttl(redis_client)  # the bystander is logged in by now
        with ThreadPoolExecutor(2) as pool:
            answers = Counter(pool.map(anonymous_view, urls))
        after = keys_with_ttl(redis_client)
    assert set(answers) <= {200, 429}, answers
    assert answers[200] > 0, answers
    new = {key: ttl for key, ttl in after.items() if key not in before}
    assert not [key for key in new if key.startswith(b"session:")], f"{len(new)} new keys: {sorted(new)[:5]}"
    lasting = {key: ttl for key, ttl in new.items() if not 0 < ttl <= AN_HOUR}
    assert not lasting, f"keys that outlive an hour: {sorted(lasting.items())[:5]}"
    # The bystander's presence entry and a per-address counter at most.
    assert len(new) <= 5, sorted(new)
