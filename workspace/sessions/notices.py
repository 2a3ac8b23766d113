"""What sessions' notices carry beyond their words: the calendar entry their emails attach, and
which sessions, chat messages and action items a person may still see (so a notice about one
they may no longer see disappears, and sends nothing).

A person's first invitation to a session (SESSION_SCHEDULED) carries it as an iTIP REQUEST;
a move (SESSION_CHANGED) carries the updated event and a cancellation (SESSION_CANCELLED) a
CANCEL, with the same UID and a higher SEQUENCE, so Outlook updates the entry it filed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, or_, select

from workspace import policy
from workspace.auth.models import User
from workspace.extensions import db
from workspace.notifications.email import register_attachments
from workspace.notifications.models import Notification, NotificationKind
from workspace.notifications.service import register_subject
from workspace.policy import sessions as session_policy
from workspace.sessions.action_models import ActionItem
from workspace.sessions.actions import ACTION_ITEM_SUBJECT
from workspace.sessions.calendar import ics_filename, invitation_ics
from workspace.sessions.models import ChatMessage, LiveSession
from workspace.sessions.room import CHAT_MESSAGE
from workspace.sessions.service import SUBJECT

CALENDAR_KINDS = (NotificationKind.SESSION_SCHEDULED, NotificationKind.SESSION_CHANGED,
                  NotificationKind.SESSION_CANCELLED)


def visible_session_ids(user: User) -> Select:
    return select(LiveSession.id).where(session_policy.visible_sessions(user))


def visible_chat_message_ids(user: User) -> Select:
    # Flags on chat messages reach moderators, who still see a hidden message; deleted: no one.
    return (select(ChatMessage.id).join(LiveSession, LiveSession.id == ChatMessage.session_id)
            .where(session_policy.visible_sessions(user), ChatMessage.deleted_at.is_(None),
                   or_(ChatMessage.hidden_at.is_(None), ChatMessage.author_id == user.id,
                       LiveSession.community_id.in_(
                           policy.community_ids(user, policy.Action.MODERATE)))))


def visible_action_item_ids(user: User) -> Select:
    # An action item is part of its session's record: whoever may read the community sees it.
    return select(ActionItem.id).where(
        ActionItem.community_id.in_(policy.readable_community_ids(user)))


def calendar_attachment(person: User, notice: Notification) -> list[dict[str, Any]]:
    """The session's .ics for an email about it (none if the session is gone)."""
    if notice.subject_type != SUBJECT or notice.subject_id is None:
        return []
    session = db.session.get(LiveSession, notice.subject_id)
    if session is None:
        return []
    content = invitation_ics(session, attendee=person,
                             may_attend=session_policy.may_attend(person, session),
                             base_url=current_app.config["BASE_URL"].rstrip("/"),
                             organizer=current_app.config["MAIL_SENDER"])
    suffix = "-cancelled" if session.is_cancelled else ""
    return [{"filename": ics_filename(session.label, suffix), "media_type": "text/calendar",
             "content": content.decode()}]


register_subject(SUBJECT, visible_session_ids)
register_subject(CHAT_MESSAGE, visible_chat_message_ids)
register_subject(ACTION_ITEM_SUBJECT, visible_action_item_ids)
for kind in CALENDAR_KINDS:
    register_attachments(kind, calendar_attachment)
