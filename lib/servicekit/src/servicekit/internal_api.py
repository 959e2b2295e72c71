"""The one way web and ws talk to db-api's ``/api/internal/`` routes.

A pooled keep-alive ``requests.Session`` per process, the service token and
the caller's request id on every request, and **one retry policy**, stated
here and nowhere else:

* Every unit of work has a time budget for db-api, ``DB_API_TIMEOUT``
  (default 2 s): an HTTP request to web (started by a ``before_request``
  hook), a WebSocket handshake, each WebSocket frame (ws starts one per
  frame with :func:`start_budget`). All of its calls and retries share it,
  so a page or a frame never waits longer than that for db-api, however many
  calls it makes; once it is spent, the next call fails at once.
* A call that could not connect (refused, reset before sending, connect
  timeout) is tried once more after :data:`RETRY_PAUSE` if the budget allows:
  nothing reached db-api, so it is safe for every method but a POST the
  caller did not mark idempotent (a ``client_id``). A 502/503/504 answer is
  retried the same way (a replica going away mid-rollout).
* A call that was sent but not answered in time is **not** retried: db-api
  may be slow rather than gone, and asking again would double the wait.
* Registering and logging in hash a password, slow by design and queued
  behind other hashes (db-api's ``PASSWORD_HASH_WAIT``): those calls pass a
  ``budget`` of their own (``DB_API_AUTH_TIMEOUT``, default 10 s) instead.
* A file upload or download (:meth:`DbApiClient.transfer`) is a unit of work
  of its own, as long as the caller allows (web: ``FILE_TRANSFER_TIMEOUT``);
  a page that goes on calling db-api after one starts a fresh budget.

Failures become :class:`DbApiUnavailable`, which each service answers with
its own 503.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import msgspec
import requests
from flask import Flask, current_app, g, has_app_context
from requests.adapters import HTTPAdapter

from servicekit.logs import REQUEST_ID_HEADER, request_id

# Connecting inside the network takes a millisecond; longer means db-api is not there.
CONNECT_TIMEOUT = 0.5
RETRY_PAUSE = 0.05
RETRIED_STATUSES = frozenset({502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
TRANSFER_WAIT = 10.0
INTERNAL_PREFIX = "/api/internal"


def internal_path(*segments: str | int) -> str:
    """The path of an internal route, each segment percent-encoded (a slug
    comes from a URL, so ``/`` or ``?`` in it must stay inside its segment):
    ``internal_path("rooms", slug, "messages")``. Every caller builds its
    paths here, so the prefix and the quoting exist once."""
    return "/".join([INTERNAL_PREFIX, *(quote(str(segment), safe="") for segment in segments)])


class DbApiUnavailable(Exception):
    """db-api did not answer in time, or answered 5xx."""


class DbApiError(Exception):
    """db-api refused the request (4xx); ``status`` and ``body`` say why.

    ``retry_after`` is db-api's ``Retry-After`` in seconds (a 429), else ``None``.
    """

    def __init__(self, status: int, body: dict[str, Any], retry_after: int | None = None):
        super().__init__(f"db-api answered {status}")
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def error(self) -> dict[str, Any]:
        return self.body.get("error", {}) if isinstance(self.body, dict) else {}


class DbApiClient:
    def __init__(self, base_url: str, token: str, budget: float, pool_size: int = 32):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.budget = budget
        self.session = requests.Session()
        # A plain http:// call inside the network: no proxy settings or CA
        # bundles to look up from the environment on every request.
        self.session.trust_env = False
        # No urllib3 retries: the policy above is the only one.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def deadline(self) -> float:
        """When the current unit of work's budget runs out (a fresh one outside any)."""
        if has_app_context() and "db_api_deadline" in g:
            return g.db_api_deadline
        return time.monotonic() + self.budget

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = False,
        budget: float | None = None,
        deadline: float | None = None,
        wait: float | None = None,
        **kwargs,
    ) -> requests.Response:
        """One call under the policy above: ``budget`` for a slow call (a password
        hash), ``deadline`` and ``wait`` for :meth:`transfer`."""
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.token}"
        headers[REQUEST_ID_HEADER] = request_id()
        if deadline is None:
            deadline = self.deadline() if budget is None else time.monotonic() + budget
        attempts = 2 if method in SAFE_METHODS or idempotent else 1
        for attempt in range(attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DbApiUnavailable(f"no answer from db-api within {budget or self.budget} s")
            last = attempt + 1 == attempts
            # urllib3 sends the body under the connect timeout and reads under the other.
            connect = CONNECT_TIMEOUT if wait is None else wait
            read = remaining if wait is None else min(wait, remaining)
            try:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    headers=headers,
                    timeout=(min(connect, remaining), read),
                    **kwargs,
                )
            except requests.ConnectionError as exc:  # includes ConnectTimeout, not ReadTimeout
                if last:
                    raise DbApiUnavailable(str(exc)) from exc
                time.sleep(RETRY_PAUSE)
                continue
            except requests.RequestException as exc:  # sent, not answered in time: never again
                raise DbApiUnavailable(str(exc)) from exc
            if response.status_code in RETRIED_STATUSES and not last:
                time.sleep(RETRY_PAUSE)
                continue
            break
        if response.status_code >= 500:
            raise DbApiUnavailable(f"db-api answered {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            retry_after = response.headers.get("Retry-After", "")
            raise DbApiError(response.status_code, body, int(retry_after) if retry_after.isdigit() else None)
        return response

    def transfer(self, method: str, path: str, seconds: float, **kwargs) -> requests.Response:
        """A file upload or download: a unit of work of its own, ``seconds`` long.

        The body streams either way at the pace of the browser at the other
        end, so each wait (db-api reading the next piece while it inserts a
        chunk, its answer after the last one, the next piece of a download)
        may take up to :data:`TRANSFER_WAIT`, not the page's budget. Like
        every call, it is never sent twice.
        """
        return self.request(method, path, deadline=time.monotonic() + seconds, wait=TRANSFER_WAIT, **kwargs)

    def get_json(self, path: str, **kwargs) -> Any:
        """The parsed answer; db-api's own JSON, so msgspec's fast parser is safe here."""
        return msgspec.json.decode(self.request("GET", path, **kwargs).content)

    def post_json(
        self, path: str, payload: dict, *, idempotent: bool = False, budget: float | None = None
    ) -> requests.Response:
        return self.request("POST", path, json=payload, idempotent=idempotent, budget=budget)


def start_budget() -> None:
    """Start this unit of work's db-api budget (a ``before_request`` hook; ws calls it per frame)."""
    g.db_api_deadline = time.monotonic() + current_app.extensions["db_api"].budget


def init_db_api(app: Flask, pool_size: int = 32) -> DbApiClient:
    client = DbApiClient(
        app.config["DB_API_URL"], app.config["SERVICE_TOKEN"], app.config["DB_API_TIMEOUT"], pool_size
    )
    app.extensions["db_api"] = client
    app.before_request(start_budget)
    return client


def db_api() -> DbApiClient:
    return current_app.extensions["db_api"]
