"""Time zones: the ones people choose from, wall-clock times to UTC, and session times as read.

The one place that knows about zones. The network's people work across the states and the
territories, so Hawaii, Alaska, Arizona (no daylight saving), Puerto Rico and the U.S. Virgin
Islands, Guam and the Northern Mariana Islands, and American Samoa are all listed; a zone a
browser reports that keeps the same clock as a listed one all year (America/Detroit,
America/St_Thomas, Pacific/Saipan) is taken as that listed zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workspace import errors

# Visitors (and anyone whose stored zone is unknown) see the network's home time zone.
DEFAULT_TIME_ZONE = "America/New_York"

TIME_ZONES: list[tuple[str, str]] = [
    ("America/New_York", "Eastern"),
    ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"),
    ("America/Phoenix", "Mountain (Arizona)"),
    ("America/Los_Angeles", "Pacific"),
    ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico, U.S. Virgin Islands)"),
    ("Pacific/Guam", "Chamorro (Guam, Northern Mariana Islands)"),
    ("Pacific/Pago_Pago", "Samoa (American Samoa)"),
    ("UTC", "Coordinated Universal Time"),
]
_LABELS = dict(TIME_ZONES)
# IANA names are at most a few dozen characters; anything longer is not worth a file lookup.
_LONGEST_NAME = 64
SPAN_DASH = " – "


@lru_cache(maxsize=64)
def _load(name: str) -> ZoneInfo:
    # A page of sessions formats dozens of times, so each zone is built once. Keyed by the
    # zone's name only (bounded, and holding nothing about any person); failures aren't kept.
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The zone of this IANA name, or Invalid (beside the time-zone field)."""
    if not isinstance(name, str) or not 0 < len(name) <= _LONGEST_NAME:
        raise errors.Invalid("Choose a time zone from the list.", field="time_zone")
    try:
        return _load(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, or a path
        raise errors.Invalid("Choose a time zone from the list.", field="time_zone") from None


def zone_label(name: str) -> str:
    """What people call a listed zone ("Mountain (Arizona)"); the IANA name for any other."""
    return _LABELS.get(name, name)


def zone_phrase(name: str) -> str:
    """The zone in a sentence: "Eastern time", "Coordinated Universal Time"."""
    label = zone_label(name)
    return label if label.endswith(" Time") else f"{label} time"


def listed_zone_for(name: str) -> str | None:
    """A listed zone that keeps the same clock as `name` all year, or None."""
    if name in _LABELS:
        return name
    return _listed_match(name, datetime.now(UTC).year)


def _clock_of(tz: ZoneInfo, year: int) -> tuple[tuple[timedelta | None, str | None], ...]:
    # Mid-January and mid-July fall on either side of every U.S. daylight-saving change (and of
    # the southern hemisphere's), so two zones that agree on both keep the same clock all year.
    moments = (datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC))
    return tuple((moment.astimezone(tz).utcoffset(), moment.astimezone(tz).tzname())
                 for moment in moments)


@lru_cache(maxsize=256)
def _listed_match(name: str, year: int) -> str | None:
    try:
        clock = _clock_of(zone(name), year)
    except errors.Invalid:
        return None
    for listed, _ in TIME_ZONES:
        if _clock_of(zone(listed), year) == clock:
            return listed
    return None


# --- Words for times --------------------------------------------------------------------------

def strftime(moment: date, fmt: str) -> str:
    """strftime with "%-d", "%-I" and friends (no leading zero) on every platform."""
    # "%-d" is a glibc extension; expand it here so every platform agrees.
    if "%-" not in fmt:
        return moment.strftime(fmt)
    unpadded = {"%-d": str(moment.day), "%-m": str(moment.month)}
    if isinstance(moment, datetime):
        unpadded |= {"%-I": str(moment.hour % 12 or 12), "%-H": str(moment.hour),
                     "%-M": str(moment.minute)}
    for code, value in unpadded.items():
        fmt = fmt.replace(code, value.replace("%", "%%"))
    return moment.strftime(fmt)


def _meridiem(moment: datetime | time) -> str:
    # Not "%p": that follows the process's locale, and these words are the product's.
    return "AM" if moment.hour < 12 else "PM"


def _bare_clock(moment: datetime | time) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}"


def _clock(moment: datetime | time) -> str:
    return f"{_bare_clock(moment)} {_meridiem(moment)}"


def _day(moment: date, *, short: bool, year: bool) -> str:
    fmt = "%b %-d" if short else "%A, %B %-d"
    return strftime(moment, fmt + (", %Y" if year else ""))


# --- Wall-clock time to UTC -------------------------------------------------------------------

def to_utc(day: date, clock: time, zone_name: str, *, field: str) -> datetime:
    """A wall-clock time in the zone as aware UTC; Invalid (on `field`) if the clocks skip it.

    A time that happens twice (clocks going back) is its first, daylight-saving, occurrence.
    """
    tz = zone(zone_name)
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        jumped_from, jumped_to = _gap_around(local)
        raise errors.Invalid(
            f"{_clock(local)} does not exist on {strftime(local, '%B %-d, %Y')} in "
            f"{zone_phrase(zone_name)}: clocks jump from {_clock(jumped_from)} to "
            f"{_clock(jumped_to)}. Choose another time.", field=field)
    return moment


def _gap_around(local: datetime) -> tuple[datetime, datetime]:
    """The wall-clock times on either side of the skipped hour (or so) `local` falls in."""
    tz = local.tzinfo
    assert tz is not None
    before, after = local.utcoffset(), local.replace(fold=1).utcoffset()
    assert before is not None and after is not None
    naive = local.replace(tzinfo=None)
    # The change happens at one UTC instant between these two readings of the skipped time;
    # find it to the second (the zone's offset flips from `before` to `after` there).
    earliest, latest = naive - after, naive - before
    while latest - earliest > timedelta(seconds=1):
        middle = earliest + (latest - earliest) / 2
        if middle.replace(tzinfo=UTC).astimezone(tz).utcoffset() == before:
            earliest = middle
        else:
            latest = middle
    change = latest.replace(microsecond=0)
    return change + before, change + after


# --- A session's span, as people read it ------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """A session's start and end as people read them."""

    session_text: str  # in the session's own zone: "Tuesday, March 10, 2026, 2:00 – 3:00 PM MST"
    reader_text: str | None  # in the reader's zone, "4:00 – 5:00 PM EDT for you"; None if alike


def describe_span(starts_at: datetime, ends_at: datetime, zone_name: str, reader_zone: ZoneInfo,
                  *, short: bool = False) -> Span:
    """Start and end in the session's zone, and in the reader's when their clock reads otherwise."""
    session_zone = zone(zone_name)
    start, end = starts_at.astimezone(session_zone), ends_at.astimezone(session_zone)
    session_text = _span_text(start, end, short=short, with_date=True, with_year=True)
    seen_start, seen_end = starts_at.astimezone(reader_zone), ends_at.astimezone(reader_zone)
    if _reads_alike(start, seen_start) and _reads_alike(end, seen_end):
        return Span(session_text, None)
    other_day = seen_start.date() != start.date()
    reader_text = _span_text(seen_start, seen_end, short=short, with_date=other_day,
                             with_year=seen_start.year != start.year)
    return Span(session_text, f"{reader_text} for you")


def _reads_alike(one: datetime, other: datetime) -> bool:
    return (one.replace(tzinfo=None) == other.replace(tzinfo=None)
            and one.tzname() == other.tzname())


def _span_text(start: datetime, end: datetime, *, short: bool, with_date: bool,
               with_year: bool) -> str:
    opening = f"{_day(start, short=short, year=with_year)}, " if with_date else ""
    same_day, same_abbreviation = start.date() == end.date(), start.tzname() == end.tzname()
    closing = _clock(end)
    if not same_day:
        closing = f"{_day(end, short=short, year=with_year and end.year != start.year)}, {closing}"
    if not same_abbreviation:  # the span straddles a daylight-saving change
        return f"{opening}{_clock(start)} {start.tzname()}{SPAN_DASH}{closing} {end.tzname()}"
    if same_day and _meridiem(start) == _meridiem(end):
        return f"{opening}{_bare_clock(start)}{SPAN_DASH}{closing} {end.tzname()}"
    return f"{opening}{_clock(start)}{SPAN_DASH}{closing} {end.tzname()}"
