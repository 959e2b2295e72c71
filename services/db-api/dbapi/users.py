"""Accounts: registration and password checks, shared by the public and internal routes."""

from __future__ import annotations

import pymysql

from dbapi import db
from dbapi.errors import ApiError
from dbapi.passwords import hasher
from dbapi.serialize import user_json
from servicekit.accounts import account_name


def create_user(username: str, password: str) -> dict:
    """Insert the account; 409 when the name is taken ignoring case (the column's collation)."""
    try:
        user_id = db.execute(
            "INSERT INTO users (username, password_hash) VALUES (%s, %s)", (username, hasher().hash(password))
        )
    except pymysql.err.IntegrityError as exc:
        if db.error_number(exc) == db.DUPLICATE_KEY:
            raise ApiError(409, "That username is taken.", {"username": "is taken"}) from None
        raise
    return {"id": user_id, "username": username}


def authenticate(username: str, password: str) -> dict | None:
    """The user for these credentials, or None.

    A name outside the username rule is no account's name (the collation
    would match ``VÍCTIM`` to ``victim``): refused without a lookup. An
    unknown name costs a hash like a wrong password, so neither is told
    apart by time. A hash older than the configured method is replaced
    after the password proved right.
    """
    if account_name(username) is None:
        return None
    row = db.query_one("SELECT id, username, password_hash FROM users WHERE username = %s", (username,))
    if row is None:
        hasher().verify_unknown(password)
        return None
    if not hasher().verify(password, row["password_hash"]):
        return None
    if hasher().needs_rehash(row["password_hash"]):
        db.execute(
            "UPDATE users SET password_hash = %s WHERE id = %s AND password_hash = %s",
            (hasher().hash(password), row["id"], row["password_hash"]),
        )
    return user_json(row)
