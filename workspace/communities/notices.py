"""Which communities and states' interest a person's notices may still be about: being added to
a community they may no longer read, or an interest they no longer manage or speak for, leaves
the notification centre."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from workspace.auth.models import User
from workspace.communities.models import Community, Interest
from workspace.notifications.service import register_subject
from workspace.policy import Action, community_ids, readable_community_ids

COMMUNITY = "community"
INTEREST = "interest"


def visible_community_ids(user: User) -> Select:
    return select(Community.id).where(Community.id.in_(readable_community_ids(user)))


def visible_interest_ids(user: User) -> Select:
    # The facilitators who decide it, and the state's contact who hears the decision (a
    # declined state reads nothing of the community, yet the decision is theirs).
    return select(Interest.id).where(or_(
        Interest.contact_id == user.id,
        Interest.community_id.in_(community_ids(user, Action.MANAGE))))


register_subject(COMMUNITY, visible_community_ids)
register_subject(INTEREST, visible_interest_ids)
