"""Sessions as iCalendar, parsed back and checked field by field: the .ics of one session, and
the feed with its repeats, overrides and permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from tests import factories
from workspace.communities import service as communities
from workspace.communities.models import Community, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.calendar import feed_ics, session_ics
from workspace.sessions.models import LiveSession, Repeat, SessionStatus, new_uid

BASE = "https://workspace.example.org"
DENVER = ZoneInfo("America/Denver")


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def only_event(calendar: Calendar) -> Event:
    assert len(calendar.events) == 1, calendar.events
    return calendar.events[0]


def events_by_uid(calendar: Calendar, uid: str) -> list[Event]:
    return [event for event in calendar.events if str(event["UID"]) == uid]


def page_of(session: LiveSession) -> str:
    return f"{BASE}/communities/{session.community.slug}/sessions/{session.id}"


def make_repeat(community: Community, author, *, first: datetime, rule: str, minutes: int = 60,
                title: str = "Office hours", **columns) -> tuple[Repeat, list[LiveSession]]:
    """A repeat and its occurrences, as the service schedules them: one row per start."""
    zone = str(first.tzinfo)
    repeat = Repeat(community_id=community.id, uid=new_uid(), rule=rule, description=rule,
                    title=title, time_zone=zone, first_starts_at=first.astimezone(UTC),
                    duration_minutes=minutes, created_by_id=author.id)
    db.session.add(repeat)
    db.session.commit()
    occurrences = [
        factories.make_session(community, author, starts_at=start.astimezone(UTC),
                               minutes=minutes, title=title, time_zone=zone,
                               repeat_id=repeat.id, original_starts_at=start.astimezone(UTC),
                               **columns)
        for start in rrulestr(rule, dtstart=first)]
    return repeat, occurrences


def edit(session: LiveSession, **changes) -> None:
    """An edit as the service makes it: the columns change and SEQUENCE rises."""
    for name, value in changes.items():
        setattr(session, name, value)
    session.sequence += 1
    session.updated_at = utcnow()
    if session.repeat_id is not None:
        session.is_detached = True
    db.session.commit()


# --- One session ---------------------------------------------------------------------------

@pytest.fixture
def session(community, facilitator) -> LiveSession:
    return factories.make_session(
        community, facilitator, starts_at=datetime(2026, 5, 12, 19, 0, tzinfo=UTC), minutes=90,
        number=3, title="Family and Community Role", time_zone="America/Denver",
        call_url="https://meet.example.org/sdi-3", agenda="1. Welcome\n2. **Data** review",
        prework="Read the *district plan*.", objectives=["Name two measures", "Pick a date"])


def test_a_session_file_carries_each_field(session):
    calendar = parse(session_ics(session, may_attend=True, base_url=BASE))
    assert str(calendar["VERSION"]) == "2.0"
    assert "CoP Workspace" in str(calendar["PRODID"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    event = only_event(calendar)
    assert str(event["UID"]) == session.uid
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "America/Denver"
    assert event["DTEND"].params["TZID"] == "America/Denver"
    assert event.start.astimezone(UTC) == session.starts_at
    assert event.end.astimezone(UTC) == session.ends_at
    assert event.start.hour == 13  # 1:00 PM in Denver (MDT), as the facilitator scheduled it
    assert [zone.tz_name for zone in calendar.timezones] == ["America/Denver"]
    assert str(event["SUMMARY"]) == "Session 3: Family and Community Role (School Improvement P2P)"
    description = str(event["DESCRIPTION"])
    for text in ("1. Welcome\n2. **Data** review", "Read the *district plan*.",
                 "- Name two measures\n- Pick a date", page_of(session),
                 "https://meet.example.org/sdi-3"):
        assert text in description
    assert str(event["URL"]) == page_of(session)
    assert str(event["LOCATION"]) == "https://meet.example.org/sdi-3"
    assert event["CREATED"].dt == session.created_at.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == session.created_at.replace(microsecond=0)
    assert abs(event["DTSTAMP"].dt - utcnow()) < timedelta(minutes=1)


def test_people_who_may_not_attend_get_the_session_page_instead_of_the_call(session):
    ics = session_ics(session, may_attend=False, base_url=BASE)
    event = only_event(parse(ics))
    assert str(event["LOCATION"]) == page_of(session)
    assert b"meet.example.org" not in ics


def test_an_edit_keeps_the_uid_and_raises_the_sequence(session):
    before = only_event(parse(session_ics(session, may_attend=True, base_url=BASE)))
    moved = datetime(2026, 5, 14, 16, 0, tzinfo=UTC)
    edit(session, starts_at=moved, ends_at=moved + timedelta(hours=2), title="Family roles")
    after = only_event(parse(session_ics(session, may_attend=True, base_url=BASE)))
    assert str(after["UID"]) == str(before["UID"]) == session.uid
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.start.astimezone(UTC) == moved
    assert after.end.astimezone(UTC) == moved + timedelta(hours=2)
    assert "Family roles" in str(after["SUMMARY"])
    assert after["LAST-MODIFIED"].dt > after["CREATED"].dt - timedelta(seconds=1)


def test_a_cancelled_session_says_so_and_why(session):
    edit(session, status=SessionStatus.CANCELLED, cancel_reason="The facilitator is ill.",
         cancelled_at=utcnow())
    event = only_event(parse(session_ics(session, may_attend=True, base_url=BASE)))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["DESCRIPTION"]).startswith("This session was cancelled. The facilitator "
                                                "is ill.")
    assert str(event["UID"]) == session.uid


@pytest.mark.parametrize(("zone", "local_start", "utc_start"), [
    ("America/Phoenix", "2026-07-01 09:00", "2026-07-01 16:00"),  # no DST
    ("America/Phoenix", "2026-01-07 09:00", "2026-01-07 16:00"),
    ("Pacific/Honolulu", "2026-07-01 09:00", "2026-07-01 19:00"),
    ("America/Anchorage", "2026-07-01 09:00", "2026-07-01 17:00"),
    ("America/Anchorage", "2026-01-07 09:00", "2026-01-07 18:00"),
    ("America/Puerto_Rico", "2026-07-01 09:00", "2026-07-01 13:00"),
    ("America/St_Thomas", "2026-01-07 09:00", "2026-01-07 13:00"),
    ("Pacific/Guam", "2026-07-02 08:00", "2026-07-01 22:00"),  # next day
    ("Pacific/Pago_Pago", "2026-07-01 09:00", "2026-07-01 20:00"),
])
def test_each_zone_comes_back_at_the_same_instant(community, facilitator, zone, local_start,
                                                  utc_start):
    starts_at = datetime.fromisoformat(utc_start).replace(tzinfo=UTC)
    session = factories.make_session(community, facilitator, starts_at=starts_at,
                                     time_zone=zone)
    calendar = parse(session_ics(session, may_attend=True, base_url=BASE))
    event = only_event(calendar)
    assert event["DTSTART"].params["TZID"] == zone
    assert [timezone.tz_name for timezone in calendar.timezones] == [zone]
    assert event.start.strftime("%Y-%m-%d %H:%M") == local_start
    assert event.start.astimezone(UTC) == starts_at
    assert event.end.astimezone(UTC) == session.ends_at


def test_a_session_straddling_the_change_to_daylight_time_keeps_its_length(community,
                                                                            facilitator):
    # 11:00 PM EST on March 7 to 3:30 AM EDT on March 8, 2026: 3½ hours, not 4½.
    starts_at = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    session = factories.make_session(community, facilitator, starts_at=starts_at, minutes=210,
                                     time_zone="America/New_York")
    event = only_event(parse(session_ics(session, may_attend=True, base_url=BASE)))
    assert event.start.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-07 23:00 EST"
    assert event.end.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-08 03:30 EDT"
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == timedelta(minutes=210)


def test_an_occurrence_downloaded_alone_is_its_own_event(community, facilitator):
    repeat, occurrences = make_repeat(community, facilitator,
                                      first=datetime(2026, 2, 24, 13, 0, tzinfo=DENVER),
                                      rule="FREQ=WEEKLY;COUNT=3")
    repeat.sequence = 2
    db.session.commit()
    calendar = parse(session_ics(occurrences[1], may_attend=True, base_url=BASE))
    event = only_event(calendar)
    assert str(event["UID"]) == occurrences[1].uid != repeat.uid
    assert "RRULE" not in event and "RECURRENCE-ID" not in event
    assert event["SEQUENCE"] == 2
    assert event.start.astimezone(UTC) == occurrences[1].starts_at


# --- The feed: repeats ---------------------------------------------------------------------

@pytest.fixture
def weekly(community, facilitator) -> tuple[Repeat, list[LiveSession]]:
    """Tuesdays at 1:00 PM in Denver, six times across March's change to daylight time."""
    return make_repeat(community, facilitator, first=datetime(2026, 2, 24, 13, 0, tzinfo=DENVER),
                       rule="FREQ=WEEKLY;COUNT=6", title="Data office hours",
                       agenda="Bring a question.", call_url="https://meet.example.org/office")


def expand(ics: bytes, uid: str) -> list[Event]:
    occurrences = recurring_ical_events.of(parse(ics)).between(date(2026, 2, 1),
                                                               date(2026, 5, 1))
    return sorted((event for event in occurrences if str(event["UID"]) == uid),
                  key=lambda event: event.start)


def test_a_repeat_is_one_recurring_event_with_its_edited_occurrences_as_overrides(
        weekly, member):
    repeat, occurrences = weekly
    repeat.sequence = 1
    moved_start = datetime(2026, 3, 18, 14, 0, tzinfo=DENVER)
    edit(occurrences[3], starts_at=moved_start.astimezone(UTC),
         ends_at=(moved_start + timedelta(hours=1)).astimezone(UTC), title="Data office hours "
         "(moved)")
    edit(occurrences[4], status=SessionStatus.CANCELLED, cancel_reason="Spring break.",
         cancelled_at=utcnow())
    ics = feed_ics(member, base_url=BASE)
    calendar = parse(ics)
    master, *overrides = events_by_uid(calendar, repeat.uid)
    assert "RECURRENCE-ID" not in master
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6"
    assert master["DTSTART"].params["TZID"] == "America/Denver"
    assert master.start == datetime(2026, 2, 24, 13, 0, tzinfo=DENVER)
    assert master.end - master.start == timedelta(hours=1)
    assert master["SEQUENCE"] == 1
    assert str(master["SUMMARY"]) == "Data office hours (School Improvement P2P)"
    assert "Bring a question." in str(master["DESCRIPTION"])
    assert str(master["LOCATION"]) == "https://meet.example.org/office"
    assert "EXDATE" not in master

    by_original = {override["RECURRENCE-ID"].dt: override for override in overrides}
    assert set(by_original) == {occurrences[3].original_starts_at,
                                occurrences[4].original_starts_at}
    moved = by_original[occurrences[3].original_starts_at]
    assert moved["RECURRENCE-ID"].params["TZID"] == "America/Denver"
    assert moved["SEQUENCE"] == 2  # the repeat's 1 and its own 1
    assert str(moved["SUMMARY"]).startswith("Data office hours (moved)")
    cancelled = by_original[occurrences[4].original_starts_at]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Spring break." in str(cancelled["DESCRIPTION"])
    # Not every session's own UID: the occurrences travel with the repeat.
    assert all(str(event["UID"]) != occurrences[0].uid for event in calendar.events)
    assert [zone.tz_name for zone in calendar.timezones] == ["America/Denver"]


def test_a_weekly_repeat_keeps_1_pm_in_denver_across_the_change_to_daylight_time(weekly,
                                                                                  member):
    repeat, occurrences = weekly
    moved_start = datetime(2026, 3, 18, 14, 0, tzinfo=DENVER)
    edit(occurrences[3], starts_at=moved_start.astimezone(UTC),
         ends_at=(moved_start + timedelta(hours=1)).astimezone(UTC))
    edit(occurrences[4], status=SessionStatus.CANCELLED, cancel_reason="Spring break.",
         cancelled_at=utcnow())
    expanded = expand(feed_ics(member, base_url=BASE), repeat.uid)
    starts = [(event.start.astimezone(UTC), str(event.get("STATUS"))) for event in expanded]
    assert starts == [
        (datetime(2026, 2, 24, 20, 0, tzinfo=UTC), "CONFIRMED"),  # 1:00 PM MST
        (datetime(2026, 3, 3, 20, 0, tzinfo=UTC), "CONFIRMED"),
        (datetime(2026, 3, 10, 19, 0, tzinfo=UTC), "CONFIRMED"),  # 1:00 PM MDT, after March 8
        (datetime(2026, 3, 18, 20, 0, tzinfo=UTC), "CONFIRMED"),  # moved: Wednesday 2:00 PM
        (datetime(2026, 3, 24, 19, 0, tzinfo=UTC), "CANCELLED"),
        (datetime(2026, 3, 31, 19, 0, tzinfo=UTC), "CONFIRMED"),
    ]
    stored = sorted(session.starts_at for session in occurrences)
    assert [start for start, _ in starts] == stored
    local = [event.start.astimezone(DENVER).strftime("%a %-I:%M %p") for event in expanded]
    assert local == ["Tue 1:00 PM"] * 3 + ["Wed 2:00 PM"] + ["Tue 1:00 PM"] * 2


def test_an_occurrence_no_longer_scheduled_is_left_out_of_the_repeat(weekly, member):
    repeat, occurrences = weekly
    db.session.delete(occurrences[2])
    db.session.commit()
    calendar = parse(feed_ics(member, base_url=BASE))
    master = events_by_uid(calendar, repeat.uid)[0]
    assert master["EXDATE"].dts[0].dt.astimezone(UTC) == datetime(2026, 3, 10, 19, 0,
                                                                  tzinfo=UTC)
    expanded = expand(calendar.to_ical(), repeat.uid)
    assert [event.start.astimezone(UTC) for event in expanded] == [
        session.starts_at for session in occurrences if session is not occurrences[2]]


def test_a_rule_with_an_end_date_and_a_monthly_weekday(community, facilitator, member):
    repeat, occurrences = make_repeat(
        community, facilitator, first=datetime(2026, 9, 8, 15, 0, tzinfo=ZoneInfo(
            "America/Anchorage")), rule="FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270115T235959Z")
    assert len(occurrences) == 5
    expanded = expand_between(feed_ics(member, base_url=BASE), repeat.uid,
                              date(2026, 9, 1), date(2027, 3, 1))
    assert [event.start.astimezone(UTC) for event in expanded] == [
        session.starts_at for session in occurrences]
    # 3:00 PM in Anchorage, daylight time in September and standard time from November.
    assert [event.start.astimezone(UTC).hour for event in expanded] == [23, 23, 0, 0, 0]


def expand_between(ics: bytes, uid: str, start: date, end: date) -> list[Event]:
    occurrences = recurring_ical_events.of(parse(ics)).between(start, end)
    return sorted((event for event in occurrences if str(event["UID"]) == uid),
                  key=lambda event: event.start)


# --- The feed: who sees what ---------------------------------------------------------------

@pytest.fixture
def two_communities(network, community, facilitator):
    """A session in the member's community and one in Oregon's, where Arizona takes no part."""
    oregon = factories.make_community(network, participants=["OR"], slug="oregon-p2p")
    ours = factories.make_session(community, facilitator,
                                  starts_at=datetime(2026, 5, 5, 18, 0, tzinfo=UTC),
                                  call_url="https://meet.example.org/ours")
    theirs = factories.make_session(oregon, facilitator,
                                    starts_at=datetime(2026, 5, 6, 18, 0, tzinfo=UTC),
                                    call_url="https://meet.example.org/theirs")
    return ours, theirs


def feed_uids(user) -> set[str]:
    return {str(event["UID"]) for event in parse(feed_ics(user, base_url=BASE)).events}


def test_a_member_sees_their_communities_sessions_only(two_communities, member):
    ours, theirs = two_communities
    calendar = parse(feed_ics(member, base_url=BASE))
    assert {str(event["UID"]) for event in calendar.events} == {ours.uid}
    assert str(calendar["X-WR-CALNAME"]) == "CoP Workspace sessions"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert str(only_event(calendar)["LOCATION"]) == "https://meet.example.org/ours"


def test_an_observer_sees_the_sessions_without_the_call(two_communities, observer):
    ours, _ = two_communities
    ics = feed_ics(observer, base_url=BASE)
    event = only_event(parse(ics))
    assert str(event["UID"]) == ours.uid
    assert str(event["LOCATION"]) == page_of(ours)
    assert b"meet.example.org" not in ics


def test_staff_see_every_session(two_communities, staff):
    assert feed_uids(staff) == {session.uid for session in two_communities}


def test_an_outsider_gets_an_empty_feed(two_communities, outsider):
    calendar = parse(feed_ics(outsider, base_url=BASE))
    assert calendar.events == [] and calendar.timezones == []
    assert str(calendar["X-WR-CALNAME"]) == "CoP Workspace sessions"


def test_a_withdrawn_states_people_get_none_of_that_communitys_sessions(
        two_communities, weekly, member, other_member, staff, community):
    ours, _ = two_communities
    assert ours.uid in feed_uids(member)
    communities.withdraw_organization(staff, community, member.organization)
    assert feed_uids(member) == set()
    assert feed_uids(other_member) == {ours.uid, weekly[0].uid}  # Georgia still takes part


def test_someone_removed_from_the_community_gets_none_of_its_sessions(two_communities, member,
                                                                      facilitator, community):
    ours, _ = two_communities
    membership = db.session.scalar(db.select(Membership).where(
        Membership.user_id == member.id, Membership.community_id == community.id))
    communities.remove_member(facilitator, community, membership)
    assert feed_uids(member) == set()
