"""Who may see and do what. Every route, download and live event asks this module."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import g, has_app_context
from flask_login import AnonymousUserMixin
from sqlalchemy import Select, and_, false, or_, select

from workspace import errors
from workspace.auth.models import User
from workspace.communities.models import (
    Community,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Membership,
    OrganizationRole,
)
from workspace.extensions import db
from workspace.organizations.models import OrganizationKind

if TYPE_CHECKING:
    from workspace.forums.models import ForumCategory, Post, Topic

Person = User | AnonymousUserMixin


class Action(enum.StrEnum):
    VIEW = "view"  # the community's public page: purpose, timeframe, participants
    READ = "read"  # members-only content: directory, forums, library, sessions, blogs
    CONTRIBUTE = "contribute"  # post, reply, react, join a live room's discussion
    PUBLISH = "publish"  # blog posts and library items: thought leadership
    MODERATE = "moderate"  # pin, lock, hide; run live sessions
    MANAGE = "manage"  # edit the community, its people, its recruiting queue
    JOIN = "join"  # a person whose agency participates joins with one action
    EXPRESS_INTEREST = "express_interest"  # a state asks to take part while recruiting


ACTIONS_BY_ROLE: dict[CommunityRole, frozenset[Action]] = {
    CommunityRole.OBSERVER: frozenset({Action.VIEW, Action.READ}),
    CommunityRole.MEMBER: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE}),
    CommunityRole.SME: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH}),
    CommunityRole.FACILITATOR: frozenset({Action.VIEW, Action.READ, Action.CONTRIBUTE,
                                          Action.PUBLISH, Action.MODERATE, Action.MANAGE}),
}
# What a person's own standing decides, even for staff: staff hold no agency seat.
SELF_SERVICE = frozenset({Action.JOIN, Action.EXPRESS_INTEREST})
# Closed communities keep their record readable but take no new work.
WRITES = frozenset({Action.CONTRIBUTE, Action.PUBLISH, Action.JOIN, Action.EXPRESS_INTEREST})


@dataclass(frozen=True)
class Standing:
    """A person's place in one community, worked out once per request."""

    membership: Membership | None
    agency_link: CommunityOrganization | None  # their organization's active participation

    @property
    def role(self) -> CommunityRole | None:
        if self.membership is None:
            return None
        if self.membership.role.needs_participating_organization and self.agency_link is None:
            return None  # their agency withdrew (or never took part): no access, nothing deleted
        return self.membership.role

    @property
    def is_state_contact(self) -> bool:
        return self.agency_link is not None and self.membership is not None and (
            self.agency_link.contact_id == self.membership.user_id)


NO_STANDING = Standing(membership=None, agency_link=None)


def standing_in(user: Person, community: Community) -> Standing:
    if not user.is_authenticated:
        return NO_STANDING
    cache: dict[tuple[int, int], Standing] = g.setdefault("_standings", {}) if (
        has_app_context()) else {}
    key = (user.id, community.id)
    if key not in cache:
        membership = db.session.scalar(select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == user.id))
        link = db.session.scalar(select(CommunityOrganization).where(
            CommunityOrganization.community_id == community.id,
            CommunityOrganization.organization_id == user.organization_id,
            CommunityOrganization.role == OrganizationRole.PARTICIPANT,
            CommunityOrganization.withdrawn_at.is_(None)))
        cache[key] = Standing(membership=membership, agency_link=link)
    return cache[key]


def forget_standings() -> None:
    """Drop cached standings after a change to memberships or participation."""
    if has_app_context():
        g.pop("_standings", None)


def role_in(user: Person, community: Community) -> CommunityRole | None:
    return standing_in(user, community).role


def can(user: Person, action: Action, community: Community) -> bool:
    if action in WRITES and community.status is CommunityStatus.ARCHIVED:
        return False
    if action in SELF_SERVICE:
        return _may_self_serve(user, action, community)
    if user.is_authenticated and user.is_network_staff:
        return True
    role = role_in(user, community)
    if role is None:
        return action is Action.VIEW and community.is_public
    return action in ACTIONS_BY_ROLE[role]


def _may_self_serve(user: Person, action: Action, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    standing = standing_in(user, community)
    if action is Action.JOIN:
        return standing.role is None and standing.agency_link is not None and (
            community.is_public)
    # EXPRESS_INTEREST: a state agency's person, for a recruiting community it is not in yet.
    return (community.status is CommunityStatus.RECRUITING and community.is_public
            and user.organization.kind is OrganizationKind.SEA
            and standing.agency_link is None)


def authorize(user: Person, action: Action, community: Community) -> None:
    """Raise unless the person may do this; outsiders learn nothing about private content."""
    if can(user, action, community):
        return
    if action not in SELF_SERVICE and not can(user, Action.READ, community):
        raise errors.NotFound()  # members-only: the page might as well not exist
    raise errors.Forbidden()


def community_for(user: Person, slug: str, action: Action = Action.VIEW) -> Community:
    """The community, or NotFound: outsiders can't tell private from missing."""
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None or not can(user, Action.VIEW, community):
        raise errors.NotFound()
    authorize(user, action, community)
    return community


def may_add_member(actor: Person, community: Community, person: User) -> bool:
    """Facilitators and staff add anyone; a state's contact adds colleagues from their agency."""
    if can(actor, Action.MANAGE, community):
        return True
    standing = standing_in(actor, community)
    return (standing.is_state_contact and standing.role is not None
            and person.organization_id == actor.organization_id)


def is_staff(user: Person) -> bool:
    return bool(user.is_authenticated and user.is_network_staff)


def require_staff(user: Person) -> None:
    """Network staff screens: everyone else is told plainly they may not."""
    if not is_staff(user):
        raise errors.Forbidden("Only network staff can open this page.")


def may_invite(user: Person, community: Community | None) -> bool:
    if is_staff(user):
        return True
    return community is not None and can(user, Action.MANAGE, community)


# --- Forums: who may see and do what with one topic or post ------------------------------------
# Callers pass posts whose topic (and its community and category) is already loaded. A page of
# posts works out the person's standing once and hands it to each rule.

@dataclass(frozen=True)
class ForumStanding:
    """What one person may do in one community's forum."""

    user_id: int | None
    reads: bool
    contributes: bool
    moderates: bool


def forum_standing(user: Person, community: Community) -> ForumStanding:
    return ForumStanding(user_id=user.id if user.is_authenticated else None,
                         reads=can(user, Action.READ, community),
                         contributes=can(user, Action.CONTRIBUTE, community),
                         moderates=can(user, Action.MODERATE, community))


def may_see_topic(user: Person, topic: Topic, standing: ForumStanding | None = None) -> bool:
    """Readers see a topic; hidden: its author and the moderators only; deleted: no one."""
    standing = standing or forum_standing(user, topic.community)
    if topic.deleted_at is not None or not standing.reads:
        return False
    if topic.is_hidden:
        return standing.user_id == topic.author_id or standing.moderates
    return True


def may_see_post(user: Person, post: Post, standing: ForumStanding | None = None) -> bool:
    """A hidden post is seen by its author (with the reason) and the moderators, no one else."""
    standing = standing or forum_standing(user, post.topic.community)
    if post.deleted_at is not None or not may_see_topic(user, post.topic, standing):
        return False
    if post.hidden_at is not None:
        return standing.user_id == post.author_id or standing.moderates
    return True


def may_start_topic(user: Person, category: ForumCategory) -> bool:
    return not category.is_archived and can(user, Action.CONTRIBUTE, category.community)


def may_reply(user: Person, topic: Topic, standing: ForumStanding | None = None) -> bool:
    """Members reply to open topics; moderators may still reply to a locked or hidden one."""
    standing = standing or forum_standing(user, topic.community)
    if not standing.contributes or not may_see_topic(user, topic, standing):
        return False
    if topic.is_locked or topic.is_hidden or topic.category.is_archived:
        return standing.moderates
    return True


def may_edit_post(user: Person, post: Post, standing: ForumStanding | None = None) -> bool:
    """People edit their own posts while they may still contribute and the topic is open."""
    standing = standing or forum_standing(user, post.topic.community)
    topic = post.topic
    if standing.user_id is None or standing.user_id != post.author_id or post.deleted_at:
        return False
    if not standing.contributes or not may_see_topic(user, topic, standing):
        return False
    return not topic.is_locked or standing.moderates


def may_delete_post(user: Person, post: Post, standing: ForumStanding | None = None) -> bool:
    """Authors delete their own posts; a topic's opening post only while no one has replied."""
    if not may_edit_post(user, post, standing):
        return False
    return not post.is_opening or post.topic.reply_count == 0


def may_mark_answer(user: Person, topic: Topic, standing: ForumStanding | None = None) -> bool:
    """The topic's author, or a moderator, says which reply answered the question."""
    standing = standing or forum_standing(user, topic.community)
    if not may_see_topic(user, topic, standing):
        return False
    if standing.moderates:
        return True
    return standing.user_id == topic.author_id and standing.contributes


def may_react(user: Person, post: Post, standing: ForumStanding | None = None) -> bool:
    """Contributors react to (and flag) other people's visible posts."""
    standing = standing or forum_standing(user, post.topic.community)
    return (post.hidden_at is None and post.deleted_at is None and standing.contributes
            and standing.user_id != post.author_id
            and may_see_topic(user, post.topic, standing))


def may_flag(user: Person, post: Post, standing: ForumStanding | None = None) -> bool:
    return may_react(user, post, standing)


def readable_community_ids(user: Person) -> Select:
    """Ids of the communities whose members-only content this person may read, as a subquery.

    The same rule as `can(user, Action.READ, ...)`: staff read everything; others through a
    membership whose role stands on its own, or a member's role while their agency takes part.
    """
    if is_staff(user):
        return select(Community.id)
    user_id = user.id if user.is_authenticated else -1
    organization_id = user.organization_id if user.is_authenticated else -1
    participating = select(CommunityOrganization.community_id).where(
        CommunityOrganization.organization_id == organization_id,
        CommunityOrganization.role == OrganizationRole.PARTICIPANT,
        CommunityOrganization.withdrawn_at.is_(None))
    return select(Membership.community_id).where(
        Membership.user_id == user_id,
        or_(Membership.role != CommunityRole.MEMBER, Membership.community_id.in_(participating)))


def reader_ids(community: Community) -> Select:
    """Ids of the community's people who may read it now (withdrawn agencies' people excluded)."""
    participating = select(CommunityOrganization.organization_id).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.role == OrganizationRole.PARTICIPANT,
        CommunityOrganization.withdrawn_at.is_(None))
    return (select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community.id,
                   User.is_deactivated.is_(False),
                   or_(Membership.role != CommunityRole.MEMBER,
                       User.organization_id.in_(participating))))


def topic_reader_ids(topic: Topic) -> Select:
    """Ids of the active people who may see this topic now: `may_see_topic` as SQL.

    Readers of the community (staff, and members while their agency takes part); a hidden
    topic only its author and the moderators; a deleted one no one.
    """
    staff = and_(User.is_network_staff.is_(True), User.is_deactivated.is_(False))
    stmt = select(User.id).where(or_(User.id.in_(reader_ids(topic.community)), staff),
                                 User.password_hash.is_not(None))
    if topic.deleted_at is not None:
        return stmt.where(false())
    if topic.is_hidden:
        facilitators = select(Membership.user_id).where(
            Membership.community_id == topic.community_id,
            Membership.role == CommunityRole.FACILITATOR)
        stmt = stmt.where(or_(User.id == topic.author_id, staff, User.id.in_(facilitators)))
    return stmt
