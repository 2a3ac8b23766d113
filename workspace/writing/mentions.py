"""@mentions: the community's people one may name, suggestions as one types, and the notices
a mention sends."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, Thread, notify_many
from workspace.policy import Action
from workspace.text import MENTION, mention_handle


@dataclass
class Mentionable:
    user: User
    handle: str
    # How the person was mentioned before people chose handles: the address's local part (unless
    # someone else in the community shares it) and the whole address. Old posts wrote these, and
    # they still name the person; someone's handle wins over another's old form.
    aliases: tuple[str, ...] = ()


def handles_in(body: str) -> set[str]:
    """The handles a text mentions, as written (known to the community or not)."""
    return {mention_handle(match) for match in MENTION.findall(body or "")}


def mentionable(community: Community) -> list[Mentionable]:
    """The community's readers with the handle each is mentioned by (and their older forms)."""
    people = list(db.session.scalars(
        select(User).where(User.id.in_(policy.reader_ids(community)))
        .options(joinedload(User.organization)).order_by(User.name)))
    local_parts: dict[str, int] = {}
    for person in people:
        local = person.email.split("@")[0].lower()
        local_parts[local] = local_parts.get(local, 0) + 1
    found = []
    for person in people:
        address = person.email.lower()
        local = address.split("@")[0]
        aliases = (local, address) if local_parts[local] == 1 else (address,)
        found.append(Mentionable(person, person.handle.lower(), aliases))
    return found


def people_named(candidates: list[Mentionable], handles: Collection[str]) -> dict[str, Mentionable]:
    """Whom each written handle names among the candidates: a person's handle first, then an
    older form of someone's (so posts written before handles keep naming the same person)."""
    by_handle = {candidate.handle: candidate for candidate in candidates}
    by_alias = {alias: candidate for candidate in candidates for alias in candidate.aliases
                if alias not in by_handle}
    named = {}
    for written in handles:
        candidate = by_handle.get(written) or by_alias.get(written)
        if candidate is not None:
            named[written] = candidate
    return named


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
                   subject: Subject, thread: Thread | None = None,
                   before: str = "") -> list[int]:
    """Tell the community's people the text mentions, in one INSERT, in the caller's unit of
    work; the ids told. `before`: the text before an edit, whose mentions were already told."""
    written = handles_in(body)
    if not written - handles_in(before):
        return []
    candidates = mentionable(community)
    # People, not spellings: "@ga.member" before and "@jordan.ellis" after name one person.
    already = {each.user.id for each in people_named(candidates, handles_in(before)).values()}
    mentioned = [each.user.id for each in people_named(candidates, written).values()
                 if each.user.id not in already and each.user.id != author.id]
    if not mentioned:
        return []
    return notify_many(select(User.id).where(User.id.in_(mentioned)), NotificationKind.MENTION,
                       f"{author.name} mentioned you in “{title}”.", link, actor=author,
                       community=community, subject=subject, thread=thread)
