"""Engine tuning: SQLite made fit for a threaded web server."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from workspace.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock in WAL mode
        # ("database is locked" at once); writers take the lock up front and wait their turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _is_write_work() else "BEGIN")
