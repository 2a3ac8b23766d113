"""The calendar addresses people use: a session's download, the feed page and the feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import insert, select

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions import feeds
from workspace.sessions.models import CalendarFeed, LiveSession, Rsvp, RsvpAnswer, new_uid


@pytest.fixture
def session(community, facilitator) -> LiveSession:
    return factories.make_session(community, facilitator, number=2,
                                  title="School Improvement Frameworks & Progress Monitoring",
                                  starts_at=datetime(2026, 5, 12, 18, 0, tzinfo=UTC),
                                  call_url="https://meet.example.org/sdi-2")


def download_path(session: LiveSession) -> str:
    return f"/communities/{session.community.slug}/sessions/{session.id}/calendar.ics"


def shown_address(html: str) -> str:
    match = re.search(r'id="feed-address" type="text" value="([^"]+)"', html)
    assert match, "the address is not shown"
    return match.group(1)


# --- One session's file --------------------------------------------------------------------

def test_a_member_downloads_a_session_file(client_as, member, session):
    response = client_as(member).get(download_path(session))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=session-2-school-improvement-frameworks-progress-monitoring.ics")
    event = Calendar.from_ical(response.data).events[0]
    assert str(event["UID"]) == session.uid
    assert str(event["LOCATION"]) == "https://meet.example.org/sdi-2"
    assert str(event["URL"]) == (f"http://localhost/communities/{session.community.slug}"
                                 f"/sessions/{session.id}")


def test_an_observers_file_has_no_call_link(client_as, observer, session):
    response = client_as(observer).get(download_path(session))
    assert response.status_code == 200
    assert b"meet.example.org" not in response.data


def test_outsiders_and_visitors_get_no_session_file(client_as, outsider, session):
    assert client_as(outsider).get(download_path(session)).status_code == 404
    assert client_as(None).get(download_path(session)).status_code == 302  # to sign in


def test_a_session_of_another_community_is_not_found_under_this_one(client_as, network, staff,
                                                                   facilitator, session):
    oregon = factories.make_community(network, participants=["OR"], slug="oregon-p2p")
    path = f"/communities/{oregon.slug}/sessions/{session.id}/calendar.ics"
    assert client_as(staff).get(path).status_code == 404


# --- The feed page -------------------------------------------------------------------------

def test_the_page_offers_to_make_an_address(client_as, member):
    response = client_as(member).get("/calendar")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Create my calendar address" in html
    assert "Replace address" not in html and "feed-address" not in html


def test_the_address_is_shown_once(client_as, member):
    client = client_as(member)
    response = client.post("/calendar")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    address = shown_address(html)
    token = re.fullmatch(r"http://localhost/calendar/([A-Za-z0-9_-]{43})\.ics", address)
    assert token, address
    assert f'value="webcal://localhost/calendar/{token.group(1)}.ics"' in html
    for step in ("Subscribe from web", "From URL", "New Calendar Subscription"):
        assert step in html
    assert "Copy address" in html
    again = client.get("/calendar").get_data(as_text=True)
    assert token.group(1) not in again
    assert "Replace address" in again and "Turn off" in again and "Not yet" in again


def test_replacing_the_address_stops_the_old_one(client_as, member):
    client = client_as(member)
    old = shown_address(client.post("/calendar").get_data(as_text=True))
    new = shown_address(client.post("/calendar").get_data(as_text=True))
    assert old != new
    visitor = client_as(None)
    assert visitor.get(old).status_code == 404
    assert visitor.get(new).status_code == 200


def test_turning_it_off_stops_the_address(client_as, member):
    client = client_as(member)
    address = shown_address(client.post("/calendar").get_data(as_text=True))
    response = client.post("/calendar/revoke", follow_redirects=True)
    assert "Your calendar address is turned off." in response.get_data(as_text=True)
    assert "Create my calendar address" in response.get_data(as_text=True)
    assert client_as(None).get(address).status_code == 404


def test_the_page_says_when_the_address_was_last_used(client_as, member):
    client = client_as(member)
    address = shown_address(client.post("/calendar").get_data(as_text=True))
    client_as(None).get(address)
    html = client.get("/calendar").get_data(as_text=True)
    assert "Not yet" not in html


# --- The feed ------------------------------------------------------------------------------

def test_the_feed_answers_without_signing_in(client_as, member, session):
    token = feeds.new_feed(member)
    response = client_as(None).get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=0"
    calendar = Calendar.from_ical(response.data)
    assert [str(event["UID"]) for event in calendar.events] == [session.uid]


@pytest.mark.parametrize("token", ["nothing-like-a-token", "A" * 43, "a.b.c", "%00" * 20])
def test_unknown_tokens_answer_a_plain_404(client_as, member, token):
    feeds.new_feed(member)
    response = client_as(None).get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_a_withdrawn_states_feed_empties_at_the_next_fetch(client_as, member, staff, community,
                                                          session):
    from workspace.communities import service as communities

    token = feeds.new_feed(member)
    client = client_as(None)
    assert len(Calendar.from_ical(client.get(f"/calendar/{token}.ics").data).events) == 1
    communities.withdraw_organization(staff, community, member.organization)
    assert Calendar.from_ical(client.get(f"/calendar/{token}.ics").data).events == []


@pytest.fixture
def limited_app(app_settings):
    app_settings["RATELIMIT_ENABLED"] = True
    return app_settings


def test_the_feed_is_rate_limited_generously(limited_app, request):
    request.getfixturevalue("app")
    member = request.getfixturevalue("member")
    client_as = request.getfixturevalue("client_as")
    token = feeds.new_feed(member)
    client = client_as(None)
    answers = [client.get(f"/calendar/{token}.ics").status_code for _ in range(61)]
    assert answers[:60] == [200] * 60
    assert answers[60] == 429
    # Guessing from one address is stopped after as many misses.
    misses = [client.get(f"/calendar/{'B' * 43}.ics").status_code for _ in range(61)]
    assert misses[:60] == [404] * 60 and misses[60] == 429


# --- Speed ---------------------------------------------------------------------------------

def schedule(community_id: int, author_id: int, count: int, people: list[int]) -> None:
    """Sessions in bulk, each with answers from several people."""
    start = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
    now = utcnow()
    db.session.execute(insert(LiveSession), [
        {"community_id": community_id, "author_id": author_id, "title": f"Session {n}",
         "number": n, "starts_at": start + timedelta(days=n),
         "ends_at": start + timedelta(days=n, minutes=90),
         "time_zone": ["America/Phoenix", "Pacific/Guam", "America/New_York"][n % 3],
         "call_url": "https://meet.example.org/x", "uid": new_uid(), "agenda": "Agenda",
         "agenda_html": "<p>Agenda</p>", "prework": "", "prework_html": "",
         "objectives": ["One"], "materials": [], "created_at": now}
        for n in range(count)])
    ids = db.session.scalars(select(LiveSession.id).where(
        LiveSession.community_id == community_id)).all()
    existing = {(row.session_id, row.user_id) for row in db.session.execute(
        select(Rsvp.session_id, Rsvp.user_id))}
    db.session.execute(insert(Rsvp), [
        {"session_id": session_id, "user_id": person_id,
         "answer": list(RsvpAnswer)[index % 3], "answered_at": now}
        for session_id in ids for index, person_id in enumerate(people)
        if (session_id, person_id) not in existing])
    db.session.commit()


def test_the_feed_costs_the_same_for_3_and_500_sessions(client_as, queries, community,
                                                        facilitator, member, other_member,
                                                        observer, sme):
    from tests.sessions.test_calendar import make_repeat

    make_repeat(community, facilitator, first=datetime(2026, 2, 24, 20, 0, tzinfo=UTC),
                rule="FREQ=WEEKLY;COUNT=3")
    # Plain ids: the objects leave the session when each measured request starts afresh.
    people = [person.id for person in (member, other_member, observer, sme)]
    ids = community.id, facilitator.id
    schedule(*ids, 3, people)
    token = feeds.new_feed(member)
    client = client_as(None)
    client.get(f"/calendar/{token}.ics")  # the first fetch notes the time; later ones don't

    def count() -> tuple[int, int]:
        db.session.close()
        with queries() as counted:
            response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        return counted.count, len(Calendar.from_ical(response.data).events)

    few, few_events = count()
    schedule(*ids, 497, people)
    many, many_events = count()
    assert (few_events, many_events) == (4, 501)  # the repeat is one event
    assert few == many <= 3, (few, many)
    assert db.session.scalar(select(CalendarFeed.last_fetched_at)) is not None


def test_in_production_the_address_is_https_with_a_webcal_twin(app, client_as, member):
    app.config["PREFERRED_URL_SCHEME"] = "https"
    html = client_as(member).post("/calendar").get_data(as_text=True)
    address = shown_address(html)
    assert address.startswith("https://localhost/calendar/")
    assert f'value="{address.replace("https://", "webcal://")}"' in html
