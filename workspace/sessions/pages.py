"""What session pages show, each read in a fixed number of queries however many sessions,
answers and attendees there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, raiseload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.policy import sessions as session_policy
from workspace.sessions.models import Attendance, LiveSession, Rsvp, RsvpAnswer, SessionStatus

PAST_PER_PAGE = 20


@dataclass
class SessionRow:
    """A session as a list shows it: the answers so far and the reader's own."""

    session: LiveSession
    going: int = 0
    maybe: int = 0
    mine: RsvpAnswer | None = None


@dataclass
class SessionList:
    open_now: list[SessionRow]
    upcoming: list[SessionRow]
    past: Pagination


def session_in(user: policy.Person, community: Community, session_id: int) -> LiveSession:
    """The community's session, or NotFound for anyone who may not see it."""
    session = db.session.scalar(select(LiveSession).where(
        LiveSession.id == session_id, LiveSession.community_id == community.id))
    if session is None:
        raise errors.NotFound()
    policy.require(user, session_policy.may_see_session, session)
    return session


def _rows(user: policy.Person, sessions: list[LiveSession]) -> list[SessionRow]:
    """The sessions with their answer counts and the reader's answer: two queries in all."""
    rows = [SessionRow(session) for session in sessions]
    ids = [row.session.id for row in rows]
    if not ids:
        return rows
    counts = {(session_id, answer): count for session_id, answer, count in db.session.execute(
        select(Rsvp.session_id, Rsvp.answer, func.count()).where(Rsvp.session_id.in_(ids))
        .group_by(Rsvp.session_id, Rsvp.answer))}
    mine: dict[int, RsvpAnswer] = {}
    if user.is_authenticated:
        mine = {session_id: answer for session_id, answer in db.session.execute(
            select(Rsvp.session_id, Rsvp.answer).where(Rsvp.session_id.in_(ids),
                                                       Rsvp.user_id == user.id))}
    for row in rows:
        row.going = counts.get((row.session.id, RsvpAnswer.GOING), 0)
        row.maybe = counts.get((row.session.id, RsvpAnswer.MAYBE), 0)
        row.mine = mine.get(row.session.id)
    return rows


def _listed(stmt: Select) -> Select:
    return stmt.options(joinedload(LiveSession.community), raiseload("*"))


def _split(user: policy.Person, where: Select, now: datetime, page: int) -> SessionList:
    current = list(db.session.scalars(_listed(where.where(LiveSession.ends_at > now))
                                      .order_by(LiveSession.starts_at, LiveSession.id)))
    past = db.paginate(_listed(where.where(LiveSession.ends_at <= now))
                       .order_by(LiveSession.starts_at.desc(), LiveSession.id.desc()),
                       page=page, per_page=PAST_PER_PAGE, error_out=False, count=True)
    rows = _rows(user, current + list(past.items))
    by_id = {row.session.id: row for row in rows}
    past.items = [by_id[session.id] for session in past.items]
    open_now = [by_id[s.id] for s in current if s.is_open(now)]
    upcoming = [by_id[s.id] for s in current if not s.is_open(now)]
    return SessionList(open_now=open_now, upcoming=upcoming, past=past)


def community_sessions(user: policy.Person, community: Community, *, now: datetime,
                       page: int = 1) -> SessionList:
    """A community's sessions: open now, coming up (all of them), and past (a page at a time)."""
    return _split(user, select(LiveSession).where(LiveSession.community_id == community.id),
                  now, page)


def my_sessions(user: User, *, now: datetime, page: int = 1) -> SessionList:
    """Sessions in every community the person may read: "My sessions"."""
    return _split(user, select(LiveSession).where(session_policy.visible_sessions(user)),
                  now, page)


def next_sessions(user: policy.Person, community: Community, *, now: datetime,
                  limit: int = 3) -> list[SessionRow]:
    """The community page's glimpse: the sessions open now or coming next."""
    sessions = list(db.session.scalars(_listed(select(LiveSession).where(
        LiveSession.community_id == community.id, LiveSession.ends_at > now))
        .order_by(LiveSession.starts_at, LiveSession.id).limit(limit)))
    return _rows(user, sessions)


def coming_in(user: policy.Person, community_ids: list[int], *, now: datetime,
              limit: int = 4) -> list[SessionRow]:
    """The next sessions (open now first) in these communities, for the home page: three
    queries however many communities and sessions there are."""
    if not community_ids:
        return []
    sessions = list(db.session.scalars(_listed(select(LiveSession).where(
        LiveSession.community_id.in_(community_ids), LiveSession.ends_at > now,
        LiveSession.status == SessionStatus.SCHEDULED, session_policy.visible_sessions(user)))
        .order_by(LiveSession.starts_at, LiveSession.id).limit(limit)))
    return _rows(user, sessions)


def answer_of(user: policy.Person, session: LiveSession) -> RsvpAnswer | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Rsvp.answer).where(Rsvp.session_id == session.id,
                                                       Rsvp.user_id == user.id))


def answer_counts(session: LiveSession) -> Counter[RsvpAnswer]:
    return Counter({answer: count for answer, count in db.session.execute(
        select(Rsvp.answer, func.count()).where(Rsvp.session_id == session.id)
        .group_by(Rsvp.answer))})


# --- The roster: who is coming, by state, beside who came ------------------------------------

@dataclass
class RosterEntry:
    person: User
    answer: RsvpAnswer | None = None
    answered_at: datetime | None = None
    first_joined_at: datetime | None = None
    minutes_present: int = 0
    # Answered or attended, but no longer among the people who may attend (agency withdrew...).
    no_longer_eligible: bool = False

    @property
    def attended(self) -> bool:
        return self.first_joined_at is not None


@dataclass
class RosterGroup:
    name: str  # the state, or the organization for partners and the network team
    entries: list[RosterEntry] = field(default_factory=list)

    def count(self, answer: RsvpAnswer) -> int:
        return sum(1 for entry in self.entries if entry.answer is answer)

    @property
    def attended(self) -> int:
        return sum(1 for entry in self.entries if entry.attended)


@dataclass
class Roster:
    groups: list[RosterGroup]
    totals: Counter[RsvpAnswer]
    attended: int
    unanswered: int


def roster(session: LiveSession, *, now: datetime) -> Roster:
    """Everyone who may attend, plus anyone who answered or came: three queries."""
    eligible = session_policy.attendee_ids(session.community)
    answered = select(Rsvp.user_id).where(Rsvp.session_id == session.id)
    came = select(Attendance.user_id).where(Attendance.session_id == session.id)
    people = list(db.session.scalars(
        select(User).where(or_(User.id.in_(eligible), User.id.in_(answered),
                               User.id.in_(came)))
        .options(joinedload(User.organization), raiseload("*"))))
    eligible_ids = set(db.session.scalars(eligible))
    rsvps = {rsvp.user_id: rsvp for rsvp in db.session.scalars(
        select(Rsvp).where(Rsvp.session_id == session.id).options(raiseload("*")))}
    visits: dict[int, list[Attendance]] = defaultdict(list)
    for visit in db.session.scalars(select(Attendance).where(
            Attendance.session_id == session.id)):
        visits[visit.user_id].append(visit)
    groups: dict[str, RosterGroup] = {}
    totals: Counter[RsvpAnswer] = Counter()
    for person in people:
        organization = person.organization
        name = organization.state_name or organization.name
        entry = RosterEntry(person, no_longer_eligible=person.id not in eligible_ids)
        rsvp = rsvps.get(person.id)
        if rsvp is not None:
            entry.answer, entry.answered_at = rsvp.answer, rsvp.answered_at
            totals[rsvp.answer] += 1
        person_visits = visits.get(person.id, [])
        if person_visits:
            entry.first_joined_at = min(visit.joined_at for visit in person_visits)
            seconds = sum(((visit.left_at or min(now, session.ends_at)) - visit.joined_at)
                          .total_seconds() for visit in person_visits)
            entry.minutes_present = max(0, round(seconds / 60))
        groups.setdefault(name, RosterGroup(name)).entries.append(entry)
    ordered = sorted(groups.values(), key=lambda group: group.name)
    for group in ordered:
        group.entries.sort(key=lambda entry: entry.person.name.lower())
    attended = sum(group.attended for group in ordered)
    unanswered = sum(1 for group in ordered for entry in group.entries
                     if entry.answer is None and not entry.no_longer_eligible)
    return Roster(groups=ordered, totals=totals, attended=attended, unanswered=unanswered)


@dataclass
class AttendanceRecord:
    """Who came, by state: the record a session page shows once the room has been used."""

    by_state: list[tuple[str, list[User]]]

    @property
    def people(self) -> int:
        return sum(len(people) for _, people in self.by_state)

    @property
    def states(self) -> int:
        return len(self.by_state)


def attendance_record(session: LiveSession) -> AttendanceRecord:
    """Everyone the room recorded, in one query."""
    people = db.session.scalars(
        select(User).where(User.id.in_(select(Attendance.user_id).where(
            Attendance.session_id == session.id)))
        .options(joinedload(User.organization), raiseload("*")))
    grouped: dict[str, list[User]] = defaultdict(list)
    for person in people:
        grouped[person.organization.state_name or person.organization.name].append(person)
    return AttendanceRecord(sorted((state, sorted(people, key=lambda p: p.name.lower()))
                                   for state, people in grouped.items()))
