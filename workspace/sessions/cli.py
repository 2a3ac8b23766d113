"""`flask sessions remind`: one round of session reminders, for cron (a job worker also does
one every minute)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from workspace.extensions import db
from workspace.sessions import reminders

sessions_group = AppGroup("sessions", help="Live sessions: reminders.")


@sessions_group.command("remind")
def remind_command() -> None:
    """Remind everyone whose reminder time has come of the sessions they are coming to."""
    told = reminders.send_reminders()
    db.session.commit()
    click.echo(f"{told} reminder{'s' if told != 1 else ''} sent.")
