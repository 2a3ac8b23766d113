"""Forum writes: categories, topics, posts, reactions and watching (typing help: writing/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from workspace import errors, policy, realtime, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import (
    DEFAULT_CATEGORIES,
    CategorySubscription,
    ForumCategory,
    ModerationAction,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    ReadMark,
    Topic,
    TopicSubscription,
    WatchLevel,
)
from workspace.forums.pages import (
    REPLY_DRAFT,
    TOPIC_DRAFT,
    categories_of,
)
from workspace.forums.subjects import POST, category_subject, link_to_post, topic_thread
from workspace.moderation.service import log_action, resolve_flags
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, notify, notify_many, withdraw
from workspace.policy import Action
from workspace.policy import forums as forum_policy
from workspace.policy.forums import VISIBLE_TO_ALL_POSTS
from workspace.reactions import toggle

TITLE_MAX = 200


BODY_MAX = writing.BODY_MAX  # a post may be as long as the editor takes


CATEGORY_NAME_MAX = 80


# Notices that send people to read a post: they go when the post is hidden or deleted.
INVITATIONS_TO_READ = frozenset({NotificationKind.MENTION, NotificationKind.REPLY,
                                 NotificationKind.TOPIC_STARTED})


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
    log_action(actor, community, ModerationAction.CATEGORY_ADDED,
               subject=category_subject(category), detail=name)
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
    log_action(actor, community, ModerationAction.CATEGORY_CHANGED,
               subject=category_subject(category), detail=detail)
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
    log_action(actor, community, action, subject=category_subject(category),
               detail=category.name)
    db.session.commit()


def mark_read(viewer: policy.Person, topic: Topic, *, through_post_id: int) -> None:
    """Remember that the viewer has read the topic up to this post (never moves back)."""
    if not viewer.is_authenticated or through_post_id <= 0:
        return
    user_id, topic_id = viewer.id, topic.id
    now = utcnow()
    # An UPDATE's result is a CursorResult, which has the rowcount; Session.execute is typed
    # as returning the Result it derives from.
    moved = cast(CursorResult[Any], db.session.execute(
        update(ReadMark).where(ReadMark.user_id == user_id, ReadMark.topic_id == topic_id,
                               ReadMark.last_read_post_id < through_post_id)
        .values(last_read_post_id=through_post_id, visited_at=now))).rowcount
    if not moved and db.session.scalar(select(ReadMark.id).where(
            ReadMark.user_id == user_id, ReadMark.topic_id == topic_id)) is None:
        db.session.add(ReadMark(user_id=user_id, topic_id=topic_id,
                                last_read_post_id=through_post_id, visited_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same person's other tab recorded it first


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


def subject_of(post: Post) -> Subject:
    return Subject(POST, post.id)


def withdraw_invitations_to_read(post: Post) -> None:
    """Unread notices sending people to a post that is gone, or to any post of a topic that is."""
    post_ids = [post.id]
    if post.is_opening:  # the topic goes with it: so do the notices about its replies
        post_ids = list(db.session.scalars(select(Post.id).where(Post.topic_id == post.topic_id)))
    withdraw(*(Subject(POST, post_id) for post_id in post_ids), kinds=INVITATIONS_TO_READ)


def start_topic(author: User, category: ForumCategory, *, title: str, body: str,
                nonce: str | None = None, written_at: datetime | None = None) -> Topic:
    """Open a topic with its first post and tell the people watching the category.

    `written_at` dates history brought in from elsewhere (the demo); new writing is dated now.
    """
    community = category.community
    policy.authorize(author, Action.CONTRIBUTE, community)

    def write(nonce: str | None) -> Topic:
        policy.require(author, forum_policy.may_start_topic, category)
        clean_title, clean_body = _clean_title(title), _clean_body(body)
        now = written_at or utcnow()
        topic = Topic(community_id=community.id, category=category, author=author,
                      title=clean_title, last_posted_at=now, last_poster=author, created_at=now)
        first = Post(topic=topic, author=author, is_opening=True, body=clean_body,
                     body_html=writing.render_body(community, clean_body), client_nonce=nonce,
                     created_at=now)
        db.session.add_all([topic, first])
        db.session.flush()
        topic.last_post_id = first.id
        _set_read_mark(author, topic.id, first.id)
        _watch_unless_chosen(author, topic.id)
        writing.discard_draft(author, TOPIC_DRAFT, community.id)
        _tell_readers(author, first, title=clean_title, started=True)
        realtime.publish("topic_started", {"topic_id": topic.id, "category_id": category.id,
                                           "title": topic.title},
                         to=realtime.forum_room(community.id))
        db.session.commit()
        return topic

    # The same form sent again gets the topic its first sending opened.
    return writing.once(Post, author, nonce, write, found=lambda post: post.topic)


def reply(author: User, topic: Topic, *, body: str, quoted_post: Post | None = None,
          nonce: str | None = None, written_at: datetime | None = None) -> Post:
    """Add a post to a topic and tell the people watching it and anyone mentioned.

    `written_at` dates history brought in from elsewhere (the demo); new writing is dated now.
    """
    community = topic.community
    policy.authorize(author, Action.CONTRIBUTE, community)

    def write(nonce: str | None) -> Post:
        policy.require(author, forum_policy.may_reply, topic)
        if quoted_post is not None and (quoted_post.topic_id != topic.id
                                        or not forum_policy.may_see_post(author, quoted_post)):
            raise errors.Invalid("You can quote only posts of this topic.", field="body")
        clean_body = _clean_body(body)
        now = written_at or utcnow()
        post = Post(topic=topic, author=author, body=clean_body,
                    body_html=writing.render_body(community, clean_body),
                    quoted_post=quoted_post, client_nonce=nonce, created_at=now)
        db.session.add(post)
        db.session.flush()
        # One UPDATE with increments, so replies sent at the same moment are all counted.
        db.session.execute(update(Topic).where(Topic.id == topic.id).values(
            reply_count=Topic.reply_count + 1, last_posted_at=now, last_poster_id=author.id,
            last_post_id=post.id))
        _set_read_mark(author, topic.id, post.id)
        _watch_unless_chosen(author, topic.id)
        writing.discard_draft(author, REPLY_DRAFT, topic.id)
        _tell_readers(author, post, title=topic.title, started=False)
        realtime.publish("post_added", {"topic_id": topic.id, "post_id": post.id},
                         to=realtime.topic_room(topic.community_id, topic.id))
        db.session.commit()
        return post

    return writing.once(Post, author, nonce, write)


def edit_post(editor: User, post: Post, *, body: str, title: str | None = None) -> Post:
    """Change one's own post; the earlier text is kept for the facilitators."""
    policy.require(editor, forum_policy.may_edit_post, post)
    topic = post.topic
    body = _clean_body(body)
    new_title = _clean_title(title) if post.is_opening and title is not None else topic.title
    if body == post.body and new_title == topic.title:
        return post
    db.session.add(PostRevision(post_id=post.id, editor_id=editor.id, body=post.body,
                                body_html=post.body_html,
                                title=topic.title if post.is_opening else None,
                                written_at=post.edited_at or post.created_at))
    before = post.body
    post.body, post.edited_at = body, utcnow()
    post.body_html = writing.render_body(topic.community, body)
    topic.title = new_title
    db.session.flush()
    writing.tell_mentioned(editor, topic.community, body, link=link_to_post(post),
                           title=new_title, subject=subject_of(post),
                           thread=topic_thread(topic), before=before)
    publish_post_changed(post)
    db.session.commit()
    return post


def delete_post(author: User, post: Post) -> None:
    """Authors remove their own post (kept, marked deleted); an opening post takes its topic."""
    policy.require(author, forum_policy.may_delete_post, post)
    topic = post.topic
    now = utcnow()
    post.deleted_at = now
    if post.is_opening:
        topic.deleted_at = now
    resolve_flags(author, POST, post.id, "Deleted by its author")
    recount_topic(topic)
    withdraw_invitations_to_read(post)
    publish_post_changed(post)
    db.session.commit()


def mark_answer(actor: User, post: Post) -> None:
    """Say this reply answered the topic's question (the topic's author or a facilitator)."""
    topic = post.topic
    policy.require(actor, forum_policy.may_mark_answer, topic)
    if post.is_opening or not post.is_visible:
        raise errors.Invalid("Choose a reply as the answer.")
    previous = topic.answer_post_id
    topic.answer_post_id = post.id
    if post.author_id != actor.id:
        notify(post.author, NotificationKind.ANSWER_MARKED,
               f"{actor.name} marked your reply in “{topic.title}” as the answer.",
               link_to_post(post), actor=actor, community=topic.community,
               subject=subject_of(post), thread=topic_thread(topic))
    if previous and previous != post.id:
        realtime.publish("post_changed", {"topic_id": topic.id, "post_id": previous},
                         to=realtime.topic_room(topic.community_id, topic.id))
    publish_post_changed(post)
    db.session.commit()


def unmark_answer(actor: User, topic: Topic) -> None:
    """Take away the answer mark."""
    policy.require(actor, forum_policy.may_mark_answer, topic)
    previous = topic.answer_post_id
    topic.answer_post_id = None
    if previous:
        realtime.publish("post_changed", {"topic_id": topic.id, "post_id": previous},
                         to=realtime.topic_room(topic.community_id, topic.id))
    db.session.commit()


def toggle_reaction(user: User, post: Post, kind: ReactionKind) -> bool:
    """Add the reaction, or take it back if the person had given it; True if it is now there."""
    policy.require(user, forum_policy.may_react, post)
    added = toggle(Reaction.post_id, post.id, user, kind)
    publish_post_changed(post)
    return added


def publish_post_changed(post: Post) -> None:
    realtime.publish("post_changed", {"topic_id": post.topic_id, "post_id": post.id},
                     to=realtime.topic_room(post.topic.community_id, post.topic_id))


def recount_topic(topic: Topic) -> None:
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


def _tell_readers(author: User, post: Post, *, title: str, started: bool) -> None:
    """Mentioned people, then everyone watching the topic or its category, once each.

    The watchers are told in one INSERT ... SELECT, filtered by who may see the topic, so
    forty watchers cost what two do.
    """
    topic = post.topic
    told = {*writing.tell_mentioned(author, topic.community, post.body, link=link_to_post(post),
                                    title=title, subject=subject_of(post),
                                    thread=topic_thread(topic)), author.id}
    if started:
        kind = NotificationKind.TOPIC_STARTED
        message = f"{author.name} started “{title}” in {topic.category.name}."
    else:
        kind, message = NotificationKind.REPLY, f"{author.name} replied to “{title}”."
    recipients = select(User.id).where(_watches(topic),
                                       User.id.in_(forum_policy.topic_viewer_ids(topic)),
                                       User.id.not_in(told))
    notify_many(recipients, kind, message, link_to_post(post), actor=author,
                community=topic.community, subject=subject_of(post),
                thread=topic_thread(topic))


def _watches(topic: Topic) -> ColumnElement[bool]:
    """Watching the topic; or watching its category, unless they chose a level for the topic."""
    chosen = select(TopicSubscription.user_id).where(TopicSubscription.topic_id == topic.id)
    in_category = select(CategorySubscription.user_id).where(
        CategorySubscription.category_id == topic.category_id,
        CategorySubscription.level == WatchLevel.WATCHING,
        CategorySubscription.user_id.not_in(
            chosen.where(TopicSubscription.level != WatchLevel.WATCHING)))
    return or_(User.id.in_(chosen.where(TopicSubscription.level == WatchLevel.WATCHING)),
               User.id.in_(in_category))


def watch_topic(user: User, topic: Topic, level: WatchLevel) -> None:
    """Choose how much to hear about a topic: watching, not watching, or muted."""
    policy.require(user, forum_policy.may_see_topic, topic)
    subscription = db.session.scalar(select(TopicSubscription).where(
        TopicSubscription.user_id == user.id, TopicSubscription.topic_id == topic.id))
    if subscription is None:
        subscription = TopicSubscription(user_id=user.id, topic_id=topic.id, level=level)
        db.session.add(subscription)
    subscription.level, subscription.updated_at = level, utcnow()
    db.session.commit()


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
