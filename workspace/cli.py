"""Flask commands: `flask seed-demo`, `flask serve`."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workspace.extensions import socketio


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo catalogue and accounts (adds only what is missing)."""
    from workspace.demo.seed import seed_demo  # noqa: PLC0415 - loads YAML only when asked

    password = current_app.config["DEMO_PASSWORD"]
    report = seed_demo(password)
    click.echo(f"Demo data: added {report.organizations} organizations, {report.communities} "
               f"communities, {report.announcements} announcements, {report.people} people, "
               f"{report.forum_topics} forum topics, {report.sessions} sessions.")
    click.echo(f"Demo accounts (password: {password}):")
    for email, name in report.accounts:
        click.echo(f"  {email:<28} {name}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app with live (Socket.IO) support."""
    click.echo(f"CoP Workspace on http://{host}:{port}/  (Ctrl+C stops it)")
    # Flask refuses app.run() under its own CLI; this command exists to run the server.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    # current_app is typed as the Flask app itself, not the proxy that has _get_current_object.
    socketio.run(current_app._get_current_object(), host=host, port=port,  # type: ignore[attr-defined]
                 allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(serve_command)
