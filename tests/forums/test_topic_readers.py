"""Who may see a topic, as SQL (for telling watchers in one query) and in Python, agree."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from workspace import policy
from workspace.communities import service as communities
from workspace.extensions import db
from workspace.forums import moderation
from workspace.forums import service as forums
from workspace.forums.models import Post


def test_the_sql_readers_of_a_topic_are_those_the_policy_lets_see_it(
        network, community, topic, general, member, other_member, observer, sme, facilitator,
        staff, outsider):
    withdrawn = factories.make_user(network.seas["GA"], "ga.second@example.org")
    factories.add_to(community, withdrawn, "member")
    db.session.commit()
    communities.withdraw_organization(staff, community, other_member.organization)
    people = [member, other_member, observer, sme, facilitator, staff, outsider, withdrawn]
    hidden = forums.start_topic(member, general, title="Hidden", body="Soon hidden")
    moderation.hide_post(facilitator, db.session.scalar(
        select(Post).where(Post.topic_id == hidden.id)), reason="Duplicate")
    deleted = forums.start_topic(member, general, title="Deleted", body="Soon gone")
    forums.delete_post(member, db.session.scalar(select(Post).where(Post.topic_id == deleted.id)))
    for each in (topic, hidden, deleted):
        db.session.refresh(each)
        policy.forget_standings()
        in_sql = set(db.session.scalars(policy.topic_reader_ids(each)))
        for person in people:
            assert (person.id in in_sql) == policy.may_see_topic(person, each), (
                each.title, person.email)
