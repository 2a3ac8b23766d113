"""What a session leaves: its record (attendance, what was said, in the room and in each
breakout group), the facilitators' summary published with a follow-up forum topic, and the
attendance report as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import errors, policy, writing
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import pages as forum_pages
from workspace.forums import service as forums
from workspace.forums.models import ForumCategory, Topic
from workspace.policy import sessions as session_policy
from workspace.sessions import pages
from workspace.sessions import service as sessions
from workspace.sessions.models import BreakoutGroup, ChatMessage, LiveSession

FOLLOW_UP_CATEGORY = "Session follow-ups"


@dataclass
class Transcript:
    """What was said: the whole room's chat, then each breakout group's, in order."""

    room: list[ChatMessage] = field(default_factory=list)
    groups: list[tuple[BreakoutGroup, list[ChatMessage]]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.room and not any(messages for _, messages in self.groups)


def transcript(session: LiveSession) -> Transcript:
    """Every message still shown (deleted and hidden ones left out), in two queries."""
    messages = list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session.id,
                                  ChatMessage.deleted_at.is_(None),
                                  ChatMessage.hidden_at.is_(None))
        .options(joinedload(ChatMessage.author).joinedload(User.organization))
        .order_by(ChatMessage.seq)))
    groups = list(db.session.scalars(select(BreakoutGroup).where(
        BreakoutGroup.session_id == session.id)
        .order_by(BreakoutGroup.round, BreakoutGroup.position)))
    said = Transcript(room=[m for m in messages if m.group_id is None])
    for group in groups:
        said.groups.append((group, [m for m in messages if m.group_id == group.id]))
    return said


def follow_up_category(session: LiveSession) -> ForumCategory:
    categories = forum_pages.active_categories(session.community)
    chosen = next((c for c in categories if c.name == FOLLOW_UP_CATEGORY), None)
    if chosen is None and categories:
        chosen = categories[0]
    if chosen is None:
        raise errors.Invalid("The community's forum has no open category for the follow-up "
                             "topic.")
    return chosen


def save_summary(actor: User, session: LiveSession, text: str, *,
                 publish: bool = False) -> Topic | None:
    """Keep the facilitators' summary; publishing it (once) also opens a follow-up topic in
    the forum that links the session's record, so the conversation carries on."""
    policy.require(actor, session_policy.may_change_session, session)
    text = (text or "").strip()
    if len(text) > writing.BODY_MAX:
        raise errors.Invalid(f"Keep the summary under {writing.BODY_MAX:,} characters.",
                             field="summary")
    if publish and not text:
        raise errors.Invalid("Write the summary before publishing it.", field="summary")
    community = session.community
    topic = None
    if publish and session.follow_up_topic_id is None:
        when = sessions.when_text(session)
        record = url_for("sessions.show", slug=community.slug, session_id=session.id,
                         _external=False)
        body = (f"Summary of [{session.label}]({record}), {when}.\n\n{text}\n\n"
                f"The session's record (attendance, chat, polls, notes and action items) is "
                f"on [its page]({record}). What did your state take away?")
        topic = forums.start_topic(actor, follow_up_category(session),
                                   title=f"Follow-up: {session.label}"[:200], body=body)
        session.follow_up_topic_id = topic.id
    if text != session.summary:
        session.summary = text
        session.summary_html = writing.render_body(community, text)
        session.updated_at = utcnow()
    if publish and session.summary_published_at is None:
        session.summary_published_at = utcnow()
    db.session.commit()
    return topic


def attendance_csv(actor: User, session: LiveSession) -> str:
    """The roster as a spreadsheet for the facilitator's report: one row per person."""
    policy.require(actor, session_policy.may_see_roster, session)
    roster = pages.roster(session, now=utcnow())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["State or organization", "Name", "Job title", "Organization", "RSVP",
                     "Attended", "Minutes present", "First joined (UTC)",
                     "Still taking part"])
    for group in roster.groups:
        for entry in group.entries:
            person = entry.person
            writer.writerow([
                group.name, _cell(person.name), _cell(person.title),
                _cell(person.organization.name),
                entry.answer.label if entry.answer else "",
                "Yes" if entry.attended else "No", entry.minutes_present,
                entry.first_joined_at.strftime("%Y-%m-%d %H:%M") if entry.first_joined_at
                else "", "No" if entry.no_longer_eligible else "Yes"])
    return out.getvalue()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: keep names as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
