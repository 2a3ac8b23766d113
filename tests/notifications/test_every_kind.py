"""Every kind of notification fires exactly once, to exactly the right people, through the
service a person would use; never to people who may not see its subject (an outsider, a member
of a state that withdrew, members for notices meant for facilitators).

A case per kind in `CASES`: a kind added to NotificationKind without one fails here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from tests.forums.conftest import start_forum
from workspace.auth.models import User
from workspace.blogs import comments as blog_comments
from workspace.blogs import service as blogs
from workspace.communities import service as communities
from workspace.communities.models import Community, CommunityRole, InterestStatus
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import moderation
from workspace.forums import service as forums
from workspace.forums.models import ForumCategory, WatchLevel
from workspace.jobs import queue
from workspace.notifications import preferences
from workspace.notifications.kinds import KINDS
from workspace.notifications.models import Notification, NotificationKind
from workspace.organizations.models import Organization
from workspace.resources import service as resources
from workspace.sessions import actions, reminders
from workspace.sessions import service as sessions


@dataclass
class People:
    """The community's people in every standing, and people who must hear nothing."""

    network: factories.Network
    community: Community
    recruiting: Community
    general: ForumCategory
    facilitator: User
    member: User  # Arizona
    other_member: User  # Georgia
    sme: User
    observer: User
    outsider: User  # Texas: takes part in nothing
    withdrawn: User  # Delaware's member: Delaware took part, then withdrew
    staff: User

    def withdraw_delaware(self) -> None:
        communities.withdraw_organization(self.staff, self.community, self.delaware)

    @property
    def delaware(self) -> Organization:
        return self.network.seas["DE"]


@pytest.fixture
def people(network, community, recruiting_community, facilitator, member, other_member, sme,
           observer, outsider, staff) -> People:
    communities.add_organization(staff, community, network.seas["DE"])
    withdrawn = factories.make_user(network.seas["DE"], "de.member@example.org")
    factories.add_to(community, withdrawn, "member")
    return People(network=network, community=community, recruiting=recruiting_community,
                  general=start_forum(community)[0], facilitator=facilitator, member=member,
                  other_member=other_member, sme=sme, observer=observer, outsider=outsider,
                  withdrawn=withdrawn, staff=staff)


def run_jobs() -> None:
    db.session.commit()
    queue.run_pending()


Case = Callable[[People], tuple[list[User], list[User]]]
CASES: dict[NotificationKind, Case] = {}


def case(kind: NotificationKind) -> Callable[[Case], Case]:
    """A case makes the kind fire and returns (who must hear once, who must hear nothing)."""
    def register(function: Case) -> Case:
        CASES[kind] = function
        return function
    return register


def _topic_with_reply(p: People):
    topic = forums.start_topic(p.member, p.general, title="Monitoring CSI schools",
                               body="How often do you review progress?")
    reply = forums.reply(p.other_member, topic, body="Every quarter, with each principal.")
    return topic, reply


def _plan(day: date, title: str = "Family engagement") -> sessions.Plan:
    return sessions.Plan(title=title, number=3, day=day, starts=time(14), ends=time(15, 30),
                         time_zone="America/Phoenix")


@case(NotificationKind.MENTION)
def mention(p: People):
    p.withdraw_delaware()
    forums.start_topic(p.member, p.general, title="Monitoring CSI schools",
                       body="What do you think, @ga.member, @de.member and @tx.member?")
    return [p.other_member], [p.withdrawn, p.outsider, p.member]


@case(NotificationKind.REPLY)
def reply(p: People):
    topic = forums.start_topic(p.member, p.general, title="Monitoring CSI schools",
                               body="How often do you review progress?")
    forums.watch_topic(p.withdrawn, topic, WatchLevel.WATCHING)
    forums.watch_topic(p.sme, topic, WatchLevel.WATCHING)
    p.withdraw_delaware()
    forums.reply(p.other_member, topic, body="Every quarter, with each principal.")
    return [p.member, p.sme], [p.withdrawn, p.other_member, p.observer, p.outsider]


@case(NotificationKind.TOPIC_STARTED)
def topic_started(p: People):
    for person in (p.other_member, p.withdrawn, p.observer):
        forums.watch_category(person, p.general, WatchLevel.WATCHING)
    p.withdraw_delaware()
    forums.start_topic(p.member, p.general, title="Monitoring CSI schools", body="How often?")
    return [p.other_member, p.observer], [p.withdrawn, p.member, p.sme, p.outsider]


@case(NotificationKind.ANSWER_MARKED)
def answer_marked(p: People):
    _, answer = _topic_with_reply(p)
    forums.mark_answer(p.member, answer)
    return [p.other_member], [p.member, p.facilitator]


@case(NotificationKind.POST_HIDDEN)
def post_hidden(p: People):
    _, post = _topic_with_reply(p)
    moderation.hide_post(p.facilitator, post, reason="Names a principal")
    return [p.other_member], [p.member, p.facilitator, p.sme]


@case(NotificationKind.POST_RESTORED)
def post_restored(p: People):
    _, post = _topic_with_reply(p)
    moderation.hide_post(p.facilitator, post, reason="Names a principal")
    moderation.restore_post(p.facilitator, post)
    return [p.other_member], [p.member, p.facilitator, p.sme]


@case(NotificationKind.FLAG_RAISED)
def flag_raised(p: People):
    _, post = _topic_with_reply(p)
    moderation.flag_post(p.member, post, reason="Names a principal")
    return [p.facilitator], [p.member, p.other_member, p.sme, p.observer, p.outsider]


@case(NotificationKind.ADDED_TO_COMMUNITY)
def added_to_community(p: People):
    newcomer = factories.make_user(p.network.partner, "sme.two@example.org", name="Sam Expert")
    communities.add_member(p.facilitator, p.community, newcomer, role=CommunityRole.SME)
    return [newcomer], [p.facilitator, p.member, p.sme]


@case(NotificationKind.INTEREST_RECEIVED)
def interest_received(p: People):
    communities.express_interest(p.outsider, p.recruiting,
                                 problem_of_practice="Our plans ignore data.")
    # The recruiting community's facilitators only; not the other community's people.
    return [p.facilitator], [p.outsider, p.member, p.other_member, p.sme, p.observer]


@case(NotificationKind.INTEREST_DECIDED)
def interest_decided(p: People):
    interest = communities.express_interest(p.outsider, p.recruiting,
                                            problem_of_practice="Our plans ignore data.")
    communities.decide_interest(p.facilitator, interest, InterestStatus.ACCEPTED)
    return [p.outsider], [p.facilitator, p.member]


@case(NotificationKind.SESSION_SCHEDULED)
def session_scheduled(p: People):
    p.withdraw_delaware()
    sessions.schedule(p.facilitator, p.community, _plan(date(2031, 3, 11)),
                      repeat=sessions.RepeatPlan("weekly", count=4))  # one notice for the run
    return ([p.member, p.other_member, p.sme, p.observer],
            [p.facilitator, p.withdrawn, p.outsider, p.staff])


@case(NotificationKind.SESSION_CHANGED)
def session_changed(p: People):
    session = sessions.schedule(p.facilitator, p.community, _plan(date(2031, 3, 11)))
    for person in (p.member, p.withdrawn):
        sessions.answer(person, session, "going")
    sessions.answer(p.other_member, session, "not_going")
    p.withdraw_delaware()
    sessions.change(p.facilitator, session, _plan(date(2031, 3, 12)),
                    reason="The board meets that day.")
    return [p.member], [p.other_member, p.withdrawn, p.sme, p.observer, p.facilitator]


@case(NotificationKind.SESSION_CANCELLED)
def session_cancelled(p: People):
    session = sessions.schedule(p.facilitator, p.community, _plan(date(2031, 3, 11)))
    for person in (p.member, p.withdrawn):
        sessions.answer(person, session, "maybe")
    p.withdraw_delaware()
    sessions.cancel(p.facilitator, session, reason="The presenter is ill.")
    return [p.member], [p.other_member, p.withdrawn, p.sme, p.observer, p.facilitator]


@case(NotificationKind.SESSION_STARTING)
def session_starting(p: People):
    session = factories.make_session(p.community, p.facilitator,
                                     starts_at=utcnow() + timedelta(minutes=30))
    for person in (p.member, p.other_member, p.withdrawn):
        sessions.answer(person, session, "going")
    sessions.answer(p.sme, session, "not_going")
    preferences.change_settings(p.other_member, reminder_minutes=15)  # not yet
    p.withdraw_delaware()
    queue.enqueue(reminders.REMIND_JOB, {}, key=reminders.REMIND_JOB)
    run_jobs()
    reminders.send_reminders()  # a second round (cron beside the worker) reminds no one again
    # The facilitator who scheduled it hosts it: reminded without answering.
    return ([p.member, p.facilitator],
            [p.other_member, p.withdrawn, p.sme, p.observer, p.outsider])


@case(NotificationKind.ACTION_ITEM)
def action_item(p: People):
    session = factories.make_session(p.community, p.facilitator,
                                     starts_at=utcnow() - timedelta(minutes=5))
    actions.add_action_item(p.member, session, text="Draft the family survey",
                            owner_id=p.other_member.id)
    actions.add_action_item(p.other_member, session, text="Share Arizona's rubric",
                            organization_id=p.network.seas["AZ"].id)
    # Given to yourself: no notice.
    actions.add_action_item(p.sme, session, text="Send the reading list", owner_id=p.sme.id)
    return [p.other_member, p.member], [p.sme, p.facilitator, p.observer, p.withdrawn]


@case(NotificationKind.RESOURCE_ADDED)
def resource_added(p: People):
    p.withdraw_delaware()
    resources.add_resources(p.member, p.community,
                            resources.Details(title="SDI rubric", type="tool"),
                            link_url="https://example.org/rubric")
    return ([p.other_member, p.sme, p.observer, p.facilitator],
            [p.member, p.withdrawn, p.outsider, p.staff])


@case(NotificationKind.BLOG_POST)
def blog_post(p: People):
    for person in (p.member, p.withdrawn):
        blogs.subscribe(person, p.community, True)
    p.withdraw_delaware()
    blogs.write(p.sme, p.community, blogs.Writing(title="What Arizona tried",
                                                  body="We met every principal monthly."))
    run_jobs()  # the post's notices go out from a job
    return [p.member], [p.sme, p.withdrawn, p.other_member, p.outsider]


@case(NotificationKind.BLOG_COMMENT)
def blog_comment(p: People):
    post = blogs.write(p.sme, p.community, blogs.Writing(title="What Arizona tried",
                                                         body="We met every principal."))
    blog_comments.add_comment(p.other_member, post, "Monthly, with principals.")
    return [p.sme], [p.other_member, p.member, p.facilitator]


@case(NotificationKind.GENERAL)
def general(p: People):
    # Only notices written before kinds were recorded carry it: no feature may send it.
    root = Path(__file__).resolve().parents[2] / "workspace"
    senders = [path for path in root.rglob("*.py")
               if "NotificationKind.GENERAL" in path.read_text()
               and path.parent.name != "notifications"]
    assert senders == []
    return [], [p.member]


def test_every_kind_has_a_case():
    assert set(CASES) == set(KINDS) == set(NotificationKind)


@pytest.mark.parametrize("kind", list(KINDS), ids=lambda kind: kind.value)
def test_each_kind_fires_once_to_the_right_people(kind, people):
    if kind not in CASES:
        pytest.fail(f"{kind} has no case in tests/notifications/test_every_kind.py")
    told, untold = CASES[kind](people)
    run_jobs()
    heard = Counter(db.session.scalars(select(Notification.user_id)
                                       .where(Notification.kind == kind)))
    names = {person.id: person.email for person in db.session.scalars(select(User))}
    assert {names[user_id]: count for user_id, count in heard.items()} == {
        person.email: 1 for person in told}
    assert not {person.email for person in untold} & {names[user_id] for user_id in heard}
