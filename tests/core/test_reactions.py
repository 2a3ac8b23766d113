"""One set of reaction kinds and one way to count them, for every feature that has reactions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.forums.conftest import start_forum
from workspace.extensions import db
from workspace.forums import pages
from workspace.forums import service as forums
from workspace.forums.models import Reaction
from workspace.forums.models import ReactionKind as ForumReactionKind
from workspace.reactions import ReactionKind, ReactionSummary, summaries, toggle


def test_each_kind_has_a_label_and_an_icon_that_ships_with_the_app():
    sprite = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "uswds" / "img"
              / "sprite.svg").read_text(encoding="utf-8")
    assert [(kind.value, kind.label) for kind in ReactionKind] == [
        ("thanks", "Thanks"), ("insightful", "Insightful"), ("question", "Question"),
        ("agree", "Agree")]
    for kind in ReactionKind:
        assert f'id="{kind.icon}"' in sprite  # no emoji: locked-down builds lack the font
    assert ForumReactionKind is ReactionKind  # the forum has no set of its own


def test_counts_and_mine_for_many_subjects_in_one_query(queries, community, member,
                                                        other_member, sme, observer):
    topic = forums.start_topic(member, start_forum(community)[0], title="T", body="First")
    posts = [pages.post_in(member, community, topic.last_post_id)]
    posts += [forums.reply(member, topic, body=f"Reply {n}") for n in range(3)]
    for person, post, kind in ((other_member, posts[0], ReactionKind.THANKS),
                               (sme, posts[0], ReactionKind.THANKS),
                               (sme, posts[0], ReactionKind.AGREE),
                               (other_member, posts[2], ReactionKind.QUESTION)):
        toggle(Reaction.post_id, post.id, person, kind)
    ids = [post.id for post in posts]
    assert other_member.id  # loaded again after the last commit, outside the count
    with queries() as counted:
        found = summaries(Reaction.post_id, other_member, ids)
    assert counted.count == 1
    assert list(found) == ids
    assert found[ids[0]] == [ReactionSummary(ReactionKind.THANKS, 2, True),
                             ReactionSummary(ReactionKind.INSIGHTFUL, 0, False),
                             ReactionSummary(ReactionKind.QUESTION, 0, False),
                             ReactionSummary(ReactionKind.AGREE, 1, False)]
    assert [s.count for s in found[ids[1]]] == [0, 0, 0, 0]
    assert [(s.kind, s.mine) for s in found[ids[2]] if s.count] == [(ReactionKind.QUESTION,
                                                                    True)]
    assert not any(s.mine for s in summaries(Reaction.post_id, observer, ids)[ids[0]])
    with queries() as counted:
        assert summaries(Reaction.post_id, other_member, []) == {}
    assert counted.count == 0


def test_toggling_adds_then_takes_back(community, member, other_member):
    topic = forums.start_topic(member, start_forum(community)[0], title="T", body="First")
    post_id = topic.last_post_id
    assert toggle(Reaction.post_id, post_id, other_member, ReactionKind.INSIGHTFUL) is True
    assert toggle(Reaction.post_id, post_id, other_member, ReactionKind.AGREE) is True
    assert toggle(Reaction.post_id, post_id, other_member, ReactionKind.INSIGHTFUL) is False
    assert list(db.session.scalars(select(Reaction.kind))) == [ReactionKind.AGREE]
    assert db.session.scalar(select(func.count(Reaction.id))) == 1
