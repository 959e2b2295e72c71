"""Nginx's stub_status as Prometheus metrics.

The official nginx-prometheus-exporter does exactly this; this stand-in has
no dependency beyond the standard library, so the observability profile
builds from the same Python base image as the services.
"""

import os
import re
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUS_URL = os.environ.get("NGINX_STATUS_URL", "http://nginx:8081/nginx_status")
PATTERN = re.compile(
    r"Active connections:\s+(\d+).*?(\d+)\s+(\d+)\s+(\d+).*?"
    r"Reading:\s+(\d+)\s+Writing:\s+(\d+)\s+Waiting:\s+(\d+)",
    re.S,
)


def scrape() -> str:
    try:
        with urllib.request.urlopen(STATUS_URL, timeout=2) as response:  # noqa: S310 - fixed internal URL
            text = response.read().decode()
    except OSError:
        return "# HELP nginx_up Whether Nginx answered.\n# TYPE nginx_up gauge\nnginx_up 0\n"
    active, accepted, handled, requests, reading, writing, waiting = PATTERN.search(text).groups()
    lines = [
        ("nginx_up", "gauge", "Whether Nginx answered.", "1"),
        ("nginx_connections_active", "gauge", "Open client connections.", active),
        ("nginx_connections_accepted_total", "counter", "Accepted client connections.", accepted),
        ("nginx_connections_handled_total", "counter", "Handled client connections.", handled),
        ("nginx_http_requests_total", "counter", "Client requests.", requests),
        ("nginx_connections_reading", "gauge", "Connections reading the request.", reading),
        ("nginx_connections_writing", "gauge", "Connections writing the response.", writing),
        ("nginx_connections_waiting", "gauge", "Idle keep-alive connections.", waiting),
    ]
    return "".join(f"# HELP {n} {h}\n# TYPE {n} {t}\n{n} {v}\n" for n, t, h, v in lines)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = scrape().encode() if self.path == "/metrics" else b"nginx-exporter\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 9113), Handler).serve_forever()
