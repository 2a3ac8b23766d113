"""Session fixtures: a session happening now, and people in its live room."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests import factories
from workspace.database import utcnow

LIVE = "/live"


@pytest.fixture
def live_session(community, facilitator):
    """A session that began five minutes ago: its room is open."""
    return factories.make_session(community, facilitator, number=2,
                                  starts_at=utcnow() - timedelta(minutes=5), minutes=90,
                                  call_url="https://meet.example.org/p2p")


def ask(client, event: str, session, **payload: Any) -> dict:
    """Emit a room event for the session and return its acknowledgement."""
    return client.emit(event, {"session_id": session.id, **payload}, namespace=LIVE,
                       callback=True)


def received(client, name: str) -> list[dict]:
    return [event["args"][0] for event in client.get_received(LIVE) if event["name"] == name]


@pytest.fixture
def in_room(connect_as):
    """Connect a person and join the session's room; returns (client, the join ack)."""

    def in_room(person, session, last_seq: int = 0):
        client = connect_as(person)
        answer = ask(client, "join_room", session, last_seq=last_seq)
        assert answer["ok"], answer
        return client, answer

    return in_room
