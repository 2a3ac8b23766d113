"""Flask commands: `flask seed-demo`, `flask serve` (gevent, see workspace/serve.py), `flask jobs`
(the background worker, see workspace/jobs/), `flask digest` (email digests, for cron),
`flask backup` and `flask restore` (see workspace/backups/)."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workspace.backups.cli import backup_command, restore_command
from workspace.jobs.cli import jobs_group
from workspace.notifications.digest_cli import digest_group


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo catalogue and accounts (adds only what is missing)."""
    from workspace.demo.seed import seed_demo  # noqa: PLC0415 - loads YAML only when asked

    password = current_app.config["DEMO_PASSWORD"]
    report = seed_demo(password)
    click.echo(f"Demo data: added {report.organizations} organizations, {report.communities} "
               f"communities, {report.announcements} announcements, {report.people} people, "
               f"{report.forum_topics} forum topics, {report.sessions} sessions, "
               f"{report.resources} resources, {report.blog_posts} blog posts.")
    click.echo(f"Demo accounts (password: {password}):")
    for email, name in report.accounts:
        click.echo(f"  {email:<28} {name}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the app with gevent, live (Socket.IO) connections included."""
    # gevent must patch the standard library before anything imports it, and this process has
    # imported Flask, SQLAlchemy and threads already: the server is a fresh process (same
    # environment) that gevent's launcher patches first. See workspace/serve.py.
    from workspace.serve import command  # noqa: PLC0415 - the server process imports it too

    sys.stdout.flush()
    argv = command(host, port)
    os.execv(argv[0], argv)


def register(app: Flask) -> None:
    from workspace.sessions.cli import sessions_group  # noqa: PLC0415 - features load late

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(digest_group)
    app.cli.add_command(sessions_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
