"""What the figures were measured on: machine, versions, images, load."""

from __future__ import annotations

import datetime
import subprocess

from harness.shell import CLIENT, PROJECT, container_ids, run


def machine() -> dict:
    def sh(cmd: str) -> str:
        done = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip()

    def in_service(service: str, cmd: str) -> str:
        done = subprocess.run(
            ["docker", "compose", "exec", "-T", service, "sh", "-c", cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        return (
            (done.stdout + done.stderr).strip().splitlines()[0]
            if (done.stdout + done.stderr).strip()
            else "?"
        )

    pip_versions = (
        'python -c "import importlib.metadata as m, sys; print(sys.version.split()[0], '
        "' '.join(f'{p}=={m.version(p)}' for p in sys.argv[1:]))\" "
    )
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": sh("nproc") + " cores, " + sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "kernel": sh("uname -sr"),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "docker": sh("docker version --format 'engine {{.Server.Version}}'")
        + ", "
        + sh("docker compose version"),
        "loadavg": sh("cat /proc/loadavg"),
        "other_containers": sh(f"docker ps --format '{{{{.Names}}}}' | grep -vc '^{PROJECT}' || true"),
        "nginx": in_service("nginx", "nginx -v 2>&1"),
        "web": in_service("web", pip_versions + "flask werkzeug gunicorn gevent redis jinja2"),
        "ws": in_service("ws", pip_versions + "gunicorn gevent gevent-websocket"),
        "db-api": in_service("db-api", pip_versions + "gunicorn pymysql dbutils"),
        "redis": in_service("redis", "redis-server --version"),
        "mariadb": in_service("mysql", "mariadbd --version || mysqld --version"),
        "bench client": run(["docker", "exec", CLIENT, "sh", "-c", "wrk --version 2>&1 | head -1"]).strip()
        + "; "
        + run(["docker", "exec", CLIENT, "sh", "-c", pip_versions + "websockets py-spy"]).strip(),
    }
    images = set()
    for service in ("nginx", "web", "ws", "db-api", "redis", "mysql"):
        for container in container_ids(service):
            ref = run(["docker", "inspect", "-f", "{{.Config.Image}}", container]).strip()
            image_id = run(["docker", "inspect", "-f", "{{.Image}}", container]).strip()
            images.add(f"{ref} ({image_id.removeprefix('sha256:')[:12]})")
    info["images"] = sorted(images)
    return info
