"""Collections: resources gathered in an order, such as "the toolkit from this CoP"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from workspace import errors, policy, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import resources as resource_policy
from workspace.resources.models import TITLE_MAX, Collection, CollectionItem, Resource


def _clean(title: str, description: str) -> tuple[str, str]:
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise errors.Invalid("Give the collection a title.", field="title")
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters.", field="title")
    if len(description or "") > writing.BODY_MAX:
        raise errors.Invalid(f"Keep the description under {writing.BODY_MAX:,} characters.",
                             field="description")
    return title, description or ""


def create(user: User, community: Community, title: str, description: str) -> Collection:
    policy.require(user, resource_policy.may_curate, community)
    title, description = _clean(title, description)
    collection = Collection(community_id=community.id, title=title, description=description,
                            description_html=writing.render_body(community, description),
                            author_id=user.id)
    db.session.add(collection)
    db.session.commit()
    return collection


def change(user: User, collection: Collection, title: str, description: str, *,
           order: Sequence[int] = ()) -> None:
    """New title and description; `order` (resource ids, first to last) rearranges it."""
    policy.require(user, resource_policy.may_curate, collection.community)
    collection.title, collection.description = _clean(title, description)
    collection.description_html = writing.render_body(collection.community,
                                                      collection.description)
    collection.updated_at = utcnow()
    if order:
        position = {resource_id: index for index, resource_id in enumerate(order)}
        for item in collection.items:
            item.position = position.get(item.resource_id, len(position) + item.position)
    db.session.commit()


def delete(user: User, collection: Collection) -> None:
    policy.require(user, resource_policy.may_curate, collection.community)
    db.session.execute(sql_delete(CollectionItem)
                       .where(CollectionItem.collection_id == collection.id))
    db.session.delete(collection)
    db.session.commit()


def add(user: User, collection: Collection, resource: Resource) -> None:
    """Put a resource of the collection's community at its end (once)."""
    policy.require(user, resource_policy.may_curate, collection.community)
    if resource.community_id != collection.community_id:
        raise errors.Invalid("A collection gathers resources of its own community.")
    present = db.session.get(CollectionItem, (collection.id, resource.id))
    if present is None:
        last = db.session.scalar(select(func.max(CollectionItem.position))
                                 .where(CollectionItem.collection_id == collection.id))
        db.session.add(CollectionItem(collection_id=collection.id, resource_id=resource.id,
                                      position=(last if last is not None else -1) + 1))
        collection.updated_at = utcnow()
    db.session.commit()


def remove(user: User, collection: Collection, resource: Resource) -> None:
    policy.require(user, resource_policy.may_curate, collection.community)
    db.session.execute(sql_delete(CollectionItem).where(
        CollectionItem.collection_id == collection.id,
        CollectionItem.resource_id == resource.id))
    db.session.commit()
