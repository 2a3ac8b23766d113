"""The series summary: a community's own record, shaped like the "P2P Exchange Series Summary"
documents the network publishes (description, objectives, participating states, duration,
session topics, then what each session recorded), as Markdown a facilitator edits before it is
published as a page, a PDF and a Word document (see documents.py).

Sections hold Markdown: fields people typed as plain text are escaped, so an asterisk in an
objective stays an asterisk; fields written in Markdown (the description, agendas, session
summaries) are kept as written, their headings moved below the summary's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from workspace.auth.models import User
from workspace.communities.models import (
    Community,
    CommunityKind,
    CommunityOrganization,
    CommunityRole,
    Membership,
    OrganizationRole,
)
from workspace.database import utcnow
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind
from workspace.sessions.action_models import ActionItem
from workspace.sessions.models import LiveSession, SessionStatus
from workspace.sessions.poll_models import Poll, PollState
from workspace.sessions.polls import results_of
from workspace.timezones import strftime, zone

DAY_FORMAT = "%B %-d, %Y"
MONTH_FORMAT = "%B %Y"


@dataclass
class Section:
    """A heading with its Markdown paragraphs, then its bullets, then its own subsections."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.paragraphs or self.bullets or self.subsections)


@dataclass
class SeriesSummary:
    title: str
    sections: list[Section] = field(default_factory=list)

    def section(self, heading: str) -> Section | None:
        """The top-level section with this heading, if the summary has one."""
        return next((s for s in self.sections if s.heading == heading), None)


# --- Reading the community's record ----------------------------------------------------------

@dataclass
class _Record:
    """Everything the summary draws on, read in a fixed number of queries."""

    links: list[CommunityOrganization]
    people: list[Membership]
    sessions: list[LiveSession]
    polls: dict[int, list[Poll]]
    poll_results: dict[int, dict]
    action_items: dict[int, list[ActionItem]]


def _held_sessions(community: Community, now: datetime) -> Select:
    return select(LiveSession.id).where(LiveSession.community_id == community.id,
                                        LiveSession.status != SessionStatus.CANCELLED,
                                        LiveSession.ends_at <= now)


def _read(community: Community, now: datetime) -> _Record:
    links = list(db.session.scalars(
        select(CommunityOrganization)
        .where(CommunityOrganization.community_id == community.id,
               CommunityOrganization.withdrawn_at.is_(None))
        .options(joinedload(CommunityOrganization.organization), raiseload("*"))))
    people = list(db.session.scalars(
        select(Membership)
        .where(Membership.community_id == community.id,
               Membership.role.in_([CommunityRole.FACILITATOR, CommunityRole.SME]))
        .options(joinedload(Membership.user).joinedload(User.organization), raiseload("*"))))
    sessions = list(db.session.scalars(
        select(LiveSession)
        .where(LiveSession.community_id == community.id,
               LiveSession.status != SessionStatus.CANCELLED)
        .options(raiseload("*"))
        .order_by(LiveSession.starts_at, LiveSession.id)))
    held = _held_sessions(community, now)
    # Only results the room was shown belong in a published summary.
    polls = list(db.session.scalars(
        select(Poll)
        .where(Poll.session_id.in_(held), Poll.results_revealed.is_(True),
               Poll.state != PollState.DRAFT)
        .options(selectinload(Poll.options), raiseload("*"))
        .order_by(Poll.position, Poll.id)))
    items = list(db.session.scalars(
        select(ActionItem).where(ActionItem.session_id.in_(held))
        .options(joinedload(ActionItem.organization), raiseload("*"))
        .order_by(ActionItem.created_at, ActionItem.id)))
    polls_by_session: dict[int, list[Poll]] = {}
    for poll in polls:
        polls_by_session.setdefault(poll.session_id, []).append(poll)
    items_by_session: dict[int, list[ActionItem]] = {}
    for item in items:
        items_by_session.setdefault(item.session_id, []).append(item)
    return _Record(links=links, people=people, sessions=sessions, polls=polls_by_session,
                   poll_results=results_of(polls), action_items=items_by_session)


def gather(community: Community, *, now: datetime | None = None) -> SeriesSummary:
    """The community's series summary from its own data, in seven queries however many
    sessions, polls and action items it has. Cancelled sessions are left out; only sessions
    that have ended count as held and have their record told."""
    now = now or utcnow()
    record = _read(community, now)
    held = [session for session in record.sessions if session.has_ended(now)]
    coming = [session for session in record.sessions if not session.has_ended(now)]
    short = community.kind.short_label
    sections = [
        Section(f"{short} description", paragraphs=_overview(community)),
        Section(f"{short} objectives", bullets=[_plain(o) for o in community.objectives]),
        Section("Intended outcomes", bullets=[_plain(o) for o in community.intended_outcomes]),
        Section("Participating states", paragraphs=_participants(record.links)),
        Section("Partners", bullets=[_plain(link.organization.name) for link in record.links
                                     if link.role is OrganizationRole.PARTNER]),
        Section("Duration and format", bullets=_duration(community, held, coming)),
        Section("Session topics", bullets=_topics(community, record.sessions)),
        *(_session_section(session, record) for session in held),
        Section("Facilitators and subject matter experts",
                bullets=_experts(community, record.people)),
    ]
    return SeriesSummary(title=summary_title(community),
                         sections=[section for section in sections if not section.is_empty])


def summary_title(community: Community) -> str:
    kind = ("P2P Exchange Series Summary" if community.kind is CommunityKind.P2P
            else "Community of Practice Summary")
    return f"{kind}: {community.title}"


# --- Sections --------------------------------------------------------------------------------

def _overview(community: Community) -> list[str]:
    paragraphs = [_plain(community.summary)] if community.summary.strip() else []
    return paragraphs + _blocks(community.description)


def _participants(links: list[CommunityOrganization]) -> list[str]:
    taking_part = [link.organization for link in links
                   if link.role is OrganizationRole.PARTICIPANT]
    states = sorted(_state_name(o) for o in taking_part if o.kind is OrganizationKind.SEA)
    others = sorted(o.name for o in taking_part if o.kind is not OrganizationKind.SEA)
    paragraphs = []
    if states:
        paragraphs.append(_plain(_series_of(states)))
    if others:
        paragraphs.append(_plain(f"Also taking part: {_series_of(others)}."))
    return paragraphs


def _state_name(organization: Organization) -> str:
    return organization.state_name or organization.name


def _duration(community: Community, held: list[LiveSession],
              coming: list[LiveSession]) -> list[str]:
    bullets = []
    timeframe = community.timeframe.strip() or _span(community.starts_on, community.ends_on)
    if timeframe:
        bullets.append(f"**Timeframe:** {_plain(timeframe)}")
    sessions = len(held) + len(coming)
    bullets.append(f"**Format:** {_plain(community.kind.label)}" + (
        f", {sessions} virtual session{'' if sessions == 1 else 's'}" if sessions else ""))
    if held:
        first, last = _session_day(held[0]), _session_day(held[-1])
        when = f"on {first}" if len(held) == 1 else f"from {first} to {last}"
        bullets.append(f"**Sessions held:** {len(held)}, {when}")
    if coming:
        bullets.append(f"**Sessions still to come:** {len(coming)}, the next on "
                       f"{_session_day(coming[0])}")
    return bullets


def _span(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on:
        return f"{strftime(starts_on, MONTH_FORMAT)} – {strftime(ends_on, MONTH_FORMAT)}"
    if starts_on:
        return f"From {strftime(starts_on, MONTH_FORMAT)}"
    return ""


def _topics(community: Community, sessions: list[LiveSession]) -> list[str]:
    if community.session_topics:
        return [_plain(topic) for topic in community.session_topics]
    return [_plain(session.label) for session in sessions]


def _session_section(session: LiveSession, record: _Record) -> Section:
    parts = [
        _agenda(session.agenda),
        # A draft summary is the facilitators' own until they publish it.
        Section("Summary and takeaways", paragraphs=_blocks(session.summary)
                if session.summary_published_at is not None else []),
        Section("Poll results", paragraphs=[
            _poll_result(poll, record.poll_results[poll.id])
            for poll in record.polls.get(session.id, [])]),
        Section("Action items", bullets=[
            _action_item(item) for item in record.action_items.get(session.id, [])]),
        Section("Resources shared", bullets=[
            _material(material) for material in session.materials
            if material.get("url") and material.get("label")]),
    ]
    return Section(_plain(session.label), paragraphs=[f"Held on {_session_day(session)}."],
                   subsections=[part for part in parts if not part.is_empty])


# Agenda lines that are list items: "1. **Welcome** (10 minutes)", "- Framing".
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])\s+(?P<text>\S.*)$")


def _agenda(agenda: str) -> Section:
    """The agenda's topics: its top-level list items, or its paragraphs if it has no list."""
    items = [match["text"].strip() for line in agenda.splitlines()
             if (match := _LIST_ITEM.match(line))]
    return Section("Agenda", bullets=items) if items else Section("Agenda",
                                                                  paragraphs=_blocks(agenda))


def _poll_result(poll: Poll, results: dict) -> str:
    voters = results["voters"]
    votes = {option["id"]: option["votes"] for option in results["options"]}
    answered = ("no one answered" if not voters
                else f"{voters} {'person' if voters == 1 else 'people'} answered")
    lines = [f"**{_plain(poll.question)}** ({poll.kind.label.lower()}; {answered})"]
    if voters:
        lines.append("\n".join(f"- {_plain(option.label)}: {votes.get(option.id, 0)} of {voters}"
                               for option in poll.options))
    return "\n\n".join(lines)


def _action_item(item: ActionItem) -> str:
    details = [_state_name(item.organization) if item.organization else "All states"]
    if item.due_on:
        details.append(f"due {strftime(item.due_on, DAY_FORMAT)}")
    details.append("done" if item.done_at is not None else "open")
    return f"{_plain(item.text)} ({_plain('; '.join(details))})"


def _material(material: dict) -> str:
    # Parentheses and spaces would end a Markdown link's address early.
    url = quote(str(material["url"]), safe=":/?#@!$&'*+,;=%~")
    return f"[{_plain(str(material['label']))}]({url})"


def _experts(community: Community, people: list[Membership]) -> list[str]:
    facilitators = sorted((m.user for m in people if m.role is CommunityRole.FACILITATOR),
                          key=lambda user: user.name)
    members = sorted((m.user for m in people if m.role is CommunityRole.SME),
                     key=lambda user: user.name)
    named = [expert.strip() for expert in community.subject_matter_experts if expert.strip()]
    # The community's page may already name an expert who also has an account here.
    experts = [_person(user) for user in members
               if not any(user.name in expert for expert in named)] + named
    return ([f"Facilitator: {_plain(_person(user))}" for user in facilitators]
            + [f"Subject matter expert: {_plain(expert)}" for expert in experts])


def _person(user: User) -> str:
    return f"{user.name}, {user.organization.name}"


def _session_day(session: LiveSession) -> str:
    return strftime(session.starts_at.astimezone(zone(session.time_zone)).date(), DAY_FORMAT)


def _series_of(names: list[str]) -> str:
    """"Arizona", "Arizona and Georgia", "Arizona, Georgia, and Utah"."""
    if len(names) < 3:
        return " and ".join(names)
    return f"{', '.join(names[:-1])}, and {names[-1]}"


# --- Markdown --------------------------------------------------------------------------------

# Characters that would turn plain text into formatting, links, code or HTML.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]])")
# What starts a block when it opens a line: a heading, a quote, a bullet or a rule, a number.
_BLOCK_START = re.compile(r"^([#>+-])")
_NUMBERED = re.compile(r"^(\d+)([.)])")
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _plain(text: str) -> str:
    """Plain text as Markdown that shows it as typed, on one line."""
    line = " ".join(text.split())
    line = _INLINE_MARKUP.sub(r"\\\1", line)
    line = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", line)
    line = _BLOCK_START.sub(r"\\\1", line)
    return _NUMBERED.sub(r"\1\\\2", line)


def _blocks(markdown: str) -> list[str]:
    """Markdown someone wrote, as blocks to place inside a section: its headings become
    level-four headings, so they sit under the summary's own, and fenced code stays whole."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in markdown.replace("\r\n", "\n").split("\n"):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening[1]
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None and _ATX_HEADING.match(line):
            line = _ATX_HEADING.sub("####", line.strip())
        if fence is None and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line.rstrip())
    if current:
        blocks.append("\n".join(current))
    return blocks


def to_markdown(summary: SeriesSummary) -> str:
    """The summary as the Markdown the facilitator edits: sections as level-two headings and
    their parts as level three. The title is not in it: it is the resource's title."""
    out: list[str] = []

    def write(section: Section, level: int) -> None:
        out.append(f"{'#' * level} {section.heading}")
        out.extend(section.paragraphs)
        if section.bullets:
            out.append("\n".join(f"- {bullet}" for bullet in section.bullets))
        for subsection in section.subsections:
            write(subsection, level + 1)

    for section in summary.sections:
        write(section, 2)
    return "\n\n".join(out) + "\n"
