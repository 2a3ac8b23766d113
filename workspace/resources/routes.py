"""Library pages: a community's library and the network's, adding resources (several files at
once, or a link), a resource's page, its versions and downloads, sharing and publishing,
collections, and the series summary."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy, writing
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files import uploads
from workspace.files.intake import (
    UploadRefused,
    UploadTooLarge,
    human_size,
    is_inline,
    receive_upload,
)
from workspace.files.models import PreviewState
from workspace.files.previews import PREVIEW_MEDIA_TYPE
from workspace.files.serving import send_stored
from workspace.forums.forms import BODY_HINT, FlagForm
from workspace.moderation import service as moderation_service
from workspace.policy import Action
from workspace.policy import resources as resource_policy
from workspace.resources import (
    curation,
    discussion,
    notices,  # noqa: F401 - what its notices are about
    pages,
    service,
    summaries,
)
from workspace.resources import moderation as resource_moderation
from workspace.resources.forms import (
    AddForm,
    CollectionForm,
    DetailsForm,
    EditForm,
    SummaryForm,
    VersionForm,
)
from workspace.resources.models import Audience, Resource, ResourceType, ResourceVersion
from workspace.writing import signed_in

bp = Blueprint("library", __name__, url_prefix="/communities/<slug>/library")
resources_bp = Blueprint("resources", __name__, url_prefix="/library")
writing.keep_text_on(bp)
writing.keep_text_on(resources_bp)


def me() -> policy.Person:
    return current_user._get_current_object()


def _page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _render(template: str, community: Community | None, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    standing = policy.standing_in(me(), community) if community is not None else None
    return render_template(
        template, community=community, standing=standing,
        may_add=bool(community and resource_policy.may_add_resource(me(), community, standing)),
        may_curate=bool(community and resource_policy.may_curate(me(), community, standing)),
        may_summarize=bool(community and resource_policy.may_write_summary(
            me(), community, standing)),
        may_manage=bool(standing and standing.manages),
        may_moderate=bool(standing and standing.moderates),
        body_hint=BODY_HINT, types=list(ResourceType), upload_limit=uploads.upload_limit(),
        upload_limit_text=human_size(uploads.upload_limit()), **context), status


def _fill_choices(form: DetailsForm, community: Community) -> None:
    form.state_codes.choices = [(code, f"{name} ({code})")
                                for code, name in service.participating_states(community)]
    form.session_id.choices = [("", "Not shared in a session")] + [
        (str(session.id), session.label) for session in service.sessions_to_choose(community)]


def _previews(community: Community, form: DetailsForm | SummaryForm) -> dict[str, str] | None:
    """The description rendered, when the form asked for a preview (no JavaScript)."""
    if request.method != "POST" or not request.form.get("preview"):
        return None
    return {"description": writing.preview(me(), community, form.description.data or "")}


# --- A community's library ---------------------------------------------------------------

@bp.route("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    listing = pages.community_library(me(), community, pages.Filters.from_args(request.args),
                                      page=_page_arg())
    return _render("resources/index.html", community, listing=listing, sorts=pages.SORTS,
                   collections=pages.collections_of(community))


@bp.route("/new", methods=["GET", "POST"])
@signed_in
@uploads.accepts_uploads
def new(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), resource_policy.may_add_resource, community)
    form = AddForm()
    _fill_choices(form, community)
    keeps_to_state = resource_policy.may_keep_to_state(me(), community)
    organization = me().organization
    form.audience.choices = [(Audience.COMMUNITY.value, f"Everyone in {community.title}")] + (
        [(Audience.STATE.value, f"Only {organization.name}'s team, until we share it")]
        if keeps_to_state else [])
    draft = None
    if request.method == "GET":
        session_arg = request.args.get("session", type=int)
        if session_arg:
            form.session_id.data = str(session_arg)
        draft = writing.draft_for(me(), service.DESCRIPTION_DRAFT, community.id)
        if draft is not None:
            form.title.data, form.description.data = draft.title, draft.body
    previews = _previews(community, form)
    refusals: list[str] = []
    if previews is None and form.validate_on_submit():
        try:
            made = _add(community, form, refusals)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            if refusals:
                for message in refusals:
                    flash(message, "error")
            if len(made) == 1:
                flash(f"“{made[0].title}” is in the library.", "success")
                return redirect(url_for("resources.show", resource_id=made[0].id))
            flash(f"{len(made)} resources are in the library.", "success")
            return redirect(url_for(".index", slug=slug))
    for message in refusals:
        form.form_errors.append(message)
    return _render("resources/new.html", community, 422 if form.errors else 200, form=form,
                   previews=previews or {}, restored=draft,
                   pending=_pending_uploads(), keeps_to_state=keeps_to_state)


def _pending_uploads() -> list[dict[str, str]]:
    """Files the script already uploaded, sent back with a refused form so none is lost."""
    tokens = request.form.getlist("upload") if request.method == "POST" else []
    titles = request.form.getlist("upload_title")
    pending = []
    for index, token in enumerate(tokens):
        try:
            accepted = uploads.accepted_from_token(me(), token)
        except errors.Invalid:
            continue
        pending.append({"token": token, "filename": accepted.filename,
                        "size": human_size(accepted.file.size),
                        "title": titles[index] if index < len(titles) else ""})
    return pending


def _add(community: Community, form: AddForm, refusals: list[str]) -> list[Resource]:
    """The resources the form asks for: files sent by the script (tokens), files posted with
    the form (no script), or a link. Files refused are told one by one; the rest go in."""
    details = form.details(audience=form.audience.data or Audience.COMMUNITY.value)
    if form.source.data == "link":
        return service.add_resources(me(), community, details,
                                     link_url=form.link_url.data or "", nonce=form.nonce.data)
    titles = request.form.getlist("upload_title")
    found: list[service.Upload] = []
    for index, token in enumerate(request.form.getlist("upload")):
        accepted = uploads.accepted_from_token(me(), token)
        found.append(service.Upload(file=accepted.file, filename=accepted.filename,
                                    title=titles[index] if index < len(titles) else ""))
    for posted in request.files.getlist(form.files.name):
        if not posted or not posted.filename:
            continue
        try:
            received = receive_upload(posted)
        except UploadRefused as exc:
            refusals.append(exc.message)
            continue
        accepted = uploads.accept(received)
        found.append(service.Upload(file=accepted.file, filename=accepted.filename))
    if not found:
        if refusals:
            raise errors.Invalid("None of the files could be added: see why below.",
                                 field="files")
        raise errors.Invalid("Choose a file to upload, or give a link.", field="files")
    return service.add_resources(me(), community, details, uploads=found,
                                 nonce=form.nonce.data)


@bp.route("/uploads", methods=["POST"])
@signed_in
@uploads.accepts_uploads
def upload(slug: str) -> ResponseReturnValue:
    """One file as the request's body (the page's script, one request per file, with a progress
    bar): stored and checked, answered with a token the form sends back."""
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), resource_policy.may_add_resource, community)
    filename = request.args.get("name", "")
    try:
        received = uploads.take_raw(filename)
    except UploadRefused as exc:
        return jsonify({"error": exc.message}), 413 if isinstance(exc, UploadTooLarge) else 422
    accepted = uploads.accept(received)
    db.session.commit()
    return jsonify({"token": uploads.token_for(me(), received), "filename": accepted.filename,
                    "size": human_size(received.size),
                    "title": service.title_from_filename(accepted.filename)}), 201


# --- The network's library and one resource ------------------------------------------------

@resources_bp.route("")
def network() -> ResponseReturnValue:
    listing = pages.network_library(me(), pages.Filters.from_args(request.args),
                                    page=_page_arg())
    return _render("resources/network.html", None, listing=listing, sorts=pages.SORTS)


def _resource(resource_id: int) -> Resource:
    return pages.resource_for(me(), resource_id)


@resources_bp.route("/<int:resource_id>")
def show(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    community = resource.community
    standing = policy.standing_in(me(), community)
    return _render(
        "resources/show.html", community, resource=resource,
        versions=pages.versions_of(resource) if not resource.is_link else [],
        reads_community=standing.reads,
        may_change=resource_policy.may_change_resource(me(), resource, standing),
        may_share=resource_policy.may_share_resource(me(), resource, standing),
        may_publish=resource_policy.may_publish_resource(me(), resource, standing),
        may_discuss=resource_policy.may_discuss(me(), resource, standing),
        may_flag=resource_policy.may_flag_resource(me(), resource, standing),
        may_curate_here=resource_policy.may_curate(me(), community, standing),
        collections_here=pages.collections_holding(resource),
        all_collections=[c for c, _ in pages.collections_of(community)]
        if resource_policy.may_curate(me(), community, standing) else [],
        topic=discussion.topic_of(me(), resource), preview_ready=_preview_ready(resource))


def _preview_ready(resource: Resource) -> bool:
    version = resource.current_version
    return bool(version and version.file.preview_state is PreviewState.READY)


@resources_bp.route("/<int:resource_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    policy.require(me(), resource_policy.may_change_resource, resource)
    community = resource.community
    form = EditForm()
    _fill_choices(form, community)
    if request.method == "GET":
        form.title.data = resource.title
        form.type.data = resource.type.value
        form.description.data = resource.description
        form.tags.data = ", ".join(resource.tag_names)
        form.state_codes.data = resource.state_codes
        form.session_id.data = str(resource.session_id or "")
        form.link_url.data = resource.link_url or ""
    previews = _previews(community, form)
    if previews is None and form.validate_on_submit():
        try:
            if resource.is_link:
                service.check_link(form.link_url.data or "")
            service.change_details(me(), resource, form.details())
            if resource.is_link and form.link_url.data != resource.link_url:
                service.change_link(me(), resource, form.link_url.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for(".show", resource_id=resource.id))
    return _render("resources/edit.html", community, 422 if form.errors else 200, form=form,
                   resource=resource, previews=previews or {})


@resources_bp.route("/<int:resource_id>/versions/new", methods=["GET", "POST"])
@signed_in
@uploads.accepts_uploads
def new_version(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    if resource.is_link or resource.is_page:  # no file to replace: a link or a page is edited
        raise errors.NotFound()
    policy.require(me(), resource_policy.may_change_resource, resource)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            upload = _one_upload(form)
            version = service.add_version(me(), resource, upload, form.note.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"Version {version.number} is the current one; earlier versions stay "
                  "downloadable.", "success")
            return redirect(url_for(".show", resource_id=resource.id))
    return _render("resources/new_version.html", resource.community,
                   422 if form.errors else 200, form=form, resource=resource,
                   pending=_pending_uploads())


def _one_upload(form: VersionForm) -> service.Upload:
    token = request.form.get("upload")
    if token:
        accepted = uploads.accepted_from_token(me(), token)
        return service.Upload(file=accepted.file, filename=accepted.filename)
    posted = [each for each in request.files.getlist(form.file.name) if each and each.filename]
    if not posted:
        raise errors.Invalid("Choose the new file.", field="file")
    if len(posted) > 1:
        raise errors.Invalid("Choose one file: a version is one file.", field="file")
    try:
        received = receive_upload(posted[0])
    except UploadRefused as exc:
        raise errors.Invalid(exc.message, field="file") from None
    accepted = uploads.accept(received)
    return service.Upload(file=accepted.file, filename=accepted.filename)


def _download(resource: Resource, version: ResourceVersion, *, inline: bool) -> Response:
    # A download counts once: not each range request a large file's reader sends.
    range_header = request.headers.get("Range", "")
    if request.method == "GET" and (not range_header or range_header.startswith("bytes=0-")):
        service.count_download(resource, version)
    stored = version.file
    return send_stored(stored.digest, media_type=stored.media_type,
                       download_name=version.filename, inline=inline)


@resources_bp.route("/<int:resource_id>/download")
def download(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    if resource.current_version is None:
        raise errors.NotFound()
    return _download(resource, resource.current_version, inline=False)


@resources_bp.route("/<int:resource_id>/versions/<int:number>/download")
def download_version(resource_id: int, number: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    return _download(resource, pages.version_of(resource, number), inline=False)


@resources_bp.route("/<int:resource_id>/view")
def view(resource_id: int) -> ResponseReturnValue:
    """Open in the browser: only for types safe inline (images); the rest download."""
    resource = _resource(resource_id)
    version = resource.current_version
    if version is None:
        raise errors.NotFound()
    return _download(resource, version, inline=is_inline(version.file.media_type))


@resources_bp.route("/<int:resource_id>/preview")
def preview(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    version = resource.current_version
    if version is None or version.file.preview_digest is None:
        raise errors.NotFound()
    return send_stored(version.file.preview_digest, media_type=PREVIEW_MEDIA_TYPE,
                       download_name=f"preview-{resource.id}.webp", inline=True, max_age=3600)


@resources_bp.route("/<int:resource_id>/share", methods=["POST"])
@signed_in
def share(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    service.share_with_community(me(), resource)
    flash(f"“{resource.title}” is shared with everyone in {resource.community.title}.",
          "success")
    return redirect(url_for(".show", resource_id=resource.id))


@resources_bp.route("/<int:resource_id>/network", methods=["POST"])
@signed_in
def network_publish(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    published = request.form.get("published") == "1"
    service.publish_to_network(me(), resource, published)
    flash("It is in the network library, for everyone signed in across the network."
          if published else "It is no longer in the network library.", "success")
    return redirect(url_for(".show", resource_id=resource.id))


@resources_bp.route("/<int:resource_id>/public", methods=["POST"])
@signed_in
def make_public(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    public = request.form.get("public") == "1"
    service.make_public(me(), resource, public)
    flash("It is public: visitors see it on the community's page." if public else
          "It is no longer public.", "success")
    return redirect(url_for(".show", resource_id=resource.id))


@resources_bp.route("/<int:resource_id>/delete", methods=["GET", "POST"])
@signed_in
def delete(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    policy.require(me(), resource_policy.may_change_resource, resource)
    if request.method == "POST":
        service.delete(me(), resource)
        flash(f"“{resource.title}” is deleted from the library.", "success")
        return redirect(url_for("library.index", slug=resource.community.slug))
    return _render("resources/delete.html", resource.community, resource=resource)


@resources_bp.route("/<int:resource_id>/discussion", methods=["POST"])
@signed_in
def discuss(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    topic = discussion.start(me(), resource)
    return redirect(url_for("forums.topic", slug=resource.community.slug, topic_id=topic.id))


@resources_bp.route("/<int:resource_id>/collections", methods=["POST"])
@signed_in
def file_in_collection(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    collection = pages.collection_in(resource.community,
                                     request.form.get("collection", 0, type=int) or 0)
    if request.form.get("remove"):
        curation.remove(me(), collection, resource)
        flash(f"Taken out of “{collection.title}”.", "success")
    else:
        curation.add(me(), collection, resource)
        flash(f"Added to “{collection.title}”.", "success")
    return redirect(url_for(".show", resource_id=resource.id))


@resources_bp.route("/<int:resource_id>/summary.<any(pdf, docx):fmt>")
def summary_document(resource_id: int, fmt: str) -> ResponseReturnValue:
    """A series summary as a document to download, made from its page as it stands."""
    resource = _resource(resource_id)
    if resource.type is not ResourceType.SUMMARY or resource.is_link:
        raise errors.NotFound()
    return summaries.document_response(resource, fmt)


# --- Collections ---------------------------------------------------------------------------

@bp.route("/collections/new", methods=["GET", "POST"])
@signed_in
def new_collection(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), resource_policy.may_curate, community)
    form = CollectionForm()
    if form.validate_on_submit():
        try:
            collection = curation.create(me(), community, form.title.data or "",
                                            form.description.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"The collection “{collection.title}” is made: add resources to it from "
                  "their pages.", "success")
            return redirect(url_for(".collection", slug=slug, collection_id=collection.id))
    return _render("resources/collection_form.html", community, 422 if form.errors else 200,
                   form=form, collection=None)


@bp.route("/collections/<int:collection_id>")
@login_required
def collection(slug: str, collection_id: int) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    found = pages.collection_in(community, collection_id)
    return _render("resources/collection.html", community, collection=found,
                   items=pages.collection_items(me(), found))


@bp.route("/collections/<int:collection_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_collection(slug: str, collection_id: int) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), resource_policy.may_curate, community)
    found = pages.collection_in(community, collection_id)
    form = CollectionForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            curation.change(me(), found, form.title.data or "", form.description.data or "",
                            order=_order_from_form())
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The collection is saved.", "success")
            return redirect(url_for(".collection", slug=slug, collection_id=found.id))
    return _render("resources/collection_form.html", community, 422 if form.errors else 200,
                   form=form, collection=found, items=pages.collection_items(me(), found))


def _order_from_form() -> list[int]:
    """Resource ids in the order of the places typed beside them (ties keep their order)."""
    ids = request.form.getlist("order_id", type=int)
    places = request.form.getlist("order_place")
    ranked = []
    for index, (resource_id, place) in enumerate(zip(ids, places, strict=False)):
        if not place.strip().isdigit():
            raise errors.Invalid("Give each place as a number: 1 first.")
        ranked.append((int(place), index, resource_id))
    return [resource_id for _, _, resource_id in sorted(ranked)]


@bp.route("/collections/<int:collection_id>/delete", methods=["POST"])
@signed_in
def delete_collection(slug: str, collection_id: int) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    found = pages.collection_in(community, collection_id)
    curation.delete(me(), found)
    flash(f"The collection “{found.title}” is deleted; its resources stay in the library.",
          "success")
    return redirect(url_for(".index", slug=slug))


# --- The series summary --------------------------------------------------------------------

@bp.route("/summary", methods=["GET", "POST"])
@signed_in
def summary(slug: str) -> ResponseReturnValue:
    """Draft the series summary from the community's own record, edit it, publish it."""
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), resource_policy.may_write_summary, community)
    form = SummaryForm()
    if request.method == "GET":
        form.title.data, form.description.data = summaries.first_draft(community)
    previews = _previews(community, form)
    if previews is None and form.validate_on_submit():
        try:
            resource = summaries.publish(me(), community, form.title.data or "",
                                         form.description.data or "", nonce=form.nonce.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The series summary is in the library, with PDF and Word downloads.",
                  "success")
            return redirect(url_for("resources.show", resource_id=resource.id))
    return _render("resources/summary.html", community, 422 if form.errors else 200,
                   form=form, previews=previews or {}, now=utcnow())


@resources_bp.route("/<int:resource_id>/flag", methods=["GET", "POST"])
@signed_in
def flag(resource_id: int) -> ResponseReturnValue:
    resource = _resource(resource_id)
    policy.require(me(), resource_policy.may_flag_resource, resource)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            moderation_service.flag(me(), resource_moderation.RESOURCES, resource,
                                    reason=form.reason.data or "")
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("Thank you. A facilitator will look at this resource.", "success")
            return redirect(url_for(".show", resource_id=resource.id))
    return _render("resources/flag.html", resource.community, 422 if form.errors else 200,
                   form=form, resource=resource)
