"""Per-database cache of introspected tables.

Thread-safe; clearable per table (a migration that changed one table need not throw
away the rest: Rails #24273, #30507) and dumpable to a JSON file keyed by a schema
version, so an app can boot without introspecting (``dump``/``load``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from .introspection import CheckInfo, ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo

__all__ = ["SchemaCache"]


class SchemaCache:
    """Maps table name -> :class:`TableInfo`, loading each table once.

    Args:
        loader: ``loader(table) -> TableInfo | None`` reads one table's catalog.
    """

    def __init__(self, loader: Callable[[str], TableInfo | None]):
        self._loader = loader
        self._tables: dict[str, TableInfo] = {}
        self._lock = threading.RLock()
        self.version: str | None = None

    def get(self, table: str) -> TableInfo | None:
        """Return the cached :class:`TableInfo` for ``table``, introspecting it at first
        use (once, even when several threads ask at the same time); ``None`` if the
        table does not exist (not cached, so a table created later is found)."""
        info = self._tables.get(table)
        if info is not None:
            return info
        with self._lock:
            info = self._tables.get(table)
            if info is None:
                info = self._loader(table)
                if info is not None:
                    self._tables[table] = info
            return info

    def peek(self, table: str) -> TableInfo | None:
        """Return the cached :class:`TableInfo` of ``table`` or ``None``, never loading."""
        return self._tables.get(table)

    def clear(self, table: str | None = None) -> None:
        """Forget ``table``, or every table when ``None``."""
        with self._lock:
            if table is None:
                self._tables.clear()
            else:
                self._tables.pop(table, None)

    def tables(self) -> list[str]:
        """Return the names of the cached tables."""
        return sorted(self._tables)

    def dump(self, path: str, version: str | None = None) -> None:
        """Write the cache as JSON to ``path``, tagged with ``version`` (e.g. the
        latest migration), so :meth:`load` can refuse a stale file."""
        with self._lock:
            data = {"version": version, "tables": {
                name: dataclasses.asdict(info) for name, info in self._tables.items()}}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, default=_encode, indent=1)

    def load(self, path: str, version: str | None = None) -> bool:
        """Fill the cache from a file written by :meth:`dump`.

        Returns False (and loads nothing) when the file's version differs from
        ``version``. Raises OSError/ValueError for an unreadable file.
        """
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("version") != version:
            return False
        with self._lock:
            for name, raw in data["tables"].items():
                self._tables[name] = _table_from_dict(raw)
            self.version = version
        return True


# The defaults JSON has no type for, tagged by their type (``{"__date__": "2020-01-02"}``)
# so :meth:`SchemaCache.load` gives back the values introspection gave.
_TAGGED: tuple[tuple[str, type, Callable[[Any], Any], Callable[[Any], Any]], ...] = (
    ("__decimal__", decimal.Decimal, str, decimal.Decimal),
    ("__datetime__", _dt.datetime, _dt.datetime.isoformat, _dt.datetime.fromisoformat),
    ("__date__", _dt.date, _dt.date.isoformat, _dt.date.fromisoformat),
    ("__time__", _dt.time, _dt.time.isoformat, _dt.time.fromisoformat),
    ("__timedelta__", _dt.timedelta, _dt.timedelta.total_seconds,
     lambda s: _dt.timedelta(seconds=s)),
    ("__uuid__", uuid.UUID, str, uuid.UUID),
    ("__bytes__", bytes, bytes.hex, bytes.fromhex),
)


def _encode(value: Any) -> Any:
    for tag, kind, write, _read in _TAGGED:
        if isinstance(value, kind):
            return {tag: write(value)}
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        for tag, _kind, _write, read in _TAGGED:
            if tag in value:
                return read(value[tag])
    return value


def _table_from_dict(raw: dict) -> TableInfo:
    cols = []
    for c in raw["columns"]:
        if c.get("enum_values") is not None:
            c = {**c, "enum_values": tuple(c["enum_values"])}
        if isinstance(c.get("default"), dict):
            c = {**c, "default": _decode(c["default"])}
        cols.append(ColumnInfo(**c))
    return TableInfo(
        name=raw["name"], columns=tuple(cols), primary_key=tuple(raw["primary_key"]),
        foreign_keys=tuple(ForeignKeyInfo(**{**f, "columns": tuple(f["columns"]),
                                             "referred_columns": tuple(f["referred_columns"])})
                           for f in raw["foreign_keys"]),
        indexes=tuple(IndexInfo(**{**i, "columns": tuple(i["columns"])}) for i in raw["indexes"]),
        checks=tuple(CheckInfo(**c) for c in raw.get("checks", ())))
