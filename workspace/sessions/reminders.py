"""Session reminders: a notice, the person's chosen time before a session they are coming to,
which reaches them by email as their "Session reminders" choice says.

A job ("sessions.remind") does a round every minute and queues the next; a worker starting for
good queues it (jobs.queue.start_recurring), and `flask sessions remind` does one round for cron.
Each round looks at the sessions starting within the longest reminder time anyone may choose,
and reminds everyone whose time has come and who hasn't been reminded of that session at that
start time (ReminderSent): a session moved reminds again at its new time, a cancelled one never.

Who is coming: people who answered going or maybe, and who may still attend (a withdrawn
state's people are not reminded). Facilitators answer like everyone else, with one exception:
the person who scheduled a session hosts it and rarely answers their own invitation, so they are
reminded unless they answered "not going".
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, union
from sqlalchemy.orm import joinedload

from workspace import policy
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue as jobs
from workspace.notifications.models import NotificationKind
from workspace.notifications.preferences import REMINDER_CHOICES, EmailChoices
from workspace.notifications.service import Subject, notify_many
from workspace.policy import sessions as session_policy
from workspace.sessions.models import (
    LiveSession,
    ReminderSent,
    Rsvp,
    RsvpAnswer,
    SessionStatus,
)
from workspace.sessions.service import SUBJECT, session_link, session_thread, when_text

REMIND_JOB = "sessions.remind"
EVERY = timedelta(minutes=1)
LONGEST_WINDOW = timedelta(minutes=max(REMINDER_CHOICES))
COMING = (RsvpAnswer.GOING, RsvpAnswer.MAYBE)


def send_reminders(now: datetime | None = None) -> int:
    """Remind everyone whose reminder time has come, in the caller's unit of work (flushes,
    never commits); how many people were reminded. A fixed number of queries, plus two for each
    session with someone to remind."""
    now = now or utcnow()
    sessions = {session.id: session for session in db.session.scalars(
        select(LiveSession).where(LiveSession.status == SessionStatus.SCHEDULED,
                                  LiveSession.starts_at > now,
                                  LiveSession.starts_at <= now + LONGEST_WINDOW)
        .options(joinedload(LiveSession.community)))}
    if not sessions:
        return 0
    ids = sorted(sessions)
    answered = select(Rsvp.id).where(Rsvp.session_id == LiveSession.id,
                                     Rsvp.user_id == LiveSession.author_id)
    coming = db.session.execute(union(
        select(Rsvp.session_id, Rsvp.user_id).where(Rsvp.session_id.in_(ids),
                                                     Rsvp.answer.in_(COMING)),
        select(LiveSession.id, LiveSession.author_id).where(LiveSession.id.in_(ids),
                                                            ~answered.exists()))).all()
    reminded = {tuple(row) for row in db.session.execute(
        select(ReminderSent.session_id, ReminderSent.user_id, ReminderSent.starts_at)
        .where(ReminderSent.session_id.in_(ids)))}
    choices = EmailChoices.load({user_id for _, user_id in coming}, [])
    due: dict[int, list[int]] = defaultdict(list)
    for session_id, user_id in coming:
        session = sessions[session_id]
        minutes = choices.reminder_minutes(user_id)
        if (minutes and session.starts_at - timedelta(minutes=minutes) <= now
                and (session_id, user_id, session.starts_at) not in reminded):
            due[session_id].append(user_id)
    told = 0
    for session_id, user_ids in sorted(due.items()):
        told += len(_remind(sessions[session_id], user_ids, now))
    return told


def _remind(session: LiveSession, user_ids: list[int], now: datetime) -> list[int]:
    may_attend = or_(User.id.in_(session_policy.attendee_ids(session.community)),
                     User.id.in_(policy.staff_ids()))
    told = notify_many(
        select(User.id).where(User.id.in_(user_ids), may_attend),
        NotificationKind.SESSION_STARTING,
        f"Reminder: “{session.label}” starts {_in_words(session.starts_at - now)} "
        f"({when_text(session)}).", session_link(session), actor=None,
        community=session.community, subject=Subject(SUBJECT, session.id),
        thread=session_thread(session))
    if told:
        db.session.execute(insert(ReminderSent), [
            {"session_id": session.id, "user_id": user_id, "starts_at": session.starts_at,
             "sent_at": now} for user_id in told])
    return told


def _in_words(left: timedelta) -> str:
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"in about {hours} hour{'s' if hours != 1 else ''}" if minutes % 60 else \
        f"in {hours} hour{'s' if hours != 1 else ''}"


@jobs.register(REMIND_JOB)
def remind_job(payload: dict[str, Any]) -> None:
    send_reminders()
    jobs.enqueue_next(REMIND_JOB, {}, key=REMIND_JOB, run_at=utcnow() + EVERY)


jobs.RECURRING.add(REMIND_JOB)

