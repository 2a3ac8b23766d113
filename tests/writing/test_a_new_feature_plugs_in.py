"""A feature the app doesn't have yet (tests/writing/agendas.py: facilitators write session
agendas) gets drafts, the preview, mentions, one-time form values and kept text from
workspace.writing through the same functions the forum uses, without a change to writing/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.writing import agendas
from tests.writing.checks import assert_no_inline_code
from workspace import errors, writing
from workspace.extensions import db
from workspace.notifications.models import Notification

JSON = {"Accept": "application/json"}


@pytest.fixture
def feature(app):
    agendas.set_up(app)  # before any request: Flask takes no new blueprints after the first
    yield agendas
    agendas.tear_down()


def editor(community, path: str) -> str:
    return f"/communities/{community.slug}/writing{path}"


def page(community, session_id: int = 2) -> str:
    return f"/communities/{community.slug}/test-sessions/{session_id}/agenda"


def items() -> int:
    return db.session.scalar(select(func.count()).select_from(agendas.AgendaItem)) or 0


def test_its_drafts_save_through_the_editors_route_with_its_own_rule(feature, client_as,
                                                                    facilitator, member,
                                                                    community):
    draft = {"kind": agendas.AGENDA, "target": 2, "body": "1. Welcome\n2. @ga.member's data"}
    saved = client_as(facilitator).post(editor(community, "/drafts"), json=draft, headers=JSON)
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    kept = writing.draft_for(facilitator, agendas.AGENDA, 2)
    assert kept.body == draft["body"] and kept.community_id == community.id

    refused = client_as(member).post(editor(community, "/drafts"), json=draft, headers=JSON)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "Only the facilitators write the agenda."
    missing = client_as(facilitator).post(editor(community, "/drafts"),
                                          json={**draft, "target": 9}, headers=JSON)
    assert missing.status_code == 404


def test_its_page_uses_the_editor_macro_and_gets_its_draft_back(feature, client_as, facilitator,
                                                                community):
    client = client_as(facilitator)
    client.post(editor(community, "/drafts"),
                json={"kind": agendas.AGENDA, "target": "2", "body": "Where I stopped"},
                headers=JSON)
    text = client.get(page(community)).get_data(as_text=True)
    assert f'data-draft-kind="{agendas.AGENDA}"' in text and 'data-draft-target="2"' in text
    assert f'data-preview-url="{editor(community, "/preview")}"' in text
    assert f'data-people-url="{editor(community, "/people")}"' in text
    assert 'name="editor_field" value="notes"' in text
    assert re.search(r'data-editor-nonce[^>]*name="nonce"[^>]*value="[\w-]{16,}"', text)
    assert "\nWhere I stopped</textarea>" in text
    assert "We restored the agenda you were writing" in text
    assert '<script src="/static/js/editor.js"></script>' in text


def test_its_text_is_rendered_and_previewed_by_the_one_function(feature, client_as, facilitator,
                                                                other_member, community):
    body = "**Bold** @ga.member <img src=x onerror=alert(1)>"
    expected = '<p><strong>Bold</strong> <span class="workspace-mention">@ga.member</span> </p>'
    by_json = client_as(facilitator).post(editor(community, "/preview"), json={"body": body},
                                          headers=JSON).get_json()["html"]
    by_form = client_as(facilitator).post(page(community), data={"notes": body,
                                                                 "preview": "1"})
    item = agendas.add_to_agenda(facilitator, community, 2, notes=body)
    assert by_json == item.notes_html == expected
    assert expected in by_form.get_data(as_text=True) and items() == 1


def test_saving_tells_the_mentioned_and_discards_the_draft(feature, facilitator, other_member,
                                                           community):
    writing.save_draft(facilitator, community, kind=agendas.AGENDA, target_id=3, body="Soon")
    item = agendas.add_to_agenda(facilitator, community, 3, notes="Ask @ga.member first")
    assert writing.draft_for(facilitator, agendas.AGENDA, 3) is None
    told = db.session.execute(select(Notification.user_id, Notification.message,
                                      Notification.link)).all()
    assert [tuple(row) for row in told] == [
        (other_member.id, "Facilitator mentioned you in “the session agenda”.",
         f"/agenda/{item.id}")]


def test_its_form_sent_twice_makes_one_item(feature, client_as, facilitator, community):
    client = client_as(facilitator)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"',
                      client.get(page(community)).get_data(as_text=True)).group(1)
    first = client.post(page(community), data={"notes": "1. Welcome", "nonce": nonce})
    second = client.post(page(community), data={"notes": "1. Welcome", "nonce": nonce})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert items() == 1


def test_its_form_sent_twice_at_the_same_moment_makes_one_item(feature, facilitator, community):
    first_id = []

    def write(nonce):
        # The other sending commits first, between this one's check and its commit.
        first_id.append(agendas.add_to_agenda(facilitator, community, 1, notes="A",
                                              nonce=nonce).id)
        db.session.add(agendas.AgendaItem(community_id=community.id, session_id=1,
                                          author_id=facilitator.id, notes="A",
                                          notes_html="<p>A</p>", client_nonce=nonce))
        db.session.commit()

    got = writing.once(agendas.AgendaItem, facilitator, "same-moment-1", write)
    assert got.id == first_id[0] and items() == 1


def test_its_text_comes_back_after_a_lost_session(feature, client, community):
    response = client.post(page(community), data={"notes": "Welcome <b>everyone</b>",
                                                  "editor_field": "notes", "nonce": "n-12345678"})
    text = response.get_data(as_text=True)
    assert response.status_code == 401 and "sign in again" in text
    assert "Welcome &lt;b&gt;everyone&lt;/b&gt;</textarea>" in text


@pytest.fixture
def csrf_on(app_settings):
    app_settings["WTF_CSRF_ENABLED"] = True


def test_its_text_comes_back_after_a_csrf_failure(csrf_on, feature, client_as, facilitator,
                                                  community):
    response = client_as(facilitator).post(page(community), data={
        "notes": "1. Welcome", "editor_field": "notes", "nonce": "n-12345678"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<textarea[^>]*name="notes"[^>]*>1\. Welcome</textarea>', text)
    assert 'name="nonce" value="n-12345678"' in text and 'name="csrf_token"' in text
    assert items() == 0


def test_its_refusal_keeps_the_text_to_copy(feature, client_as, member, community):
    response = client_as(member).post(page(community), data={"notes": "My agenda",
                                                             "editor_field": "notes"})
    assert response.status_code == 403
    assert "My agenda</textarea>" in response.get_data(as_text=True)
    with pytest.raises(errors.Forbidden):
        agendas.add_to_agenda(member, community, 2, notes="My agenda")


def test_the_editor_runs_under_the_content_security_policy(feature, client_as, facilitator,
                                                           community):
    client = client_as(facilitator)
    response = client.get(page(community))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert_no_inline_code(response.get_data(as_text=True))
    kept = client_as(None).post(page(community), data={"notes": "x", "editor_field": "notes"})
    assert kept.status_code == 401  # the page that gives the text back
    assert_no_inline_code(kept.get_data(as_text=True))
