"""Staff edit what a community's page shows, including experts who have no account."""

from __future__ import annotations

from workspace.extensions import db


def test_staff_list_subject_matter_experts_without_an_account(client_as, staff, community):
    form = {"title": community.title, "slug": community.slug, "kind": "p2p",
            "status": "in_progress", "is_public": "y",
            "subject_matter_experts": "- Chris Domaleski (Center for Assessment)\n\n  Ann Lee  "}
    assert client_as(staff).post(f"/communities/{community.slug}/edit",
                                 data=form).status_code == 302
    db.session.expire_all()
    assert community.subject_matter_experts == ["Chris Domaleski (Center for Assessment)",
                                                "Ann Lee"]
    editing = client_as(staff).get(f"/communities/{community.slug}/edit").get_data(as_text=True)
    assert "Chris Domaleski (Center for Assessment)\nAnn Lee</textarea>" in editing
    page = client_as(None).get(f"/communities/{community.slug}").get_data(as_text=True)
    assert "<li>Ann Lee</li>" in page

    del form["subject_matter_experts"]  # a form without the field keeps the list
    client_as(staff).post(f"/communities/{community.slug}/edit", data=form)
    db.session.expire_all()
    assert len(community.subject_matter_experts) == 2
