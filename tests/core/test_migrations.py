"""Migrations are the only way the schema is made outside tests: they must match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from workspace.extensions import db


@pytest.fixture
def empty_database(app):
    db.drop_all()
    yield
    db.session.remove()


def test_migrations_upgrade_from_empty_and_match_the_models(app, empty_database):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_a_table_rebuilt_by_a_migration_keeps_the_rows_that_point_at_it(app, database_at):
    """SQLite rebuilds a table to change it (copy, drop, rename): with rows elsewhere pointing
    at it, and foreign keys enforced, that must still work, and leave every pointer intact."""
    from flask_migrate import upgrade  # noqa: PLC0415
    from sqlalchemy import text  # noqa: PLC0415

    from tests import factories  # noqa: PLC0415
    from workspace.database import utcnow  # noqa: PLC0415

    database_at("e14a7c0f0002")  # before live_sessions gained its summary columns
    network = factories.make_network()
    community = factories.make_community(network, participants=["AZ"], slug="p2p")
    person = factories.make_user(network.seas["AZ"], "az@example.org")
    now = utcnow()
    db.session.execute(text(
        "INSERT INTO live_sessions (community_id, title, agenda, agenda_html, prework, "
        "prework_html, objectives, materials, starts_at, ends_at, time_zone, call_url, "
        "status, cancel_reason, uid, sequence, is_detached, author_id, created_at) VALUES "
        "(:c, 'S', '', '', '', '', '[]', '[]', :t, :t, 'UTC', '', 'scheduled', '', 'u', 0, "
        "false, :a, :t)"), {"c": community.id, "t": now, "a": person.id})
    db.session.execute(text(
        "INSERT INTO session_rsvps (session_id, user_id, answer, answered_at) "
        "SELECT id, :a, 'going', :t FROM live_sessions"), {"a": person.id, "t": now})
    db.session.commit()
    db.session.remove()
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM session_rsvps r JOIN "
                                       "live_sessions s ON s.id = r.session_id")).scalar() == 1
