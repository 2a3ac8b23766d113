"""What a library stores: resources (a file with its versions, or a link), their tags and
related states for filtering, and collections that gather them into a toolkit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.files.models import StoredFile
    from workspace.organizations.models import Organization
    from workspace.sessions.models import LiveSession

TITLE_MAX = 200
URL_MAX = 1000
NOTE_MAX = 500
TAG_MAX = 40
TAGS_MAX = 12


class ResourceType(enum.StrEnum):
    TOOL = "tool"
    TEMPLATE = "template"
    BRIEF = "brief"
    SLIDES = "slides"
    REPORT = "report"
    DATA = "data"
    RECORDING = "recording"
    SUMMARY = "summary"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Audience(enum.StrEnum):
    """Who in the community sees it: a state team keeps a resource to itself until it shares."""

    STATE = "state"  # the uploader's agency (and network staff)
    COMMUNITY = "community"


class Resource(Model):
    """One item in a community's library: an uploaded file (with versions) or a link."""

    __tablename__ = "resources"
    __table_args__ = (
        Index("ix_resources_community_created", "community_id", "created_at"),
        UniqueConstraint("author_id", "client_nonce"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[ResourceType] = mapped_column(enum_type(ResourceType), index=True)
    link_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # who added it
    # The one-time value of the form that added it (workspace.writing.once): a form sent twice
    # adds its resources once. Several files from one form: the value, then value-2, value-3 ...
    client_nonce: Mapped[str | None] = mapped_column(String(64))
    # The agency whose team holds it while its audience is STATE.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    audience: Mapped[Audience] = mapped_column(enum_type(Audience), default=Audience.COMMUNITY)
    shared_at: Mapped[datetime | None]  # when a state's resource was shared with the community
    # In the network's library, for everyone signed in across the network.
    network_published_at: Mapped[datetime | None] = mapped_column(index=True)
    network_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # On the community's public page (and so to visitors), which helps recruiting.
    is_public: Mapped[bool] = mapped_column(default=False)
    # The version people download. Not a foreign key: versions already point at their resource,
    # and a cycle of keys would stop SQLite dropping either table; the service sets it.
    current_version_id: Mapped[int | None]
    download_count: Mapped[int] = mapped_column(default=0)
    # The forum topic where it is discussed, once someone starts one.
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]  # by a facilitator: its uploader and moderators see it
    deleted_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    organization: Mapped[Organization] = relationship()
    session: Mapped[LiveSession | None] = relationship()
    current_version: Mapped[ResourceVersion | None] = relationship(
        primaryjoin="foreign(Resource.current_version_id) == ResourceVersion.id",
        post_update=True, viewonly=False)
    versions: Mapped[list[ResourceVersion]] = relationship(
        back_populates="resource", foreign_keys="ResourceVersion.resource_id",
        order_by="ResourceVersion.number.desc()")
    tags: Mapped[list[ResourceTag]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceTag.tag")
    states: Mapped[list[ResourceState]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceState.state_code")

    @property
    def is_link(self) -> bool:
        return self.link_url is not None

    @property
    def is_page(self) -> bool:
        """Written here rather than uploaded (a series summary): its text is the resource."""
        return self.link_url is None and self.current_version_id is None

    @property
    def tag_names(self) -> list[str]:
        return [tag.tag for tag in self.tags]

    @property
    def state_codes(self) -> list[str]:
        return [state.state_code for state in self.states]


class ResourceVersion(Model):
    """One upload of a resource's file: older ones stay downloadable."""

    __tablename__ = "resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[intpk]
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    number: Mapped[int]
    digest: Mapped[str] = mapped_column(ForeignKey("stored_files.digest"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")  # what changed
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    download_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created]

    resource: Mapped[Resource] = relationship(back_populates="versions",
                                              foreign_keys=[resource_id])
    file: Mapped[StoredFile] = relationship()
    author: Mapped[User] = relationship()


class ResourceTag(Model):
    __tablename__ = "resource_tags"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True, index=True)


class ResourceState(Model):
    """A state the resource is about (a state's plan, data from its schools ...)."""

    __tablename__ = "resource_states"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    state_code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class Collection(Model):
    """Resources gathered in an order: "the toolkit from this CoP"."""

    __tablename__ = "resource_collections"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    items: Mapped[list[CollectionItem]] = relationship(
        cascade="all, delete-orphan", order_by="CollectionItem.position")


class CollectionItem(Model):
    __tablename__ = "resource_collection_items"

    collection_id: Mapped[int] = mapped_column(ForeignKey("resource_collections.id"),
                                               primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True,
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)

    resource: Mapped[Resource] = relationship()
