"""Attack 4: dodging the per-account login limit, or turning it into a lockout.

Before: the account bucket was keyed by ``username.lower()`` while MariaDB's
collation matches accents and widths, so ``VÍCTIM``, ``vÍctim`` and a
full-width ``victim`` all logged into ``victim``, each with a fresh bucket;
and every attempt counted toward the account, so one address kept the owner
locked out everywhere. Now a name outside the username rule never logs in,
every spelling inside it is the same bucket, only failures count, and they
count per account *and* address (plus a per-account ceiling one address
cannot reach).
"""

from __future__ import annotations

import html
import re
import secrets

import requests
from abuse.settings import setting
from e2e.stack import client_address, register_and_login

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def failed_limit() -> int:
    """How many failed logins one address gets per account (RATELIMIT_LOGIN_FAILED)."""
    return int(setting("RATELIMIT_LOGIN_FAILED").split("/")[0])


def api_login(base_url: str, username: str, password: str, address: str) -> requests.Response:
    return requests.post(
        f"{base_url}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def form_login(base_url: str, username: str, password: str, address: str) -> requests.Response:
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = address
    token = html.unescape(CSRF.search(browser.get(f"{base_url}/auth/login", timeout=10).text).group(1))
    return browser.post(
        f"{base_url}/auth/login",
        data={"csrf_token": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=30,
    )


def victim(base_url: str) -> str:
    name = f"victim_{secrets.token_hex(3)}"
    register_and_login(
        base_url, {"username": name, "password": PASSWORD}, {"X-Forwarded-For": client_address()}
    )
    return name


def test_no_spelling_of_a_name_dodges_its_bucket_or_logs_in(base_url, under_attack):
    name = victim(base_url)
    attacker = client_address()
    outside_rule = [
        name.replace("i", "\u00cd", 1).upper(),
        name.replace("i", "\u00cd", 1),
        "\uff56" + name[1:],
    ]
    with under_attack():
        for typed in outside_rule:
            refused = api_login(base_url, typed, PASSWORD, attacker)
            assert refused.status_code == 401, f"{typed!r} logged into {name!r} with its password"
        spellings = [name.upper(), name.capitalize(), name, name.swapcase()]
        answers = [
            api_login(base_url, spellings[i % 4], "a wrong guess", attacker)
            for i in range(failed_limit() + 2)
        ]
    guessed = [answer.status_code for answer in answers]
    assert guessed == [401] * failed_limit() + [429, 429], "every spelling shares one bucket"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_one_address_cannot_lock_the_owner_out(base_url, under_attack):
    name = victim(base_url)
    attacker, owner = client_address(), client_address()
    with under_attack():
        half = failed_limit() // 2
        statuses = [api_login(base_url, name, "a wrong guess", attacker).status_code for _ in range(half)]
        statuses += [form_login(base_url, name, "a wrong guess", attacker).status_code for _ in range(half)]
        while len(statuses) < failed_limit():
            statuses.append(api_login(base_url, name, "a wrong guess", attacker).status_code)
        assert statuses == [401] * failed_limit()
        # The web form and the JSON API share the bucket: spent on both, refused on both.
        assert api_login(base_url, name, PASSWORD, attacker).status_code == 429
        page = form_login(base_url, name, PASSWORD, attacker)
        assert page.status_code == 429
        assert "Slow down a little" in page.text
        # The owner, elsewhere, is let in by both.
        assert api_login(base_url, name, PASSWORD, owner).status_code == 200
        assert form_login(base_url, name, PASSWORD, owner).status_code == 302
