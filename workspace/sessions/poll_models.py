"""What a session's polls store: the question and its options, where each stands, and one vote
per person (changed, never added to, while the poll is open)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.sessions.models import LiveSession

QUESTION_MAX = 300
OPTION_MAX = 200
FEWEST_OPTIONS = 2
MOST_OPTIONS = 10


class PollKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"

    @property
    def label(self) -> str:
        return {"single": "One answer", "multiple": "Any number of answers"}[self.value]


class PollState(enum.StrEnum):
    DRAFT = "draft"  # prepared (or being written); only the facilitators see it
    OPEN = "open"  # taking votes
    CLOSED = "closed"  # votes kept; the facilitators may reveal the results

    @property
    def label(self) -> str:
        return {"draft": "Not yet asked", "open": "Open", "closed": "Closed"}[self.value]


class Poll(Model):
    """A question the facilitators ask the room, prepared ahead or made on the spot."""

    __tablename__ = "session_polls"
    __table_args__ = (Index("ix_session_polls_session_position", "session_id", "position"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    kind: Mapped[PollKind] = mapped_column(enum_type(PollKind), default=PollKind.SINGLE)
    state: Mapped[PollState] = mapped_column(enum_type(PollState), default=PollState.DRAFT)
    results_revealed: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Offered first when the facilitators of the community's other sessions copy a poll.
    for_series: Mapped[bool] = mapped_column(default=False)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("session_polls.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    session: Mapped[LiveSession] = relationship()
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan")

    @property
    def is_draft(self) -> bool:
        return self.state is PollState.DRAFT


class PollOption(Model):
    """One answer a poll offers, in the order the facilitator wrote them."""

    __tablename__ = "session_poll_options"

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(ForeignKey("session_polls.id"), index=True)
    label: Mapped[str] = mapped_column(String(OPTION_MAX))
    position: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollVote(Model):
    """A person's answer to a poll: the option (or options) they chose, replaced when they
    change their mind while it is open."""

    __tablename__ = "session_poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(ForeignKey("session_polls.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    option_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    voted_at: Mapped[created]
    changed_at: Mapped[datetime | None]
