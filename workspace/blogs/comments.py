"""Comments on blog posts (one level of replies) and reactions to posts: a post's thread as its
reader sees it, read in a fixed number of queries, and the only code that writes comments and
reactions. Hiding a comment is moderation's (blogs/moderation.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import joinedload, load_only, raiseload

from workspace import errors, policy, realtime, writing
from workspace.auth.models import User
from workspace.blogs.models import COMMENT_MAX, BlogComment, BlogPost, BlogReaction
from workspace.blogs.service import post_link
from workspace.communities.models import Community, CommunityRole
from workspace.communities.service import roles_in
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation.service import resolve_flags
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, Thread, notify_many, withdraw
from workspace.organizations.models import Organization
from workspace.policy import Standing
from workspace.policy import blogs as blog_policy
from workspace.reactions import ReactionKind, ReactionSummary, summaries, toggle

# How notices, flags and the moderation log name a comment.
COMMENT = "blog_comment"
# The editor's kinds of draft: a comment on a post (its target is the post), and a reply (its
# target is the comment replied to).
COMMENT_DRAFT = "blog_comment"
REPLY_DRAFT = "blog_comment_reply"

DELETED = "This comment was deleted."
HIDDEN = "A facilitator hid this comment."

# Notices that send people to read a comment: they go when it is hidden or deleted.
INVITATIONS_TO_READ = frozenset({NotificationKind.BLOG_COMMENT, NotificationKind.MENTION})

# A thread is drawn from what is loaded here; anything else a template reaches for raises.
NO_LAZY_SQL = raiseload("*", sql_only=True)
_SHOWN_AUTHOR = joinedload(BlogComment.author).options(
    load_only(User.id, User.name, User.organization_id, raiseload=True),
    joinedload(User.organization).load_only(Organization.id, Organization.name,
                                            raiseload=True))


def post_room(post: BlogPost) -> str:
    """People with the post open: told of new and changed comments and of reactions."""
    return realtime.community_scoped(post.community_id, "blog", post.id)


def comment_link(post: BlogPost, comment: BlogComment) -> str:
    # A path, never a full address: notices and flags store it.
    return post_link(post, _external=False, _anchor=f"comment-{comment.id}")


# --- Finding ---------------------------------------------------------------------------------

def readable_post(viewer: policy.Person, community: Community, post_id: int) -> BlogPost:
    """A post of this community the viewer may read, or NotFound."""
    post = db.session.scalar(
        select(BlogPost).where(BlogPost.id == post_id, BlogPost.community_id == community.id)
        .options(joinedload(BlogPost.community), joinedload(BlogPost.author)))
    if post is None:
        raise errors.NotFound()
    policy.require(viewer, blog_policy.may_read_post, post)
    return post


def _comment_on_readable_post(viewer: policy.Person, community: Community,
                              comment_id: int) -> BlogComment:
    comment = db.session.scalar(
        select(BlogComment).join(BlogPost, BlogPost.id == BlogComment.post_id)
        .where(BlogComment.id == comment_id, BlogPost.community_id == community.id)
        .options(joinedload(BlogComment.post).options(joinedload(BlogPost.community),
                                                      joinedload(BlogPost.author)),
                 joinedload(BlogComment.author)))
    if comment is None:
        raise errors.NotFound()
    policy.require(viewer, blog_policy.may_read_post, comment.post)
    return comment


def comment_in(viewer: policy.Person, community: Community, comment_id: int) -> BlogComment:
    """A comment of this community the viewer may see (hidden ones: author and moderators)."""
    comment = _comment_on_readable_post(viewer, community, comment_id)
    if not blog_policy.may_see_comment(viewer, comment):
        raise errors.NotFound()
    return comment


def post_for_live(viewer: policy.Person, post_id: int) -> BlogPost:
    """The post a live connection asks to follow, if the person may read it."""
    post = db.session.scalar(select(BlogPost).where(BlogPost.id == post_id)
                             .options(joinedload(BlogPost.community)))
    if post is None or not blog_policy.may_read_post(viewer, post):
        raise errors.NotFound("That post isn't available.")
    return post


@policy.rule("You can reply only to a comment everyone sees, on a post open for comments.")
def may_reply(user: policy.Person, comment: BlogComment,
              standing: Standing | None = None) -> bool:
    return (comment.deleted_at is None and comment.hidden_at is None
            and blog_policy.may_comment(user, comment.post, standing))


# --- Reading ---------------------------------------------------------------------------------

@dataclass
class CommentNode:
    """One comment as this viewer sees it, with its replies and what they may do to it."""

    comment: BlogComment
    replies: list[CommentNode] = field(default_factory=list)
    # Deleted, or hidden from this viewer, but with replies they see: a line keeps their place.
    placeholder: str = ""
    is_hidden: bool = False  # shown, marked, to its author and the moderators only
    is_own: bool = False
    author_role: CommunityRole | None = None
    may_change: bool = False  # edit and delete: its author
    may_flag: bool = False
    may_reply: bool = False
    may_moderate: bool = False

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def is_reply(self) -> bool:
        return self.comment.parent_id is not None


def _node(viewer: policy.Person, comment: BlogComment, standing: Standing, *,
          may_comment: bool, roles: dict[int, CommunityRole],
          replies: list[CommentNode]) -> CommentNode:
    seen_by_all = comment.deleted_at is None and comment.hidden_at is None
    signed_in = bool(viewer.is_authenticated)
    return CommentNode(
        comment=comment, replies=replies, is_hidden=comment.hidden_at is not None,
        is_own=signed_in and standing.user_id == comment.author_id,
        author_role=roles.get(comment.author_id),
        may_change=blog_policy.may_change_comment(viewer, comment, standing),
        # (Visitors reading a public post have no id to compare with the author's.)
        may_flag=signed_in and blog_policy.may_flag_comment(viewer, comment, standing),
        may_reply=may_comment and seen_by_all, may_moderate=standing.moderates)


def _thread(viewer: policy.Person, post: BlogPost,
            comments: list[BlogComment]) -> list[CommentNode]:
    """Top-level comments in order, each with the replies this viewer sees."""
    standing = policy.standing_in(viewer, post.community)
    may_comment = blog_policy.may_comment(viewer, post, standing)
    roles = roles_in(post.community, {comment.author_id for comment in comments})
    replies_to: dict[int, list[CommentNode]] = {}
    for comment in comments:
        if comment.parent_id is not None and blog_policy.may_see_comment(viewer, comment,
                                                                         standing):
            replies_to.setdefault(comment.parent_id, []).append(_node(
                viewer, comment, standing, may_comment=may_comment, roles=roles, replies=[]))
    thread = []
    for comment in comments:
        if comment.parent_id is not None:
            continue
        replies = replies_to.get(comment.id, [])
        if blog_policy.may_see_comment(viewer, comment, standing):
            thread.append(_node(viewer, comment, standing, may_comment=may_comment,
                                roles=roles, replies=replies))
        elif replies:
            thread.append(CommentNode(
                comment=comment, replies=replies,
                placeholder=DELETED if comment.deleted_at is not None else HIDDEN))
    return thread


def _comments_stmt(post: BlogPost) -> Select[BlogComment]:
    return (select(BlogComment).where(BlogComment.post_id == post.id)
            .options(_SHOWN_AUTHOR, NO_LAZY_SQL).order_by(BlogComment.id))


def thread_for(viewer: policy.Person, post: BlogPost) -> list[CommentNode]:
    """The post's comments, oldest first, each with its replies, as this viewer sees them:
    hidden ones only for their authors and the moderators (marked), deleted ones gone unless
    they have replies. A fixed number of queries however many comments there are."""
    return _thread(viewer, post, list(db.session.scalars(_comments_stmt(post))))


def node_for(viewer: policy.Person, community: Community, comment_id: int) -> CommentNode:
    """One comment as it appears in its post's thread, for a live update of an open page (a
    deleted comment with replies is its placeholder); NotFound if this viewer sees nothing."""
    comment = _comment_on_readable_post(viewer, community, comment_id)
    post = comment.post
    top_id = comment.parent_id or comment.id
    in_its_thread = list(db.session.scalars(_comments_stmt(post).where(
        or_(BlogComment.id == top_id, BlogComment.parent_id == top_id))))
    for node in _thread(viewer, post, in_its_thread):
        for found in (node, *node.replies):
            if found.id == comment.id:
                return found
    raise errors.NotFound()


def reaction_summaries(viewer: policy.Person, post: BlogPost) -> list[ReactionSummary]:
    """Every kind's count on the post and whether the viewer gave it: one query."""
    return summaries(BlogReaction.post_id, viewer, [post.id])[post.id]


# --- Writing ---------------------------------------------------------------------------------

def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise errors.Invalid("Write your comment before posting it.", field="body")
    if len(body) > COMMENT_MAX:
        raise errors.Invalid(f"Keep a comment under {COMMENT_MAX:,} characters "
                             f"(it has {len(body):,}).", field="body")
    return body


def _replied_to(post: BlogPost, parent_id: int) -> BlogComment:
    comment = db.session.get(BlogComment, parent_id)
    if comment is None or comment.post_id != post.id:
        raise errors.Invalid("The comment you replied to isn't on this post.", field="body")
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise errors.Invalid("The comment you replied to is no longer there. Post yours as a "
                             "new comment instead.", field="body")
    return comment


def _recount(post: BlogPost) -> None:
    """The post's count of comments everyone sees, after one is hidden, restored or deleted."""
    visible = (select(func.count(BlogComment.id))
               .where(BlogComment.post_id == post.id, BlogComment.deleted_at.is_(None),
                      BlogComment.hidden_at.is_(None)).scalar_subquery())
    db.session.execute(update(BlogPost).where(BlogPost.id == post.id)
                       .values(comment_count=visible))


def publish_comment_changed(post: BlogPost, comment: BlogComment) -> None:
    """Open pages fetch the comment again as each reader sees it (ids only: a hidden comment's
    text must not reach readers through the event)."""
    db.session.flush()
    realtime.publish("comment_changed", {"post_id": post.id, "comment_id": comment.id,
                                         "comment_count": _count(post)},
                     to=post_room(post))


def _count(post: BlogPost) -> int:
    return db.session.scalar(select(BlogPost.comment_count).where(BlogPost.id == post.id)) or 0


def add_comment(author: User, post: BlogPost, body: str, *, parent_id: int | None = None,
                nonce: str | None = None, written_at: datetime | None = None) -> BlogComment:
    """Comment on a post, or reply to a comment (a reply to a reply joins the same thread);
    tell the post's author, the people replied to and anyone mentioned, and open pages. The
    same form sent twice makes one comment. `written_at` dates history brought in from
    elsewhere (the demo); new writing is dated now."""
    community = post.community
    policy.require(author, blog_policy.may_comment, post)

    def write(clean_nonce: str | None) -> BlogComment:
        text = _clean_body(body)
        replied_to = _replied_to(post, parent_id) if parent_id is not None else None
        # One level of replies: answering a reply answers its thread.
        thread = replied_to
        if replied_to is not None and replied_to.parent_id is not None:
            thread = db.session.get(BlogComment, replied_to.parent_id)
        comment = BlogComment(post_id=post.id, author_id=author.id,
                              parent_id=thread.id if thread is not None else None, body=text,
                              body_html=writing.render_body(community, text),
                              client_nonce=clean_nonce, created_at=written_at or utcnow())
        db.session.add(comment)
        db.session.flush()
        # An increment in one UPDATE, so comments sent at the same moment are all counted.
        db.session.execute(update(BlogPost).where(BlogPost.id == post.id)
                           .values(comment_count=BlogPost.comment_count + 1))
        if replied_to is not None:
            writing.discard_draft(author, REPLY_DRAFT, replied_to.id)
        else:
            writing.discard_draft(author, COMMENT_DRAFT, post.id)
        _tell(author, post, comment, replied_to=replied_to, thread=thread)
        realtime.publish("comment_added", {
            "post_id": post.id, "comment_id": comment.id, "parent_id": comment.parent_id,
            "author": author.name, "comment_count": _count(post)}, to=post_room(post))
        db.session.commit()
        return comment

    return writing.once(BlogComment, author, nonce, write)


def post_thread(post: BlogPost) -> Thread:
    """What the notification centre groups a post's comments (and mentions in them) under."""
    return Thread(f"blog_post:{post.id}", post.title)


def _tell(author: User, post: BlogPost, comment: BlogComment, *,
          replied_to: BlogComment | None, thread: BlogComment | None) -> None:
    """Mentioned people, then the person replied to, the thread's starter and the post's
    author: each told once, and only while they may still read the post."""
    community = post.community
    link = comment_link(post, comment)
    subject = Subject(COMMENT, comment.id)
    about = post_thread(post)
    told = {author.id, *writing.tell_mentioned(author, community, comment.body, link=link,
                                               title=post.title, subject=subject,
                                               thread=about)}
    readers = or_(User.id.in_(policy.reader_ids(community)), User.id.in_(policy.staff_ids()))
    title = post.title
    notices: list[tuple[int, str]] = []
    if replied_to is not None:
        notices.append((replied_to.author_id,
                        f"{author.name} replied to your comment on “{title}”."))
    if thread is not None and thread is not replied_to:
        notices.append((thread.author_id,
                        f"{author.name} replied in the thread of your comment on “{title}”."))
    notices.append((post.author_id, f"{author.name} commented on your post “{title}”."))
    for user_id, message in notices:
        if user_id in told:
            continue
        told.add(user_id)
        notify_many(select(User.id).where(User.id == user_id, readers),
                    NotificationKind.BLOG_COMMENT, message, link, actor=author,
                    community=community, subject=subject, thread=about)


def edit_comment(editor: User, comment: BlogComment, body: str) -> BlogComment:
    """Change one's own comment; readers see that it was edited."""
    policy.require(editor, blog_policy.may_change_comment, comment)
    post = comment.post
    text = _clean_body(body)
    if text == comment.body:
        return comment
    before = comment.body
    comment.body, comment.edited_at = text, utcnow()
    comment.body_html = writing.render_body(post.community, text)
    writing.tell_mentioned(editor, post.community, text, link=comment_link(post, comment),
                           title=post.title, subject=Subject(COMMENT, comment.id),
                           thread=post_thread(post), before=before)
    publish_comment_changed(post, comment)
    db.session.commit()
    return comment


def delete_comment(author: User, comment: BlogComment) -> None:
    """Authors remove their own comment; its replies keep their place under a line saying so."""
    policy.require(author, blog_policy.may_change_comment, comment)
    post = comment.post
    comment.deleted_at = utcnow()
    resolve_flags(author, COMMENT, comment.id, "Deleted by its author")
    withdraw(Subject(COMMENT, comment.id), kinds=INVITATIONS_TO_READ)
    db.session.flush()
    _recount(post)
    publish_comment_changed(post, comment)
    db.session.commit()


def recount(post: BlogPost) -> None:
    """Count the post's visible comments again, in the caller's unit of work (moderation)."""
    db.session.flush()
    _recount(post)


def react(user: User, post: BlogPost, kind: ReactionKind) -> bool:
    """Add the reaction to the post, or take it back if the person had given it; True if it is
    there now. Open pages hear the new counts."""
    policy.require(user, blog_policy.may_comment, post)
    added = toggle(BlogReaction.post_id, post.id, user, kind)  # commits
    counts = {summary.kind.value: summary.count for summary in reaction_summaries(user, post)}
    realtime.publish("reactions_changed", {"post_id": post.id, "counts": counts},
                     to=post_room(post))
    db.session.commit()  # the counts were read in a unit of work of their own: send them
    return added
