"""Reactions to any kind of content: the one set of kinds, and counting them for a page."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from workspace import policy
from workspace.auth.models import User
from workspace.database import created, enum_type, intpk
from workspace.extensions import db

# Icons that ship with the app (USWDS's sprite), not emoji: locked-down builds often have no
# emoji font and show empty boxes. Every reaction also carries its text label.
REACTION_ICONS = {"thanks": "thumb_up_alt", "insightful": "lightbulb", "question": "help",
                  "agree": "check_circle"}
REACTION_LABELS = {"thanks": "Thanks", "insightful": "Insightful", "question": "Question",
                   "agree": "Agree"}


class ReactionKind(enum.StrEnum):
    """The small fixed set of reactions; each has a text label for screen readers and all."""

    THANKS = "thanks"
    INSIGHTFUL = "insightful"
    QUESTION = "question"
    AGREE = "agree"

    @property
    def icon(self) -> str:
        """The icon's name in static/vendor/uswds/img/sprite.svg."""
        return REACTION_ICONS[self.value]

    @property
    def label(self) -> str:
        return REACTION_LABELS[self.value]


class ReactionColumns:
    """What every feature's reactions table stores besides the id of what was reacted to.

    Each feature keeps its own table (forum_reactions, later blog comments' and library items'),
    so the reacted-to row has a real foreign key and a unique (subject, person, kind).
    """

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ReactionKind] = mapped_column(enum_type(ReactionKind))
    created_at: Mapped[created]


@dataclass
class ReactionSummary:
    kind: ReactionKind
    count: int = 0
    mine: bool = False


def summaries(subject: InstrumentedAttribute[int], viewer: policy.Person,
              subject_ids: Sequence[int]) -> dict[int, list[ReactionSummary]]:
    """Every kind's count and whether the viewer gave it, for each of these ids: one query.

    `subject` is the reactions table's column naming what was reacted to (Reaction.post_id).
    """
    if not subject_ids:
        return {}
    table: Any = subject.class_
    viewer_id = viewer.id if viewer.is_authenticated else -1
    counts: dict[int, dict[ReactionKind, ReactionSummary]] = {
        subject_id: {kind: ReactionSummary(kind) for kind in ReactionKind}
        for subject_id in subject_ids}
    for subject_id, kind, count, mine in db.session.execute(
            select(subject, table.kind, func.count(table.id),
                   func.sum(case((table.user_id == viewer_id, 1), else_=0)))
            .where(subject.in_(subject_ids)).group_by(subject, table.kind)):
        counts[subject_id][kind] = ReactionSummary(kind, count, bool(mine))
    return {subject_id: list(kinds.values()) for subject_id, kinds in counts.items()}


def summary_columns(subject: InstrumentedAttribute[int], subject_id: Any,
                    viewer_id: Any) -> list[Any]:
    """The same as summaries(), as columns to add to the query that lists the subjects (so a page
    needs no query of its own for reactions): each kind's count, then the kinds the viewer gave
    as bits. `subject_id` is the listed subjects' id column (Post.id), `viewer_id` the viewer's
    id (or a bound parameter for it); summaries_of() reads the values back."""
    table: Any = subject.class_
    counts = [select(func.count(table.id)).where(subject == subject_id, table.kind == kind)
              .scalar_subquery() for kind in ReactionKind]
    given = select(func.coalesce(func.sum(case(
        *((table.kind == kind, 1 << bit) for bit, kind in enumerate(ReactionKind)), else_=0)), 0)
    ).where(subject == subject_id, table.user_id == viewer_id).scalar_subquery()
    return [*counts, given]


def summaries_of(values: Sequence[Any]) -> list[ReactionSummary]:
    """One subject's summaries from the values of summary_columns(), in the same order."""
    given = int(values[-1] or 0)
    return [ReactionSummary(kind, int(count or 0), bool(given & (1 << bit)))
            for bit, (kind, count) in enumerate(zip(ReactionKind, values, strict=False))]


def toggle(subject: InstrumentedAttribute[int], subject_id: int, user: User,
           kind: ReactionKind) -> bool:
    """Add the person's reaction, or take it back if they had given it, and commit.

    True if it is there now. Callers check their policy first and publish after.
    """
    table: Any = subject.class_
    existing = db.session.scalar(select(table).where(
        subject == subject_id, table.user_id == user.id, table.kind == kind))
    if existing is not None:
        db.session.delete(existing)
        added = False
    else:
        db.session.add(table(**{subject.key: subject_id, "user_id": user.id, "kind": kind}))
        added = True
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a double click added it twice at once: it's there
        added = True
    return added
