"""The make targets a user runs, run as a user runs them, on a throwaway stack.

scripts/test-ops.sh makes the stack's env file (its own project name, ports,
secrets as *_FILE files) and runs these in file order: each test leaves the
stack as the next one expects. Every target runs with ENV_FILE pointing at
that file, which is all that separates it from a user's `make up`.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
import websocket
from ops.timings import TIMINGS

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = Path(os.environ.get("OPS_ENV_FILE", "")).resolve()
PROJECT = os.environ.get("OPS_PROJECT", "")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", ROOT / "test-output" / "ops" / "backups"))
CA = ROOT / "deploy" / "tls" / "certs" / "tls.crt"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def throwaway_stack():
    if not PROJECT:
        pytest.fail("OPS_PROJECT is not set: run these through `make test-ops` (scripts/test-ops.sh)")


def make(*args: str, timeout: float = 900, check: bool = True, cwd: Path = ROOT, **kwargs):
    started = time.monotonic()
    result = subprocess.run(
        ["make", "--no-print-directory", *args, f"ENV_FILE={ENV_FILE}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        **kwargs,
    )
    if result.returncode == 0:
        TIMINGS.setdefault(" ".join(a for a in args if not a.startswith("FILE=")), time.monotonic() - started)
    if check:
        assert result.returncode == 0, (
            f"make {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def compose(*args: str) -> str:
    env = {**os.environ, "COMPOSE_ENV_FILES": str(ENV_FILE)}
    return subprocess.run(
        ["docker", "compose", *args], capture_output=True, text=True, timeout=120, check=True, env=env
    ).stdout


def setting(name: str) -> str:
    values = [
        line.split("=", 1)[1] for line in ENV_FILE.read_text().splitlines() if line.startswith(f"{name}=")
    ]
    return values[-1] if values else ""


def set_setting(name: str, value: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "set-env"), str(ENV_FILE), f"{name}={value}"], check=True)


def containers(service: str) -> list[str]:
    return compose("ps", "-q", service).split()


def container_env(container: str) -> dict[str, str]:
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{json .Config.Env}}", container],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in json.loads(out))


def site() -> str:
    env = {**os.environ, "COMPOSE_ENV_FILES": str(ENV_FILE)}
    return subprocess.run(
        [str(ROOT / "scripts" / "site-url")], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


def verify() -> str | bool:
    return str(CA) if site().startswith("https:") else True


def get(client: requests.Session, path: str, **kwargs) -> requests.Response:
    return client.get(site() + path, verify=verify(), timeout=10, **kwargs)


def post(client: requests.Session, path: str, **kwargs) -> requests.Response:
    return client.post(site() + path, verify=verify(), timeout=30, **kwargs)


def assert_every_service_answers_through_nginx() -> None:
    """Each path reaches its own service: a stale upstream address answers 502, or 404 from another."""
    for path in ("/ready", "/api/ready", "/ws/ready"):
        response = get(requests.Session(), path)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:200]}"


def logged_in(username: str) -> requests.Session:
    client = requests.Session()
    credentials = {"username": username, "password": PASSWORD}
    post(client, "/api/v1/auth/register", json=credentials)
    response = post(client, "/api/v1/auth/login", json=credentials)
    assert response.status_code == 200, response.text
    return client


def sql(query: str) -> list[str]:
    return make("db-shell", input=query).stdout.splitlines()[1:]


# --- make up converges ---------------------------------------------------------


def test_make_up_converges_after_every_settings_change():
    make("up")
    assert_every_service_answers_through_nginx()
    for run in range(1, 6):
        value = f"{1000 + run}/minute"
        set_setting("RATELIMIT_LOGIN", value)
        started = time.monotonic()
        make("up")
        TIMINGS[f"up after a change #{run}"] = time.monotonic() - started
        web, api = containers("web")[0], containers("db-api")[0]
        assert container_env(web)["RATELIMIT_LOGIN"] == value == container_env(api)["RATELIMIT_LOGIN"]
        assert_every_service_answers_through_nginx()


# --- modes stick -----------------------------------------------------------------


def wss_round_trip(client: requests.Session, slug: str) -> None:
    base = site()
    assert base.startswith("https://")
    sock = websocket.create_connection(
        base.replace("https://", "wss://", 1) + f"/ws/rooms/{slug}",
        cookie=f"session={client.cookies['session']}",
        origin=base,
        sslopt={"ca_certs": str(CA)},
        timeout=10,
    )
    try:
        client_id = "ops-" + secrets.token_hex(6)
        sock.send(json.dumps({"type": "message", "body": "over wss", "client_id": client_id}))
        while True:
            frame = json.loads(sock.recv())
            assert frame["type"] != "error", frame
            if frame["type"] == "message" and frame["client_id"] == client_id:
                return
    finally:
        sock.close()


def test_tls_and_observability_stick_through_scale_and_up():
    make("up", "TLS=1", "OBSERVABILITY=1")
    assert "deploy/tls/compose.tls.yaml" in setting("COMPOSE_FILE")
    assert setting("COMPOSE_PROFILES") == "observability"

    make("scale", "WS=2")
    assert setting("WS_REPLICAS") == "2"
    replicas = containers("ws")
    assert len(replicas) == 2
    for replica in replicas:
        env = container_env(replica)
        assert env["SESSION_COOKIE_SECURE"] == "true", "a new replica lost the TLS overlay"
        # ws derives its https:// origins from these two; the sockets below prove it.
        assert env["HTTPS_PORT"] == setting("HTTPS_PORT")

    client = logged_in(f"ops_{secrets.token_hex(4)}")
    slug = post(client, "/api/v1/rooms", json={"name": f"TLS {secrets.token_hex(3)}"}).json()["slug"]
    # Nginx takes turns between the two replicas: four sockets reach both, the new one first.
    for _ in range(4):
        wss_round_trip(client, slug)

    make("up")  # no modes named: the ones chosen stay, and so does the scale
    assert len(containers("ws")) == 2
    assert containers("prometheus"), "the observability profile was dropped"
    assert site().startswith("https://")
    make("scale", "WS=1")
    assert len(containers("ws")) == 1


# --- day-one operations ----------------------------------------------------------


def test_db_shell_and_redis_cli_read_stdin():
    assert "users" in sql("SHOW TABLES")
    assert make("redis-cli", input="PING\n").stdout.strip() == "PONG"
    assert make("redis-cli", "ARGS=DBSIZE").stdout.strip().isdigit()


def test_seed_adds_a_living_site_once():
    first = make("seed").stdout
    assert "log in as alice" in first
    counts = sql("SELECT COUNT(*) FROM users; SELECT COUNT(*) FROM rooms; SELECT COUNT(*) FROM messages")
    again = make("seed").stdout
    assert " 0 new messages" in again
    assert (
        sql("SELECT COUNT(*) FROM users; SELECT COUNT(*) FROM rooms; SELECT COUNT(*) FROM messages") == counts
    )
    alice_password = re.search(r"alice / (\S+)", again).group(1)
    alice = requests.Session()
    login = post(alice, "/api/v1/auth/login", json={"username": "alice", "password": alice_password})
    assert login.status_code == 200


def test_destructive_targets_ask_first():
    users = sql("SELECT COUNT(*) FROM users")
    refused = make("reset", check=False, stdin=subprocess.DEVNULL)
    assert refused.returncode != 0
    assert "run it again with YES=1" in refused.stderr

    controller, terminal = pty.openpty()
    try:
        answered = subprocess.Popen(
            ["make", "--no-print-directory", "reset", f"ENV_FILE={ENV_FILE}"],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        os.write(controller, b"no\n")
        output = answered.communicate(timeout=60)[0].decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert answered.returncode != 0
    assert "Type yes to go on" in output and "nothing done" in output
    assert sql("SELECT COUNT(*) FROM users") == users


def upload(client: requests.Session, slug: str, content: bytes) -> str:
    page = get(client, f"/rooms/{slug}").text
    token = CSRF.search(page).group(1)
    response = post(
        client,
        f"/rooms/{slug}/files",
        # Over HTTPS Flask-WTF also wants the Referer a browser sends.
        headers={"Referer": site() + f"/rooms/{slug}"},
        data={"csrf_token": token},
        files={"file": ("data.bin", content, "application/octet-stream")},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return re.findall(r'href="(/files/\d+)"', get(client, f"/rooms/{slug}").text)[-1]


def test_fill_never_invents_a_password_for_an_existing_database(tmp_path):
    copy = tmp_path / "ops.env"
    copy.write_text(ENV_FILE.read_text().replace("DB_ROOT_PASSWORD_FILE=", "#DB_ROOT_PASSWORD_FILE="))
    result = subprocess.run(
        [str(ROOT / "scripts" / "init-env"), "--fill", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"the volume {PROJECT}_mysql-data keeps the password it was created with" in result.stderr
    assert not re.search(r"^DB_ROOT_PASSWORD=.+", copy.read_text(), re.MULTILINE)


def test_backup_then_reset_then_restore_gives_back_everything():
    username = f"ops_{secrets.token_hex(4)}"
    client = logged_in(username)
    slug = post(client, "/api/v1/rooms", json={"name": f"Backup {secrets.token_hex(3)}"}).json()["slug"]
    for number in range(3):
        body = {"body": f"before the backup {number}", "client_id": f"b{number}-{secrets.token_hex(4)}"}
        assert post(client, f"/api/v1/rooms/{slug}/messages", json=body).status_code == 201
    content = secrets.token_bytes(1536 * 1024)  # more than one 1 MiB chunk
    link = upload(client, slug, content)
    messages = get(client, f"/api/v1/rooms/{slug}/messages").json()
    me = get(client, "/api/v1/me").json()

    backup = make("backup", env={**os.environ, "BACKUP_DIR": str(BACKUP_DIR)}).stdout
    archive = Path(re.search(r"backup: (\S+\.tar\.gz)", backup).group(1))
    assert archive.is_file() and archive.stat().st_mode & 0o077 == 0, "a backup is for its owner only"
    TIMINGS["backup archive bytes"] = archive.stat().st_size

    make("reset", "YES=1")
    assert get(client, "/api/v1/me").status_code == 401, "reset kept the sessions"
    assert sql("SELECT COUNT(*) FROM users") == ["0"]

    make("restore", f"FILE={archive}", "YES=1")
    assert get(client, "/api/v1/me").json() == me, "the session did not survive the restore"
    again = logged_in(username)
    assert get(again, f"/api/v1/rooms/{slug}/messages").json() == messages
    download = get(again, link)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(content).hexdigest()
    assert_every_service_answers_through_nginx()


def test_loadtest_never_touches_the_running_stack():
    def state():
        ids = compose("ps", "-q").split()
        return {
            c: subprocess.check_output(["docker", "inspect", "-f", "{{.State.StartedAt}}", c]) for c in ids
        }

    before, settings_before = state(), ENV_FILE.read_text()
    env = {**os.environ, "LOADTEST_PROJECT": f"{PROJECT}-loadtest", "LOCUST_CHECK_LATENCY": "0"}
    make("loadtest", "USERS=4", "SPAWN_RATE=4", "DURATION=5s", env=env)
    assert state() == before
    assert ENV_FILE.read_text() == settings_before
    left = subprocess.check_output(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}-loadtest"]
    )
    assert not left.split(), "the throwaway load-test stack was left behind"


# --- and away again ----------------------------------------------------------------


def test_down_stops_every_profile():
    assert containers("prometheus")
    make("down")
    left = subprocess.check_output(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}"]
    )
    assert not left.split()


def test_clean_removes_data_images_venv_and_test_output(tmp_path):
    """In a copy of the repository, so this checkout keeps its .venv; on copies of the images."""
    clone = tmp_path / "clone"
    tracked = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    for name in subprocess.check_output(tracked, cwd=ROOT, text=True).splitlines():
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    for kept in (".venv/bin", "test-output/x", "backups"):
        (clone / kept).mkdir(parents=True)
    tag = f"{PROJECT}-clean"
    images = [f"roomservice/{name}" for name in ("web", "ws", "db-api", "nginx")]
    current = {c.split(":")[0]: c for c in compose("config", "--images").split()}
    for image in images:
        subprocess.run(["docker", "tag", current[image], f"{image}:{tag}"], check=True)

    make("clean", "YES=1", f"IMAGE_TAG={tag}", cwd=clone, env={**os.environ, "IMAGE_TAG": tag})
    for image in images:
        assert subprocess.run(
            ["docker", "image", "inspect", f"{image}:{tag}"], capture_output=True
        ).returncode
        assert not subprocess.run(
            ["docker", "image", "inspect", current[image]], capture_output=True
        ).returncode
    volumes = subprocess.check_output(
        ["docker", "volume", "ls", "-q", "--filter", f"name={PROJECT}_"], text=True
    )
    assert not volumes.split()
    assert not (clone / ".venv").exists() and not (clone / "test-output").exists()
    assert (clone / "backups").is_dir(), "clean must never delete backups"
