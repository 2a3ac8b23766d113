"""What a newcomer to a forum expects on day one."""

from __future__ import annotations

from tests.forums.conftest import url


def test_start_a_topic_is_on_the_forums_home_for_contributors(client_as, member, observer,
                                                              community, general):
    html = client_as(member).get(url(community, "/")).get_data(as_text=True)
    link = url(community, f"/categories/{general.id}/topics/new")
    assert f'href="{link}">Start a topic</a>' in html
    assert client_as(member).get(link).status_code == 200
    # Observers read along: no button that would lead to a refusal.
    assert "Start a topic" not in client_as(observer).get(url(community, "/")).get_data(
        as_text=True)


def test_reactions_show_shipped_icons_and_labels_not_emoji(client_as, other_member, topic,
                                                           community):
    html = client_as(other_member).get(url(community, f"/topics/{topic.id}")).get_data(
        as_text=True)
    assert "sprite.svg#thumb_up_alt" in html and "> Thanks" in html
    assert not any(emoji in html for emoji in ("👍", "💡", "❓", "✅"))


def test_posts_and_the_member_list_show_each_persons_role(client_as, member, sme, facilitator,
                                                          topic,
                                                          community, queries):
    from workspace.forums import service as forums

    forums.reply(sme, topic, body="In our research, quarterly reviews work best.")
    client = client_as(member)
    html = client.get(url(community, f"/topics/{topic.id}")).get_data(as_text=True)
    expert = html[html.index(f">{sme.name}</h2>"):]
    assert expert.index("Subject matter expert</span>") < expert.index("quarterly reviews")
    opening = html[html.index(f">{member.name}</h2>"):html.index(f">{sme.name}</h2>")]
    assert "workspace-role" not in opening  # members need no badge
    directory = client.get(f"/communities/{community.slug}/members").get_data(as_text=True)
    assert "workspace-role--sme" in directory and "workspace-role--facilitator" in directory
