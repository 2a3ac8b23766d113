"""What a community's live sessions store: each session, the repeats it came from, people's
answers, their attendance, and the secret calendar feeds that carry sessions into Outlook."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community

TITLE_MAX = 200
CALL_URL_MAX = 500
REASON_MAX = 500
UID_DOMAIN = "cop-workspace"


def new_uid() -> str:
    """A calendar UID that never changes for the life of the event, whatever is edited."""
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


# The room lets people in a little before the start, and stays open a while after the end
# unless the facilitators end it.
ROOM_OPENS_EARLY = timedelta(minutes=10)
ROOM_GRACE = timedelta(minutes=30)


class RoomState(enum.StrEnum):
    CLOSED = "closed"  # not yet (or cancelled)
    HOSTS = "hosts"  # opened early for facilitators and staff
    OPEN = "open"
    ENDED = "ended"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"  # kept, so calendars and the record show what happened


class RsvpAnswer(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"

    @property
    def label(self) -> str:
        return {"going": "Going", "maybe": "Maybe", "not_going": "Not going"}[self.value]


class Repeat(Model):
    """A rule that scheduled several sessions at once ("every other Tuesday, 6 times").

    Each occurrence is its own LiveSession and can be edited on its own; calendars publish the
    rule once (RRULE) with the edited occurrences as overrides, as Outlook and Google expect.
    """

    __tablename__ = "session_repeats"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # The calendar UID of the whole run; its occurrences share it, told apart by RECURRENCE-ID.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    # An RFC 5545 RRULE without DTSTART, e.g. "FREQ=WEEKLY;INTERVAL=2;COUNT=6".
    rule: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200))  # "Every other week, 6 times"
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    time_zone: Mapped[str] = mapped_column(String(64))
    first_starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    # Raised whenever the run as a whole changes, as calendars require.
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]

    sessions: Mapped[list[LiveSession]] = relationship(back_populates="repeat",
                                                       order_by="LiveSession.original_starts_at")


class LiveSession(Model):
    """One scheduled session of a community's series: when, what, and how to join the call."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        Index("ix_live_sessions_community_starts", "community_id", "starts_at"),
        UniqueConstraint("repeat_id", "original_starts_at"),
        UniqueConstraint("author_id", "client_nonce"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    # "Session 3" of the series; None for sessions outside the numbered run (office hours).
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    prework: Mapped[str] = mapped_column(Text, default="")
    prework_html: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(default=list)
    # [{"label": ..., "url": ...}]: pages of the community (or the web) to read or bring.
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The zone the facilitator scheduled in: times are shown in it beside the reader's own.
    time_zone: Mapped[str] = mapped_column(String(64))
    call_url: Mapped[str] = mapped_column(String(CALL_URL_MAX), default="")
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus),
                                                  default=SessionStatus.SCHEDULED)
    cancel_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    cancelled_at: Mapped[datetime | None]
    # Calendar identity: a stable UID (a repeat's occurrences use the repeat's) and a SEQUENCE
    # raised by every change people's calendars must pick up.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    repeat_id: Mapped[int | None] = mapped_column(ForeignKey("session_repeats.id"), index=True)
    # For an occurrence of a repeat: the start the rule gave it (its RECURRENCE-ID), kept when
    # the occurrence is moved; and whether it was edited on its own (an override in calendars).
    original_starts_at: Mapped[datetime | None]
    is_detached: Mapped[bool] = mapped_column(default=False)
    # What the facilitators wrote afterwards, and the forum topic that carries it on.
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    summary_published_at: Mapped[datetime | None]
    follow_up_topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id"))
    # Who scheduled it, and the one-time value of the form they sent (writing.once).
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    repeat: Mapped[Repeat | None] = relationship(back_populates="sessions")
    author: Mapped[User] = relationship()
    room: Mapped[Room | None] = relationship(uselist=False)

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    @property
    def label(self) -> str:
        """"Session 3: Family and Community Role …", or the title alone when unnumbered."""
        return f"Session {self.number}: {self.title}" if self.number else self.title

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at <= now

    def is_open(self, now: datetime) -> bool:
        return not self.is_cancelled and self.starts_at <= now < self.ends_at

    def room_state(self, now: datetime) -> RoomState:
        """Who the live room admits now: nobody, hosts only, everyone who may attend, or (over)
        nobody again, its record kept. It opens by itself shortly before the start."""
        room = self.room
        if self.is_cancelled:
            return RoomState.CLOSED
        if room is not None and room.ended_at is not None:
            return RoomState.ENDED
        if room is not None and room.started_at is not None:
            return RoomState.OPEN
        if now >= self.ends_at + ROOM_GRACE:
            return RoomState.ENDED
        held_for_hosts = room is not None and room.opened_for_hosts_at is not None
        if now >= self.starts_at - ROOM_OPENS_EARLY and not (held_for_hosts
                                                              and now < self.starts_at):
            return RoomState.OPEN
        return RoomState.HOSTS if held_for_hosts else RoomState.CLOSED


class Rsvp(Model):
    """A person's answer to "are you coming?" for one session."""

    __tablename__ = "session_rsvps"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(enum_type(RsvpAnswer))
    answered_at: Mapped[created]

    user: Mapped[User] = relationship()


class ReminderSent(Model):
    """A person was reminded of a session starting at this time: once per start, so a session
    moved to another time reminds again (and a cancelled one never does)."""

    __tablename__ = "session_reminders_sent"
    __table_args__ = (UniqueConstraint("session_id", "user_id", "starts_at"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime]
    sent_at: Mapped[created]


class Attendance(Model):
    """A person's time in a session's live room: written by the room, read by the roster."""

    __tablename__ = "session_attendance"
    __table_args__ = (Index("ix_session_attendance_session_user", "session_id", "user_id"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class CalendarFeed(Model):
    """A person's secret calendar address. Only a hash of its token is kept: the address is
    shown once, and replacing or revoking it makes the old one answer 404."""

    __tablename__ = "calendar_feeds"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created]
    revoked_at: Mapped[datetime | None]
    last_fetched_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


# --- The live room: its state, what was said, hands raised ------------------------------------

class Room(Model):
    """A session's live room: whether it is open, and the counter that orders what is said in it.

    Every message takes the next `last_seq` in the same transaction that stores it, so the order
    everyone sees comes from the database, not from which packet arrived first.
    """

    __tablename__ = "session_rooms"

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), unique=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    # Facilitators may open the room before the start for hosts only; starting opens it to all.
    opened_for_hosts_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    notice: Mapped[str] = mapped_column(String(500), default="")
    notice_html: Mapped[str] = mapped_column(Text, default="")
    timer_ends_at: Mapped[datetime | None]
    timer_label: Mapped[str] = mapped_column(String(120), default="")
    # People whose chat the facilitators muted, and people removed from the room.
    muted_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    removed_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ChatMessage(Model):
    """One thing said in a room's chat, numbered by the room's sequence."""

    __tablename__ = "session_chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        # A retried send carries the same client id: the second one finds the first.
        UniqueConstraint("session_id", "author_id", "client_id"),
    )

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    seq: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None]  # by moderation, from a flag
    # Said in a breakout group (only its members and the hosts hear it); None: the whole room.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("session_breakout_groups.id"))
    # Sent by a facilitator to every group at once during breakouts.
    to_all_groups: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    session: Mapped[LiveSession] = relationship()


class RaisedHand(Model):
    """A hand raised in the room; the queue is ordered by when each was raised."""

    __tablename__ = "session_raised_hands"
    __table_args__ = (Index("ix_session_raised_hands_session_open", "session_id", "lowered_at"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[created]
    lowered_at: Mapped[datetime | None]
    # Lowered because the facilitator called on them (rather than lowered by hand).
    called_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class BreakoutGroup(Model):
    """A small group the facilitator split the room into, with its own chat (and notes).

    Groups of one round share `round`; "bring everyone back" closes them, and they stay in the
    record with what was said in them.
    """

    __tablename__ = "session_breakout_groups"
    __table_args__ = (Index("ix_session_breakout_groups_session_round", "session_id", "round"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    round: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created]
    closed_at: Mapped[datetime | None]
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    session: Mapped[LiveSession] = relationship()


class SessionNote(Model):
    """The shared notes of a session's room, or of one breakout group in it: a Yjs document.

    `state` is the whole document as one merged Yjs update (what pycrdt and the browser's yjs
    both read); `text` is its plain text at the last change, for the record and for search.
    """

    __tablename__ = "session_notes"
    __table_args__ = (
        UniqueConstraint("session_id", "group_id"),
        # NULLs never clash in a unique constraint: the session's own notes (no group) need
        # their own guard, or two first edits at once would make two documents.
        Index("uq_session_notes_session_id_main", "session_id", unique=True,
              sqlite_where=sql_text("group_id IS NULL"),
              postgresql_where=sql_text("group_id IS NULL")),
    )

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("session_breakout_groups.id"))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
