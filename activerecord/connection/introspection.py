"""Neutral records describing a table, filled by each backend's introspector.

A backend reads its catalog (``PRAGMA``, ``information_schema``, ``pg_catalog``) and
returns these plain, frozen records; nothing above the adapter sees a catalog row.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import events
from .pool import caller

__all__ = ["ColumnInfo", "ForeignKeyInfo", "IndexInfo", "CheckInfo", "TableInfo", "Introspector",
           "NEUTRAL_TYPES", "UNTYPED", "parse_type_args"]

#: The neutral type of a column whose declared type maps to none of the others (a
#: SQLite column without a type, a PostgreSQL range or geometric type, MySQL's
#: GEOMETRY): its values are passed through as the driver returns them.
UNTYPED = "value"

#: The neutral type names a backend maps its SQL types to (:data:`UNTYPED` included).
NEUTRAL_TYPES = frozenset({
    "integer", "float", "decimal", "string", "boolean", "date", "datetime", "time",
    "interval", "binary", "json", "uuid", UNTYPED,
})

_TYPE_ARGS = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


def parse_type_args(sql_type: str) -> tuple[int | None, int | None]:
    """Return the numbers in a declared type ``name(a[, b])``: ``(10, 2)`` for
    ``decimal(10,2)``, ``(20, None)`` for ``varchar(20)``, ``(None, None)`` without."""
    m = _TYPE_ARGS.search(sql_type)
    if not m:
        return None, None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the database declares it.

    Attributes:
        name: the column name, in the case the database stores it.
        sql_type: the declared type, lower case, with length/precision, e.g.
            ``"varchar(120)"``, ``"numeric(10,2)"``, ``"timestamp with time zone"``.
        type: the neutral type name, one of :data:`NEUTRAL_TYPES` (:data:`UNTYPED`,
            ``"value"``, when the declared type maps to no other).
        nullable: whether NULL is allowed.
        default: the default as a Python value when it is a literal (``0``, ``'x'``),
            else ``None``.
        default_sql: the default expression as the database reports it, or ``None``.
        primary_key: whether the column is part of the primary key.
        auto_increment: whether the database generates its value (serial, identity,
            AUTO_INCREMENT, SQLite rowid alias).
        length: the declared character/byte length, or ``None``.
        precision: numeric precision (total digits), or ``None``.
        scale: numeric scale (digits after the point), or ``None``.
        timezone: for datetime/time columns, whether values carry a time zone.
        enum_values: allowed values of an ENUM/SET column, else ``None``.
        generated: whether the database computes the column from an expression
            (``GENERATED ALWAYS AS (...)``, virtual or stored): it is read, never
            written.
        stored_format: for a database that keeps dates and times as text (SQLite), the
            layout of the values already stored in the column (e.g.
            ``"YYYY-MM-DD HH:MM:SS.fff"``), so values are written and compared in it;
            ``None`` when the column is empty or the database has temporal types.
    """

    name: str
    sql_type: str
    type: str
    nullable: bool = True
    default: Any = None
    default_sql: str | None = None
    primary_key: bool = False
    auto_increment: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    timezone: bool = False
    enum_values: tuple[str, ...] | None = None
    generated: bool = False
    stored_format: str | None = None


@dataclass(frozen=True)
class ForeignKeyInfo:
    """A foreign key: ``columns`` of this table refer to ``referred_columns`` of
    ``referred_table``. ``on_delete``/``on_update`` are the upper-case actions
    (``"CASCADE"``, ``"NO ACTION"`` ...) or ``None`` when unknown."""

    name: str | None
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    on_delete: str | None = None
    on_update: str | None = None


@dataclass(frozen=True)
class IndexInfo:
    """An index (or unique constraint) over ``columns`` in order; ``partial``: it covers
    only the rows its ``WHERE`` selects (SQLite, PostgreSQL), so a unique one does not
    make the columns unique in the table; ``where``: that condition as SQL text, as the
    database reports it (``None`` when not partial or not known)."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    primary: bool = False
    partial: bool = False
    where: str | None = None


@dataclass(frozen=True)
class CheckInfo:
    """A named CHECK constraint of a table; ``expression`` is its condition as the
    database reports it (each database normalizes the text its own way)."""

    name: str
    expression: str


@dataclass(frozen=True)
class TableInfo:
    """Everything the model layer needs to know about one table."""

    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = field(default=())
    indexes: tuple[IndexInfo, ...] = field(default=())
    checks: tuple[CheckInfo, ...] = field(default=())

    def column(self, name: str) -> ColumnInfo | None:
        """Return the column called ``name`` or ``None``."""
        for col in self.columns:
            if col.name == name:
                return col
        return None


class Introspector(ABC):
    """Reads one backend's catalog. Every method takes an open DB-API connection.

    Backends implement the abstract methods; :meth:`table_info` assembles them, and
    they send their catalog queries through :meth:`query`.

    Attributes:
        database_name: the name of the Database it reads for (set by the Database),
            reported with each catalog query in the ``"sql"`` event.
    """

    database_name: str = ""

    def query(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one catalog query on ``conn`` and return all its rows as tuples.

        Reported as the ``"sql"`` event with ``kind="schema"`` when anyone listens
        (``activerecord.events``). Driver errors propagate raw: the Database
        translates them.
        """
        if not events.SQL.subscribers:
            return self._fetch(conn, sql, params)
        start = time.perf_counter()
        rows: list[tuple] | None = None
        error: BaseException | None = None
        try:
            rows = self._fetch(conn, sql, params)
            return rows
        except BaseException as exc:
            error = exc
            raise
        finally:
            events.instrument("sql", events.SQLEvent(
                "sql", sql, events.redacted_params(sql, params),
                (time.perf_counter() - start) * 1000.0,
                None if rows is None else len(rows), self.database_name, caller(),
                "schema", True, error))

    @staticmethod
    def _fetch(conn: Any, sql: str, params: Sequence[Any]) -> list[tuple]:
        cur = conn.cursor()
        try:
            cur.execute(sql, params)
            return [tuple(row) for row in cur.fetchall()]
        finally:
            cur.close()

    @abstractmethod
    def table_names(self, conn: Any) -> list[str]:
        """Return the names of the user tables of the connected database, sorted."""

    @abstractmethod
    def table_exists(self, conn: Any, table: str) -> bool:
        """Return whether ``table`` exists (exact name, as the database compares them)."""

    @abstractmethod
    def columns(self, conn: Any, table: str) -> list[ColumnInfo]:
        """Return the columns of ``table`` in declaration order."""

    @abstractmethod
    def primary_key(self, conn: Any, table: str) -> tuple[str, ...]:
        """Return the primary key columns of ``table`` in key order; ``()`` if none."""

    @abstractmethod
    def foreign_keys(self, conn: Any, table: str) -> list[ForeignKeyInfo]:
        """Return the foreign keys declared on ``table``."""

    @abstractmethod
    def indexes(self, conn: Any, table: str) -> list[IndexInfo]:
        """Return the indexes and unique constraints of ``table`` (not the primary key)."""

    def check_constraints(self, conn: Any, table: str) -> list[CheckInfo]:
        """Return the named CHECK constraints of ``table``, sorted by name (those the
        database adds itself, such as MariaDB's ``json_valid`` checks, left out).
        The base class knows none; each backend reads its catalog."""
        return []

    def table_info(self, conn: Any, table: str) -> TableInfo | None:
        """Return a :class:`TableInfo` for ``table``, or ``None`` when it does not exist."""
        if not self.table_exists(conn, table):
            return None
        return TableInfo(
            name=table,
            columns=tuple(self.columns(conn, table)),
            primary_key=tuple(self.primary_key(conn, table)),
            foreign_keys=tuple(self.foreign_keys(conn, table)),
            indexes=tuple(self.indexes(conn, table)),
            checks=tuple(self.check_constraints(conn, table)),
        )
