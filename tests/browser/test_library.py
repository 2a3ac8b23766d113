"""The library from the keyboard: a member adds two files at once (each with its own progress bar,
then a title to edit), sees a file too big and a web page named .pdf refused one by one while
the others stay, and sends the form; a facilitator publishes one to the network library, where
someone from a state taking part in nothing finds it. Files dropped on the field go up the same
way. Every page on the way, and the upload list with progress bars and with refusals showing,
is audited with axe-core.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select

from tests.browser.support import (
    SDI,
    KeyboardDriver,
    axe_violations,
    choose_by_keyboard,
    describe_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LIMIT = 64 * 1024  # small, so a file a little bigger is refused in the browser
UPLOADS = "**/library/uploads?*"


@pytest.fixture
def live_server_settings() -> dict[str, Any]:
    return {"UPLOAD_MAX_BYTES": LIMIT}


def pdf_file(folder: Path, name: str, text: str) -> Path:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    path = folder / name
    path.write_bytes(bytes(document.output()))
    return path


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "teal").save(out, format="PNG")
    return out.getvalue()


class HeldUploads:
    """Upload requests held until the test lets each go, so its progress bar can be seen."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.waiting: dict[str, Route] = {}
        page.route(UPLOADS, self._hold)

    def _hold(self, route: Route) -> None:
        name = re.search(r"[?&]name=([^&]+)", route.request.url)
        assert name is not None, route.request.url
        self.waiting[name.group(1)] = route

    def release(self, name: str) -> None:
        # The route handler runs while Playwright waits on something: wait until it has.
        for _ in range(100):
            if name in self.waiting:
                break
            self.page.wait_for_timeout(50)
        self.waiting.pop(name).continue_()

    def stop(self) -> None:
        self.page.unroute(UPLOADS)


def upload_row(page: Page, filename: str) -> Any:
    return page.locator("[data-upload-list] li").filter(has_text=filename)


def stored_titles(live_server: Any, author_email: str) -> list[str]:
    from workspace.auth.models import User
    from workspace.resources.models import Resource

    with live_server.database() as session:
        return list(session.scalars(
            select(Resource.title).join(User, User.id == Resource.author_id)
            .where(User.email == author_email).order_by(Resource.id)))




def test_a_member_adds_two_files_by_keyboard_and_a_facilitator_publishes_one(
        open_page: Callable[..., Page], live_server, tmp_path: Path):
    plan = pdf_file(tmp_path, "progress-plan.pdf", "Arizona progress-monitoring plan")
    chart = tmp_path / "check-in-chart.png"
    chart.write_bytes(png_bytes())
    too_big = tmp_path / "whole-report.pdf"
    too_big.write_bytes(b"%PDF-1.4\n" + b"0" * (LIMIT + 4 * 1024))
    disguised = tmp_path / "agenda.pdf"
    disguised.write_bytes(b"<!doctype html><html><body><script>alert(1)</script></body></html>")

    # --- Arizona's member opens the library and picks two files at once ---------------------
    page = open_page()
    member = KeyboardDriver(page, audit=True)
    member.sign_in("az.member@example.org")
    member.goto(f"/communities/{SDI}")
    member.navigate_by(page.locator("nav.workspace-community-nav").get_by_role(
        "link", name="Library", exact=True))
    member.navigate_by(page.get_by_role("link", name="Add resources"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add resources")

    held = HeldUploads(page)
    file_input = page.locator("[data-upload-input]")
    chooser = choose_by_keyboard(member, page, file_input)
    assert chooser.is_multiple()
    chooser.set_files([plan, chart])

    status = page.locator("[data-upload-status]")
    expect(status).to_have_text("Uploading 2 files.")
    for path in (plan, chart):
        expect(upload_row(page, path.name).locator("progress")).to_be_visible()
    # USWDS's own list of chosen files stays empty: this script's list is the one.
    expect(page.locator(".usa-file-input__preview")).to_have_count(0)
    problems = describe_violations(f"{page.url} (uploading)", axe_violations(page))

    held.release(plan.name)
    expect(status).to_have_text(f"{plan.name} is uploaded.")
    plan_title = page.get_by_label(re.compile(rf"^Title for {re.escape(plan.name)}"))
    expect(plan_title).to_have_value("progress-plan")
    expect(upload_row(page, chart.name).locator("progress")).to_be_visible()  # still going
    held.release(chart.name)
    expect(status).to_have_text(f"{chart.name} is uploaded.")
    expect(page.get_by_label(re.compile(rf"^Title for {re.escape(chart.name)}"))).to_have_value(
        "check-in-chart")
    held.stop()

    # --- Two more: one too big (refused before it is sent), one a web page named .pdf --------
    choose_by_keyboard(member, page, file_input).set_files([too_big, disguised])
    expect(upload_row(page, too_big.name).locator(".usa-error-message")).to_have_text(
        f"“{too_big.name}” is 68 KB; the limit is 64 KB.")
    expect(upload_row(page, disguised.name).locator(".usa-error-message")).to_have_text(
        f"“{disguised.name}” isn't a PDF: its content is HTML. Files must be what their name "
        "says.")
    expect(status).to_contain_text(disguised.name)
    # The two uploaded files are still there, with their titles.
    expect(page.locator("[data-upload-list] input[name=upload]")).to_have_count(2)
    expect(plan_title).to_be_visible()
    problems += describe_violations(f"{page.url} (refusals showing)", axe_violations(page))

    # --- Details, then send ------------------------------------------------------------------
    member.fill(plan_title, "Arizona progress-monitoring plan")
    member.select(page.get_by_label("Type", exact=True), "Template")
    member.fill(page.get_by_label("Topic tags"), "progress monitoring, CSI")
    member.navigate_by(page.get_by_role("button", name="Add to the library"))
    expect(page.get_by_role("status").filter(
        has_text="2 resources are in the library.")).to_be_visible()
    listed = page.locator(".workspace-resource-card__title")
    expect(listed.filter(has_text="Arizona progress-monitoring plan")).to_have_count(1)
    expect(listed.filter(has_text="check-in-chart")).to_have_count(1)
    assert stored_titles(live_server, "az.member@example.org")[-2:] == [
        "Arizona progress-monitoring plan", "check-in-chart"]
    assert not problems + member.violations, "\n".join(problems + member.violations)

    # --- A facilitator publishes the plan to the network library ------------------------------
    page = open_page()
    facilitator = KeyboardDriver(page, audit=True)
    facilitator.sign_in("facilitator@example.org")
    facilitator.goto(f"/communities/{SDI}/library")
    facilitator.navigate_by(page.get_by_role("link", name="Arizona progress-monitoring plan"))
    facilitator.navigate_by(page.get_by_role("button", name="Publish to the network library"))
    expect(page.get_by_role("status").filter(has_text="It is in the network library")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Take out of the network library")).to_be_visible()
    assert not facilitator.violations, "\n".join(facilitator.violations)

    # --- Texas, taking part in nothing, finds it in the network library -----------------------
    page = open_page()
    outsider = KeyboardDriver(page, audit=True)
    outsider.sign_in("tx.member@example.org")
    outsider.navigate_by(page.locator("header").get_by_role("link", name="Library", exact=True))
    found = page.get_by_role("link", name="Arizona progress-monitoring plan")
    expect(found).to_have_count(1)
    expect(page.get_by_role("link", name="check-in-chart")).to_have_count(0)  # not published
    outsider.navigate_by(found)
    expect(page.get_by_role("heading", level=1)).to_have_text("Arizona progress-monitoring plan")
    expect(page.get_by_role("link", name=re.compile("^Download"))).to_be_visible()
    assert not outsider.violations, "\n".join(outsider.violations)


DROP = """([target, name, data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: 'image/png'}));
  const zone = document.querySelector(target);
  const over = zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer,
                                                             bubbles: true, cancelable: true}));
  const dropped = zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer,
                                                           bubbles: true, cancelable: true}));
  // dispatchEvent answers false when a listener called preventDefault: the page took them.
  return {overTaken: !over, dropTaken: !dropped};
}"""


def test_files_dropped_on_the_field_upload_like_chosen_ones(open_page: Callable[..., Page],
                                                           live_server):
    page = open_page()
    member = KeyboardDriver(page)
    member.sign_in("ga.member@example.org")
    member.goto(f"/communities/{SDI}/library/new")
    # USWDS wraps the input in its drop target once its script has run.
    target = ".usa-file-input__target"
    expect(page.locator(target)).to_have_count(1)
    taken = page.evaluate(DROP, [target, "dropped-chart.png",
                                 base64.b64encode(png_bytes()).decode()])
    assert taken == {"overTaken": True, "dropTaken": True}, taken
    expect(page.locator("[data-upload-status]")).to_have_text("dropped-chart.png is uploaded.")
    expect(page.get_by_label(re.compile(r"^Title for dropped-chart\.png"))).to_have_value(
        "dropped-chart")
    # The input itself holds nothing: the form won't send the file a second time.
    assert page.locator("[data-upload-input]").evaluate("input => input.files.length") == 0
    member.navigate_by(page.get_by_role("button", name="Add to the library"))
    expect(page.get_by_role("status").filter(
        has_text="“dropped-chart” is in the library.")).to_be_visible()
    assert stored_titles(live_server, "ga.member@example.org")[-1] == "dropped-chart"
