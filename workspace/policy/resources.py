"""Who may see, download, add, change, share and publish library resources.

Readers of a community see its shared resources; a state team's own resources stay with that
state (and network staff) until the team shares them; everyone signed in sees what the
facilitators published to the network library, and visitors see what they marked public.
Members, SMEs and facilitators add resources; their uploader and the facilitators change them;
facilitators and staff publish. Downloads ask exactly what the page asks (may_see_resource).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from workspace import errors
from workspace.communities.models import Community, CommunityStatus
from workspace.policy import (
    Action,
    Person,
    Standing,
    community_ids,
    is_active_account,
    is_staff,
    readable_community_ids,
    rule,
    standing_for,
)
from workspace.resources.models import Audience, Resource


def holds(user: Person, resource: Resource) -> bool:
    """The person belongs to the agency whose team holds the resource."""
    return is_active_account(user) and user.organization_id == resource.organization_id


@rule(error=errors.NotFound)
def may_see_resource(user: Person, resource: Resource, standing: Standing | None = None) -> bool:
    """See its page and download its files (any version, the preview).

    SQL form: visible_resources().
    """
    if resource.deleted_at is not None:
        return False
    if resource.hidden_at is not None:
        in_community = standing_for(user, resource.community, standing)
        return in_community.moderates or (in_community.reads and user.id == resource.author_id)
    if resource.is_public:
        return True
    if resource.network_published_at is not None and is_active_account(user):
        return True
    in_community = standing_for(user, resource.community, standing)
    if not in_community.reads:
        return False
    return (resource.audience is Audience.COMMUNITY or in_community.is_staff
            or holds(user, resource))


def visible_resources(user: Person) -> ColumnElement[bool]:
    """may_see_resource as one WHERE clause on resources of every community, for library
    pages, the network library, counts and digests."""
    present = Resource.deleted_at.is_(None)
    if is_staff(user):
        return present
    readable = Resource.community_id.in_(readable_community_ids(user))
    active = is_active_account(user)
    in_audience = or_(Resource.audience == Audience.COMMUNITY,
                      Resource.organization_id == user.organization_id) if active else (
        Resource.audience == Audience.COMMUNITY)
    shown = or_(Resource.is_public.is_(True),
                Resource.network_published_at.is_not(None) if active else false(),
                and_(readable, in_audience))
    hidden_but_theirs = or_(
        Resource.community_id.in_(community_ids(user, Action.MODERATE)),
        and_(Resource.author_id == user.id, readable) if active else false())
    return and_(present, or_(and_(Resource.hidden_at.is_(None), shown),
                             and_(Resource.hidden_at.is_not(None), hidden_but_theirs)))


def _why_no_adding(community: Community) -> str:
    if community.status is CommunityStatus.ARCHIVED:
        return "This community is archived: its library is kept as it was."
    return "Observers read the library; members, SMEs and facilitators add to it."


@rule(_why_no_adding)
def may_add_resource(user: Person, community: Community,
                     standing: Standing | None = None) -> bool:
    return standing_for(user, community, standing).contributes


def may_keep_to_state(user: Person, community: Community,
                      standing: Standing | None = None) -> bool:
    """A state team may keep what it adds to itself: people whose agency takes part."""
    return standing_for(user, community, standing).agency_link is not None


@rule("Only the person who added it and the community's facilitators change it.")
def may_change_resource(user: Person, resource: Resource,
                        standing: Standing | None = None) -> bool:
    """Edit its details, upload a new version, delete it."""
    in_community = standing_for(user, resource.community, standing)
    if resource.deleted_at is not None or not may_see_resource(user, resource, in_community):
        return False
    if in_community.moderates:
        return True
    return in_community.contributes and user.id == resource.author_id


@rule("Only the state team that holds it shares it with the whole community.")
def may_share_resource(user: Person, resource: Resource,
                       standing: Standing | None = None) -> bool:
    in_community = standing_for(user, resource.community, standing)
    return (resource.audience is Audience.STATE and resource.deleted_at is None
            and in_community.contributes and (holds(user, resource) or in_community.is_staff))


def _why_no_publishing(resource: Resource) -> str:
    if resource.audience is Audience.STATE:
        return "A state team's resource is published only after the team shares it."
    if resource.hidden_at is not None:
        return "A hidden resource can't be published."
    return "Only the community's facilitators and network staff publish to the network."


@rule(_why_no_publishing)
def may_publish_resource(user: Person, resource: Resource,
                         standing: Standing | None = None) -> bool:
    """Publish to the network library or the community's public page, and take it back."""
    return (resource.audience is Audience.COMMUNITY and resource.hidden_at is None
            and resource.deleted_at is None
            and standing_for(user, resource.community, standing).moderates)


@rule("Only the community's SMEs, facilitators and network staff arrange its collections.")
def may_curate(user: Person, community: Community, standing: Standing | None = None) -> bool:
    """Make collections and choose what is in them."""
    return standing_for(user, community, standing).publishes


@rule("Only the community's facilitators and network staff write its series summary.")
def may_write_summary(user: Person, community: Community,
                      standing: Standing | None = None) -> bool:
    return standing_for(user, community, standing).moderates


def _why_no_discussion(resource: Resource) -> str:
    if resource.audience is Audience.STATE:
        return "Share it with the community before starting a discussion about it."
    return "Members of the community discuss its resources."


@rule(_why_no_discussion)
def may_discuss(user: Person, resource: Resource, standing: Standing | None = None) -> bool:
    """Start (or join) the forum topic about it."""
    return (resource.audience is Audience.COMMUNITY and resource.hidden_at is None
            and standing_for(user, resource.community, standing).contributes)


@rule("Members flag a resource someone else added.")
def may_flag_resource(user: Person, resource: Resource,
                      standing: Standing | None = None) -> bool:
    # Contributing first: a visitor (who has no id) never contributes.
    return (resource.audience is Audience.COMMUNITY and resource.hidden_at is None
            and standing_for(user, resource.community, standing).contributes
            and user.id != resource.author_id)


def network_library_open(user: Person) -> ColumnElement[bool]:
    """The network library's lists: what was published to it, as this person may see it."""
    return and_(Resource.network_published_at.is_not(None), visible_resources(user)) if (
        is_active_account(user)) else and_(Resource.network_published_at.is_not(None),
                                 Resource.is_public.is_(True), visible_resources(user))


__all__ = ["holds", "may_add_resource", "may_change_resource", "may_curate", "may_discuss",
           "may_flag_resource", "may_keep_to_state", "may_publish_resource",
           "may_see_resource", "may_share_resource", "may_write_summary",
           "network_library_open", "visible_resources"]
