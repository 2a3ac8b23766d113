"""Organizations: state agencies, their districts and the network's partners."""

from __future__ import annotations

import re

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind

STATE_CODE = re.compile(r"^[A-Z]{2}$")


def organization_or_404(organization_id: int | None) -> Organization:
    organization = db.session.get(Organization, organization_id) if organization_id else None
    if organization is None:
        raise errors.Invalid("Choose an organization from the list.", field="organization_id")
    return organization


def organization_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Organization.id, Organization.name, Organization.kind)
                              .where(Organization.archived_at.is_(None))
                              .order_by(Organization.kind, Organization.name))
    return [(row.id, f"{row.name} ({OrganizationKind(row.kind).label})") for row in rows]


def state_agencies() -> list[Organization]:
    return list(db.session.scalars(select(Organization)
                                   .where(Organization.kind == OrganizationKind.SEA)
                                   .order_by(Organization.state_name)))


# State agencies first (the network's members), then their districts, then partners.
KIND_ORDER = case({OrganizationKind.SEA.value: 0, OrganizationKind.LEA.value: 1},
                  value=Organization.kind, else_=2)
DIRECTORY_PER_PAGE = 25


def directory(*, kind: OrganizationKind | None = None, query: str = "",
              page: int = 1) -> Pagination:
    """One page of organizations, agencies first, with their parent agency loaded."""
    stmt = (select(Organization).options(joinedload(Organization.parent))
            .order_by(KIND_ORDER, Organization.state_name, Organization.name))
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(Organization.name).like(like)
                          | func.lower(Organization.short_name).like(like))
    return db.paginate(stmt, page=page, per_page=DIRECTORY_PER_PAGE, error_out=False)


def people_counts(organization_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(select(User.organization_id, func.count())
                              .where(User.organization_id.in_(organization_ids))
                              .group_by(User.organization_id))
    return {organization_id: count for organization_id, count in rows}


def save_organization(actor: User, organization: Organization | None, *, kind: OrganizationKind,
                      name: str, short_name: str, state_code: str,
                      partner_type: str, website: str, state_name: str = "") -> Organization:
    """Create or update an organization (network staff only)."""
    policy.require_staff(actor)
    name, short_name = (name or "").strip(), (short_name or "").strip()
    state_code = (state_code or "").strip().upper()
    state_name = " ".join((state_name or "").split())
    if not name:
        raise errors.Invalid("Enter the organization's name.", field="name")
    if not short_name:
        raise errors.Invalid("Enter a short name, such as an acronym.", field="short_name")
    if kind in (OrganizationKind.SEA, OrganizationKind.LEA) and not STATE_CODE.match(state_code):
        raise errors.Invalid("State and local agencies need a two-letter state code.",
                             field="state_code")
    # The map, the catalogue's state filter and the community pages name states by this.
    if kind is OrganizationKind.SEA and not state_name:
        raise errors.Invalid("Enter the state or territory the agency serves.",
                             field="state_name")
    parent = None
    if kind is OrganizationKind.LEA:
        parent = db.session.scalar(select(Organization).where(
            Organization.kind == OrganizationKind.SEA, Organization.state_code == state_code))
        if parent is None:
            raise errors.Invalid("No state agency has that state code.", field="state_code")
    if website and not website.startswith(("https://", "http://")):
        raise errors.Invalid("Start the website with https://", field="website")
    for column, value, field in ((Organization.name, name, "name"),
                                 (Organization.short_name, short_name, "short_name")):
        clash = db.session.scalar(select(Organization.id)
                                  .where(func.lower(column) == value.lower()))
        if clash is not None and (organization is None or clash != organization.id):
            raise errors.Invalid("Another organization already uses that name.", field=field)
    if organization is None:
        organization = Organization(kind=kind, name=name, short_name=short_name)
        db.session.add(organization)
    organization.kind = kind
    organization.name = name
    organization.short_name = short_name
    organization.state_code = state_code or None
    if parent is not None:
        organization.state_name = parent.state_name
    elif kind is OrganizationKind.SEA:
        organization.state_name = state_name[:80]
    else:
        organization.state_name = None
    organization.parent = parent
    organization.partner_type = (partner_type or "").strip() or None
    organization.website = (website or "").strip() or None
    db.session.commit()
    return organization
