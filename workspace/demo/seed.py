"""Load the demo catalogue, accounts and forum through the app's own services, once.

Everything is made the way people make it in the app: staff add organizations and communities
and invite people, who accept; writers start topics and reply; readers react. So the demo shows
what the app really does (rendered Markdown, mentions, watching, read marks, notifications,
email in the outbox) and cannot drift from it. Safe to run again: what exists is left alone.
Each service commits its own step, so an interrupted run keeps what it finished and the next
run adds the rest.

The documents' communities are the network's history, dated as they were; the few running now,
their participants, the forum and the blogs are dated relative to the day of loading ("6 weeks
ago"), so a newcomer always finds a live network. The libraries' files and the blogs' images are
made as they are loaded, and the libraries' previews drawn before the seed finishes, so the demo
shows thumbnails at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, has_request_context
from sqlalchemy import select

# Every model mapped first: the forum's pages configure the mappers as they are imported, and
# the blog's images reach the library's models, which name the sessions'.
from workspace import models, timezones  # noqa: F401
from workspace.announcements.models import Announcement
from workspace.announcements.service import save_announcement
from workspace.auth import service as accounts
from workspace.auth.models import User
from workspace.blogs import comments as blog_comments
from workspace.blogs import images as blog_images
from workspace.blogs import service as blogs
from workspace.blogs.models import BlogPost
from workspace.communities import service as communities
from workspace.communities.models import (
    Community,
    CommunityKind,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Membership,
    OrganizationRole,
)
from workspace.database import utcnow
from workspace.demo.files import make_file
from workspace.extensions import db
from workspace.files.catalog import remember
from workspace.files.intake import Received, receive_bytes
from workspace.files.storage import storage
from workspace.forums import moderation as forum_moderation
from workspace.forums import pages as forum_pages
from workspace.forums import service as forums
from workspace.forums.models import ForumCategory, Post, ReactionKind, Topic
from workspace.jobs import queue
from workspace.organizations.models import Organization, OrganizationKind
from workspace.organizations.service import save_organization
from workspace.policy import blogs as blog_policy
from workspace.resources import curation, summaries
from workspace.resources import service as library
from workspace.resources.models import Collection, Resource
from workspace.sessions import polls
from workspace.sessions import service as sessions
from workspace.sessions.models import LiveSession

DEMO_FOLDER = Path(__file__).parent


@dataclass
class SeedReport:
    organizations: int = 0
    communities: int = 0
    people: int = 0
    announcements: int = 0
    forum_topics: int = 0
    sessions: int = 0
    resources: int = 0
    blog_posts: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


def load_yaml(name: str) -> Any:
    return yaml.safe_load((DEMO_FOLDER / name).read_text(encoding="utf-8"))


def seed_demo(password: str, *, today: date | None = None) -> SeedReport:
    """Create whatever of the demo data is missing, through the services, and say what was added."""
    report = SeedReport()
    when = Calendar(today or utcnow().date())
    catalogue = load_yaml("catalogue.yaml")
    people = load_yaml("people.yaml")["people"]
    with _links_buildable():
        staff = _first_staff(people, catalogue["organizations"], password, report)
        organizations = _seed_organizations(staff, catalogue["organizations"], report)
        _seed_communities(staff, catalogue["communities"], organizations, when, report)
        _seed_announcements(staff, catalogue.get("announcements", []), when, report)
        _seed_people(staff, people, organizations, password, report)
        _seed_forum(load_yaml("forum.yaml"), when, report)
        _seed_sessions(load_yaml("sessions.yaml")["series"], when, report)
        _seed_libraries(load_yaml("library.yaml")["libraries"], when, report)
        _seed_blogs(load_yaml("blog.yaml")["blogs"], when, report)
    # The previews their uploads queued, drawn now rather than by a worker started later. Each
    # job has a session of its own: this one's reads end first (SQLite lets one writer in).
    db.session.commit()
    queue.run_pending()
    return report


# "6 weeks ago", "in 22 weeks", "3 days ago at 14:30" (UTC).
_RELATIVE = re.compile(r"(?P<ahead>in )?(?P<count>\d+) (?P<unit>day|week)s?(?P<ago> ago)?"
                       r"(?: at (?P<hour>\d{1,2}):(?P<minute>\d\d))?")
NOON = time(12)


@dataclass(frozen=True)
class Calendar:
    """Reads the data files' dates: ISO for history, relative to `today` for the present."""

    today: date

    def _relative(self, value: Any) -> tuple[date, time] | None:
        found = _RELATIVE.fullmatch(str(value).strip())
        if found is None or bool(found["ahead"]) == bool(found["ago"]):
            return None
        days = int(found["count"]) * (7 if found["unit"] == "week" else 1)
        day = self.today + timedelta(days=days if found["ahead"] else -days)
        return day, time(int(found["hour"]), int(found["minute"])) if found["hour"] else NOON

    def day(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        relative = self._relative(value)
        return relative[0] if relative else date.fromisoformat(str(value))

    def moment(self, value: Any) -> datetime | None:
        """A time as written (UTC unless it says otherwise); a day alone is taken at noon."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        relative = self._relative(value)
        if relative is not None:
            return datetime.combine(*relative, tzinfo=UTC)
        if isinstance(value, date) or len(str(value)) == len("2019-05-06"):
            return datetime.combine(self.day(value) or self.today, NOON, tzinfo=UTC)
        return self.moment(datetime.fromisoformat(str(value)))


@contextmanager
def _links_buildable() -> Iterator[None]:
    # Services write links into notifications and posts with url_for, which outside a request
    # needs SERVER_NAME and even then builds full addresses, where the app keeps paths (a blog
    # post's images must be the app's own paths to pass the sanitizer). A command (`flask
    # seed-demo`) has no request, so it gets one to "/".
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/"):
        yield


def _first_staff(people: list[dict[str, Any]], organizations: dict[str, Any], password: str,
                 report: SeedReport) -> User:
    """The demo's network staff member: every later step is theirs to take."""
    entry = next(person for person in people if person.get("network_staff"))
    existing = accounts.user_by_email(entry["email"])
    if existing is not None:
        return existing
    home = next(partner for partner in organizations.get("partners", [])
                if entry["organization"] in (partner["name"], partner["short_name"]))
    # The demo's people haven't confirmed their zones: whoever signs in as one is asked, once.
    staff = accounts.create_first_staff(
        email=entry["email"], name=entry["name"], title=entry.get("title", ""),
        time_zone=entry.get("time_zone", "America/New_York"), password=password,
        organization_name=home["name"], organization_short_name=home["short_name"],
        partner_type=home.get("kind") or "network", zone_chosen=False)
    report.people += 1
    report.organizations += 1
    return staff


def _seed_organizations(staff: User, data: dict[str, Any],
                        report: SeedReport) -> dict[str, Organization]:
    """Organizations keyed by every name the data files use for them (code, short name)."""
    existing = {o.name: o for o in db.session.scalars(select(Organization))}
    by_key: dict[str, Organization] = {}

    def add(name: str, kind: OrganizationKind, short_name: str, *, state_code: str = "",
            state_name: str = "", partner_type: str = "") -> Organization:
        organization = existing.get(name)
        if organization is None:
            organization = save_organization(
                staff, None, kind=kind, name=name, short_name=short_name, state_code=state_code,
                state_name=state_name, partner_type=partner_type, website="")
            existing[name] = organization
            report.organizations += 1
        return organization

    for sea in data["seas"]:  # before the districts, which are placed under their state's
        by_key[sea["code"]] = add(sea["name"], OrganizationKind.SEA, sea["code"],
                                  state_code=sea["code"], state_name=sea["state"])
    for lea in data.get("leas", []):
        by_key[lea["short_name"]] = add(lea["name"], OrganizationKind.LEA, lea["short_name"],
                                        state_code=lea["state"])
    for partner in data.get("partners", []):
        organization = add(partner["name"], OrganizationKind.PARTNER, partner["short_name"],
                           partner_type=partner.get("kind") or "")
        by_key[partner["short_name"]] = by_key[partner["name"]] = organization
    return by_key


def _seed_communities(staff: User, data: list[dict[str, Any]],
                      organizations: dict[str, Organization], when: Calendar,
                      report: SeedReport) -> None:
    existing = set(db.session.scalars(select(Community.slug)))
    for entry in data:
        if entry["slug"] in existing:
            continue
        community = communities.save_community(staff, None, communities.CommunityFields(
            title=entry["title"], slug=entry["slug"], kind=CommunityKind(entry["kind"]),
            status=CommunityStatus(entry["status"]), timeframe=entry.get("timeframe") or "",
            starts_on=when.day(entry.get("starts_on")), ends_on=when.day(entry.get("ends_on")),
            summary=entry.get("summary") or "", description=entry.get("description") or "",
            objectives=entry.get("objectives") or [],
            intended_outcomes=entry.get("intended_outcomes") or [],
            session_topics=entry.get("session_topics") or [], topics=entry.get("topics") or [],
            subject_matter_experts=entry.get("subject_matter_experts") or [],
            recruiting_note=entry.get("recruiting_note") or "", capacity=entry.get("capacity")))
        # Agencies took part from when they joined (or the start), not from the day of loading.
        joined = when.moment(entry.get("joined_on") or entry.get("starts_on"))
        for role, keys in ((OrganizationRole.PARTICIPANT, entry.get("participants")),
                           (OrganizationRole.PARTNER, entry.get("partners"))):
            for key in keys or []:
                communities.add_organization(staff, community, organizations[key], role=role,
                                             joined_at=joined)
        report.communities += 1


def _seed_announcements(staff: User, data: list[dict[str, Any]], when: Calendar,
                        report: SeedReport) -> None:
    existing = set(db.session.scalars(select(Announcement.title)))
    for entry in data:
        if entry["title"] in existing:
            continue
        save_announcement(staff, None, title=entry["title"], byline=entry.get("byline") or "",
                          body=entry["body"], publish=True,
                          published_at=when.moment(entry.get("published_on")))
        report.announcements += 1


def _seed_people(staff: User, data: list[dict[str, Any]], organizations: dict[str, Organization],
                 password: str, report: SeedReport) -> None:
    """Staff invite each person (into their first community), who accepts; then the rest."""
    by_slug = {c.slug: c for c in db.session.scalars(select(Community))}
    for entry in data:
        report.accounts.append((entry["email"], entry["name"]))
        roles = [(by_slug[slug], CommunityRole(role))
                 for slug, role in (entry.get("communities") or {}).items()]
        user = accounts.user_by_email(entry["email"])
        if user is None:
            first, role = roles[0] if roles else (None, None)
            invitation = accounts.invite(staff, email=entry["email"], name=entry["name"],
                                         organization=organizations[entry["organization"]],
                                         community=first, role=role)
            if isinstance(invitation, Membership):  # only for someone who has an account
                raise LookupError(f"{entry['email']} has an account after all")
            user = accounts.accept_invitation(
                accounts.invitation_token(invitation), name=entry["name"],
                title=entry.get("title", ""), phone="",
                time_zone=entry.get("time_zone", "America/New_York"),
                password=password, confirm=password, zone_chosen=False)  # as for the staff
            report.people += 1
        if entry.get("network_staff") and not user.is_network_staff:
            accounts.update_person(staff, user, name=user.name, title=user.title,
                                   phone=user.phone, time_zone=user.time_zone,
                                   organization=user.organization, is_network_staff=True)
        joined = set(db.session.scalars(select(Membership.community_id).where(
            Membership.user_id == user.id)))
        for community, role in roles:
            if community.id not in joined:
                communities.add_member(staff, community, user, role=role)
        for slug in entry.get("contact_for") or []:
            link = db.session.scalar(select(CommunityOrganization).where(
                CommunityOrganization.community_id == by_slug[slug].id,
                CommunityOrganization.organization_id == user.organization_id))
            if link is not None and link.contact_id is None:
                communities.add_organization(staff, by_slug[slug], user.organization,
                                             role=link.role, contact=user)


def _seed_forum(data: dict[str, Any], when: Calendar, report: SeedReport) -> None:
    """A few discussions in one community's forum, written by its people, in order."""
    community = db.session.scalar(select(Community).where(Community.slug == data["community"]))
    if community is None:
        return
    categories = {c.name: c for c in forum_pages.categories_of(community)}
    existing = set(db.session.scalars(select(Topic.title).where(
        Topic.community_id == community.id)))
    for entry in data["topics"]:
        if entry["title"] in existing:
            continue
        _seed_topic(categories[entry["category"]], entry, when)
        report.forum_topics += 1


def _written_at(value: Any, when: Calendar) -> datetime:
    moment = when.moment(value)
    if moment is None or moment > utcnow():
        raise ValueError(f"the demo dates something {value!r}: it is all written in the past")
    return moment


def _seed_topic(category: ForumCategory, entry: dict[str, Any], when: Calendar) -> None:
    author = _person(entry["author"])
    topic = forums.start_topic(author, category, title=entry["title"], body=entry["body"],
                               written_at=_written_at(entry["at"], when))
    posts = [db.session.get_one(Post, topic.last_post_id)]
    for item in entry.get("replies", []):
        quoted = posts[item["quotes"]] if "quotes" in item else None
        posts.append(forums.reply(_person(item["author"]), topic, body=item["body"],
                                  quoted_post=quoted,
                                  written_at=_written_at(item["at"], when)))
    for post, item in zip(posts, [entry, *entry.get("replies", [])], strict=True):
        for kind, emails in (item.get("reactions") or {}).items():
            for email in emails:
                forums.toggle_reaction(_person(email), post, ReactionKind(kind))
    if "answer" in entry:
        forums.mark_answer(author, posts[entry["answer"]])
    if entry.get("pinned"):  # pinned by its author, a facilitator
        forum_moderation.pin_topic(author, topic, pinned=True)


def _seed_sessions(data: list[dict[str, Any]], when: Calendar, report: SeedReport) -> None:
    """Each series' sessions, scheduled by its facilitator (or staff) through the service."""
    for series in data:
        community = db.session.scalar(select(Community).where(
            Community.slug == series["community"]))
        if community is None:
            continue
        existing = set(db.session.scalars(select(LiveSession.title).where(
            LiveSession.community_id == community.id)))
        author = _person(series["scheduled_by"])
        for entry in series["sessions"]:
            if entry["title"] in existing:
                continue
            plan = _session_plan(entry, series, when)
            # Scheduled a month ahead, as facilitators do (and never later than now).
            first_start = timezones.to_utc(plan.day, plan.starts, plan.time_zone, field="starts")
            session = sessions.schedule(author, community, plan,
                                        repeat=_repeat_plan(entry.get("repeat")),
                                        written_at=min(utcnow() - timedelta(hours=1),
                                                       first_start - timedelta(days=30)))
            report.sessions += len(session.repeat.sessions) if session.repeat else 1
            for poll in entry.get("polls") or []:
                polls.create_poll(author, session, question=poll["question"],
                                  kind=poll["kind"], options=poll["options"])
            for email, choice in (entry.get("rsvps") or {}).items():
                sessions.answer(_person(email), session, choice)


def _session_plan(entry: dict[str, Any], series: dict[str, Any],
                  when: Calendar) -> sessions.Plan:
    zone_name = series["time_zone"]
    if entry.get("open_now"):  # begun 20 minutes ago, 90 minutes long, in the series' zone
        start = (utcnow() - timedelta(minutes=20)).astimezone(timezones.zone(zone_name))
        start -= timedelta(minutes=start.minute % 5)  # a time people would pick
        day, starts, ends = start.date(), start.time(), (start + timedelta(minutes=90)).time()
    else:
        day = when.day(entry["day"]) or when.today
        if "weekday" in entry:  # "in 14 days" on a Tuesday: the first Tuesday from then
            weekday = _WEEKDAYS.index(entry["weekday"].lower())
            day += timedelta(days=(weekday - day.weekday()) % 7)
        starts, ends = time.fromisoformat(entry["starts"]), time.fromisoformat(entry["ends"])
    return sessions.Plan(
        title=entry["title"], number=entry.get("number"), day=day,
        starts=starts.replace(second=0, microsecond=0), ends=ends.replace(second=0,
                                                                          microsecond=0),
        time_zone=zone_name, agenda=entry.get("agenda", ""), prework=entry.get("prework", ""),
        objectives="\n".join(entry.get("objectives") or []),
        call_url=entry.get("call_url", ""))


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _repeat_plan(data: dict[str, Any] | None) -> sessions.RepeatPlan | None:
    if not data:
        return None
    return sessions.RepeatPlan(frequency=data["frequency"], count=data.get("count"))


def _seed_libraries(data: list[dict[str, Any]], when: Calendar, report: SeedReport) -> None:
    """Each community's library as its people built it: files uploaded and links added, a
    state team's draft, newer versions, what was published, the series summary, collections."""
    for entry in data:
        community = db.session.scalar(select(Community).where(
            Community.slug == entry["community"]))
        if community is None:
            continue
        curator = _person(entry["curator"])
        for item in entry.get("resources") or []:
            resource = _library_resource(community, item["title"])
            if resource is None:
                resource = _add_resource(community, item, when)
                report.resources += 1
            _add_versions(resource, item, when)
            _publish(curator, resource, item)
        if "summary" in entry:
            report.resources += _seed_summary(curator, community, entry["summary"], when)
        for item in entry.get("collections") or []:
            _seed_collection(curator, community, item)


def _library_resource(community: Community, title: str) -> Resource | None:
    return db.session.scalar(select(Resource).where(
        Resource.community_id == community.id, Resource.title == title,
        Resource.deleted_at.is_(None)).order_by(Resource.id).limit(1))


def _made_upload(spec: dict[str, Any], title: str, written_at: datetime) -> library.Upload:
    """The file library.yaml describes, made now, stored and remembered like an upload."""
    data = make_file(spec, title=title, made_on=written_at.date(),
                     network_name=current_app.config["NETWORK_NAME"])
    received = receive_bytes(data, spec["name"], storage=storage())
    return library.Upload(file=remember(received), filename=received.filename, title=title)


def _add_resource(community: Community, item: dict[str, Any], when: Calendar) -> Resource:
    author = _person(item["author"])
    written_at = _written_at(item["at"], when)
    session_id = None
    if item.get("session") is not None:
        session_id = db.session.scalar(select(LiveSession.id).where(
            LiveSession.community_id == community.id, LiveSession.number == item["session"]))
    details = library.Details(
        title=item["title"], type=item["type"], description=item.get("description") or "",
        tags=", ".join(item.get("tags") or []), state_codes=item.get("states") or [],
        session_id=session_id, audience=item.get("audience") or "community")
    if "link" in item:
        made = library.add_resources(author, community, details, link_url=item["link"],
                                     written_at=written_at)
    else:
        made = library.add_resources(
            author, community, details, written_at=written_at,
            uploads=[_made_upload(item["file"], item["title"], written_at)])
    return made[0]


def _add_versions(resource: Resource, item: dict[str, Any], when: Calendar) -> None:
    """The newer versions library.yaml lists after the first upload, those still missing."""
    for number, version in enumerate(item.get("versions") or [], start=2):
        if len(resource.versions) >= number:
            continue
        written_at = _written_at(version["at"], when)
        library.add_version(_person(version.get("author") or item["author"]), resource,
                            _made_upload(version["file"], resource.title, written_at),
                            version["note"], written_at=written_at)
        db.session.refresh(resource)


def _publish(curator: User, resource: Resource, item: dict[str, Any]) -> None:
    if item.get("network") and resource.network_published_at is None:
        library.publish_to_network(curator, resource, True)
    if item.get("public") and not resource.is_public:
        library.make_public(curator, resource, True)


def _seed_summary(curator: User, community: Community, item: dict[str, Any],
                  when: Calendar) -> int:
    """The series summary, drafted from the community's record as a facilitator starts it, under
    the title library.yaml gives it."""
    resource = _library_resource(community, item["title"])
    added = 0
    if resource is None:
        _, markdown = summaries.first_draft(community)
        resource = summaries.publish(curator, community, item["title"], markdown,
                                     written_at=_written_at(item["at"], when))
        added = 1
    _publish(curator, resource, item)
    return added


def _seed_collection(curator: User, community: Community, item: dict[str, Any]) -> None:
    collection = db.session.scalar(select(Collection).where(
        Collection.community_id == community.id, Collection.title == item["title"]))
    if collection is None:
        collection = curation.create(curator, community, item["title"],
                                     item.get("description") or "")
    for title in item["items"]:
        resource = _library_resource(community, title)
        if resource is None:
            raise LookupError(f"library.yaml collects “{title}”, which it does not add")
        curation.add(curator, collection, resource)


def _seed_blogs(data: list[dict[str, Any]], when: Calendar, report: SeedReport) -> None:
    """Each community's blog as its people wrote it: who may post and who subscribed first (so
    they are told of the posts), then each post with its images, its later edit, the
    facilitator's making it public, its reactions and its comments."""
    for entry in data:
        community = db.session.scalar(select(Community).where(
            Community.slug == entry["community"]))
        if community is None:
            continue
        if entry.get("members_may_post") and not blog_policy.members_may_post(community):
            blogs.set_members_may_post(_person(entry["settings_by"]), community, True)
        for email in entry.get("subscribers") or []:
            subscriber = _person(email)
            if not blogs.is_subscribed(subscriber, community):
                blogs.subscribe(subscriber, community, True)
        existing = set(db.session.scalars(select(BlogPost.title).where(
            BlogPost.community_id == community.id)))
        for item in entry["posts"]:
            if item["title"] in existing:
                continue
            _seed_post(community, item, when)
            report.blog_posts += 1


def _seed_post(community: Community, item: dict[str, Any], when: Calendar) -> None:
    author = _person(item["author"])
    body = item["body"]
    for image in item.get("images") or []:  # uploaded into the text, as the editor does
        kept = blog_images.keep_image(author, community, _made_image(image))
        body = body.replace(f"(image:{image['name']})",
                            f"({blog_images.image_path(community.slug, kept.id)})")
    cover_digest, cover_alt = None, ""
    if "cover" in item:
        cover = item["cover"]
        cover_digest = blog_images.keep_image(author, community, _made_image(cover)).digest
        cover_alt = cover["alt"]
    text = blogs.Writing(title=item["title"], body=body, summary=item.get("summary") or "",
                         tags=", ".join(item.get("tags") or []), cover_digest=cover_digest,
                         cover_alt=cover_alt)
    if "scheduled" in item:  # the author picks the day and time in their own zone
        moment = when.moment(item["scheduled"])
        if moment is None or moment <= utcnow():
            raise ValueError(f"blog.yaml schedules “{item['title']}” in the past")
        local = moment.astimezone(timezones.zone(author.time_zone))
        post = blogs.write(author, community, replace(
            text, publishing=blogs.Publishing.LATER, day=local.date(),
            clock=local.time().replace(second=0, microsecond=0)))
    else:
        post = blogs.write(author, community, text, written_at=_written_at(item["at"], when))
    if "edited" in item:
        edit = item["edited"]
        blogs.change(author, post, replace(text, body=body + edit["append"]),
                     written_at=_written_at(edit["at"], when))
    if item.get("public_by"):
        blogs.make_public(_person(item["public_by"]), post, True)
    for kind, emails in (item.get("reactions") or {}).items():
        for email in emails:
            blog_comments.react(_person(email), post, ReactionKind(kind))
    for comment in item.get("comments") or []:
        first = blog_comments.add_comment(_person(comment["author"]), post, comment["body"],
                                          written_at=_written_at(comment["at"], when))
        for reply in comment.get("replies") or []:
            blog_comments.add_comment(_person(reply["author"]), post, reply["body"],
                                      parent_id=first.id,
                                      written_at=_written_at(reply["at"], when))


def _made_image(spec: dict[str, Any]) -> Received:
    """A PNG blog.yaml describes (a chart, or a cover's banner), made now and received as an
    upload is."""
    data = make_file(spec, title=spec["name"], made_on=utcnow().date(),
                     network_name=current_app.config["NETWORK_NAME"])
    return receive_bytes(data, spec["name"], storage=storage())


def _person(email: str) -> User:
    user = accounts.user_by_email(email)
    if user is None:
        raise LookupError(f"the demo names {email}, who is not in people.yaml")
    return user
