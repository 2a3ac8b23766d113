from __future__ import annotations

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
from workspace.communities.models import Community
from workspace.errors import wants_json
from workspace.forms import options
from workspace.forums import (
    moderation,
    notices,  # noqa: F401 - what its notices are about
    pages,
    service,
)
from workspace.forums.forms import (
    BODY_HINT,
    CategoryForm,
    EditPostForm,
    FlagForm,
    HideForm,
    MoveForm,
    ReplyForm,
    TopicForm,
    WatchForm,
)
from workspace.forums.models import Post, ReactionKind, Topic, WatchLevel
from workspace.forums.pages import REPLY_DRAFT, TOPIC_DRAFT
from workspace.policy import Action
from workspace.policy import forums as forum_policy
from workspace.writing import signed_in

bp = Blueprint("forums", __name__, url_prefix="/communities/<slug>/forums")
activity_bp = Blueprint("activity", __name__, url_prefix="/activity")
# Text sent with a stale CSRF token comes back to the person instead of being lost.
writing.keep_text_on(bp)


def me() -> policy.Person:
    # The signed-in person themselves, not Flask-Login's proxy: a page of posts asks the policy
    # about them hundreds of times, and every attribute read through the proxy costs a lookup.
    return current_user._get_current_object()


# --- Helpers ---------------------------------------------------------------------------------

def _community(slug: str, action: Action = Action.READ) -> Community:
    return policy.community_for(me(), slug, action)


def _render(template: str, community: Community, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    return render_template(
        template, community=community,
        may_manage=policy.can(me(), Action.MANAGE, community),
        may_moderate=policy.can(me(), Action.MODERATE, community),
        may_contribute=policy.can(me(), Action.CONTRIBUTE, community),
        reaction_kinds=list(ReactionKind), body_hint=BODY_HINT, **context), status


def _page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _flash_error(exc: errors.WorkspaceError) -> None:
    flash(exc.message, "error")


def _topic_address(topic: Topic, **args: Any) -> str:
    return url_for(".topic", slug=topic.community.slug, topic_id=topic.id, **args)


def _watch_form(level: WatchLevel) -> WatchForm:
    form = WatchForm()
    form.level.data = level.value
    return form


# --- Reading ---------------------------------------------------------------------------------

@bp.route("/")
@signed_in
def index(slug: str) -> ResponseReturnValue:
    community = _community(slug)
    overview = pages.forum_overview(me(), community)
    return _render("forums/index.html", community, overview=overview)


@bp.route("/search")
@signed_in
def search(slug: str) -> ResponseReturnValue:
    community = _community(slug)
    words = (request.args.get("q") or "")[:200]
    results = pages.search_topics(me(), community, words, page=_page_arg())
    return _render("forums/search.html", community, words=words, results=results,
                   endpoint_args={"slug": slug, "q": words})


@bp.route("/categories/<int:category_id>")
@signed_in
def category(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug)
    forum_category = pages.category_in(me(), community, category_id)
    topics = pages.topics_page(me(), forum_category, page=_page_arg())
    level = pages.category_watch_level(me(), forum_category)
    return _render("forums/category.html", community, category=forum_category, topics=topics,
                   watch_form=_watch_form(level), watch_level=level,
                   may_start=forum_policy.may_start_topic(me(), forum_category),
                   endpoint_args={"slug": slug, "category_id": category_id})


def _topic_response(community: Community, topic: Topic, *, page: int | None,
                    form: ReplyForm | None = None, preview_html: str | None = None,
                    status: int = 200,
                    state: pages.ReaderState | None = None) -> ResponseReturnValue:
    view = pages.topic_page(me(), topic, page=page, state=state)
    if form is None:
        form = ReplyForm()
        if view.draft is not None:
            form.body.data = view.draft.body
    quoting: Post | None = None
    quote_id = form.quoted_post_id.data or request.args.get("quote", "")
    if str(quote_id).isdigit() and view.may_reply:
        try:
            quoting = pages.post_in(me(), community, int(quote_id))
        except errors.NotFound:
            quoting = None
        if quoting is not None and (quoting.topic_id != topic.id or not quoting.is_visible):
            quoting = None
        form.quoted_post_id.data = str(quoting.id) if quoting else ""
    move_form = None
    if view.may_moderate:
        move_form = MoveForm()
        move_form.category_id.choices = options(
            (c.id, c.name) for c in pages.active_categories(community)
            if c.id != topic.category_id)
    response = _render("forums/topic.html", community, status, topic=topic, view=view,
                       form=form, quoting=quoting, preview_html=preview_html,
                       watch_form=_watch_form(view.watch), move_form=move_form,
                       restored_draft=view.draft is not None and form.body.data == view.draft.body,
                       draft_kind=REPLY_DRAFT,
                       endpoint_args={"slug": community.slug, "topic_id": topic.id})
    return response


@bp.route("/topics/<int:topic_id>")
@signed_in
def topic(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug)
    forum_topic, state = pages.topic_for_page(me(), community, topic_id)
    page_arg = request.args.get("page", "1")
    page = None if page_arg == "last" else max(1, int(page_arg) if page_arg.isdigit() else 1)
    return _topic_response(community, forum_topic, page=page, state=state)


@bp.route("/topics/<int:topic_id>/unread")
@signed_in
def first_unread(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug)
    forum_topic = pages.topic_in(me(), community, topic_id)
    return redirect(pages.first_unread_address(me(), forum_topic))


@bp.route("/topics/<int:topic_id>/read", methods=["POST"])
@signed_in
def mark_read(slug: str, topic_id: int) -> ResponseReturnValue:
    """Remember how far the person has read (sent by the page's script, or a button without it)."""
    community = _community(slug)
    forum_topic = pages.topic_in(me(), community, topic_id)
    data = request.get_json(silent=True) if request.is_json else request.form
    through = data.get("through") if isinstance(data, dict) else None
    newest = pages.newest_visible_post_id(me(), forum_topic)
    through = min(int(str(through)), newest) if str(through).isdigit() else newest
    service.mark_read(me(), forum_topic, through_post_id=through)
    if wants_json():
        return jsonify({"ok": True})
    flash("The topic is marked as read.", "success")
    return redirect(_topic_address(forum_topic))


@bp.route("/posts/<int:post_id>")
@signed_in
def post_link(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug)
    post = pages.post_in(me(), community, post_id)
    return redirect(pages.post_address(me(), post))


@bp.route("/posts/<int:post_id>/fragment")
@signed_in
def post_fragment(slug: str, post_id: int) -> ResponseReturnValue:
    """One post's HTML, for the live topic page to insert or replace."""
    community = _community(slug)
    post = pages.post_in(me(), community, post_id)
    view = pages.post_view(me(), post)
    return render_template("forums/_post.html", community=community, topic=post.topic,
                           item=view, reaction_kinds=list(ReactionKind), live=True)


@bp.route("/posts/<int:post_id>/history")
@signed_in
def post_history(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    post = pages.post_in(me(), community, post_id)
    return _render("forums/history.html", community, post=post,
                   revisions=moderation.post_history(me(), post))


@activity_bp.route("/", endpoint="index")
@signed_in
def my_activity() -> ResponseReturnValue:
    found = pages.activity(me(), page=_page_arg())
    return render_template("forums/activity.html", activity=found,
                           pagination=found.topics.pagination, endpoint_args={})


# --- Writing ---------------------------------------------------------------------------------

@bp.route("/categories/<int:category_id>/topics/new", methods=["GET", "POST"])
@signed_in
def new_topic(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    forum_category = pages.category_in(me(), community, category_id)
    policy.require(me(), forum_policy.may_start_topic, forum_category)
    form = TopicForm()
    form.category_id.choices = options((c.id, c.name)
                                       for c in pages.active_categories(community))
    draft = None
    if request.method == "GET":
        form.category_id.data = forum_category.id
        draft = writing.draft_for(me(), TOPIC_DRAFT, community.id)
        if draft is not None:
            form.title.data, form.body.data = draft.title, draft.body
    preview_html = None
    if request.method == "POST" and request.form.get("preview"):
        preview_html = writing.preview(me(), community, form.body.data or "")
    elif form.validate_on_submit():
        try:
            destination = forum_category
            if form.category_id.data != forum_category.id:
                destination = pages.category_in(me(), community, form.category_id.data)
            new = service.start_topic(me(), destination, title=form.title.data,
                                      body=form.body.data, nonce=form.nonce.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        except errors.Forbidden as exc:
            return writing.resend(403, exc.message, can_resend=False)
        else:
            flash("Your topic is posted.", "success")
            return redirect(_topic_address(new))
    return _render("forums/new_topic.html", community, 422 if form.errors else 200,
                   category=forum_category, form=form, preview_html=preview_html,
                   draft_kind=TOPIC_DRAFT, restored_draft=draft)


@bp.route("/topics/<int:topic_id>/posts", methods=["POST"])
@signed_in
def reply(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    forum_topic = pages.topic_in(me(), community, topic_id)
    form = ReplyForm()
    if request.form.get("preview"):
        preview_html = writing.preview(me(), community, form.body.data or "")
        return _topic_response(community, forum_topic, page=None, form=form,
                               preview_html=preview_html)
    if form.validate_on_submit():
        try:
            quoted = None
            if (form.quoted_post_id.data or "").isdigit():
                quoted = _quoted_post(community, int(form.quoted_post_id.data))
            post = service.reply(me(), forum_topic, body=form.body.data,
                                 quoted_post=quoted, nonce=form.nonce.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        except errors.Forbidden as exc:  # e.g. locked while they were writing: keep the text
            return writing.resend(403, exc.message, can_resend=False)
        else:
            flash("Your reply is posted.", "success")
            return redirect(pages.post_address(me(), post))
    return _topic_response(community, forum_topic, page=None, form=form, status=422)


def _quoted_post(community: Community, post_id: int) -> Post:
    try:
        return pages.post_in(me(), community, post_id)
    except errors.NotFound:
        raise errors.Invalid("The post you quoted is no longer available. Remove the quote and "
                             "send your reply again.", field="body") from None


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_post(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    post = pages.post_in(me(), community, post_id)
    policy.require(me(), forum_policy.may_edit_post, post)
    form = EditPostForm()
    if request.method == "GET":
        form.body.data = post.body
        form.title.data = post.topic.title
    preview_html = None
    if request.method == "POST" and request.form.get("preview"):
        preview_html = writing.preview(me(), community, form.body.data or "")
    elif form.validate_on_submit():
        try:
            service.edit_post(me(), post, body=form.body.data,
                              title=form.title.data if post.is_opening else None)
        except errors.Invalid as exc:
            form.add_error(exc)
        except errors.Forbidden as exc:
            return writing.resend(403, exc.message, can_resend=False)
        else:
            flash("Your changes are saved.", "success")
            return redirect(pages.post_address(me(), post))
    return _render("forums/edit_post.html", community, 422 if form.errors else 200,
                   post=post, topic=post.topic, form=form, preview_html=preview_html)


@bp.route("/posts/<int:post_id>/deletion", methods=["POST"])
@signed_in
def delete_post(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    post = pages.post_in(me(), community, post_id)
    forum_topic = post.topic
    opening = post.is_opening
    service.delete_post(me(), post)
    if opening:
        flash("Your topic is deleted.", "success")
        return redirect(url_for(".category", slug=slug, category_id=forum_topic.category_id))
    flash("Your post is deleted.", "success")
    return redirect(url_for(".topic", slug=slug, topic_id=forum_topic.id, page="last"))


@bp.route("/posts/<int:post_id>/answer", methods=["POST"])
@signed_in
def answer(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug)
    post = pages.post_in(me(), community, post_id)
    if request.form.get("mark") == "0":
        service.unmark_answer(me(), post.topic)
        flash("The answer mark is removed.", "success")
    else:
        service.mark_answer(me(), post)
        flash("That reply is marked as the answer.", "success")
    return redirect(pages.post_address(me(), post))


@bp.route("/posts/<int:post_id>/reactions", methods=["POST"])
@signed_in
def react(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    post = pages.post_in(me(), community, post_id)
    try:
        kind = ReactionKind(request.form.get("kind", ""))
    except ValueError:
        raise errors.Invalid("Choose one of the reactions.", field="kind") from None
    added = service.toggle_reaction(me(), post, kind)
    if wants_json():
        return jsonify({"ok": True, "added": added})
    return redirect(pages.post_address(me(), post))


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@signed_in
def flag_post(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    post = pages.post_in(me(), community, post_id)
    policy.require(me(), forum_policy.may_flag, post)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            moderation.flag_post(me(), post, reason=form.reason.data)
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("Thank you. A facilitator will look at this post.", "success")
            return redirect(pages.post_address(me(), post))
    return _render("forums/flag_post.html", community, 422 if form.errors else 200,
                   post=post, topic=post.topic, form=form)


@bp.route("/topics/<int:topic_id>/watch", methods=["POST"])
@signed_in
def watch_topic(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug)
    forum_topic = pages.topic_in(me(), community, topic_id)
    level = _level_arg()
    service.watch_topic(me(), forum_topic, level)
    flash(_watch_message(level, "topic"), "success")
    return redirect(_topic_address(forum_topic))


@bp.route("/categories/<int:category_id>/watch", methods=["POST"])
@signed_in
def watch_category(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug)
    forum_category = pages.category_in(me(), community, category_id)
    level = _level_arg()
    service.watch_category(me(), forum_category, level)
    flash(_watch_message(level, "category"), "success")
    return redirect(url_for(".category", slug=slug, category_id=category_id))


def _level_arg() -> WatchLevel:
    try:
        return WatchLevel(request.form.get("level", ""))
    except ValueError:
        raise errors.Invalid("Choose watching, not watching or muted.", field="level") from None


def _watch_message(level: WatchLevel, thing: str) -> str:
    return {WatchLevel.WATCHING: f"You are watching this {thing}: you'll be told about new posts.",
            WatchLevel.NORMAL: f"You are no longer watching this {thing}; you'll still hear when "
                               "someone mentions you.",
            WatchLevel.MUTED: f"This {thing} is muted: no notifications, and it leaves your "
                              "unread counts."}[level]


# --- Moderation ------------------------------------------------------------------------------

@bp.route("/topics/<int:topic_id>/moderation", methods=["POST"])
@signed_in
def moderate_topic(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    forum_topic = pages.topic_in(me(), community, topic_id)
    action = request.form.get("action", "")
    messages = {"pin": "The topic is pinned to the top of its category.",
                "unpin": "The topic is no longer pinned.",
                "lock": "The topic is locked: no new replies.",
                "unlock": "The topic is open for replies again."}
    if action not in messages:
        raise errors.Invalid("Choose pin, unpin, lock or unlock.", field="action")
    if action in ("pin", "unpin"):
        moderation.pin_topic(me(), forum_topic, pinned=action == "pin")
    else:
        moderation.lock_topic(me(), forum_topic, locked=action == "lock")
    flash(messages[action], "success")
    return redirect(_topic_address(forum_topic))


@bp.route("/topics/<int:topic_id>/move", methods=["GET", "POST"])
@signed_in
def move_topic(slug: str, topic_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    forum_topic = pages.topic_in(me(), community, topic_id)
    form = MoveForm()
    form.category_id.choices = options(
        (c.id, c.name) for c in pages.active_categories(community)
        if c.id != forum_topic.category_id)
    if form.validate_on_submit():
        try:
            destination = pages.category_in(me(), community, form.category_id.data)
            moderation.move_topic(me(), forum_topic, destination)
        except (errors.Invalid, errors.NotFound) as exc:
            form.add_error(errors.Invalid(exc.message, field="category_id"))
        else:
            flash(f"The topic is moved to {destination.name}.", "success")
            return redirect(_topic_address(forum_topic))
    return _render("forums/move_topic.html", community, 422 if form.errors else 200,
                   topic=forum_topic, form=form)


@bp.route("/posts/<int:post_id>/hide", methods=["GET", "POST"])
@signed_in
def hide_post(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    post = pages.post_in(me(), community, post_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            moderation.hide_post(me(), post, reason=form.reason.data)
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("The post is hidden. Its author sees it with your reason; no one else does.",
                  "success")
            return redirect(pages.post_address(me(), post))
    return _render("forums/hide_post.html", community, 422 if form.errors else 200,
                   post=post, topic=post.topic, form=form)


@bp.route("/posts/<int:post_id>/restore", methods=["POST"])
@signed_in
def restore_post(slug: str, post_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MODERATE)
    post = pages.post_in(me(), community, post_id)
    try:
        moderation.restore_post(me(), post)
    except errors.Conflict as exc:
        _flash_error(exc)
    else:
        flash("The post is visible to everyone again.", "success")
    return redirect(pages.post_address(me(), post))


# The flag queue and the log are the community's now (workspace.moderation): old addresses, kept
# in bookmarks and open tabs, lead there.

@bp.route("/flags")
@signed_in
def flags(slug: str) -> ResponseReturnValue:
    _community(slug, Action.MODERATE)
    return redirect(url_for("moderation.flags", slug=slug), 301)


@bp.route("/flags/<int:flag_id>/dismissal", methods=["POST"])
@signed_in
def dismiss_flag(slug: str, flag_id: int) -> ResponseReturnValue:
    _community(slug, Action.MODERATE)
    return redirect(url_for("moderation.dismiss_flag", slug=slug, flag_id=flag_id), 308)


@bp.route("/log")
@signed_in
def moderation_log(slug: str) -> ResponseReturnValue:
    _community(slug, Action.MODERATE)
    return redirect(url_for("moderation.moderation_log", slug=slug,
                            page=request.args.get("page", type=int)), 301)


# --- Categories (facilitators) ---------------------------------------------------------------

@bp.route("/categories", methods=["GET", "POST"])
@signed_in
def categories(slug: str) -> ResponseReturnValue:
    community = _community(slug, Action.MANAGE)
    if request.method == "POST" and request.form.get("starting_set"):
        service.add_starting_categories(me(), community)
        flash("The forum has its starting categories.", "success")
        return redirect(url_for(".categories", slug=slug))
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            added = service.add_category(me(), community, name=form.name.data,
                                         description=form.description.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"{added.name} is added.", "success")
            return redirect(url_for(".categories", slug=slug))
    return _render("forums/categories.html", community, 422 if form.errors else 200,
                   categories=pages.categories_of(community), form=form)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_category(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MANAGE)
    forum_category = pages.category_in(me(), community, category_id)
    form = CategoryForm(obj=forum_category) if request.method == "GET" else CategoryForm()
    if form.validate_on_submit():
        try:
            service.update_category(me(), forum_category, name=form.name.data,
                                    description=form.description.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The category is saved.", "success")
            return redirect(url_for(".categories", slug=slug))
    return _render("forums/edit_category.html", community, 422 if form.errors else 200,
                   category=forum_category, form=form)


@bp.route("/categories/<int:category_id>/position", methods=["POST"])
@signed_in
def move_category(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MANAGE)
    forum_category = pages.category_in(me(), community, category_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    service.move_category(me(), forum_category, offset=offset)
    return redirect(url_for(".categories", slug=slug) + f"#category-{category_id}")


@bp.route("/categories/<int:category_id>/archive", methods=["POST"])
@signed_in
def archive_category(slug: str, category_id: int) -> ResponseReturnValue:
    community = _community(slug, Action.MANAGE)
    forum_category = pages.category_in(me(), community, category_id)
    archived = request.form.get("archived") != "0"
    service.archive_category(me(), forum_category, archived=archived)
    flash(f"{forum_category.name} is {'archived' if archived else 'open again'}.", "success")
    return redirect(url_for(".categories", slug=slug))
