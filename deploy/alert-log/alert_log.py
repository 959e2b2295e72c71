"""Alertmanager's default webhook receiver: each alert it is told about, as one JSON log line.

Until ALERTMANAGER_WEBHOOK_URL names a real receiver (a chat or paging
webhook), firing and resolved alerts land in `docker compose logs alert-log`,
next to every other service's JSON lines. Standard library only: it runs in
the official Python image with this file mounted. Only Alertmanager reaches
it (front network, no published port); bodies over MAX_BODY are refused.
"""

import json
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8080
MAX_BODY = 1024 * 1024


def log(**fields) -> None:
    line = {"timestamp": datetime.now(timezone.utc).isoformat(), "service": "alert-log", **fields}
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


def log_notification(payload: dict) -> None:
    for alert in payload.get("alerts", []):
        labels = alert.get("labels", {})
        log(
            event="alert",
            status=alert.get("status"),
            alertname=labels.get("alertname"),
            severity=labels.get("severity"),
            labels=labels,
            summary=alert.get("annotations", {}).get("summary"),
            starts_at=alert.get("startsAt"),
            ends_at=alert.get("endsAt"),
            receiver=payload.get("receiver"),
        )


class Handler(BaseHTTPRequestHandler):
    timeout = 10  # seconds a connection may stall

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self.answer(413 if length else 411)
            return
        try:
            payload = json.loads(self.rfile.read(length))
        except ValueError:
            self.answer(400)
            return
        if not isinstance(payload, dict):
            self.answer(400)
            return
        log_notification(payload)
        self.answer(200)

    def do_GET(self):
        self.answer(200 if self.path == "/health" else 404)

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        """No access lines: the alerts are the log."""


if __name__ == "__main__":
    log(event="listening", port=PORT)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
