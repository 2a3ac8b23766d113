"""Table rows as JSON lines and back, every value keeping its exact type.

A row is a JSON array in the table's column order. JSON has no dates, bytes or enums, so each
column's SQLAlchemy type chooses how its values are written and read back: aware datetimes as
ISO 8601 with their offset, bytes as base64, enums by value, decimals as strings, JSON columns as
themselves. Being logical rather than a dialect's dump, an archive from SQLite restores into
PostgreSQL and the other way round.
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Enum, Table, TypeDecorator
from sqlalchemy.types import TypeEngine

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def _python_type(column_type: TypeEngine[Any]) -> type | None:
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    return None if python_type is object else python_type  # object: a decorator's "unknown"


def codec_for(column: Column[Any]) -> Codec:
    """How this column's values become JSON values, and back."""
    column_type = column.type
    # A decorated type says what it holds by its own python_type (Interval: timedelta stored
    # as a datetime), and whether it is JSON or an enum by what it decorates.
    inner = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(inner, JSON):
        return _same, _same
    if isinstance(inner, Enum) and inner.enum_class is not None:
        enum_class = inner.enum_class
        return (lambda member: member.value if isinstance(member, enum.Enum) else member,
                enum_class)
    python_type = _python_type(column_type) or _python_type(inner)
    if python_type is datetime:
        return datetime.isoformat, datetime.fromisoformat
    if python_type is date:
        return date.isoformat, date.fromisoformat
    if python_type is time:
        return time.isoformat, time.fromisoformat
    if python_type is timedelta:
        return _seconds, lambda seconds: timedelta(seconds=seconds)
    if python_type is Decimal:
        return str, Decimal
    if python_type is bytes:
        return (lambda raw: base64.b64encode(raw).decode("ascii"),
                lambda text: base64.b64decode(text, validate=True))
    if python_type is uuid.UUID:
        return str, uuid.UUID
    return _same, _same  # str, int, float, bool: JSON keeps them exactly


class RowCodec:
    """Encodes and decodes the rows of one table (None stays None in every column)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.columns = list(table.columns)
        self.names = [column.name for column in self.columns]
        codecs = [codec_for(column) for column in self.columns]
        self.encoders = [encode for encode, _ in codecs]
        self.decoders = [decode for _, decode in codecs]

    def encode(self, row: tuple[Any, ...] | Any) -> str:
        values = [None if value is None else encode(value)
                  for encode, value in zip(self.encoders, row, strict=True)]
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"))

    def decode(self, line: str | bytes, names: list[str]) -> dict[str, Any]:
        """A row of the archive as insert parameters; `names` are the archive's columns, which
        must be this table's (the archive and the code share one migration head)."""
        values = json.loads(line)
        row: dict[str, Any] = {}
        for column, decode, value in zip(self.columns, self.decoders, values, strict=True):
            row[column.key] = None if value is None else decode(value)
        if names != self.names:
            raise ValueError(f"table {self.table.name}: columns {names} in the archive, "
                             f"{self.names} here")
        return row
