"""Communities: the catalogue, who takes part, and recruiting states into them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload, selectinload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.communities.hooks import community_created
from workspace.communities.models import (
    STATUS_TRANSITIONS,
    Community,
    CommunityKind,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Interest,
    InterestStatus,
    Membership,
    OrganizationRole,
)
from workspace.database import utcnow
from workspace.extensions import db
from workspace.mail.service import queue_email
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, notify, notify_many
from workspace.organizations.models import Organization, OrganizationKind
from workspace.policy import Action
from workspace.text import render_markdown

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Fixed pages under /communities/ that a community's address must not shadow.
RESERVED_SLUGS = frozenset({"manage", "new"})


# --- Reading ---------------------------------------------------------------------------------

CATALOGUE_PER_PAGE = 12


@dataclass
class CatalogueFilters:
    kind: CommunityKind | None = None
    status: CommunityStatus | None = None
    # Communities this state's agency or districts take part in now.
    state_code: str | None = None
    # Recruiting communities this state's agency could still ask to join.
    open_to: str | None = None
    topic: str | None = None
    words: str = ""

    @property
    def any(self) -> bool:
        return bool(self.kind or self.status or self.state_code or self.open_to or self.topic
                    or self.words)

    @property
    def others(self) -> bool:
        """Filters in use besides the two state ones."""
        return bool(self.kind or self.status or self.topic or self.words)

    def query_args(self) -> dict[str, str]:
        """The filters as the catalogue's address spells them, for links to other pages."""
        args = {"q": self.words, "kind": self.kind.value if self.kind else "",
                "status": self.status.value if self.status else "",
                "state": self.state_code or "", "open_to": self.open_to or "",
                "topic": self.topic or ""}
        return {name: value for name, value in args.items() if value}


def _links_loaded() -> list:
    return [selectinload(Community.organization_links)
            .joinedload(CommunityOrganization.organization)]


def _catalogue_select(viewer: policy.Person, filters: CatalogueFilters) -> Select:
    stmt: Select = (select(Community).options(*_links_loaded(), raiseload("*"))
                    .order_by(Community.starts_on.desc().nulls_last(), Community.title,
                              Community.id))
    if not policy.is_staff(viewer):
        # Every card leads to a page the person may open: the policy's VIEW rule, in SQL (a
        # membership left behind when an agency withdrew opens nothing). Archived communities
        # stay reachable by their address but leave the catalogue.
        stmt = stmt.where(policy.can_clause(viewer, Action.VIEW),
                          Community.status != CommunityStatus.ARCHIVED)
    if filters.kind:
        stmt = stmt.where(Community.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(Community.status == filters.status)
    if filters.state_code:
        stmt = stmt.where(Community.id.in_(
            select(CommunityOrganization.community_id).join(CommunityOrganization.organization)
            .where(Organization.state_code == filters.state_code,
                   CommunityOrganization.role == OrganizationRole.PARTICIPANT,
                   CommunityOrganization.withdrawn_at.is_(None))))
    if filters.open_to:
        stmt = stmt.where(policy.open_to_state_clause(filters.open_to))
    if filters.words.strip():
        for word in filters.words.lower().split()[:8]:
            like = f"%{word}%"
            stmt = stmt.where(or_(func.lower(Community.title).like(like),
                                  func.lower(Community.summary).like(like),
                                  func.lower(Community.description).like(like)))
    if filters.topic:
        # Topics live in a JSON list: matched here, the same on every database, then handed
        # back as ids so a page of results is still counted and cut in SQL.
        rows = db.session.execute(stmt.with_only_columns(Community.id, Community.topics))
        stmt = stmt.where(Community.id.in_(
            [community_id for community_id, topics in rows if filters.topic in (topics or [])]))
    return stmt


def catalogue(viewer: policy.Person, filters: CatalogueFilters) -> list[Community]:
    """Communities this person may see, newest first, narrowed by the filters."""
    return list(db.session.scalars(_catalogue_select(viewer, filters)).unique())


def catalogue_page(viewer: policy.Person, filters: CatalogueFilters, *,
                   page: int) -> Pagination:
    """One page of the catalogue; a page past the end shows the last one."""
    stmt = _catalogue_select(viewer, filters)
    pagination = db.paginate(stmt, page=page, per_page=CATALOGUE_PER_PAGE, error_out=False)
    if not pagination.items and pagination.page > pagination.pages > 0:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=CATALOGUE_PER_PAGE,
                                 error_out=False)
    return pagination


def all_topics() -> list[str]:
    topics: set[str] = set()
    for row in db.session.scalars(select(Community.topics)):
        topics.update(row or [])
    return sorted(topics)


@dataclass
class StateSummary:
    """One state's row on the participation map: its agency and the communities it is in."""

    code: str
    name: str
    communities: int


def participation_by_state(viewer: policy.Person) -> list[StateSummary]:
    """How many visible communities each state (its agency or districts) takes part in."""
    visible = select(Community.id).where(Community.status != CommunityStatus.ARCHIVED)
    if not policy.is_staff(viewer):
        visible = visible.where(Community.is_public.is_(True))
    rows = db.session.execute(
        select(Organization.state_code, Organization.state_name,
               func.count(func.distinct(CommunityOrganization.community_id)))
        .join(CommunityOrganization.organization)
        .where(CommunityOrganization.role == OrganizationRole.PARTICIPANT,
               CommunityOrganization.withdrawn_at.is_(None),
               CommunityOrganization.community_id.in_(visible),
               Organization.state_code.is_not(None))
        .group_by(Organization.state_code, Organization.state_name))
    counts: dict[str, StateSummary] = {}
    for code, name, count in rows:
        if code is None:  # the query leaves these out; this tells the type checker
            continue
        summary = counts.setdefault(code, StateSummary(code, name or code, 0))
        summary.communities = max(summary.communities, count)
    return sorted(counts.values(), key=lambda s: s.name)


def communities_of(viewer: policy.Person) -> list[Community]:
    """The communities a signed-in person currently belongs to."""
    if not viewer.is_authenticated:
        return []
    return list(db.session.scalars(select(Community).join(Membership).where(
        Membership.user_id == viewer.id, Community.status != CommunityStatus.ARCHIVED,
        Community.id.in_(policy.readable_community_ids(viewer)))
        .order_by(Community.title)))


def community_or_none(community_id: int | None) -> Community | None:
    return db.session.get(Community, community_id) if community_id else None


def community_choices(viewer: User) -> list[tuple[int, str]]:
    """Communities this person may invite into."""
    communities = db.session.scalars(select(Community).order_by(Community.title))
    return [(c.id, c.title) for c in communities if policy.may_invite(viewer, c)]


def participating_organization_ids(community: Community) -> set[int]:
    return set(db.session.scalars(select(CommunityOrganization.organization_id).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.role == OrganizationRole.PARTICIPANT,
        CommunityOrganization.withdrawn_at.is_(None))))


@dataclass
class StateParticipation:
    organization: Organization
    link: CommunityOrganization
    people: int = 0


@dataclass
class CommunityOverview:
    """Everything the community's home page shows, loaded in a fixed number of queries."""

    community: Community
    agencies: list[StateParticipation] = field(default_factory=list)
    districts: list[StateParticipation] = field(default_factory=list)
    partners: list[Organization] = field(default_factory=list)
    withdrawn: list[StateParticipation] = field(default_factory=list)
    facilitators: list[User] = field(default_factory=list)
    experts: list[User] = field(default_factory=list)
    people_by_state: list[tuple[str, int]] = field(default_factory=list)
    open_interest: Interest | None = None

    @property
    def participant_count(self) -> int:
        return len(self.agencies) + len(self.districts)


def overview(viewer: policy.Person, community: Community) -> CommunityOverview:
    result = CommunityOverview(community=community)
    links = list(db.session.scalars(select(CommunityOrganization)
                                    .where(CommunityOrganization.community_id == community.id)
                                    .options(joinedload(CommunityOrganization.organization))
                                    .order_by(CommunityOrganization.id)))
    memberships = list(db.session.scalars(
        select(Membership).where(Membership.community_id == community.id)
        .options(joinedload(Membership.user).joinedload(User.organization))))
    active_people: Counter[int] = Counter()
    by_state: Counter[str] = Counter()
    participating = {link.organization_id for link in links
                     if link.role is OrganizationRole.PARTICIPANT and link.is_active}
    for membership in memberships:
        user = membership.user
        if membership.role.needs_participating_organization and (
                user.organization_id not in participating):
            continue
        if membership.role is CommunityRole.FACILITATOR:
            result.facilitators.append(user)
        elif membership.role is CommunityRole.SME:
            result.experts.append(user)
        active_people[user.organization_id] += 1
        if user.organization.state_code:
            by_state[user.organization.state_name or user.organization.state_code] += 1
    for link in links:
        organization = link.organization
        if link.role is OrganizationRole.PARTNER:
            result.partners.append(organization)
            continue
        entry = StateParticipation(organization, link, active_people[organization.id])
        if not link.is_active:
            result.withdrawn.append(entry)
        elif organization.kind is OrganizationKind.LEA:
            result.districts.append(entry)
        else:
            result.agencies.append(entry)
    result.agencies.sort(key=lambda entry: entry.organization.state_name or "")
    result.people_by_state = sorted(by_state.items())
    if viewer.is_authenticated:
        result.open_interest = db.session.scalar(select(Interest).where(
            Interest.community_id == community.id,
            Interest.organization_id == viewer.organization_id,
            Interest.status.in_([InterestStatus.PENDING, InterestStatus.WAITLISTED])))
    return result


def member_directory(viewer: policy.Person, community: Community) -> list[Membership]:
    """People with access to the community now, for its members-only directory."""
    policy.authorize(viewer, Action.READ, community)
    memberships = db.session.scalars(
        select(Membership).where(Membership.community_id == community.id,
                                 Membership.user_id.in_(policy.reader_ids(community)))
        .options(joinedload(Membership.user).joinedload(User.organization)))
    role_order = list(CommunityRole)
    return sorted(memberships, key=lambda m: (role_order.index(m.role), m.user.name.lower()))


def check_role_fits_organization(community: Community, organization: Organization,
                                 role: CommunityRole) -> None:
    """Members need a participating agency; other roles are invited individually."""
    if role.needs_participating_organization and (
            organization.id not in participating_organization_ids(community)):
        raise errors.Invalid(f"{organization.name} doesn't participate in this community, so "
                             "its people can join only as facilitator, SME or observer.",
                             field="role")


def people_to_add(actor: User, community: Community) -> list[User]:
    """Active people not yet in the community whom this person may add."""
    stmt = (select(User).where(User.is_deactivated.is_(False), User.password_hash.is_not(None),
                               User.id.not_in(select(Membership.user_id).where(
                                   Membership.community_id == community.id)))
            .options(joinedload(User.organization)).order_by(User.name))
    if not policy.can(actor, Action.MANAGE, community):
        stmt = stmt.where(User.organization_id == actor.organization_id)
    return list(db.session.scalars(stmt))


# --- Joining and membership ------------------------------------------------------------------

def join(user: User, community: Community) -> Membership:
    """A person whose agency participates joins with one action."""
    policy.authorize(user, Action.JOIN, community)
    membership = db.session.scalar(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(community=community, user=user, role=CommunityRole.MEMBER,
                                added_by_id=user.id)
        db.session.add(membership)
    db.session.commit()
    policy.forget_standings()
    return membership


def add_member(actor: User, community: Community, person: User, *,
               role: CommunityRole = CommunityRole.MEMBER) -> Membership:
    """Add someone to a community (facilitators and staff; a state's contact for colleagues)."""
    if not policy.may_add_member(actor, community, person):
        raise errors.Forbidden("You can add people from your own agency only.")
    if role is not CommunityRole.MEMBER and not policy.can(actor, Action.MANAGE, community):
        raise errors.Forbidden("Only facilitators and network staff can give that role.")
    check_role_fits_organization(community, person.organization, role)
    membership = db.session.scalar(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == person.id))
    if membership is None:
        membership = Membership(community=community, user=person, added_by_id=actor.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    notify(person, NotificationKind.ADDED_TO_COMMUNITY,
           f"{actor.name} added you to {community.title} {role.as_phrase}.",
           url_for("communities.show", slug=community.slug), actor=actor, community=community,
           subject=Subject("community", community.id))
    db.session.commit()
    policy.forget_standings()
    return membership


def remove_member(actor: User, community: Community, membership: Membership) -> None:
    """Take someone out of a community; what they wrote stays."""
    if membership.user_id != actor.id:
        policy.authorize(actor, Action.MANAGE, community)
    user_id = membership.user_id
    db.session.delete(membership)
    _evict_lost_readers(community, select(User.id).where(User.id == user_id))
    db.session.commit()
    policy.forget_standings()


def _evict_lost_readers(community: Community, people: Select) -> None:
    """Of these people, those who may no longer read the community leave its live rooms
    (after the commit). Asked in the unit of work that took the access away, once flushed."""
    db.session.flush()
    lost = db.session.scalars(select(User.id).where(
        User.id.in_(people), User.id.not_in(policy.reader_ids(community)),
        User.id.not_in(policy.staff_ids())))
    realtime.evict(lost, community.id)


def membership_in(community: Community, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community.id:
        raise errors.NotFound()
    return membership


def add_organization(actor: User, community: Community, organization: Organization, *,
                     role: OrganizationRole = OrganizationRole.PARTICIPANT,
                     contact: User | None = None,
                     joined_at: datetime | None = None) -> CommunityOrganization:
    """Make an agency a participant (or a partner), or bring a withdrawn one back (staff only:
    facilitators take states in through the recruiting queue, which keeps to the capacity).

    `joined_at` dates history brought in from elsewhere (the demo); new links are dated now.
    """
    policy.require_staff(actor)
    if joined_at is not None and joined_at > utcnow():
        raise errors.Invalid("An agency can't have joined in the future.")
    link = _link_for(community, organization, role=role, contact=contact, joined_at=joined_at)
    db.session.commit()
    policy.forget_standings()
    return link


def _link_for(community: Community, organization: Organization, *, role: OrganizationRole,
              contact: User | None,
              joined_at: datetime | None = None) -> CommunityOrganization:
    if role is OrganizationRole.PARTICIPANT and organization.kind is OrganizationKind.PARTNER:
        raise errors.Invalid("Partner organizations take part as partners, not participants.",
                             field="organization_id")
    link = db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == organization.id))
    if link is None:
        link = CommunityOrganization(community=community, organization=organization, role=role,
                                     joined_at=joined_at or utcnow())
        db.session.add(link)
    link.role = role
    link.withdrawn_at = None
    if contact is not None:
        link.contact = contact
    db.session.flush()
    return link


def withdraw_organization(actor: User, community: Community,
                          organization: Organization) -> CommunityOrganization:
    """Withdraw an agency: its people lose members-only access at once; nothing is deleted."""
    policy.require_staff(actor)
    link = db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == organization.id,
        CommunityOrganization.withdrawn_at.is_(None)))
    if link is None:
        raise errors.Invalid(f"{organization.name} isn't taking part in this community.")
    link.withdrawn_at = utcnow()
    _evict_lost_readers(community, select(Membership.user_id).join(
        User, User.id == Membership.user_id).where(Membership.community_id == community.id,
                                                   User.organization_id == organization.id))
    db.session.commit()
    policy.forget_standings()
    return link


# --- Recruiting ------------------------------------------------------------------------------

def express_interest(contact: User, community: Community, *,
                     problem_of_practice: str) -> Interest:
    """A state tells the facilitators it wants to take part, and what it brings."""
    policy.authorize(contact, Action.EXPRESS_INTEREST, community)
    statement = (problem_of_practice or "").strip()
    if len(statement) < 20:
        raise errors.Invalid("Describe your state's problem of practice in a sentence or two.",
                             field="problem_of_practice")
    if len(statement) > 4000:
        raise errors.Invalid("Keep the statement under 4,000 characters.",
                             field="problem_of_practice")
    existing = db.session.scalar(select(Interest).where(
        Interest.community_id == community.id,
        Interest.organization_id == contact.organization_id,
        Interest.status.in_([InterestStatus.PENDING, InterestStatus.WAITLISTED])))
    if existing is not None:
        raise errors.Conflict(f"{existing.contact.name} has already expressed "
                              f"{contact.organization.short_name}'s interest; the facilitators "
                              "will reply to them.")
    interest = Interest(community=community, organization=contact.organization, contact=contact,
                        problem_of_practice=statement)
    db.session.add(interest)
    db.session.flush()
    notify_many(policy.people_who_may(community, Action.MANAGE),
                NotificationKind.INTEREST_RECEIVED,
                f"{contact.organization.name} expressed interest in {community.title}.",
                url_for("communities.interests", slug=community.slug), actor=contact,
                community=community, subject=Subject("interest", interest.id))
    db.session.commit()
    return interest


def interest_queue(viewer: User, community: Community) -> list[Interest]:
    """Every expression of interest, open ones first, for the facilitators."""
    policy.authorize(viewer, Action.MANAGE, community)
    order = {InterestStatus.PENDING: 0, InterestStatus.WAITLISTED: 1}
    interests = db.session.scalars(
        select(Interest).where(Interest.community_id == community.id)
        .options(joinedload(Interest.organization), joinedload(Interest.contact),
                 joinedload(Interest.decided_by))
        .order_by(Interest.created_at))
    return sorted(interests, key=lambda i: order.get(i.status, 2))


def interest_in(community: Community, interest_id: int) -> Interest:
    interest = db.session.get(Interest, interest_id)
    if interest is None or interest.community_id != community.id:
        raise errors.NotFound()
    return interest


def seats_taken(community: Community) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CommunityOrganization)
        .join(CommunityOrganization.organization)
        .where(CommunityOrganization.community_id == community.id,
               CommunityOrganization.role == OrganizationRole.PARTICIPANT,
               CommunityOrganization.withdrawn_at.is_(None),
               Organization.kind == OrganizationKind.SEA)) or 0


# What the state's contact is told, as a sentence: {organization}, {community}.
DECISION_SENTENCES = {
    InterestStatus.ACCEPTED: "The facilitators accepted {organization} into {community}. Your "
                             "state's team can take part now.",
    InterestStatus.WAITLISTED: "{organization} is on the waiting list for {community}. The "
                               "facilitators will write if a place opens.",
    InterestStatus.DECLINED: "The facilitators of {community} can't offer {organization} a "
                             "place this time.",
}


def decide_interest(facilitator: User, interest: Interest, decision: InterestStatus, *,
                    message: str = "") -> Interest:
    """Accept (within capacity), waitlist or decline a state; tell its contact by email and here."""
    community = interest.community
    policy.authorize(facilitator, Action.MANAGE, community)
    if decision not in DECISION_SENTENCES:
        raise errors.Invalid("Choose accept, waitlist or decline.", field="decision")
    if not interest.is_open:
        raise errors.Conflict(f"This expression of interest was already {interest.status.value}.")
    if decision is InterestStatus.ACCEPTED and community.capacity is not None and (
            seats_taken(community) >= community.capacity):
        raise errors.Invalid(f"{community.title} is full: {community.capacity} state agencies "
                             "already take part. Waitlist this state, or raise the capacity.",
                             field="decision")
    interest.status = decision
    interest.decision_message = (message or "").strip()[:4000]
    interest.decided_by = facilitator
    interest.decided_at = utcnow()
    if decision is InterestStatus.ACCEPTED:
        _link_for(community, interest.organization, role=OrganizationRole.PARTICIPANT,
                  contact=interest.contact)
        if db.session.scalar(select(Membership).where(
                Membership.community_id == community.id,
                Membership.user_id == interest.contact_id)) is None:
            db.session.add(Membership(community=community, user=interest.contact,
                                      role=CommunityRole.MEMBER, added_by_id=facilitator.id))
    page = url_for("communities.show", slug=community.slug, _external=True)
    summary = DECISION_SENTENCES[decision].format(organization=interest.organization.name,
                                                  community=community.title)
    notify(interest.contact, NotificationKind.INTEREST_DECIDED, summary,
           url_for("communities.show", slug=community.slug), actor=facilitator,
           community=community, subject=Subject("interest", interest.id),
           email=False)  # the decision's own email below says it, with the facilitator's note
    reply = f"\n\nA note from {facilitator.name}:\n{interest.decision_message}\n" if (
        interest.decision_message) else "\n"
    queue_email(interest.contact.email, f"{community.title}: your state's interest",
                f"Hello {interest.contact.first_name},\n\n{summary}{reply}\n"
                f"The community's page: {page}\n", user_id=interest.contact.id)
    db.session.commit()
    policy.forget_standings()
    return interest


# --- Staff: creating and editing communities -------------------------------------------------

@dataclass
class CommunityFields:
    title: str
    slug: str
    kind: CommunityKind
    status: CommunityStatus
    timeframe: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    summary: str = ""
    description: str = ""
    objectives: list[str] = field(default_factory=list)
    intended_outcomes: list[str] = field(default_factory=list)
    session_topics: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    subject_matter_experts: list[str] = field(default_factory=list)
    recruiting_note: str = ""
    capacity: int | None = None
    is_public: bool = True


def save_community(actor: User, community: Community | None, fields: CommunityFields) -> Community:
    """Create a community or edit one; status moves only along the lifecycle."""
    if community is None:
        policy.require_staff(actor)
    else:
        policy.authorize(actor, Action.MANAGE, community)
    title, slug = fields.title.strip(), fields.slug.strip().lower()
    if not title:
        raise errors.Invalid("Give the community a title.", field="title")
    if not SLUG.match(slug):
        raise errors.Invalid("Use lowercase letters, numbers and hyphens, e.g. data-systems-cop.",
                             field="slug")
    if slug in RESERVED_SLUGS:
        raise errors.Invalid(f"“{slug}” is taken by a page of the workspace; choose another.",
                             field="slug")
    clash = db.session.scalar(select(Community.id).where(Community.slug == slug))
    if clash is not None and (community is None or clash != community.id):
        raise errors.Invalid("Another community already uses that web address.", field="slug")
    if fields.starts_on and fields.ends_on and fields.ends_on < fields.starts_on:
        raise errors.Invalid("The end date is before the start date.", field="ends_on")
    if fields.capacity is not None and fields.capacity < 1:
        raise errors.Invalid("Capacity is a number of state agencies, at least 1.",
                             field="capacity")
    if community is not None and fields.status is not community.status and (
            fields.status not in STATUS_TRANSITIONS[community.status]):
        allowed = ", ".join(s.label.lower() for s in STATUS_TRANSITIONS[community.status])
        raise errors.Invalid(f"A community that is {community.status.label.lower()} can move "
                             f"only to: {allowed}.", field="status")
    if community is None:
        community = Community(title=title, slug=slug, kind=fields.kind, status=fields.status)
        db.session.add(community)
    else:
        community.updated_at = utcnow()
    community.title = title
    community.slug = slug
    community.kind = fields.kind
    community.status = fields.status
    community.timeframe = fields.timeframe.strip()
    community.starts_on = fields.starts_on
    community.ends_on = fields.ends_on
    community.summary = fields.summary.strip()
    community.description = fields.description.strip()
    community.description_html = render_markdown(community.description)
    community.objectives = _clean_lines(fields.objectives)
    community.intended_outcomes = _clean_lines(fields.intended_outcomes)
    community.session_topics = _clean_lines(fields.session_topics)
    community.topics = sorted({t.strip().lower() for t in fields.topics if t.strip()})
    community.subject_matter_experts = _clean_lines(fields.subject_matter_experts)
    community.recruiting_note = fields.recruiting_note.strip()
    community.capacity = fields.capacity
    community.is_public = fields.is_public
    if community.id is None:  # each feature sets up its part (the forum, its categories)
        db.session.flush()
        community_created(community)
    db.session.commit()
    return community


def _clean_lines(lines: list[str]) -> list[str]:
    return [line.strip().lstrip("-•* ").strip() for line in lines if line.strip()]


def all_communities_for_admin(actor: User) -> list[Community]:
    policy.require_staff(actor)
    return list(db.session.scalars(select(Community).options(*_links_loaded())
                                   .order_by(Community.title)))


def memberships_of(viewer: User) -> list[Membership]:
    """The person's memberships in communities they may read now, with each community loaded."""
    return list(db.session.scalars(
        select(Membership).join(Membership.community)
        .where(Membership.user_id == viewer.id, Community.status != CommunityStatus.ARCHIVED,
               Community.id.in_(policy.readable_community_ids(viewer)))
        .options(contains_eager(Membership.community)).order_by(Community.title)))


def roles_in(community: Community, user_ids: Iterable[int]) -> dict[int, CommunityRole]:
    """Each of these people's role in the community, in one query (badges beside their posts)."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Membership.user_id, Membership.role).where(
        Membership.community_id == community.id, Membership.user_id.in_(ids)))
    return {user_id: role for user_id, role in rows}


def open_interest_counts(community_ids: list[int] | None = None) -> dict[int, int]:
    """Expressions of interest still waiting for a decision, per community (one query)."""
    stmt = (select(Interest.community_id, func.count(Interest.id))
            .where(Interest.status == InterestStatus.PENDING).group_by(Interest.community_id))
    if community_ids is not None:
        stmt = stmt.where(Interest.community_id.in_(community_ids))
    return {community_id: count for community_id, count in db.session.execute(stmt)}


def status_counts() -> dict[CommunityStatus, int]:
    """How many communities are at each stage, for the network staff's view."""
    rows = db.session.execute(select(Community.status, func.count(Community.id))
                              .group_by(Community.status))
    return {CommunityStatus(status): count for status, count in rows}
