"""Images in blog posts: uploaded from the editor, served to whoever may see them, picked from
the library, and a post's cover sent with its form."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict

from tests.factories import add_to, make_community
from tests.resources.conftest import pdf_bytes, png_bytes
from workspace import errors
from workspace.blogs import images
from workspace.blogs import service as blogs
from workspace.blogs.models import BlogImage
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.catalog import remember
from workspace.files.intake import receive_bytes
from workspace.files.models import StoredFile
from workspace.files.storage import storage
from workspace.resources import service as library
from workspace.resources.models import Resource

SLUG = "school-improvement-p2p"


def upload(client, name: str, data: bytes, slug: str = SLUG):
    """One image sent as the editor's script sends it."""
    return client.post(f"/communities/{slug}/blog/images?name={name}", data=data,
                       content_type="application/octet-stream",
                       headers={"Accept": "application/json"})


def uploaded(client, name: str = "chart.png", data: bytes | None = None) -> dict:
    answer = upload(client, name, data or png_bytes())
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def image_count() -> int:
    return db.session.scalar(select(func.count(BlogImage.id))) or 0


def write(author, community, body: str = "A post.", **fields) -> blogs.BlogPost:
    return blogs.write(author, community, blogs.Writing(title="What we tried", body=body,
                                                        **fields))


def public(facilitator, post) -> None:
    blogs.make_public(facilitator, post, True)


# --- Uploading -----------------------------------------------------------------------------

def test_a_writer_uploads_an_image_and_gets_its_markdown(client_as, sme, community):
    answer = uploaded(client_as(sme), "Team chart.png")
    image = db.session.get(BlogImage, answer["id"])
    assert image is not None and image.community_id == community.id
    assert image.uploader_id == sme.id and image.filename == "Team chart.png"
    assert answer == {"id": image.id, "url": f"/communities/{SLUG}/blog/images/{image.id}",
                      "markdown": f"![](/communities/{SLUG}/blog/images/{image.id})",
                      "filename": "Team chart.png"}

    shown = client_as(sme).get(answer["url"])
    assert shown.status_code == 200
    assert shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.data == png_bytes()


@pytest.mark.parametrize("name", ["photo.jpg", "photo.jpeg", "loop.gif", "small.webp"])
def test_each_kind_of_image_is_accepted(client_as, sme, community, name):
    from PIL import Image

    out = io.BytesIO()
    kind = {"jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}[name.rsplit(".")[1]]
    Image.new("RGB", (8, 8), "orange").save(out, kind)
    assert upload(client_as(sme), name, out.getvalue()).status_code == 201


def test_the_same_picture_uploaded_again_keeps_its_address(client_as, sme, facilitator,
                                                           community):
    first = uploaded(client_as(sme), "chart.png")
    again = uploaded(client_as(facilitator), "chart (1).png")
    assert again["url"] == first["url"]
    assert image_count() == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("report.pdf", pdf_bytes(), "“report.pdf” isn't an image a post can show. Choose a PNG, "
                                "JPEG, GIF or WebP image; other files belong in the library."),
    ("chart.png", pdf_bytes(), "“chart.png” isn't a PNG image: its content is a PDF. Files "
                               "must be what their name says."),
    ("chart.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>",
     "“chart.png” isn't a PNG image: its content is HTML. Files must be what their name says."),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "“logo.svg” is an SVG image, which can carry scripts that run in the browser. Export it "
     "as PNG and upload that instead."),
    ("notes", b"plain words", "“notes” isn't an image a post can show. Choose a PNG, JPEG, GIF "
                              "or WebP image; other files belong in the library."),
])
def test_anything_but_an_image_is_refused_with_a_reason(client_as, sme, community, name, data,
                                                        message):
    answer = upload(client_as(sme), name, data)
    assert answer.status_code == 422
    assert answer.get_json() == {"error": message}
    assert image_count() == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_only_the_blogs_writers_upload(client_as, member, observer, outsider, facilitator,
                                       community):
    assert upload(client_as(member), "chart.png", png_bytes()).status_code == 403
    assert upload(client_as(observer), "chart.png", png_bytes()).status_code == 403
    assert upload(client_as(outsider), "chart.png", png_bytes()).status_code == 404
    visitor = upload(client_as(None), "chart.png", png_bytes())
    assert visitor.status_code in (302, 401)
    assert image_count() == 0

    blogs.set_members_may_post(facilitator, community, True)
    assert upload(client_as(member), "chart.png", png_bytes()).status_code == 201


# --- Who sees an uploaded image ------------------------------------------------------------

def test_the_communitys_readers_see_its_images_and_no_one_else(client_as, sme, member,
                                                               observer, outsider, staff,
                                                               network, community):
    url = uploaded(client_as(sme))["url"]
    for reader in (sme, member, observer, staff):
        assert client_as(reader).get(url).status_code == 200, reader.email
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(None).get(url).status_code == 404

    other = make_community(network, participants=["AZ"], slug="another-p2p")
    image_id = url.rsplit("/", 1)[1]
    assert client_as(sme).get(f"/communities/{other.slug}/blog/images/{image_id}"
                              ).status_code == 404
    assert client_as(sme).get(f"/communities/{SLUG}/blog/images/999").status_code == 404


def test_anyone_sees_an_image_once_a_public_post_that_is_out_shows_it(client_as, sme,
                                                                      facilitator, outsider,
                                                                      community):
    url = uploaded(client_as(sme))["url"]
    post = write(sme, community, body=f"Our plan on a page:\n\n![The plan]({url})")
    assert f'src="{url}"' in post.body_html
    visitor, texan = client_as(None), client_as(outsider)
    assert visitor.get(url).status_code == 404  # out, but for the community only

    public(facilitator, post)
    assert visitor.get(url).status_code == 200
    assert texan.get(url).status_code == 200

    blogs.unpublish(facilitator, post)
    assert visitor.get(url).status_code == 404


def test_an_image_in_a_scheduled_public_post_stays_hidden_until_its_time(client_as, sme,
                                                                          facilitator,
                                                                          community):
    url = uploaded(client_as(sme))["url"]
    soon = utcnow() + timedelta(days=2)
    post = write(sme, community, body=f"![The plan]({url})", publishing="later",
                 day=soon.date(), clock=soon.time().replace(microsecond=0))
    public(facilitator, post)
    assert post.is_scheduled(utcnow())
    assert client_as(None).get(url).status_code == 404

    post.publish_at = utcnow() - timedelta(minutes=1)  # its time comes
    db.session.commit()
    assert client_as(None).get(url).status_code == 200


def test_only_an_image_the_public_post_shows_is_public(client_as, sme, facilitator, community):
    first = uploaded(client_as(sme), "first.png", png_bytes("teal"))
    linked = uploaded(client_as(sme), "linked.png", png_bytes("red"))["url"]
    in_code = uploaded(client_as(sme), "code.png", png_bytes("blue"))["url"]
    # Up to image 12, whose address starts with image 1's.
    digest = db.session.get(BlogImage, first["id"]).digest
    db.session.add_all([BlogImage(community_id=community.id, digest=digest, filename="x.png",
                                  uploader_id=sme.id) for _ in range(9)])
    db.session.commit()
    twelfth = f"/communities/{SLUG}/blog/images/12"
    assert first["url"] == f"/communities/{SLUG}/blog/images/1"
    post = write(sme, community, body=f"![Shown]({twelfth}) [a link]({linked}) `{in_code}`")
    public(facilitator, post)
    assert client_as(None).get(twelfth).status_code == 200
    assert client_as(None).get(first["url"]).status_code == 404
    assert client_as(None).get(linked).status_code == 404
    assert client_as(None).get(in_code).status_code == 404


def test_a_public_posts_cover_is_public_and_others_are_not(client_as, sme, facilitator,
                                                           member, community):
    answer = uploaded(client_as(sme))
    image = db.session.get(BlogImage, answer["id"])
    post = write(sme, community, cover_digest=image.digest, cover_alt="Five state teams")
    cover = f"/communities/{SLUG}/blog/images/covers/{post.id}"
    assert client_as(member).get(cover).status_code == 200
    assert client_as(None).get(cover).status_code == 404
    assert client_as(None).get(answer["url"]).status_code == 404

    public(facilitator, post)
    shown = client_as(None).get(cover)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert client_as(None).get(answer["url"]).status_code == 200


def test_a_drafts_cover_is_its_authors_alone(client_as, sme, member, community):
    image = db.session.get(BlogImage, uploaded(client_as(sme))["id"])
    draft = write(sme, community, cover_digest=image.digest, cover_alt="A chart",
                  publishing="draft")
    cover = f"/communities/{SLUG}/blog/images/covers/{draft.id}"
    assert client_as(sme).get(cover).status_code == 200
    assert client_as(member).get(cover).status_code == 404
    no_cover = write(sme, community)
    assert client_as(sme).get(f"/communities/{SLUG}/blog/images/covers/{no_cover.id}"
                              ).status_code == 404


# --- The cover on the post form (no script needed) -----------------------------------------

def cover_file(name: str = "cover.png", data: bytes | None = None) -> FileStorage:
    return FileStorage(io.BytesIO(data if data is not None else png_bytes()), filename=name)


def test_a_cover_sent_with_the_form_is_kept_at_once(sme, community):
    stored = images.receive_cover(sme, community, cover_file())
    db.session.rollback()  # a form refused later for another reason keeps it
    assert db.session.get(StoredFile, stored.digest) is not None
    assert db.session.scalar(select(BlogImage.digest)) == stored.digest


@pytest.mark.parametrize(("name", "data", "message"), [
    ("plan.pdf", pdf_bytes(), "“plan.pdf” isn't an image a post can show."),
    ("plan.png", b"<html><body>hi</body></html>", "its content is HTML"),
])
def test_a_cover_that_is_not_an_image_is_refused_beside_its_field(sme, community, name, data,
                                                                  message):
    with pytest.raises(errors.Invalid) as refused:
        images.receive_cover(sme, community, cover_file(name, data))
    assert refused.value.field == "cover" and message in refused.value.message
    assert image_count() == 0


def test_only_writers_send_a_cover(member, community):
    with pytest.raises(errors.Forbidden):
        images.receive_cover(member, community, cover_file())


def test_the_cover_fields_ask_for_a_new_file_removal_or_the_current_cover(sme, community):
    def choose(form: dict, files: dict | None = None, post=None) -> images.CoverChoice:
        return images.cover_from_form(sme, community, MultiDict(files or {}), MultiDict(form),
                                      post=post)

    assert choose({}) == images.CoverChoice(None, "")
    new = choose({"cover_alt": "Five state teams"}, {"cover": cover_file()})
    assert new.digest is not None and new.alt == "Five state teams"
    post = write(sme, community, cover_digest=new.digest, cover_alt=new.alt)

    # The hidden field keeps the current cover; "Remove" takes it off; a new file replaces it.
    assert choose({"cover_digest": new.digest, "cover_alt": "Teams"}, post=post) == (
        images.CoverChoice(new.digest, "Teams"))
    assert choose({"cover_digest": new.digest, "cover_remove": "1"}, post=post) == (
        images.CoverChoice(None, ""))
    other = choose({"cover_digest": new.digest, "cover_alt": "Red"},
                   {"cover": cover_file("red.png", png_bytes("red"))}, post=post)
    assert other.digest not in (None, new.digest)
    # An empty file input (a browser sends one when nothing was chosen) changes nothing.
    assert choose({"cover_digest": new.digest, "cover_alt": "Teams"},
                  {"cover": FileStorage(io.BytesIO(b""), filename="")}, post=post).digest == (
        new.digest)


def test_a_hidden_field_cannot_name_a_file_the_blog_does_not_have(sme, community):
    elsewhere = remember(receive_bytes(pdf_bytes(), "secret.pdf", storage=storage()))
    db.session.commit()
    with pytest.raises(errors.Invalid) as refused:
        images.cover_from_form(sme, community, MultiDict(),
                               MultiDict({"cover_digest": elsewhere.digest, "cover_alt": "x"}))
    assert refused.value.field == "cover"


def test_the_cover_partial_names_its_fields_and_explains_the_description(app, sme, community):
    stored = images.receive_cover(sme, community, cover_file())
    post = write(sme, community, cover_digest=stored.digest, cover_alt="Five state teams")
    with app.test_request_context():
        fields = images.cover_fields(community, post=post)
        html = render_template("blogs/_cover_fields.html", cover=fields)
        fresh = render_template("blogs/_cover_fields.html", cover=images.cover_fields(community))
        refused = images.cover_fields(
            community, submitted=MultiDict({"cover_digest": stored.digest, "cover_alt": ""}),
            error=errors.Invalid("Describe the cover image for people who can't see it.",
                                 field="cover_alt"))
        refused_html = render_template("blogs/_cover_fields.html", cover=refused)
    assert fields.url == f"/communities/{SLUG}/blog/images/covers/{post.id}?v={stored.digest[:16]}"
    for name in ('type="file" id="cover" name="cover"', 'name="cover_alt"',
                 'name="cover_remove"', f'name="cover_digest" value="{stored.digest}"',
                 "Required: describe the image for people who can't see it",
                 "Remove the cover", 'value="Five state teams"'):
        assert name in html, name
    assert "Remove the cover" not in fresh and 'name="cover_digest" value=""' in fresh
    # A refused form keeps the cover it had and says what is missing beside the description.
    assert refused.digest == stored.digest and refused.url is not None
    assert refused.alt_error == "Describe the cover image for people who can't see it."
    assert 'id="cover_alt-error"' in refused_html and 'aria-invalid="true"' in refused_html


def test_a_refused_form_naming_an_unknown_cover_shows_none(app, community):
    with app.test_request_context():
        fields = images.cover_fields(community, submitted=MultiDict({"cover_digest": "f" * 64}))
    assert fields.digest is None and fields.url is None


# --- The library picker --------------------------------------------------------------------

def add_to_library(user, community, name: str, data: bytes, *, audience: str = "community",
                   title: str | None = None) -> Resource:
    stored = remember(receive_bytes(data, name, storage=storage()))
    details = library.Details(title=title or name, type="tool", audience=audience)
    return library.add_resources(user, community, details,
                                 uploads=[library.Upload(file=stored, filename=name)])[0]


def test_the_picker_lists_the_library_images_every_reader_sees(client_as, sme, member,
                                                               other_member, facilitator,
                                                               network, community):
    chart = add_to_library(member, community, "chart.png", png_bytes("teal"), title="Chart")
    add_to_library(member, community, "rubric.pdf", pdf_bytes())
    add_to_library(other_member, community, "ga-only.png", png_bytes("red"), audience="state")
    hidden = add_to_library(member, community, "hidden.png", png_bytes("blue"))
    hidden.hidden_at = utcnow()
    other = make_community(network, participants=["AZ"], slug="another-p2p")
    add_to(other, member, "member")
    add_to_library(member, other, "elsewhere.png", png_bytes("green"))
    db.session.commit()

    answer = client_as(sme).get(f"/communities/{SLUG}/blog/images/library")
    assert answer.status_code == 200
    assert answer.get_json() == {"images": [{
        "id": chart.id, "title": "Chart", "filename": "chart.png",
        "url": f"/library/{chart.id}/view", "thumbnail": f"/library/{chart.id}/view",
        "markdown": f"![](/library/{chart.id}/view)"}]}
    # Images from the library are kept by the sanitizer and shown by the library.
    post = write(sme, community, body=f"![Chart](/library/{chart.id}/view)")
    assert f'<img alt="Chart" src="/library/{chart.id}/view">' in post.body_html
    assert client_as(member).get(f"/library/{chart.id}/view").mimetype == "image/png"


def test_only_writers_open_the_picker(client_as, member, outsider, community):
    assert client_as(member).get(f"/communities/{SLUG}/blog/images/library").status_code == 403
    assert client_as(outsider).get(f"/communities/{SLUG}/blog/images/library"
                                   ).status_code == 404
    assert client_as(None).get(f"/communities/{SLUG}/blog/images/library").status_code == 302
