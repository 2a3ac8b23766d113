"""Images in blog posts: uploaded in place from the editor, picked from the community's
library, or a post's cover; who may see each; and the cover's fields on the post form.

An uploaded image is a BlogImage of its community, served at /communities/<slug>/blog/images/
<id> to the community's readers, and to anyone at all once a public post that is out shows it.
Library images are shown through the library's own address (/library/<id>/view) and its own
permission. Both addresses are the only image sources the sanitizer keeps (workspace/text.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import or_, select
from werkzeug.datastructures import FileStorage

from workspace import errors, policy
from workspace.auth.models import User
from workspace.blogs.models import ALT_MAX, BlogImage, BlogPost
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.catalog import remember
from workspace.files.intake import (
    TYPES,
    Received,
    UploadRefused,
    clean_filename,
    human_size,
    receive_upload,
)
from workspace.files.models import PreviewState, StoredFile
from workspace.files.serving import INLINE_MEDIA_TYPES
from workspace.files.uploads import upload_limit
from workspace.policy import blogs as blog_policy
from workspace.policy.resources import visible_resources
from workspace.resources.models import Audience, Resource, ResourceVersion

IMAGE_KINDS = "PNG, JPEG, GIF or WebP"
# What the file pickers offer (the server checks the content whatever the browser sends).
ACCEPT = "image/png,image/jpeg,image/gif,image/webp,.png,.jpg,.jpeg,.gif,.webp"
COVER_FIELDS = frozenset({"cover", "cover_alt"})
FILENAME_MAX = 200
LIBRARY_MAX = 200  # the picker's list: a community's newest library images


def image_path(slug: str, image_id: int) -> str:
    """Where an uploaded image is served (and what a post's Markdown points at)."""
    return url_for("blog_images.image", slug=slug, image_id=image_id)


def cover_path(post: BlogPost) -> str:
    """Where a post's cover is served, to whoever may read the post ("" if it has none). The
    address names the cover's file, so a new cover is never hidden by a cached old one."""
    if post.cover_digest is None:
        return ""
    return url_for("blog_images.cover", slug=post.community.slug, post_id=post.id,
                   v=post.cover_digest[:16])


def check_image_name(filename: str) -> None:
    """UploadRefused unless the name is an image's the blog shows, before anything is read:
    the file's content is then checked against its name as for every upload."""
    name = clean_filename(filename)
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower() if dot and stem else ""
    if extension in {"svg", "svgz"}:
        raise UploadRefused(f"“{name}” is an SVG image, which can carry scripts that run in the "
                            "browser. Export it as PNG and upload that instead.")
    file_type = TYPES.get(extension)
    if file_type is None or file_type.family != "image":
        raise UploadRefused(f"“{name}” isn't an image a post can show. Choose a {IMAGE_KINDS} "
                            "image; other files belong in the library.")


def _remember_image(uploader: User, community: Community, received: Received) -> BlogImage:
    if received.media_type not in INLINE_MEDIA_TYPES:
        raise UploadRefused(f"“{received.filename}” isn't an image a post can show. Choose a "
                            f"{IMAGE_KINDS} image.")
    stored = remember(received)
    # The same picture uploaded again in the same blog keeps its address.
    image = db.session.scalar(select(BlogImage).where(
        BlogImage.community_id == community.id, BlogImage.digest == stored.digest)
        .order_by(BlogImage.id).limit(1))
    if image is None:
        image = BlogImage(community_id=community.id, digest=stored.digest,
                          filename=received.filename[:FILENAME_MAX], uploader_id=uploader.id)
        db.session.add(image)
        db.session.flush()
    return image


def keep_image(uploader: User, community: Community, received: Received) -> BlogImage:
    """An image uploaded into a post being written, kept for the community's blog."""
    policy.require(uploader, blog_policy.may_write_posts, community)
    image = _remember_image(uploader, community, received)
    db.session.commit()
    return image


def receive_cover(author: User, community: Community, upload: FileStorage) -> StoredFile:
    """A cover image sent with the post form (no script needed), checked and kept at once, so
    a form refused for another reason still has it; Invalid beside the "cover" field if not."""
    policy.require(author, blog_policy.may_write_posts, community)
    try:
        check_image_name(upload.filename or "")
        image = _remember_image(author, community, receive_upload(upload))
    except UploadRefused as exc:
        raise errors.Invalid(exc.message, field="cover") from None
    db.session.commit()
    stored = db.session.get(StoredFile, image.digest)
    assert stored is not None  # remembered just now
    return stored


# --- The cover's fields on the post form ---------------------------------------------------

@dataclass(frozen=True)
class CoverChoice:
    """What the form asks for the cover: the stored file (None: no cover) and its description,
    for workspace.blogs.service.Writing(cover_digest=..., cover_alt=...)."""

    digest: str | None
    alt: str


def _is_known_cover(community: Community, digest: str, post: BlogPost | None) -> bool:
    if post is not None and digest == post.cover_digest:
        return True
    return db.session.scalar(select(BlogImage.id).where(
        BlogImage.community_id == community.id, BlogImage.digest == digest).limit(1)) is not None


def cover_from_form(author: User, community: Community, files: Mapping[str, FileStorage],
                    form: Mapping[str, str], *, post: BlogPost | None = None) -> CoverChoice:
    """The cover a post form asks for: a new file in "cover" (kept at once), else none if
    "cover_remove" is ticked, else the one named by the hidden "cover_digest" (the current
    cover, or one uploaded with a form that was refused); "cover_alt" describes it."""
    alt = form.get("cover_alt", "")
    upload = files.get("cover")
    if upload is not None and upload.filename:
        return CoverChoice(receive_cover(author, community, upload).digest, alt)
    if form.get("cover_remove"):
        return CoverChoice(None, "")
    digest = (form.get("cover_digest") or "").strip()
    if not digest:
        return CoverChoice(None, alt)
    # Only a cover this blog already has: a hidden field can't name some other stored file.
    if not _is_known_cover(community, digest, post):
        raise errors.Invalid("That cover image could not be found: choose it again.",
                             field="cover")
    return CoverChoice(digest, alt)


@dataclass(frozen=True)
class CoverFields:
    """What templates/blogs/_cover_fields.html shows (pass it as `cover`)."""

    digest: str | None
    alt: str
    url: str | None  # the current cover, shown beside its fields
    error: str | None = None  # about the file
    alt_error: str | None = None
    limit: str = ""  # the largest file accepted, as people read it
    alt_max: int = ALT_MAX
    accept: str = ACCEPT
    kinds: str = IMAGE_KINDS


def cover_fields(community: Community, *, post: BlogPost | None = None,
                 chosen: CoverChoice | None = None, submitted: Mapping[str, str] | None = None,
                 error: errors.WorkspaceError | None = None) -> CoverFields:
    """The cover fields as the form shows them: from what the form chose (`chosen`), else from
    what a refused form sent (`submitted`: request.form), else from the post being edited."""
    if chosen is not None:
        digest, alt = chosen.digest, chosen.alt
    elif submitted is not None:
        digest = None if submitted.get("cover_remove") else (
            submitted.get("cover_digest") or "").strip() or None
        alt = submitted.get("cover_alt", "")
    elif post is not None:
        digest, alt = post.cover_digest, post.cover_alt
    else:
        digest, alt = None, ""
    url = None
    if digest and post is not None and post.id is not None and digest == post.cover_digest:
        url = cover_path(post)
    elif digest:
        image_id = db.session.scalar(select(BlogImage.id).where(
            BlogImage.community_id == community.id, BlogImage.digest == digest)
            .order_by(BlogImage.id).limit(1))
        if image_id is None:
            digest = None  # nothing this blog knows: the form offers no cover
        else:
            url = image_path(community.slug, image_id)
    field = error.field if error is not None else None
    return CoverFields(digest=digest, alt=alt, url=url, limit=human_size(upload_limit()),
                       error=error.message if error is not None and field == "cover" else None,
                       alt_error=error.message if error is not None and field == "cover_alt"
                       else None)


# --- Showing images ------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """A stored image someone may see, ready for send_stored."""

    digest: str
    media_type: str
    filename: str


def image_to_show(user: policy.Person, community: Community, image_id: int) -> Shown:
    """An uploaded image, for the community's readers, or for anyone once a public post that is
    out shows it (as its cover or in its text); NotFound otherwise."""
    found = db.session.execute(
        select(BlogImage, StoredFile.media_type)
        .join(StoredFile, StoredFile.digest == BlogImage.digest)
        .where(BlogImage.id == image_id, BlogImage.community_id == community.id)).first()
    if found is None:
        raise errors.NotFound()
    image, media_type = found
    if not policy.standing_in(user, community).reads and not _in_public_post(user, community,
                                                                            image):
        raise errors.NotFound()
    return Shown(digest=image.digest, media_type=media_type, filename=image.filename)


def _in_public_post(user: policy.Person, community: Community, image: BlogImage) -> bool:
    # The sanitizer writes every kept image as src="<its address>", so the stored HTML names
    # exactly the images a post shows (the Markdown could hold the address inside a link or
    # code). A scheduled post is not out yet, so it shows nothing to anyone outside.
    source = f'src="{image_path(community.slug, image.id)}"'
    return db.session.scalar(select(BlogPost.id).where(
        BlogPost.community_id == community.id, BlogPost.is_public.is_(True),
        blog_policy.readable_posts(user, utcnow()),
        or_(BlogPost.cover_digest == image.digest,
            BlogPost.body_html.contains(source, autoescape=True))).limit(1)) is not None


def cover_to_show(user: policy.Person, community: Community, post_id: int) -> Shown:
    """A post's cover, for whoever may read the post."""
    post = db.session.get(BlogPost, post_id)
    if post is None or post.community_id != community.id or post.cover_digest is None:
        raise errors.NotFound()
    policy.require(user, blog_policy.may_read_post, post)
    stored = db.session.get(StoredFile, post.cover_digest)
    if stored is None or stored.media_type not in INLINE_MEDIA_TYPES:
        raise errors.NotFound()
    extension = stored.media_type.removeprefix("image/").replace("jpeg", "jpg")
    return Shown(digest=stored.digest, media_type=stored.media_type,
                 filename=f"cover-{post.id}.{extension}")


# --- The library picker --------------------------------------------------------------------

@dataclass(frozen=True)
class LibraryImage:
    """A library image offered in the editor's picker."""

    id: int
    title: str
    filename: str
    url: str  # what the post's Markdown points at
    thumbnail: str
    markdown: str


def library_images(user: User, community: Community) -> list[LibraryImage]:
    """The community's library images this person may see that every reader of the community
    may see too (shared with the whole community, not hidden), newest first: an image a post
    shows should not be broken for some of its readers."""
    rows = db.session.execute(
        select(Resource.id, Resource.title, ResourceVersion.filename, StoredFile.preview_state)
        .join(ResourceVersion, ResourceVersion.id == Resource.current_version_id)
        .join(StoredFile, StoredFile.digest == ResourceVersion.digest)
        .where(Resource.community_id == community.id, visible_resources(user),
               Resource.audience == Audience.COMMUNITY, Resource.hidden_at.is_(None),
               StoredFile.media_type.in_(INLINE_MEDIA_TYPES))
        .order_by(Resource.created_at.desc(), Resource.id.desc()).limit(LIBRARY_MAX)).all()
    found = []
    for resource_id, title, filename, preview_state in rows:
        url = url_for("resources.view", resource_id=resource_id)
        thumbnail = (url_for("resources.preview", resource_id=resource_id)
                     if preview_state is PreviewState.READY else url)
        found.append(LibraryImage(id=resource_id, title=title, filename=filename, url=url,
                                  thumbnail=thumbnail, markdown=f"![]({url})"))
    return found
