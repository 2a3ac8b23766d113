"""The editor's JSON over HTTP, one set of routes for every feature: preview, people, drafts."""

from __future__ import annotations

from sqlalchemy import func, select

from workspace.extensions import db
from workspace.writing import Draft

JSON = {"Accept": "application/json"}


def url(community, path: str) -> str:
    return f"/communities/{community.slug}/writing{path}"


def test_the_preview_is_sanitized_and_only_for_people_who_may_write(client_as, member, observer,
                                                                     outsider, community):
    body = {"body": "**hi** <script>alert(1)</script><a href='javascript:x'>x</a>"}
    response = client_as(member).post(url(community, "/preview"), json=body, headers=JSON)
    html = response.get_json()["html"]
    assert "<strong>hi</strong>" in html and "<script" not in html and "javascript" not in html
    assert client_as(observer).post(url(community, "/preview"), json=body,
                                    headers=JSON).status_code == 403
    assert client_as(outsider).post(url(community, "/preview"), json=body,
                                    headers=JSON).status_code == 404


def test_the_preview_marks_mentions_of_the_communitys_people(client_as, member, other_member,
                                                              outsider, community):
    response = client_as(member).post(url(community, "/preview"),
                                      json={"body": "@ga.member and @tx.member"}, headers=JSON)
    assert response.get_json()["html"] == (
        '<p><span class="workspace-mention">@ga.member</span> and @tx.member</p>')


def test_people_to_mention_as_json(client_as, member, other_member, outsider, observer,
                                   community):
    found = client_as(member).get(url(community, "/people?q=ga")).get_json()
    assert found == {"people": [{"handle": "ga.member", "name": "Ga Member",
                                 "organization": "Georgia Department of Education"}]}
    assert client_as(observer).get(url(community, "/people?q=ga")).status_code == 200
    assert client_as(outsider).get(url(community, "/people?q=ga")).status_code == 404


def test_a_draft_saved_as_json_and_emptied_again(client_as, member, community):
    client = client_as(member)
    draft = {"kind": "forum_topic", "target": community.id, "title": "T", "body": "Half"}
    saved = client.post(url(community, "/drafts"), json=draft, headers=JSON).get_json()
    assert saved["ok"] and saved["saved"] and saved["saved_at"]
    assert db.session.scalar(select(Draft.body)) == "Half"
    emptied = client.post(url(community, "/drafts"), json={**draft, "title": "", "body": " "},
                          headers=JSON).get_json()
    assert emptied == {"ok": True, "saved": False, "saved_at": None}
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_a_draft_must_name_a_registered_kind_and_a_target(client_as, member, community):
    client = client_as(member)
    for wrong in ({"kind": "diary", "target": community.id},
                  {"kind": "forum_topic"},
                  {"kind": "forum_topic", "target": "abc"},
                  {"kind": "forum_topic", "target": -1},
                  {"kind": "forum_topic", "target": True},
                  {"kind": ["forum_topic"], "target": community.id}):
        response = client.post(url(community, "/drafts"), json={**wrong, "body": "x"},
                               headers=JSON)
        assert response.status_code == 422, wrong
        assert response.get_json()["error"] == "That draft is for something unknown."
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_a_signed_out_editor_is_told_to_sign_in(client, community):
    response = client.post(url(community, "/drafts"), json={"kind": "forum_topic"},
                           headers=JSON)
    assert response.status_code in (302, 401)
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
