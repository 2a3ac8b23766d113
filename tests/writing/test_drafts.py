"""Drafts by registered kind: what the registry accepts, and what a draft keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workspace import errors, writing
from workspace.extensions import db
from workspace.policy import forums as forum_policy
from workspace.writing import Draft


def count_drafts() -> int:
    return db.session.scalar(select(func.count()).select_from(Draft)) or 0


def test_each_app_knows_the_forums_kinds(app):
    assert {"forum_topic", "forum_reply"} <= set(app.extensions["writing.draft_kinds"])


def test_a_kind_is_registered_once_by_one_feature(app):
    first = writing.register_draft_kind(app, "test_note", target=writing.community_itself)
    again = writing.register_draft_kind(app, "test_note", target=writing.community_itself)
    assert first == again  # a feature's setup may run twice
    with pytest.raises(ValueError, match="already registered"):
        writing.register_draft_kind(app, "test_note", target=writing.community_itself,
                                    may_write=forum_policy.may_reply)
    with pytest.raises(ValueError, match="snake_case"):
        writing.register_draft_kind(app, "Test note:1", target=writing.community_itself)


def test_a_draft_is_kept_per_person_kind_and_target(member, other_member, community):
    writing.save_draft(member, community, kind="forum_topic", target_id=community.id,
                       title="Mine", body="Half")
    writing.save_draft(other_member, community, kind="forum_topic", target_id=community.id,
                       body="Theirs")
    again = writing.save_draft(member, community, kind="forum_topic", target_id=community.id,
                               title="Mine", body="Half and more\r\nlines")
    assert count_drafts() == 2
    assert again is not None and again.body == "Half and more\nlines"
    mine = writing.draft_for(member, "forum_topic", community.id)
    assert (mine.title, mine.body, mine.community_id) == ("Mine", "Half and more\nlines",
                                                          community.id)


def test_an_emptied_draft_is_thrown_away(community, member):
    writing.save_draft(member, community, kind="forum_topic", target_id=community.id,
                       title="T", body="B")
    assert writing.save_draft(member, community, kind="forum_topic", target_id=community.id,
                              title="", body="  ") is None
    assert count_drafts() == 0


def test_drafts_need_a_known_kind_a_target_and_a_sensible_length(community, member):
    for kind, target in (("diary", community.id), ("forum_topic", None), ("forum_topic", -3)):
        with pytest.raises(errors.Invalid, match="something unknown"):
            writing.save_draft(member, community, kind=kind, target_id=target, body="x")
    with pytest.raises(errors.Invalid, match="30,000"):
        writing.save_draft(member, community, kind="forum_topic", target_id=community.id,
                           body="x" * 30_001)
    long_title = writing.save_draft(member, community, kind="forum_topic",
                                    target_id=community.id, title="t" * 300, body="x")
    assert len(long_title.title) == 200
    assert count_drafts() == 1


def test_only_people_who_may_write_in_the_community_keep_drafts(community, observer, outsider):
    with pytest.raises(errors.Forbidden):
        writing.save_draft(observer, community, kind="forum_topic", target_id=community.id,
                           body="x")
    with pytest.raises(errors.NotFound):
        writing.save_draft(outsider, community, kind="forum_topic", target_id=community.id,
                           body="x")
    assert count_drafts() == 0


def test_a_visitor_has_no_drafts(app, community):
    from flask_login import AnonymousUserMixin

    assert writing.draft_for(AnonymousUserMixin(), "forum_topic", community.id) is None


def test_discarding_is_part_of_the_callers_unit_of_work(community, member):
    writing.save_draft(member, community, kind="forum_topic", target_id=community.id, body="B")
    writing.discard_draft(member, "forum_topic", community.id)
    db.session.rollback()  # the post that would have used it failed: the draft stays
    assert count_drafts() == 1
    writing.discard_draft(member, "forum_topic", community.id)
    db.session.commit()
    assert count_drafts() == 0
