"""A session's open page follows it live: answers counted, changes announced; no one else hears."""

from __future__ import annotations

from datetime import date, time, timedelta

from tests import factories
from tests.forums.test_events import events
from workspace.communities import service as communities
from workspace.database import utcnow
from workspace.sessions import service
from workspace.sessions.service import Plan

LIVE = "/live"


def follow(client, session) -> dict:
    return client.emit("watch_session", {"session_id": session.id}, namespace=LIVE,
                       callback=True)


def test_an_open_session_page_hears_answers_and_changes(connect_as, community, facilitator,
                                                        member, other_member, observer):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(days=2))
    reader, watcher = connect_as(other_member), connect_as(observer)
    assert follow(reader, session) == {"ok": True}
    assert follow(watcher, session) == {"ok": True}
    service.answer(member, session, "going")
    assert events(watcher, "answers_changed") == [
        {"session_id": session.id, "going": 1, "maybe": 0, "not_going": 0}]
    service.change(facilitator, session, Plan(title="Moved", day=date(2031, 1, 7),
                                              starts=time(14), ends=time(15),
                                              time_zone="America/New_York"),
                   reason="Holiday")
    assert events(reader, "session_changed") == [
        {"session_id": session.id, "message": "This session was rescheduled."}]
    service.cancel(facilitator, session, reason="Snow day")
    assert events(reader, "session_changed")[-1]["message"] == (
        "This session was cancelled: Snow day")


def test_outsiders_and_withdrawn_states_cannot_follow(connect_as, community, facilitator,
                                                     outsider, other_member, staff):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(days=2))
    answer = follow(connect_as(outsider), session)
    assert answer["ok"] is False and "isn't available" in answer["error"]
    communities.withdraw_organization(staff, community, other_member.organization)
    assert follow(connect_as(other_member), session)["ok"] is False
