"""Scheduling, changing and answering live sessions: the only code that writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from dateutil.rrule import rrulestr
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from workspace import errors, policy, realtime, timezones, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, Thread, notify_many
from workspace.policy import sessions as session_policy
from workspace.sessions import pages
from workspace.sessions.models import (
    CALL_URL_MAX,
    REASON_MAX,
    TITLE_MAX,
    LiveSession,
    Repeat,
    Rsvp,
    RsvpAnswer,
    SessionStatus,
    new_uid,
)

AGENDA_DRAFT = "session_agenda"
PREWORK_DRAFT = "session_prework"
SUBJECT = "live_session"

LONGEST_SESSION = timedelta(hours=12)
MOST_REPEATS = 52
OBJECTIVES_MAX = 20
OBJECTIVE_MAX = 500
MATERIALS_MAX = 20
MATERIAL_LABEL_MAX = 200
# Far enough back for a series' history, far enough ahead for any plan; beyond is a typo.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Plan:
    """What a facilitator says about a session, as the form sends it (text still unchecked)."""

    title: str
    day: date
    starts: time
    ends: time
    time_zone: str
    number: int | None = None
    agenda: str = ""
    prework: str = ""
    objectives: str = ""  # one per line
    materials: str = ""  # one per line: "Label https://..." or a link alone
    call_url: str = ""


class Frequency:
    """How often a repeat comes round, as RRULE parts and in words."""

    CHOICES: tuple[tuple[str, str], ...] = (
        ("", "Does not repeat"),
        ("weekly", "Every week"),
        ("biweekly", "Every other week"),
        ("monthly", "Every month, on the same weekday (the second Tuesday...)"),
    )
    RULES = {"weekly": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2",
             "monthly": "FREQ=MONTHLY"}


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class RepeatPlan:
    frequency: str  # a key of Frequency.RULES
    count: int | None = None
    until: date | None = None


@dataclass
class _Checked:
    title: str
    number: int | None
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    agenda: str
    prework: str
    objectives: list[str]
    materials: list[dict[str, str]]
    call_url: str
    errors: list[errors.Invalid] = field(default_factory=list)


# --- Checking what the form says -------------------------------------------------------------

def _check_year(day: date, name: str) -> None:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise errors.Invalid(f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}.",
                             field=name)


def _check_url(url: str, *, name: str) -> str:
    url = url.strip()
    if len(url) > CALL_URL_MAX:
        raise errors.Invalid(f"Keep the link under {CALL_URL_MAX} characters.", field=name)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise errors.Invalid("Enter a full web address starting with https://.", field=name)
    return url


def _objectives(text: str) -> list[str]:
    lines = [line.strip().lstrip("-*•").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > OBJECTIVES_MAX:
        raise errors.Invalid(f"List at most {OBJECTIVES_MAX} objectives.", field="objectives")
    if any(len(line) > OBJECTIVE_MAX for line in lines):
        raise errors.Invalid(f"Keep each objective under {OBJECTIVE_MAX} characters.",
                             field="objectives")
    return lines


def _materials(text: str, community: Community) -> list[dict[str, str]]:
    """Lines of "Label https://..." (or a link alone, or a path in this community)."""
    found: list[dict[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        label, _, link = line.rpartition(" ")
        label = label.strip(" -–—:|") or link
        if link.startswith(f"/communities/{community.slug}/"):
            url = link
        else:
            try:
                url = _check_url(link, name="materials")
            except errors.Invalid:
                raise errors.Invalid(
                    f"Line {number} has no link: end each line with a web address "
                    f"(https://...) or a page of this community (/communities/"
                    f"{community.slug}/...).", field="materials") from None
        if len(label) > MATERIAL_LABEL_MAX:
            raise errors.Invalid(f"Line {number}: keep the name under {MATERIAL_LABEL_MAX} "
                                 "characters.", field="materials")
        found.append({"label": label, "url": url})
    if len(found) > MATERIALS_MAX:
        raise errors.Invalid(f"Link at most {MATERIALS_MAX} materials.", field="materials")
    return found


def _check(plan: Plan, community: Community) -> _Checked:
    title = (plan.title or "").strip()
    if not title:
        raise errors.Invalid("Give the session a title.", field="title")
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters.", field="title")
    if plan.number is not None and not 1 <= plan.number <= 999:
        raise errors.Invalid("Number sessions from 1 to 999, or leave it empty.",
                             field="number")
    for name, text in (("agenda", plan.agenda), ("prework", plan.prework)):
        if len(text or "") > writing.BODY_MAX:
            raise errors.Invalid(f"Keep this under {writing.BODY_MAX:,} characters.", field=name)
    timezones.zone(plan.time_zone)  # Invalid(field="time_zone") for an unknown zone
    _check_year(plan.day, "day")
    starts_at = timezones.to_utc(plan.day, plan.starts, plan.time_zone, field="starts")
    ends_day = plan.day if plan.ends > plan.starts else plan.day + timedelta(days=1)
    if plan.ends == plan.starts:
        raise errors.Invalid("End the session after it starts.", field="ends")
    ends_at = timezones.to_utc(ends_day, plan.ends, plan.time_zone, field="ends")
    if ends_at - starts_at > LONGEST_SESSION:
        raise errors.Invalid("End the session after it starts: a session lasts at most 12 "
                             "hours.", field="ends")
    call_url = _check_url(plan.call_url, name="call_url") if plan.call_url.strip() else ""
    return _Checked(title=title, number=plan.number, starts_at=starts_at, ends_at=ends_at,
                    time_zone=plan.time_zone, agenda=plan.agenda or "",
                    prework=plan.prework or "", objectives=_objectives(plan.objectives or ""),
                    materials=_materials(plan.materials or "", community), call_url=call_url)


def _apply(session: LiveSession, checked: _Checked, community: Community) -> None:
    session.title = checked.title
    session.number = checked.number
    session.starts_at = checked.starts_at
    session.ends_at = checked.ends_at
    session.time_zone = checked.time_zone
    if session.agenda != checked.agenda or not session.agenda_html:
        session.agenda = checked.agenda
        session.agenda_html = writing.render_body(community, checked.agenda)
    if session.prework != checked.prework or not session.prework_html:
        session.prework = checked.prework
        session.prework_html = writing.render_body(community, checked.prework)
    session.objectives = checked.objectives
    session.materials = checked.materials
    session.call_url = checked.call_url


# --- Repeats ---------------------------------------------------------------------------------

def _repeat_rule(repeat: RepeatPlan, first_day: date) -> tuple[str, str]:
    """The RRULE (without DTSTART) and its description, or Invalid."""
    if repeat.frequency not in Frequency.RULES:
        raise errors.Invalid("Choose how often the session repeats.", field="frequency")
    if repeat.count is None and repeat.until is None:
        raise errors.Invalid("Say when the repeats end: a number of sessions or a last date.",
                             field="repeat_count")
    if repeat.count is not None and repeat.until is not None:
        raise errors.Invalid("Give a number of sessions or a last date, not both.",
                             field="repeat_count")
    words = dict(Frequency.CHOICES)[repeat.frequency]
    rule = Frequency.RULES[repeat.frequency]
    if repeat.frequency == "monthly":  # the same weekday of the month: "the 2nd Tuesday"
        week = (first_day.day - 1) // 7 + 1
        ordinal = -1 if week == 5 else week
        rule += f";BYDAY={ordinal}{_WEEKDAYS[first_day.weekday()]}"
        words = (f"Every month on the {_ORDINALS[ordinal]} "
                 f"{first_day.strftime('%A')}")
    if repeat.count is not None:
        if not 2 <= repeat.count <= MOST_REPEATS:
            raise errors.Invalid(f"Repeat from 2 to {MOST_REPEATS} times.",
                                 field="repeat_count")
        return f"{rule};COUNT={repeat.count}", f"{words}, {repeat.count} times"
    assert repeat.until is not None
    _check_year(repeat.until, "repeat_until")
    if repeat.until <= first_day:
        raise errors.Invalid("End the repeats after the first session's date.",
                             field="repeat_until")
    # UNTIL is inclusive; the last second of that day in UTC keeps a late session in.
    until = repeat.until.strftime("%Y%m%dT235959Z")
    return f"{rule};UNTIL={until}", f"{words}, until {repeat.until:%B} {repeat.until.day}, " \
        f"{repeat.until.year}"


def occurrence_starts(rule: str, first_start: datetime, zone_name: str) -> list[datetime]:
    """Every start the rule gives, in UTC: the wall-clock time stays put in the session's
    zone across daylight-saving changes, as calendar clients expand it."""
    # dateutil keeps the start's wall-clock time and zone for each date it yields.
    expanded = rrulestr(rule, dtstart=first_start.astimezone(timezones.zone(zone_name)))
    starts: list[datetime] = []
    for wall in expanded:
        starts.append(timezones.to_utc(wall.date(), wall.time(), zone_name, field="starts"))
        if len(starts) > MOST_REPEATS:
            raise errors.Invalid(f"That makes more than {MOST_REPEATS} sessions: end the "
                                 "repeats sooner.", field="repeat_until")
    return starts


# --- Scheduling ------------------------------------------------------------------------------

def schedule(author: User, community: Community, plan: Plan, *,
             repeat: RepeatPlan | None = None, nonce: str | None = None,
             written_at: datetime | None = None) -> LiveSession:
    """Schedule a session (or a repeating run of them); the first session comes back.

    `written_at` backdates the record (the demo's history); otherwise it is now.
    """
    policy.require(author, session_policy.may_schedule, community)
    checked = _check(plan, community)
    starts = [checked.starts_at]
    rule = description = ""
    if repeat is not None and repeat.frequency:
        rule, description = _repeat_rule(repeat, plan.day)
        starts = occurrence_starts(rule, checked.starts_at, checked.time_zone)
    duration = checked.ends_at - checked.starts_at
    now = written_at or utcnow()

    def write(nonce: str | None) -> LiveSession:
        repeat_row = None
        if rule:
            repeat_row = Repeat(community_id=community.id, uid=new_uid(), rule=rule,
                                description=description, title=checked.title,
                                time_zone=checked.time_zone, first_starts_at=checked.starts_at,
                                duration_minutes=int(duration.total_seconds() // 60),
                                created_by_id=author.id, created_at=now)
            db.session.add(repeat_row)
        sessions = []
        for index, start in enumerate(starts):
            session = LiveSession(community=community, author_id=author.id, uid=new_uid(),
                                  repeat=repeat_row, created_at=now,
                                  client_nonce=nonce if index == 0 else None)
            _apply(session, checked, community)
            session.starts_at, session.ends_at = start, start + duration
            if checked.number is not None:
                session.number = checked.number + index
            if repeat_row is not None:
                session.original_starts_at = start
            sessions.append(session)
        db.session.add_all(sessions)
        db.session.flush()
        writing.discard_draft(author, AGENDA_DRAFT, community.id)
        writing.discard_draft(author, PREWORK_DRAFT, community.id)
        first = sessions[0]
        for text in (checked.agenda, checked.prework):
            writing.tell_mentioned(author, community, text, link=session_link(first),
                                   title=f"the session “{first.label}”",
                                   subject=Subject(SUBJECT, first.id))
        if sessions[-1].ends_at > utcnow():  # a session written down afterwards is no news
            _tell_scheduled(author, first, description)
        db.session.commit()
        return first

    return writing.once(LiveSession, author, nonce, write)


def next_number(community: Community) -> int:
    """The number the community's next session would take: one after the highest so far."""
    highest = db.session.scalar(select(db.func.max(LiveSession.number)).where(
        LiveSession.community_id == community.id, LiveSession.status == SessionStatus.SCHEDULED))
    return (highest or 0) + 1


def session_link(session: LiveSession) -> str:
    return f"/communities/{session.community.slug}/sessions/{session.id}"


def session_thread(session: LiveSession) -> Thread:
    """What the notification centre groups a session's notices under."""
    return Thread(f"{SUBJECT}:{session.id}", session.label)


def _tell_scheduled(author: User, first: LiveSession, description: str) -> None:
    """The community's people who may see the session hear of it, once for a whole repeat
    (its first session stands for it); the one who scheduled it knows."""
    community = first.community
    when = when_text(first)
    repeats = description[:1].lower() + description[1:]  # "every other week, 6 times"
    message = (f"{author.name} scheduled “{first.label}”, {repeats}, from {when}."
               if description else f"{author.name} scheduled “{first.label}” for {when}.")
    notify_many(select(User.id).where(User.id.in_(policy.reader_ids(community)),
                                      User.id != author.id),
                NotificationKind.SESSION_SCHEDULED, message, session_link(first), actor=author,
                community=community, subject=Subject(SUBJECT, first.id),
                thread=session_thread(first))


def _people_coming(session: LiveSession, actor: User) -> Select:
    """Who said they are coming (or might), and may still see the session: told of changes."""
    return (select(Rsvp.user_id).where(
        Rsvp.session_id == session.id, Rsvp.answer.in_((RsvpAnswer.GOING, RsvpAnswer.MAYBE)),
        Rsvp.user_id != actor.id,
        or_(Rsvp.user_id.in_(policy.reader_ids(session.community)),
            Rsvp.user_id.in_(policy.staff_ids()))))


def change(actor: User, session: LiveSession, plan: Plan, *, reason: str = "") -> LiveSession:
    """Edit one session (for a repeat: this occurrence only). Moving it needs a reason, which
    everyone coming is told with the new time."""
    policy.require(actor, session_policy.may_change_session, session)
    if session.is_cancelled:
        raise errors.Invalid("This session was cancelled; schedule a new one instead.")
    community = session.community
    checked = _check(plan, community)
    reason = (reason or "").strip()
    moved = (checked.starts_at, checked.ends_at) != (session.starts_at, session.ends_at)
    if moved and not reason:
        raise errors.Invalid("Say why the time changes: everyone coming is told.",
                             field="reason")
    if len(reason) > REASON_MAX:
        raise errors.Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    before = session.agenda + "\n" + session.prework
    _apply(session, checked, community)
    session.sequence += 1
    session.updated_at = utcnow()
    if session.repeat_id is not None:
        session.is_detached = True
    db.session.flush()
    for text in (checked.agenda, checked.prework):
        writing.tell_mentioned(actor, community, text, link=session_link(session),
                               title=f"the session “{session.label}”",
                               subject=Subject(SUBJECT, session.id), before=before)
    if moved:
        notify_many(_people_coming(session, actor), NotificationKind.SESSION_CHANGED,
                    f"{actor.name} moved “{session.label}” to {when_text(session)}: {reason}",
                    session_link(session), actor=actor, community=community,
                    subject=Subject(SUBJECT, session.id), thread=session_thread(session))
    _tell_page(session, "This session was rescheduled." if moved else
               "The facilitators updated this session.")
    db.session.commit()
    return session


def when_text(session: LiveSession) -> str:
    """The session's time in its own zone, for a notice everyone reads alike."""
    return timezones.describe_span(session.starts_at, session.ends_at, session.time_zone,
                                   timezones.zone(session.time_zone)).session_text


def _tell_page(session: LiveSession, message: str) -> None:
    """Whoever has the session's page open learns it changed (after the commit)."""
    realtime.publish("session_changed", {"session_id": session.id, "message": message},
                     to=realtime.session_page_room(session.community_id, session.id))


def cancel(actor: User, session: LiveSession, *, reason: str,
           following: bool = False) -> list[LiveSession]:
    """Cancel a session (and, for a repeat, optionally every later one) with a reason that
    everyone coming is told. Cancelled sessions stay, marked, in lists and calendars."""
    policy.require(actor, session_policy.may_change_session, session)
    reason = (reason or "").strip()
    if not reason:
        raise errors.Invalid("Say why the session is cancelled: everyone coming is told.",
                             field="reason")
    if len(reason) > REASON_MAX:
        raise errors.Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    if session.is_cancelled:
        raise errors.Invalid("This session is already cancelled.")
    cancelled = [session]
    if following and session.repeat_id is not None:
        cancelled = list(db.session.scalars(select(LiveSession).where(
            LiveSession.repeat_id == session.repeat_id,
            LiveSession.status == SessionStatus.SCHEDULED,
            LiveSession.starts_at >= session.starts_at).order_by(LiveSession.starts_at)))
    now = utcnow()
    community = session.community
    for each in cancelled:
        each.status = SessionStatus.CANCELLED
        each.cancel_reason = reason
        each.cancelled_at = now
        each.sequence += 1
        each.updated_at = now
        if each.repeat_id is not None:
            each.is_detached = True
        notify_many(_people_coming(each, actor), NotificationKind.SESSION_CANCELLED,
                    f"{actor.name} cancelled “{each.label}”: {reason}",
                    session_link(each), actor=actor, community=community,
                    subject=Subject(SUBJECT, each.id), thread=session_thread(each))
        _tell_page(each, f"This session was cancelled: {reason}")
    db.session.commit()
    return cancelled


def _announce_answers(session: LiveSession) -> None:
    counts = pages.answer_counts(session)
    realtime.publish("answers_changed", {
        "session_id": session.id, **{answer.value: counts.get(answer, 0) for answer in RsvpAnswer}},
        to=realtime.session_page_room(session.community_id, session.id))


def answer(person: User, session: LiveSession, choice: str) -> Rsvp:
    """Record (or change) the person's answer: going, maybe or not going."""
    policy.require(person, session_policy.may_rsvp, session)
    try:
        value = RsvpAnswer(choice)
    except ValueError:
        raise errors.Invalid("Choose going, maybe or not going.", field="answer") from None
    for _attempt in range(2):  # a second tab answering at the same moment: update its row
        rsvp = db.session.scalar(select(Rsvp).where(Rsvp.session_id == session.id,
                                                    Rsvp.user_id == person.id))
        if rsvp is None:
            rsvp = Rsvp(session_id=session.id, user_id=person.id, answer=value)
            db.session.add(rsvp)
        else:
            rsvp.answer = value
            rsvp.answered_at = utcnow()
        try:
            db.session.flush()  # a second tab's row, if any, refuses ours here
            _announce_answers(session)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return rsvp
    raise errors.Invalid("Your answer couldn't be saved just now. Please try again.")
