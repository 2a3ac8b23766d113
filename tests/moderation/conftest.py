"""Moderation fixtures: the forum's topic, and a second kind of content registered by a test."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

from tests.forums.conftest import categories, general, topic  # noqa: F401 - shared fixtures
from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.moderation import service
from workspace.moderation.registry import (
    Subject,
    SubjectKind,
    SubjectState,
    register_actions,
    register_kind,
    unregister_kind,
)
from workspace.policy import Action


@dataclass
class Note:
    """A stand-in for the next feature's content (a chat message, a blog comment)."""

    id: int
    community: Community
    author: User
    text: str
    hidden: bool = False


class Notes:
    """A kind of content that lives outside the forum, registered the way a feature would."""

    def __init__(self) -> None:
        self.items: dict[int, Note] = {}
        self.may_flag = policy.rule("You can flag other people's notes.")(self._may_flag)
        self.kind: SubjectKind[Note] = SubjectKind(
            name="test_note", label="note", find=self.find, describe=self.describe,
            may_flag=self.may_flag,
            hide=self.hide, states=self.states)

    def add(self, community: Community, author: User, text: str) -> Note:
        note = Note(id=len(self.items) + 1, community=community, author=author, text=text)
        self.items[note.id] = note
        return note

    def find(self, viewer: policy.Person, community: Community, note_id: int) -> Note:
        note = self.items.get(note_id)
        if note is None or note.community.id != community.id:
            raise errors.NotFound()
        policy.authorize(viewer, Action.READ, community)
        return note

    def describe(self, note: Note) -> Subject:
        return Subject(kind="test_note", id=note.id, community=note.community,
                       summary=f"{note.author.name}'s note", link=f"/notes/{note.id}",
                       excerpt=note.text, notice="a note")

    def _may_flag(self, user: policy.Person, note: Note,
                  standing: policy.Standing | None = None) -> bool:
        return (policy.can(user, Action.CONTRIBUTE, note.community)
                and user.id != note.author.id and not note.hidden)

    def hide(self, moderator: User, note: Note, reason: str) -> None:
        policy.authorize(moderator, Action.MODERATE, note.community)
        note.hidden = True
        service.resolve_flags(moderator, "test_note", note.id, "Note hidden")
        service.log_action(moderator, note.community, "note_hidden",
                           subject=self.describe(note), detail=reason)
        db.session.commit()

    def states(self, ids: Sequence[int]) -> dict[int, SubjectState]:
        return {note_id: SubjectState.HIDDEN if self.items[note_id].hidden
                else SubjectState.VISIBLE for note_id in ids if note_id in self.items}


@pytest.fixture
def notes() -> Iterator[Notes]:
    found = Notes()
    register_kind(found.kind)
    register_actions({"note_hidden": "Hid a note"})
    yield found
    unregister_kind("test_note")
