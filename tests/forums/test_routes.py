"""The forum over HTTP: each page per role (outsider twins included), posting without JavaScript."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.forums.conftest import url
from tests.writing.checks import assert_no_inline_code
from workspace import errors
from workspace.communities import service as communities
from workspace.extensions import db
from workspace.forums import moderation, service
from workspace.forums import pages as forum_pages
from workspace.forums.models import Post, Reaction, Topic
from workspace.moderation import service as community_moderation
from workspace.policy import forums as forum_policy


def only_post(topic) -> Post:
    return db.session.scalars(select(Post).where(Post.topic_id == topic.id)
                              .order_by(Post.id)).first()


@pytest.fixture
def pages(community, topic, general, other_member, facilitator):
    """Paths of every forum page, with a reply by Georgia (flaggable by Arizona) and a flag."""
    reply = service.reply(other_member, topic, body="Georgia reviews monthly.")
    service.edit_post(other_member, reply, body="Georgia reviews monthly, with principals.")
    return {
        "index": url(community, "/"),
        "search": url(community, "/search?q=monthly"),
        "category": url(community, f"/categories/{general.id}"),
        "new_topic": url(community, f"/categories/{general.id}/topics/new"),
        "topic": url(community, f"/topics/{topic.id}"),
        "first_unread": url(community, f"/topics/{topic.id}/unread"),
        "post_link": url(community, f"/posts/{reply.id}"),
        "fragment": url(community, f"/posts/{reply.id}/fragment"),
        "flag_post": url(community, f"/posts/{reply.id}/flag"),
        "history": url(community, f"/posts/{reply.id}/history"),
        "hide_post": url(community, f"/posts/{reply.id}/hide"),
        "move_topic": url(community, f"/topics/{topic.id}/move"),
        "flags": url(community, "/flags"),
        "log": url(community, "/log"),
        "categories": url(community, "/categories"),
        "edit_category": url(community, f"/categories/{general.id}/edit"),
        "people": f"/communities/{community.slug}/writing/people?q=ga",  # the editor's
    }


READ_PAGES = {"index": 200, "search": 200, "category": 200, "topic": 200, "first_unread": 302,
              "post_link": 302, "fragment": 200, "people": 200}
EXPECTED = {
    "member": {**READ_PAGES, "new_topic": 200, "flag_post": 200, "history": 403,
               "hide_post": 403, "move_topic": 403, "flags": 403, "log": 403, "categories": 403,
               "edit_category": 403},
    "observer": {**READ_PAGES, "new_topic": 403, "flag_post": 403, "history": 403,
                 "hide_post": 403, "move_topic": 403, "flags": 403, "log": 403,
                 "categories": 403, "edit_category": 403},
    # The flag queue and the log moved to the community (tests/moderation): the forum's old
    # addresses lead there.
    "facilitator": {**READ_PAGES, "new_topic": 200, "flag_post": 200, "history": 200,
                    "hide_post": 200, "move_topic": 200, "flags": 301, "log": 301,
                    "categories": 200, "edit_category": 200},
    "staff": {**READ_PAGES, "new_topic": 200, "flag_post": 200, "history": 200,
              "hide_post": 200, "move_topic": 200, "flags": 301, "log": 301, "categories": 200,
              "edit_category": 200},
    "outsider": {name: 404 for name in [*READ_PAGES, "new_topic", "flag_post", "history",
                                        "hide_post", "move_topic", "flags", "log", "categories",
                                        "edit_category"]},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_page_answers_each_role_as_promised(request, pages, client_as, who):
    client = client_as(request.getfixturevalue(who))
    answered = {name: client.get(path).status_code for name, path in pages.items()}
    assert answered == EXPECTED[who]


def test_visitors_are_asked_to_sign_in(pages, client):
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], name


def test_a_withdrawn_states_member_gets_404_everywhere(pages, client_as, member, staff,
                                                       community):
    communities.withdraw_organization(staff, community, member.organization)
    client = client_as(member)
    assert {client.get(path).status_code for path in pages.values()} == {404}


def test_my_activity_is_per_person(client_as, topic, member, outsider):
    title = str(escape(topic.title))
    assert title in client_as(member).get("/activity/").get_data(as_text=True)
    page = client_as(outsider).get("/activity/")
    assert page.status_code == 200 and title not in page.get_data(as_text=True)


# --- Posting without JavaScript ---------------------------------------------------------------

def test_start_a_topic_with_a_plain_form(client_as, member, community, general):
    client = client_as(member)
    form = client.get(url(community, f"/categories/{general.id}/topics/new"))
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"',
                      form.get_data(as_text=True)).group(1)
    data = {"category_id": general.id, "title": "Progress monitoring tools",
            "body": "We use a *dashboard*.", "nonce": nonce}
    response = client.post(url(community, f"/categories/{general.id}/topics/new"), data=data)
    assert response.status_code == 302
    again = client.post(url(community, f"/categories/{general.id}/topics/new"), data=data)
    assert again.headers["Location"] == response.headers["Location"]  # a double click
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 1
    page = client.get(response.headers["Location"])
    assert "<em>dashboard</em>" in page.get_data(as_text=True)


def test_the_preview_button_renders_without_saving(client_as, member, community, general):
    response = client_as(member).post(
        url(community, f"/categories/{general.id}/topics/new"),
        data={"category_id": general.id, "title": "Draft title", "body": "**Bold** <script>x",
              "nonce": "preview-nonce", "preview": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in text and "<script>x" not in text
    assert 'value="Draft title"' in text and "**Bold** &lt;script&gt;x" in text
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_a_rejected_topic_keeps_what_was_typed(client_as, member, community, general):
    response = client_as(member).post(
        url(community, f"/categories/{general.id}/topics/new"),
        data={"category_id": general.id, "title": "Kept title", "body": "", "nonce": "n1234567"})
    assert response.status_code == 422
    assert 'value="Kept title"' in response.get_data(as_text=True)


def test_reply_quote_edit_and_delete_with_plain_forms(client_as, member, other_member, topic,
                                                      community):
    first = only_post(topic)
    client = client_as(other_member)
    quoting = client.get(url(community, f"/topics/{topic.id}?quote={first.id}"))
    assert "Quoting <span data-quoting-author>Az Member</span>" in quoting.get_data(as_text=True)
    response = client.post(url(community, f"/topics/{topic.id}/posts"),
                           data={"body": "Monthly, with principals.", "nonce": "reply-12345",
                                 "quoted_post_id": str(first.id)})
    assert response.status_code == 302 and "#post-" in response.headers["Location"]
    reply = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert reply.quoted_post_id == first.id
    edited = client.post(url(community, f"/posts/{reply.id}/edit"),
                         data={"body": "Monthly, with principals and coaches."})
    assert edited.status_code == 302
    page = client_as(member).get(url(community, f"/topics/{topic.id}"))
    assert "edited" in page.get_data(as_text=True)
    assert "wrote<span class=\"usa-sr-only\">" in page.get_data(as_text=True)
    assert client.post(url(community, f"/posts/{reply.id}/deletion")).status_code == 302
    db.session.refresh(reply)
    assert reply.deleted_at is not None


def test_an_empty_reply_comes_back_with_the_error(client_as, other_member, topic, community):
    response = client_as(other_member).post(url(community, f"/topics/{topic.id}/posts"),
                                            data={"body": "  ", "nonce": "empty-reply"})
    assert response.status_code == 422
    assert "Write something before posting." in response.get_data(as_text=True)


def test_a_reply_preview_keeps_the_text_on_the_topic_page(client_as, other_member, topic,
                                                          community):
    response = client_as(other_member).post(url(community, f"/topics/{topic.id}/posts"),
                                            data={"body": "_soon_", "nonce": "n-preview-1",
                                                  "preview": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<em>soon</em>" in text
    assert "\n_soon_</textarea>" in text


def test_someone_elses_post_cannot_be_edited_or_deleted(client_as, other_member, topic,
                                                        community):
    first = only_post(topic)
    client = client_as(other_member)
    assert client.get(url(community, f"/posts/{first.id}/edit")).status_code == 403
    assert client.post(url(community, f"/posts/{first.id}/deletion")).status_code == 403


def test_observers_see_no_reply_form_and_cannot_post(client_as, observer, topic, community):
    client = client_as(observer)
    page = client.get(url(community, f"/topics/{topic.id}")).get_data(as_text=True)
    assert "You can read this forum" in page and 'action="' + url(
        community, f"/topics/{topic.id}/posts") + '"' not in page
    assert client.post(url(community, f"/topics/{topic.id}/posts"),
                       data={"body": "Hi"}).status_code == 403


def test_outsider_twin_cannot_post_a_reply(client_as, outsider, topic, community):
    response = client_as(outsider).post(url(community, f"/topics/{topic.id}/posts"),
                                        data={"body": "Hi from Texas", "nonce": "tx-nonce-1"})
    assert response.status_code == 404


def test_a_locked_topic_refuses_replies_from_members(client_as, other_member, facilitator,
                                                     topic, community):
    assert client_as(facilitator).post(url(community, f"/topics/{topic.id}/moderation"),
                                       data={"action": "lock"}).status_code == 302
    client = client_as(other_member)
    page = client.get(url(community, f"/topics/{topic.id}")).get_data(as_text=True)
    assert "This topic is locked" in page
    refused = client.post(url(community, f"/topics/{topic.id}/posts"),
                          data={"body": "My long answer", "nonce": "locked-nonce"})
    assert refused.status_code == 403
    assert "My long answer</textarea>" in refused.get_data(as_text=True)  # kept to copy


def test_a_reply_quoting_a_post_hidden_meanwhile_keeps_its_text(client_as, member, other_member,
                                                                facilitator, topic, community):
    quoted = service.reply(member, topic, body="To be hidden")
    moderation.hide_post(facilitator, quoted, reason="Off topic")
    response = client_as(other_member).post(
        url(community, f"/topics/{topic.id}/posts"),
        data={"body": "Replying to that", "nonce": "quote-gone-1", "quoted_post_id": quoted.id})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "no longer available" in text
    assert "Replying to that</textarea>" in text


def test_reactions_with_and_without_javascript(client_as, other_member, topic, community):
    first = only_post(topic)
    client = client_as(other_member)
    plain = client.post(url(community, f"/posts/{first.id}/reactions"), data={"kind": "thanks"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"#post-{first.id}")
    as_json = client.post(url(community, f"/posts/{first.id}/reactions"),
                          data={"kind": "thanks"}, headers={"Accept": "application/json"})
    assert as_json.get_json() == {"ok": True, "added": False}
    assert db.session.scalar(select(func.count()).select_from(Reaction)) == 0
    bad = client.post(url(community, f"/posts/{first.id}/reactions"), data={"kind": "love"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422


def test_marking_the_answer_over_http(client_as, member, other_member, topic, community):
    reply = service.reply(other_member, topic, body="Use the rubric.")
    assert client_as(other_member).post(url(community, f"/posts/{reply.id}/answer")
                                        ).status_code == 403
    assert client_as(member).post(url(community, f"/posts/{reply.id}/answer")
                                  ).status_code == 302
    page = client_as(other_member).get(url(community, f"/topics/{topic.id}"))
    assert "Go to the answer" in page.get_data(as_text=True)


def test_watching_over_http(client_as, other_member, topic, community, general):
    client = client_as(other_member)
    assert client.post(url(community, f"/topics/{topic.id}/watch"),
                       data={"level": "muted"}).status_code == 302
    assert client.post(url(community, f"/categories/{general.id}/watch"),
                       data={"level": "watching"}).status_code == 302
    assert client.post(url(community, f"/topics/{topic.id}/watch"),
                       data={"level": "loud"}).status_code == 422
    page = client.get(url(community, f"/categories/{general.id}")).get_data(as_text=True)
    assert "Muted" in page


# --- The shared editor on forum pages ----------------------------------------------------------

def editor_url(community, path: str) -> str:
    return f"/communities/{community.slug}/writing{path}"


def test_reply_drafts_save_and_come_back_in_the_form(client_as, other_member, topic, community):
    client = client_as(other_member)
    saved = client.post(editor_url(community, "/drafts"),
                        json={"kind": "forum_reply", "target": topic.id,
                              "body": "Where I left off"},
                        headers={"Accept": "application/json"})
    assert saved.get_json()["saved"] is True
    page = client.get(url(community, f"/topics/{topic.id}")).get_data(as_text=True)
    assert "\nWhere I left off</textarea>" in page and "We restored the reply" in page
    assert 'data-draft-kind="forum_reply"' in page
    assert f'data-draft-target="{topic.id}"' in page


def test_a_topic_draft_comes_back_with_its_title(client_as, member, community, general):
    client = client_as(member)
    client.post(editor_url(community, "/drafts"),
                json={"kind": "forum_topic", "target": str(community.id), "title": "Half",
                      "body": "Where I left off"}, headers={"Accept": "application/json"})
    page = client.get(url(community, f"/categories/{general.id}/topics/new"))
    text = page.get_data(as_text=True)
    assert 'value="Half"' in text and "\nWhere I left off</textarea>" in text
    assert "We restored the topic you were writing" in text
    assert 'data-title-input="title"' in text and "data-editor-nonce" in text


def test_the_forums_writing_pages_run_under_the_content_security_policy(
        client_as, member, topic, community, general):
    client = client_as(member)
    for path in (f"/categories/{general.id}/topics/new", f"/topics/{topic.id}",
                 f"/posts/{only_post(topic).id}/edit"):
        response = client.get(url(community, path))
        assert response.status_code == 200
        assert_no_inline_code(response.get_data(as_text=True))


def test_reply_drafts_for_outsiders_and_observers(client_as, outsider, observer, topic,
                                                  community):
    body = {"kind": "forum_reply", "target": topic.id, "body": "x"}
    headers = {"Accept": "application/json"}
    assert client_as(outsider).post(editor_url(community, "/drafts"), json=body,
                                    headers=headers).status_code == 404
    assert client_as(observer).post(editor_url(community, "/drafts"), json=body,
                                    headers=headers).status_code == 403


# --- Never losing text ---------------------------------------------------------------------

@pytest.fixture
def csrf_on(app_settings):
    app_settings["WTF_CSRF_ENABLED"] = True


def test_a_csrf_failure_gives_the_text_back(csrf_on, client_as, other_member, topic, community):
    response = client_as(other_member).post(
        url(community, f"/topics/{topic.id}/posts"),
        data={"body": "A long reply <typed> before lunch", "nonce": "csrf-nonce-1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A long reply &lt;typed&gt; before lunch</textarea>" in text
    assert 'name="csrf_token"' in text and 'value="csrf-nonce-1"' in text


def test_a_post_after_signing_out_gives_the_text_back(client, topic, community):
    response = client.post(url(community, f"/topics/{topic.id}/posts"),
                           data={"body": "Written before my session ended"})
    text = response.get_data(as_text=True)
    assert response.status_code == 401 and "Written before my session ended</textarea>" in text
    assert "sign in again" in text


def test_a_topic_sent_with_a_stale_token_comes_back_whole(csrf_on, client_as, member,
                                                          community, general):
    response = client_as(member).post(
        url(community, f"/categories/{general.id}/topics/new"),
        data={"category_id": general.id, "title": "Family engagement", "body": "What worked?",
              "nonce": "csrf-nonce-2", "editor_field": "body", "preview": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'name="title" value="Family engagement"' in text and "What worked?</textarea>" in text
    # Sent again, it is the same topic (same one-time value, same category), posted not previewed.
    assert f'name="category_id" value="{general.id}"' in text
    assert 'name="nonce" value="csrf-nonce-2"' in text and 'name="preview"' not in text


# --- Hidden posts and moderation -----------------------------------------------------------

def test_a_hidden_post_is_in_no_page_for_others(client_as, member, other_member, facilitator,
                                                observer, topic, community, general):
    reply = service.reply(other_member, topic, body="Mentions a student: Jane Roe")
    client = client_as(facilitator)
    assert client.post(url(community, f"/posts/{reply.id}/hide"),
                       data={"reason": "Names a student"}).status_code == 302
    for reader in (member, observer):
        reading = client_as(reader)
        assert "Jane Roe" not in reading.get(url(community, f"/topics/{topic.id}")).get_data(
            as_text=True)
        assert reading.get(url(community, f"/posts/{reply.id}/fragment")).status_code == 404
        assert reading.get(url(community, f"/posts/{reply.id}")).status_code == 404
        listing = reading.get(url(community, f"/categories/{general.id}")).get_data(as_text=True)
        assert "0</span> replies" in listing
    own = client_as(other_member).get(url(community, f"/posts/{reply.id}/fragment"))
    assert own.status_code == 200 and "Names a student" in own.get_data(as_text=True)
    seen = client.get(url(community, f"/topics/{topic.id}")).get_data(as_text=True)
    assert "Jane Roe" in seen and "Restore" in seen
    assert client.post(url(community, f"/posts/{reply.id}/restore")).status_code == 302
    assert "Jane Roe" in client_as(observer).get(url(community, f"/topics/{topic.id}")
                                                 ).get_data(as_text=True)


def test_moderation_routes_per_role(client_as, member, outsider, facilitator, topic, community,
                                    categories):
    path = url(community, f"/topics/{topic.id}/moderation")
    assert client_as(member).post(path, data={"action": "pin"}).status_code == 403
    assert client_as(outsider).post(path, data={"action": "pin"}).status_code == 404
    assert client_as(facilitator).post(path, data={"action": "pin"}).status_code == 302
    moved = client_as(facilitator).post(url(community, f"/topics/{topic.id}/move"),
                                        data={"category_id": categories[2].id})
    assert moved.status_code == 302
    log = client_as(facilitator).get(f"/communities/{community.slug}/moderation/log"
                                     ).get_data(as_text=True)
    assert "Moved a topic" in log and "Pinned a topic" in log


def test_the_flag_queue_over_http(client_as, member, other_member, facilitator, topic,
                                  community):
    first = only_post(topic)
    assert client_as(other_member).post(url(community, f"/posts/{first.id}/flag"),
                                        data={"reason": "Off topic"}).status_code == 302
    assert client_as(member).post(url(community, f"/posts/{first.id}/flag"),
                                  data={"reason": "Mine"}).status_code == 403
    queue_path = f"/communities/{community.slug}/moderation/flags"
    queue = client_as(facilitator).get(queue_path).get_data(as_text=True)
    assert "Off topic" in queue and "Waiting for you (1)" in queue
    flag_id = community_moderation.flag_queue(facilitator, community)[0].flag.id
    assert client_as(facilitator).post(f"{queue_path}/{flag_id}/dismissal").status_code == 302
    assert "Waiting for you (0)" in client_as(facilitator).get(queue_path).get_data(as_text=True)


def test_categories_over_http(client_as, facilitator, member, community, categories):
    client = client_as(facilitator)
    assert client.post(url(community, "/categories"),
                       data={"name": "Action plans", "description": "Drafts"}).status_code == 302
    assert client.post(url(community, "/categories"), data={"name": "General"}).status_code == 422
    assert client.post(url(community, f"/categories/{categories[1].id}/position"),
                       data={"direction": "up"}).status_code == 302
    assert client.post(url(community, f"/categories/{categories[3].id}/archive")
                       ).status_code == 302
    index = client_as(member).get(url(community, "/")).get_data(as_text=True)
    assert index.index("Problems of practice") < index.index("General")
    assert "Archived categories" in index
    assert client_as(member).post(url(community, "/categories"),
                                  data={"name": "Mine"}).status_code == 403


def test_the_first_unread_jump_and_the_last_page(client_as, member, other_member, topic,
                                                 community):
    client = client_as(other_member)
    assert client.post(url(community, f"/topics/{topic.id}/read")).status_code == 302
    replies = [service.reply(member, topic, body=f"Update {n}") for n in range(30)]
    jump = client.get(url(community, f"/topics/{topic.id}/unread"))
    assert jump.headers["Location"].endswith(f"?page=1#post-{replies[0].id}")
    last = client.get(url(community, f"/topics/{topic.id}?page=last")).get_data(as_text=True)
    assert f'id="post-{replies[-1].id}"' in last and "Page 2 of 2" in last


def test_reading_is_recorded_by_a_post_never_by_the_page(client_as, member, other_member, topic,
                                                         community, general):
    reply = service.reply(member, topic, body="News")
    client = client_as(other_member)
    client.get(url(community, f"/topics/{topic.id}"))
    # The GET wrote nothing.
    assert forum_pages.topics_page(other_member, general, page=1).rows[0].is_new
    answer = client.post(url(community, f"/topics/{topic.id}/read"),
                         json={"through": reply.id + 1000},
                         headers={"Accept": "application/json"})
    assert answer.get_json() == {"ok": True}
    row = forum_pages.topics_page(other_member, general, page=1).rows[0]
    assert (row.is_new, row.unread) == (False, 0)
    # Never beyond the newest post the reader can see: a later post is still unread.
    later = service.reply(member, topic, body="Later")
    assert forum_pages.first_unread_address(other_member, topic).endswith(f"#post-{later.id}")


def test_the_page_without_javascript_offers_to_mark_it_read(client_as, other_member, topic,
                                                           community):
    page = client_as(other_member).get(url(community, f"/topics/{topic.id}")).get_data(
        as_text=True)
    assert "<noscript>" in page and "Mark these posts as read" in page


def test_a_community_created_in_the_app_starts_with_its_categories(staff):
    from workspace.communities import service as communities_service
    from workspace.communities.models import CommunityKind, CommunityStatus

    created = communities_service.save_community(staff, None, communities_service.CommunityFields(
        title="Data Systems CoP", slug="data-cop", kind=CommunityKind.COP,
        status=CommunityStatus.IN_DEVELOPMENT))
    assert [c.name for c in forum_pages.categories_of(created)][0] == "General"


def test_a_forum_without_categories_gets_the_starting_set_from_a_facilitator(
        client_as, facilitator, member, community):
    assert forum_pages.categories_of(community) == []
    index = client_as(member).get(url(community, "/")).get_data(as_text=True)
    assert "no open categories yet" in index
    assert client_as(member).post(url(community, "/categories"),
                                  data={"starting_set": "1"}).status_code == 403
    assert client_as(facilitator).post(url(community, "/categories"),
                                       data={"starting_set": "1"}).status_code == 302
    assert len(forum_pages.categories_of(community)) == 4


def test_topic_list_links_match_the_routes(app, client_as, member, other_member, topic,
                                          general, community):
    # The topic list builds its links from one prefix per community (for speed).
    from flask import url_for

    newest = forum_pages.newest_visible_post_id(member, topic)
    service.mark_read(member, topic, through_post_id=newest)
    service.reply(other_member, topic, body="Monthly.")
    page = client_as(member).get(url(community, f"/categories/{general.id}")).get_data(
        as_text=True)
    with app.test_request_context():
        ids = {"slug": community.slug, "topic_id": topic.id}
        assert f'href="{url_for("forums.topic", **ids)}"' in page
        assert f'href="{url_for("forums.first_unread", **ids)}"' in page


def test_post_links_match_the_routes(app, client_as, member, other_member, facilitator, topic,
                                     community):
    # _post.html builds its links from shared prefixes (for speed): they must stay the routes.
    from flask import url_for

    reply = service.reply(other_member, topic, body="Monthly.")
    service.edit_post(other_member, reply, body="Monthly, with principals.")
    page = client_as(facilitator).get(url(community, f"/topics/{topic.id}")).get_data(
        as_text=True)
    mine = client_as(other_member).get(url(community, f"/topics/{topic.id}")).get_data(
        as_text=True)
    with app.test_request_context():
        ids = {"slug": community.slug, "post_id": reply.id}
        for endpoint in ("react", "answer", "flag_post", "hide_post", "post_history",
                         "post_link"):
            assert f'"{url_for(f"forums.{endpoint}", **ids)}' in page, endpoint
        for endpoint in ("edit_post", "delete_post"):
            assert f'"{url_for(f"forums.{endpoint}", **ids)}' in mine, endpoint
        quote = url_for("forums.topic", slug=community.slug, topic_id=topic.id, quote=reply.id)
        assert f'"{quote}#reply"' in page


def test_a_refusal_reads_the_message_written_beside_its_rule(client_as, other_member, topic,
                                                            community):
    first = only_post(topic)
    message = forum_policy.may_edit_post.refusal(first)
    page = client_as(other_member).get(url(community, f"/posts/{first.id}/edit"))
    assert page.status_code == 403 and str(escape(message)) in page.get_data(as_text=True)
    with pytest.raises(errors.Forbidden, match="edit only your own posts"):
        service.edit_post(other_member, first, body="Not mine")
