"""Builders for test data: organizations, people and communities, committed and ready."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select
from werkzeug.security import generate_password_hash

from workspace.auth.handles import suggest_handle
from workspace.auth.models import User
from workspace.communities.models import (
    Community,
    CommunityKind,
    CommunityOrganization,
    CommunityRole,
    CommunityStatus,
    Membership,
    OrganizationRole,
)
from workspace.database import utcnow
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind
from workspace.sessions.models import LiveSession, Rsvp, RsvpAnswer, new_uid

PASSWORD = "correct-horse-battery"
# Hashing is slow by design; tests share one hash of the common password.
PASSWORD_HASH = generate_password_hash(PASSWORD)

STATES = {"AZ": "Arizona", "GA": "Georgia", "TX": "Texas", "OR": "Oregon", "DE": "Delaware",
          "MD": "Maryland"}


@dataclass
class Network:
    seas: dict[str, Organization] = field(default_factory=dict)
    partners: dict[str, Organization] = field(default_factory=dict)
    district: Organization | None = None

    @property
    def partner(self) -> Organization:
        return self.partners["SSN"]


def make_network() -> Network:
    network = Network()
    for code, state in STATES.items():
        network.seas[code] = Organization(kind=OrganizationKind.SEA, name=f"{state} Department of "
                                          "Education", short_name=code, state_code=code,
                                          state_name=state)
    for short_name, name in (("SSN", "State Support Network"), ("CCSSO", "Council of Chief "
                             "State School Officers"), ("OSS", "Office of State Support")):
        network.partners[short_name] = Organization(kind=OrganizationKind.PARTNER, name=name,
                                                    short_name=short_name)
    network.district = Organization(kind=OrganizationKind.LEA, name="Beaverton School District",
                                    short_name="Beaverton (OR)", state_code="OR",
                                    state_name="Oregon", parent=network.seas["OR"])
    db.session.add_all([*network.seas.values(), *network.partners.values(), network.district])
    db.session.commit()
    return network


def make_community(network: Network, *, participants: list[str], slug: str,
                   status: str = "in_progress", kind: str = "p2p",
                   capacity: int | None = None, title: str | None = None) -> Community:
    community = Community(slug=slug, title=title or slug.replace("-", " ").title(),
                          kind=CommunityKind(kind), status=CommunityStatus(status),
                          timeframe="May 2019 – February 2020",
                          summary="State teams strengthen their support for schools.",
                          objectives=["Build a shared understanding."], capacity=capacity,
                          topics=["school improvement"])
    db.session.add(community)
    for code in participants:
        db.session.add(CommunityOrganization(community=community, organization=network.seas[code],
                                             role=OrganizationRole.PARTICIPANT))
    db.session.commit()
    return community


def make_user(organization: Organization, email: str, *, name: str | None = None,
              handle: str | None = None, is_network_staff: bool = False,
              password_hash: str | None = PASSWORD_HASH,
              time_zone_confirmed: bool = True) -> User:
    """A person; their time zone (Eastern) is confirmed, so no page asks them about it."""
    name = name or email.split("@")[0].replace(".", " ").title()
    user = User(email=email, name=name, handle=handle or suggest_handle(name, email),
                organization=organization, is_network_staff=is_network_staff,
                password_hash=password_hash,
                time_zone_confirmed_at=utcnow() if time_zone_confirmed else None)
    db.session.add(user)
    db.session.commit()
    return user


def add_to(community: Community, user: User, role: str, *, contact: bool = False) -> Membership:
    membership = Membership(community=community, user=user, role=CommunityRole(role))
    db.session.add(membership)
    if contact:
        link = db.session.scalar(select(CommunityOrganization).where(
            CommunityOrganization.community_id == community.id,
            CommunityOrganization.organization_id == user.organization_id))
        link.contact = user
    db.session.commit()
    return membership


@contextmanager
def later_user_columns() -> Iterator[None]:
    """For a migration test at an older revision: the users table gains the columns later
    revisions add (plainly, without their constraints) while the test builds people with today's
    User model, and loses them after, so the next upgrade finds the table as its revision left it.
    """
    present = {column["name"] for column in inspect(db.engine).get_columns("users")}
    missing = [column for column in User.__table__.columns if column.name not in present]
    with db.engine.begin() as connection:
        for column in missing:
            connection.exec_driver_sql(f"ALTER TABLE users ADD COLUMN {column.name} "
                                       f"{column.type.compile(db.engine.dialect)}")
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            for column in missing:
                connection.exec_driver_sql(f"ALTER TABLE users DROP COLUMN {column.name}")


def make_session(community: Community, author: User, *, starts_at: datetime, minutes: int = 90,
                 title: str = "Progress monitoring", number: int | None = None,
                 time_zone: str = "America/New_York", call_url: str = "",
                 **columns: Any) -> LiveSession:
    """A scheduled session written straight to the database (services are tested on their own)."""
    session = LiveSession(community=community, author_id=author.id, title=title, number=number,
                          starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                          time_zone=time_zone, call_url=call_url, uid=new_uid(),
                          agenda_html="", prework_html="", **columns)
    db.session.add(session)
    db.session.commit()
    return session


def answer_rsvp(session: LiveSession, user: User, answer: str) -> Rsvp:
    rsvp = Rsvp(session_id=session.id, user_id=user.id, answer=RsvpAnswer(answer))
    db.session.add(rsvp)
    db.session.commit()
    return rsvp
