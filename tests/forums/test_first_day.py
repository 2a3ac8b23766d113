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
