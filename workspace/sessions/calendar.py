"""Sessions as iCalendar: one session's .ics download, and a person's feed of every session they
may see, which Outlook, Google and Apple Calendar subscribe to.

Built with the icalendar library only. Calendars follow changes by identity: a session keeps its
UID for life, and SEQUENCE rises with every change (the service raises it), so a moved or
cancelled session updates in place instead of appearing twice. A repeat is published as one
recurring event (RRULE) whose occurrences edited on their own are overrides (RECURRENCE-ID),
which is how Outlook and Google expect a series.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Event, vCalAddress, vDuration, vRecur
from icalendar.enums import STATUS
from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload

from workspace import policy
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import Action
from workspace.policy import sessions as session_policy
from workspace.sessions.models import LiveSession, Repeat
from workspace.sessions.service import session_link

PRODID = "-//CoP Workspace//Live sessions//EN"
FEED_NAME = "CoP Workspace sessions"
# How often subscribed calendars should fetch the feed again (Outlook and Apple honour these).
REFRESH = timedelta(hours=1)
# A repeat is short ("every other Tuesday, 6 times"); this only bounds a rule gone wrong.
MAX_OCCURRENCES = 500


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    # Zones are checked when a session is scheduled; a name the system no longer knows must
    # not break a whole feed, so it falls back to UTC, which keeps the instants right.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _in_zone(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(_zone(zone_name))


def _summary(session: LiveSession) -> str:
    return f"{session.label} ({session.community.title})"


def _description(session: LiveSession, *, page_url: str, call_url: str | None) -> str:
    """Plain text: calendars show DESCRIPTION as typed, so the Markdown source reads best."""
    parts: list[str] = []
    if session.is_cancelled:
        reason = session.cancel_reason.strip()
        parts.append(f"This session was cancelled. {reason}".strip())
    if session.agenda.strip():
        parts.append("Agenda\n" + session.agenda.strip())
    if session.prework.strip():
        parts.append("Pre-work\n" + session.prework.strip())
    objectives = [objective.strip() for objective in session.objectives if objective.strip()]
    if objectives:
        parts.append("Objectives\n" + "\n".join(f"- {objective}" for objective in objectives))
    if call_url:
        parts.append(f"Join the call: {call_url}")
    parts.append(f"Session page: {page_url}")
    return "\n\n".join(parts)


def _call_url(session: LiveSession, may_attend: bool) -> str | None:
    return session.call_url if may_attend and session.call_url else None


def _event(session: LiveSession, *, uid: str, sequence: int, may_attend: bool, base_url: str,
           stamp: datetime) -> Event:
    """One session as a VEVENT, its times in the zone it was scheduled in."""
    page_url = base_url + session_link(session)
    call_url = _call_url(session, may_attend)
    return Event.new(
        uid=uid,
        sequence=sequence,
        status=STATUS.CANCELLED if session.is_cancelled else STATUS.CONFIRMED,
        stamp=stamp,
        start=_in_zone(session.starts_at, session.time_zone),
        end=_in_zone(session.ends_at, session.time_zone),
        summary=_summary(session),
        description=_description(session, page_url=page_url, call_url=call_url),
        url=page_url,
        location=call_url or page_url,
        created=session.created_at,
        last_modified=session.updated_at or session.created_at,
    )


def _calendar(events: list[Event], *, moments: list[datetime],
              name: str | None = None, method: str = "PUBLISH") -> Calendar:
    """A calendar of the events, with a VTIMEZONE for each zone they use; `moments` are the
    earliest and latest instants they cover."""
    calendar = Calendar.new(prodid=PRODID, method=method, calscale="GREGORIAN", name=name,
                            refresh_interval=REFRESH if name else None)
    calendar.pop("UID", None)  # Calendar.new invents one per call; a feed's must not change
    if name:
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for event in events:
        calendar.add_component(event)
    if moments:
        # VTIMEZONEs spanning only the events' dates stay small (the default is 1970-2038);
        # a day either side covers every zone's local date.
        calendar.add_missing_timezones(first_date=min(moments).date() - timedelta(days=1),
                                       last_date=max(moments).date() + timedelta(days=366))
    return calendar


def _sequence(session: LiveSession) -> int:
    # An occurrence's changes add to its repeat's, so either kind of edit raises it.
    return session.sequence + (session.repeat.sequence if session.repeat is not None else 0)


def ics_filename(label: str, suffix: str = "") -> str:
    """"session-3-family-roles.ics": a file name from a session's label."""
    words = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return f"{words[:60].rstrip('-') or 'session'}{suffix}.ics"


def session_ics(session: LiveSession, *, may_attend: bool, base_url: str) -> bytes:
    """One session as a calendar file to download; an occurrence of a repeat stands alone."""
    event = _event(session, uid=session.uid, sequence=_sequence(session), may_attend=may_attend,
                   base_url=base_url, stamp=utcnow())
    return _calendar([event], moments=[session.starts_at, session.ends_at]).to_ical()


# --- The feed --------------------------------------------------------------------------------

def _is_override(session: LiveSession) -> bool:
    # Detached occurrences were edited on their own; a cancelled or moved one is an override
    # even if something forgot to mark it detached.
    return (session.is_detached or session.is_cancelled
            or session.starts_at != session.original_starts_at)


def _parsed_rule(repeat: Repeat) -> tuple[vRecur, rrule] | None:
    try:
        recur = vRecur.from_ical(repeat.rule)
        expansion = rrulestr(repeat.rule, dtstart=_in_zone(repeat.first_starts_at,
                                                           repeat.time_zone))
    except (ValueError, TypeError):
        return None
    if not isinstance(expansion, rrule):
        return None
    return recur, expansion


def _dropped(repeat: Repeat, expansion: rrule, occurrences: list[LiveSession]) -> list[datetime]:
    """Starts the rule gives that have no session (deleted): calendars must leave them out."""
    originals = {session.original_starts_at for session in occurrences}
    last = max(start for start in originals if start is not None)
    bounded = "COUNT=" in repeat.rule.upper() or "UNTIL=" in repeat.rule.upper()
    dropped = []
    for start in islice(expansion, MAX_OCCURRENCES):
        if not bounded and start > last:
            break
        if start not in originals:
            dropped.append(start)
    return dropped


def _repeat_events(repeat: Repeat, occurrences: list[LiveSession], *, may_attend: bool,
                   base_url: str, stamp: datetime) -> list[Event] | None:
    """The repeat as one recurring event plus an override per occurrence edited on its own;
    None when its rule can't be read (its occurrences are then published one by one)."""
    parsed = _parsed_rule(repeat)
    if parsed is None or any(session.original_starts_at is None for session in occurrences):
        return None
    recur, expansion = parsed
    following = [session for session in occurrences if not _is_override(session)]
    # The undetached occurrences carry the run's own content; if every one was edited, the
    # earliest stands for the run.
    model = min(following or occurrences,
                key=lambda session: (session.original_starts_at, session.id))
    start = _in_zone(repeat.first_starts_at, repeat.time_zone)
    page_url = base_url + session_link(model)
    call_url = _call_url(model, may_attend)
    edits = [session.updated_at or session.created_at for session in following]
    master = Event.new(
        uid=repeat.uid,
        sequence=repeat.sequence,
        status=STATUS.CONFIRMED,
        stamp=stamp,
        start=start,
        end=_in_zone(repeat.first_starts_at + timedelta(minutes=repeat.duration_minutes),
                     repeat.time_zone),
        summary=_summary(model) if following else f"{repeat.title} ({model.community.title})",
        description=_description(model, page_url=page_url, call_url=call_url)
        if following else f"Session page: {page_url}",
        url=page_url,
        location=call_url or page_url,
        created=repeat.created_at,
        last_modified=max([repeat.created_at, *edits]),
    )
    master.add("RRULE", recur)
    dropped = _dropped(repeat, expansion, occurrences)
    if dropped:
        master.add("EXDATE", dropped)
    events = [master]
    events += [_override(repeat, session, may_attend=may_attend, base_url=base_url,
                         stamp=stamp)
               for session in occurrences if _is_override(session)]
    return events


def _override(repeat: Repeat, session: LiveSession, *, may_attend: bool, base_url: str,
              stamp: datetime) -> Event:
    """An occurrence edited on its own, as an override of its repeat's recurring event."""
    override = _event(session, uid=repeat.uid, sequence=repeat.sequence + session.sequence,
                      may_attend=may_attend, base_url=base_url, stamp=stamp)
    assert session.original_starts_at is not None  # an occurrence of a repeat has one
    override.add("RECURRENCE-ID", _in_zone(session.original_starts_at, repeat.time_zone))
    return override


def visible_sessions_of(user: User) -> list[LiveSession]:
    """Every session the person may see now, with its community and repeat: one query."""
    return list(db.session.scalars(
        select(LiveSession).where(session_policy.visible_sessions(user))
        .options(joinedload(LiveSession.community), joinedload(LiveSession.repeat),
                 raiseload("*"))
        .order_by(LiveSession.starts_at, LiveSession.id)))


def feed_ics(user: User, *, base_url: str) -> bytes:
    """The person's calendar feed: every session they may see now, asked afresh at each fetch,
    in two queries however many sessions there are."""
    sessions = visible_sessions_of(user)
    # The call link goes only to communities where they may attend (members, not observers).
    attending = set(db.session.scalars(policy.community_ids(user, Action.CONTRIBUTE)))
    stamp = utcnow()
    events: list[Event] = []
    runs: dict[int, list[LiveSession]] = {}
    for session in sessions:
        if session.repeat_id is None:
            events.append(_event(session, uid=session.uid, sequence=session.sequence,
                                 may_attend=session.community_id in attending,
                                 base_url=base_url, stamp=stamp))
        else:
            runs.setdefault(session.repeat_id, []).append(session)
    for occurrences in runs.values():
        repeat = occurrences[0].repeat
        assert repeat is not None
        may_attend = repeat.community_id in attending
        repeat_events = _repeat_events(repeat, occurrences, may_attend=may_attend,
                                       base_url=base_url, stamp=stamp)
        if repeat_events is None:
            repeat_events = [_event(session, uid=session.uid, sequence=_sequence(session),
                                    may_attend=may_attend, base_url=base_url, stamp=stamp)
                             for session in occurrences]
        events += repeat_events
    moments = [moment for session in sessions for moment in (
        session.starts_at, session.ends_at, session.original_starts_at,
        session.repeat.first_starts_at if session.repeat is not None else None)
        if moment is not None]
    return _calendar(events, moments=moments, name=FEED_NAME).to_ical()


# --- Invitations by email --------------------------------------------------------------------
# An email about a session carries it as an iTIP message (RFC 5546): REQUEST adds or updates the
# event, CANCEL takes it out. UID and SEQUENCE are the feed's, so Outlook files the invitation,
# the subscribed feed's entry and every later update as one event instead of several.

def invitation_ics(session: LiveSession, *, attendee: User, may_attend: bool, base_url: str,
                   organizer: str) -> bytes:
    """The session as an invitation to one person: REQUEST (CANCEL once cancelled). For the
    first of a repeat not edited on its own, the whole run; for an occurrence edited or
    cancelled on its own, its override. `organizer`: the address the workspace mails from."""
    stamp = utcnow()
    repeat = session.repeat
    events: list[Event] | None = None
    if repeat is None:
        events = [_event(session, uid=session.uid, sequence=session.sequence,
                         may_attend=may_attend, base_url=base_url, stamp=stamp)]
    elif _is_override(session) and session.original_starts_at is not None:
        events = [_override(repeat, session, may_attend=may_attend, base_url=base_url,
                            stamp=stamp)]
    else:
        events = _repeat_events(repeat, list(repeat.sessions), may_attend=may_attend,
                                base_url=base_url, stamp=stamp)
        if events is None:  # a rule the feed can't read either: the occurrence stands alone
            events = [_event(session, uid=session.uid, sequence=_sequence(session),
                             may_attend=may_attend, base_url=base_url, stamp=stamp)]
    name, address = parseaddr(organizer)
    for event in events:
        # A REQUEST names its organizer and attendee (RFC 5546); replies are not asked for,
        # since answers are given on the session's page.
        event.add("ORGANIZER", vCalAddress(f"mailto:{address}"),
                  parameters={"CN": name or address})
        event.add("ATTENDEE", vCalAddress(f"mailto:{attendee.email}"),
                  parameters={"CN": attendee.name, "ROLE": "REQ-PARTICIPANT",
                              "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"})
    moments = [session.starts_at, session.ends_at]
    if repeat is not None:
        moments += [repeat.first_starts_at]
    method = "CANCEL" if session.is_cancelled else "REQUEST"
    return _calendar(events, moments=moments, method=method).to_ical()
