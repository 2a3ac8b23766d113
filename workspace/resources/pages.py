"""What library pages show: a community's library and the network's, filtered and sorted, one
resource with its versions, and collections, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind
from workspace.policy import resources as resource_policy
from workspace.resources.models import (
    Collection,
    CollectionItem,
    Resource,
    ResourceState,
    ResourceTag,
    ResourceType,
    ResourceVersion,
)
from workspace.sessions.models import LiveSession

PER_PAGE = 24
SORTS = {"newest": "Newest first", "downloads": "Most downloaded", "title": "Title (A–Z)"}


@dataclass(frozen=True)
class Filters:
    """The library's filters, as the page's query string gives them (unknown values ignored)."""

    type: str = ""
    tag: str = ""
    state: str = ""
    session: int | None = None
    author: int | None = None
    sort: str = "newest"

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        kind = args.get("type", "")
        sort = args.get("sort", "newest")
        return cls(type=kind if kind in ResourceType.__members__.values() else "",
                   tag=(args.get("tag") or "").strip()[:40],
                   state=(args.get("state") or "").strip().upper()[:2],
                   session=args.get("session", type=int), author=args.get("author", type=int),
                   sort=sort if sort in SORTS else "newest")

    @property
    def active(self) -> bool:
        return bool(self.type or self.tag or self.state or self.session or self.author)

    def as_args(self, **changes: Any) -> dict[str, Any]:
        values = {"type": self.type, "tag": self.tag, "state": self.state,
                  "session": self.session, "author": self.author, "sort": self.sort}
        values.update(changes)
        return {key: value for key, value in values.items()
                if value and not (key == "sort" and value == "newest")}


@dataclass
class Choices:
    """What the filters offer: only values that some visible resource has."""

    tags: list[str] = field(default_factory=list)
    states: list[tuple[str, str]] = field(default_factory=list)
    sessions: list[tuple[int, str]] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Listing:
    pagination: Pagination
    filters: Filters
    choices: Choices

    @property
    def resources(self) -> list[Resource]:
        return list(self.pagination.items)


def _loaded(stmt: Select) -> Select:
    """Everything a resource card shows, in a fixed number of queries per page."""
    return stmt.options(
        joinedload(Resource.author), joinedload(Resource.community),
        joinedload(Resource.current_version).joinedload(ResourceVersion.file),
        joinedload(Resource.session), selectinload(Resource.tags),
        selectinload(Resource.states))


def _filtered(stmt: Select, filters: Filters) -> Select:
    if filters.type:
        stmt = stmt.where(Resource.type == ResourceType(filters.type))
    if filters.tag:
        stmt = stmt.where(Resource.id.in_(select(ResourceTag.resource_id).where(
            func.lower(ResourceTag.tag) == filters.tag.lower())))
    if filters.state:
        stmt = stmt.where(Resource.id.in_(select(ResourceState.resource_id).where(
            ResourceState.state_code == filters.state)))
    if filters.session:
        stmt = stmt.where(Resource.session_id == filters.session)
    if filters.author:
        stmt = stmt.where(Resource.author_id == filters.author)
    order = {"downloads": (Resource.download_count.desc(), Resource.id.desc()),
             "title": (func.lower(Resource.title), Resource.id)}.get(
        filters.sort, (Resource.created_at.desc(), Resource.id.desc()))
    return stmt.order_by(*order)


def _choices(visible: Select) -> Choices:
    """Four small queries over the visible resources' ids, however many there are."""
    ids = visible.with_only_columns(Resource.id).order_by(None)
    tags = list(db.session.scalars(
        select(ResourceTag.tag).distinct().where(ResourceTag.resource_id.in_(ids))
        .order_by(ResourceTag.tag)))
    states = [(code, name or code) for code, name in db.session.execute(
        select(ResourceState.state_code, func.min(Organization.name))
        .outerjoin(Organization, (Organization.state_code == ResourceState.state_code)
                   & (Organization.kind == OrganizationKind.SEA))
        .where(ResourceState.resource_id.in_(ids))
        .group_by(ResourceState.state_code).order_by(ResourceState.state_code))]
    sessions = _session_labels(ids)
    authors = [(user_id, name) for user_id, name in db.session.execute(
        select(User.id, User.name).distinct().join(Resource, Resource.author_id == User.id)
        .where(Resource.id.in_(ids)).order_by(User.name))]
    return Choices(tags=_unique_ci(tags), states=states, sessions=sessions, authors=authors)


def _session_labels(ids: Select) -> list[tuple[int, str]]:
    sessions = db.session.scalars(
        select(LiveSession).where(LiveSession.id.in_(
            select(Resource.session_id).where(Resource.id.in_(ids))))
        .order_by(LiveSession.starts_at))
    return [(session.id, session.label) for session in sessions]


def _unique_ci(tags: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), tag)
    return sorted(seen.values(), key=str.lower)


def community_library(user: policy.Person, community: Community, filters: Filters, *,
                      page: int = 1) -> Listing:
    visible = select(Resource).where(Resource.community_id == community.id,
                                     resource_policy.visible_resources(user))
    pagination = db.paginate(_loaded(_filtered(visible, filters)), page=page,
                             per_page=PER_PAGE, error_out=False)
    return Listing(pagination=pagination, filters=filters, choices=_choices(visible))


def network_library(user: policy.Person, filters: Filters, *, page: int = 1) -> Listing:
    visible = select(Resource).where(resource_policy.network_library_open(user))
    pagination = db.paginate(_loaded(_filtered(visible, filters)), page=page,
                             per_page=PER_PAGE, error_out=False)
    return Listing(pagination=pagination, filters=filters, choices=_choices(visible))


def public_resources(community: Community, *, limit: int = 6) -> list[Resource]:
    """What the community's public page shows visitors."""
    return list(db.session.scalars(_loaded(
        select(Resource).where(Resource.community_id == community.id,
                               Resource.is_public.is_(True), Resource.hidden_at.is_(None),
                               Resource.deleted_at.is_(None))
        .order_by(Resource.created_at.desc(), Resource.id.desc()).limit(limit))).unique())


def latest_in(user: policy.Person, community: Community, *, limit: int = 4) -> list[Resource]:
    """The community page's glimpse of its library."""
    return list(db.session.scalars(_loaded(
        select(Resource).where(Resource.community_id == community.id,
                               resource_policy.visible_resources(user))
        .order_by(Resource.created_at.desc(), Resource.id.desc()).limit(limit))).unique())


def resource_for(user: policy.Person, resource_id: int) -> Resource:
    """The resource as this person may see it, or NotFound."""
    resource = db.session.scalar(_loaded(select(Resource).where(Resource.id == resource_id))
                                 .options(joinedload(Resource.organization)))
    if resource is None:
        raise errors.NotFound()
    policy.require(user, resource_policy.may_see_resource, resource)
    return resource


def versions_of(resource: Resource) -> list[ResourceVersion]:
    return list(db.session.scalars(
        select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
        .options(joinedload(ResourceVersion.author), joinedload(ResourceVersion.file))
        .order_by(ResourceVersion.number.desc())))


def version_of(resource: Resource, number: int) -> ResourceVersion:
    version = db.session.scalar(
        select(ResourceVersion).where(ResourceVersion.resource_id == resource.id,
                                      ResourceVersion.number == number)
        .options(joinedload(ResourceVersion.file)))
    if version is None:
        raise errors.NotFound()
    return version


def collections_of(community: Community) -> list[tuple[Collection, int]]:
    """The community's collections with how many items each holds (visibility aside)."""
    counts = (select(CollectionItem.collection_id, func.count().label("n"))
              .group_by(CollectionItem.collection_id).subquery())
    return [(collection, count or 0) for collection, count in db.session.execute(
        select(Collection, counts.c.n).outerjoin(counts, counts.c.collection_id == Collection.id)
        .where(Collection.community_id == community.id).order_by(Collection.title))]


def collection_in(community: Community, collection_id: int) -> Collection:
    collection = db.session.scalar(select(Collection).where(
        Collection.id == collection_id, Collection.community_id == community.id))
    if collection is None:
        raise errors.NotFound()
    return collection


def collection_items(user: policy.Person, collection: Collection) -> list[Resource]:
    """Its resources in order, those this person may see."""
    return list(db.session.scalars(_loaded(
        select(Resource).join(CollectionItem, CollectionItem.resource_id == Resource.id)
        .where(CollectionItem.collection_id == collection.id,
               resource_policy.visible_resources(user))
        .order_by(CollectionItem.position, CollectionItem.resource_id))).unique())


def collections_holding(resource: Resource) -> list[Collection]:
    return list(db.session.scalars(
        select(Collection).join(CollectionItem, CollectionItem.collection_id == Collection.id)
        .where(CollectionItem.resource_id == resource.id).order_by(Collection.title)))
