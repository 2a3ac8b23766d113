"""`flask backup` then `flask restore` into an empty instance gives back every row of every
table and every file exactly; a damaged archive, one from another migration, or an instance
that already holds something are refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_SETTINGS
from workspace import create_app
from workspace.backups import archive
from workspace.backups.service import code_head
from workspace.demo.seed import seed_demo
from workspace.extensions import db
from workspace.files.storage import LocalStorage, storage

Dump = dict[str, list[tuple[Any, ...]]]


def _postgresql(database_uri: str) -> bool:
    return database_uri.startswith("postgresql")


def _fresh_database(database_uri: str, tmp: Path, name: str) -> str:
    """An empty database beside the test's: a SQLite file, or a PostgreSQL database."""
    if not _postgresql(database_uri):
        return f"sqlite:///{tmp / (name + '.sqlite')}"
    import psycopg  # noqa: PLC0415 - PostgreSQL runs only

    url = make_url(database_uri)
    database = f"{url.database}_{name}"
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return url.set(database=database).render_as_string(hide_password=False)


def _app(database: str, files: Path) -> Flask:
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database,
                       "FILES_ROOT": str(files)})


def dump_everything() -> Dump:
    """Every row of every table, in primary-key order, as the app reads it."""
    db.session.remove()
    with db.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
            select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def stored_files() -> dict[str, str]:
    """Each file in the local store by name, with the sha256 of its bytes."""
    store = storage()
    assert isinstance(store, LocalStorage)
    found = {}
    for path in store.root.glob("*/*/*"):
        if path.is_file() and ".incoming" not in path.parts:
            found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Source:
    def __init__(self, app: Flask, archive_path: Path, rows: Dump, files: dict[str, str],
                 output: str) -> None:
        self.app, self.archive, self.rows, self.files, self.output = (
            app, archive_path, rows, files, output)


@pytest.fixture(scope="module")
def source(database_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """The demo loaded once (with its uploads and their previews), then backed up."""
    tmp = tmp_path_factory.mktemp("backup-source")
    app = _app(_fresh_database(database_uri, tmp, "backup_source"), tmp / "files")
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo("workspace-demo")
        db.session.remove()
        archive_path = tmp / "out" / "backup.tar.gz"
        result = app.test_cli_runner().invoke(args=["backup", "--output", str(archive_path)])
        assert result.exit_code == 0, result.output
        yield Source(app, archive_path, dump_everything(), stored_files(), result.output)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def empty_instance(database_uri: str, tmp_path: Path) -> Iterator[Flask]:
    """A second instance with nothing in it: no tables at all, no files."""
    app = _app(_fresh_database(database_uri, tmp_path, "backup_target"), tmp_path / "files")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def restore(app: Flask, path: Path, *extra: str) -> Any:
    return app.test_cli_runner().invoke(args=["restore", str(path), *extra])


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """A copy of the archive with members changed (None leaves a member out)."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for info in original:
            stream = original.extractfile(info)
            assert stream is not None
            data = change(info.name, stream.read())
            if data is None:
                continue
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))


def test_the_archive_holds_a_manifest_with_a_checksum_for_every_member(source):
    manifest = archive.verify(source.archive)
    assert manifest["migration_head"] == code_head()
    with source.app.app_context():
        assert manifest["database_dialect"] == db.engine.dialect.name
    assert {entry["name"]: entry["rows"] for entry in manifest["tables"]} == {
        name: len(rows) for name, rows in source.rows.items()}
    assert {entry["digest"] for entry in manifest["files"]} == set(source.files)
    assert len(source.files) > 5  # the demo's uploads and previews
    assert all(len(entry["sha256"]) == 64 for entry in manifest["tables"] + manifest["files"])
    assert oct(os.stat(source.archive).st_mode & 0o777) == "0o600"
    assert f"{len(source.files)} files" in source.output


def test_a_restore_into_an_empty_instance_gives_back_every_row_and_file(source,
                                                                         empty_instance):
    result = restore(empty_instance, source.archive)
    assert result.exit_code == 0, result.output
    assert "migrated" in result.output
    assert dump_everything() == source.rows
    assert stored_files() == source.files
    assert all(name == digest for name, digest in source.files.items())
    with db.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == code_head()
        if connection.dialect.name == "postgresql":  # new rows continue after the restored ids
            last = connection.execute(text(
                "SELECT last_value FROM users_id_seq")).scalar()
            assert last == max(row[0] for row in source.rows["users"])


def test_a_non_empty_instance_is_refused_unless_forced(source, empty_instance):
    assert restore(empty_instance, source.archive).exit_code == 0
    stray = hashlib.sha256(b"not in the backup").hexdigest()
    spare = storage().temp_dir() / "stray"
    spare.write_bytes(b"not in the backup")
    storage().put(stray, spare)
    leaf = next(table for table in reversed(db.metadata.sorted_tables) if source.rows[table.name])
    db.session.execute(leaf.delete())  # rows changed since the backup
    db.session.commit()
    changed = dump_everything()

    refused = restore(empty_instance, source.archive)
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert dump_everything() == changed

    forced = restore(empty_instance, source.archive, "--force")
    assert forced.exit_code == 0, forced.output
    assert "erased" in forced.output
    assert dump_everything() == source.rows
    assert stored_files() == source.files  # the stray file went too


def test_a_file_in_the_store_alone_makes_an_instance_non_empty(source, empty_instance):
    spare = storage().temp_dir() / "lonely"
    spare.write_bytes(b"lonely")
    storage().put(hashlib.sha256(b"lonely").hexdigest(), spare)
    refused = restore(empty_instance, source.archive)
    assert refused.exit_code != 0 and "files in the file store" in refused.output


def _assert_untouched(app: Flask) -> None:
    with db.engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    assert stored_files() == {}


def test_one_changed_byte_is_refused_before_anything_is_written(source, empty_instance,
                                                                tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def flip_one_byte(name: str, data: bytes) -> bytes:
        if name != "database/users.jsonl":
            return data
        return data[:10] + bytes([data[10] ^ 1]) + data[11:]

    rewrite(source.archive, tampered, flip_one_byte)
    refused = restore(empty_instance, tampered)
    assert refused.exit_code != 0
    assert "database/users.jsonl does not match its checksum" in refused.output
    _assert_untouched(empty_instance)


def test_a_changed_file_a_missing_member_or_a_truncated_archive_is_refused(
        source, empty_instance, tmp_path):
    first_file = min(source.files)
    changed = tmp_path / "changed.tar.gz"
    rewrite(source.archive, changed,
            lambda name, data: data + b"!" if name == f"files/{first_file}" else data)
    assert f"files/{first_file} does not match" in restore(empty_instance, changed).output

    missing = tmp_path / "missing.tar.gz"
    rewrite(source.archive, missing,
            lambda name, data: None if name == "database/forum_posts.jsonl" else data)
    assert "incomplete" in restore(empty_instance, missing).output

    truncated = tmp_path / "truncated.tar.gz"
    raw = source.archive.read_bytes()
    truncated.write_bytes(raw[: len(raw) // 2])
    result = restore(empty_instance, truncated)
    assert result.exit_code != 0 and "damaged or truncated" in result.output
    _assert_untouched(empty_instance)


def test_an_archive_from_another_migration_is_refused(source, empty_instance, tmp_path):
    other = tmp_path / "other-head.tar.gz"

    def other_head(name: str, data: bytes) -> bytes:
        manifest = json.loads(data) if name == archive.MANIFEST else None
        if manifest is not None:
            manifest["migration_head"] = "0123456789ab"
            return archive.manifest_bytes(manifest)
        if name == archive.MANIFEST_CHECKSUM:
            manifest_now = _read_member(source.archive, archive.MANIFEST)
            changed = json.loads(manifest_now)
            changed["migration_head"] = "0123456789ab"
            return (hashlib.sha256(archive.manifest_bytes(changed)).hexdigest() + "\n").encode()
        return data

    rewrite(source.archive, other, other_head)
    refused = restore(empty_instance, other)
    assert refused.exit_code != 0
    assert "0123456789ab" in refused.output and "flask db upgrade" in refused.output
    _assert_untouched(empty_instance)


def _read_member(path: Path, name: str) -> bytes:
    with tarfile.open(path, "r:gz") as tar:
        stream = tar.extractfile(name)
        assert stream is not None
        return stream.read()


def test_a_database_at_another_revision_is_refused(source, empty_instance):
    db.create_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('0123456789ab')")
    refused = restore(empty_instance, source.archive)
    assert refused.exit_code != 0
    assert "at migration 0123456789ab" in refused.output and "flask db upgrade" in refused.output
    db.drop_all()


def test_an_archive_from_sqlite_restores_into_postgresql(database_uri, tmp_path, empty_instance):
    """Rows are logical, not a dialect's dump: the embedded default can move to PostgreSQL."""
    if not _postgresql(database_uri):
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    embedded = _app(f"sqlite:///{tmp_path / 'embedded.sqlite'}", tmp_path / "embedded-files")
    path = tmp_path / "embedded.tar.gz"
    with embedded.app_context():
        db.create_all()
        seed_demo("workspace-demo")
        rows = dump_everything()
        files = stored_files()
        assert embedded.test_cli_runner().invoke(args=["backup", "-o", str(path)]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    result = restore(empty_instance, path)
    assert result.exit_code == 0, result.output
    assert dump_everything() == rows
    assert stored_files() == files
