"""`flask digest send --cadence daily|weekly`: the digests, for cron (see README, "Digests")."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from workspace.notifications.digest import DEFAULT_BATCH_SIZE, RunUnderWay, send_digests
from workspace.notifications.models import Cadence

digest_group = AppGroup("digest", help="Daily and weekly email digests.")


@digest_group.command("send")
@click.option("--cadence", required=True, type=click.Choice([Cadence.DAILY.value,
                                                             Cadence.WEEKLY.value]),
              help="Which digest: daily or weekly.")
@click.option("--dry-run", is_flag=True, help="Say who would get one; queue nothing.")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True,
              type=click.IntRange(min=1), help="People read and committed at a time.")
def send_command(cadence: str, dry_run: bool, batch_size: int) -> None:
    """Send what is new since the last digest of this cadence (or finish one that stopped)."""
    try:
        report = send_digests(Cadence(cadence), batch_size=batch_size, dry_run=dry_run)
    except RunUnderWay as under_way:
        raise click.ClickException(under_way.message) from None
    window = f"{report.window_start:%Y-%m-%d %H:%M} to {report.window_end:%Y-%m-%d %H:%M} UTC"
    if report.dry_run:
        click.echo(f"Dry run of the {cadence} digest for {window}: {report.emails} of "
                   f"{report.people} people would get one; nothing was queued.")
        return
    started = "Finished the run that stopped part way" if report.resumed else "Sent"
    click.echo(f"{started}: the {cadence} digest for {window} (run {report.run_id}): "
               f"{report.emails} queued for {report.people} people, in {report.batches} "
               f"batch{'es' if report.batches != 1 else ''}.")
