"""The one way web and ws talk to db-api's ``/api/internal/`` routes.

A pooled keep-alive ``requests.Session`` per process, a timeout on every call,
the service token and the caller's request id on every request. Idempotent
requests (GET, and PUT/DELETE by definition) are retried once on a connection
error so a db-api replica going away mid-rollout is invisible; POSTs are
retried only when the caller says they are idempotent (a ``client_id``).
Failures become :class:`DbApiUnavailable`, which each service answers with
its own 503.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from servicekit.logs import REQUEST_ID_HEADER, request_id


class DbApiUnavailable(Exception):
    """db-api did not answer in time, or answered 5xx."""


class DbApiError(Exception):
    """db-api refused the request (4xx); ``status`` and ``body`` say why."""

    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(f"db-api answered {status}")
        self.status = status
        self.body = body

    @property
    def error(self) -> dict[str, Any]:
        return self.body.get("error", {}) if isinstance(self.body, dict) else {}


class DbApiClient:
    def __init__(self, base_url: str, token: str, timeout: float, pool_size: int = 32):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        # A plain http:// call inside the network: no proxy settings or CA
        # bundles to look up from the environment on every request.
        self.session.trust_env = False
        retry = Retry(
            total=2,
            connect=2,
            read=1,
            status=0,
            backoff_factor=0.1,
            allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, *, idempotent: bool = False, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.token}"
        headers[REQUEST_ID_HEADER] = request_id()
        attempts = 2 if idempotent and method == "POST" else 1
        for attempt in range(attempts):
            try:
                response = self.session.request(
                    method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
                )
            except requests.RequestException as exc:
                if attempt + 1 < attempts:
                    continue
                raise DbApiUnavailable(str(exc)) from exc
            if response.status_code in (502, 503, 504) and attempt + 1 < attempts:
                continue
            break
        if response.status_code >= 500:
            raise DbApiUnavailable(f"db-api answered {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise DbApiError(response.status_code, body)
        return response

    def get_json(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, payload: dict, *, idempotent: bool = False) -> requests.Response:
        return self.request("POST", path, json=payload, idempotent=idempotent)


def init_db_api(app: Flask, pool_size: int = 32) -> DbApiClient:
    client = DbApiClient(
        app.config["DB_API_URL"], app.config["SERVICE_TOKEN"], app.config["DB_API_TIMEOUT"], pool_size
    )
    app.extensions["db_api"] = client
    return client


def db_api() -> DbApiClient:
    return current_app.extensions["db_api"]
