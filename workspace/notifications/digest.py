"""Daily and weekly digests: what is new in a person's communities, sent by `flask digest send`.

A run covers a window of time (from where the last finished run of its cadence ended, to when it
began) and goes through everyone in batches of people, by id. Per batch it reads a fixed number
of things: the people, their memberships and their agencies' participation (so the policy's
Standings come from rows in hand, `Standing.known`), their email choices (`EmailChoices.load`),
and their unread notices of the window; what the communities published in the window is read
once per run. Each person's digest is then put together in Python with the policy's own rules
(`may_see_topic`, `may_read_post`, `may_see_resource`, `may_see_session`), asked now, at send
time: a state that withdrew gets nothing more from that community. The batch's digests go to
the outbox in one insert, and the batch commits together with the run's cursor, so a crashed run
picks up after the last person done and nobody gets the same digest twice (the outbox key
"digest:<cadence>:<run id>:<user id>" makes it certain).

A digest has a section per community the person reads and follows at this cadence (one of the
community's categories resolves to it: their own choice, else the facilitators' default, else
the workspace's): the busiest topics, blog posts out and resources added or shared in the window,
their own unread notices grouped like the centre ("3 new replies in ..."), the coming week's
sessions in the reader's time zone, and their state's action items due. Sessions and action items
alone make no digest: without anything new, nothing is sent.

Network staff reach every community, but a digest is about a person's own communities: staff
get sections only for the communities they are members of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app, url_for
from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload
from sqlalchemy.orm.attributes import set_committed_value

from workspace.auth.models import User
from workspace.blogs.models import BlogPost, PostState
from workspace.communities.models import (
    Community,
    CommunityOrganization,
    Membership,
    OrganizationRole,
)
from workspace.database import utcnow
from workspace.errors import Invalid
from workspace.extensions import db
from workspace.forums.models import Post, Topic
from workspace.mail.service import Email, queue_many
from workspace.notifications.digest_models import DigestRun
from workspace.notifications.email import digest_scope, external, links_context, render_email
from workspace.notifications.kinds import COMMUNITY_CATEGORIES, category_of, group_phrase
from workspace.notifications.models import Cadence, Category, Notification
from workspace.notifications.preferences import EmailChoices
from workspace.policy import Standing
from workspace.policy.blogs import may_read_post
from workspace.policy.forums import VISIBLE_TO_ALL_POSTS, may_see_topic, topic_visible_to_all
from workspace.policy.resources import may_see_resource
from workspace.policy.sessions import may_see_session
from workspace.resources.models import Audience, Resource
from workspace.sessions.action_models import ActionItem
from workspace.sessions.models import LiveSession, SessionStatus
from workspace.templating import local_path
from workspace.timezones import DEFAULT_TIME_ZONE, describe_span, strftime, zone

DIGESTS = (Cadence.DAILY, Cadence.WEEKLY)
FIRST_WINDOW = {Cadence.DAILY: timedelta(days=1), Cadence.WEEKLY: timedelta(days=7)}
DEFAULT_BATCH_SIZE = 500
HOLD = timedelta(minutes=15)  # far longer than a batch takes; renewed after each one
TOP_TOPICS = 5
AHEAD = timedelta(days=7)  # sessions and action items due this far ahead


# --- What the communities published in the window: read once per run -------------------------

@dataclass
class Content:
    """A run's communities and what is new or coming in them, detached from the session so
    the batches' commits leave it loaded (links built once, not per reader)."""

    communities: dict[int, Community]
    community_urls: dict[int, str]
    topics: dict[int, list[tuple[Topic, int]]]  # busiest first: (topic, new posts)
    posts: dict[int, list[BlogPost]]
    resources: dict[int, list[Resource]]
    sessions: dict[int, list[LiveSession]]
    action_items: dict[int, list[ActionItem]]
    links: dict[tuple[str, int], str]

    @classmethod
    def load(cls, start: datetime, end: datetime, now: datetime) -> Content:
        communities = {community.id: community
                       for community in db.session.scalars(select(Community))}
        new_posts = (select(Post.topic_id, func.count(Post.id).label("new_posts"))
                     .where(Post.created_at >= start, Post.created_at < end,
                            *VISIBLE_TO_ALL_POSTS)
                     .group_by(Post.topic_id).subquery())
        topics: dict[int, list[tuple[Topic, int]]] = defaultdict(list)
        for topic, count in db.session.execute(
                select(Topic, new_posts.c.new_posts)
                .join(new_posts, new_posts.c.topic_id == Topic.id)
                .where(Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))
                .order_by(new_posts.c.new_posts.desc(), Topic.last_posted_at.desc())
                .options(raiseload("*"))):
            topics[topic.community_id].append((topic, count))
        posts: dict[int, list[BlogPost]] = defaultdict(list)
        for post in db.session.scalars(
                select(BlogPost).where(BlogPost.state == PostState.PUBLISHED,
                                       BlogPost.publish_at >= start, BlogPost.publish_at < end,
                                       BlogPost.publish_at <= now)
                .order_by(BlogPost.publish_at).options(raiseload("*"))):
            posts[post.community_id].append(post)
        resources: dict[int, list[Resource]] = defaultdict(list)
        for resource in db.session.scalars(
                select(Resource).where(
                    Resource.deleted_at.is_(None), Resource.hidden_at.is_(None),
                    or_(and_(Resource.created_at >= start, Resource.created_at < end),
                        and_(Resource.shared_at >= start, Resource.shared_at < end)))
                .order_by(Resource.created_at).options(raiseload("*"))):
            resources[resource.community_id].append(resource)
        sessions: dict[int, list[LiveSession]] = defaultdict(list)
        for session in db.session.scalars(
                select(LiveSession).where(LiveSession.starts_at >= now,
                                          LiveSession.starts_at < now + AHEAD,
                                          LiveSession.status != SessionStatus.CANCELLED)
                .order_by(LiveSession.starts_at).options(raiseload("*"))):
            sessions[session.community_id].append(session)
        items: dict[int, list[ActionItem]] = defaultdict(list)
        for item in db.session.scalars(
                select(ActionItem).where(ActionItem.done_at.is_(None),
                                         ActionItem.due_on.is_not(None),
                                         ActionItem.due_on <= (now + AHEAD).date())
                .order_by(ActionItem.due_on, ActionItem.id).options(raiseload("*"))):
            items[item.community_id].append(item)
        content = cls(communities, {}, topics, posts, resources, sessions, items, {})
        content._attach_communities()
        content._build_links()
        # Detached, they keep what was loaded through every batch's commit and expunge.
        db.session.expunge_all()
        return content

    def _attach_communities(self) -> None:
        # The rules read `thing.community`; set it from the communities in hand (no query),
        # the way a many-to-one load from the identity map would.
        def attach(things: Iterable[Any]) -> None:
            for thing in things:
                set_committed_value(thing, "community", self.communities[thing.community_id])

        for by_community in (self.posts, self.resources, self.sessions):
            for things in by_community.values():
                attach(things)
        for pairs in self.topics.values():
            attach(topic for topic, _ in pairs)

    def _build_links(self) -> None:
        links = self.links
        for community in self.communities.values():
            self.community_urls[community.id] = url_for("communities.show", slug=community.slug,
                                                        _external=True)
        for pairs in self.topics.values():
            for topic, _ in pairs:
                links["topic", topic.id] = url_for("forums.topic", slug=topic.community.slug,
                                                   topic_id=topic.id, _external=True)
        for posts in self.posts.values():
            for post in posts:
                links["post", post.id] = url_for("blogs.post", slug=post.community.slug,
                                                 post_id=post.id, _external=True)
        for resources in self.resources.values():
            for resource in resources:
                links["resource", resource.id] = url_for("resources.show",
                                                         resource_id=resource.id,
                                                         _external=True)
        for sessions in self.sessions.values():
            for session in sessions:
                links["session", session.id] = url_for("sessions.show",
                                                       slug=session.community.slug,
                                                       session_id=session.id, _external=True)
        for community_id, items in self.action_items.items():
            slug = self.communities[community_id].slug
            for item in items:
                links["action_item", item.id] = url_for("sessions.show", slug=slug,
                                                        session_id=item.session_id,
                                                        _external=True)


# --- One batch of people, read in a fixed number of queries ----------------------------------

@dataclass
class Batch:
    people: list[User]
    memberships: dict[int, list[Membership]]  # by person
    links: dict[tuple[int, int], CommunityOrganization]  # by (organization, community)
    choices: EmailChoices
    notices: dict[int, list[Notification]]  # by person: unread, new in the window

    @property
    def last_user_id(self) -> int:
        return self.people[-1].id

    @classmethod
    def load(cls, after_user_id: int, size: int, start: datetime, end: datetime,
             community_ids: Iterable[int]) -> Batch | None:
        """The next `size` people with working accounts after this id, and what is theirs."""
        people = list(db.session.scalars(
            select(User).where(User.id > after_user_id, User.is_deactivated.is_(False),
                               User.password_hash.is_not(None))
            .order_by(User.id).limit(size).options(raiseload("*"))))
        if not people:
            return None
        ids = [person.id for person in people]
        memberships: dict[int, list[Membership]] = defaultdict(list)
        for membership in db.session.scalars(
                select(Membership).where(Membership.user_id.in_(ids))
                .order_by(Membership.id).options(raiseload("*"))):
            memberships[membership.user_id].append(membership)
        links = {(link.organization_id, link.community_id): link for link in db.session.scalars(
            select(CommunityOrganization).where(
                CommunityOrganization.organization_id.in_(
                    sorted({person.organization_id for person in people})),
                CommunityOrganization.role == OrganizationRole.PARTICIPANT,
                CommunityOrganization.withdrawn_at.is_(None)).options(raiseload("*")))}
        notices: dict[int, list[Notification]] = defaultdict(list)
        for notice in db.session.scalars(
                select(Notification).where(Notification.user_id.in_(ids),
                                           Notification.read_at.is_(None),
                                           Notification.created_at >= start,
                                           Notification.created_at < end)
                .order_by(Notification.id).options(raiseload("*"))):
            notices[notice.user_id].append(notice)
        return cls(people, memberships, links, EmailChoices.load(ids, community_ids), notices)


# --- One person's digest -----------------------------------------------------------------------

@dataclass
class Item:
    title: str
    url: str = ""
    note: str = ""  # "4 new posts", "For your state's team", a session's time, a due date


@dataclass
class Section:
    """What one community has for the reader."""

    title: str
    url: str
    for_you: list[Item] = field(default_factory=list)
    topics: list[Item] = field(default_factory=list)
    posts: list[Item] = field(default_factory=list)
    resources: list[Item] = field(default_factory=list)
    sessions: list[Item] = field(default_factory=list)
    action_items: list[Item] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return bool(self.for_you or self.topics or self.posts or self.resources)

    @property
    def is_empty(self) -> bool:
        return not (self.has_news or self.sessions or self.action_items)


@dataclass
class Digest:
    person: User
    cadence: Cadence
    time_zone: str
    for_you: list[Item]  # notices about no community in particular
    sections: list[Section]

    @property
    def has_news(self) -> bool:
        """Only what is new makes a digest: the coming sessions and due items alone do not."""
        return bool(self.for_you) or any(section.has_news for section in self.sections)

    @property
    def subject(self) -> str:
        if not self.sections:
            return f"Your {self.cadence.value} digest: what's new for you"
        what = (self.sections[0].title if len(self.sections) == 1
                else f"{len(self.sections)} of your communities")
        return f"Your {self.cadence.value} digest: what's new in {what}"


def digest_of(person: User, batch: Batch, content: Content, cadence: Cadence,
              now: datetime) -> Digest:
    """What this person's digest holds, the policy asked now for every line."""
    choices = batch.choices
    time_zone = reader_zone_name(person)
    today = now.astimezone(zone(time_zone)).date()
    notices: dict[int | None, list[Notification]] = defaultdict(list)
    for notice in batch.notices.get(person.id, ()):
        if choices.cadence(person.id, category_of(notice.kind), notice.community_id) is cadence:
            notices[notice.community_id].append(notice)
    memberships = {membership.community_id: membership
                   for membership in batch.memberships.get(person.id, ())}
    sections: list[tuple[str, Section]] = []
    for community_id in memberships.keys() | {key for key in notices if key is not None}:
        community = content.communities.get(community_id)
        if community is None:
            continue
        standing = Standing.known(person, community, memberships.get(community_id),
                                  batch.links.get((person.organization_id, community_id)))
        if not standing.reads:
            continue  # their agency withdrew, or they left: nothing more from it
        # Only the communities they are in are followed; notices may come from others (staff).
        follows = {category for category in COMMUNITY_CATEGORIES
                   if choices.cadence(person.id, category, community_id) is cadence} if (
            community_id in memberships) else set()
        section = _section(person, standing, content, choices, follows,
                           notices.get(community_id, []), time_zone, today)
        if not section.is_empty and (follows or section.for_you):
            sections.append((community.title.casefold(), section))
    sections.sort(key=lambda pair: pair[0])
    return Digest(person, cadence, time_zone, _grouped(notices.get(None, [])),
                  [section for _, section in sections])


def _section(person: User, standing: Standing, content: Content, choices: EmailChoices,
             follows: set[Category], notices: list[Notification], time_zone: str,
             today: date) -> Section:
    community = standing.community
    links = content.links
    section = Section(community.title, content.community_urls[community.id],
                      for_you=_grouped(notices))
    if Category.DISCUSSIONS in follows:
        busiest = [(topic, count) for topic, count in content.topics.get(community.id, ())
                   if topic_visible_to_all(topic) and may_see_topic(person, topic, standing)]
        section.topics = [Item(topic.title, links["topic", topic.id], _count(count, "new post"))
                          for topic, count in busiest[:TOP_TOPICS]]
    if Category.BLOGS in follows:
        section.posts = [Item(post.title, links["post", post.id], post.summary)
                         for post in content.posts.get(community.id, ())
                         if may_read_post(person, post, standing)]
    if Category.RESOURCES in follows:
        section.resources = [
            Item(resource.title, links["resource", resource.id],
                 "For your state's team only" if resource.audience is Audience.STATE else "")
            for resource in content.resources.get(community.id, ())
            if may_see_resource(person, resource, standing)]
    if not follows:
        return section
    # The coming week and what is due come with the news, unless the person turned them off.
    if choices.cadence(person.id, Category.SESSIONS, community.id) is not Cadence.OFF:
        reader = zone(time_zone)
        section.sessions = [
            Item(session.label, links["session", session.id],
                 describe_span(session.starts_at, session.ends_at, time_zone, reader).session_text)
            for session in content.sessions.get(community.id, ())
            if may_see_session(person, session, standing)]
    if choices.cadence(person.id, Category.ACTION_ITEMS, community.id) is not Cadence.OFF:
        section.action_items = [
            Item(item.text, links["action_item", item.id], _due(item.due_on, today))
            for item in content.action_items.get(community.id, ())
            if item.due_on is not None and (
                item.owner_id == person.id
                or (item.organization_id is not None
                    and item.organization_id == person.organization_id))]
    return section


def _grouped(notices: Sequence[Notification]) -> list[Item]:
    """Notices grouped like the centre's: one kind in one thread is one line ("3 new replies in
    ..."), newest first; a notice alone reads as itself."""
    groups: dict[tuple[str, str], list[Notification]] = {}
    for notice in notices:
        key = ((notice.kind.value, notice.thread_key) if notice.thread_key
               else ("alone", str(notice.id)))
        groups.setdefault(key, []).append(notice)
    items: list[tuple[int, Item]] = []
    for group in groups.values():
        latest = group[-1]
        title = (latest.message if len(group) == 1
                 else f"{group_phrase(latest.kind, len(group))} in {latest.thread_title}")
        url = external(latest.link) if local_path(latest.link) else ""
        items.append((latest.id, Item(title, url)))
    return [item for _, item in sorted(items, key=lambda pair: -pair[0])]


def _count(count: int, what: str) -> str:
    return f"1 {what}" if count == 1 else f"{count} {what}s"


def _due(due_on: date, today: date) -> str:
    day = strftime(due_on, "%A, %B %-d")
    return f"Overdue: it was due {day}" if due_on < today else f"Due {day}"


def reader_zone_name(person: User) -> str:
    """The person's own time zone, or the network's when theirs is unknown."""
    try:
        zone(person.time_zone)
    except Invalid:
        return DEFAULT_TIME_ZONE
    return person.time_zone


# --- Rendering and queueing a batch's digests ------------------------------------------------

def _render(digest: Digest, key: str) -> Email:
    return render_email(digest.person, digest_scope(digest.cadence), subject=digest.subject,
                        template="digest", key=key, digest=digest)


# --- The run -----------------------------------------------------------------------------------

@dataclass
class DigestReport:
    cadence: Cadence
    run_id: int | None  # None: a dry run that would have started a new one
    window_start: datetime
    window_end: datetime
    resumed: bool
    dry_run: bool
    people: int = 0
    emails: int = 0
    batches: int = 0


def send_digests(cadence: Cadence, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 dry_run: bool = False, now: datetime | None = None) -> DigestReport:
    """Send this cadence's digests for the window since the last run, or finish a run that
    stopped part way (commits per batch). A dry run writes nothing and says what it would do."""
    if cadence not in DIGESTS:
        raise Invalid("Digests are daily or weekly.", field="cadence")
    if batch_size < 1:
        raise Invalid("A batch holds at least one person.", field="batch_size")
    # An app context of its own is a database session of its own: the run's commits and
    # expunges, batch after batch, leave the caller's objects alone.
    with current_app.app_context():
        return _send(cadence, batch_size, dry_run, now or utcnow())


class RunUnderWay(Invalid):
    """Another invocation is sending this cadence's digest right now."""


def _send(cadence: Cadence, batch_size: int, dry_run: bool, now: datetime) -> DigestReport:
    run, resumed = _run_to_do(cadence, now)
    if not dry_run:
        _hold(run, now)
    report = DigestReport(cadence, run.id, run.window_start, run.window_end, resumed, dry_run)
    start, end, cursor = run.window_start, run.window_end, run.cursor_user_id
    try:
        with links_context():
            content = Content.load(start, end, now)
            for batch in _batches(cursor, batch_size, start, end, content):
                rows = [_render(digest, digest_key(cadence, report.run_id, person.id))
                        for person in batch.people
                        if not batch.choices.is_paused(person.id)
                        and (digest := digest_of(person, batch, content, cadence, now)).has_news]
                emails = len(rows) if dry_run else queue_many(rows)
                cursor = batch.last_user_id
                report.people += len(batch.people)
                report.emails += emails
                report.batches += 1
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.execute(update(DigestRun).where(DigestRun.id == report.run_id)
                                       .values(cursor_user_id=cursor,
                                               people=DigestRun.people + len(batch.people),
                                               emails=DigestRun.emails + emails,
                                               held_until=utcnow() + HOLD))
                    db.session.commit()
                db.session.expunge_all()  # memory stays flat: the batch is done with
        if not dry_run:
            db.session.execute(update(DigestRun).where(DigestRun.id == report.run_id)
                               .values(finished_at=utcnow(), held_until=None))
            db.session.commit()
    except BaseException:
        db.session.rollback()  # the batch under way is dropped; the next run redoes it
        if not dry_run:  # and the next invocation needn't wait for the hold to run out
            db.session.execute(update(DigestRun).where(DigestRun.id == report.run_id)
                               .values(held_until=None))
            db.session.commit()
        raise
    return report


def _hold(run: DigestRun, now: datetime) -> None:
    """Start the run, or take over the one that stopped, unless another invocation holds it."""
    under_way = RunUnderWay(f"Another {run.cadence.value} digest run is under way; nothing "
                            "was sent. Try again once it has finished.")
    if run.id is None:
        run.held_until = now + HOLD
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:  # another invocation started a run a moment ago
            db.session.rollback()
            raise under_way from None
        return
    taken = cast(CursorResult[Any], db.session.execute(
        update(DigestRun).where(DigestRun.id == run.id, or_(DigestRun.held_until.is_(None),
                                                            DigestRun.held_until < now))
        .values(held_until=now + HOLD)))
    db.session.commit()
    if taken.rowcount != 1:
        raise under_way


def digest_key(cadence: Cadence, run_id: int | None, user_id: int) -> str:
    """The outbox key of one person's digest of one run: it is queued once, whatever happens."""
    return f"digest:{cadence.value}:{run_id}:{user_id}"


def _batches(after_user_id: int, size: int, start: datetime, end: datetime,
             content: Content) -> Iterator[Batch]:
    while (batch := Batch.load(after_user_id, size, start, end, content.communities)) is not None:
        after_user_id = batch.last_user_id  # read now: the caller commits and lets go of them
        yield batch


def _run_to_do(cadence: Cadence, now: datetime) -> tuple[DigestRun, bool]:
    """The run that stopped part way, to finish; else a new one from where the last ended."""
    latest = db.session.scalar(select(DigestRun).where(DigestRun.cadence == cadence)
                               .order_by(DigestRun.window_end.desc(), DigestRun.id.desc())
                               .limit(1))
    if latest is not None and latest.finished_at is None:
        return latest, True
    start = latest.window_end if latest is not None else now - FIRST_WINDOW[cadence]
    return DigestRun(cadence=cadence, window_start=start, window_end=max(start, now),
                     started_at=now, cursor_user_id=0, people=0, emails=0), False
