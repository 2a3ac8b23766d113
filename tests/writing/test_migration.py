"""The drafts migration keeps everyone's unfinished forum text: forum_drafts rows become drafts
of the forum's kinds, and the downgrade puts them back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import factories
from workspace.database import UTCDateTime
from workspace.extensions import db

BEFORE = "b11a0d5f1e03"
WRITTEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

forum_drafts = sa.table(
    "forum_drafts", sa.column("user_id", sa.Integer), sa.column("community_id", sa.Integer),
    sa.column("key", sa.String), sa.column("title", sa.String), sa.column("body", sa.Text),
    sa.column("updated_at", UTCDateTime()))
drafts = sa.table(
    "drafts", sa.column("user_id", sa.Integer), sa.column("community_id", sa.Integer),
    sa.column("kind", sa.String), sa.column("target_id", sa.Integer),
    sa.column("title", sa.String), sa.column("body", sa.Text),
    sa.column("updated_at", UTCDateTime()))


@pytest.fixture
def migrated_database(database_at):
    database_at("base")


def rows(table, *columns) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(*(table.c[name] for name in columns)).order_by(*columns))]


def test_forum_drafts_become_drafts_of_the_forums_kinds_and_back(migrated_database):
    upgrade(revision=BEFORE)
    with factories.later_user_columns():
        network = factories.make_network()
        community = factories.make_community(network, participants=["AZ"], slug="p2p")
        writer = factories.make_user(network.seas["AZ"], "az.member@example.org")
        db.session.commit()
        ids = writer_id, community_id = writer.id, community.id
        db.session.remove()  # the test's session lets go of the one in-memory connection
    with db.engine.begin() as connection:
        connection.execute(forum_drafts.insert(), [
            {"user_id": writer_id, "community_id": community_id, "key": f"topic:{community_id}",
             "title": "Half a title", "body": "Half a topic", "updated_at": WRITTEN},
            {"user_id": writer_id, "community_id": community_id, "key": "reply:42",
             "title": "", "body": "Half a reply", "updated_at": WRITTEN},
            {"user_id": writer_id, "community_id": community_id, "key": "nonsense",
             "title": "", "body": "Never shown", "updated_at": WRITTEN}])

    upgrade()
    assert "forum_drafts" not in sa.inspect(db.engine).get_table_names()
    assert rows(drafts, "user_id", "community_id", "kind", "target_id", "title", "body",
                "updated_at") == [
        (*ids, "forum_reply", 42, "", "Half a reply", WRITTEN),
        (*ids, "forum_topic", community_id, "Half a title", "Half a topic", WRITTEN)]

    with db.engine.begin() as connection:  # another feature's draft has no place downgraded
        connection.execute(drafts.insert(), {
            "user_id": writer_id, "community_id": community_id, "kind": "blog_post",
            "target_id": 1, "title": "", "body": "A blog post", "updated_at": WRITTEN})
    downgrade(revision=BEFORE)
    assert "drafts" not in sa.inspect(db.engine).get_table_names()
    assert rows(forum_drafts, "user_id", "community_id", "key", "title", "body",
                "updated_at") == [
        (*ids, "reply:42", "", "Half a reply", WRITTEN),
        (*ids, f"topic:{community_id}", "Half a title", "Half a topic", WRITTEN)]
