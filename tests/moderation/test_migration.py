"""The forum's flags and log move into the community's tables, and back on a downgrade."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import factories
from workspace.database import UTCDateTime, utcnow
from workspace.extensions import db
from workspace.forums import service as forums

BEFORE, AFTER = "b11a0d5f1e01", "b11a0d5f1e02"

old_flags = sa.table(
    "forum_flags", sa.column("id", sa.Integer()), sa.column("post_id", sa.Integer()),
    sa.column("reporter_id", sa.Integer()), sa.column("reason", sa.String()),
    sa.column("created_at", UTCDateTime()), sa.column("resolved_at", UTCDateTime()),
    sa.column("resolved_by_id", sa.Integer()), sa.column("resolution", sa.String()))
old_events = sa.table(
    "forum_moderation_events", sa.column("id", sa.Integer()),
    sa.column("community_id", sa.Integer()), sa.column("actor_id", sa.Integer()),
    sa.column("action", sa.String()), sa.column("topic_id", sa.Integer()),
    sa.column("post_id", sa.Integer()), sa.column("detail", sa.String()),
    sa.column("created_at", UTCDateTime()))


@pytest.fixture
def migrated_database(database_at):
    database_at(BEFORE)


def rows(table: str) -> list[dict]:
    with db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            sa.text(f"SELECT * FROM {table} ORDER BY id"))]


def test_flags_and_events_move_with_their_subjects_and_come_back(migrated_database,
                                                                 monkeypatch):
    # Posting tells watchers, in columns and a job queue later revisions add; this test is
    # about flags and the log, so the posts go in untold.
    monkeypatch.setattr(forums, "_tell_readers", lambda *args, **kwargs: None)
    with factories.later_user_columns():
        network = factories.make_network()
        community = factories.make_community(network, participants=["AZ", "GA"], slug="sdi-p2p")
        author = factories.make_user(network.seas["AZ"], "az.member@example.org", name="Ana Ruiz")
        reporter = factories.make_user(network.seas["GA"], "ga.member@example.org")
        facilitator = factories.make_user(network.partner, "facilitator@example.org")
        for person, role in ((author, "member"), (reporter, "member"),
                             (facilitator, "facilitator")):
            factories.add_to(community, person, role)
        general = forums.add_default_categories(community)[0]
        db.session.commit()
        topic = forums.start_topic(author, general, title="Monitoring", body="We *review* monthly.")
        reply = forums.reply(reporter, topic, body="So do we.")
        # A flag in a second community: each flag's community comes from its own post.
        elsewhere = factories.make_community(network, participants=["AZ"], slug="other-p2p")
        factories.add_to(elsewhere, author, "member")
        there = forums.add_default_categories(elsewhere)[0]
        db.session.commit()
        far = forums.start_topic(author, there, title="Budgets", body="Ours is tight.")
        far_post_id, elsewhere_id = far.last_post_id, elsewhere.id
        reply_id, topic_id = reply.id, topic.id
        opening_id = db.session.scalar(sa.text("SELECT MIN(id) FROM forum_posts"))
        community_id, slug = community.id, community.slug
        ids = {"author": author.id, "reporter": reporter.id, "facilitator": facilitator.id}
        now = utcnow()
        db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(old_flags.insert(), [
            {"id": 7, "post_id": opening_id, "reporter_id": ids["reporter"],
             "reason": "Off topic", "created_at": now, "resolved_at": None,
             "resolved_by_id": None, "resolution": ""},
            {"id": 9, "post_id": reply_id, "reporter_id": ids["author"], "reason": "Rude",
             "created_at": now, "resolved_at": now + timedelta(hours=1),
             "resolved_by_id": ids["facilitator"], "resolution": "No action needed"},
            {"id": 10, "post_id": far_post_id, "reporter_id": ids["reporter"],
             "reason": "Spam", "created_at": now, "resolved_at": None,
             "resolved_by_id": None, "resolution": ""}])
        connection.execute(old_events.insert(), [
            {"id": 3, "community_id": community_id, "actor_id": ids["facilitator"],
             "action": "pinned", "topic_id": topic_id, "post_id": None, "detail": "",
             "created_at": now},
            {"id": 4, "community_id": community_id, "actor_id": ids["facilitator"],
             "action": "flag_dismissed", "topic_id": topic_id, "post_id": reply_id,
             "detail": "Rude", "created_at": now},
            {"id": 5, "community_id": community_id, "actor_id": ids["facilitator"],
             "action": "category_added", "topic_id": None, "post_id": None,
             "detail": "Action plans", "created_at": now}])
    old = {"forum_flags": rows("forum_flags"),
           "forum_moderation_events": rows("forum_moderation_events")}

    upgrade(revision=AFTER)
    inspector = sa.inspect(db.engine)
    assert not {"forum_flags", "forum_moderation_events"} & set(inspector.get_table_names())
    flags = rows("flags")
    assert [(f["id"], f["community_id"], f["subject_kind"], f["subject_id"], f["reason"],
             f["resolution"]) for f in flags] == [
        (7, community_id, "forum_post", opening_id, "Off topic", ""),
        (9, community_id, "forum_post", reply_id, "Rude", "No action needed"),
        (10, elsewhere_id, "forum_post", far_post_id, "Spam", "")]
    assert (flags[0]["summary"], flags[0]["excerpt"], flags[0]["link"]) == (
        "Ana Ruiz's post in “Monitoring”", "We review monthly.",
        f"/communities/{slug}/forums/posts/{opening_id}")
    assert flags[1]["resolved_by_id"] == ids["facilitator"]
    events = rows("moderation_events")
    assert [(e["id"], e["action"], e["subject_kind"], e["subject_id"], e["summary"], e["link"],
             e["detail"]) for e in events] == [
        (3, "pinned", "forum_topic", topic_id, "Monitoring",
         f"/communities/{slug}/forums/topics/{topic_id}", ""),
        (4, "flag_dismissed", "forum_post", reply_id, "Ga Member's post in “Monitoring”",
         f"/communities/{slug}/forums/posts/{reply_id}", "Rude"),
        (5, "category_added", None, None, "", "", "Action plans")]

    # The app's own writes continue after the copied ids.
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO flags (community_id, subject_kind, subject_id, summary, excerpt, link, "
            "reporter_id, reason, created_at, resolution) VALUES (:c, 'test_note', 1, 'A note', "
            "'', '', :r, 'Spam', :t, '')"), {"c": community_id, "r": ids["reporter"],
                                             "t": now.isoformat()})
    assert rows("flags")[-1]["id"] == 11

    downgrade(revision=BEFORE)
    assert rows("forum_flags") == old["forum_flags"]  # the note's flag has nowhere to go
    assert rows("forum_moderation_events") == old["forum_moderation_events"]
    assert not {"flags", "moderation_events"} & set(sa.inspect(db.engine).get_table_names())
