"""@mentions: whom one may name in a community, suggestions, and who is told."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from workspace import writing
from workspace.extensions import db
from workspace.notifications.models import Notification
from workspace.notifications.service import Subject


def notes_for(user) -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Notification.message, Notification.link).where(
            Notification.user_id == user.id).order_by(Notification.id))]


def test_people_to_mention_match_a_prefix_and_exclude_outsiders(community, member, other_member,
                                                               outsider, facilitator):
    handles = [m.handle for m in writing.mention_candidates(member, community, "ga")]
    assert handles == ["ga.member"]
    everyone = [m.handle for m in writing.mention_candidates(member, community, "")]
    assert "tx.member" not in everyone and "az.member" not in everyone
    assert "facilitator" in [m.handle for m in writing.mention_candidates(member, community,
                                                                          "Fac")]


def test_a_shared_handle_is_told_apart_by_the_whole_address(community, member, network):
    twin = factories.make_user(network.seas["GA"], "ga.member@other.example.org")
    georgian = factories.make_user(network.seas["GA"], "ga.member@example.org")
    factories.add_to(community, twin, "member")
    factories.add_to(community, georgian, "member")
    handles = sorted(m.handle for m in writing.mention_candidates(member, community, "ga"))
    assert handles == ["ga.member@example.org", "ga.member@other.example.org"]


def test_the_people_mentioned_are_told_with_the_features_link_and_title(
        community, member, other_member, facilitator, outsider):
    told = writing.tell_mentioned(member, community, "@ga.member, @tx.member and me @az.member",
                                  link="/somewhere/7", title="The spring agenda",
                                  subject=Subject("agenda", 7))
    db.session.commit()
    assert told == [other_member.id]
    assert notes_for(other_member) == [("Az Member mentioned you in “The spring agenda”.",
                                        "/somewhere/7")]
    assert notes_for(outsider) == [] and notes_for(member) == []


def test_after_an_edit_only_the_newly_mentioned_are_told(community, member, other_member,
                                                          facilitator):
    told = writing.tell_mentioned(member, community, "Asking @ga.member and @facilitator",
                                  link="/x", title="T", subject=Subject("agenda", 1),
                                  before="Asking @GA.Member.")
    assert told == [facilitator.id]
    assert writing.tell_mentioned(member, community, "no one", link="/x", title="T",
                                  subject=Subject("agenda", 1)) == []
