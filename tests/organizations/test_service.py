"""Staff add organizations; a state agency says which state it serves, a district takes its."""

from __future__ import annotations

import pytest

from workspace import errors
from workspace.organizations.models import OrganizationKind
from workspace.organizations.service import save_organization


def add(staff, kind: OrganizationKind, name: str, short_name: str, **values: str):
    return save_organization(staff, None, kind=kind, name=name, short_name=short_name,
                             state_code=values.pop("state_code", ""), partner_type="",
                             website="", **values)


def test_a_state_agency_is_named_for_its_state_and_its_districts_follow(staff):
    utah = add(staff, OrganizationKind.SEA, "Utah State Board of Education", "USBE",
               state_code="ut", state_name="  Utah ")
    assert (utah.state_code, utah.state_name) == ("UT", "Utah")
    district = add(staff, OrganizationKind.LEA, "Granite School District", "Granite (UT)",
                   state_code="UT", state_name="Ignored")
    assert district.parent == utah and district.state_name == "Utah"
    partner = add(staff, OrganizationKind.PARTNER, "WestEd", "WestEd", state_name="Ignored")
    assert partner.state_name is None


def test_a_state_agency_without_its_state_name_is_refused(staff):
    with pytest.raises(errors.Invalid) as raised:
        add(staff, OrganizationKind.SEA, "Utah State Board of Education", "USBE",
            state_code="UT")
    assert raised.value.field == "state_name"


def test_the_form_sets_the_state_name(client_as, staff):
    response = client_as(staff).post("/organizations/new", data={
        "kind": "sea", "name": "Utah State Board of Education", "short_name": "USBE",
        "state_code": "UT", "state_name": "Utah", "partner_type": "", "website": ""})
    assert response.status_code == 302
    page = client_as(staff).get("/organizations/").get_data(as_text=True)
    assert "Utah (UT)" in page
    refused = client_as(staff).post("/organizations/new", data={
        "kind": "sea", "name": "Vermont Agency of Education", "short_name": "VT AOE",
        "state_code": "VT", "state_name": "", "partner_type": "", "website": ""})
    assert refused.status_code == 422
    assert "Enter the state or territory the agency serves." in refused.get_data(as_text=True)
