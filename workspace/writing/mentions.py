"""@mentions: the community's people one may name, suggestions as one types, and the notices
a mention sends."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, notify_many
from workspace.policy import Action
from workspace.text import MENTION, mention_handle


@dataclass
class Mentionable:
    user: User
    handle: str


def handles_in(body: str) -> set[str]:
    """The handles a text mentions, as written (known to the community or not)."""
    return {mention_handle(match) for match in MENTION.findall(body or "")}


def mentionable(community: Community) -> list[Mentionable]:
    """The community's readers with the handle each is mentioned by."""
    people = list(db.session.scalars(
        select(User).where(User.id.in_(policy.reader_ids(community)))
        .options(joinedload(User.organization)).order_by(User.name)))
    local_parts: dict[str, int] = {}
    for person in people:
        local = person.email.split("@")[0].lower()
        local_parts[local] = local_parts.get(local, 0) + 1
    found = []
    for person in people:
        local = person.email.split("@")[0].lower()
        # A handle is the address's local part, or the whole address when two people share one.
        found.append(Mentionable(person, local if local_parts[local] == 1 else
                                 person.email.lower()))
    return found


def mention_candidates(viewer: User, community: Community, prefix: str, *,
                       limit: int = 8) -> list[Mentionable]:
    """People of the community whose name or handle starts with what was typed after "@"."""
    policy.authorize(viewer, Action.READ, community)
    wanted = (prefix or "").strip().lstrip("@").lower()[:60]
    matches = []
    for candidate in mentionable(community):
        if candidate.user.id == viewer.id:
            continue
        words = candidate.user.name.lower().split()
        if (not wanted or candidate.handle.startswith(wanted)
                or candidate.user.name.lower().startswith(wanted)
                or any(word.startswith(wanted) for word in words)):
            matches.append(candidate)
        if len(matches) >= limit:
            break
    return matches


def tell_mentioned(author: User, community: Community, body: str, *, link: str, title: str,
                   subject: Subject, before: str = "") -> list[int]:
    """Tell the community's people the text mentions, in one INSERT, in the caller's unit of
    work; the ids told. `before`: the text before an edit, whose mentions were already told."""
    handles = handles_in(body) - handles_in(before)
    if not handles:
        return []
    mentioned = [candidate.user.id for candidate in mentionable(community)
                 if candidate.handle in handles and candidate.user.id != author.id]
    if not mentioned:
        return []
    return notify_many(select(User.id).where(User.id.in_(mentioned)), NotificationKind.MENTION,
                       f"{author.name} mentioned you in “{title}”.", link, actor=author,
                       community=community, subject=subject)
