"""The session's polls page: facilitators prepare polls before the session, change or delete
them until asked, and copy polls from the community's other sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions import polls
from workspace.sessions.poll_models import Poll


@pytest.fixture
def upcoming(community, facilitator):
    return factories.make_session(community, facilitator, number=3,
                                  starts_at=utcnow() + timedelta(days=7))


def _address(session, tail: str = "") -> str:
    return f"/communities/{session.community.slug}/sessions/{session.id}/polls{tail}"


def _prepared(facilitator, session, question="Which color?", **extra) -> Poll:
    return polls.create_poll(facilitator, session, question=question, kind="single",
                             options=["Red", "Green"], **extra)


def test_a_facilitator_prepares_a_poll_before_the_session(client_as, facilitator, upcoming):
    client = client_as(facilitator)
    page = client.get(_address(upcoming))
    assert page.status_code == 200 and "No polls yet" in page.get_data(as_text=True)
    sent = client.post(_address(upcoming), data={
        "question": "Where are you  with your plan?", "kind": "multiple",
        "options": "Drafting\n\nReviewing\r\nDone\n", "for_series": "y"})
    assert sent.status_code == 302
    poll = db.session.scalar(select(Poll))
    assert poll.question == "Where are you with your plan?" and poll.kind.value == "multiple"
    assert [o.label for o in poll.options] == ["Drafting", "Reviewing", "Done"]
    assert poll.for_series is True and poll.state.value == "draft"
    assert "Where are you with your plan?" in client.get(_address(upcoming)).get_data(
        as_text=True)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"question": "", "options": "A\nB"}, "question", "Write the question."),
    ({"question": "Q?", "options": "Only one"}, "options", "Give 2 to 10 options"),
    ({"question": "Q?", "options": "A\nB", "kind": "ranked"}, "kind",
     "Choose one answer or any number of answers."),
])
def test_mistakes_are_shown_beside_their_field_and_kept(client_as, facilitator, upcoming,
                                                        data, field, message):
    page = client_as(facilitator).post(_address(upcoming), data={"kind": "single", **data})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert db.session.scalar(select(db.func.count(Poll.id))) == 0


def test_drafts_are_edited_and_deleted_asked_polls_stay(client_as, facilitator, upcoming):
    client = client_as(facilitator)
    poll = _prepared(facilitator, upcoming)
    form = client.get(_address(upcoming, f"/{poll.id}/edit")).get_data(as_text=True)
    assert "Red\nGreen" in form
    saved = client.post(_address(upcoming, f"/{poll.id}/edit"), data={
        "question": "Which colour?", "kind": "single", "options": "Red\nGreen\nBlue"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert [o.label for o in db.session.get(Poll, poll.id).options] == ["Red", "Green", "Blue"]

    asked = _prepared(facilitator, upcoming, question="Asked?")
    polls.open_poll(facilitator, polls.poll_in(upcoming, asked.id))
    refused = client.post(_address(upcoming, f"/{asked.id}/edit"), data={
        "question": "Changed", "kind": "single", "options": "A\nB"})
    assert refused.status_code == 200 and "stays as it was asked" in refused.get_data(
        as_text=True)
    client.post(_address(upcoming, f"/{asked.id}/delete"))
    assert db.session.get(Poll, asked.id) is not None
    assert client.post(_address(upcoming, f"/{poll.id}/delete")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Poll, poll.id) is None


def test_polls_are_copied_from_another_session_of_the_series(client_as, community, network,
                                                             facilitator, upcoming,
                                                             live_session):
    kept = _prepared(facilitator, live_session, question="Kept?", for_series=True)
    other = factories.make_community(network, participants=["AZ"], slug="another-p2p")
    factories.add_to(other, facilitator, "facilitator")
    foreign_session = factories.make_session(other, facilitator, starts_at=utcnow())
    foreign = _prepared(facilitator, foreign_session, question="Foreign?")
    client = client_as(facilitator)
    page = client.get(_address(upcoming)).get_data(as_text=True)
    assert "Kept?" in page and "Foreign?" not in page
    assert client.post(_address(upcoming, "/copy"), data={"poll_id": kept.id}).status_code == 302
    copy = db.session.scalar(select(Poll).where(Poll.session_id == upcoming.id))
    assert copy.question == "Kept?" and copy.copied_from_id == kept.id and copy.is_draft
    assert [o.label for o in copy.options] == ["Red", "Green"]
    assert client.post(_address(upcoming, "/copy"),
                       data={"poll_id": foreign.id}).status_code == 404
    assert client.post(_address(upcoming, "/copy"), data={"poll_id": "x"}).status_code == 302
    assert db.session.scalar(select(db.func.count(Poll.id)).where(
        Poll.session_id == upcoming.id)) == 1


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("observer", 403),
                                             ("outsider", 404)])
def test_only_facilitators_and_staff_prepare_polls(request, client_as, upcoming, who, status):
    client = client_as(request.getfixturevalue(who))
    assert client.get(_address(upcoming)).status_code == status
    assert client.post(_address(upcoming), data={"question": "Q?", "kind": "single",
                                                 "options": "A\nB"}).status_code == status
    assert db.session.scalar(select(db.func.count(Poll.id))) == 0


def test_the_polls_page_costs_the_same_for_two_polls_and_twenty(client_as, facilitator,
                                                               upcoming, live_session,
                                                               queries):
    client = client_as(facilitator)

    def cost() -> int:
        with queries() as counted:
            assert client.get(_address(upcoming)).status_code == 200
        return counted.count

    for n in range(2):
        asked = _prepared(facilitator, upcoming, question=f"Here {n}")
        polls.open_poll(facilitator, polls.poll_in(upcoming, asked.id))
        _prepared(facilitator, live_session, question=f"There {n}")
    few = cost()
    for n in range(2, 20):
        asked = _prepared(facilitator, upcoming, question=f"Here {n}")
        polls.open_poll(facilitator, polls.poll_in(upcoming, asked.id))
        _prepared(facilitator, live_session, question=f"There {n}")
    assert cost() == few
