"""Load the demo catalogue and accounts. Safe to run again: nothing is added twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from workspace.announcements.models import Announcement
from workspace.auth.models import User
from workspace.communities.models import (
    Community,
    CommunityKind,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Membership,
    OrganizationRole,
)
from workspace.extensions import db
from workspace.forums.models import (
    ForumCategory,
    Post,
    Reaction,
    ReactionKind,
    ReadMark,
    Topic,
    TopicSubscription,
    WatchLevel,
)
from workspace.forums.service import add_default_categories
from workspace.organizations.models import Organization, OrganizationKind
from workspace.text import render_markdown
from workspace.writing import render_body

DEMO_FOLDER = Path(__file__).parent


@dataclass
class SeedReport:
    organizations: int = 0
    communities: int = 0
    people: int = 0
    announcements: int = 0
    forum_topics: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


def load_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load((DEMO_FOLDER / name).read_text(encoding="utf-8"))


def seed_demo(password: str) -> SeedReport:
    """Create whatever of the demo data is missing and report what was added."""
    report = SeedReport()
    catalogue = load_yaml("catalogue.yaml")
    organizations = _seed_organizations(catalogue["organizations"], report)
    _seed_communities(catalogue["communities"], organizations, report)
    _seed_announcements(catalogue.get("announcements", []), report)
    _seed_people(load_yaml("people.yaml")["people"], organizations, password, report)
    _seed_forum(load_yaml("forum.yaml"), report)
    db.session.commit()
    return report


def _seed_organizations(data: dict[str, Any], report: SeedReport) -> dict[str, Organization]:
    """Organizations keyed by every name the data files use for them (code, short name)."""
    existing = {o.name: o for o in db.session.scalars(select(Organization))}
    by_key: dict[str, Organization] = {}

    def upsert(name: str, **values: Any) -> Organization:
        organization = existing.get(name)
        if organization is None:
            organization = Organization(name=name, **values)
            db.session.add(organization)
            existing[name] = organization
            report.organizations += 1
        return organization

    seas_by_code: dict[str, Organization] = {}
    for sea in data["seas"]:
        organization = upsert(sea["name"], kind=OrganizationKind.SEA, short_name=sea["code"],
                              state_code=sea["code"], state_name=sea["state"])
        seas_by_code[sea["code"]] = organization
        by_key[sea["code"]] = organization
    for lea in data.get("leas", []):
        parent = seas_by_code[lea["state"]]
        organization = upsert(lea["name"], kind=OrganizationKind.LEA,
                              short_name=lea["short_name"], state_code=lea["state"],
                              state_name=parent.state_name, parent=parent)
        by_key[lea["short_name"]] = organization
    for partner in data.get("partners", []):
        organization = upsert(partner["name"], kind=OrganizationKind.PARTNER,
                              short_name=partner["short_name"],
                              partner_type=partner.get("kind"))
        by_key[partner["short_name"]] = organization
        by_key[partner["name"]] = organization
    db.session.flush()
    return by_key


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _seed_communities(data: list[dict[str, Any]], organizations: dict[str, Organization],
                      report: SeedReport) -> None:
    existing = {c.slug for c in db.session.scalars(select(Community))}
    for entry in data:
        if entry["slug"] in existing:
            continue
        description = (entry.get("description") or "").strip()
        community = Community(
            slug=entry["slug"], title=entry["title"], kind=CommunityKind(entry["kind"]),
            status=CommunityStatus(entry["status"]), timeframe=entry.get("timeframe") or "",
            starts_on=_as_date(entry.get("starts_on")), ends_on=_as_date(entry.get("ends_on")),
            summary=(entry.get("summary") or "").strip(), description=description,
            description_html=render_markdown(description),
            objectives=entry.get("objectives") or [],
            intended_outcomes=entry.get("intended_outcomes") or [],
            session_topics=entry.get("session_topics") or [],
            topics=entry.get("topics") or [],
            subject_matter_experts=entry.get("subject_matter_experts") or [],
            recruiting_note=entry.get("recruiting_note") or "",
            capacity=entry.get("capacity"))
        db.session.add(community)
        for key in entry.get("participants") or []:
            db.session.add(CommunityOrganization(community=community,
                                                 organization=organizations[key],
                                                 role=OrganizationRole.PARTICIPANT))
        for key in entry.get("partners") or []:
            db.session.add(CommunityOrganization(community=community,
                                                 organization=organizations[key],
                                                 role=OrganizationRole.PARTNER))
        report.communities += 1
    db.session.flush()


def _seed_announcements(data: list[dict[str, Any]], report: SeedReport) -> None:
    existing = set(db.session.scalars(select(Announcement.title)))
    for entry in data:
        if entry["title"] in existing:
            continue
        published = _as_date(entry.get("published_on")) or datetime.now(UTC).date()
        db.session.add(Announcement(
            title=entry["title"], byline=entry.get("byline") or "", body=entry["body"],
            body_html=render_markdown(entry["body"]),
            published_at=datetime(published.year, published.month, published.day, 12, tzinfo=UTC)))
        report.announcements += 1


def _seed_people(data: list[dict[str, Any]], organizations: dict[str, Organization],
                 password: str, report: SeedReport) -> None:
    password_hash = generate_password_hash(password)
    communities = {c.slug: c for c in db.session.scalars(select(Community))}
    for entry in data:
        report.accounts.append((entry["email"], entry["name"]))
        user = db.session.scalar(select(User).where(User.email == entry["email"]))
        if user is None:
            user = User(email=entry["email"], name=entry["name"], title=entry.get("title", ""),
                        organization=organizations[entry["organization"]],
                        time_zone=entry.get("time_zone", "America/New_York"),
                        is_network_staff=entry.get("network_staff", False),
                        password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
            report.people += 1
        for slug, role in (entry.get("communities") or {}).items():
            community = communities[slug]
            membership = db.session.scalar(select(Membership).where(
                Membership.community_id == community.id, Membership.user_id == user.id))
            if membership is None:
                db.session.add(Membership(community=community, user=user,
                                          role=CommunityRole(role)))
            if role == "facilitator" and community.capacity is None and community.is_recruiting:
                community.capacity = 12
        for slug in entry.get("contact_for") or []:
            link = db.session.scalar(select(CommunityOrganization).where(
                CommunityOrganization.community_id == communities[slug].id,
                CommunityOrganization.organization_id == user.organization_id))
            if link is not None and link.contact_id is None:
                link.contact = user
    db.session.flush()


def _as_time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seed_forum(data: dict[str, Any], report: SeedReport) -> None:
    """A few discussions in one community's forum, as its people would have written them."""
    for each in db.session.scalars(select(Community)):  # every forum starts with its categories
        add_default_categories(each)
    community = db.session.scalar(select(Community).where(Community.slug == data["community"]))
    if community is None:
        return
    categories = {c.name: c for c in db.session.scalars(
        select(ForumCategory).where(ForumCategory.community_id == community.id))}
    people = {u.email: u for u in db.session.scalars(select(User))}
    existing = set(db.session.scalars(select(Topic.title).where(
        Topic.community_id == community.id)))
    for entry in data["topics"]:
        if entry["title"] in existing:
            continue
        _seed_topic(community, categories[entry["category"]], entry, people)
        report.forum_topics += 1
    db.session.flush()


def _seed_topic(community: Community, category: ForumCategory, entry: dict[str, Any],
                people: dict[str, User]) -> None:
    author = people[entry["author"]]
    opened = _as_time(entry["at"])
    topic = Topic(community_id=community.id, category=category, author=author,
                  title=entry["title"], is_pinned=entry.get("pinned", False), created_at=opened,
                  last_posted_at=opened, last_poster=author)
    db.session.add(topic)
    posts: list[Post] = []
    items = [entry, *entry.get("replies", [])]
    for number, item in enumerate(items):
        quoted = posts[item["quotes"]] if "quotes" in item else None
        post = Post(topic=topic, author=people[item["author"]], is_opening=number == 0,
                    body=item["body"].strip(),
                    body_html=render_body(community, item["body"].strip()),
                    quoted_post=quoted, created_at=_as_time(item["at"]))
        db.session.add(post)
        db.session.flush()  # one at a time: ids follow the order people wrote in
        posts.append(post)
    for post, item in zip(posts, items, strict=True):
        for kind, emails in (item.get("reactions") or {}).items():
            db.session.add_all([Reaction(post_id=post.id, user_id=people[email].id,
                                         kind=ReactionKind(kind)) for email in emails])
    last = posts[-1]
    topic.reply_count = len(posts) - 1
    topic.last_post_id, topic.last_posted_at, topic.last_poster = (
        last.id, last.created_at, last.author)
    if "answer" in entry:
        topic.answer_post_id = posts[entry["answer"]].id
    # What writing does in the app: writers watch the topic and have read up to their post.
    marks: dict[int, int] = {}
    for post in posts:
        marks[post.author_id] = post.id
    for user_id, post_id in marks.items():
        db.session.add(TopicSubscription(user_id=user_id, topic_id=topic.id,
                                         level=WatchLevel.WATCHING))
        db.session.add(ReadMark(user_id=user_id, topic_id=topic.id, last_read_post_id=post_id,
                                visited_at=_as_time(entry["at"])))
