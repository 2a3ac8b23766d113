"""The signed-in home page: each person's own work first, whatever their role."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from workspace import policy
from workspace.auth.models import Invitation, User
from workspace.communities import service as communities
from workspace.communities.models import Community, CommunityRole, CommunityStatus, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import pages as forum_pages
from workspace.moderation import service as moderation
from workspace.policy import Action
from workspace.sessions import pages as session_pages

NETWORK_STAGES = (CommunityStatus.RECRUITING, CommunityStatus.IN_PROGRESS,
                  CommunityStatus.IN_DEVELOPMENT, CommunityStatus.COMPLETED)


@dataclass
class MyCommunity:
    community: Community
    role: CommunityRole
    unread_topics: int = 0


@dataclass
class Waiting:
    """What waits on a facilitator (or network staff) in one community."""

    community: Community
    interests: int = 0
    flags: int = 0


@dataclass
class NetworkSummary:
    """The staff view: where the network's communities stand."""

    by_status: list[tuple[CommunityStatus, int]]  # the live stages, in the order they come
    people: int
    open_invitations: int


@dataclass
class Dashboard:
    communities: list[MyCommunity] = field(default_factory=list)
    new_topics: list[forum_pages.TopicRow] = field(default_factory=list)
    sessions: list[session_pages.SessionRow] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    network: NetworkSummary | None = None

    @property
    def unread_total(self) -> int:
        return sum(mine.unread_topics for mine in self.communities)


def dashboard(viewer: User) -> Dashboard:
    """The person's communities with unread counts, what's new to them, and what waits on them.

    A fixed number of queries however many communities, topics, interests and flags there are.
    """
    memberships: list[Membership] = communities.memberships_of(viewer)
    ids = [m.community_id for m in memberships]
    unread = forum_pages.unread_topic_counts(viewer, ids) if ids else {}
    mine = [MyCommunity(m.community, m.role, unread.get(m.community_id, 0))
            for m in memberships]
    result = Dashboard(communities=mine,
                       new_topics=forum_pages.unread_topics_across(viewer, ids) if ids else [],
                       sessions=session_pages.coming_in(viewer, ids, now=utcnow()))
    if policy.is_staff(viewer):
        result.waiting = _waiting(list(db.session.scalars(
            select(Community).where(Community.status != CommunityStatus.ARCHIVED))))
        counts = communities.status_counts()
        result.network = NetworkSummary(
            by_status=[(status, counts.get(status, 0)) for status in NETWORK_STAGES],
            people=db.session.scalar(select(func.count(User.id)).where(
                User.is_deactivated.is_(False))) or 0,
            open_invitations=db.session.scalar(select(func.count(Invitation.id)).where(
                Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))) or 0)
    else:
        # Their roles come with the memberships (all readable now): no query per community.
        result.waiting = _waiting([m.community for m in memberships
                                   if policy.role_allows(m.role, Action.MANAGE)])
    return result


def _waiting(managed: list[Community]) -> list[Waiting]:
    if not managed:
        return []
    ids = [community.id for community in managed]
    interests = communities.open_interest_counts(ids)
    flags = moderation.open_flag_counts(ids)
    waiting = [Waiting(community, interests.get(community.id, 0), flags.get(community.id, 0))
               for community in managed]
    return sorted((w for w in waiting if w.interests or w.flags),
                  key=lambda w: (-(w.interests + w.flags), w.community.title))
