"""The live room's writes and reads: who is in, what is said (numbered, never twice), hands,
and the facilitator's controls. Socket.IO handlers (events.py) and pages call these alike;
each public function is one unit of work that checks the policy and publishes after commit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.communities.models import Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation import service as moderation
from workspace.policy import sessions as session_policy
from workspace.sessions.models import (
    Attendance,
    BreakoutGroup,
    ChatMessage,
    LiveSession,
    RaisedHand,
    Room,
    RoomState,
)
from workspace.text import render_markdown

MESSAGE_MAX = 2000
NOTICE_MAX = 500
TIMER_LABEL_MAX = 120
LONGEST_TIMER = timedelta(hours=3)
REPLAY_MAX = 500  # messages per replay answer; the client asks again for more
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def room_name(session: LiveSession) -> str:
    """Everyone in a session's room hears what is said there (a community-scoped name, so
    people who lose the community leave it with the rest)."""
    return realtime.community_scoped(session.community_id, "session", session.id, "room")


def hosts_room(session: LiveSession) -> str:
    """The facilitators and staff in a session's room: they hear what only hosts see (live poll
    results, drafts). Named inside the room, so leaving or eviction takes them out of both."""
    return room_name(session) + ":hosts"


def session_for_room(user: policy.Person, session_id: int) -> LiveSession:
    """The session whose room someone asks about, if they may see the session at all."""
    session = db.session.scalar(select(LiveSession).where(LiveSession.id == session_id)
                                .options(joinedload(LiveSession.community),
                                         joinedload(LiveSession.room)))
    if session is None or not session_policy.may_see_session(user, session):
        raise errors.NotFound("That session isn't available.")
    return session


def _room(session: LiveSession) -> Room:
    """The session's room row, made the first time anyone needs it."""
    if session.room is not None:
        return session.room
    try:
        with db.session.begin_nested():
            room = Room(session_id=session.id, last_seq=0, muted_ids=[], removed_ids=[])
            db.session.add(room)
    except IntegrityError:  # someone else made it a moment ago
        room = db.session.scalars(select(Room).where(Room.session_id == session.id)).one()
    session.room = room
    return room


def _next_seq(room: Room) -> int:
    """The room's next number, taken in this transaction (a row lock on PostgreSQL; SQLite
    writes one at a time), so numbers are never shared and follow commit order."""
    seq = db.session.execute(update(Room).where(Room.id == room.id)
                             .values(last_seq=Room.last_seq + 1)
                             .returning(Room.last_seq)).scalar_one()
    room.last_seq = seq
    return seq


# --- What a person in the room is shown as ----------------------------------------------------

def person_card(user: User, role: str | None = None) -> dict[str, Any]:
    organization = user.organization
    return {"id": user.id, "name": user.name,
            "state": organization.state_code or organization.short_name,
            "role": role or ""}


def _roles(session: LiveSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {user_id: role.label for user_id, role in db.session.execute(
        select(Membership.user_id, Membership.role).where(
            Membership.community_id == session.community_id, Membership.user_id.in_(user_ids)))}


def presence(session: LiveSession) -> list[dict[str, Any]]:
    """Who is in the room now (one entry per person, however many tabs), by name."""
    people = list(db.session.scalars(
        select(User).where(User.id.in_(select(Attendance.user_id).where(
            Attendance.session_id == session.id, Attendance.left_at.is_(None))))
        .options(joinedload(User.organization))))
    roles = _roles(session, {p.id for p in people})
    return sorted((person_card(p, roles.get(p.id, "Network staff" if p.is_network_staff
                                           else "")) for p in people),
                  key=lambda card: str(card["name"]).lower())


def message_payload(message: ChatMessage) -> dict[str, Any]:
    where = {"group_id": message.group_id, "to_all_groups": message.to_all_groups}
    if message.deleted_at is not None or message.hidden_at is not None:
        return {"seq": message.seq, "id": message.id, "removed": True, **where}
    return {"seq": message.seq, "id": message.id, "client_id": message.client_id,
            "author": person_card(message.author), "html": message.body_html,
            "sent_at": message.created_at.isoformat(), **where}


def hands(session: LiveSession) -> list[dict[str, Any]]:
    raised = db.session.scalars(select(RaisedHand).where(
        RaisedHand.session_id == session.id, RaisedHand.lowered_at.is_(None))
        .options(joinedload(RaisedHand.user).joinedload(User.organization))
        .order_by(RaisedHand.raised_at, RaisedHand.id))
    return [{**person_card(hand.user), "raised_at": hand.raised_at.isoformat()}
            for hand in raised]


def state_payload(session: LiveSession, now: datetime) -> dict[str, Any]:
    room = session.room
    return {
        "session_id": session.id,
        "state": session.room_state(now).value,
        "notice_html": room.notice_html if room else "",
        "timer": ({"ends_at": room.timer_ends_at.isoformat(), "label": room.timer_label}
                  if room and room.timer_ends_at and room.timer_ends_at > now else None),
        "muted": list(room.muted_ids) if room else [],
    }


# What other parts of the room (polls, notes, action items, breakouts) add to the snapshot a
# person gets on entering: each gets the session and the person and gives a dict to merge in.
SnapshotPart = Callable[[LiveSession, User], dict[str, Any]]
_snapshot_parts: list[SnapshotPart] = []


def adds_to_snapshot(part: SnapshotPart) -> SnapshotPart:
    """Register a part of the room's snapshot (as a decorator, at import)."""
    if part not in _snapshot_parts:
        _snapshot_parts.append(part)
    return part


@dataclass
class Entry:
    """What a person gets on entering: the room as it stands and what they missed."""

    attendance_id: int
    snapshot: dict[str, Any]


def enter(user: User, session: LiveSession, *, after_seq: int = 0) -> Entry:
    """Let the person in (their attendance starts), tell the room, and hand them the room."""
    policy.require(user, session_policy.may_enter_room, session)
    now = utcnow()
    room = _room(session)
    already_here = _is_here(session, user.id)
    visit = Attendance(session_id=session.id, user_id=user.id, joined_at=now)
    db.session.add(visit)
    db.session.flush()
    people = presence(session)
    if not already_here:  # a second tab is not a second arrival
        # Only the change goes to the room; the whole list goes to the newcomer alone. (A list
        # to everyone at every arrival is quadratic: 500 joins made 2.5 GB of traffic.)
        card = next((p for p in people if p["id"] == user.id), person_card(user))
        realtime.publish("person_joined", {"session_id": session.id, "person": card},
                         to=room_name(session))
    db.session.commit()
    missed, more = messages_after(session, after_seq, user)
    snapshot = {
        **state_payload(session, now), "people": people, "hands": hands(session),
        "messages": missed, "more": more, "last_seq": room.last_seq,
        "me": {"id": user.id, "may_run": session_policy.may_run_room(user, session)},
    }
    for part in _snapshot_parts:
        snapshot.update(part(session, user))
    return Entry(visit.id, snapshot)


def leave(session_id: int, attendance_id: int) -> None:
    """The person's socket left (or dropped): their visit ends and the room is told."""
    visit = db.session.get(Attendance, attendance_id)
    if visit is None or visit.left_at is not None:
        return
    visit.left_at = utcnow()
    session = db.session.get(LiveSession, session_id)
    db.session.flush()
    if session is not None and not _is_here(session, visit.user_id):  # their last tab went
        _announce_left(session, visit.user_id)
    db.session.commit()


def _is_here(session: LiveSession, user_id: int) -> bool:
    return db.session.scalar(select(Attendance.id).where(
        Attendance.session_id == session.id, Attendance.user_id == user_id,
        Attendance.left_at.is_(None)).limit(1)) is not None


def _announce_left(session: LiveSession, user_id: int) -> None:
    realtime.publish("person_left", {"session_id": session.id, "user_id": user_id},
                     to=room_name(session))


def messages_after(session: LiveSession, after_seq: int,
                   viewer: policy.Person | None = None) -> tuple[list[dict[str, Any]], bool]:
    """What was said after this number that the viewer may hear (the whole room's chat, and
    their breakout groups'; hosts hear every group), in order, removed ones as markers, and
    whether more waits beyond this answer."""
    stmt = (select(ChatMessage).where(ChatMessage.session_id == session.id,
                                      ChatMessage.seq > max(0, after_seq))
            .options(joinedload(ChatMessage.author).joinedload(User.organization))
            .order_by(ChatMessage.seq).limit(REPLAY_MAX + 1))
    # may_join_group for every group at once: hosts hear all groups, others their own.
    if viewer is not None and not session_policy.may_run_room(viewer, session):
        groups = [g.id for g in groups_of(session) if viewer.id in g.member_ids]
        stmt = stmt.where(or_(ChatMessage.group_id.is_(None), ChatMessage.group_id.in_(groups)))
    rows = list(db.session.scalars(stmt))
    return [message_payload(m) for m in rows[:REPLAY_MAX]], len(rows) > REPLAY_MAX


def groups_of(session: LiveSession, *, open_only: bool = False) -> list[BreakoutGroup]:
    """The session's breakout groups (every round, or the open ones), in order."""
    stmt = select(BreakoutGroup).where(BreakoutGroup.session_id == session.id)
    if open_only:
        stmt = stmt.where(BreakoutGroup.closed_at.is_(None))
    return list(db.session.scalars(stmt.order_by(BreakoutGroup.round, BreakoutGroup.position)))


def group_room(session: LiveSession, group_id: int) -> str:
    """The members of one breakout group (and the hosts): their chat and notes."""
    return f"{room_name(session)}:group:{group_id}"


def _clean_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise errors.Invalid("Each message needs a client_id of 8 to 64 letters, digits, "
                             "'-' or '_'.", field="client_id")
    return client_id


def send(author: User, session: LiveSession, *, body: Any, client_id: Any,
         group_id: Any = None, to_all_groups: bool = False) -> ChatMessage:
    """Say something in the room (or in one's breakout group, or, for facilitators, to every
    group at once); a retry with the same client id gives back the first."""
    policy.require(author, session_policy.may_enter_room, session)
    policy.require(author, session_policy.may_chat, session)
    client_id = _clean_client_id(client_id)
    if not isinstance(body, str) or not body.strip():
        raise errors.Invalid("Write something before sending.", field="body")
    if len(body) > MESSAGE_MAX:
        raise errors.Invalid(f"Keep messages under {MESSAGE_MAX:,} characters.", field="body")
    group = open_group_for(author, session, group_id) if group_id is not None else None
    if to_all_groups:
        policy.require(author, session_policy.may_run_room, session)
        if not groups_of(session, open_only=True):
            raise errors.Invalid("No breakout groups are meeting.")
    existing = _sent_before(author, session, client_id)
    if existing is not None:
        return existing
    room = _room(session)
    message = ChatMessage(session_id=session.id, author_id=author.id, client_id=client_id,
                          body=body.strip(), body_html=render_markdown(body.strip()),
                          seq=_next_seq(room), author=author,
                          group_id=group.id if group else None, to_all_groups=to_all_groups)
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError:  # the same send, retried, committed first
        db.session.rollback()
        found = _sent_before(author, session, client_id)
        if found is None:
            raise
        return found
    realtime.publish("message_added", {"session_id": session.id, **message_payload(message)},
                     to=group_room(session, group.id) if group else room_name(session))
    db.session.commit()
    return message


def open_group_for(person: User, session: LiveSession, group_id: Any) -> BreakoutGroup:
    """An open breakout group of the session that the person may speak and listen in."""
    if isinstance(group_id, bool) or not isinstance(group_id, int):
        raise errors.Invalid("'group_id' must be a whole number.", field="group_id")
    group = db.session.get(BreakoutGroup, group_id)
    if group is None or group.session_id != session.id or group.closed_at is not None:
        raise errors.NotFound("That breakout group isn't meeting.")
    policy.require(person, session_policy.may_join_group, group)
    return group


def _sent_before(author: User, session: LiveSession, client_id: str) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(
        ChatMessage.session_id == session.id, ChatMessage.author_id == author.id,
        ChatMessage.client_id == client_id))


def message_in(session: LiveSession, message_id: Any) -> ChatMessage:
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise errors.Invalid("'message_id' must be a whole number.", field="message_id")
    message = db.session.scalar(select(ChatMessage).where(
        ChatMessage.id == message_id, ChatMessage.session_id == session.id))
    if message is None:
        raise errors.NotFound("That message isn't in this room.")
    return message


def delete_message(actor: User, session: LiveSession, message: ChatMessage) -> None:
    """Facilitators take a message out of the chat; everyone's copy goes."""
    policy.require(actor, session_policy.may_run_room, session)
    if message.deleted_at is None:
        message.deleted_at, message.deleted_by_id = utcnow(), actor.id
        moderation.resolve_flags(actor, CHAT_MESSAGE, message.id, "Message deleted")
        announce_removed(session, message)
    db.session.commit()


def announce_removed(session: LiveSession, message: ChatMessage) -> None:
    """Everyone who heard the message (the room, or its group) replaces it with a marker."""
    realtime.publish("message_removed", {"session_id": session.id, "seq": message.seq,
                                         "id": message.id},
                     to=group_room(session, message.group_id) if message.group_id
                     else room_name(session))


CHAT_MESSAGE = "session_chat_message"


# --- Hands -----------------------------------------------------------------------------------

def _announce_hands(session: LiveSession, called: User | None = None) -> None:
    realtime.publish("hands_changed", {
        "session_id": session.id, "hands": hands(session),
        "called": person_card(called) if called is not None else None},
        to=room_name(session))


def raise_hand(user: User, session: LiveSession) -> None:
    policy.require(user, session_policy.may_enter_room, session)
    already = db.session.scalar(select(RaisedHand.id).where(
        RaisedHand.session_id == session.id, RaisedHand.user_id == user.id,
        RaisedHand.lowered_at.is_(None)))
    if already is None:
        db.session.add(RaisedHand(session_id=session.id, user_id=user.id))
        db.session.flush()
        _announce_hands(session)
    db.session.commit()


def lower_hand(user: User, session: LiveSession) -> None:
    policy.require(user, session_policy.may_enter_room, session)
    hand = db.session.scalar(select(RaisedHand).where(
        RaisedHand.session_id == session.id, RaisedHand.user_id == user.id,
        RaisedHand.lowered_at.is_(None)))
    if hand is not None:
        hand.lowered_at = utcnow()
        db.session.flush()
        _announce_hands(session)
    db.session.commit()


def call_next(actor: User, session: LiveSession) -> User | None:
    """The facilitator gives the floor to whoever raised their hand first."""
    policy.require(actor, session_policy.may_run_room, session)
    first = db.session.scalar(select(RaisedHand).where(
        RaisedHand.session_id == session.id, RaisedHand.lowered_at.is_(None))
        .options(joinedload(RaisedHand.user).joinedload(User.organization))
        .order_by(RaisedHand.raised_at, RaisedHand.id).limit(1))
    if first is None:
        raise errors.Invalid("No hands are raised.")
    first.lowered_at = first.called_at = utcnow()
    db.session.flush()
    _announce_hands(session, called=first.user)
    db.session.commit()
    return first.user


def lower_all_hands(actor: User, session: LiveSession) -> None:
    policy.require(actor, session_policy.may_run_room, session)
    db.session.execute(update(RaisedHand).where(
        RaisedHand.session_id == session.id, RaisedHand.lowered_at.is_(None))
        .values(lowered_at=utcnow()))
    _announce_hands(session)
    db.session.commit()


# --- The facilitator's controls ----------------------------------------------------------------

def _state_changed(session: LiveSession) -> None:
    realtime.publish("room_changed", state_payload(session, utcnow()), to=room_name(session))


def open_for_hosts(actor: User, session: LiveSession) -> None:
    """Let facilitators and staff in before the start, to get ready."""
    policy.require(actor, session_policy.may_run_room, session)
    if session.room_state(utcnow()) is RoomState.ENDED:
        raise errors.Invalid("This session's room has closed.")
    room = _room(session)
    room.opened_for_hosts_at = room.opened_for_hosts_at or utcnow()
    _state_changed(session)
    db.session.commit()


def start(actor: User, session: LiveSession) -> None:
    """Open the room to everyone who may attend, whatever the clock says."""
    policy.require(actor, session_policy.may_run_room, session)
    room = _room(session)
    if room.ended_at is not None:
        raise errors.Invalid("This session has ended.")
    room.started_at = room.started_at or utcnow()
    _state_changed(session)
    db.session.commit()


def end(actor: User, session: LiveSession) -> None:
    """Close the room: everyone's visit ends and the record stays on the session's page."""
    policy.require(actor, session_policy.may_run_room, session)
    room = _room(session)
    now = utcnow()
    room.ended_at = room.ended_at or now
    db.session.execute(update(Attendance).where(
        Attendance.session_id == session.id, Attendance.left_at.is_(None)).values(left_at=now))
    db.session.execute(update(RaisedHand).where(
        RaisedHand.session_id == session.id, RaisedHand.lowered_at.is_(None))
        .values(lowered_at=now))
    _state_changed(session)
    db.session.commit()


def pin_notice(actor: User, session: LiveSession, text: Any) -> None:
    """A notice everyone sees at the top of the room (empty text takes it down)."""
    policy.require(actor, session_policy.may_run_room, session)
    if not isinstance(text, str):
        raise errors.Invalid("The notice must be text.", field="text")
    if len(text) > NOTICE_MAX:
        raise errors.Invalid(f"Keep the notice under {NOTICE_MAX} characters.", field="text")
    room = _room(session)
    room.notice = text.strip()
    room.notice_html = render_markdown(room.notice) if room.notice else ""
    _state_changed(session)
    db.session.commit()


def set_timer(actor: User, session: LiveSession, *, minutes: Any, label: Any = "") -> None:
    """A countdown everyone sees (0 minutes stops it)."""
    policy.require(actor, session_policy.may_run_room, session)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float):
        raise errors.Invalid("'minutes' must be a number.", field="minutes")
    if not isinstance(label, str) or len(label) > TIMER_LABEL_MAX:
        raise errors.Invalid(f"Keep the timer's label under {TIMER_LABEL_MAX} characters.",
                             field="label")
    duration = timedelta(minutes=float(minutes))
    if duration < timedelta(0) or duration > LONGEST_TIMER:
        raise errors.Invalid("Set the timer for 0 to 180 minutes.", field="minutes")
    room = _room(session)
    room.timer_ends_at = utcnow() + duration if duration else None
    room.timer_label = label.strip() if duration else ""
    _state_changed(session)
    db.session.commit()


def _participant(session: LiveSession, user_id: Any) -> User:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise errors.Invalid("'user_id' must be a whole number.", field="user_id")
    person = db.session.get(User, user_id)
    if person is None or not session_policy.may_attend(person, session):
        raise errors.NotFound("That person isn't taking part in this session.")
    return person


def mute(actor: User, session: LiveSession, user_id: Any, *, muted: bool) -> None:
    """Stop (or let again) one person's chat; they stay in the room."""
    policy.require(actor, session_policy.may_run_room, session)
    person = _participant(session, user_id)
    room = _room(session)
    ids = set(room.muted_ids)
    ids = ids | {person.id} if muted else ids - {person.id}
    room.muted_ids = sorted(ids)
    _state_changed(session)
    db.session.commit()


def remove(actor: User, session: LiveSession, user_id: Any) -> None:
    """Take someone out of the room for the rest of the session: they are disconnected from it
    at once, on every server process, and may not come back."""
    policy.require(actor, session_policy.may_run_room, session)
    person = _participant(session, user_id)
    if person.id == actor.id:
        raise errors.Invalid("You can't remove yourself; end the session instead.")
    room = _room(session)
    room.removed_ids = sorted(set(room.removed_ids) | {person.id})
    db.session.execute(update(Attendance).where(
        Attendance.session_id == session.id, Attendance.user_id == person.id,
        Attendance.left_at.is_(None)).values(left_at=utcnow()))
    realtime.publish("removed_from_room", {"session_id": session.id},
                     to=realtime.user_room(person.id))
    realtime.evict_from([person.id], room_name(session))
    _announce_left(session, person.id)
    db.session.commit()
