"""The database users dbapi.migrate provisions: db-api's may read and write rows, nothing else.

The whole integration suite runs db-api as that user, so every query it
makes is proven to need no more; these tests prove it gets no more.
"""

from __future__ import annotations

import secrets

import pymysql
import pytest

from dbapi.migrate import grant_app_tables, provision_users, root_connection

DENIED = {1044, 1142}  # access denied to the database / to the table for this command
WRONG_PASSWORD = 1045


def connect_as(config: dict, user: str, password: str) -> pymysql.Connection:
    return pymysql.connect(
        host=config["DB_HOST"],
        port=config["DB_PORT"],
        user=user,
        password=password,
        database=config["DB_NAME"],
        autocommit=True,
    )


@pytest.fixture
def as_db_api(base_config):
    con = connect_as(base_config, base_config["DB_USER"], base_config["DB_PASSWORD"])
    yield con
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id INT)",
        "DROP TABLE messages",
        "ALTER TABLE users ADD COLUMN is_admin INT",
        "CREATE INDEX users_created ON users (created_at)",
        "TRUNCATE TABLE rooms",
        "CREATE DATABASE intruder",
        "SELECT * FROM _yoyo_migration",
    ],
)
def test_db_api_user_cannot_change_the_schema(as_db_api, statement):
    with as_db_api.cursor() as cur, pytest.raises(pymysql.err.OperationalError) as denied:
        cur.execute(statement)
    assert denied.value.args[0] in DENIED, denied.value


def test_db_api_user_reads_and_writes_rows(as_db_api):
    with as_db_api.cursor() as cur:
        name = f"rows_{secrets.token_hex(4)}"
        cur.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (name,))
        cur.execute("UPDATE users SET password_hash = 'y' WHERE username = %s", (name,))
        cur.execute("SELECT password_hash FROM users WHERE username = %s", (name,))
        assert cur.fetchone() == ("y",)
        assert cur.execute("DELETE FROM users WHERE username = %s", (name,)) == 1


@pytest.fixture
def older_release_user(db_settings, base_config):
    """A DB_USER as releases before the split made it: every privilege on the database."""
    user = {**db_settings, "user": "roomservice_it_old", "password": "old-" + secrets.token_hex(8)}
    root = root_connection(db_settings, attempts=5)
    with root.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user["user"], user["password"]))
        cur.execute(f"GRANT ALL PRIVILEGES ON `{base_config['DB_NAME']}`.* TO %s@'%%'", (user["user"],))
    yield root, user
    with root.cursor() as cur:
        cur.execute("DROP USER IF EXISTS %s@'%%'", (user["user"],))
    root.close()


def test_provisioning_an_existing_volume_takes_ddl_away_from_the_old_user(older_release_user, base_config):
    root, user = older_release_user
    con = connect_as(base_config, user["user"], user["password"])
    with con.cursor() as cur:
        cur.execute("CREATE TABLE before_the_upgrade (id INT)")  # what it could do
        cur.execute("DROP TABLE before_the_upgrade")
    provision_users(root, user)
    grant_app_tables(root, user)
    provision_users(root, user)  # every deploy runs it again: idempotent
    grant_app_tables(root, user)
    con = connect_as(base_config, user["user"], user["password"])
    with con.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM rooms")
        with pytest.raises(pymysql.err.OperationalError) as denied:
            cur.execute("CREATE TABLE after_the_upgrade (id INT)")
    assert denied.value.args[0] in DENIED


def test_provisioning_sets_the_password_from_the_environment(older_release_user, base_config):
    root, user = older_release_user
    rotated = {**user, "password": "rotated-" + secrets.token_hex(8)}
    provision_users(root, rotated)
    connect_as(base_config, rotated["user"], rotated["password"]).close()
    with pytest.raises(pymysql.err.OperationalError) as refused:
        connect_as(base_config, user["user"], user["password"])
    assert refused.value.args[0] == WRONG_PASSWORD
