"""The signed-in home page leads with each person's own work, whatever their role."""

from __future__ import annotations

from datetime import timedelta

from tests import factories
from tests.forums.conftest import start_forum
from workspace.communities import service as communities
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import moderation, pages, service
from workspace.forums.models import Topic


def _home(client_as, person) -> str:
    response = client_as(person).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_member_sees_their_communities_with_unread_counts_first(client_as, member,
                                                                  other_member, community):
    general = start_forum(community)[0]
    service.start_topic(other_member, general, title="Quarterly reviews", body="How often?")
    html = _home(client_as, member)
    assert f"Welcome back, {member.name}" in html
    # Their own work comes before the public sections, at every width (source order).
    assert html.index('id="mine-heading"') < html.index('id="recruiting-heading"')
    assert "1 with new posts" in html
    assert html.index('id="new-heading"') < html.index('id="recruiting-heading"')
    assert "Quarterly reviews" in html
    assert "Where state education agencies learn together" not in html  # the visitor's banner
    # Reading the topic clears it.
    topic_id = html.split("/forums/topics/")[1].split('"')[0]

    topic = db.session.get(Topic, int(topic_id))
    service.mark_read(member, topic, through_post_id=pages.newest_visible_post_id(member, topic))
    assert "with new posts" not in _home(client_as, member)


def test_a_facilitator_sees_what_waits_on_them(client_as, facilitator, member, other_member,
                                               community, recruiting_community, network):
    texan = factories.make_user(network.seas["TX"], "tx@example.org")
    communities.express_interest(texan, recruiting_community,
                                 problem_of_practice="Our plans don't use our data.")
    general = start_forum(community)[0]
    topic = service.start_topic(member, general, title="Monitoring", body="How?")
    reply = service.reply(other_member, topic, body="Monthly.")
    moderation.flag_post(member, reply, reason="Off topic")
    html = _home(client_as, facilitator)
    waiting = html[html.index('id="waiting-heading"'):html.index('id="mine-heading"')]
    assert "1 expression of interest to decide" in waiting
    assert f"/communities/{recruiting_community.slug}/interests" in waiting
    assert "1 flagged item to review" in waiting
    assert ">Facilitator</span>" in html
    # A member has nothing waiting on them.
    assert 'id="waiting-heading"' not in _home(client_as, member)


def test_network_staff_get_a_staff_view(client_as, staff, community, recruiting_community):
    html = _home(client_as, staff)
    assert "You aren't in a community yet" not in html
    assert 'id="network-heading"' in html
    assert "1</span> recruiting" in html and "1</span> in progress" in html
    assert 'href="/communities/new"' in html


def test_the_home_page_costs_the_same_for_one_community_and_many(client_as, member, network,
                                                                 other_member, queries):
    client = client_as(member)

    def cost() -> int:
        with queries() as counted:
            assert client.get("/").status_code == 200
        return counted.count

    def add_community(n: int) -> None:
        extra = factories.make_community(network, participants=["AZ", "GA"], slug=f"extra-{n}")
        factories.add_to(extra, member, "member")
        factories.add_to(extra, other_member, "member")
        general = start_forum(extra)[0]
        service.start_topic(other_member, general, title=f"Topic {n}", body="Hello")
        for day in (n + 1, n + 8):  # sessions, answered, on the home page too
            session = factories.make_session(extra, other_member, title=f"Session {n}-{day}",
                                             starts_at=utcnow() + timedelta(days=day))
            factories.answer_rsvp(session, member, "going")

    add_community(0)
    one = cost()
    for n in range(1, 6):
        add_community(n)
    assert cost() == one



def test_the_home_page_lists_the_next_sessions_in_ones_communities(client_as, member,
                                                                   community, facilitator,
                                                                   network):
    elsewhere = factories.make_community(network, participants=["OR"], slug="oregon-only")
    factories.make_session(elsewhere, facilitator, title="Not theirs",
                           starts_at=utcnow() + timedelta(days=1))
    factories.make_session(community, facilitator, title="Happening now",
                           starts_at=utcnow() - timedelta(minutes=10))
    factories.make_session(community, facilitator, title="Next week",
                           starts_at=utcnow() + timedelta(days=7))
    factories.make_session(community, facilitator, title="Last month",
                           starts_at=utcnow() - timedelta(days=30))
    html = client_as(member).get("/").get_data(as_text=True)
    assert "Your next sessions" in html
    assert html.index("Happening now") < html.index("Next week")
    assert "Open now" in html
    assert "Not theirs" not in html and "Last month" not in html
