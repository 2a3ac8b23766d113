"""Room chat messages as moderation names them: members flag one, facilitators hide it from
the community's queue (or delete it in the room)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation import service as moderation
from workspace.moderation.registry import (
    Subject,
    SubjectKind,
    SubjectState,
    register_actions,
    register_kind,
)
from workspace.policy import Action
from workspace.policy import sessions as session_policy
from workspace.sessions.models import ChatMessage, LiveSession
from workspace.sessions.room import CHAT_MESSAGE, announce_removed
from workspace.text import excerpt

MESSAGE_HIDDEN = "chat_message_hidden"
register_actions({MESSAGE_HIDDEN: "Hid a chat message"})


def message_in_community(user: policy.Person, community: Community,
                         message_id: int) -> ChatMessage:
    message = db.session.scalar(
        select(ChatMessage).join(LiveSession, LiveSession.id == ChatMessage.session_id)
        .where(ChatMessage.id == message_id, LiveSession.community_id == community.id)
        .options(joinedload(ChatMessage.session).joinedload(LiveSession.community),
                 joinedload(ChatMessage.author)))
    if message is None or not session_policy.may_see_session(user, message.session):
        raise errors.NotFound()
    return message


def describe(message: ChatMessage) -> Subject:
    session = message.session
    return Subject(kind=CHAT_MESSAGE, id=message.id, community=session.community,
                   summary=f"{message.author.name}'s chat message in “{session.label}”",
                   link=url_for("sessions.show", slug=session.community.slug,
                                session_id=session.id, _external=False),
                   excerpt=excerpt(message.body_html, 200),
                   notice=f"a chat message in “{session.label}”")


def hide(moderator: User, message: ChatMessage, reason: str) -> None:
    """Hide a flagged message: gone from everyone's chat and the record, flags resolved."""
    session = message.session
    policy.authorize(moderator, Action.MODERATE, session.community)
    if message.hidden_at is None:
        message.hidden_at = utcnow()
        moderation.resolve_flags(moderator, CHAT_MESSAGE, message.id, "Message hidden")
        moderation.log_action(moderator, session.community, MESSAGE_HIDDEN,
                              subject=describe(message), detail=reason)
        announce_removed(session, message)
    db.session.commit()


def states(message_ids: Sequence[int]) -> Mapping[int, SubjectState]:
    found = {}
    for message_id, hidden_at, deleted_at in db.session.execute(
            select(ChatMessage.id, ChatMessage.hidden_at, ChatMessage.deleted_at)
            .where(ChatMessage.id.in_(message_ids))):
        found[message_id] = (SubjectState.GONE if deleted_at is not None else
                             SubjectState.HIDDEN if hidden_at is not None else
                             SubjectState.VISIBLE)
    return found


CHAT: SubjectKind[ChatMessage] = register_kind(SubjectKind(
    name=CHAT_MESSAGE, label="chat message", find=message_in_community, describe=describe,
    may_flag=session_policy.may_flag_message, hide=hide, states=states))
