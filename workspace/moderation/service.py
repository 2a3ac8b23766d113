"""Flags and the moderation log: flag, dismiss, hide from the queue, resolve, log, read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload, raiseload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation.models import (
    EXCERPT_MAX,
    LINK_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    Flag,
    ModerationEvent,
)
from workspace.moderation.registry import (
    FLAG_DISMISSED,
    Subject,
    SubjectKind,
    SubjectState,
    kind_named,
)
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject as NoticeSubject
from workspace.notifications.service import notify_many
from workspace.policy import Action

T = TypeVar("T")

QUEUE_MAX = 200


# Pages must not run a query per row: anything not loaded up front raises.
NO_LAZY_SQL = raiseload("*", sql_only=True)


def clean_reason(reason: str | None, *, what: str) -> str:
    """A flag's or a hiding's reason on one line, or Invalid saying what is missing."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise errors.Invalid(f"Say why you are {what}.", field="reason")
    if len(reason) > REASON_MAX:
        raise errors.Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _moderator_ids(community: Community) -> Select:
    # The community's own moderators now (the policy's rule: deactivated accounts left out).
    return policy.people_who_may(community, Action.MODERATE)


def flag(reporter: User, kind: SubjectKind[T], item: T, *, reason: str) -> Flag:
    """Ask the community's facilitators to look at a piece of content."""
    policy.require(reporter, kind.may_flag, item)
    reason = clean_reason(reason, what=f"flagging this {kind.label}")
    subject = kind.describe(item)
    community = subject.community
    if db.session.scalar(select(Flag.id).where(
            Flag.subject_kind == kind.name, Flag.subject_id == subject.id,
            Flag.reporter_id == reporter.id, Flag.resolved_at.is_(None))) is not None:
        raise errors.Conflict(f"You have already flagged this {kind.label}; a facilitator will "
                              "look at it.")
    flagged = Flag(community_id=community.id, subject_kind=kind.name, subject_id=subject.id,
                   summary=_clip(subject.summary, SUMMARY_MAX),
                   excerpt=_clip(subject.excerpt, EXCERPT_MAX), link=subject.link[:LINK_MAX],
                   reporter_id=reporter.id, reason=reason)
    db.session.add(flagged)
    link = url_for("moderation.flags", slug=community.slug)
    what = subject.notice or subject.summary
    db.session.flush()
    notify_many(_moderator_ids(community).where(User.id != reporter.id),
                NotificationKind.FLAG_RAISED, f"{reporter.name} flagged {what}.", link,
                actor=reporter, community=community,
                subject=NoticeSubject(kind.name, subject.id))
    db.session.commit()
    return flagged


def flag_in(moderator: policy.Person, community: Community, flag_id: int) -> Flag:
    """One of the community's flags, for its moderators."""
    policy.authorize(moderator, Action.MODERATE, community)
    found = db.session.scalar(select(Flag).where(Flag.id == flag_id,
                                                 Flag.community_id == community.id))
    if found is None:
        raise errors.NotFound()
    return found


def dismiss(moderator: User, flagged: Flag) -> None:
    """Close a flag and leave its subject as it is."""
    community = flagged.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not flagged.is_open:
        raise errors.Conflict("That flag was already dealt with.")
    flagged.resolved_at, flagged.resolved_by_id = utcnow(), moderator.id
    flagged.resolution = "No action needed"
    log_action(moderator, community, FLAG_DISMISSED, subject=flagged.subject,
               detail=flagged.reason)
    db.session.commit()


def hide_flagged(moderator: User, flagged: Flag, *, reason: str) -> None:
    """Hide what a flag is about, through its feature (which resolves the flags and logs it)."""
    community = flagged.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not flagged.is_open:
        raise errors.Conflict("That flag was already dealt with.")
    kind = kind_named(flagged.subject_kind)
    if kind is None:
        raise errors.Invalid("This kind of content can't be hidden from the queue; open it "
                             "from its link instead.")
    kind.hide(moderator, kind.find(moderator, community, flagged.subject_id), reason)


def resolve_flags(actor: User, kind: str, subject_id: int, resolution: str) -> None:
    """Close every open flag on one subject, in the caller's unit of work."""
    db.session.execute(update(Flag).where(Flag.subject_kind == kind,
                                          Flag.subject_id == subject_id,
                                          Flag.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=actor.id,
                               resolution=resolution[:200]))


def log_action(actor: User, community: Community, action: str, *,
               subject: Subject | None = None, detail: str = "") -> None:
    """Record a moderator's action in the community's log, in the caller's unit of work."""
    db.session.add(ModerationEvent(
        community_id=community.id, actor_id=actor.id, action=action,
        subject_kind=subject.kind if subject else None,
        subject_id=subject.id if subject else None,
        summary=_clip(subject.summary, SUMMARY_MAX) if subject else "",
        link=subject.link[:LINK_MAX] if subject else "", detail=detail[:500]))


@dataclass
class FlagRow:
    """A flag in the queue, with what its subject is like now and what a moderator may do."""

    flag: Flag
    label: str  # "post", "message": the kind's word for its subject
    state: SubjectState = SubjectState.VISIBLE
    may_hide: bool = False


def flag_queue(moderator: policy.Person, community: Community) -> list[FlagRow]:
    """The community's flags on every kind of content, open ones first, for its moderators."""
    policy.authorize(moderator, Action.MODERATE, community)
    flags = list(db.session.scalars(
        select(Flag).where(Flag.community_id == community.id)
        .options(joinedload(Flag.reporter), joinedload(Flag.resolved_by), NO_LAZY_SQL)
        .order_by(Flag.resolved_at.is_(None).desc(), Flag.id.desc()).limit(QUEUE_MAX)))
    open_ids: dict[str, list[int]] = {}
    for each in flags:
        if each.is_open:
            open_ids.setdefault(each.subject_kind, []).append(each.subject_id)
    states: dict[str, Mapping[int, SubjectState]] = {}
    for name, ids in open_ids.items():  # one query per kind of content waiting
        kind = kind_named(name)
        states[name] = kind.states(sorted(set(ids))) if kind else {}
    rows = []
    for each in flags:
        kind = kind_named(each.subject_kind)
        row = FlagRow(flag=each, label=kind.label if kind else "item")
        if each.is_open:
            row.state = states[each.subject_kind].get(each.subject_id, SubjectState.GONE)
            row.may_hide = kind is not None and row.state is SubjectState.VISIBLE
        rows.append(row)
    return rows


def open_flag_count(community: Community) -> int:
    """How many flags wait for the community's moderators (the number beside its link)."""
    return db.session.scalar(select(func.count(Flag.id)).where(
        Flag.community_id == community.id, Flag.resolved_at.is_(None))) or 0


def open_flag_counts(community_ids: list[int]) -> dict[int, int]:
    """Flags waiting for a facilitator, per community (one query), for the home page."""
    rows = db.session.execute(
        select(Flag.community_id, func.count(Flag.id))
        .where(Flag.community_id.in_(community_ids), Flag.resolved_at.is_(None))
        .group_by(Flag.community_id))
    return {community_id: count for community_id, count in rows}


def moderation_log(moderator: policy.Person, community: Community, *, page: int) -> Pagination:
    """What the moderators did in this community, newest first."""
    policy.authorize(moderator, Action.MODERATE, community)
    stmt = (select(ModerationEvent).where(ModerationEvent.community_id == community.id)
            .options(joinedload(ModerationEvent.actor), NO_LAZY_SQL)
            .order_by(ModerationEvent.id.desc()))
    return db.paginate(stmt, page=page, per_page=50, error_out=False)
