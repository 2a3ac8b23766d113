"""The series summary: gathered from the community's own record, as the network's documents are
shaped, in a fixed number of queries, and written out as Markdown a facilitator edits."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests import factories
from workspace.communities.models import Community, CommunityOrganization, OrganizationRole
from workspace.database import utcnow
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.resources.series_summary import SeriesSummary, gather, to_markdown
from workspace.sessions.action_models import ActionItem
from workspace.sessions.models import LiveSession, SessionStatus
from workspace.sessions.poll_models import Poll, PollOption, PollState, PollVote
from workspace.text import render_markdown

AGENDA = """1. **Welcome and purpose** (10 minutes): why the series meets.
2. **State spotlights** (25 minutes)
3. Action steps"""


def _poll(session: LiveSession, author_id: int, question: str, *, revealed: bool,
          votes: list[int] | None = None, state: PollState = PollState.CLOSED) -> Poll:
    """A poll asked in the session with options "Yes" and "Not yet"; `votes` are the chosen
    option's index, one per voter (users by id)."""
    poll = Poll(session_id=session.id, question=question, state=state,
                results_revealed=revealed, created_by_id=author_id,
                options=[PollOption(label="Yes", position=0),
                         PollOption(label="Not yet", position=1)])
    db.session.add(poll)
    db.session.flush()
    for voter, choice in enumerate(votes or [], start=1):
        db.session.add(PollVote(poll_id=poll.id, user_id=voter,
                                option_ids=[poll.options[choice].id]))
    db.session.commit()
    return poll


def _action_item(session: LiveSession, author_id: int, text: str, **columns) -> ActionItem:
    item = ActionItem(session_id=session.id, community_id=session.community_id, text=text,
                      created_by_id=author_id, **columns)
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def series(network, community, facilitator, sme, member, other_member):
    """The exchange's record: two sessions held (one summary published, one still a draft),
    one cancelled, one to come; Delaware withdrew and CCSSO is a partner."""
    community.description = "The exchange grew out of the SCASS.\n\n# Why it matters\n\nIt does."
    community.objectives = ["Build a shared understanding.", "Use *both* [tools]"]
    community.intended_outcomes = ["Each state drafts an action plan."]
    community.session_topics = []
    community.subject_matter_experts = ["Chris Domaleski, Center for Assessment"]
    db.session.add_all([
        CommunityOrganization(community=community, organization=network.seas["DE"],
                              role=OrganizationRole.PARTICIPANT, withdrawn_at=utcnow()),
        CommunityOrganization(community=community, organization=network.partners["CCSSO"],
                              role=OrganizationRole.PARTNER)])
    now = utcnow()
    first = factories.make_session(
        community, facilitator, number=1, title="Frameworks and progress monitoring",
        starts_at=now - timedelta(days=60), agenda=AGENDA,
        summary="States compared frameworks.\n\n## Takeaways\n\n- Monitor *monthly*",
        summary_published_at=now - timedelta(days=59),
        materials=[{"label": "Framework (draft)", "url": "https://example.org/a b(1).pdf"}])
    second = factories.make_session(
        community, facilitator, number=2, title="Teacher turnover",
        starts_at=now - timedelta(days=30), summary="Not ready yet")
    factories.make_session(community, facilitator, number=3, title="Family role",
                           starts_at=now - timedelta(days=20), status=SessionStatus.CANCELLED)
    factories.make_session(community, facilitator, number=4, title="Shared accountability",
                           starts_at=now + timedelta(days=10))
    _poll(first, facilitator.id, "Does your state monitor CSI schools?", revealed=True,
          votes=[0, 0, 1])
    _poll(first, facilitator.id, "Kept to the hosts", revealed=False, votes=[1])
    _poll(first, facilitator.id, "Never asked", revealed=False, state=PollState.DRAFT)
    _action_item(first, member.id, "Share the rubric", organization_id=network.seas["AZ"].id,
                 due_on=date(2030, 6, 1), done_at=now)
    _action_item(first, facilitator.id, "Send the slides")
    _action_item(second, member.id, "Draft the plan", organization_id=network.seas["GA"].id)
    return community


def _headings(summary: SeriesSummary) -> list[str]:
    return [section.heading for section in summary.sections]


def test_the_summary_has_the_network_documents_sections(series, facilitator, sme):
    summary = gather(series)
    assert summary.title == "P2P Exchange Series Summary: School Improvement P2P"
    assert _headings(summary) == [
        "P2P description", "P2P objectives", "Intended outcomes", "Participating states",
        "Partners", "Duration and format", "Session topics",
        "Session 1: Frameworks and progress monitoring", "Session 2: Teacher turnover",
        "Facilitators and subject matter experts"]
    description = summary.section("P2P description")
    assert description.paragraphs == [
        "State teams strengthen their support for schools.",
        "The exchange grew out of the SCASS.", "#### Why it matters", "It does."]
    assert summary.section("P2P objectives").bullets == [
        "Build a shared understanding.", "Use \\*both\\* \\[tools\\]"]
    assert summary.section("Intended outcomes").bullets == ["Each state drafts an action plan."]
    # Delaware withdrew: only the states taking part now are named.
    assert summary.section("Participating states").paragraphs == ["Arizona and Georgia"]
    assert summary.section("Partners").bullets == ["Council of Chief State School Officers"]
    first, last = (_day(s) for s in _held(series))
    assert summary.section("Duration and format").bullets == [
        "**Timeframe:** May 2019 – February 2020",
        "**Format:** Peer-to-Peer Exchange, 3 virtual sessions",
        f"**Sessions held:** 2, from {first} to {last}",
        f"**Sessions still to come:** 1, the next on {_day(_coming(series))}"]
    # Without topics of its own, the series lists its sessions (the cancelled one is gone).
    assert summary.section("Session topics").bullets == [
        "Session 1: Frameworks and progress monitoring", "Session 2: Teacher turnover",
        "Session 4: Shared accountability"]
    assert summary.section("Facilitators and subject matter experts").bullets == [
        "Facilitator: Facilitator, State Support Network",
        "Subject matter expert: Sme, Council of Chief State School Officers",
        "Subject matter expert: Chris Domaleski, Center for Assessment"]


def test_each_held_session_tells_what_it_recorded(series):
    summary = gather(series)
    first = summary.section("Session 1: Frameworks and progress monitoring")
    assert first.paragraphs == [f"Held on {_day(_held(series)[0])}."]
    parts = {part.heading: part for part in first.subsections}
    assert list(parts) == ["Agenda", "Summary and takeaways", "Poll results", "Action items",
                           "Resources shared"]
    assert parts["Agenda"].bullets == [
        "**Welcome and purpose** (10 minutes): why the series meets.",
        "**State spotlights** (25 minutes)", "Action steps"]
    assert parts["Summary and takeaways"].paragraphs == [
        "States compared frameworks.", "#### Takeaways", "- Monitor *monthly*"]
    # Only the poll whose results the room saw; drafts and hidden results stay out.
    assert parts["Poll results"].paragraphs == [
        "**Does your state monitor CSI schools?** (one answer; 3 people answered)\n\n"
        "- Yes: 2 of 3\n- Not yet: 1 of 3"]
    assert parts["Action items"].bullets == [
        "Share the rubric (Arizona; due June 1, 2030; done)",
        "Send the slides (All states; open)"]
    assert parts["Resources shared"].bullets == [
        "[Framework (draft)](https://example.org/a%20b%281%29.pdf)"]

    # A draft summary is the facilitators' own: it stays out until published.
    second = summary.section("Session 2: Teacher turnover")
    assert [part.heading for part in second.subsections] == ["Action items"]
    assert second.subsections[0].bullets == ["Draft the plan (Georgia; open)"]


def test_the_community_s_own_session_topics_come_first(series):
    series.session_topics = ["Frameworks", "Turnover"]
    db.session.commit()
    assert gather(series).section("Session topics").bullets == ["Frameworks", "Turnover"]


def test_an_expert_named_on_the_community_page_is_listed_once(series):
    series.subject_matter_experts = ["Sme (CCSSO)"]
    db.session.commit()
    experts = gather(series).section("Facilitators and subject matter experts").bullets
    assert experts == ["Facilitator: Facilitator, State Support Network",
                       "Subject matter expert: Sme (CCSSO)"]


def test_a_series_not_yet_under_way_has_no_session_sections(network):
    community = factories.make_community(network, participants=["AZ"], slug="data-cop",
                                         kind="cop", status="recruiting")
    community.timeframe = ""
    community.starts_on, community.ends_on = date(2031, 1, 5), date(2031, 9, 30)
    db.session.commit()
    summary = gather(community)
    assert summary.title == "Community of Practice Summary: Data Cop"
    assert _headings(summary) == ["CoP description", "CoP objectives", "Participating states",
                                  "Duration and format"]
    assert summary.section("Duration and format").bullets == [
        "**Timeframe:** January 2031 – September 2031", "**Format:** Community of Practice"]


def test_gathering_costs_the_same_for_2_and_10_sessions(network, facilitator, member, queries):
    def series_of(count: int) -> Community:
        community = factories.make_community(network, participants=["AZ", "GA"],
                                             slug=f"series-of-{count}")
        factories.add_to(community, facilitator, "facilitator")
        for n in range(count):
            session = factories.make_session(
                community, facilitator, number=n + 1, title=f"Topic {n}",
                starts_at=utcnow() - timedelta(days=100 - n), summary=f"Summary {n}",
                summary_published_at=utcnow(), materials=[{"label": "Slides",
                                                           "url": "https://example.org/s"}])
            _poll(session, facilitator.id, f"Question {n}?", revealed=True, votes=[0, 1])
            _action_item(session, member.id, f"Step {n}",
                         organization_id=network.seas["AZ"].id)
        factories.make_session(community, facilitator, title="Cancelled",
                               starts_at=utcnow() - timedelta(days=3),
                               status=SessionStatus.CANCELLED)
        return community

    def cost(community: Community) -> tuple[int, int]:
        db.session.expire_all()
        with queries() as counted:
            summary = gather(community)
        return counted.count, len(summary.sections)

    few, many = series_of(2), series_of(10)
    (few_queries, few_sections), (many_queries, many_sections) = cost(few), cost(many)
    assert many_sections == few_sections + 8
    assert few_queries == many_queries <= 8


def test_the_markdown_reads_as_the_summary_and_shows_plain_text_as_typed(series):
    markdown = to_markdown(gather(series))
    assert not markdown.startswith("#" + " ")  # the title is the resource's, not in the text
    assert markdown.startswith("## P2P description\n\nState teams strengthen")
    assert "## Session 1: Frameworks and progress monitoring\n\nHeld on " in markdown
    assert "\n\n### Poll results\n\n**Does your state monitor CSI schools?**" in markdown
    html = render_markdown(markdown)
    assert "<h2>P2P objectives</h2>" in html
    assert "<li>Use *both* [tools]</li>" in html
    assert "<h3>Summary and takeaways</h3>" in html and "<h4>Takeaways</h4>" in html
    assert "<li>Monitor <em>monthly</em></li>" in html
    assert '<a href="https://example.org/a%20b%281%29.pdf"' in html


def test_plain_text_that_looks_like_markdown_stays_text(network):
    community = factories.make_community(network, participants=["AZ"], slug="odd-names",
                                         title="# Not a heading <b>really</b>")
    community.objectives = ["- not a list", "1999. A year", "> not a quote", "a_b_c `x`"]
    db.session.commit()
    summary = gather(community)
    html = render_markdown(to_markdown(summary))
    for objective in community.objectives[:3]:
        assert f"<li>{objective.replace('>', '&gt;')}</li>" in html
    assert "<li>a_b_c `x`</li>" in html
    assert summary.title == "P2P Exchange Series Summary: # Not a heading <b>really</b>"


def test_the_demo_sdi_series_gathers_its_five_sessions(app):
    seed_demo("workspace-demo")
    community = db.session.scalar(select(Community).where(
        Community.slug == "school-and-district-improvement-p2p-2019"))
    summary = gather(community)
    sessions = [h for h in _headings(summary) if h.startswith("Session ") and ":" in h]
    assert sessions == [
        "Session 1: School Improvement Frameworks and Progress Monitoring",
        "Session 2: Addressing Teacher/Leader Turnover and Strategies for Sustaining School "
        "Improvement Strategies",
        "Session 3: Family and Community Role in Effective School Improvement",
        "Session 4: Ensuring Shared Accountability for Schools at the District and School "
        "Levels",
        "Session 5: Creating Evidence-Based Interventions for Unique Contexts"]
    assert summary.section("Duration and format").bullets[:3] == [
        "**Timeframe:** May 2019 – February 2020",
        "**Format:** Peer-to-Peer Exchange, 5 virtual sessions",
        "**Sessions held:** 5, from May 21, 2019 to February 11, 2020"]
    states = summary.section("Participating states").paragraphs[0]
    assert states.startswith("Alaska, Arizona, Arkansas, Delaware") and states.endswith(
        ", and Utah")
    assert len(summary.section("P2P objectives").bullets) == 4
    assert summary.section("Session topics").bullets[0] == (
        "School Improvement Frameworks and Progress Monitoring")
    first = summary.section(sessions[0])
    assert first.subsections[0].heading == "Agenda"
    assert first.subsections[0].bullets[0].startswith("**Welcome and purpose of the P2P")


def _held(community: Community) -> list[LiveSession]:
    return [s for s in _sessions(community) if s.ends_at <= utcnow()]


def _coming(community: Community) -> LiveSession:
    return next(s for s in _sessions(community) if s.ends_at > utcnow())


def _sessions(community: Community) -> list[LiveSession]:
    return list(db.session.scalars(select(LiveSession).where(
        LiveSession.community_id == community.id,
        LiveSession.status != SessionStatus.CANCELLED).order_by(LiveSession.starts_at)))


def _day(session: LiveSession) -> str:
    """The session's date where it was scheduled (the factory's sessions are Eastern)."""
    day = session.starts_at.astimezone(ZoneInfo(session.time_zone)).date()
    return f"{day:%B} {day.day}, {day.year}"
