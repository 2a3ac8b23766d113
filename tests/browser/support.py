"""What the browser tests share: Chromium settings, axe-core, reflow checks and two drivers.

A journey is written once against a `Driver` and run by both:

- `PointerDriver` clicks, fills and picks options as a mouse user would;
- `KeyboardDriver` never clicks and never fills: it moves focus with Tab and Shift+Tab (checking
  after every key press whether the wanted element has focus), types with `keyboard.type`,
  presses Enter on links, Space on buttons and checkboxes, and the arrow keys in a select and
  in a radio group (Tab reaches a group once, at its checked radio), which is how they are
  operated from the keyboard.

Every page a driver arrives at is checked for its HTTP status and for reflow (no horizontal
scrolling: `scrollWidth` no wider than the viewport), and optionally audited with axe-core.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import FileChooser, Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "workspace-demo"
ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "static" / "vendor" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The demo's people (workspace/demo/people.yaml); None is a visitor who hasn't signed in.
ROLES: dict[str, str | None] = {
    "visitor": None,
    "staff": "staff@example.org",
    "facilitator": "facilitator@example.org",
    "sme": "sme@example.org",
    "az.member": "az.member@example.org",
    "tx.member": "tx.member@example.org",
    "observer": "observer@example.org",
}

# The demo's communities running now (their 2019 and 2017 rounds are history, with a year in
# their slugs).
SDI = "school-and-district-improvement-p2p"  # in progress; Arizona and Georgia take part
SDI_2019 = "school-and-district-improvement-p2p-2019"  # its first series, with its library
DATA_SYSTEMS = "data-systems-cop"  # recruiting; Texas does not take part yet


# --- Watching pages ---------------------------------------------------------------------------

class PageWatch:
    """JavaScript errors and server errors seen by one page, for assertion messages."""

    def __init__(self, page: Page, live: LiveServer) -> None:
        self.live = live
        self.script_errors: list[str] = []
        self.server_errors: list[str] = []
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("response", self._response)

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} "
                                      f"{response.url}")

    def summary(self) -> str:
        parts = []
        if self.server_errors:
            parts.append("server errors: " + "; ".join(self.server_errors))
        if self.live.errors:
            parts.append("server log: " + "; ".join(self.live.errors[-5:]))
        if self.script_errors:
            parts.append("script errors: " + "; ".join(self.script_errors))
        return "\n".join(parts)


def choose_by_keyboard(person: Driver, page: Page, file_input: Locator) -> FileChooser:
    """Open a file input's chooser with Space, as a keyboard user does. On a loaded machine the
    key can land before the focus has: ask again rather than wait out the default timeout."""
    for attempt in range(3):
        person.focus(file_input)
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def watch(page: Page) -> PageWatch:
    return page.watch  # type: ignore[attr-defined]


# --- Reflow (WCAG 1.4.10) ---------------------------------------------------------------------

def page_widths(page: Page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def assert_reflows(page: Page) -> None:
    scroll_width, viewport = page_widths(page)
    if scroll_width <= viewport:
        return
    culprits = page.evaluate("""(viewport) => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > viewport + 1
                      && el.getClientRects().length && getComputedStyle(el).position !== 'fixed')
        .filter(el => !Array.from(el.children).some(
                      child => child.getBoundingClientRect().right > viewport + 1))
        .slice(0, 5)
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                   + (el.className && typeof el.className === 'string'
                      ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                   + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + 'px)')""",
                             viewport)
    raise AssertionError(f"{page.url} scrolls sideways at {viewport} CSS px: scrollWidth is "
                         f"{scroll_width}. Widest elements: {culprits}")


# --- axe-core ---------------------------------------------------------------------------------

_axe_source: str | None = None


def axe_source() -> str:
    global _axe_source
    if _axe_source is None:
        if not AXE_PATH.exists():
            raise AssertionError(f"{AXE_PATH} is missing: run `make assets` (npm ci copies "
                                 "axe-core there).")
        _axe_source = AXE_PATH.read_text(encoding="utf-8")
    return _axe_source


_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160)})),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core in the page for WCAG 2.0/2.1 A and AA.

    The script is handed to the page through the DevTools protocol (page.evaluate), which the
    page's Content-Security-Policy does not govern, so the app's CSP stays exactly as served.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;undefined")
    return page.evaluate(_RUN_AXE, WCAG_TAGS)


# Buttons that show and hide something (USWDS menus and accordions), details elements, the
# mobile menu. Only the header's menus are the same on every page.
_CLOSED_DISCLOSURES = """(scope) => Array.from(document.querySelectorAll(
    scope + ' button[aria-expanded="false"][aria-controls]'))
  .filter(button => button.getClientRects().length)
  .map(button => '#' + CSS.escape(button.getAttribute('aria-controls')))"""


def audit_open_states(page: Page, *, header: bool) -> list[str]:
    """axe problems with each menu, disclosure and details element of the page open in turn.

    A closed menu hides its text from axe, so contrast inside it is only checked when open.
    """
    problems: list[str] = []
    scopes = ["header", "main"] if header else ["main"]
    for scope in scopes:
        for target in page.evaluate(_CLOSED_DISCLOSURES, scope):
            button = page.locator(f'{scope} button[aria-controls="{target[1:]}"]').first
            button.click()
            problems += [f"(with {target} open) {line}" for line in
                         describe_violations(page.url, axe_violations(page))]
            if button.get_attribute("aria-expanded") == "true":
                button.click()
    if page.evaluate("() => { const all = document.querySelectorAll('main details:not([open])');"
                     " all.forEach(d => { d.open = true; }); return all.length; }"):
        problems += [f"(with every details open) {line}" for line in
                     describe_violations(page.url, axe_violations(page))]
    return problems


def audit_mobile_menu(page: Page) -> list[str]:
    """axe problems of the phone-width header with its menu, and each of its submenus, open."""
    menu = page.locator("button.usa-menu-btn")
    if not menu.is_visible():
        return []
    menu.click()
    problems = [f"(phone menu open) {line}" for line in
                describe_violations(page.url, axe_violations(page))]
    problems += audit_open_states(page, header=True)
    page.locator("button.usa-nav__close").click()
    return problems


def describe_violations(url: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"{url}  [{violation['id']}] {node['target']}  — {violation['help']}"
                         f"  {node['html']}")
    return lines


# --- Links ------------------------------------------------------------------------------------

def same_origin_links(page: Page, base_url: str) -> list[str]:
    """Paths (with query) of the page's <a href> links to the app itself, static files and
    downloads (calendar files, CSV reports: not pages to audit) aside."""
    hrefs = page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]:not([download])'), a => a.href)")
    origin = urlsplit(base_url)
    paths = []
    for href in hrefs:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if parts.path.startswith("/static/"):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


# --- Drivers ----------------------------------------------------------------------------------

_FOCUS_STATE = """el => {
  const active = document.activeElement;
  if (active === el) return 'here';
  if (!active || active === document.body || active === document.documentElement) return 'forward';
  return (active.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)
    ? 'forward' : 'back';
}"""

_OPTION_INDEX = """(el, wanted) => {
  const options = Array.from(el.options);
  let index = options.findIndex(o => o.text.trim() === wanted);
  if (index < 0) index = options.findIndex(o => o.text.trim().startsWith(wanted));
  return {current: el.selectedIndex, target: index, value: index < 0 ? null : options[index].value};
}"""


_RADIO_GROUP = """el => {
  const radios = Array.from((el.form || document).querySelectorAll('input[type=radio]'))
    .filter(radio => radio.name === el.name && !radio.disabled);
  return {ids: radios.map(radio => radio.id), wanted: radios.indexOf(el),
          checked: radios.findIndex(radio => radio.checked)};
}"""

_FOCUS_RING = """el => {
  // USWDS shows focus as an outline (box shadows are also drawn without focus, so don't count).
  const shows = style => style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  if (shows(getComputedStyle(el))) return true;
  if (el.labels && el.labels.length) {
    return Array.from(el.labels).some(label => shows(getComputedStyle(label))
                                         || shows(getComputedStyle(label, '::before')));
  }
  return false;
}"""

_ACTIVE_ELEMENT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return [null, ''];
  if (!el.dataset.tabStop) el.dataset.tabStop = String(Math.random());
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0]
                && el.labels[0].innerText) || el.innerText || el.value || el.outerHTML.slice(0, 80);
  return [el.dataset.tabStop, `${el.tagName.toLowerCase()}: ${label.trim()}`];
}"""


class Driver:
    """Drives one page; subclasses decide how a person reaches and operates things."""

    name = "driver"

    def __init__(self, page: Page, *, audit: bool = False) -> None:
        self.page = page
        self.audit = audit
        self.visited: list[str] = []
        self.violations: list[str] = []

    # Arriving somewhere ------------------------------------------------------------------------

    def goto(self, path: str, *, status: int = 200) -> Response | None:
        response = self.page.goto(path)
        self.arrived(response, status)
        return response

    def arrived(self, response: Response | None, status: int | None) -> None:
        self.page.wait_for_load_state("load")
        self.visited.append(self.page.url)
        if status is not None:
            actual = response.status if response is not None else None
            assert actual == status, (f"{self.page.url}: expected HTTP {status}, got {actual}\n"
                                      f"{watch(self.page).summary()}")
        assert_reflows(self.page)
        if self.audit:
            self.violations += describe_violations(self.page.url, axe_violations(self.page))

    def navigate_by(self, locator: Locator, *, status: int | None = 200) -> Response | None:
        """Operate a link or a submit button and wait for the page it leads to."""
        with self.page.expect_navigation() as navigation:
            self.operate(locator)
        response = navigation.value
        self.arrived(response, status)
        return response

    # What subclasses provide -------------------------------------------------------------------

    def operate(self, locator: Locator) -> None:
        raise NotImplementedError

    def fill(self, locator: Locator, text: str) -> None:
        raise NotImplementedError

    def select(self, locator: Locator, label: str) -> None:
        raise NotImplementedError

    def tick(self, locator: Locator) -> None:
        """Check a checkbox or choose a radio button."""
        raise NotImplementedError

    def enter_date(self, locator: Locator, day: date) -> None:
        """Put a day into a native date input."""
        raise NotImplementedError

    def enter_time(self, locator: Locator, clock: time) -> None:
        """Put a wall-clock time into a native time input."""
        raise NotImplementedError

    # Shared steps ------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/sign-in")
        self.fill(self.page.get_by_label("Email address"), email)
        self.fill(self.page.get_by_label(re.compile(r"^Password")), password)
        self.navigate_by(self.page.get_by_role("button", name="Sign in", exact=True))
        assert self.page.locator("body[data-user-id]").count() == 1, (
            f"signing in as {email} did not work: {self.page.url}\n{watch(self.page).summary()}")

    def option_index(self, locator: Locator, label: str) -> dict[str, Any]:
        found = locator.evaluate(_OPTION_INDEX, label)
        assert found["target"] >= 0, f"no option {label!r} in {locator}"
        return found


class PointerDriver(Driver):
    name = "pointer"

    def operate(self, locator: Locator) -> None:
        locator.click()

    def fill(self, locator: Locator, text: str) -> None:
        locator.fill(text)

    def select(self, locator: Locator, label: str) -> None:
        locator.select_option(value=self.option_index(locator, label)["value"])

    def tick(self, locator: Locator) -> None:
        # USWDS draws radios and checkboxes on their labels; the inputs sit off screen.
        element_id = locator.get_attribute("id")
        self.page.locator(f"label[for='{element_id}']").click()
        assert locator.is_checked(), f"clicking the label of {locator} did not check it"

    def enter_date(self, locator: Locator, day: date) -> None:
        locator.fill(day.isoformat())

    def enter_time(self, locator: Locator, clock: time) -> None:
        locator.fill(clock.strftime("%H:%M"))


class KeyboardDriver(Driver):
    name = "keyboard"
    MAX_PRESSES = 300

    def focus(self, locator: Locator) -> None:
        """Press Tab (or Shift+Tab, if it lies behind) until the element has focus."""
        target = locator.element_handle()
        for _ in range(self.MAX_PRESSES):
            state = target.evaluate(_FOCUS_STATE)
            if state == "here":
                self.assert_focus_visible(locator)
                return
            self.page.keyboard.press("Tab" if state == "forward" else "Shift+Tab")
        described = target.evaluate("el => el.outerHTML.slice(0, 200)")
        raise AssertionError(f"{described} on {self.page.url} can't be reached with Tab and "
                             f"Shift+Tab ({self.MAX_PRESSES} presses)")

    def assert_focus_visible(self, locator: Locator) -> None:
        """WCAG 2.4.7: the focused element (or, for USWDS radios, its label) shows a ring."""
        ring = locator.evaluate(_FOCUS_RING)
        assert ring, (f"{locator} has focus on {self.page.url} but shows no focus indicator")

    def tab_stops(self) -> list[str]:
        """Everything Tab reaches on the page, in order: what a keyboard user can operate."""
        stops: list[str] = []
        seen: list[str] = []
        for _ in range(self.MAX_PRESSES):
            self.page.keyboard.press("Tab")
            key, label = self.page.evaluate(_ACTIVE_ELEMENT)
            if key is None or (seen and key == seen[0]):
                return stops  # past the last stop, or round to the first: the cycle is whole
            assert key not in seen, (f"keyboard trap on {self.page.url}: Tab came back to "
                                     f"{label} without reaching the end of the page: {stops}")
            seen.append(key)
            stops.append(label)
        raise AssertionError(f"Tab never left {self.page.url} after {self.MAX_PRESSES} presses")

    def operate(self, locator: Locator) -> None:
        self.focus(locator)
        is_link = locator.evaluate("el => el.tagName === 'A'")
        # Links answer Enter only; buttons answer both: use Space, the less forgiving one.
        self.page.keyboard.press("Enter" if is_link else "Space")

    def fill(self, locator: Locator, text: str) -> None:
        self.focus(locator)
        if locator.input_value():
            # Select what is there so typing replaces it (a keyboard user's Ctrl+A).
            self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        typed = locator.input_value()
        assert typed == text, f"typing into {locator} gave {typed!r}"

    def select(self, locator: Locator, label: str) -> None:
        self.focus(locator)
        found = self.option_index(locator, label)
        key = "ArrowDown" if found["target"] > found["current"] else "ArrowUp"
        for _ in range(abs(found["target"] - found["current"])):
            self.page.keyboard.press(key)
        assert locator.evaluate("el => el.selectedIndex") == found["target"], (
            f"arrow keys did not choose {label!r} in {locator}")

    def tick(self, locator: Locator) -> None:
        if locator.get_attribute("type") == "radio":
            self._choose_radio(locator)
            return
        self.focus(locator)
        if not locator.is_checked():
            self.page.keyboard.press("Space")
        assert locator.is_checked(), f"Space did not check {locator}"

    def _choose_radio(self, locator: Locator) -> None:
        """Tab reaches a radio group once, at its checked radio (or at its edge when none is
        checked, where Space checks it); the arrow keys then move the choice along the group."""
        group = locator.evaluate(_RADIO_GROUP)
        assert all(group["ids"]), f"every radio of {locator}'s group needs an id"
        current = group["checked"]
        self.focus(self.page.locator(f"[id='{group['ids'][max(current, 0)]}']"))
        if current < 0:
            self.page.keyboard.press("Space")
            current = 0
        key = "ArrowDown" if group["wanted"] > current else "ArrowUp"
        for _ in range(abs(group["wanted"] - current)):
            self.page.keyboard.press(key)
        assert locator.is_checked(), f"the arrow keys did not choose {locator}"

    def enter_date(self, locator: Locator, day: date) -> None:
        # Chromium's date input (en-US) is three fields, month, day and year, each moving on to
        # the next once it has its digits.
        self._type_segments(locator, day.strftime("%m%d%Y"), segments=3)
        assert locator.input_value() == day.isoformat(), (
            f"typing {day:%m/%d/%Y} into {locator} gave {locator.input_value()!r}")

    def enter_time(self, locator: Locator, clock: time) -> None:
        # Hour, minute, then A or P for the half of the day.
        self._type_segments(locator, clock.strftime("%I%M") + clock.strftime("%p")[0],
                            segments=3)
        assert locator.input_value() == clock.strftime("%H:%M"), (
            f"typing {clock:%I:%M %p} into {locator} gave {locator.input_value()!r}")

    def _type_segments(self, locator: Locator, keys: str, *, segments: int) -> None:
        self.focus(locator)
        # Shift+Tab lands on the last field of the input: the left arrow walks back to the
        # first without changing anything.
        for _ in range(segments - 1):
            self.page.keyboard.press("ArrowLeft")
        self.page.keyboard.type(keys)


def make_driver(mode: str, page: Page, *, audit: bool = False) -> Driver:
    return KeyboardDriver(page, audit=audit) if mode == "keyboard" else PointerDriver(
        page, audit=audit)
