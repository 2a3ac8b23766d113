"""Daily and weekly digests: what each person's holds, what the policy leaves out, who gets one,
and that runs send nothing twice, resume after a crash and cost a fixed number of queries per
batch of people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tests import factories
from workspace.auth.models import User
from workspace.blogs.models import BlogPost, PostState
from workspace.communities.models import Community, CommunityOrganization, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import ForumCategory, Post, Topic
from workspace.jobs.models import Job
from workspace.mail.models import OutboxMessage
from workspace.notifications import digest as digests
from workspace.notifications import preferences
from workspace.notifications.digest import send_digests
from workspace.notifications.digest_models import DigestRun
from workspace.notifications.models import Cadence, Category, NotificationKind
from workspace.notifications.service import Subject, Thread, notify
from workspace.policy import Standing, standing_in
from workspace.resources.models import Audience, Resource, ResourceType
from workspace.sessions.action_models import ActionItem
from workspace.timezones import zone

HOUR = timedelta(hours=1)


# --- Building what a community did in the last day -------------------------------------------

def add_topic(category: ForumCategory, author: User, title: str, *, replies: int = 0,
              at: datetime | None = None, hidden: bool = False) -> Topic:
    """A topic with its opening post and `replies` more, all written at `at` (an hour ago)."""
    at = at or utcnow() - HOUR
    topic = Topic(community_id=category.community_id, category_id=category.id,
                  author_id=author.id, title=title, is_hidden=hidden, last_posted_at=at,
                  created_at=at, reply_count=replies)
    db.session.add(topic)
    db.session.flush()
    for number in range(replies + 1):
        db.session.add(Post(topic_id=topic.id, author_id=author.id, is_opening=number == 0,
                            body="Text", body_html="<p>Text</p>", created_at=at))
    db.session.commit()
    return topic


def add_blog_post(community: Community, author: User, title: str, *,
                  publish_at: datetime | None = None,
                  state: PostState = PostState.PUBLISHED) -> BlogPost:
    post = BlogPost(community_id=community.id, author_id=author.id, title=title,
                    summary=f"About {title.lower()}.", state=state,
                    publish_at=publish_at or utcnow() - HOUR)
    db.session.add(post)
    db.session.commit()
    return post


def add_resource(community: Community, author: User, title: str, *,
                 audience: Audience = Audience.COMMUNITY, at: datetime | None = None,
                 **columns: Any) -> Resource:
    resource = Resource(community_id=community.id, title=title, type=ResourceType.TOOL,
                        link_url="https://example.org/tool", author_id=author.id,
                        organization_id=author.organization_id, audience=audience,
                        created_at=at or utcnow() - HOUR, **columns)
    db.session.add(resource)
    db.session.commit()
    return resource


def add_action_item(community: Community, author: User, text: str, *, due_on: date,
                    organization_id: int | None = None,
                    owner: User | None = None) -> ActionItem:
    session = factories.make_session(community, author, starts_at=utcnow() - 48 * HOUR,
                                     title="Last week's session")
    item = ActionItem(session_id=session.id, community_id=community.id, text=text,
                      organization_id=organization_id, owner_id=owner.id if owner else None,
                      due_on=due_on, created_by_id=author.id)
    db.session.add(item)
    db.session.commit()
    return item


def send(cadence: Cadence = Cadence.DAILY, **options: Any) -> digests.DigestReport:
    """The command as cron runs it, a minute after the fixtures wrote what they wrote."""
    options.setdefault("now", utcnow() + timedelta(minutes=1))
    # The run has a database session of its own: the test's ends its transaction first (an
    # in-memory SQLite database is one connection for both).
    db.session.commit()
    return send_digests(cadence, **options)


def digest_for(user: User) -> OutboxMessage | None:
    db.session.expire_all()
    messages = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.key.like("digest:%"))))
    assert len(messages) <= 1
    return messages[0] if messages else None


def digest_text(user: User) -> str:
    message = digest_for(user)
    assert message is not None, f"{user.email} got no digest"
    return message.body


@pytest.fixture
def busy_day(community: Community, general: ForumCategory, member: User, other_member: User,
             facilitator: User, sme: User) -> dict[str, Any]:
    """A day in the community: discussions, a blog post, a resource, a session coming."""
    busiest = add_topic(general, other_member, "Leading indicators that worked", replies=3)
    quieter = add_topic(general, facilitator, "Welcome, new states")
    post = add_blog_post(community, sme, "What we learned in Georgia")
    resource = add_resource(community, other_member, "Progress monitoring tool")
    session = factories.make_session(community, facilitator, starts_at=utcnow() + 26 * HOUR,
                                     title="Progress monitoring", number=3)
    return {"busiest": busiest, "quieter": quieter, "post": post, "resource": resource,
            "session": session}


# --- What a digest holds ---------------------------------------------------------------------

def test_a_members_digest_has_each_section_of_their_community(
        app: Flask, community: Community, member: User, other_member: User,
        facilitator: User, busy_day: dict[str, Any]) -> None:
    topic = busy_day["busiest"]
    for name in ("Ana", "Ben", "Cy"):
        notify(member, NotificationKind.REPLY, f"{name} replied in {topic.title}",
               f"/communities/{community.slug}/forums/topics/{topic.id}", actor=other_member,
               community=community, subject=Subject("forum_post", topic.id),
               thread=Thread(f"forum_topic:{topic.id}", topic.title), email=False)
    add_action_item(community, facilitator, "Share the indicator list with districts",
                    due_on=utcnow().date() + timedelta(days=3),
                    organization_id=member.organization_id)
    add_action_item(community, facilitator, "Georgia's own step",
                    due_on=utcnow().date() + timedelta(days=3),
                    organization_id=other_member.organization_id)
    db.session.commit()

    report = send()

    assert report.emails >= 1 and not report.resumed
    message = digest_for(member)
    assert message is not None
    assert message.subject == "Your daily digest: what's new in School Improvement P2P"
    assert message.key == f"digest:daily:{report.run_id}:{member.id}"
    text = message.body
    assert "== School Improvement P2P ==" in text
    assert "3 new replies in Leading indicators that worked" in text
    assert "Leading indicators that worked (4 new posts)" in text
    assert "Welcome, new states (1 new post)" in text
    assert text.index("Leading indicators that worked (4") < text.index("Welcome, new states")
    assert "What we learned in Georgia" in text
    assert "Progress monitoring tool" in text
    assert "Sessions in the coming week (Eastern time)" in text
    assert "Session 3: Progress monitoring" in text
    assert "Share the indicator list with districts (Due " in text
    assert "Georgia's own step" not in text
    assert f"http://localhost/communities/{community.slug}/forums/topics/{topic.id}" in text
    assert "<table" in message.html_body and "<script" not in message.html_body
    assert "What we learned in Georgia" in message.html_body
    assert message.headers["List-Unsubscribe"].startswith("<http://localhost/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Its mail job is waiting, like any email's.
    assert db.session.scalar(select(Job).where(Job.key == f"mail.send:{message.id}"))


def test_the_busiest_five_topics_only(app: Flask, general: ForumCategory, member: User,
                                      other_member: User) -> None:
    for number in range(7):
        add_topic(general, other_member, f"Topic {number}", replies=number)

    send()

    text = digest_text(member)
    assert [f"Topic {number} (" in text for number in range(7)] == [False, False] + [True] * 5
    assert text.index("Topic 6 (7 new posts)") < text.index("Topic 2 (3 new posts)")


def test_what_came_before_the_window_is_not_new(app: Flask, general: ForumCategory,
                                                member: User, other_member: User) -> None:
    add_topic(general, other_member, "Last week's topic", at=utcnow() - 72 * HOUR)
    send()
    assert digest_for(member) is None


def test_times_read_in_the_readers_own_zone(app: Flask, community: Community,
                                            general: ForumCategory, member: User,
                                            other_member: User, facilitator: User) -> None:
    add_topic(general, other_member, "Something new")
    starts = (utcnow() + 48 * HOUR).replace(hour=18, minute=0, second=0, microsecond=0)
    factories.make_session(community, facilitator, starts_at=starts, minutes=60,
                           title="Office hours")
    member.time_zone = "America/Los_Angeles"
    db.session.commit()

    send()

    pacific = starts.astimezone(zone("America/Los_Angeles"))
    eastern = starts.astimezone(zone("America/New_York"))
    in_pacific = ("10:00 – 11:00 AM PST" if pacific.tzname() == "PST"
                  else "11:00 AM – 12:00 PM PDT")
    in_eastern = "1:00 – 2:00 PM EST" if eastern.tzname() == "EST" else "2:00 – 3:00 PM EDT"
    assert (f"Office hours ({pacific:%A, %B} {pacific.day}, {pacific.year}, {in_pacific})"
            in digest_text(member))
    assert (f"Office hours ({eastern:%A, %B} {eastern.day}, {eastern.year}, {in_eastern})"
            in digest_text(other_member))


# --- What the policy leaves out --------------------------------------------------------------

def test_a_withdrawn_states_member_gets_nothing_more_from_that_community(
        app: Flask, community: Community, recruiting_community: Community, member: User,
        facilitator: User, busy_day: dict[str, Any]) -> None:
    factories.add_to(recruiting_community, member, "member")
    add_blog_post(recruiting_community, facilitator, "Data systems news")
    db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == member.organization_id)
    ).withdrawn_at = utcnow()
    db.session.commit()

    send()

    text = digest_text(member)
    assert "Data systems news" in text
    assert "School Improvement P2P" not in text
    assert "Leading indicators" not in text and "Progress monitoring" not in text


def test_a_state_only_resource_reaches_only_that_state(
        app: Flask, community: Community, member: User, other_member: User,
        general: ForumCategory) -> None:
    add_resource(community, member, "Arizona's draft plan", audience=Audience.STATE)
    add_topic(general, member, "Something for everyone")

    send()

    assert "Arizona's draft plan (For your state's team only)" in digest_text(member)
    assert "Arizona's draft plan" not in digest_text(other_member)


def test_a_state_resource_shared_in_the_window_reaches_everyone(
        app: Flask, community: Community, member: User, other_member: User) -> None:
    add_resource(community, member, "Arizona's plan, shared", at=utcnow() - 72 * HOUR,
                 shared_at=utcnow() - HOUR)

    send()

    assert "Arizona's plan, shared" in digest_text(other_member)


def test_hidden_topics_hidden_posts_and_deleted_resources_are_left_out(
        app: Flask, community: Community, general: ForumCategory, member: User,
        other_member: User) -> None:
    add_topic(general, other_member, "A hidden topic", replies=2, hidden=True)
    visible = add_topic(general, other_member, "A visible topic", replies=2)
    for post in db.session.scalars(select(Post).where(Post.topic_id == visible.id,
                                                      Post.is_opening.is_(False))):
        post.hidden_at = utcnow()
    add_resource(community, other_member, "A deleted resource", deleted_at=utcnow())
    add_resource(community, other_member, "A hidden resource", hidden_at=utcnow())
    db.session.commit()

    send()

    text = digest_text(member)
    assert "A hidden topic" not in text
    assert "A visible topic (1 new post)" in text
    assert "A deleted resource" not in text and "A hidden resource" not in text


def test_a_scheduled_blog_post_waits_until_it_is_out(
        app: Flask, community: Community, member: User, sme: User,
        general: ForumCategory, other_member: User) -> None:
    add_topic(general, other_member, "Something new", at=utcnow() - 3 * HOUR)
    add_blog_post(community, sme, "Out an hour ago", publish_at=utcnow() - HOUR)
    add_blog_post(community, sme, "Coming tomorrow", publish_at=utcnow() + 24 * HOUR)
    add_blog_post(community, sme, "A draft", state=PostState.DRAFT)
    add_blog_post(community, sme, "Taken back", state=PostState.UNPUBLISHED)

    # Two hours ago, the first was still scheduled.
    send(now=utcnow() - 2 * HOUR)
    text = digest_text(member)
    assert "Something new" in text
    assert "Out an hour ago" not in text and "Coming tomorrow" not in text
    assert "A draft" not in text and "Taken back" not in text

    # Now it is out: the next digest has it, and still not the one coming tomorrow.
    send()
    db.session.expire_all()
    later = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == member.id).order_by(OutboxMessage.id.desc())).first()
    assert later is not None and "Out an hour ago" in later.body
    assert "Coming tomorrow" not in later.body and "Something new" not in later.body


def test_outsiders_and_people_without_working_accounts_get_none(
        app: Flask, community: Community, network: factories.Network, outsider: User,
        member: User, busy_day: dict[str, Any]) -> None:
    never_set_up = factories.make_user(network.seas["AZ"], "az.invited@example.org",
                                       password_hash=None)
    factories.add_to(community, never_set_up, "member")
    gone = factories.make_user(network.seas["AZ"], "az.gone@example.org")
    factories.add_to(community, gone, "member")
    gone.is_deactivated = True
    db.session.commit()

    send()

    assert digest_for(member) is not None
    assert digest_for(outsider) is None
    assert digest_for(never_set_up) is None
    assert digest_for(gone) is None


# --- Preferences -----------------------------------------------------------------------------

def test_categories_off_or_immediate_stay_out_of_the_digest(
        app: Flask, member: User, busy_day: dict[str, Any]) -> None:
    preferences.choose(member, {Category.DISCUSSIONS: Cadence.OFF,
                                Category.BLOGS: Cadence.IMMEDIATELY})

    send()

    text = digest_text(member)
    assert "Leading indicators" not in text
    assert "What we learned in Georgia" not in text
    assert "Progress monitoring tool" in text


def test_notices_come_in_the_digest_of_their_own_category(
        app: Flask, community: Community, member: User, other_member: User,
        busy_day: dict[str, Any]) -> None:
    for kind, message in ((NotificationKind.MENTION, "Ana mentioned you"),
                          (NotificationKind.RESOURCE_ADDED, "Ana added a checklist"),
                          (NotificationKind.BLOG_COMMENT, "Ana commented on your post")):
        notify(member, kind, message, actor=other_member, community=community, subject=None,
               email=False)
    preferences.choose(member, {Category.BLOGS: Cadence.WEEKLY})

    send()

    text = digest_text(member)
    assert "Ana added a checklist" in text  # resources: daily by default
    assert "Ana mentioned you" not in text  # mentions: right away by default
    assert "Ana commented on your post" not in text  # blogs: weekly, for this person


def test_staff_hear_only_about_the_communities_they_are_in(
        app: Flask, community: Community, staff: User, facilitator: User,
        busy_day: dict[str, Any]) -> None:
    send()

    assert digest_for(staff) is None  # they may read everything, but follow nothing
    assert digest_for(facilitator) is not None


def test_a_persons_own_weekly_choice_wins_over_the_facilitators_daily_default(
        app: Flask, community: Community, general: ForumCategory, facilitator: User,
        member: User, other_member: User) -> None:
    preferences.set_community_defaults(facilitator, community, {
        Category.DISCUSSIONS: Cadence.DAILY, Category.BLOGS: Cadence.OFF,
        Category.RESOURCES: Cadence.OFF})
    preferences.choose(member, {Category.DISCUSSIONS: Cadence.WEEKLY})
    add_topic(general, facilitator, "Agenda for next month")

    send(Cadence.DAILY)
    assert digest_for(member) is None
    assert "Agenda for next month" in digest_text(other_member)

    send(Cadence.WEEKLY)
    message = digest_for(member)
    assert message is not None and message.key.startswith("digest:weekly:")
    assert "Agenda for next month" in message.body
    assert "Your weekly digest" in message.subject


def test_paused_people_get_none(app: Flask, member: User, other_member: User,
                                busy_day: dict[str, Any]) -> None:
    preferences.change_settings(member, paused=True)

    send()

    assert digest_for(member) is None
    assert digest_for(other_member) is not None


def test_nothing_new_sends_nothing(app: Flask, community: Community, member: User,
                                   facilitator: User) -> None:
    factories.make_session(community, facilitator, starts_at=utcnow() + 26 * HOUR)
    add_action_item(community, facilitator, "Due soon", due_on=utcnow().date(),
                    organization_id=member.organization_id)

    report = send()

    assert report.emails == 0 and report.people > 0
    assert digest_for(member) is None


# --- Runs ----------------------------------------------------------------------------------

def test_a_second_run_sends_nothing_twice(app: Flask, member: User,
                                          busy_day: dict[str, Any]) -> None:
    first = send()
    second = send(now=utcnow() + 2 * timedelta(minutes=1))

    assert first.emails >= 1 and second.emails == 0
    assert second.window_start == first.window_end
    assert digest_for(member) is not None  # one, not two (digest_for checks)


def test_a_dry_run_writes_nothing(app: Flask, member: User, busy_day: dict[str, Any]) -> None:
    report = send(dry_run=True)

    assert report.emails >= 1 and report.run_id is None
    assert db.session.scalar(select(DigestRun)) is None
    assert digest_for(member) is None


def test_the_command_cron_runs(app: Flask, member: User, busy_day: dict[str, Any]) -> None:
    runner = app.test_cli_runner()
    db.session.commit()  # the command's session is its own (see send)

    tried = runner.invoke(args=["digest", "send", "--cadence", "daily", "--dry-run"])
    assert tried.exit_code == 0, tried.output
    assert "would get one; nothing was queued" in tried.output
    assert digest_for(member) is None
    db.session.commit()

    sent = runner.invoke(args=["digest", "send", "--cadence", "daily", "--batch-size", "2"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("Sent: the daily digest for ")
    assert digest_for(member) is not None
    db.session.commit()

    refused = runner.invoke(args=["digest", "send", "--cadence", "immediately"])
    assert refused.exit_code != 0 and "daily" in refused.output


def six_members(network: factories.Network, community: Community) -> list[User]:
    people = []
    for number in range(6):
        person = factories.make_user(network.seas["AZ" if number % 2 else "GA"],
                                     f"person{number}@example.org")
        factories.add_to(community, person, "member")
        people.append(person)
    return people


def test_a_run_that_crashed_is_finished_by_the_next(
        app: Flask, network: factories.Network, community: Community, general: ForumCategory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    people = six_members(network, community)
    add_topic(general, people[0], "Something new")
    real_digest_of = digests.digest_of
    fourth_id = people[3].id

    def crash_at_the_fourth(person: User, *args: Any) -> digests.Digest:
        if person.id == fourth_id:
            raise RuntimeError("the machine restarted")
        return real_digest_of(person, *args)

    monkeypatch.setattr(digests, "digest_of", crash_at_the_fourth)
    with pytest.raises(RuntimeError):
        send(batch_size=2)
    run = db.session.scalar(select(DigestRun))
    assert run is not None and run.finished_at is None and run.cursor_user_id == people[1].id
    assert [digest_for(person) is not None for person in people] == [True, True] + [False] * 4

    monkeypatch.setattr(digests, "digest_of", real_digest_of)
    report = send(batch_size=2, now=utcnow() + timedelta(hours=2))

    assert report.resumed and report.run_id == run.id and report.emails == 4
    assert (report.window_start, report.window_end) == (run.window_start, run.window_end)
    assert all(digest_for(person) is not None for person in people)  # once each
    db.session.expire_all()
    assert db.session.get(DigestRun, run.id).finished_at is not None


def test_queries_grow_with_batches_not_people(
        app: Flask, network: factories.Network, community: Community, general: ForumCategory,
        queries: Callable) -> None:
    people = six_members(network, community)
    add_topic(general, people[0], "Something new", replies=2)
    add_blog_post(community, people[1], "A post")
    add_resource(community, people[2], "A tool")
    add_resource(community, people[3], "Arizona's own", audience=Audience.STATE)
    factories.make_session(community, people[0], starts_at=utcnow() + 26 * HOUR)
    for person in people[:3]:
        notify(person, NotificationKind.REPLY, "A reply", actor=None, community=community,
               subject=None, email=False)
    db.session.commit()

    def counted(present: list[User], batch_size: int) -> int:
        for person in people:
            person.is_deactivated = person not in present
        for table in (OutboxMessage, Job, DigestRun):
            db.session.execute(delete(table))
        db.session.commit()
        with queries() as counter:
            report = send(batch_size=batch_size)
        assert report.emails == len(present)
        return counter.count

    two_in_one_batch = counted(people[:2], batch_size=2)
    six_in_one_batch = counted(people, batch_size=6)
    six_in_three_batches = counted(people, batch_size=2)


    assert six_in_one_batch == two_in_one_batch
    per_batch = (six_in_three_batches - six_in_one_batch) / 2
    assert per_batch == int(per_batch) <= 12


# --- Standings from rows in hand -------------------------------------------------------------

def test_a_standing_from_known_rows_agrees_with_the_one_the_policy_reads(
        app: Flask, community: Community, member: User, other_member: User, facilitator: User,
        observer: User, sme: User, outsider: User, staff: User) -> None:
    db.session.scalar(select(CommunityOrganization).where(
        CommunityOrganization.community_id == community.id,
        CommunityOrganization.organization_id == other_member.organization_id)
    ).withdrawn_at = utcnow()
    db.session.commit()
    links = {link.organization_id: link for link in db.session.scalars(
        select(CommunityOrganization).where(CommunityOrganization.community_id == community.id,
                                            CommunityOrganization.withdrawn_at.is_(None)))}
    for person in (member, other_member, facilitator, observer, sme, outsider, staff):
        membership = db.session.scalar(select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == person.id))
        known = Standing.known(person, community, membership, links.get(person.organization_id))
        read = standing_in(person, community)
        assert (known.role, known.reads, known.contributes, known.moderates, known.manages,
                known.is_state_contact, known.agency_link) == (
            read.role, read.reads, read.contributes, read.moderates, read.manages,
            read.is_state_contact, read.agency_link), person.email


def test_a_second_invocation_while_a_run_is_under_way_stops_with_a_message(
        app: Flask, network: factories.Network, community: Community, general: ForumCategory,
        member: User) -> None:
    add_topic(general, member, "Something new")
    now = utcnow()
    db.session.add(DigestRun(cadence=Cadence.DAILY, window_start=now - timedelta(days=1),
                             window_end=now, started_at=now, cursor_user_id=0, people=0,
                             emails=0, held_until=now + timedelta(minutes=10)))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["digest", "send", "--cadence", "daily"])

    assert result.exit_code == 1
    assert "Another daily digest run is under way; nothing was sent." in result.output
    assert digest_for(member) is None
    # Its hold runs out (the other invocation was killed): the next one takes the run over.
    report = send(now=now + timedelta(minutes=20))
    assert report.resumed and report.emails == 1 and digest_for(member) is not None


def test_only_one_unfinished_run_of_a_cadence_can_exist(app: Flask) -> None:
    now = utcnow()
    for _ in range(2):
        db.session.add(DigestRun(cadence=Cadence.WEEKLY, window_start=now, window_end=now,
                                 started_at=now, cursor_user_id=0, people=0, emails=0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
