"""Images for blog posts: the editor's uploads (one image as the request's body, the way the
library's script sends files), each image and cover as served, and the library picker's list."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import policy
from workspace.blogs import images
from workspace.files import uploads
from workspace.files.intake import UploadRefused, UploadTooLarge
from workspace.files.serving import send_stored
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.writing import signed_in

bp = Blueprint("blog_images", __name__, url_prefix="/communities/<slug>/blog")

# What an address serves never changes (an uploaded image is one stored file; a cover's address
# names its file's digest), so the reader's own browser may keep it for an hour: the cost is
# that taking a post back reaches a browser that already has its picture an hour late.
IMAGE_MAX_AGE = 3600


def me() -> policy.Person:
    return current_user._get_current_object()


@bp.route("/images", methods=["POST"])
@signed_in
@uploads.accepts_uploads
def upload(slug: str) -> ResponseReturnValue:
    """One image as the request's body, sent by the editor with a progress bar; answered with
    its address and the Markdown that shows it."""
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), blog_policy.may_write_posts, community)
    filename = request.args.get("name", "")
    try:
        images.check_image_name(filename)
        received = uploads.take_raw(filename)
    except UploadRefused as exc:
        uploads.drain_oversized_body()
        return jsonify({"error": exc.message}), 413 if isinstance(exc, UploadTooLarge) else 422
    try:
        image = images.keep_image(me(), community, received)
    except UploadRefused as exc:
        return jsonify({"error": exc.message}), 422
    url = images.image_path(slug, image.id)
    return jsonify({"id": image.id, "url": url, "markdown": f"![]({url})",
                    "filename": image.filename}), 201


@bp.route("/images/<int:image_id>")
def image(slug: str, image_id: int) -> ResponseReturnValue:
    community = policy.community_for(me(), slug)
    shown = images.image_to_show(me(), community, image_id)
    return send_stored(shown.digest, media_type=shown.media_type, download_name=shown.filename,
                       inline=True, max_age=IMAGE_MAX_AGE)


@bp.route("/images/covers/<int:post_id>")
def cover(slug: str, post_id: int) -> ResponseReturnValue:
    community = policy.community_for(me(), slug)
    shown = images.cover_to_show(me(), community, post_id)
    return send_stored(shown.digest, media_type=shown.media_type, download_name=shown.filename,
                       inline=True, max_age=IMAGE_MAX_AGE)


@bp.route("/images/library")
@login_required
def library(slug: str) -> ResponseReturnValue:
    """The library images the editor's picker offers, as JSON."""
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), blog_policy.may_write_posts, community)
    found = images.library_images(me(), community)
    return jsonify({"images": [asdict(each) for each in found]})
