"""Who may see and do what. Every route, download and live event asks this module."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import g, has_app_context
from flask_login import AnonymousUserMixin
from sqlalchemy import select

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
