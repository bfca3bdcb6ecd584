"""Type mapping for SQLite, both ways.

SQLite stores values by *type affinity* (https://www.sqlite.org/datatype3.html): the
declared type only hints at storage. The neutral type of a column is chosen from its
declared name, first by the familiar names (BOOLEAN, DATE, DATETIME, TIMESTAMP, TIME,
JSON, UUID, DECIMAL/NUMERIC), then by SQLite's own affinity rules (section 3.1):
INT -> integer; CHAR/CLOB/TEXT -> string; BLOB or none -> binary/untyped;
REAL/FLOA/DOUB -> float.

Storage, since SQLite has no such types: booleans as 0/1, dates, times and datetimes as
ISO 8601 text (``YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]``, the form SQLite's own date
functions read), decimals as text bound into a NUMERIC column (SQLite may keep them as
REAL: about 15 significant digits survive), UUIDs as their 36-character text, JSON as
text.
"""

from __future__ import annotations

import datetime as _dt
import re

from activerecord import types as t
from activerecord.connection.introspection import ColumnInfo

__all__ = ["neutral_type", "type_for", "parse_type_args"]

_ARGS = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


def parse_type_args(sql_type: str) -> tuple[int | None, int | None]:
    """Return the numbers in ``name(a[, b])``, e.g. ``(10, 2)`` for ``numeric(10,2)``."""
    m = _ARGS.search(sql_type)
    if not m:
        return None, None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


def neutral_type(sql_type: str) -> str | None:
    """Return the neutral type name for a declared SQLite type, or ``None`` (untyped)."""
    s = sql_type.lower()
    base = s.split("(", 1)[0].strip()
    if "bool" in base:
        return "boolean"
    if base in ("datetime", "timestamp") or base.startswith("timestamp"):
        return "datetime"
    if base == "date":
        return "date"
    if base.startswith("time"):
        return "time"
    if base in ("json", "jsonb"):
        return "json"
    if base == "uuid":
        return "uuid"
    if base.startswith(("decimal", "numeric", "money")):
        return "decimal"
    if "int" in base:
        return "integer"
    if any(k in base for k in ("char", "clob", "text")):
        return "string"
    if "blob" in base or base in ("binary", "varbinary", "bytea"):
        return "binary"
    if any(k in base for k in ("real", "floa", "doub")):
        return "float"
    return None


class _Boolean(t.BooleanType):
    needs_deserialize = True

    def serialize(self, value):
        return None if value is None else int(value)


class _Decimal(t.DecimalType):
    needs_deserialize = True

    def serialize(self, value):
        return None if value is None else str(value)


class _Date(t.DateType):
    needs_deserialize = True

    def serialize(self, value):
        return None if value is None else value.isoformat()


class _DateTime(t.DateTimeType):
    needs_deserialize = True

    def serialize(self, value):
        if value is None:
            return None
        if self.timezone and value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc)
        return value.isoformat(" ")


class _Time(t.TimeType):
    needs_deserialize = True

    def serialize(self, value):
        return None if value is None else value.isoformat()


def type_for(column: ColumnInfo) -> t.Type:
    """Return the attribute type for an introspected SQLite column."""
    kind = column.type
    if kind == "boolean":
        return _Boolean()
    if kind == "decimal":
        return _Decimal(column.precision, column.scale)
    if kind == "date":
        return _Date()
    if kind == "datetime":
        return _DateTime(column.timezone)
    if kind == "time":
        return _Time()
    if kind == "uuid":
        return t.TextUUIDType()
    cls = t.NEUTRAL_TYPE_CLASSES.get(kind)
    return cls() if cls is not None else t.ValueType()
