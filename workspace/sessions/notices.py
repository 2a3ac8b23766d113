"""Which sessions, chat messages and action items a person's notices may still be about: those
of communities they may read now (the sessions policy's SQL form), so leaving a community or a
state's withdrawal takes them out of the centre."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from workspace.auth.models import User
from workspace.notifications.service import register_subject
from workspace.policy import Action, community_ids, readable_community_ids
from workspace.policy.sessions import visible_sessions
from workspace.sessions.action_models import ActionItem
from workspace.sessions.models import ChatMessage, LiveSession
from workspace.sessions.room import CHAT_MESSAGE
from workspace.sessions.service import SUBJECT

ACTION_ITEM = "action_item"


def visible_session_ids(user: User) -> Select:
    return select(LiveSession.id).where(visible_sessions(user))


def visible_chat_message_ids(user: User) -> Select:
    # Flags on chat messages reach moderators, who still see a hidden message; deleted: no one.
    return (select(ChatMessage.id).join(LiveSession, LiveSession.id == ChatMessage.session_id)
            .where(visible_sessions(user), ChatMessage.deleted_at.is_(None),
                   or_(ChatMessage.hidden_at.is_(None), ChatMessage.author_id == user.id,
                       LiveSession.community_id.in_(community_ids(user, Action.MODERATE)))))


def visible_action_item_ids(user: User) -> Select:
    # An action item is part of its session's record, which the community's readers see.
    return select(ActionItem.id).where(ActionItem.community_id.in_(readable_community_ids(user)))


register_subject(SUBJECT, visible_session_ids)
register_subject(CHAT_MESSAGE, visible_chat_message_ids)
register_subject(ACTION_ITEM, visible_action_item_ids)
