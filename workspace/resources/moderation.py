"""Library resources as moderation names them: members flag one someone else added, and the
facilitators hide it from the community's queue (its author and they still see it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import url_for
from sqlalchemy import select

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation import service as moderation
from workspace.moderation.registry import (
    Subject,
    SubjectKind,
    SubjectState,
    register_actions,
    register_kind,
)
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject as NoticeSubject
from workspace.notifications.service import notify
from workspace.policy import Action
from workspace.policy import resources as resource_policy
from workspace.resources.models import Resource
from workspace.resources.service import SUBJECT
from workspace.text import excerpt

RESOURCE_HIDDEN = "library_resource_hidden"
register_actions({RESOURCE_HIDDEN: "Hid a library resource"})


def resource_in_community(user: policy.Person, community: Community,
                          resource_id: int) -> Resource:
    resource = db.session.scalar(select(Resource).where(Resource.id == resource_id,
                                                        Resource.community_id == community.id))
    if resource is None or not resource_policy.may_see_resource(user, resource):
        raise errors.NotFound()
    return resource


def describe(resource: Resource) -> Subject:
    return Subject(kind=SUBJECT, id=resource.id, community=resource.community,
                   summary=f"{resource.author.name}'s library resource “{resource.title}”",
                   link=url_for("resources.show", resource_id=resource.id, _external=False),
                   excerpt=excerpt(resource.description_html, 200),
                   notice=f"the library resource “{resource.title}”")


def hide(moderator: User, resource: Resource, reason: str) -> None:
    """Hide a flagged resource: out of every list, download and public page; flags resolved."""
    policy.authorize(moderator, Action.MODERATE, resource.community)
    if resource.hidden_at is None:
        resource.hidden_at = utcnow()
        resource.is_public = False
        resource.network_published_at = None
        moderation.resolve_flags(moderator, SUBJECT, resource.id, "Resource hidden")
        moderation.log_action(moderator, resource.community, RESOURCE_HIDDEN,
                              subject=describe(resource), detail=reason)
        if resource.author_id != moderator.id:
            notify(resource.author, NotificationKind.POST_HIDDEN,
                   f"{moderator.name} hid your library resource “{resource.title}”: {reason}",
                   url_for("resources.show", resource_id=resource.id), actor=moderator,
                   community=resource.community, subject=NoticeSubject(SUBJECT, resource.id))
    db.session.commit()


def states(resource_ids: Sequence[int]) -> Mapping[int, SubjectState]:
    found = {}
    for resource_id, hidden_at, deleted_at in db.session.execute(
            select(Resource.id, Resource.hidden_at, Resource.deleted_at)
            .where(Resource.id.in_(resource_ids))):
        found[resource_id] = (SubjectState.GONE if deleted_at is not None else
                              SubjectState.HIDDEN if hidden_at is not None else
                              SubjectState.VISIBLE)
    return found


RESOURCES: SubjectKind[Resource] = register_kind(SubjectKind(
    name=SUBJECT, label="resource", find=resource_in_community, describe=describe,
    may_flag=resource_policy.may_flag_resource, hide=hide, states=states))
