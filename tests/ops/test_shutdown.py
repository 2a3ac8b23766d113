"""SIGTERM stops `flask serve` gracefully: live clients are told and disconnected (so they
reconnect elsewhere), and the process exits 0 within a bounded time."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realtime.test_two_workers import (
    Person,
    Worker,
    _until,
    run_in_own_loop,
    server_environment,
    serving,
)

EXIT_WITHIN = 15.0  # seconds: the server's grace (10 s) and a margin for a loaded machine


@pytest.fixture
def app_settings(app_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A database file the server process opens too."""
    if app_settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {**app_settings,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workspace.sqlite3'}"}
    return app_settings


@pytest.fixture
def person(member) -> tuple[int, str]:
    return member.id, member.email  # plain values: the server reads the rest from the database


@pytest.fixture
def server(app, person, tmp_path: Path) -> Iterator[Worker]:
    with serving("server", server_environment(app), tmp_path) as started:
        yield started


def test_sigterm_sends_live_clients_away_and_exits_cleanly(server: Worker, person):
    async def scenario() -> None:
        member = Person(person)
        try:
            await member.sign_in(server)
            await member.connect(server)
            socket = member.socket
            assert socket is not None and socket.connected
            server.process.send_signal(signal.SIGTERM)
            await _until(lambda: bool(member.heard("server_shutting_down")),
                         "the server to say it is shutting down")
            await _until(lambda: not socket.connected, "the server to disconnect")
        finally:
            await member.close()

    run_in_own_loop(scenario)
    started = time.monotonic()
    try:
        code = server.process.wait(timeout=EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {EXIT_WITHIN:.0f} s after SIGTERM:\n{server.output()}")
    assert code == 0, server.output()
    assert time.monotonic() - started < EXIT_WITHIN
    assert "Stopped." in server.output()
