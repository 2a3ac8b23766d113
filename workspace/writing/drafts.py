"""Server drafts by registered kind: each feature says what its drafts are for and who may
write them; the editor saves them as people type and the feature discards them when posted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import Action, Rule
from workspace.writing.models import Draft

T = TypeVar("T")

TITLE_MAX = 200
# The longest text any editor takes: a forum post, a blog post, an agenda.
BODY_MAX = 30_000

UNKNOWN = "That draft is for something unknown."

_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_EXTENSION = "writing.draft_kinds"  # the app's registry, in app.extensions


@dataclass(frozen=True)
class DraftKind(Generic[T]):
    """One kind of thing people write, as its feature registered it."""

    name: str
    # The thing a draft of this kind is for (a topic, a blog post...), looked up for the writer
    # in the community; raises errors.NotFound when it isn't there or isn't theirs to see.
    target: Callable[[User, Community, int], T]
    # The policy's rule for writing into it now (e.g. policy.forums.may_reply: the topic is
    # still open), besides taking part in the community, which every draft needs. Its refusal
    # says why not.
    may_write: Rule[T] | None = None


def register_draft_kind(app: Flask, name: str, *, target: Callable[[User, Community, int], T],
                        may_write: Rule[T] | None = None) -> DraftKind[T]:
    """Let the editor keep drafts of this kind in this app (called by a feature at app setup)."""
    if not _KIND_NAME.match(name):
        raise ValueError(f"A draft kind is a short snake_case name, not {name!r}.")
    kinds: dict[str, DraftKind[Any]] = app.extensions.setdefault(_EXTENSION, {})
    kind = DraftKind(name, target, may_write)
    if kinds.get(name, kind) != kind:
        raise ValueError(f"Another feature already registered the draft kind {name!r}.")
    kinds[name] = kind
    return kind


def draft_kind(name: str) -> DraftKind[Any] | None:
    """The registered kind of this name in the running app."""
    return current_app.extensions.get(_EXTENSION, {}).get(name)


def community_itself(user: User, community: Community, target_id: int) -> Community:
    """The target of kinds that write something new in a community: the community, by its id."""
    if target_id != community.id:
        raise errors.NotFound()
    return community


def draft_for(user: policy.Person, kind: str, target_id: int) -> Draft | None:
    """The person's draft of this kind for this target, if they left one."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Draft).where(
        Draft.user_id == user.id, Draft.kind == kind, Draft.target_id == target_id))


def discard_draft(user: User, kind: str, target_id: int) -> None:
    """Forget the draft in the caller's unit of work: what it held was just posted."""
    db.session.execute(delete(Draft).where(
        Draft.user_id == user.id, Draft.kind == kind, Draft.target_id == target_id))


def save_draft(user: User, community: Community, *, kind: str, target_id: int | None,
               title: str = "", body: str = "") -> Draft | None:
    """Keep what someone is writing; an empty draft is thrown away. None when nothing is kept."""
    policy.authorize(user, Action.CONTRIBUTE, community)
    registered = draft_kind(kind or "")
    if registered is None or target_id is None or target_id < 0:
        raise errors.Invalid(UNKNOWN, field="kind")
    target = registered.target(user, community, target_id)
    if registered.may_write is not None:
        policy.require(user, registered.may_write, target)
    title = (title or "")[:TITLE_MAX]
    body = (body or "").replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        raise errors.Invalid(f"Keep your text under {BODY_MAX:,} characters.", field="body")
    draft = draft_for(user, kind, target_id)
    if not title.strip() and not body.strip():
        if draft is not None:
            db.session.delete(draft)
            db.session.commit()
        return None
    if draft is None:
        draft = Draft(user_id=user.id, community_id=community.id, kind=kind, target_id=target_id)
        db.session.add(draft)
    draft.title, draft.body, draft.updated_at = title, body, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # two saves from two tabs at once: the other one is kept
        db.session.rollback()
        return draft_for(user, kind, target_id)
    return draft
