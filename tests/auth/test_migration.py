"""The handles migration gives every existing account a unique handle made from its name, and
leaves what people wrote as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from workspace.extensions import db

BEFORE, AFTER = "b11a0d5f1e02", "c12d1a7e0b01"
NOW = "2026-01-05 10:00:00.000000"
PEOPLE = [  # id, name, email
    (1, "Jordan Ellis", "ga.member@example.org"),
    (2, "Jordan Ellis", "jordan.ellis@other.example.org"),
    (3, "JORDAN  ELLIS", "je@example.org"),
    (4, "José Núñez", "jnunez@example.org"),
    (5, "李", "wei.li@example.org"),
    (6, "Jordan Ellis2", "x@example.org"),
    (7, "A" * 40, "long@example.org"),
    (8, "a" * 40, "long2@example.org"),
]


@pytest.fixture
def before_handles(database_at):
    database_at(BEFORE)


def test_existing_people_get_unique_handles_from_their_names_and_posts_keep_their_html(
        before_handles):
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO organizations (id, kind, name, short_name, created_at) "
            "VALUES (1, 'sea', 'Georgia Department of Education', 'GA', :now)"), {"now": NOW})
        for user_id, name, email in PEOPLE:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, name, title, phone, organization_id, time_zone, "
                "is_network_staff, is_deactivated, session_version, created_at) VALUES (:id, "
                ":email, :name, '', '', 1, 'UTC', false, false, 1, :now)"),
                {"id": user_id, "email": email, "name": name, "now": NOW})
        connection.execute(sa.text(
            "INSERT INTO communities (id, slug, title, kind, status, timeframe, summary, "
            "description, description_html, objectives, intended_outcomes, session_topics, "
            "topics, subject_matter_experts, recruiting_note, is_public, created_at) VALUES "
            "(7, 'data-cop', 'Data CoP', 'cop', 'in_progress', '', '', '', '', '[]', '[]', "
            "'[]', '[]', '[]', '', true, :now)"), {"now": NOW})
        connection.execute(sa.text(
            "INSERT INTO forum_categories (id, community_id, name, description, position, "
            "is_archived, created_at) VALUES (1, 7, 'General', '', 0, false, :now)"), {"now": NOW})
        connection.execute(sa.text(
            "INSERT INTO forum_topics (id, community_id, category_id, author_id, title, "
            "is_pinned, is_locked, is_hidden, reply_count, created_at, last_posted_at) VALUES "
            "(1, 7, 1, 2, 'Monitoring', false, false, false, 0, :now, :now)"), {"now": NOW})
        connection.execute(sa.text(
            "INSERT INTO forum_posts (id, topic_id, author_id, is_opening, body, body_html, "
            "hidden_reason, created_at) VALUES "
            "(1, 1, 2, true, '@ga.member?', :html, '', :now)"),
            {"now": NOW, "html": '<p><span class="workspace-mention">@ga.member</span>?</p>'})
    posts = sa.text("SELECT body, body_html FROM forum_posts")
    with db.engine.connect() as connection:
        written = connection.execute(posts).all()

    upgrade(revision=AFTER)
    with db.engine.connect() as connection:
        handles = dict(connection.execute(sa.text("SELECT id, handle FROM users")).all())
        assert connection.execute(posts).all() == written
    assert handles == {1: "jordan.ellis", 2: "jordan.ellis2", 3: "jordan.ellis3",
                       4: "jose.nunez", 5: "wei.li", 6: "jordan.ellis22",
                       7: "a" * 30, 8: "a" * 29 + "2"}
    assert len(set(handles.values())) == len(handles)
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET handle = 'jordan.ellis' WHERE id = 4"))

    downgrade(revision=BEFORE)
    columns = {column["name"] for column in sa.inspect(db.engine).get_columns("users")}
    assert "handle" not in columns and "email" in columns
