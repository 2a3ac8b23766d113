"""What the editor stores: drafts of text someone is still writing, by kind and target."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, intpk
from workspace.extensions import Model


class Draft(Model):
    """Text someone is still writing, saved as they type so nothing is lost."""

    __tablename__ = "drafts"
    # One draft per person and thing being written: a new topic, a reply to topic 12, ...
    __table_args__ = (UniqueConstraint("user_id", "kind", "target_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # A kind a feature registered (writing.register_draft_kind), e.g. "forum_reply".
    kind: Mapped[str] = mapped_column(String(40))
    # What the kind writes into (a topic's id for a reply; the community's for a new topic).
    # No foreign key: each kind points into a table of its own feature.
    target_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[created]
