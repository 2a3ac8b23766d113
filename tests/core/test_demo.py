"""The demo catalogue holds every community from the network's documents, with its people."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import TEST_SETTINGS
from workspace import create_app, policy
from workspace.auth.models import Invitation, User
from workspace.communities.models import Community, CommunityStatus
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.forums import pages as forum_pages
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification
from workspace.organizations.models import Organization, OrganizationKind
from workspace.policy import Action


@pytest.fixture(scope="module")
def seeded(database_uri: str) -> Iterator[Flask]:
    """The demo loaded once for this module: seeding goes through every service and takes a
    while, and these tests only read it (a second seed, correctly, writes nothing)."""
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo("workspace-demo")
        db.session.remove()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def demo(seeded: Flask) -> Iterator[None]:
    with seeded.app_context():
        yield
        db.session.remove()


def people(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_every_state_and_territory_agency_exists(demo):
    codes = set(db.session.scalars(select(Organization.state_code).where(
        Organization.kind == OrganizationKind.SEA)))
    assert len(codes) == 56
    assert {"DC", "PR", "GU", "VI", "AS", "MP", "TX", "AZ"} <= codes


def test_every_seed_community_is_there(demo):
    titles = set(db.session.scalars(select(Community.title)))
    assert len(titles) == 24
    for expected in ("Evidence-Based Practices", "Data Systems", "Equity Labs",
                     "Needs Assessment", "Report Cards", "Foster Care", "Root Cause Analysis"):
        assert any(expected in title for title in titles), expected


def test_the_school_and_district_improvement_p2p_is_complete(demo):
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    assert len(sdi.session_topics) == 5
    assert sdi.session_topics[0] == "School Improvement Frameworks and Progress Monitoring"
    assert len(sdi.objectives) == 4
    states = {link.organization.state_code for link in sdi.organization_links
              if link.role.value == "participant"}
    assert len(states) == 20 and {"AK", "AZ", "GA", "UT"} <= states
    assert "May 2019" in sdi.timeframe and "February 2020" in sdi.timeframe


def test_districts_take_part_where_the_documents_say(demo):
    planning = db.session.scalar(select(Community).where(
        Community.title.like("District Strategic Planning%")))
    names = {link.organization.short_name for link in planning.organization_links}
    assert names == {"Beaverton (OR)", "Bellevue (WA)", "Wake County (NC)"}


def test_recruiting_communities_are_marked(demo):
    statuses = dict(db.session.execute(select(Community.slug, Community.status)).all())
    assert statuses["data-systems-cop"] is CommunityStatus.RECRUITING


def test_demo_accounts_have_the_promised_standing(demo):
    sdi = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p"))
    data = db.session.scalar(select(Community).where(Community.slug == "data-systems-cop"))
    assert policy.can(people("facilitator@example.org"), Action.MANAGE, sdi)
    assert policy.can(people("facilitator@example.org"), Action.MANAGE, data)
    assert policy.can(people("sme@example.org"), Action.PUBLISH, sdi)
    assert policy.can(people("az.member@example.org"), Action.CONTRIBUTE, sdi)
    assert policy.can(people("ga.member@example.org"), Action.CONTRIBUTE, sdi)
    assert not policy.can(people("tx.member@example.org"), Action.READ, sdi)
    assert policy.can(people("tx.member@example.org"), Action.EXPRESS_INTEREST, data)
    observer = people("observer@example.org")
    assert policy.can(observer, Action.READ, sdi)
    assert not policy.can(observer, Action.CONTRIBUTE, sdi)
    assert people("staff@example.org").is_network_staff


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables}


def test_seeding_twice_adds_nothing(demo):
    before = row_counts()
    again = seed_demo("workspace-demo")
    assert (again.organizations, again.communities, again.people, again.announcements,
            again.forum_topics) == (0, 0, 0, 0, 0)
    assert row_counts() == before  # no table at all: notifications, email, reactions, ...


def test_people_came_in_as_the_app_brings_them(demo):
    """Staff invited everyone (but the first staff member, whom no one could), and they accepted."""
    invited = dict(db.session.execute(select(Invitation.email, Invitation.accepted_at)).all())
    emails = set(db.session.scalars(select(User.email)))
    assert set(invited) == emails - {"staff@example.org"}
    assert all(accepted is not None for accepted in invited.values())
    outbox = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert outbox == set(invited)  # each invitation went out by email
    facilitator = people("facilitator@example.org")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == facilitator.id,
        Notification.message.like("%added you to Data Systems as a facilitator%"))) == 1


def test_the_catalogue_is_what_staff_would_have_typed(demo):
    arizona = db.session.scalar(select(Organization).where(
        Organization.state_code == "AZ", Organization.kind == OrganizationKind.SEA))
    assert arizona.state_name == "Arizona"
    district = db.session.scalar(select(Organization).where(
        Organization.short_name == "Beaverton (OR)"))
    assert district.parent.state_code == "OR" and district.state_name == "Oregon"
    arp = db.session.scalar(select(Community).where(
        Community.slug == "evidence-based-interventions-arp-cop"))
    assert "american rescue plan" in arp.topics  # the service keeps topics lower case
    long_term = db.session.scalar(select(Community).where(
        Community.slug == "essa-long-term-goals-p2p"))
    assert long_term.subject_matter_experts == ["Chris Domaleski (Center for Assessment)"]
    data = db.session.scalar(select(Community).where(Community.slug == "data-systems-cop"))
    assert data.capacity == 12
    assert len(forum_pages.categories_of(data)) == 4  # every community's forum starts set up
