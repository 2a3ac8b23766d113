"""What blog pages show: a community's index (tags, authors), one post, its history, and the
latest posts across a reader's communities, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.blogs.models import BlogPost, BlogRevision, BlogTag, PostState
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import blogs as blog_policy

PER_PAGE = 10


@dataclass(frozen=True)
class Filters:
    tag: str = ""
    author: int | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        return cls(tag=(args.get("tag") or "").strip()[:40], author=args.get("author", type=int))

    @property
    def active(self) -> bool:
        return bool(self.tag or self.author)

    def as_args(self, **changes: Any) -> dict[str, Any]:
        values = {"tag": self.tag, "author": self.author, **changes}
        return {key: value for key, value in values.items() if value}


@dataclass
class Index:
    pagination: Pagination
    filters: Filters
    tags: list[str] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)
    waiting: list[BlogPost] = field(default_factory=list)  # scheduled / unpublished, theirs
    drafts: list[BlogPost] = field(default_factory=list)  # the reader's own drafts

    @property
    def posts(self) -> list[BlogPost]:
        return list(self.pagination.items)


def _loaded(stmt: Select) -> Select:
    return stmt.options(joinedload(BlogPost.author), joinedload(BlogPost.community),
                        selectinload(BlogPost.tags))


def _filtered(stmt: Select, filters: Filters) -> Select:
    if filters.tag:
        stmt = stmt.where(BlogPost.id.in_(select(BlogTag.post_id).where(
            func.lower(BlogTag.tag) == filters.tag.lower())))
    if filters.author:
        stmt = stmt.where(BlogPost.author_id == filters.author)
    return stmt


def community_index(viewer: policy.Person, community: Community, filters: Filters, *,
                    page: int = 1) -> Index:
    """The posts out that this person may read, newest first, with what filters offer; and for
    writers, what waits (their drafts, scheduled and unpublished posts)."""
    now = utcnow()
    out = select(BlogPost).where(BlogPost.community_id == community.id,
                                 blog_policy.readable_posts(viewer, now))
    pagination = db.paginate(
        _loaded(_filtered(out, filters)).order_by(BlogPost.publish_at.desc(), BlogPost.id.desc()),
        page=page, per_page=PER_PAGE, error_out=False)
    ids = out.with_only_columns(BlogPost.id).order_by(None)
    tags = sorted({tag for tag in db.session.scalars(
        select(BlogTag.tag).distinct().where(BlogTag.post_id.in_(ids)))}, key=str.lower)
    authors = [(user_id, name) for user_id, name in db.session.execute(
        select(User.id, User.name).distinct().join(BlogPost, BlogPost.author_id == User.id)
        .where(BlogPost.id.in_(ids)).order_by(User.name))]
    waiting: list[BlogPost] = []
    drafts: list[BlogPost] = []
    if viewer.is_authenticated:
        mine_or_theirs = or_(blog_policy.waiting_posts(viewer, community),
                             and_(BlogPost.community_id == community.id,
                                  BlogPost.state == PostState.DRAFT,
                                  BlogPost.author_id == viewer.id))
        for post in db.session.scalars(_loaded(select(BlogPost).where(mine_or_theirs))
                                       .order_by(BlogPost.created_at.desc())).unique():
            (drafts if post.state is PostState.DRAFT else waiting).append(post)
    return Index(pagination=pagination, filters=filters, tags=tags, authors=authors,
                 waiting=waiting, drafts=drafts)


def latest(viewer: User, *, page: int = 1) -> Pagination:
    """The newest posts out in every community the person may read (and public ones of others
    are left to those communities' pages): "Latest from your communities"."""
    stmt = select(BlogPost).where(
        blog_policy.readable_posts(viewer),
        BlogPost.community_id.in_(policy.readable_community_ids(viewer)))
    return db.paginate(_loaded(stmt).order_by(BlogPost.publish_at.desc(), BlogPost.id.desc()),
                       page=page, per_page=PER_PAGE, error_out=False)


def public_posts(community: Community, *, limit: int = 3) -> list[BlogPost]:
    """What the community's public page shows visitors (and the catalogue counts)."""
    now = utcnow()
    return list(db.session.scalars(_loaded(select(BlogPost).where(
        BlogPost.community_id == community.id, BlogPost.is_public.is_(True),
        BlogPost.state == PostState.PUBLISHED, BlogPost.publish_at <= now))
        .order_by(BlogPost.publish_at.desc()).limit(limit)).unique())


def latest_public_posts(community_ids: list[int]) -> dict[int, BlogPost]:
    """The newest public post that is out in each of these communities: one query."""
    if not community_ids:
        return {}
    now = utcnow()
    public_out = and_(BlogPost.community_id.in_(community_ids), BlogPost.is_public.is_(True),
                      BlogPost.state == PostState.PUBLISHED, BlogPost.publish_at <= now)
    newest = (select(BlogPost.id, func.row_number().over(
        partition_by=BlogPost.community_id,
        order_by=(BlogPost.publish_at.desc(), BlogPost.id.desc())).label("rank"))
        .where(public_out).subquery())
    posts = db.session.scalars(select(BlogPost).join(newest, newest.c.id == BlogPost.id)
                               .where(newest.c.rank == 1)
                               .options(joinedload(BlogPost.community)))
    return {post.community_id: post for post in posts}


def newest_in(viewer: policy.Person, community: Community, *, limit: int = 3) -> list[BlogPost]:
    """The community page's glimpse of its blog, as this person may read it."""
    return list(db.session.scalars(_loaded(select(BlogPost).where(
        BlogPost.community_id == community.id, blog_policy.readable_posts(viewer)))
        .order_by(BlogPost.publish_at.desc(), BlogPost.id.desc()).limit(limit)).unique())


def post_in(viewer: policy.Person, community: Community, post_id: int) -> BlogPost:
    post = db.session.scalar(_loaded(select(BlogPost).where(
        BlogPost.id == post_id, BlogPost.community_id == community.id)))
    if post is None:
        raise errors.NotFound()
    policy.require(viewer, blog_policy.may_read_post, post)
    return post


def history_of(post: BlogPost) -> list[BlogRevision]:
    return list(db.session.scalars(
        select(BlogRevision).where(BlogRevision.post_id == post.id)
        .options(joinedload(BlogRevision.editor)).order_by(BlogRevision.created_at.desc())))
