"""Community forums: reading topics, writing posts, watching, and keeping the forum civil."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, raiseload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.communities.models import Community, CommunityRole, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import (
    DEFAULT_CATEGORIES,
    CategorySubscription,
    Draft,
    Flag,
    ForumCategory,
    ModerationAction,
    ModerationEvent,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    ReadMark,
    Topic,
    TopicSubscription,
    WatchLevel,
)
from workspace.notifications.models import Notification
from workspace.notifications.service import announce, notify
from workspace.organizations.models import Organization
from workspace.policy import Action
from workspace.text import MENTION, mention_handle, render_markdown

PER_PAGE = 25
TITLE_MAX = 200
BODY_MAX = 30_000
REASON_MAX = 500
CATEGORY_NAME_MAX = 80
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
DRAFT_KEY = re.compile(r"^(topic|reply):([0-9]{1,12})$")

# Templates must not run a query per row: anything not loaded up front raises, unless SQLAlchemy
# can answer from the objects already in the session (a post's topic, the topic's community).
NO_LAZY_SQL = raiseload("*", sql_only=True)


# --- Categories ------------------------------------------------------------------------------

def categories_of(community: Community) -> list[ForumCategory]:
    """The forum's categories in the order the facilitators chose."""
    return list(db.session.scalars(
        select(ForumCategory).where(ForumCategory.community_id == community.id)
        .order_by(ForumCategory.position, ForumCategory.id)))


def add_default_categories(community: Community) -> list[ForumCategory]:
    """Give a forum the starting categories if it has none, in the caller's unit of work.

    Called when a community is created (and by the demo seed; the forums migration gave every
    community that existed then its set). Pages only read categories: a GET never writes.
    """
    existing = categories_of(community)
    if existing:
        return existing
    categories = [ForumCategory(community_id=community.id, name=name, description=description,
                                position=position)
                  for position, (name, description) in enumerate(DEFAULT_CATEGORIES)]
    db.session.add_all(categories)
    db.session.flush()
    return categories


def add_starting_categories(actor: User, community: Community) -> list[ForumCategory]:
    """A facilitator gives a forum without categories the starting set."""
    policy.authorize(actor, Action.MANAGE, community)
    categories = add_default_categories(community)
    db.session.commit()
    return categories


def category_in(viewer: policy.Person, community: Community, category_id: int) -> ForumCategory:
    """A category of this community (archived ones too: their topics stay readable)."""
    policy.authorize(viewer, Action.READ, community)
    category = db.session.get(ForumCategory, category_id)
    if category is None or category.community_id != community.id:
        raise errors.NotFound()
    return category


def active_categories(community: Community) -> list[ForumCategory]:
    return [c for c in categories_of(community) if not c.is_archived]


def _clean_category(community: Community, name: str, description: str,
                    category: ForumCategory | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise errors.Invalid("Give the category a name.", field="name")
    if len(name) > CATEGORY_NAME_MAX:
        raise errors.Invalid(f"Keep the name under {CATEGORY_NAME_MAX} characters.", field="name")
    description = (description or "").strip()
    if len(description) > 1000:
        raise errors.Invalid("Keep the description under 1,000 characters.", field="description")
    clash = db.session.scalar(select(ForumCategory.id).where(
        ForumCategory.community_id == community.id,
        func.lower(ForumCategory.name) == name.lower()))
    if clash is not None and (category is None or clash != category.id):
        raise errors.Invalid("Another category already has that name.", field="name")
    return name, description


def add_category(actor: User, community: Community, *, name: str,
                 description: str = "") -> ForumCategory:
    """A facilitator adds a category at the end of the list."""
    policy.authorize(actor, Action.MANAGE, community)
    name, description = _clean_category(community, name, description, None)
    last = db.session.scalar(select(func.max(ForumCategory.position)).where(
        ForumCategory.community_id == community.id))
    category = ForumCategory(community_id=community.id, name=name, description=description,
                             position=(last if last is not None else -1) + 1)
    db.session.add(category)
    db.session.flush()
    _log(actor, community, ModerationAction.CATEGORY_ADDED, detail=name)
    db.session.commit()
    return category


def update_category(actor: User, category: ForumCategory, *, name: str,
                    description: str) -> ForumCategory:
    """Rename a category or describe it better."""
    community = category.community
    policy.authorize(actor, Action.MANAGE, community)
    name, description = _clean_category(community, name, description, category)
    if (name, description) == (category.name, category.description):
        return category
    detail = name if name == category.name else f"{category.name} → {name}"
    category.name, category.description = name, description
    _log(actor, community, ModerationAction.CATEGORY_CHANGED, detail=detail)
    db.session.commit()
    return category


def move_category(actor: User, category: ForumCategory, *, offset: int) -> None:
    """Move a category one place up (-1) or down (+1) in the forum's list."""
    community = category.community
    policy.authorize(actor, Action.MANAGE, community)
    if offset not in (-1, 1):
        raise errors.Invalid("Move a category one place up or down.")
    ordered = categories_of(community)
    index = next(i for i, c in enumerate(ordered) if c.id == category.id)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    db.session.commit()


def archive_category(actor: User, category: ForumCategory, *, archived: bool) -> None:
    """Archive a category (its topics stay readable, no new ones) or bring it back."""
    community = category.community
    policy.authorize(actor, Action.MANAGE, community)
    if category.is_archived == archived:
        return
    category.is_archived = archived
    action = (ModerationAction.CATEGORY_ARCHIVED if archived
              else ModerationAction.CATEGORY_RESTORED)
    _log(actor, community, action, detail=category.name)
    db.session.commit()


# --- What the viewer may see -----------------------------------------------------------------

def _viewer_id(viewer: policy.Person) -> int:
    return viewer.id if viewer.is_authenticated else -1


def _topic_visibility(viewer: policy.Person, community: Community) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Topic.deleted_at.is_(None)]
    if not policy.can(viewer, Action.MODERATE, community):
        clauses.append(or_(Topic.is_hidden.is_(False), Topic.author_id == _viewer_id(viewer)))
    return clauses


def _post_visibility(viewer: policy.Person, community: Community) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Post.deleted_at.is_(None)]
    if not policy.can(viewer, Action.MODERATE, community):
        clauses.append(or_(Post.hidden_at.is_(None), Post.author_id == _viewer_id(viewer)))
    return clauses


# Counts everyone shares (reply counts, unread numbers, search) use only these posts and topics.
VISIBLE_TO_ALL_POSTS = (Post.hidden_at.is_(None), Post.deleted_at.is_(None))
VISIBLE_TO_ALL_TOPICS = (Topic.is_hidden.is_(False), Topic.deleted_at.is_(None))


def topic_in(viewer: policy.Person, community: Community, topic_id: int) -> Topic:
    """A topic of this community the viewer may read, or NotFound."""
    policy.authorize(viewer, Action.READ, community)
    topic = db.session.scalar(
        select(Topic).where(Topic.id == topic_id, Topic.community_id == community.id)
        .options(joinedload(Topic.category), joinedload(Topic.author), NO_LAZY_SQL))
    if topic is None or not policy.may_see_topic(viewer, topic):
        raise errors.NotFound()
    return topic


def post_in(viewer: policy.Person, community: Community, post_id: int) -> Post:
    """A post of this community the viewer may see (hidden ones: author and moderators only)."""
    policy.authorize(viewer, Action.READ, community)
    post = db.session.scalar(
        select(Post).join(Post.topic).where(Post.id == post_id, Topic.community_id == community.id)
        .options(joinedload(Post.topic).joinedload(Topic.category),
                 joinedload(Post.topic).joinedload(Topic.author),
                 joinedload(Post.author).joinedload(User.organization),
                 joinedload(Post.quoted_post).joinedload(Post.author), NO_LAZY_SQL))
    if post is None or not policy.may_see_post(viewer, post):
        raise errors.NotFound()
    return post


def topic_for_live(viewer: policy.Person, topic_id: int) -> Topic:
    """The topic a live connection asks to follow, if the person may read it."""
    topic = db.session.scalar(select(Topic).where(Topic.id == topic_id)
                              .options(joinedload(Topic.community)))
    if topic is None or not policy.may_see_topic(viewer, topic):
        raise errors.NotFound("That topic isn't available.")
    return topic


def forum_for_live(viewer: policy.Person, community_id: int) -> Community:
    """The community whose forum a live connection asks to follow, if the person may read it."""
    community = db.session.get(Community, community_id)
    if community is None or not policy.can(viewer, Action.READ, community):
        raise errors.NotFound("That forum isn't available.")
    return community


# --- The forum's front page ------------------------------------------------------------------

@dataclass
class CategorySummary:
    category: ForumCategory
    topic_count: int = 0
    post_count: int = 0
    last_posted_at: datetime | None = None
    unread_topics: int = 0
    watch: WatchLevel = WatchLevel.NORMAL


@dataclass
class ForumOverview:
    categories: list[CategorySummary]
    archived: list[CategorySummary]
    recent: list[TopicRow]
    open_flags: int = 0


def _unread_topics_clause(viewer: policy.Person) -> ColumnElement[bool]:
    return Topic.last_post_id > func.coalesce(ReadMark.last_read_post_id, 0)


def forum_overview(viewer: policy.Person, community: Community) -> ForumOverview:
    """Categories with their counts and the viewer's unread topics, and the latest topics."""
    policy.authorize(viewer, Action.READ, community)
    categories = categories_of(community)
    viewer_id = _viewer_id(viewer)
    totals = {row[0]: row[1:] for row in db.session.execute(
        select(Topic.category_id, func.count(Topic.id), func.sum(Topic.reply_count + 1),
               func.max(Topic.last_posted_at))
        .where(Topic.community_id == community.id, *VISIBLE_TO_ALL_TOPICS)
        .group_by(Topic.category_id))}
    unread = dict(db.session.execute(
        select(Topic.category_id, func.count(Topic.id))
        .outerjoin(ReadMark, and_(ReadMark.topic_id == Topic.id, ReadMark.user_id == viewer_id))
        .outerjoin(TopicSubscription, and_(TopicSubscription.topic_id == Topic.id,
                                           TopicSubscription.user_id == viewer_id))
        .outerjoin(CategorySubscription, and_(CategorySubscription.category_id == Topic.category_id,
                                              CategorySubscription.user_id == viewer_id))
        .where(Topic.community_id == community.id, *VISIBLE_TO_ALL_TOPICS,
               _unread_topics_clause(viewer), _not_muted())
        .group_by(Topic.category_id)).all())
    levels = dict(db.session.execute(
        select(CategorySubscription.category_id, CategorySubscription.level).where(
            CategorySubscription.user_id == viewer_id,
            CategorySubscription.category_id.in_([c.id for c in categories]))).all())
    summaries = []
    for category in categories:
        count, posts, last = totals.get(category.id, (0, 0, None))
        summaries.append(CategorySummary(category=category, topic_count=count,
                                         post_count=int(posts or 0), last_posted_at=last,
                                         unread_topics=unread.get(category.id, 0),
                                         watch=levels.get(category.id, WatchLevel.NORMAL)))
    recent_stmt = (select(Topic).where(Topic.community_id == community.id,
                                       *_topic_visibility(viewer, community))
                   .options(joinedload(Topic.author), joinedload(Topic.last_poster),
                            joinedload(Topic.category), NO_LAZY_SQL)
                   .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(5))
    recent = _topic_rows(viewer, list(db.session.scalars(recent_stmt)))
    open_flags = 0
    if policy.can(viewer, Action.MODERATE, community):
        open_flags = db.session.scalar(
            select(func.count(Flag.id)).join(Flag.post).join(Post.topic)
            .where(Topic.community_id == community.id, Flag.resolved_at.is_(None))) or 0
    return ForumOverview(categories=[s for s in summaries if not s.category.is_archived],
                         archived=[s for s in summaries if s.category.is_archived],
                         recent=recent, open_flags=open_flags)


def _not_muted() -> ColumnElement[bool]:
    # Needs TopicSubscription and CategorySubscription outer-joined for the viewer.
    return and_(or_(TopicSubscription.level.is_(None),
                    TopicSubscription.level != WatchLevel.MUTED),
                or_(CategorySubscription.level.is_(None),
                    CategorySubscription.level != WatchLevel.MUTED,
                    TopicSubscription.level == WatchLevel.WATCHING))


# --- Topic lists -----------------------------------------------------------------------------

@dataclass
class TopicRow:
    topic: Topic
    unread: int = 0  # posts others wrote since the viewer last read the topic
    is_new: bool = False  # never opened
    watch: WatchLevel = WatchLevel.NORMAL

    @property
    def is_muted(self) -> bool:
        return self.watch is WatchLevel.MUTED


@dataclass
class TopicList:
    pagination: Pagination
    rows: list[TopicRow]


def _topic_rows(viewer: policy.Person, topics: list[Topic]) -> list[TopicRow]:
    """Each topic with the viewer's unread count and watch level: one query for the lot."""
    viewer_id = _viewer_id(viewer)
    unread = (select(func.count(Post.id))
              .where(Post.topic_id == Topic.id,
                     Post.id > func.coalesce(ReadMark.last_read_post_id, 0),
                     Post.author_id != viewer_id, *VISIBLE_TO_ALL_POSTS)
              .correlate(Topic, ReadMark).scalar_subquery())
    found = {row[0]: row[1:] for row in db.session.execute(
        select(Topic.id, ReadMark.last_read_post_id, TopicSubscription.level, unread)
        .outerjoin(ReadMark, and_(ReadMark.topic_id == Topic.id, ReadMark.user_id == viewer_id))
        .outerjoin(TopicSubscription, and_(TopicSubscription.topic_id == Topic.id,
                                           TopicSubscription.user_id == viewer_id))
        .where(Topic.id.in_([topic.id for topic in topics])))}
    rows = []
    for topic in topics:
        mark, level, count = found.get(topic.id, (None, None, 0))
        rows.append(TopicRow(topic=topic, unread=count or 0, is_new=mark is None,
                             watch=level or WatchLevel.NORMAL))
    return rows


def topics_page(viewer: policy.Person, category: ForumCategory, *, page: int) -> TopicList:
    """A category's topics: pinned first, then by latest activity, 25 a page."""
    community = category.community
    policy.authorize(viewer, Action.READ, community)
    stmt = (select(Topic).where(Topic.category_id == category.id,
                                *_topic_visibility(viewer, community))
            .options(joinedload(Topic.author), joinedload(Topic.last_poster), NO_LAZY_SQL)
            .order_by(Topic.is_pinned.desc(), Topic.last_posted_at.desc(), Topic.id.desc()))
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    return TopicList(pagination=pagination, rows=_topic_rows(viewer, list(pagination.items)))


def search_topics(viewer: policy.Person, community: Community, words: str, *,
                  page: int) -> TopicList:
    """Topics whose title or visible posts contain every word (hidden posts never match)."""
    policy.authorize(viewer, Action.READ, community)
    stmt = (select(Topic).where(Topic.community_id == community.id,
                                *_topic_visibility(viewer, community))
            .options(joinedload(Topic.author), joinedload(Topic.last_poster),
                     joinedload(Topic.category), NO_LAZY_SQL)
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc()))
    terms = [word for word in (words or "").lower().split() if word][:8]
    if not terms:
        stmt = stmt.where(False)
    for word in terms:
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_posts = select(Post.topic_id).where(func.lower(Post.body).like(like, escape="\\"),
                                               *VISIBLE_TO_ALL_POSTS)
        stmt = stmt.where(or_(func.lower(Topic.title).like(like, escape="\\"),
                              Topic.id.in_(in_posts)))
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    return TopicList(pagination=pagination, rows=_topic_rows(viewer, list(pagination.items)))


@dataclass
class Activity:
    topics: TopicList
    categories: list[ForumCategory]


def activity(viewer: User, *, page: int) -> Activity:
    """Everything the person watches, across the communities they may read, latest first."""
    readable = policy.readable_community_ids(viewer)
    watched_categories = select(CategorySubscription.category_id).where(
        CategorySubscription.user_id == viewer.id,
        CategorySubscription.level == WatchLevel.WATCHING)
    stmt = (select(Topic)
            .outerjoin(TopicSubscription, and_(TopicSubscription.topic_id == Topic.id,
                                               TopicSubscription.user_id == viewer.id))
            .where(Topic.community_id.in_(readable), Topic.deleted_at.is_(None),
                   or_(Topic.is_hidden.is_(False), Topic.author_id == viewer.id),
                   or_(TopicSubscription.level == WatchLevel.WATCHING,
                       and_(Topic.category_id.in_(watched_categories),
                            or_(TopicSubscription.level.is_(None),
                                TopicSubscription.level != WatchLevel.MUTED))))
            .options(joinedload(Topic.author), joinedload(Topic.last_poster),
                     joinedload(Topic.category), joinedload(Topic.community), NO_LAZY_SQL)
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc()))
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    categories = list(db.session.scalars(
        select(ForumCategory).where(ForumCategory.id.in_(watched_categories),
                                    ForumCategory.community_id.in_(readable))
        .options(joinedload(ForumCategory.community)).order_by(ForumCategory.name)))
    return Activity(topics=TopicList(pagination=pagination,
                                     rows=_topic_rows(viewer, list(pagination.items))),
                    categories=categories)


# --- A topic's page --------------------------------------------------------------------------

@dataclass
class ReactionSummary:
    kind: ReactionKind
    count: int = 0
    mine: bool = False


@dataclass
class PostView:
    """One post as this viewer sees it, with what they may do to it worked out once."""

    post: Post
    number: int
    is_new: bool = False
    is_answer: bool = False
    reactions: list[ReactionSummary] = field(default_factory=list)
    quote: Post | None = None  # the post it quotes, if the viewer may see that post
    quote_unavailable: bool = False
    may_edit: bool = False
    may_delete: bool = False
    may_react: bool = False
    may_flag: bool = False
    may_quote: bool = False
    may_answer: bool = False
    may_moderate: bool = False
    is_own: bool = False


@dataclass
class TopicPage:
    topic: Topic
    pagination: Pagination
    posts: list[PostView]
    last_read_post_id: int | None
    watch: WatchLevel
    category_watched: bool
    answer: Post | None
    may_reply: bool
    may_moderate: bool
    may_mark_answer: bool
    draft: Draft | None = None

    @property
    def first_new_post_id(self) -> int | None:
        return next((view.post.id for view in self.posts if view.is_new), None)

    @property
    def newest_post_id(self) -> int:
        return max((view.post.id for view in self.posts), default=0)


# A topic page shows 25 posts with their authors and quotes: load only the columns it shows
# (not the Markdown source, nor the authors' emails and password hashes), and fail loudly if a
# template reaches for another.
_SHOWN_AUTHOR = load_only(User.id, User.name, User.organization_id, raiseload=True)
_POST_PAGE_OPTIONS = (
    load_only(Post.id, Post.topic_id, Post.author_id, Post.is_opening, Post.body_html,
              Post.quoted_post_id, Post.client_nonce, Post.created_at, Post.edited_at,
              Post.hidden_at, Post.hidden_reason, Post.deleted_at, raiseload=True),
    joinedload(Post.author).options(
        _SHOWN_AUTHOR,
        joinedload(User.organization).load_only(Organization.id, Organization.name,
                                                raiseload=True)),
    joinedload(Post.quoted_post).options(
        load_only(Post.id, Post.topic_id, Post.author_id, Post.body_html, Post.hidden_at,
                  Post.deleted_at, raiseload=True),
        joinedload(Post.author).options(_SHOWN_AUTHOR)),
    NO_LAZY_SQL,
)


def _posts_stmt(viewer: policy.Person, topic: Topic):  # noqa: ANN202 - a Select of Post
    return (select(Post).where(Post.topic_id == topic.id,
                               *_post_visibility(viewer, topic.community))
            .options(*_POST_PAGE_OPTIONS).order_by(Post.id))


def _visible_count(viewer: policy.Person, topic: Topic, *, before: int | None = None) -> int:
    stmt = select(func.count(Post.id)).where(Post.topic_id == topic.id,
                                             *_post_visibility(viewer, topic.community))
    if before is not None:
        stmt = stmt.where(Post.id < before)
    return db.session.scalar(stmt) or 0


def _reactions(viewer: policy.Person, post_ids: list[int]) -> dict[int, list[ReactionSummary]]:
    viewer_id = _viewer_id(viewer)
    counts: dict[int, dict[ReactionKind, ReactionSummary]] = {
        post_id: {kind: ReactionSummary(kind) for kind in ReactionKind} for post_id in post_ids}
    for post_id, kind, count, mine in db.session.execute(
            select(Reaction.post_id, Reaction.kind, func.count(Reaction.id),
                   func.sum(case((Reaction.user_id == viewer_id, 1), else_=0)))
            .where(Reaction.post_id.in_(post_ids)).group_by(Reaction.post_id, Reaction.kind)):
        counts[post_id][kind] = ReactionSummary(kind, count, bool(mine))
    return {post_id: list(kinds.values()) for post_id, kinds in counts.items()}


@dataclass(frozen=True)
class _TopicRights:
    """What the viewer may do with the topic itself: the same for each of its posts."""

    may_reply: bool
    may_mark_answer: bool


def _topic_rights(viewer: policy.Person, topic: Topic,
                  standing: policy.ForumStanding) -> _TopicRights:
    return _TopicRights(may_reply=policy.may_reply(viewer, topic, standing),
                        may_mark_answer=policy.may_mark_answer(viewer, topic, standing))


def _post_view(viewer: policy.Person, post: Post, number: int, reactions: list[ReactionSummary],
               last_read: int | None, standing: policy.ForumStanding,
               rights: _TopicRights) -> PostView:
    topic = post.topic
    quote, unavailable = None, False
    if post.quoted_post_id is not None:
        if post.quoted_post is not None and policy.may_see_post(viewer, post.quoted_post,
                                                                standing):
            quote = post.quoted_post
        else:
            unavailable = True
    is_own = standing.user_id == post.author_id
    return PostView(
        post=post, number=number, reactions=reactions, quote=quote, quote_unavailable=unavailable,
        is_new=last_read is not None and post.id > last_read and not is_own,
        is_answer=topic.answer_post_id == post.id,
        may_edit=policy.may_edit_post(viewer, post, standing),
        may_delete=policy.may_delete_post(viewer, post, standing),
        may_react=policy.may_react(viewer, post, standing),
        may_flag=policy.may_flag(viewer, post, standing),
        may_quote=post.is_visible and rights.may_reply,
        may_answer=not post.is_opening and post.is_visible and rights.may_mark_answer,
        may_moderate=standing.moderates, is_own=is_own)


@dataclass
class ReaderState:
    """The viewer's own traces in a topic, read in one query."""

    last_read: int | None
    topic_level: WatchLevel | None
    category_level: WatchLevel | None
    draft: Draft | None


def _reader_state(viewer: policy.Person, topic: Topic, *, with_draft: bool = False) -> ReaderState:
    viewer_id = _viewer_id(viewer)
    stmt = select(
        select(ReadMark.last_read_post_id).where(ReadMark.topic_id == topic.id,
                                                 ReadMark.user_id == viewer_id).scalar_subquery(),
        select(TopicSubscription.level).where(TopicSubscription.topic_id == topic.id,
                                              TopicSubscription.user_id == viewer_id)
        .scalar_subquery(),
        select(CategorySubscription.level).where(
            CategorySubscription.category_id == topic.category_id,
            CategorySubscription.user_id == viewer_id).scalar_subquery())
    if with_draft:
        stmt = stmt.add_columns(Draft).select_from(Topic).outerjoin(
            Draft, and_(Draft.user_id == viewer_id, Draft.key == reply_draft_key(topic))
        ).where(Topic.id == topic.id)
    row = db.session.execute(stmt).one()
    return ReaderState(last_read=row[0],
                       topic_level=WatchLevel(row[1]) if row[1] else None,
                       category_level=WatchLevel(row[2]) if row[2] else None,
                       draft=row[3] if with_draft else None)


def topic_page(viewer: policy.Person, topic: Topic, *, page: int | None) -> TopicPage:
    """One page of a topic's posts (None: the last page), with all the page needs, in a fixed
    number of queries however long the topic is."""
    community = topic.community
    policy.authorize(viewer, Action.READ, community)
    total = _visible_count(viewer, topic)
    if page is None:
        page = max(1, -(-total // PER_PAGE))
    pagination = db.paginate(_posts_stmt(viewer, topic), page=page, per_page=PER_PAGE,
                             error_out=False, count=False)
    pagination.total = total
    posts: list[Post] = list(pagination.items)
    standing = policy.forum_standing(viewer, community)
    rights = _topic_rights(viewer, topic, standing)
    state = _reader_state(viewer, topic, with_draft=rights.may_reply)
    last_read = state.last_read
    reactions = _reactions(viewer, [post.id for post in posts])
    offset = (pagination.page - 1) * PER_PAGE
    views = [_post_view(viewer, post, offset + index + 1, reactions[post.id], last_read, standing,
                        rights)
             for index, post in enumerate(posts)]
    answer = None
    if topic.answer_post_id is not None:
        answer = next((post for post in posts if post.id == topic.answer_post_id), None)
        if answer is None:
            answer = db.session.scalar(_posts_stmt(viewer, topic).where(
                Post.id == topic.answer_post_id))
    return TopicPage(
        topic=topic, pagination=pagination, posts=views, last_read_post_id=last_read,
        watch=state.topic_level or WatchLevel.NORMAL,
        category_watched=state.category_level is WatchLevel.WATCHING, answer=answer,
        may_reply=rights.may_reply, may_moderate=standing.moderates,
        may_mark_answer=rights.may_mark_answer, draft=state.draft)


def post_view(viewer: policy.Person, post: Post) -> PostView:
    """One post as it appears in its topic, for a live update of an open page."""
    number = _visible_count(viewer, post.topic, before=post.id) + 1
    last_read = _reader_state(viewer, post.topic).last_read
    standing = policy.forum_standing(viewer, post.topic.community)
    return _post_view(viewer, post, number, _reactions(viewer, [post.id])[post.id], last_read,
                      standing, _topic_rights(viewer, post.topic, standing))


def page_of(viewer: policy.Person, post: Post) -> int:
    """The page of its topic the post is on, as this viewer counts posts."""
    return _visible_count(viewer, post.topic, before=post.id) // PER_PAGE + 1


def post_address(viewer: policy.Person, post: Post) -> str:
    topic = post.topic
    return url_for("forums.topic", slug=topic.community.slug, topic_id=topic.id,
                   page=page_of(viewer, post)) + f"#post-{post.id}"


def first_unread_address(viewer: policy.Person, topic: Topic) -> str:
    """Where "jump to the first unread post" leads: that post, or the topic's end."""
    last_read = _reader_state(viewer, topic).last_read
    slug = topic.community.slug
    if last_read is None:
        return url_for("forums.topic", slug=slug, topic_id=topic.id)
    first = db.session.scalar(
        select(Post).where(Post.topic_id == topic.id, Post.id > last_read,
                           *_post_visibility(viewer, topic.community))
        .order_by(Post.id).limit(1))
    if first is None:
        return url_for("forums.topic", slug=slug, topic_id=topic.id, page="last") + "#latest"
    return post_address(viewer, first)


def mark_read(viewer: policy.Person, topic: Topic, *, through_post_id: int) -> None:
    """Remember that the viewer has read the topic up to this post (never moves back)."""
    if not viewer.is_authenticated or through_post_id <= 0:
        return
    user_id, topic_id = viewer.id, topic.id
    now = utcnow()
    moved = db.session.execute(
        update(ReadMark).where(ReadMark.user_id == user_id, ReadMark.topic_id == topic_id,
                               ReadMark.last_read_post_id < through_post_id)
        .values(last_read_post_id=through_post_id, visited_at=now)).rowcount
    if not moved and db.session.scalar(select(ReadMark.id).where(
            ReadMark.user_id == user_id, ReadMark.topic_id == topic_id)) is None:
        db.session.add(ReadMark(user_id=user_id, topic_id=topic_id,
                                last_read_post_id=through_post_id, visited_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same person's other tab recorded it first


def newest_visible_post_id(viewer: policy.Person, topic: Topic) -> int:
    return db.session.scalar(select(func.max(Post.id)).where(
        Post.topic_id == topic.id, *_post_visibility(viewer, topic.community))) or 0


# --- Writing ---------------------------------------------------------------------------------

def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise errors.Invalid("Give the topic a title.", field="title")
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters.", field="title")
    return title


def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise errors.Invalid("Write something before posting.", field="body")
    if len(body) > BODY_MAX:
        raise errors.Invalid(f"Keep a post under {BODY_MAX:,} characters: split it in two.",
                             field="body")
    return body


def _clean_nonce(nonce: str | None) -> str | None:
    return nonce if nonce and NONCE.match(nonce) else None


def _post_for_nonce(author: User, nonce: str | None) -> Post | None:
    if nonce is None:
        return None
    return db.session.scalar(select(Post).where(Post.author_id == author.id,
                                                Post.client_nonce == nonce))


def _set_read_mark(user: User, topic_id: int, post_id: int) -> None:
    mark = db.session.scalar(select(ReadMark).where(ReadMark.user_id == user.id,
                                                    ReadMark.topic_id == topic_id))
    if mark is None:
        db.session.add(ReadMark(user_id=user.id, topic_id=topic_id, last_read_post_id=post_id))
    elif mark.last_read_post_id < post_id:
        mark.last_read_post_id = post_id
        mark.visited_at = utcnow()


def _watch_unless_chosen(user: User, topic_id: int) -> None:
    """Writing in a topic watches it, unless the person already chose a level for it."""
    if db.session.scalar(select(TopicSubscription.id).where(
            TopicSubscription.user_id == user.id,
            TopicSubscription.topic_id == topic_id)) is None:
        db.session.add(TopicSubscription(user_id=user.id, topic_id=topic_id,
                                         level=WatchLevel.WATCHING))


def _discard_draft(user: User, key: str) -> None:
    db.session.execute(delete(Draft).where(Draft.user_id == user.id, Draft.key == key))


def _link(post: Post) -> str:
    return url_for("forums.post_link", slug=post.topic.community.slug, post_id=post.id)


def start_topic(author: User, category: ForumCategory, *, title: str, body: str,
                nonce: str | None = None) -> Topic:
    """Open a topic with its first post and tell the people watching the category."""
    community = category.community
    policy.authorize(author, Action.CONTRIBUTE, community)
    nonce = _clean_nonce(nonce)
    repeated = _post_for_nonce(author, nonce)
    if repeated is not None:
        return repeated.topic
    if not policy.may_start_topic(author, category):
        raise errors.Forbidden("This category is archived: start your topic in another one.")
    title, body = _clean_title(title), _clean_body(body)
    now = utcnow()
    topic = Topic(community_id=community.id, category=category, author=author, title=title,
                  last_posted_at=now, last_poster=author, created_at=now)
    first = Post(topic=topic, author=author, is_opening=True, body=body,
                 body_html=render_post_body(community, body), client_nonce=nonce, created_at=now)
    db.session.add_all([topic, first])
    try:
        db.session.flush()
        topic.last_post_id = first.id
        _set_read_mark(author, topic.id, first.id)
        _watch_unless_chosen(author, topic.id)
        _discard_draft(author, topic_draft_key(community))
        notes = _tell_readers(author, first, title=title, started=True)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        repeated = _post_for_nonce(author, nonce)  # the same form arrived twice at once
        if repeated is None:
            raise
        return repeated.topic
    announce(notes)
    realtime.publish("topic_started", {"topic_id": topic.id, "category_id": category.id,
                                       "title": topic.title},
                     to=realtime.forum_room(community.id))
    return topic


def reply(author: User, topic: Topic, *, body: str, quoted_post: Post | None = None,
          nonce: str | None = None) -> Post:
    """Add a post to a topic and tell the people watching it and anyone mentioned."""
    community = topic.community
    policy.authorize(author, Action.CONTRIBUTE, community)
    nonce = _clean_nonce(nonce)
    repeated = _post_for_nonce(author, nonce)
    if repeated is not None:
        return repeated
    if not policy.may_reply(author, topic):
        if topic.is_locked:
            raise errors.Forbidden("This topic is locked: a facilitator closed it to new replies.")
        raise errors.Forbidden("This topic takes no new replies.")
    if quoted_post is not None and (quoted_post.topic_id != topic.id
                                    or not policy.may_see_post(author, quoted_post)):
        raise errors.Invalid("You can quote only posts of this topic.", field="body")
    body = _clean_body(body)
    now = utcnow()
    post = Post(topic=topic, author=author, body=body,
                body_html=render_post_body(topic.community, body), quoted_post=quoted_post,
                client_nonce=nonce, created_at=now)
    db.session.add(post)
    try:
        db.session.flush()
        # One UPDATE with increments, so replies sent at the same moment are all counted.
        db.session.execute(update(Topic).where(Topic.id == topic.id).values(
            reply_count=Topic.reply_count + 1, last_posted_at=now, last_poster_id=author.id,
            last_post_id=post.id))
        _set_read_mark(author, topic.id, post.id)
        _watch_unless_chosen(author, topic.id)
        _discard_draft(author, reply_draft_key(topic))
        notes = _tell_readers(author, post, title=topic.title, started=False)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        repeated = _post_for_nonce(author, nonce)
        if repeated is None:
            raise
        return repeated
    announce(notes)
    realtime.publish("post_added", {"topic_id": topic.id, "post_id": post.id},
                     to=realtime.topic_room(topic.id))
    return post


def edit_post(editor: User, post: Post, *, body: str, title: str | None = None) -> Post:
    """Change one's own post; the earlier text is kept for the facilitators."""
    if not policy.may_edit_post(editor, post):
        raise errors.Forbidden("You can edit only your own posts, while the topic is open.")
    topic = post.topic
    body = _clean_body(body)
    new_title = _clean_title(title) if post.is_opening and title is not None else topic.title
    if body == post.body and new_title == topic.title:
        return post
    db.session.add(PostRevision(post_id=post.id, editor_id=editor.id, body=post.body,
                                body_html=post.body_html,
                                title=topic.title if post.is_opening else None,
                                written_at=post.edited_at or post.created_at))
    before = _handles_in(post.body)
    post.body, post.edited_at = body, utcnow()
    post.body_html = render_post_body(topic.community, body)
    topic.title = new_title
    db.session.flush()
    notes = _tell_mentioned(editor, post, title=new_title, skip_handles=before)
    db.session.commit()
    announce(notes)
    _publish_changed(post)
    return post


def delete_post(author: User, post: Post) -> None:
    """Authors remove their own post (kept, marked deleted); an opening post takes its topic."""
    if not policy.may_delete_post(author, post):
        raise errors.Forbidden("You can delete only your own posts; a topic others have replied "
                               "to stays, but you can still edit it.")
    topic = post.topic
    now = utcnow()
    post.deleted_at = now
    if post.is_opening:
        topic.deleted_at = now
    _resolve_open_flags(author, post, "Deleted by its author")
    _recount(topic)
    db.session.commit()
    _publish_changed(post)


def mark_answer(actor: User, post: Post) -> None:
    """Say this reply answered the topic's question (the topic's author or a facilitator)."""
    topic = post.topic
    if not policy.may_mark_answer(actor, topic):
        raise errors.Forbidden("Only the person who asked, or a facilitator, marks the answer.")
    if post.is_opening or not post.is_visible:
        raise errors.Invalid("Choose a reply as the answer.")
    previous = topic.answer_post_id
    topic.answer_post_id = post.id
    notes = []
    if post.author_id != actor.id:
        notes.append(notify(post.author, f"{actor.name} marked your reply in “{topic.title}” "
                                         "as the answer.", _link(post)))
    db.session.commit()
    announce(notes)
    if previous and previous != post.id:
        realtime.publish("post_changed", {"topic_id": topic.id, "post_id": previous},
                         to=realtime.topic_room(topic.id))
    _publish_changed(post)


def unmark_answer(actor: User, topic: Topic) -> None:
    """Take away the answer mark."""
    if not policy.may_mark_answer(actor, topic):
        raise errors.Forbidden("Only the person who asked, or a facilitator, marks the answer.")
    previous = topic.answer_post_id
    topic.answer_post_id = None
    db.session.commit()
    if previous:
        realtime.publish("post_changed", {"topic_id": topic.id, "post_id": previous},
                         to=realtime.topic_room(topic.id))


def toggle_reaction(user: User, post: Post, kind: ReactionKind) -> bool:
    """Add the reaction, or take it back if the person had given it; True if it is now there."""
    if not policy.may_react(user, post):
        raise errors.Forbidden("You can react to other people's posts in communities where you "
                               "take part.")
    existing = db.session.scalar(select(Reaction).where(
        Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind))
    if existing is not None:
        db.session.delete(existing)
        added = False
    else:
        db.session.add(Reaction(post_id=post.id, user_id=user.id, kind=kind))
        added = True
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a double click added it twice at once: it's there
        added = True
    _publish_changed(post)
    return added


def _publish_changed(post: Post) -> None:
    realtime.publish("post_changed", {"topic_id": post.topic_id, "post_id": post.id},
                     to=realtime.topic_room(post.topic_id))


def _recount(topic: Topic) -> None:
    """Recompute the topic's counters from its visible posts (after hiding, restoring, deleting)."""
    db.session.flush()
    reply_count = db.session.scalar(select(func.count(Post.id)).where(
        Post.topic_id == topic.id, Post.is_opening.is_(False), *VISIBLE_TO_ALL_POSTS)) or 0
    latest = db.session.execute(
        select(Post.id, Post.created_at, Post.author_id)
        .where(Post.topic_id == topic.id, *VISIBLE_TO_ALL_POSTS)
        .order_by(Post.id.desc()).limit(1)).first()
    topic.reply_count = reply_count
    if latest is None:
        topic.last_post_id, topic.last_posted_at, topic.last_poster_id = (
            None, topic.created_at, topic.author_id)
    else:
        topic.last_post_id, topic.last_posted_at, topic.last_poster_id = latest
    if topic.answer_post_id is not None and not db.session.scalar(select(func.count(Post.id)).where(
            Post.id == topic.answer_post_id, *VISIBLE_TO_ALL_POSTS)):
        topic.answer_post_id = None


# --- Drafts and previews ---------------------------------------------------------------------

def topic_draft_key(community: Community) -> str:
    """New topics share one draft per person and community, whichever category it goes to."""
    return f"topic:{community.id}"


def reply_draft_key(topic: Topic) -> str:
    return f"reply:{topic.id}"


def draft_for(user: policy.Person, key: str) -> Draft | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.key == key))


def save_draft(user: User, community: Community, *, key: str, title: str = "",
               body: str = "") -> Draft | None:
    """Keep what someone is writing; an empty draft is thrown away. None when nothing is kept."""
    policy.authorize(user, Action.CONTRIBUTE, community)
    match = DRAFT_KEY.match(key or "")
    if match is None:
        raise errors.Invalid("That draft is for something unknown.", field="key")
    kind, target_id = match.group(1), int(match.group(2))
    if kind == "topic":
        if target_id != community.id:
            raise errors.NotFound()
    else:
        topic = topic_in(user, community, target_id)
        if not policy.may_reply(user, topic):
            raise errors.Forbidden("This topic takes no new replies.")
    title = (title or "")[:TITLE_MAX]
    body = (body or "").replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        raise errors.Invalid(f"Keep a post under {BODY_MAX:,} characters.", field="body")
    draft = draft_for(user, key)
    if not title.strip() and not body.strip():
        if draft is not None:
            db.session.delete(draft)
            db.session.commit()
        return None
    if draft is None:
        draft = Draft(user_id=user.id, community_id=community.id, key=key)
        db.session.add(draft)
    draft.title, draft.body, draft.updated_at = title, body, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # two saves from two tabs at once: the other one is kept
        db.session.rollback()
        return draft_for(user, key)
    return draft


def preview(author: User, community: Community, body: str) -> str:
    """What a post will look like, rendered exactly as it would be saved."""
    policy.authorize(author, Action.CONTRIBUTE, community)
    if len(body or "") > BODY_MAX:
        raise errors.Invalid(f"Keep a post under {BODY_MAX:,} characters.", field="body")
    return render_post_body(community, body or "")


# --- Mentions --------------------------------------------------------------------------------

@dataclass
class Mentionable:
    user: User
    handle: str


def _handles_in(body: str) -> set[str]:
    return {mention_handle(match) for match in MENTION.findall(body or "")}


def render_post_body(community: Community, body: str) -> str:
    """A post's Markdown as HTML, with mentions of the community's people marked."""
    handles = _handles_in(body)
    if handles:  # only then ask who may be mentioned here
        handles &= {candidate.handle for candidate in _mentionable(community)}
    return render_markdown(body, mentions=handles)


def _mentionable(community: Community) -> list[Mentionable]:
    """The community's readers with the handle each is mentioned by."""
    people = list(db.session.scalars(
        select(User).where(User.id.in_(policy.reader_ids(community)))
        .options(joinedload(User.organization)).order_by(User.name)))
    local_parts: dict[str, int] = {}
    for person in people:
        local = person.email.split("@")[0].lower()
        local_parts[local] = local_parts.get(local, 0) + 1
    found = []
    for person in people:
        local = person.email.split("@")[0].lower()
        found.append(Mentionable(person, local if local_parts[local] == 1 else
                                 person.email.lower()))
    return found


def mention_candidates(viewer: User, community: Community, prefix: str, *,
                       limit: int = 8) -> list[Mentionable]:
    """People of the community whose name or handle starts with what was typed after "@"."""
    policy.authorize(viewer, Action.READ, community)
    wanted = (prefix or "").strip().lstrip("@").lower()[:60]
    matches = []
    for candidate in _mentionable(community):
        if candidate.user.id == viewer.id:
            continue
        words = candidate.user.name.lower().split()
        if (not wanted or candidate.handle.startswith(wanted)
                or candidate.user.name.lower().startswith(wanted)
                or any(word.startswith(wanted) for word in words)):
            matches.append(candidate)
        if len(matches) >= limit:
            break
    return matches


def _tell_mentioned(author: User, post: Post, *, title: str,
                    skip_handles: Iterable[str] = ()) -> list[Notification]:
    handles = _handles_in(post.body) - set(skip_handles)
    if not handles:
        return []
    notes = []
    for candidate in _mentionable(post.topic.community):
        if candidate.handle in handles and candidate.user.id != author.id:
            notes.append(notify(candidate.user, f"{author.name} mentioned you in “{title}”.",
                                _link(post)))
    return notes


def _tell_readers(author: User, post: Post, *, title: str, started: bool) -> list[Notification]:
    """Mentioned people, then everyone watching the topic or its category, once each."""
    topic = post.topic
    notes = _tell_mentioned(author, post, title=title)
    told = {note.user_id for note in notes} | {author.id}
    topic_levels = dict(db.session.execute(
        select(TopicSubscription.user_id, TopicSubscription.level)
        .where(TopicSubscription.topic_id == topic.id)).all())
    category_watchers = set(db.session.scalars(
        select(CategorySubscription.user_id).where(
            CategorySubscription.category_id == topic.category_id,
            CategorySubscription.level == WatchLevel.WATCHING)))
    watchers = {user_id for user_id, level in topic_levels.items()
                if level is WatchLevel.WATCHING}
    watchers |= {user_id for user_id in category_watchers
                 if topic_levels.get(user_id) not in (WatchLevel.MUTED, WatchLevel.NORMAL)}
    watchers -= told
    if not watchers:
        return notes
    if started:
        message = f"{author.name} started “{title}” in {topic.category.name}."
    else:
        message = f"{author.name} replied to “{title}”."
    for person in db.session.scalars(select(User).where(User.id.in_(watchers))
                                     .order_by(User.id)):
        if person.is_active and policy.may_see_topic(person, topic):
            notes.append(notify(person, message, _link(post)))
    return notes


# --- Watching --------------------------------------------------------------------------------

def watch_topic(user: User, topic: Topic, level: WatchLevel) -> None:
    """Choose how much to hear about a topic: watching, not watching, or muted."""
    if not policy.may_see_topic(user, topic):
        raise errors.NotFound()
    subscription = db.session.scalar(select(TopicSubscription).where(
        TopicSubscription.user_id == user.id, TopicSubscription.topic_id == topic.id))
    if subscription is None:
        subscription = TopicSubscription(user_id=user.id, topic_id=topic.id, level=level)
        db.session.add(subscription)
    subscription.level, subscription.updated_at = level, utcnow()
    db.session.commit()


def category_watch_level(viewer: policy.Person, category: ForumCategory) -> WatchLevel:
    level = db.session.scalar(select(CategorySubscription.level).where(
        CategorySubscription.category_id == category.id,
        CategorySubscription.user_id == _viewer_id(viewer)))
    return level or WatchLevel.NORMAL


def watch_category(user: User, category: ForumCategory, level: WatchLevel) -> None:
    """Choose how much to hear about a category's topics."""
    policy.authorize(user, Action.READ, category.community)
    subscription = db.session.scalar(select(CategorySubscription).where(
        CategorySubscription.user_id == user.id,
        CategorySubscription.category_id == category.id))
    if subscription is None:
        subscription = CategorySubscription(user_id=user.id, category_id=category.id,
                                            level=level)
        db.session.add(subscription)
    subscription.level, subscription.updated_at = level, utcnow()
    db.session.commit()


# --- Flags and moderation --------------------------------------------------------------------

def _log(actor: User, community: Community, action: ModerationAction, *,
         topic: Topic | None = None, post: Post | None = None, detail: str = "") -> None:
    db.session.add(ModerationEvent(community_id=community.id, actor_id=actor.id, action=action,
                                   topic_id=topic.id if topic else None,
                                   post_id=post.id if post else None, detail=detail[:500]))


def _clean_reason(reason: str | None, *, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise errors.Invalid(f"Say why you are {what}.", field="reason")
    if len(reason) > REASON_MAX:
        raise errors.Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def _facilitators(community: Community) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id,
               Membership.role == CommunityRole.FACILITATOR).order_by(User.id)))


def flag_post(user: User, post: Post, *, reason: str) -> Flag:
    """Ask the facilitators to look at a post."""
    if not policy.may_flag(user, post):
        raise errors.Forbidden("You can flag other people's posts in communities where you "
                               "take part.")
    reason = _clean_reason(reason, what="flagging this post")
    if db.session.scalar(select(Flag.id).where(Flag.post_id == post.id,
                                               Flag.reporter_id == user.id,
                                               Flag.resolved_at.is_(None))) is not None:
        raise errors.Conflict("You have already flagged this post; a facilitator will look at it.")
    flag = Flag(post_id=post.id, reporter_id=user.id, reason=reason)
    db.session.add(flag)
    community = post.topic.community
    link = url_for("forums.flags", slug=community.slug)
    notes = [notify(facilitator, f"{user.name} flagged a post in “{post.topic.title}”.", link)
             for facilitator in _facilitators(community) if facilitator.id != user.id]
    db.session.commit()
    announce(notes)
    return flag


def _resolve_open_flags(actor: User, post: Post, resolution: str) -> None:
    db.session.execute(update(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=actor.id,
                               resolution=resolution))


def flag_in(viewer: User, community: Community, flag_id: int) -> Flag:
    policy.authorize(viewer, Action.MODERATE, community)
    flag = db.session.scalar(select(Flag).join(Flag.post).join(Post.topic).where(
        Flag.id == flag_id, Topic.community_id == community.id))
    if flag is None:
        raise errors.NotFound()
    return flag


def dismiss_flag(moderator: User, flag: Flag) -> None:
    """Close a flag without changing the post."""
    community = flag.post.topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not flag.is_open:
        raise errors.Conflict("That flag was already dealt with.")
    flag.resolved_at, flag.resolved_by_id = utcnow(), moderator.id
    flag.resolution = "No action needed"
    _log(moderator, community, ModerationAction.FLAG_DISMISSED, topic=flag.post.topic,
         post=flag.post, detail=flag.reason)
    db.session.commit()


def flag_queue(moderator: User, community: Community) -> list[Flag]:
    """The community's flags, open ones first, for the facilitators."""
    policy.authorize(moderator, Action.MODERATE, community)
    flags = db.session.scalars(
        select(Flag).join(Flag.post).join(Post.topic).where(Topic.community_id == community.id)
        .options(joinedload(Flag.post).joinedload(Post.author),
                 joinedload(Flag.post).joinedload(Post.topic),
                 joinedload(Flag.reporter), joinedload(Flag.resolved_by), NO_LAZY_SQL)
        .order_by(Flag.resolved_at.is_(None).desc(), Flag.id.desc()).limit(200))
    return list(flags)


def hide_post(moderator: User, post: Post, *, reason: str) -> None:
    """Hide a post from everyone but its author (who sees why) and the moderators."""
    topic = post.topic
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if post.is_deleted:
        raise errors.Invalid("That post was deleted by its author.")
    if post.is_hidden:
        raise errors.Conflict("That post is already hidden.")
    reason = _clean_reason(reason, what="hiding this post")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), moderator.id, reason
    if post.is_opening:
        topic.is_hidden = True
    _recount(topic)
    _resolve_open_flags(moderator, post, "Post hidden")
    _log(moderator, community, ModerationAction.POST_HIDDEN, topic=topic, post=post,
         detail=reason)
    notes = []
    if post.author_id != moderator.id:
        notes.append(notify(post.author, f"A facilitator hid your post in “{topic.title}”: "
                                         f"{reason}", _link(post)))
    db.session.commit()
    announce(notes)
    _publish_changed(post)


def restore_post(moderator: User, post: Post) -> None:
    """Show a hidden post to everyone again."""
    topic = post.topic
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not post.is_hidden:
        raise errors.Conflict("That post isn't hidden.")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = None, None, ""
    if post.is_opening:
        topic.is_hidden = False
    _recount(topic)
    _log(moderator, community, ModerationAction.POST_RESTORED, topic=topic, post=post)
    notes = []
    if post.author_id != moderator.id:
        notes.append(notify(post.author, f"A facilitator restored your post in “{topic.title}”.",
                            _link(post)))
    db.session.commit()
    announce(notes)
    _publish_changed(post)


def pin_topic(moderator: User, topic: Topic, *, pinned: bool) -> None:
    """Keep a topic at the top of its category, or let it move with the others again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_pinned == pinned:
        return
    topic.is_pinned = pinned
    _log(moderator, community, ModerationAction.PINNED if pinned else ModerationAction.UNPINNED,
         topic=topic)
    db.session.commit()


def lock_topic(moderator: User, topic: Topic, *, locked: bool) -> None:
    """Close a topic to new replies (it stays readable), or open it again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_locked == locked:
        return
    topic.is_locked = locked
    _log(moderator, community, ModerationAction.LOCKED if locked else ModerationAction.UNLOCKED,
         topic=topic)
    db.session.commit()


def move_topic(moderator: User, topic: Topic, category: ForumCategory) -> None:
    """Move a topic to another category of the same community."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if category.community_id != community.id:
        raise errors.Invalid("Move the topic to a category of this community.",
                             field="category_id")
    if category.is_archived:
        raise errors.Invalid("That category is archived.", field="category_id")
    if category.id == topic.category_id:
        raise errors.Invalid("The topic is already in that category.", field="category_id")
    detail = f"{topic.category.name} → {category.name}"
    topic.category = category
    _log(moderator, community, ModerationAction.MOVED, topic=topic, detail=detail)
    db.session.commit()


def moderation_log(moderator: User, community: Community, *, page: int) -> Pagination:
    """What the moderators did in this forum, newest first."""
    policy.authorize(moderator, Action.MODERATE, community)
    stmt = (select(ModerationEvent).where(ModerationEvent.community_id == community.id)
            .options(joinedload(ModerationEvent.actor), joinedload(ModerationEvent.topic),
                     NO_LAZY_SQL)
            .order_by(ModerationEvent.id.desc()))
    return db.paginate(stmt, page=page, per_page=50, error_out=False)


def post_history(moderator: User, post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first, for the facilitators."""
    policy.authorize(moderator, Action.MODERATE, post.topic.community)
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .options(joinedload(PostRevision.editor), NO_LAZY_SQL)
        .order_by(PostRevision.id.desc())))
