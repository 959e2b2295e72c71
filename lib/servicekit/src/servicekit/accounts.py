"""The username rule, and the one account a login attempt names.

Registration (db-api's validation, web's form) enforces the rule
(:data:`servicekit.rules.USERNAME`); login
checks the same rule before anything else, because the ``users`` table's
collation (``utf8mb4_unicode_520_ci``) folds accents and widths: without the
rule ``VÍCTIM`` or a full-width ``victim`` would log into ``victim``, each
with a rate-limit bucket of its own. Inside the rule (ASCII letters, digits,
``_ . -``) the collation compares exactly as :meth:`str.lower` does, so the
folded name *is* the account, and every spelling of it shares one bucket.
"""

from __future__ import annotations

from servicekit.rules import USERNAME


def account_name(username: object) -> str | None:
    """The account ``username`` names as the database compares it, or None when
    no account can have that name (so a login with it fails without a lookup)."""
    return username.lower() if USERNAME.accepts(username) else None
