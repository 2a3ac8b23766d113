"""The email settings page: what each kind of email gives a person, saving, pausing, resetting,
and a facilitator's community defaults."""

from __future__ import annotations


def test_smoke(client_as, member, facilitator, community):
    page = client_as(member).get("/settings/email")
    assert page.status_code == 200, page.get_data(as_text=True)
    print(page.get_data(as_text=True))
    page = client_as(facilitator).get(f"/communities/{community.slug}/email-defaults")
    assert page.status_code == 200
