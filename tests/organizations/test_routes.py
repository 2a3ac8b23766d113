"""The staff directory of organizations: agencies first, a page at a time, filterable."""

from __future__ import annotations

import re

from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" data-label="Name"><a class="usa-link" '
                      r'href="[^"]+">([^<]+)</a>', html)


def test_agencies_come_before_districts_and_partners(client_as, staff, network):
    html = client_as(staff).get("/organizations/").get_data(as_text=True)
    names = _names(html)
    kinds = {o.name: o.kind for o in db.session.scalars(db.select(Organization))}
    order = [kinds[name] for name in names]
    assert order[0] is OrganizationKind.SEA
    assert order.index(OrganizationKind.LEA) > max(
        i for i, kind in enumerate(order) if kind is OrganizationKind.SEA)
    assert order[-1] is OrganizationKind.PARTNER


def test_a_long_directory_is_paged_and_filters_keep_across_pages(client_as, staff, network):
    db.session.add_all(Organization(kind=OrganizationKind.LEA, name=f"District {n:02d}",
                                    short_name=f"D{n:02d}", state_code="OR", state_name="Oregon")
                       for n in range(40))
    db.session.commit()
    client = client_as(staff)
    first = client.get("/organizations/?kind=lea").get_data(as_text=True)
    assert len(_names(first)) == 25
    assert "41 organizations of kind “Local education agency”, page 1 of 2." in first
    assert "/organizations/?kind=lea&amp;page=2" in first
    second = client.get("/organizations/?kind=lea&page=2").get_data(as_text=True)
    assert len(_names(second)) == 16
    assert set(_names(first)).isdisjoint(_names(second))
    found = client.get("/organizations/?q=district+07").get_data(as_text=True)
    assert _names(found) == ["District 07"]
