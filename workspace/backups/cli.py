"""`flask backup` and `flask restore` (see README, "Backups")."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from workspace.backups.archive import ArchiveRefused
from workspace.backups.service import RestoreRefused, backup, restore
from workspace.database import utcnow


def default_archive_name() -> str:
    return f"workspace-backup-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the archive (default: workspace-backup-<UTC time>.tar.gz "
                   "in the current folder).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Write the database and the uploaded files as one archive with a manifest."""
    path = output or Path(default_archive_name())
    try:
        report = backup(path)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {report.path}: {report.rows} rows in {report.tables} "
               f"tables, {report.files} files ({report.file_bytes} bytes).")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Erase every row and stored file of this instance before restoring.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Check a backup archive, then restore it into this (empty) instance."""
    try:
        report = restore(archive, force=force)
    except (ArchiveRefused, RestoreRefused) as exc:
        raise click.ClickException(str(exc)) from None
    if report.migrated:
        click.echo("The empty database was migrated to the archive's revision.")
    if report.emptied:
        click.echo("The instance's previous contents were erased (--force).")
    click.echo(f"Restored {report.rows} rows in {report.tables} tables and {report.files} "
               f"files ({report.file_bytes} bytes) from {archive}.")
