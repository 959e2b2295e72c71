"""scripts/check-env, init-env and set-env on env files in a temporary directory (no Docker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
# A project no Docker engine has: init-env --fill finds no MariaDB volume for it.
NO_SUCH_PROJECT = "rs-settings-unit-test-no-such-project"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPOSE_PROJECT_NAME": NO_SUCH_PROJECT}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd, env=env
    )


@pytest.fixture
def env_file(tmp_path) -> Path:
    """A fresh .env, exactly as the first `make up` writes it."""
    path = tmp_path / ".env"
    assert run(str(SCRIPTS / "init-env"), str(path)).returncode == 0
    return path


def check(path: Path) -> subprocess.CompletedProcess:
    return run(str(SCRIPTS / "check-env"), str(path))


def set_values(path: Path, *assignments: str) -> None:
    assert run(str(SCRIPTS / "set-env"), str(path), *assignments).returncode == 0


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_a_fresh_env_file_passes_silently(env_file):
    result = check(env_file)
    assert (result.returncode, result.stderr) == (0, "")
    assert env_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("HTTP_PORT=eighty", "HTTP_PORT must be a whole number from 1 to 65535, not 'eighty'"),
        ("RATELIMIT_LOGIN=10 a minute", "RATELIMIT_LOGIN must be a rate limit such as 10/minute"),
        ("WS_RATE_PER_SECOND=fast", "WS_RATE_PER_SECOND must be a number of at least 0.001"),
        ("ALLOWED_ORIGINS=chat.example.com", "ALLOWED_ORIGINS must be comma-separated origins"),
        ("APP_ENV=staging", "APP_ENV must be one of development, testing, production"),
        ("WEB_MEMORY=lots", "WEB_MEMORY must be a size such as 512m or 1g"),
        ("SECRET_KEY=short", "SECRET_KEY is the default or shorter than 32 characters"),
    ],
)
def test_a_bad_value_stops_make_up_naming_the_setting(env_file, assignment, message):
    set_values(env_file, assignment)
    result = check(env_file)
    assert result.returncode == 1
    assert message in result.stderr


def test_development_accepts_short_secrets(env_file):
    set_values(env_file, "APP_ENV=development", "SECRET_KEY=short")
    assert check(env_file).returncode == 0


def test_an_unknown_name_is_a_warning_not_a_failure(env_file):
    set_values(env_file, "RATELIMT_LOGIN=5/minute")
    result = check(env_file)
    assert result.returncode == 0
    assert "RATELIMT_LOGIN is not a roomservice setting (a typo?)" in result.stderr


def test_the_connection_budget_is_checked(env_file):
    set_values(env_file, "API_REPLICAS=7")
    result = check(env_file)
    assert result.returncode == 1
    assert "more than max_connections = 200" in result.stderr
    set_values(env_file, "API_REPLICAS=6")
    assert check(env_file).returncode == 0


def test_a_missing_database_password_is_never_advised_away(env_file):
    set_values(env_file, "DB_ROOT_PASSWORD=")
    result = check(env_file)
    assert result.returncode == 1
    assert "its MariaDB volume still has the old password: put that value back" in result.stderr
    assert "delete .env" not in result.stderr.lower()


def test_secrets_may_be_files_readable_by_the_containers(env_file, tmp_path):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(mode=0o700)
    secret = secrets_dir / "secret_key"
    secret.write_text("k" * 40 + "\n")
    secret.chmod(0o644)
    set_values(env_file, "SECRET_KEY=", f"SECRET_KEY_FILE={secret}")
    assert check(env_file).returncode == 0

    secret.chmod(0o600)
    assert "must be world-readable" in check(env_file).stderr
    secret.chmod(0o644)
    set_values(env_file, "SECRET_KEY=" + "k" * 40)
    assert "SECRET_KEY and SECRET_KEY_FILE are both set" in check(env_file).stderr
    set_values(env_file, "SECRET_KEY=", f"SECRET_KEY_FILE={secrets_dir / 'missing'}")
    assert "cannot be read" in check(env_file).stderr


def test_init_env_never_overwrites_an_existing_file(env_file):
    before = env_file.read_text()
    assert run(str(SCRIPTS / "init-env"), str(env_file)).returncode == 0
    assert env_file.read_text() == before


def test_init_env_fill_generates_only_what_is_missing(env_file):
    kept = next(line for line in lines(env_file) if line.startswith("SERVICE_TOKEN="))
    set_values(env_file, "SECRET_KEY=", "DB_PASSWORD=generate")
    result = run(str(SCRIPTS / "init-env"), "--fill", str(env_file))
    assert result.returncode == 0, result.stderr
    assert "generated SECRET_KEY" in result.stdout and "generated DB_PASSWORD" in result.stdout
    assert kept in lines(env_file)
    assert check(env_file).returncode == 0


def test_set_env_replaces_in_place_uncomments_or_appends(tmp_path):
    path = tmp_path / "env"
    path.write_text("# a comment\nA=1\n#B=2\nA=3\nC=4\n")
    set_values(path, "A=5", "B=6", "D=7")
    assert lines(path) == ["# a comment", "B=6", "A=5", "C=4", "D=7"]
