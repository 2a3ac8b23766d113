"""Blog pages: a community's blog and its posts, writing and scheduling them, their history,
the facilitators' settings, subscribing, and the latest posts across one's communities."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy, writing
from workspace.blogs import (
    images,
    notices,  # noqa: F401 - what its notices are about
    pages,
    service,
)
from workspace.blogs.comment_routes import comments_context
from workspace.blogs.forms import PostForm, SettingsForm
from workspace.blogs.models import BlogPost, PostState
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.files import uploads
from workspace.forums.forms import BODY_HINT
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.timezones import zone
from workspace.writing import signed_in

bp = Blueprint("blogs", __name__, url_prefix="/communities/<slug>/blog")
latest_bp = Blueprint("latest_posts", __name__, url_prefix="/blog")
writing.keep_text_on(bp)

def me() -> policy.Person:
    return current_user._get_current_object()


def _page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _render(template: str, community: Community, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    standing = policy.standing_in(me(), community)
    return render_template(
        template, community=community, standing=standing,
        may_write=blog_policy.may_write_posts(me(), community, standing),
        may_manage=standing.manages, may_moderate=standing.moderates,
        reads=standing.reads, body_hint=BODY_HINT, now=utcnow(), **context), status


def _post(slug: str, post_id: int) -> tuple[Community, BlogPost]:
    community = policy.community_for(me(), slug, Action.VIEW)
    return community, pages.post_in(me(), community, post_id)


def _address(post: BlogPost, **args: Any) -> str:
    return url_for("blogs.post", slug=post.community.slug, post_id=post.id, **args)


@bp.route("")
def index(slug: str) -> ResponseReturnValue:
    """Everyone who may see the community sees its blog: readers every post that is out,
    visitors and outsiders the public ones."""
    community = policy.community_for(me(), slug, Action.VIEW)
    found = pages.community_index(me(), community, pages.Filters.from_args(request.args),
                                  page=_page_arg())
    return _render("blogs/index.html", community, index=found,
                   subscribed=service.is_subscribed(me(), community),
                   may_subscribe=blog_policy.may_subscribe(me(), community))


@bp.route("/<int:post_id>")
def post(slug: str, post_id: int) -> ResponseReturnValue:
    community, found = _post(slug, post_id)
    standing = policy.standing_in(me(), community)
    return _render("blogs/post.html", community, post=found,
                   may_change=blog_policy.may_change_post(me(), found, standing),
                   may_see_history=blog_policy.may_see_history(me(), found, standing),
                   may_make_public=blog_policy.may_make_public(me(), found, standing),
                   **post_page_context(found))


def post_page_context(found: BlogPost) -> dict[str, Any]:
    """What the post page's comment and reaction sections show (blogs/comment_routes.py)."""
    return comments_context(me(), found)


def _previews(community: Community, form: PostForm) -> dict[str, str] | None:
    if request.method != "POST" or not request.form.get("preview"):
        return None
    return {"body": writing.preview(me(), community, form.body.data or "")}


@bp.route("/new", methods=["GET", "POST"])
@signed_in
@uploads.accepts_uploads
def new(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), blog_policy.may_write_posts, community)
    form = PostForm()
    draft = None
    if request.method == "GET":
        draft = writing.draft_for(me(), service.POST_DRAFT, community.id)
        if draft is not None:
            form.title.data, form.body.data = draft.title, draft.body
    previews = _previews(community, form)
    cover = images.cover_fields(community, submitted=request.form if (
        request.method == "POST") else None)
    if previews is None and form.validate_on_submit():
        chosen = None
        try:
            chosen = images.cover_from_form(me(), community, request.files, request.form)
            made = service.write(me(), community, form.writing(chosen.digest, chosen.alt),
                                 nonce=form.nonce.data)
        except errors.Invalid as exc:
            form.add_error(exc)
            cover = images.cover_fields(community, chosen=chosen, submitted=request.form,
                                        error=exc)
        else:
            flash(_saved_message(made), "success")
            return redirect(_address(made))
    return _render("blogs/new.html", community, 422 if form.errors else 200, form=form,
                   previews=previews or {}, restored=draft, post=None, cover=cover)


def _saved_message(found: BlogPost) -> str:
    now = utcnow()
    if found.state is PostState.DRAFT:
        return "Your draft is saved. Only you see it until you publish it."
    if found.is_scheduled(now):
        assert found.publish_at is not None
        local = found.publish_at.astimezone(zone(me().time_zone))
        return (f"Your post is scheduled for {local:%A, %B} {local.day}, "
                f"{local:%I:%M %p}".replace(" 0", " ") + ". No one sees it before then.")
    return "Your post is published."


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@signed_in
@uploads.accepts_uploads
def edit(slug: str, post_id: int) -> ResponseReturnValue:
    community, found = _post(slug, post_id)
    policy.require(me(), blog_policy.may_change_post, found)
    form = PostForm()
    if request.method == "GET":
        _fill(form, found)
    previews = _previews(community, form)
    cover = images.cover_fields(community, post=found, submitted=request.form if (
        request.method == "POST") else None)
    if previews is None and form.validate_on_submit():
        chosen = None
        try:
            chosen = images.cover_from_form(me(), community, request.files, request.form,
                                            post=found)
            service.change(me(), found, form.writing(chosen.digest, chosen.alt))
        except errors.Invalid as exc:
            form.add_error(exc)
            cover = images.cover_fields(community, post=found, chosen=chosen,
                                        submitted=request.form, error=exc)
        else:
            flash(_saved_message(found), "success")
            return redirect(_address(found))
    return _render("blogs/edit.html", community, 422 if form.errors else 200, form=form,
                   previews=previews or {}, post=found, cover=cover)


def _fill(form: PostForm, found: BlogPost) -> None:
    form.title.data, form.summary.data, form.body.data = found.title, found.summary, found.body
    form.tags.data = ", ".join(found.tag_names)
    now = utcnow()
    if found.state is PostState.DRAFT:
        form.publishing.data = service.Publishing.DRAFT
    elif found.is_scheduled(now) and found.publish_at is not None:
        form.publishing.data = service.Publishing.LATER
        local = found.publish_at.astimezone(zone(me().time_zone))
        form.day.data, form.clock.data = local.date().isoformat(), local.strftime("%H:%M")
    else:
        form.publishing.data = service.Publishing.NOW


@bp.route("/<int:post_id>/unpublish", methods=["POST"])
@signed_in
def unpublish(slug: str, post_id: int) -> ResponseReturnValue:
    _community, found = _post(slug, post_id)
    try:
        if found.state is PostState.UNPUBLISHED:
            service.republish(me(), found)
            flash("The post is published again.", "success")
        else:
            service.unpublish(me(), found)
            flash("The post is unpublished: only you and the facilitators see it now.",
                  "success")
    except errors.Conflict as exc:
        flash(exc.message, "error")
    return redirect(_address(found))


@bp.route("/<int:post_id>/delete", methods=["POST"])
@signed_in
def delete_draft(slug: str, post_id: int) -> ResponseReturnValue:
    _community, found = _post(slug, post_id)
    try:
        service.delete_draft(me(), found)
    except errors.Conflict as exc:
        flash(exc.message, "error")
        return redirect(_address(found))
    flash("The draft is deleted.", "success")
    return redirect(url_for(".index", slug=slug))


@bp.route("/<int:post_id>/public", methods=["POST"])
@signed_in
def make_public(slug: str, post_id: int) -> ResponseReturnValue:
    _community, found = _post(slug, post_id)
    public = request.form.get("public") == "1"
    service.make_public(me(), found, public)
    flash("The post is public: visitors see it on the community's page and in the catalogue."
          if public else "The post is for the community's members only again.", "success")
    return redirect(_address(found))


@bp.route("/<int:post_id>/history")
@signed_in
def history(slug: str, post_id: int) -> ResponseReturnValue:
    community, found = _post(slug, post_id)
    policy.require(me(), blog_policy.may_see_history, found)
    return _render("blogs/history.html", community, post=found,
                   revisions=pages.history_of(found))


@bp.route("/subscription", methods=["POST"])
@signed_in
def subscription(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    subscribed = request.form.get("subscribed") == "1"
    service.subscribe(me(), community, subscribed)
    flash("You'll be told of each new post in this blog." if subscribed else
          "You won't be told of new posts any more.", "success")
    return redirect(url_for(".index", slug=slug))


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), blog_policy.may_manage_blog, community)
    form = SettingsForm()
    if request.method == "GET":
        form.members_may_post.data = blog_policy.members_may_post(community)
    if form.validate_on_submit():
        service.set_members_may_post(me(), community, bool(form.members_may_post.data))
        flash("Members may write posts now." if form.members_may_post.data else
              "Only facilitators and subject matter experts write posts now.", "success")
        return redirect(url_for(".index", slug=slug))
    return _render("blogs/settings.html", community, form=form)


@latest_bp.route("")
@login_required
def latest() -> ResponseReturnValue:
    return render_template("blogs/latest.html", pagination=pages.latest(me(), page=_page_arg()),
                           now=utcnow())

