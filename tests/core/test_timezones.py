"""Times as people in every U.S. zone read them: the states, the territories, and daylight-saving
changes, for a session's own zone and for a reader elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_login import login_user

from workspace import errors
from workspace.extensions import db
from workspace.templating import session_when
from workspace.timezones import (
    Span,
    describe_span,
    listed_zone_for,
    to_utc,
    zone,
    zone_label,
)

EASTERN = ZoneInfo("America/New_York")


def at(zone_name: str, *moment: int) -> datetime:
    """A wall-clock time in a zone, as the aware UTC time the database keeps."""
    return datetime(*moment, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def span(zone_name: str, start: tuple[int, ...], hours: float, reader: str,
         **options: bool) -> Span:
    starts_at = at(zone_name, *start)
    return describe_span(starts_at, starts_at + timedelta(hours=hours), zone_name,
                         ZoneInfo(reader), **options)


# --- Each zone, read from the East Coast ----------------------------------------------------

@pytest.mark.parametrize(("zone_name", "start", "hours", "session_text", "reader_text"), [
    ("America/New_York", (2026, 3, 10, 14), 1,
     "Tuesday, March 10, 2026, 2:00 – 3:00 PM EDT", None),
    ("America/Chicago", (2026, 1, 13, 10), 1.5,
     "Tuesday, January 13, 2026, 10:00 – 11:30 AM CST", "11:00 AM – 12:30 PM EST for you"),
    ("America/Denver", (2026, 7, 14, 11, 30), 1.5,
     "Tuesday, July 14, 2026, 11:30 AM – 1:00 PM MDT", "1:30 – 3:00 PM EDT for you"),
    ("America/Phoenix", (2026, 3, 10, 14), 1,
     "Tuesday, March 10, 2026, 2:00 – 3:00 PM MST", "5:00 – 6:00 PM EDT for you"),
    ("America/Los_Angeles", (2026, 12, 1, 9), 1,
     "Tuesday, December 1, 2026, 9:00 – 10:00 AM PST", "12:00 – 1:00 PM EST for you"),
    ("America/Anchorage", (2026, 6, 2, 8), 1,
     "Tuesday, June 2, 2026, 8:00 – 9:00 AM AKDT", "12:00 – 1:00 PM EDT for you"),
    ("Pacific/Honolulu", (2026, 6, 2, 8), 1,
     "Tuesday, June 2, 2026, 8:00 – 9:00 AM HST", "2:00 – 3:00 PM EDT for you"),
    ("America/Puerto_Rico", (2026, 1, 13, 13), 1,
     "Tuesday, January 13, 2026, 1:00 – 2:00 PM AST", "12:00 – 1:00 PM EST for you"),
    # In summer the Virgin Islands and the East Coast keep the same hour, not the same name.
    ("America/St_Thomas", (2026, 7, 14, 13), 1,
     "Tuesday, July 14, 2026, 1:00 – 2:00 PM AST", "1:00 – 2:00 PM EDT for you"),
    # Guam is across the date line: its Wednesday morning is the East Coast's Tuesday evening.
    ("Pacific/Guam", (2026, 3, 11, 7), 1,
     "Wednesday, March 11, 2026, 7:00 – 8:00 AM ChST",
     "Tuesday, March 10, 5:00 – 6:00 PM EDT for you"),
    ("Pacific/Pago_Pago", (2026, 3, 10, 10), 1,
     "Tuesday, March 10, 2026, 10:00 – 11:00 AM SST", "5:00 – 6:00 PM EDT for you"),
])
def test_each_zone_reads_right_in_its_own_time_and_the_readers(zone_name, start, hours,
                                                               session_text, reader_text):
    assert span(zone_name, start, hours, "America/New_York") == Span(session_text, reader_text)


def test_a_mainland_session_falls_on_the_next_day_in_guam():
    seen = span("America/Phoenix", (2026, 3, 10, 14), 1, "Pacific/Guam")
    assert seen.reader_text == "Wednesday, March 11, 7:00 – 8:00 AM ChST for you"


# --- Arizona and its neighbours ---------------------------------------------------------------

def test_phoenix_and_denver_read_alike_in_winter_and_apart_in_summer():
    winter = span("America/Denver", (2026, 1, 13, 10), 1, "America/Phoenix")
    assert winter == Span("Tuesday, January 13, 2026, 10:00 – 11:00 AM MST", None)
    summer = span("America/Denver", (2026, 7, 14, 10), 1, "America/Phoenix")
    assert summer == Span("Tuesday, July 14, 2026, 10:00 – 11:00 AM MDT",
                          "9:00 – 10:00 AM MST for you")


def test_a_reader_in_the_sessions_zone_sees_it_once():
    assert span("Pacific/Honolulu", (2026, 6, 2, 8), 1, "Pacific/Honolulu").reader_text is None


# --- Daylight-saving changes ------------------------------------------------------------------

def test_a_session_straddling_spring_forward_names_both_abbreviations():
    # 1:30 AM EST to 3:30 AM EDT is one hour: 2:00 AM never happens on March 8, 2026.
    seen = span("America/New_York", (2026, 3, 8, 1, 30), 1, "America/Chicago")
    assert seen == Span("Sunday, March 8, 2026, 1:30 AM EST – 3:30 AM EDT",
                        "12:30 – 1:30 AM CST for you")


def test_a_session_straddling_fall_back_names_both_abbreviations():
    starts_at = to_utc(date(2026, 11, 1), time(1, 30), "America/New_York", field="starts_at")
    seen = describe_span(starts_at, starts_at + timedelta(hours=2), "America/New_York",
                         ZoneInfo("America/Phoenix"))
    assert seen == Span("Sunday, November 1, 2026, 1:30 AM EDT – 2:30 AM EST",
                        "Saturday, October 31, 10:30 PM – Sunday, November 1, 12:30 AM MST "
                        "for you")


# --- Shapes of a span -------------------------------------------------------------------------

def test_am_and_pm_are_written_once_only_when_both_ends_share_them():
    assert span("America/Phoenix", (2026, 1, 13, 10), 1.5, "America/Phoenix").session_text == (
        "Tuesday, January 13, 2026, 10:00 – 11:30 AM MST")
    assert span("America/Phoenix", (2026, 1, 13, 11, 30), 1.5,
                "America/Phoenix").session_text == (
        "Tuesday, January 13, 2026, 11:30 AM – 1:00 PM MST")


def test_a_session_past_midnight_gives_the_ends_date():
    seen = span("America/Los_Angeles", (2026, 12, 1, 23), 2, "America/Los_Angeles")
    assert seen.session_text == "Tuesday, December 1, 2026, 11:00 PM – Wednesday, December 2, " \
                                "1:00 AM PST"


def test_the_short_form_is_for_lists():
    seen = span("America/Phoenix", (2026, 3, 10, 14), 1, "Pacific/Guam", short=True)
    assert seen == Span("Mar 10, 2026, 2:00 – 3:00 PM MST", "Mar 11, 7:00 – 8:00 AM ChST for you")


def test_a_readers_new_year_shows_its_year():
    seen = span("UTC", (2026, 12, 31, 23), 1, "Pacific/Guam")
    assert seen == Span("Thursday, December 31, 2026, 11:00 PM – Friday, January 1, 2027, "
                        "12:00 AM UTC", "Friday, January 1, 2027, 9:00 – 10:00 AM ChST for you")


# --- Wall-clock times to UTC ------------------------------------------------------------------

def test_a_wall_clock_time_becomes_utc():
    assert to_utc(date(2026, 3, 10), time(14), "America/Phoenix", field="starts_at") == (
        datetime(2026, 3, 10, 21, tzinfo=UTC))
    assert to_utc(date(2026, 3, 11), time(7), "Pacific/Guam", field="starts_at") == (
        datetime(2026, 3, 10, 21, tzinfo=UTC))


def test_a_time_the_clocks_skip_is_refused_beside_its_field():
    with pytest.raises(errors.Invalid) as refused:
        to_utc(date(2026, 3, 8), time(2, 30), "America/New_York", field="starts_at")
    assert refused.value.field == "starts_at"
    assert refused.value.message == (
        "2:30 AM does not exist on March 8, 2026 in Eastern time: clocks jump from 2:00 AM to "
        "3:00 AM. Choose another time.")


def test_the_skipped_hour_is_named_in_each_zone_that_skips_it():
    with pytest.raises(errors.Invalid) as refused:
        to_utc(date(2026, 3, 8), time(2, 0), "America/Anchorage", field="ends_at")
    assert "in Alaska time: clocks jump from 2:00 AM to 3:00 AM" in refused.value.message
    # Arizona keeps its clock: the same night's 2:30 AM is an ordinary time there.
    assert to_utc(date(2026, 3, 8), time(2, 30), "America/Phoenix", field="starts_at") == (
        datetime(2026, 3, 8, 9, 30, tzinfo=UTC))


def test_a_time_that_happens_twice_is_its_first_daylight_saving_occurrence():
    first = to_utc(date(2026, 11, 1), time(1, 30), "America/New_York", field="starts_at")
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert first.astimezone(EASTERN).tzname() == "EDT"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd", "x" * 300,
                                  "America/New_York\x00"])
def test_an_unknown_zone_is_refused_beside_the_time_zone_field(name):
    with pytest.raises(errors.Invalid) as refused:
        to_utc(date(2026, 3, 10), time(14), name, field="starts_at")
    assert (refused.value.field, refused.value.message) == (
        "time_zone", "Choose a time zone from the list.")
    with pytest.raises(errors.Invalid):
        zone(name)


# --- Names and aliases ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "listed"), [
    ("America/Detroit", "America/New_York"),
    ("America/Boise", "America/Denver"),
    ("America/St_Thomas", "America/Puerto_Rico"),
    ("Pacific/Saipan", "Pacific/Guam"),
    ("America/Juneau", "America/Anchorage"),
    ("Etc/UTC", "UTC"),
    ("America/Phoenix", "America/Phoenix"),  # a listed zone is itself
    ("Europe/Paris", None),  # no listed zone keeps its clock
    ("Africa/Abidjan", None),  # GMT all year: UTC's offset, not its name
    ("Mars/Olympus_Mons", None),
    ("", None),
])
def test_a_zone_maps_to_the_listed_zone_keeping_its_clock(name, listed):
    assert listed_zone_for(name) == listed


def test_labels_name_listed_zones_and_fall_back_to_the_iana_name():
    assert zone_label("America/Phoenix") == "Mountain (Arizona)"
    assert zone_label("America/Detroit") == "America/Detroit"


# --- In templates -----------------------------------------------------------------------------

def test_session_when_gives_the_machine_time_and_the_readers_time_escaped(app, member):
    member.time_zone = "America/Phoenix"
    db.session.commit()
    starts_at = at("America/New_York", 2026, 7, 14, 14)
    with app.test_request_context():
        login_user(member)
        html = str(session_when(starts_at, starts_at + timedelta(hours=1), "America/New_York"))
    assert html == ('<time datetime="2026-07-14T18:00:00Z">Tuesday, July 14, 2026, 2:00 – '
                    '3:00 PM EDT</time> <span class="workspace-reader-time">(11:00 AM – 12:00 PM '
                    'MST for you)</span>')


def test_session_when_for_a_visitor_reads_in_eastern_time(app):
    starts_at = at("America/New_York", 2026, 7, 14, 14)
    with app.test_request_context():
        html = str(session_when(starts_at, starts_at + timedelta(hours=1), "America/New_York",
                                short=True))
    assert html == '<time datetime="2026-07-14T18:00:00Z">Jul 14, 2026, 2:00 – 3:00 PM EDT</time>'
