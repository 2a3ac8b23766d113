"""The demo catalogue holds every community from the network's documents, with its people."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workspace import policy
from workspace.auth.models import User
from workspace.communities.models import Community, CommunityStatus
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.organizations.models import Organization, OrganizationKind
from workspace.policy import Action


@pytest.fixture
def demo(app):
    return seed_demo("workspace-demo")


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


def test_seeding_twice_adds_nothing(demo):
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (Organization, Community, User)]
    again = seed_demo("workspace-demo")
    assert (again.organizations, again.communities, again.people) == (0, 0, 0)
    assert counts == [db.session.scalar(select(func.count()).select_from(model))
                      for model in (Organization, Community, User)]
