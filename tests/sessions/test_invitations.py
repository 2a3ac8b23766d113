"""Sessions scheduled, moved and cancelled reach people by email with the calendar entry: an
iTIP REQUEST (CANCEL once cancelled) with the UID and SEQUENCE the calendar feed gives the
session, so Outlook keeps one entry and updates it. Action items given to people tell them."""

from __future__ import annotations

from datetime import date, time, timedelta

from icalendar import Calendar
from sqlalchemy import select

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification, NotificationKind
from workspace.sessions import actions
from workspace.sessions import service as sessions
from workspace.sessions.models import LiveSession


def plan(day: date, title: str = "Family engagement") -> sessions.Plan:
    return sessions.Plan(title=title, number=3, day=day, starts=time(14), ends=time(15, 30),
                         time_zone="America/Phoenix", call_url="https://meet.example.org/p2p")


def emails_to(person) -> list[OutboxMessage]:
    db.session.commit()
    queue.run_pending()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == person.email).order_by(OutboxMessage.id)))


def calendar_of(email: OutboxMessage) -> Calendar:
    [attachment] = email.attachments
    assert attachment["media_type"] == "text/calendar"
    assert attachment["filename"].endswith(".ics")
    return Calendar.from_ical(attachment["content"])


def test_the_invitation_carries_the_session_and_its_updates_the_same_entry(
        community, facilitator, member, observer):
    session = sessions.schedule(facilitator, community, plan(date(2031, 3, 11)))
    [invitation] = emails_to(member)
    assert invitation.subject == ("Facilitator scheduled “Session 3: Family engagement” for "
                                  "Tuesday, March 11, 2031, 2:00 – 3:30 PM MST.")
    calendar = calendar_of(invitation)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == (session.uid, 0)
    assert event.start == session.starts_at and event["STATUS"] == "CONFIRMED"
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert str(event["ORGANIZER"]).startswith("mailto:no-reply@")
    assert "https://meet.example.org/p2p" in event["DESCRIPTION"]  # a member may attend
    # An observer follows the sessions without joining the call: no call link for them.
    [observer_invitation] = emails_to(observer)
    assert "meet.example.org" not in calendar_of(observer_invitation).to_ical().decode()

    sessions.answer(member, session, "going")
    sessions.change(facilitator, session, plan(date(2031, 3, 12)), reason="The board meets.")
    _, moved = emails_to(member)
    sessions.cancel(facilitator, session, reason="The presenter is ill.")
    _, _, cancelled = emails_to(member)
    # The entry is built when the email is: one sent late carries the session as it is then.
    moved_calendar, cancelled_calendar = calendar_of(moved), calendar_of(cancelled)
    assert moved_calendar["METHOD"] == "REQUEST"
    [moved_event] = moved_calendar.walk("VEVENT")
    assert (str(moved_event["UID"]), moved_event["SEQUENCE"]) == (session.uid, 1)
    assert moved_event.start.date() == date(2031, 3, 12)
    assert cancelled_calendar["METHOD"] == "CANCEL"
    [cancelled_event] = cancelled_calendar.walk("VEVENT")
    assert (str(cancelled_event["UID"]), cancelled_event["SEQUENCE"]) == (session.uid, 2)
    assert cancelled_event["STATUS"] == "CANCELLED"


def test_a_repeat_is_one_notice_and_one_recurring_entry(community, facilitator, member):
    first = sessions.schedule(facilitator, community, sessions.Plan(
        title="Coaching", day=date(2031, 3, 11), starts=time(14), ends=time(15),
        time_zone="America/Phoenix"), repeat=sessions.RepeatPlan("biweekly", count=6))
    notices = list(db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.SESSION_SCHEDULED,
        Notification.user_id == member.id)))
    assert [(notice.message, notice.subject_id, notice.thread_key) for notice in notices] == [
        ("Facilitator scheduled “Coaching”, every other week, 6 times, from Tuesday, March 11, "
         "2031, 2:00 – 3:00 PM MST.", first.id, f"live_session:{first.id}")]
    [invitation] = emails_to(member)
    [event] = calendar_of(invitation).walk("VEVENT")
    assert first.repeat is not None
    assert str(event["UID"]) == first.repeat.uid
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6;INTERVAL=2"

    # One occurrence moved on its own: its override (same UID, RECURRENCE-ID), not the run.
    third = db.session.scalars(select(LiveSession).where(
        LiveSession.repeat_id == first.repeat_id).order_by(LiveSession.starts_at)).all()[2]
    sessions.answer(member, third, "going")
    sessions.change(facilitator, third, sessions.Plan(
        title="Coaching", day=date(2031, 4, 9), starts=time(14), ends=time(15),
        time_zone="America/Phoenix"), reason="Spring break.")
    _, moved = emails_to(member)
    [override] = calendar_of(moved).walk("VEVENT")
    assert str(override["UID"]) == first.repeat.uid
    assert override["RECURRENCE-ID"].dt == third.original_starts_at
    assert override["SEQUENCE"] == 1 and "RRULE" not in override


def test_a_session_written_down_afterwards_tells_no_one(community, facilitator, member):
    sessions.schedule(facilitator, community, plan(date(2021, 3, 11)))
    assert db.session.scalars(select(Notification)).all() == []


def test_an_action_item_tells_whom_it_is_newly_given_to(community, facilitator, member,
                                                       other_member, sme):
    session = factories.make_session(community, facilitator,
                                     starts_at=utcnow() - timedelta(minutes=5))
    item = actions.add_action_item(facilitator, session, text="Draft the family survey")
    actions.update_action_item(facilitator, item, owner_id=member.id)
    due = utcnow().date() + timedelta(days=30)
    actions.update_action_item(facilitator, item, text="Draft the family survey (short)",
                               due_on=due.isoformat())
    actions.update_action_item(facilitator, item, owner_id=None,
                               organization_id=other_member.organization_id)
    notices = list(db.session.execute(select(Notification.user_id, Notification.message)
                                      .where(Notification.kind == NotificationKind.ACTION_ITEM)
                                      .order_by(Notification.id)))
    assert [tuple(row) for row in notices] == [
        (member.id, "Facilitator gave you an action item in “Progress monitoring”: Draft the "
                    "family survey."),
        (other_member.id, "Facilitator gave Georgia an action item in “Progress monitoring”: "
                          f"Draft the family survey (short), due {due:%B} {due.day}.")]
