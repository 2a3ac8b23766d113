"""Putting images into the text with the shared editor, by keyboard, in the real browser.

The editor's image controls are switched on by a feature's form (the blog's post form); this
test serves the editor (and the cover's fields) on a page of its own so it needs nothing else of
that form: an SME
uploads an image (with a progress bar), is asked to describe it, and it goes in at the cursor;
then picks one from the library in a dialog that traps focus and closes on Escape.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import Blueprint, render_template_string, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from PIL import Image
from playwright.sync_api import expect
from wtforms import TextAreaField

from tests.browser.support import SDI, KeyboardDriver, axe_violations, describe_violations
from workspace.forms import Form

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGE = """{% extends "base.html" %}
{% from "_macros/editor.html" import editor %}
{% block content %}
<h1>Write with images</h1>
<form method="post" action="" enctype="multipart/form-data">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {{ editor(form.body, community, images_url=url_for('blog_images.upload', slug=community.slug),
            library_url=url_for('blog_images.library', slug=community.slug)) }}
  {% include "blogs/_cover_fields.html" %}
</form>
{% endblock %}"""


class BodyForm(Form):
    body = TextAreaField("Your post")


def editor_page() -> Blueprint:
    from workspace import policy

    page = Blueprint("editor_images_test", __name__)

    @page.route("/test/editor-images")
    @login_required
    def show() -> ResponseReturnValue:
        from workspace.blogs.images import cover_fields

        community = policy.community_for(policy_user(), SDI)
        return render_template_string(PAGE, form=BodyForm(), community=community,
                                      cover=cover_fields(community))

    return page


def policy_user():  # the signed-in person, as the policy takes them
    from flask_login import current_user

    return current_user._get_current_object()


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), color).save(out, "PNG")
    return out.getvalue()


def add_library_image(live_server) -> int:
    from sqlalchemy import select

    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.files.catalog import remember
    from workspace.files.intake import receive_bytes
    from workspace.files.storage import storage
    from workspace.resources import service

    with live_server.database() as session, live_server.app.test_request_context():
        member = session.scalar(select(User).where(User.email == "az.member@example.org"))
        community = session.scalar(select(Community).where(Community.slug == SDI))
        stored = remember(receive_bytes(png("teal"), "state-map.png", storage=storage()))
        added = service.add_resources(
            member, community, service.Details(title="Map of the states", type="data"),
            uploads=[service.Upload(file=stored, filename="state-map.png")])
        return added[0].id


def test_an_sme_puts_an_uploaded_and_a_library_image_into_the_text_by_keyboard(
        open_page, live_server, tmp_path):
    live_server.app.register_blueprint(editor_page())  # before the first request
    library_id = add_library_image(live_server)
    picture = tmp_path / "five-teams.png"
    picture.write_bytes(png("orange"))

    page = open_page()
    sme = KeyboardDriver(page)
    sme.sign_in("sme@example.org")
    sme.goto("/test/editor-images")
    problems = describe_violations(page.url, axe_violations(page))  # the cover's fields too
    assert not problems, "\n".join(problems)
    with live_server.app.test_request_context():
        upload_prefix = url_for("blog_images.image", slug=SDI, image_id=0)[:-1]
    text = page.get_by_label("Your post")
    expect(page.locator("[data-images-off]")).to_be_hidden()
    sme.fill(text, "Our teams. More soon.")
    sme.focus(text)
    page.keyboard.press("Home")
    for _ in range(len("Our teams.")):
        page.keyboard.press("ArrowRight")

    # Upload: the file chooser opens from the button; then the description is asked for.
    with page.expect_file_chooser() as chooser:
        sme.operate(page.get_by_role("button", name="Insert image"))
    chooser.value.set_files(str(picture))
    description = page.get_by_label("Description", exact=True)
    expect(description).to_be_focused()
    page.keyboard.press("Enter")  # nothing typed: asked again, with the reason
    expect(page.locator("[data-alt-error]")).to_have_text(re.compile(
        "Describe the image for people who can't see it, or tick “It is decorative”"))
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_be_focused()
    problems = describe_violations(page.url, axe_violations(page))
    assert not problems, "\n".join(problems)
    page.keyboard.type("Five state teams around a table")
    page.keyboard.press("Enter")
    expect(text).to_be_focused()
    expect(text).to_have_value(re.compile(
        r"^Our teams\.!\[Five state teams around a table\]\(" + re.escape(upload_prefix)
        + r"\d+\) More soon\.$"))
    expect(page.locator("[data-image-status]")).to_have_text("Image inserted into the text.")
    assert page.url.endswith("/test/editor-images"), "Enter sent the form"

    # The library: a dialog that opens on its first image, closes on Escape, returns focus.
    page.keyboard.press("End")
    opener = page.get_by_role("button", name="From the library")
    sme.operate(opener)
    dialog = page.get_by_role("dialog", name="Choose an image from the library")
    heading = dialog.get_by_role("heading")  # USWDS's wrapper itself has no box of its own
    expect(heading).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    choice = dialog.get_by_role("button", name="Map of the states")
    expect(choice).to_be_focused()
    # USWDS fades the dialog in: audited mid-fade, its text would be too faint.
    page.wait_for_function("() => getComputedStyle(document.querySelector("
                           "'.usa-modal-wrapper.is-visible')).opacity === '1'")
    problems = describe_violations(page.url, axe_violations(page))
    assert not problems, "\n".join(problems)
    page.keyboard.press("Escape")
    expect(heading).to_be_hidden()
    expect(opener).to_be_focused()

    sme.operate(opener)
    expect(choice).to_be_focused()
    for _ in range(6):  # Tab stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('[role=dialog]')")
    sme.operate(choice)
    expect(heading).to_be_hidden()
    expect(description).to_be_focused()
    sme.tick(page.get_by_label(re.compile("^It is decorative")))
    expect(description).to_be_disabled()
    sme.operate(page.get_by_role("button", name="Insert the image"))
    expect(text).to_have_value(re.compile(
        re.escape(f"More soon.![](/library/{library_id}/view)") + "$"))

    # What the editor wrote is kept by the sanitizer, as the preview shows.
    with live_server.app.app_context():
        from workspace.text import render_markdown

        html = render_markdown(text.input_value())
    assert html.count("<img") == 2, html
    assert not page.watch.script_errors, page.watch.summary()  # type: ignore[attr-defined]
