"""Backing up and restoring an instance: its database (SQLite or PostgreSQL) and its files."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path
from typing import IO, Any, BinaryIO

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text

from workspace.backups import archive
from workspace.backups.archive import file_member, table_member
from workspace.backups.rows import RowCodec
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.models import StoredFile
from workspace.files.storage import LocalStorage, S3Storage, Storage, storage

ROWS_PER_BATCH = 1000
SPOOL_IN_MEMORY = 4 * 1024 * 1024  # a table dump bigger than this goes to a temp file


class RestoreRefused(Exception):
    """The instance or the archive does not allow a restore; nothing was written."""


@dataclass
class BackupReport:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    emptied: bool = False
    migrated: bool = False
    row_counts: dict[str, int] = field(default_factory=dict)


# --- Migration heads -----------------------------------------------------------------------

def code_head() -> str:
    """The migration head of this version of the app."""
    directory = current_app.extensions["migrate"].directory
    heads = ScriptDirectory(directory).get_heads()
    return ",".join(sorted(heads))


def database_head(connection: Connection) -> str | None:
    """The revision the database is at; None if it was never migrated (tests: create_all)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(versions)) or None


def app_version() -> str:
    try:
        return package_metadata.version("cop-workspace")
    except package_metadata.PackageNotFoundError:
        return "unknown"


# --- Backing up ----------------------------------------------------------------------------

@contextmanager
def snapshot() -> Iterator[Connection]:
    """One connection reading every table as of one moment, without stopping writers."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection
        return
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        # The app's engine begins every transaction outside a request as a writer (BEGIN
        # IMMEDIATE); a backup only reads, so it takes a plain read transaction of its own,
        # which in WAL mode sees one moment while writers carry on.
        reader = _sqlite_reader(engine)
        try:
            with reader.connect() as connection, connection.begin():
                yield connection
        finally:
            reader.dispose()
        return
    with engine.connect() as connection, connection.begin():
        yield connection


def _sqlite_reader(engine: Engine) -> Engine:
    reader = create_engine(engine.url)

    @event.listens_for(reader, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(reader, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return reader


def backup(path: Path) -> BackupReport:
    """Write the archive at `path` (replaced only once it is complete)."""
    report = BackupReport(path=path)
    store = storage()
    manifest: dict[str, Any] = {
        "format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
        "created_at": utcnow().isoformat(), "app_version": app_version(),
        "database_dialect": db.engine.dialect.name,
        "file_storage": current_app.config.get("FILE_STORAGE") or "local",
        "tables": [], "files": []}
    dumps: list[tuple[str, IO[bytes]]] = []
    try:
        db.session.remove()
        with snapshot() as connection:
            manifest["migration_head"] = database_head(connection) or code_head()
            for table in db.metadata.sorted_tables:
                dump, entry = _dump_table(connection, table)
                dumps.append((entry["path"], dump))
                manifest["tables"].append(entry)
                report.tables += 1
                report.rows += entry["rows"]
            digests = _digests_in_use(connection)
        for digest in digests:
            try:
                size = store.size(digest)
            except FileNotFoundError:
                raise RuntimeError(f"The database lists file {digest} but the file store does "
                                   "not hold it; no backup was written.") from None
            manifest["files"].append({"path": file_member(digest), "digest": digest,
                                      "size": size, "sha256": digest})
            report.files += 1
            report.file_bytes += size
        _write_archive(path, manifest, dumps, store)
    finally:
        for _, dump in dumps:
            dump.close()
    return report


def _dump_table(connection: Connection, table: Any) -> tuple[IO[bytes], dict[str, Any]]:
    codec = RowCodec(table)
    dump: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    digest = hashlib.sha256()
    rows = size = 0
    # yield_per streams the rows (a server-side cursor on PostgreSQL): memory stays flat
    # however large the table.
    statement = select(table).order_by(*table.primary_key.columns)
    for row in connection.execution_options(yield_per=ROWS_PER_BATCH).execute(statement):
        line = (codec.encode(row) + "\n").encode()
        dump.write(line)
        digest.update(line)
        rows += 1
        size += len(line)
    dump.seek(0)
    return dump, {"name": table.name, "path": table_member(table.name), "rows": rows,
                  "columns": codec.names, "size": size, "sha256": digest.hexdigest()}


def _digests_in_use(connection: Connection) -> list[str]:
    """Every stored file the database points at: uploads and their previews."""
    digests = set(connection.execute(select(StoredFile.digest)).scalars())
    previews = connection.execute(select(StoredFile.preview_digest).where(
        StoredFile.preview_digest.is_not(None))).scalars()
    digests.update(preview for preview in previews if preview)
    return sorted(digests)


def _write_archive(path: Path, manifest: dict[str, Any], dumps: list[tuple[str, IO[bytes]]],
                   store: Storage) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    partial = Path(partial_name)
    try:
        writer = archive.ArchiveWriter(partial)
        try:
            raw = archive.manifest_bytes(manifest)
            writer.add_bytes(archive.MANIFEST, raw)
            writer.add_bytes(archive.MANIFEST_CHECKSUM,
                             (hashlib.sha256(raw).hexdigest() + "\n").encode())
            for entry in manifest["files"]:
                with store.open(entry["digest"]) as stored:
                    checked = _DigestCheckingReader(stored, entry["digest"])
                    writer.add_stream(entry["path"], checked, entry["size"])
                    checked.check()
            for (member, dump), entry in zip(dumps, manifest["tables"], strict=True):
                writer.add_stream(member, dump, entry["size"])
        finally:
            writer.close()
        os.chmod(partial, 0o600)  # it holds every account and message
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class _DigestCheckingReader:
    """Reads a stored file into the archive, making sure it still is what its name says."""

    def __init__(self, stream: BinaryIO, digest: str) -> None:
        self.stream = stream
        self.digest = digest
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.hash.update(chunk)
        return chunk

    def check(self) -> None:
        if self.hash.hexdigest() != self.digest:
            raise RuntimeError(f"Stored file {self.digest} no longer matches its sha256 (damaged "
                               "on disk?); no backup was written.")


# --- Restoring -----------------------------------------------------------------------------

def restore(path: Path, *, force: bool = False) -> RestoreReport:
    """Put the archive back into this instance. Everything is checked before anything is
    written: the archive's checksums, its migration head, and that the instance is empty (or,
    with `force`, it is emptied first)."""
    report = RestoreReport()
    manifest = archive.verify(path)  # raises ArchiveRefused
    archive_head = manifest.get("migration_head")
    here = code_head()
    if archive_head != here:
        raise RestoreRefused(
            f"The archive was made at migration {archive_head}; this version of the app is at "
            f"{here}. Restore it with a version of the app whose `flask db heads` is "
            f"{archive_head} (run `flask db upgrade` there on the empty database, restore, "
            "then update the app and run `flask db upgrade` again).")
    _check_tables(manifest)
    db.session.remove()
    store = storage()
    with db.engine.connect() as connection:
        report.migrated = _schema_ready(connection, archive_head)
        occupied = [] if report.migrated else _occupied_tables(connection)
    stored = _any_stored_file(store)
    if (occupied or stored) and not force:
        what = []
        if occupied:
            what.append(f"rows in {len(occupied)} table(s) ({', '.join(occupied[:5])}"
                        f"{' ...' if len(occupied) > 5 else ''})")
        if stored:
            what.append("files in the file store")
        raise RestoreRefused(f"This instance is not empty: it has {' and '.join(what)}. "
                             "Restore into an empty instance, or add --force to erase "
                             "everything in it first.")
    if report.migrated:
        from flask_migrate import upgrade  # noqa: PLC0415 - only an empty database migrates

        upgrade(revision=archive_head)
    keep = {entry["digest"] for entry in manifest["files"]}
    # Files first: rows that point at missing files would be worse than unused files.
    for member, stream in archive.read_members(path):
        if member.startswith("files/"):
            report.file_bytes += _put_file(store, member.removeprefix("files/"), stream)
            report.files += 1
    tables = {entry["path"]: entry for entry in manifest["tables"]}
    with db.engine.begin() as connection:
        if occupied:
            _empty_tables(connection)
            report.emptied = True
        _defer_foreign_keys(connection)
        for member, stream in archive.read_members(path):
            if member in tables:
                entry = tables[member]
                count = _load_table(connection, entry, stream)
                report.row_counts[entry["name"]] = count
                report.rows += count
                report.tables += 1
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    if force and stored:
        report.emptied = True
        _remove_files_except(store, keep)
    return report


def _check_tables(manifest: dict[str, Any]) -> None:
    """The archive's tables and columns are this version's (one head should mean so)."""
    archived = {entry["name"]: list(entry["columns"]) for entry in manifest["tables"]}
    here = {table.name: [column.name for column in table.columns]
            for table in db.metadata.sorted_tables}
    if archived != here:
        differing = sorted(set(archived) ^ set(here)) or sorted(
            name for name in here if archived[name] != here[name])
        raise RestoreRefused(f"The archive's tables differ from this version's (first: "
                             f"{differing[0]}), though their migration heads match; nothing "
                             "was restored.")


def _schema_ready(connection: Connection, archive_head: str) -> bool:
    """Whether the schema must be made (the database is empty of tables); refuses a database
    at another revision."""
    existing = set(inspect(connection).get_table_names())
    if not existing - {"alembic_version"}:
        return True
    current = database_head(connection)
    if current is not None and current != archive_head:
        raise RestoreRefused(
            f"This database is at migration {current}, the archive at {archive_head}. Run "
            "`flask db upgrade` with the matching version of the app first (or restore into "
            "an empty database, which is migrated to the archive's head).")
    missing = sorted(table.name for table in db.metadata.sorted_tables
                     if table.name not in existing)
    if missing:
        raise RestoreRefused(f"This database lacks {len(missing)} table(s) (first "
                             f"{missing[0]}): run `flask db upgrade` first.")
    return False


def _occupied_tables(connection: Connection) -> list[str]:
    return [table.name for table in db.metadata.sorted_tables
            if connection.execute(select(1).select_from(table).limit(1)).first() is not None]


def _any_stored_file(store: Storage) -> bool:
    if isinstance(store, LocalStorage):
        return any(_local_files(store))
    if isinstance(store, S3Storage):
        page = store.client.list_objects_v2(Bucket=store.bucket, Prefix="files/", MaxKeys=1)
        return bool(page.get("KeyCount"))
    return False


def _local_files(store: LocalStorage) -> Iterator[str]:
    """The digests in a local store (files under root/ab/cd/, not uploads in progress)."""
    if not store.root.is_dir():
        return
    for first in sorted(store.root.glob("[0-9a-f][0-9a-f]")):
        for path in sorted(first.glob("[0-9a-f][0-9a-f]/*")):
            if archive_digest(path.name):
                yield path.name


def archive_digest(name: str) -> bool:
    return len(name) == 64 and all(character in "0123456789abcdef" for character in name)


def _stored_digests(store: Storage) -> Iterator[str]:
    if isinstance(store, LocalStorage):
        yield from _local_files(store)
    elif isinstance(store, S3Storage):
        pages = store.client.get_paginator("list_objects_v2").paginate(
            Bucket=store.bucket, Prefix="files/")
        for page in pages:
            for item in page.get("Contents", []):
                name = str(item["Key"]).removeprefix("files/")
                if archive_digest(name):
                    yield name


def _remove_files_except(store: Storage, keep: set[str]) -> None:
    for digest in list(_stored_digests(store)):
        if digest not in keep:
            store.delete(digest)


def _put_file(store: Storage, digest: str, stream: IO[bytes]) -> int:
    """Write one file back through the storage; returns its size."""
    if store.exists(digest):
        # Stored by content: a file under this name already holds these bytes.
        size = 0
        while chunk := stream.read(archive.CHUNK_SIZE):
            size += len(chunk)
        return size
    fd, name = tempfile.mkstemp(dir=store.temp_dir(), prefix="restore-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as target:
            while chunk := stream.read(archive.CHUNK_SIZE):
                target.write(chunk)
                size += len(chunk)
        store.put(digest, Path(name))
    finally:
        Path(name).unlink(missing_ok=True)
    return size


def _empty_tables(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.quote(table.name)
                          for table in db.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())


def _defer_foreign_keys(connection: Connection) -> None:
    """Rows go in by table dependency order and primary key; a row pointing at a later row of
    its own table is checked at commit instead."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def _load_table(connection: Connection, entry: dict[str, Any], stream: IO[bytes]) -> int:
    table = db.metadata.tables[entry["name"]]
    codec = RowCodec(table)
    names = list(entry["columns"])
    batch: list[dict[str, Any]] = []
    count = 0
    for line in stream:
        batch.append(codec.decode(line, names))
        if len(batch) >= ROWS_PER_BATCH:
            connection.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(connection: Connection) -> None:
    """Rows came in with their ids: each id sequence continues after the largest."""
    preparer = connection.dialect.identifier_preparer
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is False or not _is_integer(column):
                continue
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                          {"t": table.name, "c": column.name}).scalar()
            if sequence is None:
                continue
            quoted_table, quoted_column = preparer.quote(table.name), preparer.quote(column.name)
            connection.execute(text(
                f"SELECT setval(:s, COALESCE((SELECT max({quoted_column}) FROM {quoted_table}), "
                f"1), (SELECT max({quoted_column}) IS NOT NULL FROM {quoted_table}))"),
                {"s": sequence})


def _is_integer(column: Any) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False

