"""Accounts: registration and password checks, shared by the public and internal routes."""

from __future__ import annotations

import pymysql

from dbapi import db
from dbapi.errors import ApiError
from dbapi.passwords import DUMMY_HASH, hash_password, verify_password
from dbapi.serialize import user_json


def create_user(username: str, password: str) -> dict:
    """Insert the account; 409 when the name is taken ignoring case (the column's collation)."""
    try:
        user_id = db.execute(
            "INSERT INTO users (username, password_hash) VALUES (%s, %s)", (username, hash_password(password))
        )
    except pymysql.err.IntegrityError as exc:
        if db.error_number(exc) == db.DUPLICATE_KEY:
            raise ApiError(409, "That username is taken.", {"username": "is taken"}) from None
        raise
    return {"id": user_id, "username": username}


def authenticate(username: str, password: str) -> dict | None:
    """The user for these credentials, or None; as slow for unknown names as for wrong passwords."""
    row = db.query_one("SELECT id, username, password_hash FROM users WHERE username = %s", (username,))
    if row is None:
        verify_password(password, DUMMY_HASH)
        return None
    return user_json(row) if verify_password(password, row["password_hash"]) else None
