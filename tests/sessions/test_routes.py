"""Session pages through HTTP: scheduling by form, the pages people read, answering, the roster."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.models import Attendance, LiveSession, RsvpAnswer


def url(community, path: str = "") -> str:
    return f"/communities/{community.slug}/sessions{path}"


FORM = {"number": "3", "title": "Family and Community Role", "day": "2031-03-11",
        "starts": "2:00 PM", "ends": "15:30", "time_zone": "America/Phoenix",
        "agenda": "1. Welcome\n2. **Spotlights**", "prework": "Read the brief.",
        "objectives": "Share tools", "materials": "Brief https://example.org/brief.pdf",
        "call_url": "https://meet.example.org/p2p", "nonce": "form-nonce-123"}


def test_a_facilitator_schedules_through_the_form(app, community, facilitator, client_as):
    client = client_as(facilitator)
    page = client.get(url(community, "/new"))
    assert page.status_code == 200
    assert b'type="date"' in page.data and b'type="time"' in page.data
    response = client.post(url(community, "/new"), data=FORM)
    assert response.status_code == 302
    session = db.session.scalar(select(LiveSession))
    assert response.headers["Location"].endswith(f"/sessions/{session.id}")
    assert session.starts_at == datetime(2031, 3, 11, 21, tzinfo=UTC)  # 2 PM in Arizona
    assert session.label == "Session 3: Family and Community Role"


def test_bad_input_is_shown_beside_each_field_and_kept(community, facilitator, client_as):
    client = client_as(facilitator)
    for changes, message in [
        ({"ends": "13:00"}, "End the session after it starts"),
        ({"day": "2031-02-30"}, "Enter a real date"),
        ({"starts": "25:99"}, "Enter a real time"),
        ({"time_zone": "Mars/Base"}, "Not a valid choice"),
        ({"day": "2027-03-14", "starts": "02:30", "ends": "04:00",
          "time_zone": "America/Denver"}, "does not exist"),
        ({"frequency": "weekly"}, "Say when the repeats end"),
        ({"title": "x" * 201}, "200"),
    ]:
        response = client.post(url(community, "/new"), data={**FORM, **changes,
                                                              "nonce": f"n-{len(message)}x"})
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message
        assert "1. Welcome" in response.get_data(as_text=True)  # what they wrote stays
    assert db.session.scalar(select(LiveSession.id)) is None


def test_a_repeat_is_scheduled_from_the_form(community, facilitator, client_as):
    response = client_as(facilitator).post(url(community, "/new"), data={
        **FORM, "frequency": "biweekly", "repeat_count": "6"})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count(LiveSession.id))) == 6


def test_everyone_who_reads_sees_the_session_in_their_own_time(
        community, facilitator, member, observer, client_as):
    session = factories.make_session(community, facilitator, number=2,
                                     starts_at=datetime(2031, 7, 15, 20, tzinfo=UTC),
                                     time_zone="America/Phoenix",
                                     call_url="https://meet.example.org/p2p")
    member.time_zone = "Pacific/Guam"
    db.session.commit()
    page = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "1:00 – 2:30 PM MST" in page
    assert "Wednesday, July 16, 6:00 – 7:30 AM ChST for you" in page
    assert "https://meet.example.org/p2p" in page  # members may attend
    page = client_as(observer).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "1:00 – 2:30 PM MST" in page
    assert "https://meet.example.org/p2p" not in page  # observers follow, they don't attend
    assert "Observers follow" in page


def test_members_answer_and_see_their_answer(community, facilitator, member, client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(days=3))
    client = client_as(member)
    response = client.post(url(community, f"/{session.id}/rsvp"), data={"answer": "going"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#rsvp")
    page = client.get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "re going. See you there" in page
    assert re.search(r'value="going" class="usa-button" aria-pressed="true"', page)
    listing = client.get(url(community)).get_data(as_text=True)
    assert "1 going" in listing and "You: Going" in listing
    mine = client.get("/sessions").get_data(as_text=True)
    assert session.title in mine and "You: Going" in mine


def test_open_upcoming_and_past_sessions_are_listed_apart(community, facilitator, member,
                                                          client_as):
    now = utcnow()
    factories.make_session(community, facilitator, title="Happening",
                           starts_at=now - timedelta(minutes=10))
    factories.make_session(community, facilitator, title="Next week",
                           starts_at=now + timedelta(days=7))
    factories.make_session(community, facilitator, title="Last month",
                           starts_at=now - timedelta(days=30))
    page = client_as(member).get(url(community)).get_data(as_text=True)
    open_at, coming_at, past_at = (page.index(h) for h in ("Open now", "Coming up",
                                                           "Past sessions"))
    assert open_at < page.index("Happening") < coming_at < page.index("Next week") < past_at
    assert page.index("Last month") > past_at
    overview = client_as(member).get(f"/communities/{community.slug}").get_data(as_text=True)
    assert "Happening" in overview and "Next week" in overview
    assert "Last month" not in overview


def test_rescheduling_and_cancelling_by_form(community, facilitator, member, client_as):
    session = factories.make_session(community, facilitator, number=2,
                                     starts_at=datetime(2031, 3, 11, 21, tzinfo=UTC),
                                     time_zone="America/Phoenix")
    factories.answer_rsvp(session, member, "going")
    client = client_as(facilitator)
    form = client.get(url(community, f"/{session.id}/edit")).get_data(as_text=True)
    assert 'value="2031-03-11"' in form and 'value="14:00"' in form
    moved = {**FORM, "number": "2", "starts": "15:00", "ends": "16:00"}
    refused = client.post(url(community, f"/{session.id}/edit"), data=moved)
    assert refused.status_code == 422 and "Say why the time changes" in refused.get_data(
        as_text=True)
    done = client.post(url(community, f"/{session.id}/edit"),
                       data={**moved, "reason": "Board meeting"})
    assert done.status_code == 302 and session.sequence == 1
    assert "3:00 – 4:00 PM MST: Board meeting" in client_as(member).get("/notifications/").get_data(
        as_text=True)
    assert client.post(url(community, f"/{session.id}/cancel"),
                       data={"reason": ""}).status_code == 422
    client.post(url(community, f"/{session.id}/cancel"), data={"reason": "Snow day"})
    page = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "This session is cancelled" in page and "Snow day" in page
    assert "Are you coming?" not in page


def test_the_roster_shows_answers_by_state_beside_attendance(
        community, facilitator, member, other_member, sme, observer, client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(minutes=30), minutes=60)
    factories.answer_rsvp(session, member, "going")
    factories.answer_rsvp(session, other_member, "not_going")
    db.session.add(Attendance(session_id=session.id, user_id=member.id,
                              joined_at=session.starts_at + timedelta(minutes=5),
                              left_at=session.starts_at + timedelta(minutes=25)))
    db.session.commit()
    page = client_as(facilitator).get(url(community, f"/{session.id}/roster"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.index("Arizona") < text.index("Georgia")
    assert "Yes, 20 min" in text and "Not going" in text
    assert observer.name not in text  # observers don't attend
    assert client_as(member).get(url(community, f"/{session.id}/roster")).status_code == 403


def test_the_session_page_shows_the_record_once_people_attended(community, facilitator,
                                                                member, client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(days=2))
    page = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "No attendance was recorded" in page
    db.session.add(Attendance(session_id=session.id, user_id=member.id,
                              joined_at=session.starts_at, left_at=session.ends_at))
    db.session.commit()
    page = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "1 person from 1 state" in page and member.name in page


@pytest.mark.parametrize("answer", list(RsvpAnswer))
def test_each_answer_is_a_button(community, facilitator, member, client_as, answer):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(days=1))
    page = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert f'name="answer" value="{answer.value}"' in page


def test_the_room_page_is_for_people_who_may_attend(community, facilitator, member, observer,
                                                    client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(minutes=5))
    page = client_as(member).get(url(community, f"/{session.id}/room"))
    assert page.status_code == 200 and b"data-room=" in page.data
    assert b"Run the session" not in page.data
    assert b"Run the session" in client_as(facilitator).get(
        url(community, f"/{session.id}/room")).data
    assert client_as(observer).get(url(community, f"/{session.id}/room")).status_code == 403
    listing = client_as(member).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "Join the live room" in listing


def test_a_facilitator_opens_the_room_early_for_hosts(community, facilitator, member,
                                                      client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() + timedelta(hours=3))
    page = client_as(facilitator).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "Open the room early for hosts" in page
    response = client_as(facilitator).post(url(community, f"/{session.id}/room/open"))
    assert response.headers["Location"].endswith(f"/sessions/{session.id}/room")
    waiting = client_as(member).get(url(community, f"/{session.id}/room")).get_data(
        as_text=True)
    assert "getting ready" in waiting


def test_afterwards_the_record_the_summary_and_its_follow_up_topic(
        app, community, facilitator, member, observer, client_as, in_room):
    from tests.forums.conftest import start_forum
    from tests.sessions.conftest import ask
    from workspace.forums.models import Topic

    start_forum(community)
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(minutes=5))
    client, _ = in_room(member, session)
    ask(client, "send_message", session, body="We will share our **rubric**.",
        client_id="az-00000001")
    host, _ = in_room(facilitator, session)
    ask(host, "end_session", session)
    page = client_as(observer).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "<strong>rubric</strong>" in page and "2 people from 2 states" in page
    editor = client_as(facilitator)
    assert editor.post(url(community, f"/{session.id}/summary"),
                       data={"summary": "", "publish": "1"}).status_code == 422
    saved = editor.post(url(community, f"/{session.id}/summary"),
                        data={"summary": "States shared **rubrics**."})
    assert saved.status_code == 302
    assert "rubrics" not in client_as(observer).get(url(community, f"/{session.id}")).get_data(
        as_text=True)  # a draft: facilitators only
    editor.post(url(community, f"/{session.id}/summary"),
                data={"summary": "States shared **rubrics**.", "publish": "1"})
    topic = db.session.scalar(select(Topic))
    assert topic.title.startswith("Follow-up: ") and topic.category.name == "Session follow-ups"
    page = client_as(observer).get(url(community, f"/{session.id}")).get_data(as_text=True)
    assert "<strong>rubrics</strong>" in page and f"/forums/topics/{topic.id}" in page
    editor.post(url(community, f"/{session.id}/summary"),
                data={"summary": "Edited.", "publish": "1"})
    assert db.session.scalar(select(db.func.count(Topic.id))) == 1  # published once
    assert client_as(member).post(url(community, f"/{session.id}/summary"),
                                  data={"summary": "x"}).status_code == 403


def test_the_attendance_report_is_a_csv_for_facilitators(community, facilitator, member,
                                                         client_as):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(hours=2))
    member.name = "=HYPERLINK(\"evil\")"
    factories.answer_rsvp(session, member, "going")
    db.session.add(Attendance(session_id=session.id, user_id=member.id,
                              joined_at=session.starts_at,
                              left_at=session.starts_at + timedelta(minutes=45)))
    db.session.commit()
    response = client_as(facilitator).get(url(community, f"/{session.id}/attendance.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(__import__("csv").reader(response.get_data(as_text=True).splitlines()))
    assert rows[0][:3] == ["State or organization", "Name", "Job title"]
    arizona = next(row for row in rows if row[0] == "Arizona")
    assert arizona[1].startswith("'=") and arizona[4:7] == ["Going", "Yes", "45"]
    assert client_as(member).get(url(community, f"/{session.id}/attendance.csv")
                                 ).status_code == 403
