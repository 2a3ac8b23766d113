"""Forum read-models: what each page shows, loaded in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, false, func, or_, select
from sqlalchemy.orm import joinedload, load_only, raiseload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community, CommunityRole, Membership
from workspace.communities.service import roles_in
from workspace.extensions import db
from workspace.forums.models import (
    CategorySubscription,
    ForumCategory,
    Post,
    Reaction,
    ReadMark,
    Topic,
    TopicSubscription,
    WatchLevel,
)
from workspace.moderation.service import open_flag_count
from workspace.organizations.models import Organization
from workspace.policy import Action, Standing
from workspace.policy import forums as forum_policy
from workspace.policy.forums import VISIBLE_TO_ALL_POSTS, VISIBLE_TO_ALL_TOPICS
from workspace.reactions import ReactionSummary, summaries_of, summary_columns
from workspace.reactions import summaries as reaction_summaries
from workspace.templating import reader_time_zone
from workspace.writing.models import Draft

PER_PAGE = 25

# The forum's kinds of draft (forums/drafts.py registers them with the editor). A new topic's
# draft is one per person and community, whichever category it goes to: its target is the
# community. A reply's target is its topic; the topic page reads it with the reader's state.
TOPIC_DRAFT = "forum_topic"
REPLY_DRAFT = "forum_reply"


# Templates must not run a query per row: anything not loaded up front raises, unless SQLAlchemy
# can answer from the objects already in the session (a post's topic, the topic's community).
NO_LAZY_SQL = raiseload("*", sql_only=True)


def categories_of(community: Community) -> list[ForumCategory]:
    """The forum's categories in the order the facilitators chose."""
    return list(db.session.scalars(
        select(ForumCategory).where(ForumCategory.community_id == community.id)
        .order_by(ForumCategory.position, ForumCategory.id)))


def category_in(viewer: policy.Person, community: Community, category_id: int) -> ForumCategory:
    """A category of this community (archived ones too: their topics stay readable)."""
    policy.authorize(viewer, Action.READ, community)
    category = db.session.get(ForumCategory, category_id)
    if category is None or category.community_id != community.id:
        raise errors.NotFound()
    return category


def active_categories(community: Community) -> list[ForumCategory]:
    return [c for c in categories_of(community) if not c.is_archived]


def _viewer_id(viewer: policy.Person) -> int:
    return viewer.id if viewer.is_authenticated else -1


def _topic_visibility(viewer: policy.Person, community: Community) -> list[ColumnElement[bool]]:
    return forum_policy.topic_visibility(policy.standing_in(viewer, community))


def _post_visibility(viewer: policy.Person, community: Community) -> list[ColumnElement[bool]]:
    return forum_policy.post_visibility(policy.standing_in(viewer, community))


def topic_in(viewer: policy.Person, community: Community, topic_id: int) -> Topic:
    """A topic of this community the viewer may read, or NotFound."""
    policy.authorize(viewer, Action.READ, community)
    topic = db.session.scalar(
        select(Topic).where(Topic.id == topic_id, Topic.community_id == community.id)
        .options(joinedload(Topic.category), joinedload(Topic.author), NO_LAZY_SQL))
    if topic is None or not forum_policy.may_see_topic(viewer, topic):
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
    if post is None or not forum_policy.may_see_post(viewer, post):
        raise errors.NotFound()
    return post


def topic_for_live(viewer: policy.Person, topic_id: int) -> Topic:
    """The topic a live connection asks to follow, if the person may read it."""
    topic = db.session.scalar(select(Topic).where(Topic.id == topic_id)
                              .options(joinedload(Topic.community)))
    if topic is None or not forum_policy.may_see_topic(viewer, topic):
        raise errors.NotFound("That topic isn't available.")
    return topic


def forum_for_live(viewer: policy.Person, community_id: int) -> Community:
    """The community whose forum a live connection asks to follow, if the person may read it."""
    community = db.session.get(Community, community_id)
    if community is None or not policy.can(viewer, Action.READ, community):
        raise errors.NotFound("That forum isn't available.")
    return community


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
        _unread_topics(viewer_id, [community.id])
        .with_only_columns(Topic.category_id, func.count(Topic.id))
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
        open_flags = open_flag_count(community)
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
        stmt = stmt.where(false())
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
    # The same topics the category lists show this person: moderators see the hidden ones.
    stmt = (select(Topic)
            .outerjoin(TopicSubscription, and_(TopicSubscription.topic_id == Topic.id,
                                               TopicSubscription.user_id == viewer.id))
            .where(forum_policy.visible_topics(viewer),
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
    # The author's role in the community, so an expert's answer reads as one (None: not a
    # member now, e.g. network staff).
    author_role: CommunityRole | None = None
    reader_zone: str = ""  # the viewer's time zone, which the post's times are shown in

    def fragment_key(self) -> tuple[Any, ...]:
        """Everything the post's rendering shows (workspace/fragments.py): this version of the
        post and its author, and what this viewer sees of it and may do with it."""
        post, quote = self.post, self.quote
        return ("forum-post", post.id, post.body_html, post.created_at, post.edited_at,
                post.hidden_at, post.hidden_reason, post.is_opening,
                post.client_nonce if self.is_own else None, post.author.name,
                post.author.organization.name, self.author_role, self.number, self.is_new,
                self.is_answer, self.is_own, self.may_edit, self.may_delete, self.may_react,
                self.may_flag, self.may_quote, self.may_answer, self.may_moderate,
                tuple((reaction.kind, reaction.count, reaction.mine)
                      for reaction in self.reactions),
                (quote.id, quote.author.name, quote.body_html) if quote else None,
                self.quote_unavailable, self.reader_zone or reader_time_zone().key)


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


def _posts_stmt(viewer: policy.Person, topic: Topic) -> Select[Post]:
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
    return reaction_summaries(Reaction.post_id, viewer, post_ids)


@dataclass(frozen=True)
class _TopicRights:
    """What the viewer may do with the topic itself: the same for each of its posts."""

    may_reply: bool
    may_mark_answer: bool


def _topic_rights(viewer: policy.Person, topic: Topic,
                  standing: Standing) -> _TopicRights:
    return _TopicRights(may_reply=forum_policy.may_reply(viewer, topic, standing),
                        may_mark_answer=forum_policy.may_mark_answer(viewer, topic, standing))


def _post_view(viewer: policy.Person, post: Post, number: int, reactions: list[ReactionSummary],
               last_read: int | None, standing: Standing, rights: _TopicRights,
               roles: Mapping[int, CommunityRole], reader_zone: str = "") -> PostView:
    topic = post.topic
    quote, unavailable = None, False
    if post.quoted_post_id is not None:
        if post.quoted_post is not None and forum_policy.may_see_post(
                viewer, post.quoted_post, standing):
            quote = post.quoted_post
        else:
            unavailable = True
    is_own = standing.user_id == post.author_id
    return PostView(
        post=post, number=number, reactions=reactions, quote=quote, quote_unavailable=unavailable,
        is_new=last_read is not None and post.id > last_read and not is_own,
        is_answer=topic.answer_post_id == post.id,
        may_edit=forum_policy.may_edit_post(viewer, post, standing),
        may_delete=forum_policy.may_delete_post(viewer, post, standing),
        may_react=forum_policy.may_react(viewer, post, standing),
        may_flag=forum_policy.may_flag(viewer, post, standing),
        may_quote=post.is_visible and rights.may_reply,
        may_answer=not post.is_opening and post.is_visible and rights.may_mark_answer,
        may_moderate=standing.moderates, is_own=is_own, author_role=roles.get(post.author_id),
        reader_zone=reader_zone)


@dataclass
class ReaderState:
    """The viewer's own traces in a topic, read in one query."""

    last_read: int | None
    topic_level: WatchLevel | None
    category_level: WatchLevel | None
    draft: Draft | None
    visible_posts: int | None = None  # how many posts they see, when asked for


def _reader_state_columns(viewer_id: Any, visibility: list[ColumnElement[bool]], *,
                          with_draft: bool, with_count: bool) -> list[Any]:
    """The viewer's traces in the topic a query selects (correlated to Topic): three columns,
    the draft and the count of posts they see (under `visibility`) when asked for."""
    columns: list[Any] = [
        select(ReadMark.last_read_post_id).where(ReadMark.topic_id == Topic.id,
                                                 ReadMark.user_id == viewer_id)
        .scalar_subquery().label("last_read"),
        select(TopicSubscription.level).where(TopicSubscription.topic_id == Topic.id,
                                              TopicSubscription.user_id == viewer_id)
        .scalar_subquery().label("topic_level"),
        select(CategorySubscription.level).where(
            CategorySubscription.category_id == Topic.category_id,
            CategorySubscription.user_id == viewer_id).scalar_subquery().label("category_level")]
    if with_count:
        columns.append(select(func.count(Post.id)).where(Post.topic_id == Topic.id, *visibility)
                       .scalar_subquery().label("visible_posts"))
    if with_draft:
        columns.append(Draft)  # outer-joined by _with_reader_state
    return columns


def _with_reader_state(stmt: Select, viewer_id: Any, visibility: list[ColumnElement[bool]], *,
                       with_draft: bool, with_count: bool) -> Select:
    stmt = stmt.add_columns(*_reader_state_columns(viewer_id, visibility, with_draft=with_draft,
                                                   with_count=with_count))
    if with_draft:
        stmt = stmt.outerjoin(Draft, and_(Draft.user_id == viewer_id, Draft.kind == REPLY_DRAFT,
                                          Draft.target_id == Topic.id))
    return stmt


def _state_from(row: Any, *, with_draft: bool, with_count: bool) -> ReaderState:
    values = row._mapping
    return ReaderState(
        last_read=values["last_read"],
        topic_level=WatchLevel(values["topic_level"]) if values["topic_level"] else None,
        category_level=(WatchLevel(values["category_level"])
                        if values["category_level"] else None),
        draft=values[Draft] if with_draft else None,
        visible_posts=values["visible_posts"] if with_count else None)


def _reader_state(viewer: policy.Person, topic: Topic, *, with_draft: bool = False,
                  with_count: bool = False) -> ReaderState:
    row = db.session.execute(_with_reader_state(
        select().select_from(Topic), _viewer_id(viewer),
        _post_visibility(viewer, topic.community), with_draft=with_draft,
        with_count=with_count).where(Topic.id == topic.id)).one()
    return _state_from(row, with_draft=with_draft, with_count=with_count)


# --- The topic page's two big statements, built once and run with each request's values ----
# Building a statement with a dozen subqueries costs more in Python than running it. Each is
# kept by what shapes it (the viewer's standing gives the visibility clauses through `reads`
# and `moderates` only, see policy.forums.post_visibility); the ids are bound parameters.

_VIEWER = bindparam("viewer_id", type_=Integer)
_TOPIC = bindparam("topic_id", type_=Integer)
_COMMUNITY = bindparam("community_id", type_=Integer)
_built: dict[tuple[Any, ...], Select] = {}


def _statement(shape: tuple[Any, ...], build: Callable[[], Select]) -> Select:
    stmt = _built.get(shape)
    if stmt is None:
        stmt = _built[shape] = build()
    return stmt


def topic_for_page(viewer: policy.Person, community: Community,
                   topic_id: int) -> tuple[Topic, ReaderState]:
    """topic_in, with the viewer's traces in it and the count of posts they see (what
    topic_page needs first) in the same query."""
    policy.authorize(viewer, Action.READ, community)
    standing = policy.standing_in(viewer, community)
    # Their draft reply, if they may write at all (topic_page drops it if not in this topic).
    with_draft = standing.contributes
    stmt = _statement(
        ("topic", standing.reads, standing.moderates, with_draft),
        lambda: _with_reader_state(
            select(Topic).where(Topic.id == _TOPIC, Topic.community_id == _COMMUNITY)
            .options(joinedload(Topic.category), joinedload(Topic.author), NO_LAZY_SQL),
            _VIEWER, forum_policy.post_visibility(standing, person=_VIEWER),
            with_draft=with_draft, with_count=True))
    row = db.session.execute(stmt, {"viewer_id": _viewer_id(viewer), "topic_id": topic_id,
                                    "community_id": community.id}).first()
    if row is None or not forum_policy.may_see_topic(viewer, row[0]):
        raise errors.NotFound()
    return row[0], _state_from(row, with_draft=with_draft, with_count=True)


class _LoadedPagination(Pagination):
    """Flask-SQLAlchemy's pagination over rows the caller loads (`load(offset, limit)`) and a
    total it counted already: the topic page reads more than posts in the same query."""

    def _query_items(self) -> list[Any]:
        return list(self._query_args["load"](self._query_offset, self.per_page))

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def _page_of_posts(standing: Standing, topic: Topic, offset: int, limit: int) -> list[Any]:
    """The posts with, on each row, the author's role in the community and the reactions: one
    query for the page."""
    stmt = _statement(
        ("posts", standing.reads, standing.moderates),
        lambda: select(Post)
        .where(Post.topic_id == _TOPIC, *forum_policy.post_visibility(standing, person=_VIEWER))
        .options(*_POST_PAGE_OPTIONS)
        .add_columns(Membership.role, *summary_columns(Reaction.post_id, Post.id, _VIEWER))
        .outerjoin(Membership, and_(Membership.community_id == _COMMUNITY,
                                    Membership.user_id == Post.author_id))
        .order_by(Post.id)
        .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))
    return list(db.session.execute(stmt, {
        "viewer_id": standing.user_id if standing.user_id is not None else -1,
        "topic_id": topic.id, "community_id": topic.community_id, "offset": offset,
        "limit": limit}))


def topic_page(viewer: policy.Person, topic: Topic, *, page: int | None,
               state: ReaderState | None = None) -> TopicPage:
    """One page of a topic's posts (None: the last page), with all the page needs, in a fixed
    number of queries however long the topic is. `state`: from topic_for_page, if it was."""
    community = topic.community
    policy.authorize(viewer, Action.READ, community)
    standing = policy.standing_in(viewer, community).settled()
    rights = _topic_rights(viewer, topic, standing)
    if state is None or state.visible_posts is None:
        state = _reader_state(viewer, topic, with_draft=rights.may_reply, with_count=True)
    elif not rights.may_reply:
        state.draft = None
    total = state.visible_posts or 0
    if page is None:
        page = max(1, -(-total // PER_PAGE))
    pagination = _LoadedPagination(
        page=page, per_page=PER_PAGE, error_out=False,
        load=lambda offset, limit: _page_of_posts(standing, topic, offset, limit), total=total)
    rows = pagination.items
    posts: list[Post] = [row[0] for row in rows]
    pagination.items = posts
    roles = {row[0].author_id: row[1] for row in rows if row[1] is not None}
    last_read = state.last_read
    offset = (pagination.page - 1) * PER_PAGE
    zone = reader_time_zone().key
    views = [_post_view(viewer, row[0], offset + index + 1, summaries_of(row[2:]), last_read,
                        standing, rights, roles, reader_zone=zone)
             for index, row in enumerate(rows)]
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
    standing = policy.standing_in(viewer, post.topic.community)
    return _post_view(viewer, post, number, _reactions(viewer, [post.id])[post.id], last_read,
                      standing, _topic_rights(viewer, post.topic, standing),
                      roles_in(post.topic.community, {post.author_id}))


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


def newest_visible_post_id(viewer: policy.Person, topic: Topic) -> int:
    return db.session.scalar(select(func.max(Post.id)).where(
        Post.topic_id == topic.id, *_post_visibility(viewer, topic.community))) or 0


def category_watch_level(viewer: policy.Person, category: ForumCategory) -> WatchLevel:
    level = db.session.scalar(select(CategorySubscription.level).where(
        CategorySubscription.category_id == category.id,
        CategorySubscription.user_id == _viewer_id(viewer)))
    return level or WatchLevel.NORMAL


# --- Across communities: the signed-in home page ---------------------------------------------

def _unread_topics(viewer_id: int, community_ids: list[int]) -> Select[Topic]:
    """Topics with posts the viewer hasn't read, in these communities, muted ones left out: the
    forum's "N topics with new posts" and the home page's counts both ask this."""
    return (select(Topic)
            .outerjoin(ReadMark, and_(ReadMark.topic_id == Topic.id,
                                      ReadMark.user_id == viewer_id))
            .outerjoin(TopicSubscription, and_(TopicSubscription.topic_id == Topic.id,
                                               TopicSubscription.user_id == viewer_id))
            .outerjoin(CategorySubscription,
                       and_(CategorySubscription.category_id == Topic.category_id,
                            CategorySubscription.user_id == viewer_id))
            .where(Topic.community_id.in_(community_ids), *VISIBLE_TO_ALL_TOPICS,
                   Topic.last_post_id > func.coalesce(ReadMark.last_read_post_id, 0),
                   _not_muted()))


def unread_topic_counts(viewer: User, community_ids: list[int]) -> dict[int, int]:
    """How many topics have new posts for the viewer, per community (one query)."""
    stmt = _unread_topics(viewer.id, community_ids).with_only_columns(
        Topic.community_id, func.count(Topic.id)).group_by(Topic.community_id)
    return {community_id: count for community_id, count in db.session.execute(stmt)}


def unread_topics_across(viewer: User, community_ids: list[int], *,
                         limit: int = 8) -> list[TopicRow]:
    """The latest topics with posts the viewer hasn't read, across their communities."""
    topics = list(db.session.scalars(
        _unread_topics(viewer.id, community_ids)
        .options(joinedload(Topic.author), joinedload(Topic.last_poster),
                 joinedload(Topic.category), joinedload(Topic.community), NO_LAZY_SQL)
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(limit)))
    return _topic_rows(viewer, topics)
