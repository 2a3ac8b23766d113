"""Browser fixtures: the app served for real on 127.0.0.1, headless Chromium, and axe-core.

Every browser test gets its own live server on a free port, over a fresh copy of a SQLite file
holding the demo data (seeded once per worker), with real CSRF and no rate limits. Background
jobs wait in the queue unless a test module overrides `live_server_settings` with
`{"JOBS_IN_PROCESS": True}`: then a worker in the server runs them, as under `flask serve`.
Chromium is launched once per worker; each test opens its own contexts. A failing test leaves a
screenshot (and the page's HTML) of every page it had open in test-artifacts/.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    PageWatch,
)
from workspace import create_app
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.jobs.worker import Worker, start_in_process

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def live_settings(database: Path, files_root: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        # The demo's library files (and every upload), stored by content hash: the template
        # database and each copy of it share one folder, outside the checkout.
        "FILES_ROOT": files_root,
        "SECRET_KEY": "browser-tests",
        "WTF_CSRF_ENABLED": True,  # the real thing: every form carries its token
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "MAIL_SERVER": None,  # email stays in the outbox, where the journeys read it
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": False,
        "SESSION_COOKIE_SECURE": False,  # plain http on 127.0.0.1, whatever WORKSPACE_ENV says
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        # Let each browser context cache the static files instead of revalidating them on every
        # page: the pages under test are the same, and the suite runs several times faster.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    }


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {type(exc).__name__}: {exc}"
        self.messages.append(text)


class LiveServer:
    """The app on a real socket, in a background thread (threading Socket.IO works with it)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._log = _ErrorLog()
        app.logger.addHandler(self._log)
        self._server = make_server("127.0.0.1", 0, app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="live-server", daemon=True)
        self.job_worker: Worker | None = None

    @property
    def errors(self) -> list[str]:
        """What the server logged as unexpected errors (e.g. a missing template)."""
        return list(self._log.messages)

    def start(self) -> None:
        self._thread.start()
        if self.app.config.get("JOBS_IN_PROCESS"):
            self.job_worker = start_in_process(self.app)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        if self.job_worker is not None:
            self.job_worker.stop()
            self.job_worker.join(timeout=10)
        self._server.server_close()
        with self.app.app_context():
            db.engine.dispose()

    @contextmanager
    def database(self) -> Iterator[Any]:
        """The live app's database session, for reading what the browser did."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()


def _copy_sqlite(source: Path, target: Path) -> None:
    # The backup API copies a WAL-mode database consistently, whatever is still in its log.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory, files_root: str) -> Path:
    """A SQLite file with the tables and the demo data, made once per worker and copied."""
    path = tmp_path_factory.mktemp("demo-db") / "template.sqlite3"
    app = create_app(live_settings(path, files_root))
    with app.app_context():
        db.create_all()
        seed_demo(DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def live_server_settings() -> dict[str, Any]:
    """Settings a test module adds to the live server's (override this fixture)."""
    return {}


@pytest.fixture
def live_server(demo_database: Path, tmp_path: Path, files_root: str,
                live_server_settings: dict[str, Any]) -> Iterator[LiveServer]:
    database = tmp_path / "workspace.sqlite3"
    _copy_sqlite(demo_database, database)
    server = LiveServer(create_app({**live_settings(database, files_root),
                                    **live_server_settings}))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}. Run `make browser` (Debian's "
                    "chromium package); the browser tests never skip.", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Browser, live_server: LiveServer,
              request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """open_page(width=1280, **context_options): a page in a new context (its own cookies)."""
    contexts = []
    pages: list[Page] = request.node.__dict__.setdefault("_browser_pages", [])

    def open_page(*, width: int = 1280, height: int = 900, **options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch(page, live_server)  # type: ignore[attr-defined]
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")[:150]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = [page for page in item.__dict__.get("_browser_pages", []) if not page.is_closed()]
    if not pages:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    name = _artifact_name(item.nodeid)
    for stale in ARTIFACTS.glob(f"{name}-*"):  # from an earlier failure of the same test
        stale.unlink()
    saved = []
    for number, page in enumerate(pages, start=1):
        stem = ARTIFACTS / f"{name}-{number}"
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - a screenshot must never hide the real failure
            saved.append(f"(no screenshot of {page.url}: {exc})")
        else:
            saved.append(f"{stem}.png  ({page.url})")
    report.sections.append(("browser screenshots", "\n".join(saved)))
