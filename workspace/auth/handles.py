"""Handles: the name after "@" that colleagues mention a person by, chosen by the person and
suggested from their name, never from their email address."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import count

from sqlalchemy import select

from workspace import errors
from workspace.auth.models import User
from workspace.extensions import db

HANDLE_MIN, HANDLE_MAX = 2, 30
# Starts and ends with a letter or digit: a mention's trailing ".", "-" or "_" is read as the
# sentence's punctuation, so a handle ending in one could never be written.
HANDLE = re.compile(rf"[a-z0-9][a-z0-9._-]{{{HANDLE_MIN - 2},{HANDLE_MAX - 2}}}[a-z0-9]")
HANDLE_RULE = (f"Use {HANDLE_MIN} to {HANDLE_MAX} letters (a to z), digits, dots, dashes or "
               "underscores, starting and ending with a letter or digit.")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def handle_stem(name: str, email: str = "") -> str:
    """What a handle is built from: "José Núñez-Ortiz" is jose.nunez-ortiz; a name without
    usable letters falls back to the address's local part, then to "member"."""
    for source in (name, (email or "").split("@")[0]):
        plain = unicodedata.normalize("NFKD", source or "").encode("ascii", "ignore").decode()
        words = _WORD.findall(re.sub(r"['’]", "", plain.lower()))
        stem = ".".join(words)[:HANDLE_MAX].rstrip("._-")
        if len(stem) >= HANDLE_MIN:
            return stem
    return "member"


def first_free(stem: str, taken: Callable[[str], bool]) -> str:
    """The stem, or the stem numbered from 2 ("jordan.ellis2"), whichever no one has yet."""
    for number in count(1):
        suffix = "" if number == 1 else str(number)
        candidate = stem[:HANDLE_MAX - len(suffix)].rstrip("._-") + suffix
        if not taken(candidate):
            return candidate
    raise AssertionError("unreachable")  # count() never ends


def handle_taken(handle: str, *, but: User | None = None) -> bool:
    """Whether someone (other than `but`) has this handle already."""
    stmt = select(User.id).where(User.handle == handle.lower())
    if but is not None and but.id is not None:
        stmt = stmt.where(User.id != but.id)
    with db.session.no_autoflush:  # a new account waiting in the session has no handle yet
        return db.session.scalar(stmt.limit(1)) is not None


def suggest_handle(name: str, email: str = "") -> str:
    """A free handle made from the person's name."""
    return first_free(handle_stem(name, email), handle_taken)


def check_handle(user: User, wanted: str) -> str:
    """The handle as it is kept (lower case, without a leading "@"), or Invalid saying why not."""
    handle = (wanted or "").strip().removeprefix("@").lower()
    if not handle:
        raise errors.Invalid("Choose a handle colleagues can mention you by.", field="handle")
    if not HANDLE.fullmatch(handle):
        raise errors.Invalid(HANDLE_RULE, field="handle")
    if handle_taken(handle, but=user):
        free = first_free(handle, lambda candidate: handle_taken(candidate, but=user))
        raise errors.Invalid(f"Someone already uses @{handle}. Choose another, such as @{free}.",
                             field="handle")
    return handle
