"""Forum writes: categories, topics, posts, reactions, watching, drafts and mentions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.communities.models import Community
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
from workspace.forums.pages import (
    VISIBLE_TO_ALL_POSTS,
    categories_of,
    draft_for,
    reply_draft_key,
    topic_draft_key,
    topic_in,
)
from workspace.notifications.models import Notification
from workspace.notifications.service import announce, notify
from workspace.policy import Action
from workspace.text import MENTION, mention_handle, render_markdown

TITLE_MAX = 200


BODY_MAX = 30_000


CATEGORY_NAME_MAX = 80


NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


DRAFT_KEY = re.compile(r"^(topic|reply):([0-9]{1,12})$")


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
    log_moderation(actor, community, ModerationAction.CATEGORY_ADDED, detail=name)
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
    log_moderation(actor, community, ModerationAction.CATEGORY_CHANGED, detail=detail)
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
    log_moderation(actor, community, action, detail=category.name)
    db.session.commit()


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


def link_to_post(post: Post) -> str:
    return url_for("forums.post_link", slug=post.topic.community.slug, post_id=post.id)


def start_topic(author: User, category: ForumCategory, *, title: str, body: str,
                nonce: str | None = None, written_at: datetime | None = None) -> Topic:
    """Open a topic with its first post and tell the people watching the category.

    `written_at` dates history brought in from elsewhere (the demo); new writing is dated now.
    """
    community = category.community
    policy.authorize(author, Action.CONTRIBUTE, community)
    nonce = _clean_nonce(nonce)
    repeated = _post_for_nonce(author, nonce)
    if repeated is not None:
        return repeated.topic
    if not policy.may_start_topic(author, category):
        raise errors.Forbidden("This category is archived: start your topic in another one.")
    title, body = _clean_title(title), _clean_body(body)
    now = written_at or utcnow()
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
          nonce: str | None = None, written_at: datetime | None = None) -> Post:
    """Add a post to a topic and tell the people watching it and anyone mentioned.

    `written_at` dates history brought in from elsewhere (the demo); new writing is dated now.
    """
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
    now = written_at or utcnow()
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
    publish_post_changed(post)
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
    resolve_open_flags(author, post, "Deleted by its author")
    recount_topic(topic)
    db.session.commit()
    publish_post_changed(post)


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
                                         "as the answer.", link_to_post(post)))
    db.session.commit()
    announce(notes)
    if previous and previous != post.id:
        realtime.publish("post_changed", {"topic_id": topic.id, "post_id": previous},
                         to=realtime.topic_room(topic.id))
    publish_post_changed(post)


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
    publish_post_changed(post)
    return added


def publish_post_changed(post: Post) -> None:
    realtime.publish("post_changed", {"topic_id": post.topic_id, "post_id": post.id},
                     to=realtime.topic_room(post.topic_id))


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
                                link_to_post(post)))
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
            notes.append(notify(person, message, link_to_post(post)))
    return notes


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


def log_moderation(actor: User, community: Community, action: ModerationAction, *,
                   topic: Topic | None = None, post: Post | None = None, detail: str = "") -> None:
    db.session.add(ModerationEvent(community_id=community.id, actor_id=actor.id, action=action,
                                   topic_id=topic.id if topic else None,
                                   post_id=post.id if post else None, detail=detail[:500]))


def resolve_open_flags(actor: User, post: Post, resolution: str) -> None:
    db.session.execute(update(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=actor.id,
                               resolution=resolution))
