"""A post's comments and reactions over HTTP. The post page itself is the blog's (routes.py): it
includes templates/blogs/_comments.html with what comments_context() gives it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from workspace import errors, policy, writing
from workspace.blogs import comments
from workspace.blogs import moderation as blog_moderation
from workspace.blogs.comment_forms import (
    COMMENT_HINT,
    CommentForm,
    EditCommentForm,
    FlagCommentForm,
    ReplyForm,
)
from workspace.blogs.comments import COMMENT_DRAFT, REPLY_DRAFT, CommentNode
from workspace.blogs.models import BlogComment, BlogPost
from workspace.blogs.service import post_link
from workspace.communities.models import Community
from workspace.errors import wants_json
from workspace.moderation.forms import HideForm
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.reactions import ReactionKind, ReactionSummary
from workspace.writing import Draft, signed_in

bp = Blueprint("blog_comments", __name__, url_prefix="/communities/<slug>/blog")
# Text sent with a stale CSRF token comes back to the person instead of being lost.
writing.keep_text_on(bp)


def me() -> policy.Person:
    # The person themselves, not Flask-Login's proxy: a thread asks the policy about them for
    # every comment, and each attribute read through the proxy costs a lookup.
    return current_user._get_current_object()


# --- What the post page shows ----------------------------------------------------------------

@dataclass(frozen=True)
class CommentLinks:
    """The addresses a post's comments use, built once for a page of many comments."""

    post: str  # the post's page
    add: str  # where a comment or reply is sent
    reactions: str
    comments: str  # "/communities/<slug>/blog/comments/": each comment's own addresses

    @classmethod
    def of(cls, post: BlogPost) -> CommentLinks:
        slug = post.community.slug
        edit = url_for("blog_comments.edit_comment", slug=slug, comment_id=0)
        return cls(post=post_link(post),
                   add=url_for("blog_comments.add_comment", slug=slug, post_id=post.id),
                   reactions=url_for("blog_comments.react", slug=slug, post_id=post.id),
                   comments=edit.removesuffix("0/edit"))

    def comment(self, comment_id: int, action: str) -> str:
        """A comment's page for this action: edit, delete, flag, hide, restore, fragment."""
        return f"{self.comments}{comment_id}/{action}"


@dataclass(frozen=True)
class Replying:
    """The comment a reply form is open under (without JavaScript: ?reply_to=<id>)."""

    thread_id: int  # the top-level comment it goes under
    comment: BlogComment  # the one answered


@dataclass
class CommentForms:
    """The forms of a post's comments for this reader, and why there are none."""

    comment: CommentForm
    reply: ReplyForm
    draft: Draft | None = None  # their unsent comment, put back in the form
    replying: Replying | None = None
    refusal: str = ""  # why they may not comment (signed in, but an observer, say)
    hint: str = COMMENT_HINT
    comment_draft_kind: str = COMMENT_DRAFT
    reply_draft_kind: str = REPLY_DRAFT


def _replying(thread: list[CommentNode], comment_id: int | None) -> Replying | None:
    if comment_id is None:
        return None
    for node in thread:
        for each in (node, *node.replies):
            if each.id == comment_id and each.may_reply:
                return Replying(thread_id=node.id, comment=each.comment)
    return None


def comments_context(viewer: policy.Person, post: BlogPost) -> dict[str, Any]:
    """What templates/blogs/_comments.html needs besides `post` and `community`: the post page
    passes it along (render_template(..., **comments_context(viewer, post))). A fixed number
    of queries however many comments there are."""
    thread = comments.thread_for(viewer, post)
    may_comment = blog_policy.may_comment(viewer, post)
    forms = CommentForms(comment=CommentForm(), reply=ReplyForm())
    if may_comment:
        forms.draft = writing.draft_for(viewer, COMMENT_DRAFT, post.id)
        if forms.draft is not None and not forms.comment.body.data:
            forms.comment.body.data = forms.draft.body
        forms.replying = _replying(thread, request.args.get("reply_to", type=int))
    elif viewer.is_authenticated:
        forms.refusal = blog_policy.may_comment.refusal(post) or ""
    return {"thread": thread, "reactions": comments.reaction_summaries(viewer, post),
            "may_comment": may_comment, "comment_forms": forms,
            "comment_links": CommentLinks.of(post)}


# --- Helpers ---------------------------------------------------------------------------------

def _community(slug: str, action: Action = Action.VIEW) -> Community:
    # VIEW: visitors and outsiders read the posts a facilitator made public; the post and the
    # policy's rules decide the rest.
    return policy.community_for(me(), slug, action)


def _render(template: str, post: BlogPost, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    return render_template(template, post=post, community=post.community,
                           comment_links=CommentLinks.of(post), **context), status


def _parent_id(form: CommentForm) -> int | None:
    value = (form.parent_id.data or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise errors.Invalid("The comment you replied to isn't on this post.", field="body")
    return int(value)


def _replied_to(community: Community, parent_id: int | None) -> BlogComment | None:
    if parent_id is None:
        return None
    try:
        return comments.comment_in(me(), community, parent_id)
    except errors.NotFound:
        return None


def _comment_page(post: BlogPost, form: CommentForm, parent_id: int | None, *,
                  preview_html: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The comment (or reply) on a page of its own: its preview without JavaScript, or what
    went wrong beside the field with the text kept."""
    replied_to = _replied_to(post.community, parent_id)
    return _render("blogs/comment_form.html", post, status, form=form, replied_to=replied_to,
                   preview_html=preview_html, hint=COMMENT_HINT,
                   draft_kind=REPLY_DRAFT if replied_to else COMMENT_DRAFT,
                   draft_target=replied_to.id if replied_to else post.id)


def _summaries_json(summaries: list[ReactionSummary]) -> list[dict[str, Any]]:
    return [{"kind": each.kind.value, "label": each.kind.label, "count": each.count,
             "mine": each.mine} for each in summaries]


# --- Comments --------------------------------------------------------------------------------

@bp.route("/<int:post_id>/comments", methods=["POST"])
@signed_in
def add_comment(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug)
    post = comments.readable_post(me(), community, post_id)
    parent_id = _parent_id(CommentForm())
    form = ReplyForm() if parent_id is not None else CommentForm()
    if request.form.get("preview"):
        preview_html = writing.preview(me(), community, form.body.data or "")
        return _comment_page(post, form, parent_id, preview_html=preview_html)
    try:
        comment = comments.add_comment(me(), post, form.body.data or "", parent_id=parent_id,
                                       nonce=form.nonce.data)
    except errors.Invalid as exc:
        if wants_json():
            raise
        form.add_error(exc)
        return _comment_page(post, form, parent_id, status=422)
    except errors.Forbidden as exc:  # e.g. unpublished while they were writing: keep the text
        if wants_json():
            raise
        return writing.resend(403, exc.message, can_resend=False)
    link = comments.comment_link(post, comment)
    if wants_json():
        return jsonify({"ok": True, "comment_id": comment.id, "url": link}), 201
    flash("Your reply is posted." if comment.parent_id else "Your comment is posted.", "success")
    return redirect(link)


@bp.route("/comments/<int:comment_id>/fragment")
@signed_in
def comment_fragment(slug: str, comment_id: int) -> ResponseReturnValue:
    """One comment's HTML as this reader sees it, for the live post page to insert or replace."""
    community = _community(slug)
    node = comments.node_for(me(), community, comment_id)
    post = node.comment.post
    return render_template("blogs/_comment.html", node=node, post=post, community=community,
                           comment_links=CommentLinks.of(post))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    community = _community(slug)
    comment = comments.comment_in(me(), community, comment_id)
    policy.require(me(), blog_policy.may_change_comment, comment)
    post = comment.post
    form = EditCommentForm()
    preview_html = None
    if request.method == "GET":
        form.body.data = comment.body
    elif request.form.get("preview"):
        preview_html = writing.preview(me(), community, form.body.data or "")
    else:
        try:
            comments.edit_comment(me(), comment, form.body.data or "")
        except errors.Invalid as exc:
            if wants_json():
                raise
            form.add_error(exc)
        except errors.Forbidden as exc:
            if wants_json():
                raise
            return writing.resend(403, exc.message, can_resend=False)
        else:
            if wants_json():
                return jsonify({"ok": True, "comment_id": comment.id})
            flash("Your changes are saved.", "success")
            return redirect(comments.comment_link(post, comment))
    return _render("blogs/comment_edit.html", post, 422 if form.errors else 200,
                   comment=comment, form=form, preview_html=preview_html, hint=COMMENT_HINT)


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@signed_in
def delete_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    community = _community(slug)
    comment = comments.comment_in(me(), community, comment_id)
    post = comment.post
    comments.delete_comment(me(), comment)
    if wants_json():
        return jsonify({"ok": True})
    flash("Your comment is deleted.", "success")
    return redirect(post_link(post, _anchor="comments"))


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@signed_in
def flag_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    community = _community(slug)
    comment = comments.comment_in(me(), community, comment_id)
    policy.require(me(), blog_policy.may_flag_comment, comment)
    form = FlagCommentForm()
    if form.validate_on_submit():
        try:
            blog_moderation.flag_comment(me(), comment, reason=form.reason.data)
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("Thank you. A facilitator will look at this comment.", "success")
            return redirect(comments.comment_link(comment.post, comment))
    return _render("blogs/comment_flag.html", comment.post, 422 if form.errors else 200,
                   comment=comment, form=form)


# --- Moderation on the post (the community's queue hides them too) --------------------------

@bp.route("/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@signed_in
def hide_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    comment = comments.comment_in(me(), community, comment_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            blog_moderation.hide_comment(me(), comment, reason=form.reason.data)
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("The comment is hidden. Its author sees it with your reason; no one else "
                  "does.", "success")
            return redirect(comments.comment_link(comment.post, comment))
    return _render("blogs/comment_hide.html", comment.post, 422 if form.errors else 200,
                   comment=comment, form=form)


@bp.route("/comments/<int:comment_id>/restore", methods=["POST"])
@signed_in
def restore_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    comment = comments.comment_in(me(), community, comment_id)
    try:
        blog_moderation.restore_comment(me(), comment)
    except errors.Conflict as exc:
        flash(exc.message, "error")
    else:
        flash("The comment is visible to everyone again.", "success")
    return redirect(comments.comment_link(comment.post, comment))


# --- Reactions -------------------------------------------------------------------------------

@bp.route("/<int:post_id>/reactions", methods=["POST"])
@signed_in
def react(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug)
    post = comments.readable_post(me(), community, post_id)
    try:
        kind = ReactionKind(request.form.get("kind", ""))
    except ValueError:
        raise errors.Invalid("Choose one of the reactions.", field="kind") from None
    added = comments.react(me(), post, kind)
    if wants_json():
        return jsonify({"ok": True, "added": added,
                        "reactions": _summaries_json(comments.reaction_summaries(me(), post))})
    return redirect(post_link(post, _anchor="reactions"))
