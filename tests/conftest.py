"""Fixtures: a fresh database per test, and real people in real communities."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests import factories
from workspace import create_app
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db, socketio


def _database_for_worker(worker_id: str) -> str:
    """sqlite in memory by default; with TEST_DATABASE_URL, one PostgreSQL database per worker."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite://"
    from workspace.config import normalize_database_url  # noqa: PLC0415

    url = normalize_database_url(url)
    if worker_id in ("master", "gw0"):
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker_id}"
    import psycopg  # noqa: PLC0415

    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_uri(worker_id: str) -> str:
    return _database_for_worker(worker_id)


TEST_SETTINGS: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
    "REDIS_URL": None,
    "SOCKETIO_ASYNC_MODE": "threading",  # Flask-SocketIO's test client needs it
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": "localhost",
    "BASE_URL": "http://localhost",
    "MAIL_SERVER": None,
}


@pytest.fixture(scope="session")
def files_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Uploaded files for the whole run, outside the checkout (stored by content hash, so
    tests never see each other's files as anything but the same bytes)."""
    return str(tmp_path_factory.mktemp("files"))


@pytest.fixture
def app_settings(database_uri: str, files_root: str) -> dict[str, Any]:
    """Settings for this test's app; a test may change them before asking for `app`."""
    return {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_uri, "FILES_ROOT": files_root}


class WorkspaceTestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as a real request does.

    Tests keep one app context (and one database session) open; Flask reuses it for requests,
    so without this the signed-in user and the policy's cached standings would leak from one
    request into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        _fresh_g()
        try:
            return super().open(*args, **kwargs)
        finally:
            _fresh_g()


@pytest.fixture
def app(app_settings: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_settings)
    app.test_client_class = WorkspaceTestClient
    with app.app_context():
        start_empty()  # every test starts from empty tables, their ids from 1
        yield app
        db.session.remove()
        db.engine.dispose()


# --- An empty database for each test ----------------------------------------------------------
#
# The schema is made once per worker and emptied between tests: dropping and creating every
# table for each test cost more than most tests themselves (0.45 s on PostgreSQL, 45 ms on
# SQLite in memory). Emptying only what a test wrote takes about 10 ms and 1 ms.

# Per database (and set of models): a fingerprint of the schema create_all made (PostgreSQL),
# or an empty database holding it, to copy (SQLite in memory).
_POSTGRESQL_SCHEMAS: dict[tuple[str, frozenset[str]], str] = {}
_SQLITE_TEMPLATES: dict[frozenset[str], sqlite3.Connection] = {}

_POSTGRESQL_SCHEMA_SQL = """
SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = current_schema()
UNION ALL
SELECT conname, 'constraint', pg_get_constraintdef(oid), NULL, NULL
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
ORDER BY 1, 2, 3
"""


def start_empty() -> None:
    """Give this test's app a database with every table and no rows; ids start at 1."""
    models = frozenset(db.metadata.tables)
    if db.engine.dialect.name == "postgresql":
        _empty_postgresql(models)
    elif db.engine.url.database in (None, "", ":memory:"):
        _copy_empty_sqlite(models)
    else:  # a SQLite file of the test's own (workers in other threads or processes open it)
        db.drop_all()
        db.create_all()


def _postgresql_schema() -> str:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(_POSTGRESQL_SCHEMA_SQL).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _empty_postgresql(models: frozenset[str]) -> None:
    """Delete the rows of the tables that have any and restart the sequences that moved.

    The schema is checked first: a migration or demo test may have dropped or changed it (or
    failed half way), and then it is made again from nothing."""
    key = (db.engine.url.render_as_string(hide_password=False), models)
    if _POSTGRESQL_SCHEMAS.get(key) != _postgresql_schema():
        _drop_everything()
        db.create_all()
        _POSTGRESQL_SCHEMAS[key] = _postgresql_schema()
        return
    tables = db.metadata.sorted_tables
    any_rows = " UNION ALL ".join(
        f"SELECT {index} WHERE EXISTS (SELECT FROM {_quoted(table.name)})"
        for index, table in enumerate(tables))
    with db.engine.begin() as connection:
        written = sorted((row[0] for row in connection.exec_driver_sql(any_rows)), reverse=True)
        moved = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences WHERE schemaname = current_schema() "
            "AND last_value IS NOT NULL").scalars().all()
        # Dependents first, so each DELETE finds no rows pointing at the ones it removes.
        statements = [f"DELETE FROM {_quoted(tables[index].name)}" for index in written]
        statements += [f"SELECT setval('{sequence}', 1, false)" for sequence in moved]
        if statements:
            connection.exec_driver_sql("; ".join(statements))


def _quoted(name: str) -> str:
    return db.engine.dialect.identifier_preparer.quote(name)


def _drop_everything() -> None:
    """Empty PostgreSQL, including tables a failed migration test left behind (tables of a past
    revision, unknown to the models, would keep foreign keys that stop drop_all)."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def _copy_empty_sqlite(models: frozenset[str]) -> None:
    """Each app's in-memory SQLite starts out blank: copy the tables in (made once)."""
    connection = db.engine.raw_connection()  # the app's one connection (a StaticPool)
    try:
        template = _SQLITE_TEMPLATES.get(models)
        if template is not None:
            template.backup(connection.driver_connection)
            return
        db.create_all()
        template = sqlite3.connect(":memory:", check_same_thread=False)
        connection.driver_connection.backup(template)
        _SQLITE_TEMPLATES[models] = template
    finally:
        connection.close()


@pytest.fixture
def database_at(app: Flask) -> Iterator[Callable[[str], None]]:
    """For data-migration tests: `database_at(revision)` empties the database and migrates it
    to that revision; afterwards it goes back down the migrations, since a past revision's
    tables are unknown to drop_all (and PostgreSQL enforces their foreign keys)."""
    from flask_migrate import downgrade, upgrade  # noqa: PLC0415

    def migrate_to(revision: str) -> None:
        db.drop_all()
        upgrade(revision=revision)

    yield migrate_to
    db.session.remove()
    downgrade(revision="base")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- People ---------------------------------------------------------------------------------

@pytest.fixture
def network(app: Flask) -> factories.Network:
    """The organizations most tests need: a few SEAs, a district and partners."""
    return factories.make_network()


@pytest.fixture
def community(network: factories.Network) -> Community:
    """A P2P exchange in progress in which Arizona and Georgia take part."""
    return factories.make_community(network, participants=["AZ", "GA"],
                                    slug="school-improvement-p2p")


@pytest.fixture
def recruiting_community(network: factories.Network) -> Community:
    return factories.make_community(network, participants=["AZ"], slug="data-systems-cop",
                                    status="recruiting", kind="cop", capacity=2)


@pytest.fixture
def staff(network: factories.Network) -> User:
    return factories.make_user(network.partner, "staff@example.org", is_network_staff=True)


@pytest.fixture
def facilitator(network: factories.Network, community: Community,
                recruiting_community: Community) -> User:
    user = factories.make_user(network.partner, "facilitator@example.org")
    factories.add_to(community, user, "facilitator")
    factories.add_to(recruiting_community, user, "facilitator")
    return user


@pytest.fixture
def sme(network: factories.Network, community: Community) -> User:
    user = factories.make_user(network.partners["CCSSO"], "sme@example.org")
    factories.add_to(community, user, "sme")
    return user


@pytest.fixture
def member(network: factories.Network, community: Community) -> User:
    """Arizona's team member: their agency takes part."""
    user = factories.make_user(network.seas["AZ"], "az.member@example.org")
    factories.add_to(community, user, "member", contact=True)
    return user


@pytest.fixture
def other_member(network: factories.Network, community: Community) -> User:
    user = factories.make_user(network.seas["GA"], "ga.member@example.org")
    factories.add_to(community, user, "member", contact=True)
    return user


@pytest.fixture
def observer(network: factories.Network, community: Community) -> User:
    user = factories.make_user(network.partners["OSS"], "observer@example.org")
    factories.add_to(community, user, "observer")
    return user


@pytest.fixture
def outsider(network: factories.Network) -> User:
    """Texas's team member: their agency takes part in nothing."""
    return factories.make_user(network.seas["TX"], "tx.member@example.org")


# --- Signing in -----------------------------------------------------------------------------

@pytest.fixture
def sign_in(app: Flask) -> Callable[[FlaskClient, User], FlaskClient]:
    """Mark a test client as signed in as this person (the session Flask-Login would write)."""

    def sign_in(client: FlaskClient, user: User) -> FlaskClient:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return sign_in


@pytest.fixture
def client_as(app: Flask, sign_in: Callable) -> Callable[[User | None], FlaskClient]:
    """A fresh test client signed in as this person (None: a visitor)."""

    def client_as(user: User | None) -> FlaskClient:
        client = app.test_client()
        return sign_in(client, user) if user is not None else client

    return client_as


def _fresh_g() -> None:
    from flask import g, has_app_context  # noqa: PLC0415

    if has_app_context():
        g.__dict__.clear()


class LiveClient:
    """A Socket.IO test client whose every event starts with an empty `g`, like a real one.

    (See WorkspaceTestClient: the test's app context is shared, so Flask-Login's cached user
    would otherwise carry over from one person's event to another's.)
    """

    def __init__(self, app: Flask, http: FlaskClient) -> None:
        _fresh_g()
        self._client = socketio.test_client(app, namespace="/live", flask_test_client=http)
        _fresh_g()

    def emit(self, *args: Any, **kwargs: Any) -> Any:
        _fresh_g()
        try:
            return self._client.emit(*args, **kwargs)
        finally:
            _fresh_g()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def connect_as(app: Flask, client_as: Callable) -> Callable[[User], LiveClient]:
    def connect_as(user: User) -> LiveClient:
        return LiveClient(app, client_as(user))

    return connect_as


# --- Measuring ------------------------------------------------------------------------------

class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(app: Flask) -> Iterator[Callable[[], QueryCounter]]:
    """`with queries() as counted:` ... `counted.count` SQL statements ran inside the block."""
    from contextlib import contextmanager  # noqa: PLC0415

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE",
                                                          "PRAGMA", "COMMIT", "ROLLBACK")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    yield counting
