"""Writing, scheduling, publishing and unpublishing blog posts, subscriptions and the blog's
settings: the only code that writes them (comments live in comments.py)."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, or_, select

from workspace import errors, policy, timezones, writing
from workspace.auth.models import User
from workspace.blogs.models import (
    ALT_MAX,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    BlogPost,
    BlogRevision,
    BlogSettings,
    BlogSubscription,
    BlogTag,
    PostState,
)
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.models import StoredFile
from workspace.jobs import queue as jobs
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, notify_many, withdraw
from workspace.policy import blogs as blog_policy

POST_DRAFT = "blog_post"
SUBJECT = "blog_post"
ANNOUNCE_JOB = "blogs.announce"


class Publishing:
    """What the author asks for when saving: keep it a draft, publish now, or at a time."""

    DRAFT = "draft"
    NOW = "now"
    LATER = "later"
    CHOICES = ((NOW, "Publish now"), (LATER, "Schedule for a date and time"),
               (DRAFT, "Save as a draft (only you see it)"))


@dataclass(frozen=True)
class Writing:
    """A post as the form sends it (text still unchecked)."""

    title: str
    body: str
    summary: str = ""
    tags: str = ""  # comma-separated
    cover_digest: str | None = None
    cover_alt: str = ""
    publishing: str = Publishing.NOW
    day: date | None = None  # for LATER, in the author's time zone
    clock: time | None = None


@dataclass(frozen=True)
class Checked:
    title: str
    body: str
    summary: str
    tags: list[str]
    cover_digest: str | None
    cover_alt: str
    state: PostState
    publish_at: datetime | None


def check(author: User, text: Writing, *, now: datetime,
          published_before: datetime | None = None) -> Checked:
    """The post made ready to store, or Invalid naming the field at fault."""
    title = re.sub(r"\s+", " ", text.title or "").strip()
    if not title:
        raise errors.Invalid("Give the post a title.", field="title")
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters "
                             f"(it has {len(title)}).", field="title")
    summary = re.sub(r"\s+", " ", text.summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise errors.Invalid(f"Keep the summary under {SUMMARY_MAX} characters "
                             f"(it has {len(summary)}).", field="summary")
    if len(text.body or "") > writing.BODY_MAX:
        raise errors.Invalid(f"Keep the post under {writing.BODY_MAX:,} characters.",
                             field="body")
    if text.publishing != Publishing.DRAFT and not (text.body or "").strip():
        raise errors.Invalid("Write the post before publishing it.", field="body")
    cover_alt = re.sub(r"\s+", " ", text.cover_alt or "").strip()
    if text.cover_digest:
        if db.session.get(StoredFile, text.cover_digest) is None:
            raise errors.Invalid("That cover image could not be found: choose it again.",
                                 field="cover")
        if not cover_alt:
            raise errors.Invalid("Describe the cover image for people who can't see it.",
                                 field="cover_alt")
        if len(cover_alt) > ALT_MAX:
            raise errors.Invalid(f"Keep the description under {ALT_MAX} characters.",
                                 field="cover_alt")
    state, publish_at = _when(author, text, now=now, published_before=published_before)
    tags = writing.tags_from(text.tags, most=TAGS_MAX, longest=TAG_MAX)
    return Checked(title=title, body=text.body or "", summary=summary, tags=tags,
                   cover_digest=text.cover_digest or None,
                   cover_alt=cover_alt if text.cover_digest else "", state=state,
                   publish_at=publish_at)


def _when(author: User, text: Writing, *, now: datetime,
          published_before: datetime | None) -> tuple[PostState, datetime | None]:
    if text.publishing == Publishing.DRAFT:
        return PostState.DRAFT, None
    if text.publishing == Publishing.NOW:
        # An edit of a post already out keeps its date; a first publication is dated now.
        return PostState.PUBLISHED, published_before if (
            published_before is not None and published_before <= now) else now
    if text.publishing != Publishing.LATER:
        raise errors.Invalid("Choose when to publish.", field="publishing")
    if text.day is None:
        raise errors.Invalid("Give the date to publish on, like 03/10/2031.", field="day")
    if text.clock is None:
        raise errors.Invalid("Give the time to publish at, like 9:00 AM.", field="clock")
    moment = timezones.to_utc(text.day, text.clock, author.time_zone, field="clock")
    if moment <= now:
        raise errors.Invalid("That time has passed: choose a time in the future, or "
                             "publish now.", field="day")
    return PostState.PUBLISHED, moment


def post_link(post: BlogPost, **args: Any) -> str:
    return url_for("blogs.post", slug=post.community.slug, post_id=post.id, **args)


def _apply(post: BlogPost, checked: Checked) -> None:
    post.title, post.summary, post.body = checked.title, checked.summary, checked.body
    post.body_html = writing.render_body(post.community, checked.body)
    post.tags = [BlogTag(tag=tag) for tag in checked.tags]
    post.cover_digest, post.cover_alt = checked.cover_digest, checked.cover_alt
    post.state, post.publish_at = checked.state, checked.publish_at


def write(author: User, community: Community, text: Writing, *,
          nonce: str | None = None, written_at: datetime | None = None) -> BlogPost:
    """A new post: a draft, out now, or scheduled. The same form sent twice makes one post.

    `written_at` dates history brought in from elsewhere (the demo): a post published "now"
    went out then; new writing is dated now.
    """
    policy.require(author, blog_policy.may_write_posts, community)
    now = written_at or utcnow()
    checked = check(author, text, now=now)

    def save(clean_nonce: str | None) -> BlogPost:
        post = BlogPost(community=community, author=author, client_nonce=clean_nonce,
                        created_at=now)
        _apply(post, checked)
        db.session.add(post)
        db.session.flush()
        _after_publishing(author, post, before="")
        writing.discard_draft(author, POST_DRAFT, community.id)
        db.session.commit()
        return post

    return writing.once(BlogPost, author, nonce, save)


def change(editor: User, post: BlogPost, text: Writing, *,
           written_at: datetime | None = None) -> BlogPost:
    """Edit a post; once it is out, what it said before is kept and readers see "Updated".
    `written_at` dates an edit brought in from elsewhere (the demo)."""
    policy.require(editor, blog_policy.may_change_post, post)
    now = written_at or utcnow()
    checked = check(editor, text, now=now, published_before=post.publish_at
                    if post.state is PostState.PUBLISHED else None)
    was_out = post.is_out(now)
    before = post.body
    if was_out and (checked.title, checked.summary, checked.body) != (
            post.title, post.summary, post.body):
        db.session.add(BlogRevision(post_id=post.id, editor_id=editor.id, title=post.title,
                                    summary=post.summary, body=post.body, created_at=now))
        post.edited_at = now
    _apply(post, checked)
    db.session.flush()
    _after_publishing(editor, post, before=before)
    db.session.commit()
    return post


def _after_publishing(actor: User, post: BlogPost, *, before: str) -> None:
    """Queue the subscribers' notice for the post's time (now, or when scheduled) and tell the
    people it mentions once it is out. Nothing is said of a scheduled post before its time."""
    if post.state is not PostState.PUBLISHED or post.publish_at is None:
        return
    if post.announced_at is None:
        assert post.publish_at is not None
        jobs.enqueue(ANNOUNCE_JOB, {"post_id": post.id},
                     key=f"{ANNOUNCE_JOB}:{post.id}:{post.publish_at.isoformat()}",
                     run_at=post.publish_at)
    elif post.is_out(utcnow()):
        writing.tell_mentioned(actor, post.community, post.body, link=post_link(post),
                               title=post.title, subject=Subject(SUBJECT, post.id),
                               before=before)


def _links_buildable() -> AbstractContextManager[object]:
    # url_for outside a request needs SERVER_NAME, which a worker (`flask jobs`, or the one
    # `flask serve` runs) usually hasn't, and even with it builds a full address: notices keep
    # a path, built as a request to "/" would.
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/")


@jobs.register(ANNOUNCE_JOB)
def announce(payload: dict[str, Any]) -> None:
    """At the post's time: tell the blog's subscribers who may read it, and those mentioned.

    A rescheduled or unpublished post finds its old job here with nothing to do; the policy is
    asked again now, so a person whose state withdrew hears nothing."""
    with _links_buildable():
        _announce(int(payload["post_id"]))


def _announce(post_id: int) -> None:
    post = db.session.get(BlogPost, post_id)
    now = utcnow()
    if post is None or post.announced_at is not None:
        return
    if post.is_scheduled(now):
        # Moved later since this job was queued (or the clocks disagree): wait for the new time.
        assert post.publish_at is not None
        jobs.enqueue(ANNOUNCE_JOB, {"post_id": post.id},
                     key=f"{ANNOUNCE_JOB}:{post.id}:{post.publish_at.isoformat()}:waiting",
                     run_at=post.publish_at)
        return
    if not post.is_out(now):
        return  # unpublished, or back to a draft: publishing it again queues a new notice
    post.announced_at = now
    link = post_link(post)
    subject = Subject(SUBJECT, post.id)
    # Network staff read every blog (and may subscribe) without being its community's people.
    readers = or_(BlogSubscription.user_id.in_(policy.reader_ids(post.community)),
                  BlogSubscription.user_id.in_(policy.staff_ids()))
    subscribers = select(BlogSubscription.user_id).where(
        BlogSubscription.community_id == post.community_id, readers,
        BlogSubscription.user_id != post.author_id)
    notify_many(subscribers, NotificationKind.BLOG_POST,
                f"{post.author.name} posted “{post.title}” in the {post.community.title} blog.",
                link, actor=post.author, community=post.community, subject=subject)
    writing.tell_mentioned(post.author, post.community, post.body, link=link,
                           title=post.title, subject=subject)


def unpublish(editor: User, post: BlogPost) -> None:
    """Take a post back: out of every list and feed; its notices are withdrawn."""
    policy.require(editor, blog_policy.may_change_post, post)
    if post.state is not PostState.PUBLISHED:
        # A draft was never out: "unpublished" would show it to the facilitators.
        raise errors.Conflict("This post is not published: there is nothing to take back.")
    post.state = PostState.UNPUBLISHED
    withdraw(Subject(SUBJECT, post.id))
    db.session.commit()


def republish(editor: User, post: BlogPost) -> None:
    policy.require(editor, blog_policy.may_change_post, post)
    if post.state is not PostState.UNPUBLISHED:
        raise errors.Conflict("This post is not unpublished.")
    post.state = PostState.PUBLISHED
    post.publish_at = post.publish_at or utcnow()
    db.session.flush()
    _after_publishing(editor, post, before=post.body)
    db.session.commit()


def delete_draft(author: User, post: BlogPost) -> None:
    policy.require(author, blog_policy.may_change_post, post)
    if post.state is not PostState.DRAFT:
        raise errors.Conflict("Only a draft can be deleted; unpublish a post instead.")
    db.session.delete(post)
    db.session.commit()


def make_public(editor: User, post: BlogPost, public: bool) -> None:
    policy.require(editor, blog_policy.may_make_public, post)
    post.is_public = public
    db.session.commit()


def subscribe(user: User, community: Community, subscribed: bool) -> None:
    policy.require(user, blog_policy.may_subscribe, community)
    existing = db.session.scalar(select(BlogSubscription).where(
        BlogSubscription.user_id == user.id, BlogSubscription.community_id == community.id))
    if subscribed and existing is None:
        db.session.add(BlogSubscription(user_id=user.id, community_id=community.id))
    elif not subscribed and existing is not None:
        db.session.execute(delete(BlogSubscription).where(BlogSubscription.id == existing.id))
    db.session.commit()


def is_subscribed(user: policy.Person, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.scalar(select(BlogSubscription.id).where(
        BlogSubscription.user_id == user.id,
        BlogSubscription.community_id == community.id)) is not None


def set_members_may_post(editor: User, community: Community, allowed: bool) -> None:
    policy.require(editor, blog_policy.may_manage_blog, community)
    settings = db.session.get(BlogSettings, community.id)
    if settings is None:
        settings = BlogSettings(community_id=community.id)
        db.session.add(settings)
    settings.members_may_post = allowed
    settings.updated_at = utcnow()
    db.session.commit()
