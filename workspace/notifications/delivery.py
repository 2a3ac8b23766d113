"""Immediate email for new notices: the job `notify` asks for, run after the request commits.

For each notice it asks again, now: is the person's account working, is their email paused,
did they (or their community) choose "right away" for this kind, and may they still see what it
is about (a notice withdrawn or about something hidden since sends nothing). Each notice is
emailed at most once: the outbox message is keyed by the notice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace.extensions import db
from workspace.jobs import queue as jobs
from workspace.notifications import service
from workspace.notifications.email import (
    attachments_for,
    category_scope,
    email_person,
    external,
    links_context,
)
from workspace.notifications.kinds import category_of
from workspace.notifications.models import Cadence, Notification
from workspace.notifications.preferences import EmailChoices
from workspace.templating import local_path


@jobs.register(service.EMAIL_JOB)
def email_notices(payload: dict[str, Any]) -> None:
    ids = [int(each) for each in payload["ids"]]
    notices = list(db.session.scalars(
        select(Notification).where(Notification.id.in_(ids))
        .options(joinedload(Notification.user)).order_by(Notification.id)))
    if not notices:
        return  # withdrawn before the job ran
    choices = EmailChoices.load({notice.user_id for notice in notices},
                                {notice.community_id for notice in notices
                                 if notice.community_id is not None})
    with links_context():
        for notice in notices:
            person = notice.user
            category = category_of(notice.kind)
            if (person.is_deactivated or person.password_hash is None
                    or choices.is_paused(person.id)
                    or choices.cadence(person.id, category, notice.community_id)
                    is not Cadence.IMMEDIATELY
                    or not service.still_visible(person, notice)):
                continue
            email_person(person, category_scope(category), subject=notice.message,
                         template="notification", key=f"notification:{notice.id}",
                         attachments=attachments_for(person, notice), notice=notice,
                         link=external(notice.link) if local_path(notice.link) else "")
