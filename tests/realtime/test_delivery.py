"""publish() sends what a unit of work announces only once it commits, and never if it fails."""

from __future__ import annotations

from sqlalchemy import select

from workspace import realtime
from workspace.auth.models import User
from workspace.extensions import db

LIVE = "/live"


def heard(client) -> list[dict]:
    return [event["args"][0] for event in client.get_received(LIVE) if event["name"] == "news"]


def test_a_publish_in_a_rolled_back_unit_of_work_reaches_no_one(connect_as, member):
    page = connect_as(member)
    member.title = "Changed, then taken back"
    db.session.flush()
    realtime.publish("news", {"n": 1}, to=realtime.user_room(member.id))
    db.session.rollback()
    assert heard(page) == []
    db.session.commit()  # the next unit of work does not carry it either
    assert heard(page) == []
    assert db.session.get(User, member.id).title != "Changed, then taken back"


def test_a_publish_in_a_committed_unit_of_work_arrives_after_the_commit(connect_as, member):
    page = connect_as(member)
    member.title = "Data lead"
    realtime.publish("news", {"n": 1}, to=realtime.user_room(member.id))
    db.session.flush()
    realtime.publish("news", {"n": 2}, to=realtime.user_room(member.id))
    assert heard(page) == []  # written, but not committed yet
    db.session.commit()
    assert heard(page) == [{"n": 1}, {"n": 2}]


def test_a_rolled_back_savepoint_drops_only_what_it_published(connect_as, member):
    page = connect_as(member)
    db.session.scalar(select(User.id))  # the unit of work begins
    realtime.publish("news", {"n": "before"}, to=realtime.user_room(member.id))
    savepoint = db.session.begin_nested()
    realtime.publish("news", {"n": "inside"}, to=realtime.user_room(member.id))
    savepoint.rollback()
    kept = db.session.begin_nested()
    realtime.publish("news", {"n": "released"}, to=realtime.user_room(member.id))
    kept.commit()
    assert heard(page) == []  # releasing a savepoint is not the commit
    db.session.commit()
    assert heard(page) == [{"n": "before"}, {"n": "released"}]


def test_a_unit_of_work_closed_without_a_commit_drops_what_it_published(connect_as, member):
    page = connect_as(member)
    db.session.scalar(select(User.id))
    realtime.publish("news", {"n": 1}, to=realtime.user_room(member.id))
    db.session.close()  # e.g. the request ended after an error
    db.session.commit()
    assert heard(page) == []


def test_with_no_unit_of_work_open_a_publish_goes_at_once(connect_as, member):
    page, room = connect_as(member), realtime.user_room(member.id)
    db.session.commit()
    realtime.publish("news", {"n": 1}, to=room)
    assert heard(page) == [{"n": 1}]
