"""Load for roomservice through Nginx. Plain on purpose: module-level tasks
and a weights table, configured by a few environment variables."""

from locust import FastHttpUser, between


def web_health(user):
    user.client.get("/health", name="web /health")


def api_health(user):
    user.client.get("/api/health", name="api /health")


def ws_health(user):
    user.client.get("/ws/health", name="ws /health")


class HealthChecker(FastHttpUser):
    wait_time = between(0.5, 1.5)
    tasks = {web_health: 2, api_health: 1, ws_health: 1}
