"""MySQL/MariaDB catalog reading from ``information_schema``, for the current database
(``DATABASE()``). Table names are bound parameters, never formatted into SQL.

Names: with ``lower_case_table_names=0`` (Linux default) table names are compared
exactly; the catalog lookups are followed by an exact comparison in Python so that a
server comparing information_schema names case-insensitively cannot mix up ``Foo``
and ``foo``.

``sql_type`` is ``COLUMN_TYPE`` in lower case except inside quotes, so ENUM/SET
members keep their case (``enum('G','PG')``); ``enum_values`` lists them.

Defaults (``COLUMNS.COLUMN_DEFAULT``) come in two spellings, pinned by tests:

* MariaDB >= 10.2.7 reports SQL: a quoted literal ``'abc'`` (escapes as in string
  literals), an unquoted number ``1.50``, ``NULL`` (the text) for a nullable column
  without default, or an expression such as ``current_timestamp()`` or ``(1 + 2)``
  (MariaDB KB "Information Schema COLUMNS Table", MDEV-13132).
* MySQL (and older MariaDB) reports the literal's value unquoted (``abc``), SQL
  ``NULL`` for no default, and an expression's text with ``DEFAULT_GENERATED`` in
  ``EXTRA`` (8.0.13+) or ``CURRENT_TIMESTAMP`` for temporal columns (5.7).

Generated columns (``AS (expr) VIRTUAL|STORED|PERSISTENT``) are recognised by
``COLUMNS.EXTRA`` (MariaDB 10.11 also has ``IS_GENERATED = 'ALWAYS'``, MySQL does not)
and reported with ``generated=True`` and no default (MariaDB reports ``NULL`` there).

JSON: MariaDB's JSON is an alias of ``LONGTEXT`` with a ``CHECK (json_valid(col))``
constraint; such columns are reported with the neutral type ``json`` (their
``sql_type`` stays ``longtext``).
"""

from __future__ import annotations

import decimal
import json
import re
from typing import Any

from activerecord.connection.introspection import (
    UNTYPED,
    CheckInfo,
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    Introspector,
)

from .types import base_type, neutral_type, parse_enum_values, unquote_string

__all__ = ["MySQLIntrospector", "parse_default", "parse_server_version"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BIT = re.compile(r"^b'([01]*)'$", re.I)
_JSON_CHECK = re.compile(r"^\s*json_valid\s*\(\s*`((?:[^`]|``)+)`\s*\)\s*$", re.I)
_INTEGER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint",
                            "year", "bit"})
_DECIMAL_TYPES = frozenset({"decimal", "numeric", "dec", "fixed"})
_FLOAT_TYPES = frozenset({"float", "double", "real", "double precision"})
_TEMPORAL = frozenset({"datetime", "timestamp", "date", "time"})
# COLUMNS.EXTRA of a generated column: "VIRTUAL GENERATED" / "STORED GENERATED" (MySQL
# 5.7+, MariaDB 10.2+), "VIRTUAL" / "PERSISTENT" (MariaDB 10.1); never DEFAULT_GENERATED.
_GENERATED = re.compile(r"\b(virtual|stored|persistent)\b", re.IGNORECASE)

# The catalog queries (information_schema); each takes the table name, except the first.
_TABLES_SQL = """SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"""
_TABLE_SQL = """SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"""
_COLUMNS_SQL = """SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
EXTRA, COLUMN_KEY, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s
ORDER BY ORDINAL_POSITION"""
_CHECKS_SQL = """SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = %s"""
_NAMED_CHECKS_SQL = """SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY CONSTRAINT_NAME"""
_PK_SQL = """SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY'
ORDER BY SEQ_IN_INDEX"""
_FK_SQL = """SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = %s AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION"""
_INDEX_SQL = """SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND INDEX_NAME <> 'PRIMARY'
ORDER BY INDEX_NAME, SEQ_IN_INDEX"""


def parse_server_version(text: str) -> tuple[bool, tuple[int, ...]]:
    """Return ``(is_mariadb, version)`` for ``SELECT VERSION()``.

    ``"10.11.19-MariaDB-0+deb12u1"`` -> ``(True, (10, 11, 19))``; ``"8.0.36"`` ->
    ``(False, (8, 0, 36))``. MariaDB behind the replication prefix
    (``"5.5.5-10.4.8-MariaDB"``) reports its real version.
    """
    mariadb = "mariadb" in text.lower()
    if mariadb and text.startswith("5.5.5-"):
        text = text[len("5.5.5-"):]
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    version = tuple(int(g) for g in m.groups() if g is not None) if m else ()
    return mariadb, version


def _number(text: str, base: str) -> Any:
    if base in _INTEGER_TYPES:
        try:
            return int(text)
        except ValueError:
            return int(decimal.Decimal(text))
    if base in _FLOAT_TYPES:
        return float(text)
    return decimal.Decimal(text)


def parse_default(text: str | None, sql_type: str, extra: str = "",
                  quoted: bool = True) -> tuple[Any, str | None]:
    """Return ``(python value or None, SQL text or None)`` for a ``COLUMN_DEFAULT``.

    ``quoted`` selects MariaDB >= 10.2.7's SQL spelling, else MySQL's unquoted values
    (see the module docstring). Literals become ``str``, ``int``, ``Decimal`` or
    ``float`` by the column type; an expression gives ``(None, expression)``.
    """
    if text is None:
        return None, None
    if isinstance(text, (bytes, bytearray)):
        text = text.decode()
    base = base_type(sql_type)
    raw = text.strip()
    if quoted:
        if raw.upper() == "NULL":
            return None, None
        if len(raw) >= 2 and raw[0] == raw[-1] == "'":
            return unquote_string(raw[1:-1]), raw
        bit = _BIT.match(raw)
        if bit:
            return int(bit.group(1) or "0", 2), raw
        if _NUMBER.match(raw) and base not in _TEMPORAL:
            return _number(raw, base), raw
        return None, raw
    # MySQL: values unquoted; expressions flagged in EXTRA (8.0.13+) or, for the
    # temporal types, CURRENT_TIMESTAMP[(n)] / NOW() (5.7).
    if "default_generated" in (extra or "").lower():
        return None, raw
    if base in _TEMPORAL and raw.lower().startswith(("current_timestamp", "now(",
                                                      "localtime")):
        return None, raw
    bit = _BIT.match(raw)
    if base == "bit" and bit:
        return int(bit.group(1) or "0", 2), raw
    if base in _INTEGER_TYPES | _DECIMAL_TYPES | _FLOAT_TYPES and _NUMBER.match(raw):
        return _number(raw, base), raw
    return text, "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _lower_outside_quotes(sql_type: str) -> str:
    # "ENUM('G','PG')" -> "enum('G','PG')": type words lower case, members as declared.
    parts = re.split(r"('(?:[^'\\]|''|\\.)*')", sql_type)
    return "".join(p if p.startswith("'") else p.lower() for p in parts)


def _s(value: Any) -> Any:
    # MySQL 8 returns some information_schema text columns with the binary charset.
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


class MySQLIntrospector(Introspector):
    """Reads tables, columns, keys and indexes of the connected MySQL/MariaDB database.

    ``server`` is ``(is_mariadb, version)``; the adapter sets it when it detects the
    features, otherwise it is read once with ``SELECT VERSION()``.
    """

    def __init__(self) -> None:
        self.server: tuple[bool, tuple[int, ...]] | None = None

    def _rows(self, conn: Any, sql: str, params: tuple = ()) -> list[tuple]:
        return [tuple(_s(v) for v in row) for row in self.query(conn, sql, params)]

    def _of_table(self, conn: Any, sql: str, table: str) -> list[tuple]:
        # The rows of ``sql`` (first column: the table name) for exactly ``table``: the
        # catalog compares names case-insensitively where the file system does.
        return [row for row in self._rows(conn, sql, (table,)) if row[0] == table]

    def _by_name(self, conn: Any, sql: str, table: str) -> dict[str, list[tuple]]:
        # Those rows grouped by their second column (a constraint or index name).
        groups: dict[str, list[tuple]] = {}
        for row in self._of_table(conn, sql, table):
            groups.setdefault(row[1], []).append(row)
        return groups

    def _server(self, conn: Any) -> tuple[bool, tuple[int, ...]]:
        if self.server is None:
            self.server = parse_server_version(self._rows(conn, "SELECT VERSION()")[0][0])
        return self.server

    def table_names(self, conn: Any) -> list[str]:
        rows = self._rows(conn, _TABLES_SQL)
        return sorted(r[0] for r in rows)

    def table_exists(self, conn: Any, table: str) -> bool:
        return bool(self._of_table(conn, _TABLE_SQL, table))

    def columns(self, conn: Any, table: str) -> list[ColumnInfo]:
        rows = self._of_table(conn, _COLUMNS_SQL, table)
        rows = [r[1:] for r in rows]
        mariadb, version = self._server(conn)
        quoted = mariadb and version >= (10, 2, 7)
        json_cols = self._json_checked(conn, table) if mariadb and any(
            base_type(r[1]) == "longtext" for r in rows) else set()
        return [self._column(r, quoted, json_cols) for r in rows]

    def _column(self, row: tuple, quoted: bool, json_cols: set) -> ColumnInfo:
        name, col_type, nullable, dflt, extra, key, length, precision, scale = row
        sql_type = _lower_outside_quotes(col_type)
        kind = "json" if name in json_cols else (neutral_type(sql_type) or UNTYPED)
        generated = bool(_GENERATED.search(extra or ""))
        default, default_sql = (None, None) if generated else parse_default(
            dflt, sql_type, extra or "", quoted)
        if kind == "json" and isinstance(default, str):
            try:
                default = json.loads(default)
            except ValueError:
                default = None
        return ColumnInfo(
            name=name, sql_type=sql_type, type=kind, nullable=nullable == "YES",
            default=default, default_sql=default_sql, primary_key=key == "PRI",
            auto_increment="auto_increment" in (extra or "").lower(),
            length=int(length) if length is not None and kind in ("string", "binary")
            else None,
            precision=int(precision) if kind == "decimal" and precision is not None
            else None,
            scale=int(scale) if kind == "decimal" and scale is not None else None,
            timezone=base_type(sql_type) == "timestamp",
            enum_values=parse_enum_values(sql_type), generated=generated)

    def _json_checked(self, conn: Any, table: str) -> set[str]:
        # MariaDB (10.2.22+/10.3.10+) lists CHECK constraints with their table name.
        rows = self._rows(conn, _CHECKS_SQL, (table,))
        out = set()
        for name, clause in rows:
            m = _JSON_CHECK.match(clause or "") if name == table else None
            if m:
                out.add(m.group(1).replace("``", "`"))
        return out

    def primary_key(self, conn: Any, table: str) -> tuple[str, ...]:
        return tuple(r[1] for r in self._of_table(conn, _PK_SQL, table))

    def foreign_keys(self, conn: Any, table: str) -> list[ForeignKeyInfo]:
        groups = self._by_name(conn, _FK_SQL, table)
        return [ForeignKeyInfo(
            name=name, columns=tuple(r[2] for r in items), referred_table=items[0][3],
            referred_columns=tuple(r[4] for r in items),
            on_update=items[0][5], on_delete=items[0][6])
            for name, items in groups.items()]

    def check_constraints(self, conn: Any, table: str) -> list[CheckInfo]:
        """The table's CHECK constraints (``information_schema.CHECK_CONSTRAINTS``:
        MySQL >= 8.0.16, MariaDB >= 10.2.22), without the ``json_valid`` check MariaDB
        adds to each JSON column under the column's name."""
        out = []
        for _table, name, clause in self._of_table(conn, _NAMED_CHECKS_SQL, table):
            m = _JSON_CHECK.match(clause or "")
            if m and m.group(1).replace("``", "`") == name:
                continue
            out.append(CheckInfo(name=name, expression=clause))
        return out

    def indexes(self, conn: Any, table: str) -> list[IndexInfo]:
        groups = self._by_name(conn, _INDEX_SQL, table)
        out = []
        for name, items in groups.items():
            # A functional index part (MySQL 8.0.13+) has no column name: such an
            # index cannot be described by column names, so it is left out.
            if any(r[2] is None for r in items):
                continue
            out.append(IndexInfo(name=name, columns=tuple(r[2] for r in items),
                                 unique=str(items[0][3]) == "0"))
        return out
