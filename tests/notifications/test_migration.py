"""The migration that gave notifications a kind, community and subject infers them for old rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from workspace.extensions import db

REVISION = "b11a0d5f1e03"
NOW = "2026-01-05 10:00:00.000000"


@pytest.fixture
def before_revision(database_at):
    """An empty database migrated to just before notifications knew what they were about."""
    versions = Path(__file__).resolve().parents[2] / "workspace" / "migrations"
    database_at(ScriptDirectory(str(versions)).get_revision(REVISION).down_revision)


def test_old_notices_get_the_kind_community_and_subject_their_words_and_links_show(
        before_revision):
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organizations (id, kind, name, short_name, created_at) "
            "VALUES (1, 'sea', 'Arizona Department of Education', 'ADE', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO users (id, email, name, title, phone, organization_id, time_zone, "
            "is_network_staff, is_deactivated, session_version, created_at) VALUES (1, "
            "'az@example.org', 'Az Member', '', '', 1, 'UTC', false, false, 1, :now)"),
            {"now": NOW})
        connection.execute(text(
            "INSERT INTO communities (id, slug, title, kind, status, timeframe, summary, "
            "description, description_html, objectives, intended_outcomes, session_topics, "
            "topics, subject_matter_experts, recruiting_note, is_public, created_at) VALUES "
            "(7, 'data-cop', 'Data CoP', 'cop', 'in_progress', '', '', '', '', '[]', '[]', "
            "'[]', '[]', '[]', '', true, :now)"), {"now": NOW})
        old = [
            ("Ga Member mentioned you in “Monitoring”.", "/communities/data-cop/forums/posts/42"),
            ("Ga Member replied to “Monitoring”.", "/communities/data-cop/forums/posts/43"),
            ("Ga Member started “Budgets” in General.", "/communities/data-cop/forums/posts/44"),
            ("A facilitator hid your post in “Monitoring”: names a student",
             "/communities/data-cop/forums/posts/45"),
            ("Ga Member flagged a post in “Monitoring”.", "/communities/data-cop/forums/flags"),
            ("Fran Facilitator added you to Data CoP as member.", "/communities/data-cop"),
            ("Arizona Department of Education was put on the waiting list for Data CoP.",
             "/communities/data-cop"),
            ("Welcome.", "/"),
        ]
        for number, (message, link) in enumerate(old, start=1):
            connection.execute(text(
                "INSERT INTO notifications (id, user_id, message, link, created_at) "
                "VALUES (:id, 1, :message, :link, :now)"),
                {"id": number, "message": message, "link": link, "now": NOW})

    upgrade(revision=REVISION)

    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT kind, actor_id, community_id, subject_type, subject_id FROM notifications "
            "ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        ("mention", None, 7, "forum_post", 42),
        ("reply", None, 7, "forum_post", 43),
        ("topic_started", None, 7, "forum_post", 44),
        ("post_hidden", None, 7, "forum_post", 45),
        ("flag_raised", None, 7, None, None),
        ("added_to_community", None, 7, "community", 7),
        ("interest_decided", None, 7, None, None),
        ("general", None, None, None, None),
    ]
