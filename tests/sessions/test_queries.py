"""Session lists cost the same number of queries however many sessions and answers exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tests import factories
from tests.forums.test_queries import count_page
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.models import LiveSession, Rsvp, RsvpAnswer, new_uid


def grow(community_id: int, author_id: int, count: int, people: list[int]) -> None:
    """Sessions in bulk: past, open and upcoming, each answered by several people (by id, as
    count_page leaves the test's objects detached)."""
    now = utcnow()
    db.session.execute(insert(LiveSession), [
        {"community_id": community_id, "author_id": author_id, "title": f"Session {n}",
         "number": n + 1, "starts_at": now + timedelta(days=n - count // 2, minutes=-10),
         "ends_at": now + timedelta(days=n - count // 2, minutes=80),
         "time_zone": ["America/Phoenix", "Pacific/Guam", "America/New_York"][n % 3],
         "uid": new_uid(), "agenda": "", "agenda_html": "", "prework": "", "prework_html": "",
         "objectives": [], "materials": [], "call_url": "", "cancel_reason": "",
         "status": "cancelled" if n % 11 == 0 else "scheduled", "sequence": 0,
         "is_detached": False, "created_at": now}
        for n in range(count)])
    ids = list(db.session.scalars(select(LiveSession.id).where(
        LiveSession.community_id == community_id)))
    db.session.execute(insert(Rsvp), [
        {"session_id": session_id, "user_id": person,
         "answer": list(RsvpAnswer)[(session_id + index) % 3], "answered_at": now}
        for session_id in ids for index, person in enumerate(people)])
    db.session.commit()


@pytest.fixture
def people(member, other_member, sme, facilitator):
    return [member, other_member, sme, facilitator]


@pytest.mark.parametrize("path", ["/communities/{slug}/sessions", "/sessions",
                                  "/communities/{slug}/sessions?page=2",
                                  "/communities/{slug}"])
def test_session_lists_cost_the_same_for_3_and_300_sessions(
        network, client_as, queries, community, facilitator, people, member, path):
    small = factories.make_community(network, participants=["AZ"], slug="small-cop")
    factories.add_to(small, member, "member")
    factories.add_to(small, facilitator, "facilitator")
    grow(small.id, facilitator.id, 3, [member.id])
    large = (community.id, facilitator.id, 300, [person.id for person in people])
    viewers = {"member": client_as(member), "facilitator": client_as(facilitator)}
    small_path, large_path = (path.format(slug=c.slug) for c in (small, community))
    if path == "/sessions":  # everyone's own list: measured before and after it grows
        before = {name: count_page(client, path, queries) for name, client in viewers.items()}
        grow(*large)
        after = {name: count_page(client, path, queries) for name, client in viewers.items()}
    else:
        grow(*large)
        before = {name: count_page(client, small_path, queries)
                  for name, client in viewers.items()}
        after = {name: count_page(client, large_path, queries)
                 for name, client in viewers.items()}
    assert before == after


def test_the_roster_costs_the_same_for_2_and_40_people(network, client_as, queries, community,
                                                       facilitator, member):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(days=1))
    path = f"/communities/{community.slug}/sessions/{session.id}/roster"
    few = count_page(client_as(facilitator), path, queries)
    for n in range(40):
        person = factories.make_user(network.seas[["AZ", "GA"][n % 2]], f"p{n}@example.org")
        factories.add_to(community, person, "member")
        if n % 2:
            factories.answer_rsvp(session, person, "going")
    assert count_page(client_as(facilitator), path, queries) == few
