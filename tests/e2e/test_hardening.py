"""What ships is hardened: every container of the running stack and every image."""

import json
import os
import subprocess

import pymysql
import pytest
from e2e.stack import compose

# Images that must run as root to start (none today); everything else is non-root.
ROOT_ALLOWED: set[str] = set()
LONG_RUNNING = ["nginx", "web", "ws", "db-api", "redis", "mysql"]
OWN_IMAGES = ["roomservice/web", "roomservice/ws", "roomservice/db-api", "roomservice/nginx"]
SECRETS = [
    "SECRET_KEY",
    "SERVICE_TOKEN",
    "DB_PASSWORD",
    "DB_MIGRATE_PASSWORD",
    "DB_ROOT_PASSWORD",
    "REDIS_PASSWORD",
]


def inspect(service: str) -> dict:
    container_id = compose("ps", "-q", service).split()[0]
    output = subprocess.run(["docker", "inspect", container_id], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)[0]


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_container_is_locked_down(service):
    info = inspect(service)
    config, host = info["Config"], info["HostConfig"]
    if service not in ROOT_ALLOWED:
        assert config["User"] not in ("", "0", "root", "0:0"), f"{service} runs as root"
    assert host["ReadonlyRootfs"] is True, f"{service} has a writable root filesystem"
    assert "no-new-privileges:true" in (host["SecurityOpt"] or [])
    assert host["CapDrop"] == ["ALL"] or "ALL" in host["CapDrop"]
    assert not host["CapAdd"]
    assert not host["Privileged"]


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_only_nginx_publishes_a_port(service):
    ports = inspect(service)["HostConfig"]["PortBindings"] or {}
    published = {port for port, bindings in ports.items() if bindings}
    if service == "nginx":
        assert published, "nginx publishes the site"
        assert all(b["HostIp"] == "127.0.0.1" for port in published for b in ports[port])
    elif os.environ.get("TEST_REDIS_PORT") and service in ("redis", "mysql"):
        # The test overlay publishes the databases on loopback for the integration tests.
        assert all(b["HostIp"] == "127.0.0.1" for port in published for b in ports[port])
    else:
        assert not published, f"{service} publishes {published}"


@pytest.mark.parametrize("image", OWN_IMAGES)
def test_no_secret_in_image_environment_or_layers(image):
    tag = f"{image}:{os.environ.get('IMAGE_TAG', 'latest')}"
    config = json.loads(
        subprocess.run(["docker", "image", "inspect", tag], capture_output=True, text=True, check=True).stdout
    )[0]["Config"]
    env_names = {entry.split("=", 1)[0] for entry in config.get("Env") or []}
    assert not env_names & set(SECRETS), f"{tag} bakes {env_names & set(SECRETS)}"
    history = subprocess.run(
        ["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in SECRETS:
        value = os.environ.get(name)
        assert value and value not in history, f"{name}'s value appears in {tag}'s layers"
    files = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "sh", tag, "-c", "ls -a /; ls -a /app 2>/dev/null || true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ".env" not in files, f"{tag} contains a .env file"


@pytest.mark.parametrize("secret", ["", "short", "dev-insecure-change-me"])
def test_production_refuses_a_default_or_short_secret_key(secret):
    result = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-e",
            "APP_ENV=production",
            "-e",
            f"SECRET_KEY={secret}",
            "-e",
            "SERVICE_TOKEN=" + "t" * 40,
            "--entrypoint",
            "python",
            f"roomservice/web:{os.environ.get('IMAGE_TAG', 'latest')}",
            "-c",
            "from web import create_app; create_app()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("service", ["web", "ws", "db-api"])
def test_services_never_hold_the_schema_owners_or_roots_password(service):
    names = {entry.split("=", 1)[0] for entry in inspect(service)["Config"]["Env"]}
    assert not names & {"DB_MIGRATE_PASSWORD", "DB_ROOT_PASSWORD"}, f"{service} holds {names}"


@pytest.mark.parametrize(
    "statement",
    ["CREATE TABLE intruder (id INT)", "DROP TABLE messages", "ALTER TABLE users ADD COLUMN is_admin INT"],
)
def test_db_api_database_user_may_read_and_write_rows_but_not_change_the_schema(statement):
    """The user the stack's migrate service provisioned, as db-api connects with it."""
    con = pymysql.connect(
        host=os.environ["TEST_DB_HOST"],
        port=int(os.environ["TEST_DB_PORT"]),
        user=os.environ.get("DB_USER", "roomservice"),
        password=os.environ["DB_PASSWORD"],
        database=os.environ.get("DB_NAME", "roomservice"),
    )
    try:
        with con.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM users")
            with pytest.raises(pymysql.err.OperationalError) as denied:
                cur.execute(statement)
        assert denied.value.args[0] == 1142, denied.value  # command denied to user for the table
    finally:
        con.close()
