"""The sessions' kinds of draft for the shared editor: a new session's agenda and pre-work."""

from __future__ import annotations

from flask import Flask

from workspace import writing
from workspace.policy import sessions as session_policy
from workspace.sessions.service import AGENDA_DRAFT, PREWORK_DRAFT


def register(app: Flask) -> None:
    for kind in (AGENDA_DRAFT, PREWORK_DRAFT):
        writing.register_draft_kind(app, kind, target=writing.community_itself,
                                    may_write=session_policy.may_schedule)
