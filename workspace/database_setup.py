"""Engine tuning: SQLite made fit for a threaded (or gevent) web server."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from workspace.extensions import db
from workspace.realtime import is_patched_for_gevent

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 15_000


def is_sqlite(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def prepare_engine_options(app: Flask) -> None:
    """Engine options, set before Flask-SQLAlchemy builds the engine."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if is_sqlite(app):
        options["connect_args"] = {"timeout": 15, "check_same_thread": False,
                                   **options.get("connect_args", {})}
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def attach_engine_events(app: Flask) -> None:
    if is_sqlite(app):
        with app.app_context():
            configure_sqlite(db.engine)


def _is_write_work() -> bool:
    # Socket.IO events and non-GET requests write; so do commands and background work.
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or getattr(request, "event", None) is not None


def configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    cooperative = is_patched_for_gevent()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock in WAL mode
        # ("database is locked" at once); writers take the lock up front and wait their turn.
        if not _is_write_work():
            connection.exec_driver_sql("BEGIN")
        elif cooperative:
            _begin_immediate_cooperatively(connection.connection.dbapi_connection)
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_immediate_cooperatively(dbapi_connection: sqlite3.Connection) -> None:
    """Take the write lock without stopping the process while waiting for it.

    SQLite waits for a busy lock by sleeping inside C, which under gevent stops every greenlet
    of the process, the one holding the lock included when it is waiting on I/O (say, the live
    rate limit in Redis): nothing moves until the timeout. So ask without waiting, and let the
    other greenlets run between tries."""
    import gevent  # noqa: PLC0415 - only processes patched for gevent get here

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            gevent.sleep(pause)
            pause = min(pause * 2, 0.05)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
