"""The input rules, each defined once: web's forms, ws's frames and db-api's
validation all enforce these objects, so a value one service accepts is one
the others accept too (docs/design.md, "One rule, one definition").

A :class:`TextRule` says how long a value is (Unicode code points, after
trimming when it trims), which characters it may hold, and the message for
each way it can fail. :meth:`TextRule.clean` returns the value as it is
stored (trimmed), or raises :class:`RuleError`, whose ``problem`` is the
API's wording (``"must be at most 64 characters"``, the value of an error's
``fields`` entry) and whose ``sentence`` is a page's (``"Room name must be
at most 64 characters."``). Patterns are full matches: ``"alice\\n"`` is no
username anywhere.

Every rule refuses lone surrogates (no UTF-8 encoding, MariaDB refuses them)
and control characters (C0, DEL and C1); a message body keeps tab and line
breaks, and the login fields refuse only NUL (a name outside the username
rule is a failed login, not a malformed one). Format characters (RTL overrides, zero-width joiners) stay: an
emoji family is one name, and text is shown escaped, never interpreted.

:func:`safe_filename` is the one file name sanitiser: web applies it to the
name a browser sends and to the one it relays back, db-api to the one it
stores; it is idempotent, so applying it twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SURROGATES = re.compile(r"[\ud800-\udfff]")
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NUL = re.compile(r"\x00")


class RuleError(ValueError):
    """A value the rule refuses; ``problem`` is the API's wording of why."""

    def __init__(self, rule: TextRule, problem: str):
        super().__init__(problem)
        self.rule = rule
        self.problem = problem

    @property
    def sentence(self) -> str:
        """The message as a page shows it beside the field."""
        return f"{self.rule.label} {self.problem}."


@dataclass(frozen=True)
class TextRule:
    """A string of ``min``-``max`` code points; see the module docstring."""

    label: str
    min: int
    max: int
    trim: bool = False
    pattern: str | None = None
    pattern_hint: str = ""
    refused: re.Pattern = CONTROLS

    def clean(self, value: object) -> str:
        """``value`` as stored (trimmed of Unicode whitespace if the rule trims), else :class:`RuleError`."""
        if not isinstance(value, str):
            raise RuleError(self, "must be a string")
        if SURROGATES.search(value):
            raise RuleError(self, "must not contain lone surrogates")
        if self.trim:
            value = value.strip()
        if len(value) < self.min:
            raise RuleError(
                self, "must not be empty" if self.min == 1 else f"must be at least {self.min} characters"
            )
        if len(value) > self.max:
            raise RuleError(self, f"must be at most {self.max} characters")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise RuleError(self, f"may contain only {self.pattern_hint}")
        if self.refused.search(value):
            raise RuleError(self, "must not contain control characters")
        return value

    def accepts(self, value: object) -> bool:
        try:
            self.clean(value)
        except RuleError:
            return False
        return True


USERNAME = TextRule(
    "Username",
    3,
    32,
    pattern=r"[A-Za-z0-9_.-]+",
    pattern_hint="letters, digits, dots, dashes and underscores",
)
PASSWORD = TextRule("Password", 8, 128)
ROOM_NAME = TextRule("Room name", 1, 64, trim=True)
MESSAGE_BODY = TextRule("Message", 1, 2000, trim=True, refused=CONTROLS_BUT_LINES)
CLIENT_ID = TextRule(
    "client_id", 1, 64, pattern=r"[A-Za-z0-9_-]+", pattern_hint="letters, digits, dashes and underscores"
)
# What a login form or body may send: looser than the rules above, because an
# account made under an older rule must still be able to log in; a name
# outside USERNAME (``alice\n`` too) fails as a wrong password, without a
# lookup (servicekit.accounts), so only NUL is refused here.
LOGIN_USERNAME = TextRule("Username", 1, 128, refused=NUL)
LOGIN_PASSWORD = TextRule("Password", 1, 1024, refused=NUL)

FILENAME_MAX = 200
FILENAME_EXTENSION_MAX = 16
FILENAME_FALLBACK = "file"
# Visible characters that mean something to a file system or a shell on the
# downloader's side (Windows refuses every one of them in a name).
FILENAME_RESERVED = frozenset(':*?"<>|')


def safe_filename(name: str | None) -> str:
    """A name that is only a name: NFC, its last path component, no invisible
    characters (controls, RTL overrides, lone surrogates), reserved ones as
    ``_``, no leading or trailing dots and spaces, at most
    :data:`FILENAME_MAX` code points with its extension kept; ``file`` when
    nothing is left."""
    name = unicodedata.normalize("NFC", SURROGATES.sub("", name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        "_" if char in FILENAME_RESERVED else char for char in name if char.isprintable() or char == " "
    )
    name = name.strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= FILENAME_EXTENSION_MAX:
            name = stem[: FILENAME_MAX - len(ext) - 1].rstrip(" .") + dot + ext
        else:
            name = name[:FILENAME_MAX].rstrip(" .")
    return name or FILENAME_FALLBACK
