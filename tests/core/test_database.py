"""SQLite tuned for a threaded server: concurrent writers wait their turn, never 'locked'."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from tests.conftest import TEST_SETTINGS
from workspace import create_app
from workspace.database import utcnow
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind


@pytest.fixture
def file_app(tmp_path):
    app = create_app({**TEST_SETTINGS,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"})
    with app.app_context():
        db.create_all()
    return app


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(file_app):
    with file_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_read_then_write_requests_do_not_fail_with_database_locked(file_app):
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def request_that_reads_then_writes(number: int) -> None:
        try:
            with file_app.test_request_context("/", method="POST"):
                start.wait()
                count = db.session.scalar(select(func.count()).select_from(Organization))
                time.sleep(0.02)  # another writer commits meanwhile
                db.session.add(Organization(kind=OrganizationKind.PARTNER,
                                            name=f"Partner {number} after {count}",
                                            short_name=f"P{number}"))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=request_that_reads_then_writes, args=(n,))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with file_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 8


def test_times_are_aware_utc_and_naive_ones_are_refused(app):
    organization = Organization(kind=OrganizationKind.PARTNER, name="A", short_name="A")
    db.session.add(organization)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).created_at.tzinfo is not None
    organization.archived_at = datetime(2020, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive"):
        db.session.commit()
    db.session.rollback()
    organization.archived_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    assert utcnow().tzinfo is UTC
