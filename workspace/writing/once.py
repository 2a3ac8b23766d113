"""One-time form values: each rendered form carries one, so the same form sent twice (a double
click, a retry after a network error) makes one row, and the second sending gets the first's."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar, overload

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from workspace.auth.models import User
from workspace.extensions import db

# What new_nonce makes, with room for other clients' values; anything else counts as none.
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class MadeOnce(Protocol):
    """A model whose rows record the one-time value of the form that made them, under a unique
    constraint on (author_id, client_nonce)."""

    author_id: ClassVar[InstrumentedAttribute[int]]
    client_nonce: ClassVar[InstrumentedAttribute[str | None]]


M = TypeVar("M", bound=MadeOnce)
R = TypeVar("R")


def new_nonce() -> str:
    """A fresh one-time value for a form being rendered."""
    return secrets.token_urlsafe(16)


def clean_nonce(nonce: str | None) -> str | None:
    """The value if it could be one the app issued, else None (no protection, no error)."""
    return nonce if nonce and NONCE.match(nonce) else None


def made_with(model: type[M], author: User, nonce: str | None) -> M | None:
    """The row this person already made with this one-time value, if any."""
    if nonce is None:
        return None
    return db.session.scalar(select(model).where(model.author_id == author.id,
                                                 model.client_nonce == nonce))


def _same_row(row: M) -> M:
    return row


@overload
def once(model: type[M], author: User, nonce: str | None,
         write: Callable[[str | None], M]) -> M: ...


@overload
def once(model: type[M], author: User, nonce: str | None, write: Callable[[str | None], R], *,
         found: Callable[[M], R]) -> R: ...


def once(model: type[M], author: User, nonce: str | None, write: Callable[[str | None], Any], *,
         found: Callable[[M], Any] | None = None) -> Any:
    """Run `write` at most once per one-time value and person.

    `write(nonce)` is the whole unit of work: it stores the cleaned value on its `model` row and
    commits. When the value was used already, or a second request with it commits first (the
    unique constraint refuses this one), `found(row)` of the row made then is returned instead
    (by default the row itself).
    """
    give_back: Callable[[M], Any] = found or _same_row
    nonce = clean_nonce(nonce)
    existing = made_with(model, author, nonce)
    if existing is not None:
        return give_back(existing)
    try:
        return write(nonce)
    except IntegrityError:
        db.session.rollback()
        existing = made_with(model, author, nonce)  # the same form arrived twice at once
        if existing is None:
            raise
        return give_back(existing)
