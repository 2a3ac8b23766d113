"""Session reminders: at each person's chosen time before a session they are coming to, once
per start time, by email as they chose; a job that keeps itself going, and a command for cron."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from workspace.communities import service as communities
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState
from workspace.mail.models import OutboxMessage
from workspace.notifications import preferences
from workspace.notifications.models import Cadence, Category, Notification, NotificationKind
from workspace.sessions import reminders
from workspace.sessions import service as sessions
from workspace.sessions.models import ReminderSent
from workspace.timezones import zone


@pytest.fixture
def soon(community, facilitator):
    """A session starting in two hours."""
    return factories.make_session(community, facilitator, number=4,
                                  starts_at=utcnow().replace(microsecond=0) + timedelta(hours=2))


def reminded() -> list[tuple[int, str]]:
    return [(user_id, message) for user_id, message in db.session.execute(
        select(Notification.user_id, Notification.message)
        .where(Notification.kind == NotificationKind.SESSION_STARTING)
        .order_by(Notification.id))]


def reminded_ids() -> list[int]:
    return [user_id for user_id, _ in reminded()]


def test_each_person_is_reminded_at_their_chosen_time(soon, facilitator, member, other_member,
                                                      sme):
    for person in (member, other_member, sme):
        sessions.answer(person, soon, "going")
    sessions.answer(facilitator, soon, "not_going")  # the host said they won't come after all
    preferences.change_settings(other_member, reminder_minutes=15)
    preferences.change_settings(sme, reminder_minutes=0)  # no reminders
    start = soon.starts_at

    assert reminders.send_reminders(start - timedelta(minutes=61)) == 0
    assert reminders.send_reminders(start - timedelta(minutes=60)) == 1
    assert reminded_ids() == [member.id]
    assert reminded()[0][1].startswith("Reminder: “Session 4: Progress monitoring” starts in "
                                       "1 hour (")
    assert reminders.send_reminders(start - timedelta(minutes=30)) == 0  # once each
    assert reminders.send_reminders(start - timedelta(minutes=14, seconds=30)) == 1
    assert reminded_ids() == [member.id, other_member.id]
    assert reminded()[1][1].startswith("Reminder: “Session 4: Progress monitoring” starts in "
                                       "15 minutes (")
    assert reminders.send_reminders(start) == 0  # started: too late for anyone


def test_whoever_scheduled_it_hosts_and_is_reminded_unless_they_said_no(soon, facilitator,
                                                                       member, observer):
    sessions.answer(member, soon, "maybe")
    assert reminders.send_reminders(soon.starts_at - timedelta(minutes=59)) == 2
    assert sorted(reminded_ids()) == sorted([facilitator.id, member.id])


def test_reminders_off_or_a_person_who_may_no_longer_attend_get_none(
        soon, staff, network, community, member, other_member):
    sessions.answer(member, soon, "going")
    sessions.answer(other_member, soon, "going")
    preferences.choose(member, {Category.REMINDERS: Cadence.OFF})
    communities.withdraw_organization(staff, community, network.seas["GA"])
    assert reminders.send_reminders(soon.starts_at - timedelta(minutes=30)) == 1
    assert reminded_ids() == [soon.author_id]


def test_a_moved_session_reminds_again_and_a_cancelled_one_never(soon, community, facilitator,
                                                                 member):
    sessions.answer(member, soon, "going")
    sessions.answer(facilitator, soon, "not_going")
    assert reminders.send_reminders(soon.starts_at - timedelta(minutes=50)) == 1
    later = soon.starts_at + timedelta(days=1)
    local = later.astimezone(zone(soon.time_zone))
    sessions.change(facilitator, soon, sessions.Plan(
        title=soon.title, number=soon.number, day=local.date(), starts=local.time(),
        ends=(local + timedelta(minutes=90)).time(), time_zone=soon.time_zone),
        reason="The data team needs another day.")
    assert reminders.send_reminders(later - timedelta(minutes=50)) == 1
    assert reminded_ids() == [member.id, member.id]
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2

    other = factories.make_session(community, facilitator, title="Office hours",
                                   starts_at=utcnow() + timedelta(minutes=30))
    sessions.answer(member, other, "going")
    sessions.cancel(facilitator, other, reason="The presenter is ill.")
    assert reminders.send_reminders() == 0


def test_the_email_follows_the_reminders_choice_and_pauses(soon, member, other_member,
                                                           facilitator):
    for person in (member, other_member):
        sessions.answer(person, soon, "going")
    sessions.answer(facilitator, soon, "not_going")
    preferences.change_settings(other_member, paused=True)
    reminders.send_reminders(soon.starts_at - timedelta(minutes=30))
    db.session.commit()
    queue.run_pending()
    emails = list(db.session.scalars(select(OutboxMessage)))
    assert sorted(reminded_ids()) == sorted([member.id, other_member.id])  # both see it in the app
    assert [email.recipient for email in emails] == [member.email]  # paused: no email
    assert emails[0].subject.startswith("Reminder: “Session 4: Progress monitoring” starts in")
    assert emails[0].attachments == []


def test_the_job_keeps_itself_going_one_at_a_time(app, soon, member):
    sessions.answer(member, soon, "going")
    assert queue.start_recurring() == [reminders.REMIND_JOB]
    assert queue.start_recurring() == [reminders.REMIND_JOB]  # a second worker starting
    waiting = list(db.session.scalars(select(Job).where(Job.kind == reminders.REMIND_JOB)))
    assert len(waiting) == 1
    db.session.commit()
    queue.run_pending()
    jobs = {job.state: job for job in db.session.scalars(
        select(Job).where(Job.kind == reminders.REMIND_JOB).execution_options(
            populate_existing=True))}
    assert set(jobs) == {JobState.DONE, JobState.QUEUED}
    assert jobs[JobState.QUEUED].key == reminders.REMIND_JOB
    assert timedelta(seconds=50) < jobs[JobState.QUEUED].run_at - utcnow() <= timedelta(minutes=1)
    db.session.commit()
    assert queue.run_pending() == 0  # not due for a minute


def test_the_command_reminds_for_cron(app, soon, member):
    sessions.answer(member, soon, "going")
    soon.starts_at = utcnow() + timedelta(minutes=20)
    soon.ends_at = soon.starts_at + timedelta(minutes=90)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sessions", "remind"])
    assert result.exit_code == 0, result.output
    assert result.output == "2 reminders sent.\n"  # the member and the host
    assert app.test_cli_runner().invoke(args=["sessions", "remind"]).output == (
        "0 reminders sent.\n")


def test_a_round_costs_the_same_for_two_people_or_twenty(queries, community, facilitator,
                                                          network, member):
    def round_for(people: int) -> int:
        session = factories.make_session(community, facilitator,
                                         starts_at=utcnow() + timedelta(minutes=30))
        for number in range(people):
            person = factories.make_user(network.seas["AZ"], f"p{people}.{number}@example.org")
            factories.add_to(community, person, "member")
            sessions.answer(person, session, "going")
        with queries() as counted:
            assert reminders.send_reminders() == people + 1
        db.session.commit()
        return counted.count

    assert round_for(2) == round_for(20)

