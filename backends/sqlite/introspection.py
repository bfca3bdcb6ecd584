"""SQLite catalog reading through the PRAGMA table-valued functions
(``pragma_table_info``, ``pragma_foreign_key_list``, ``pragma_index_list``,
``pragma_index_info``; SQLite >= 3.16, https://www.sqlite.org/pragma.html), so table
names are bound parameters, never formatted into SQL.

SQLite compares table names case-insensitively (ASCII), and so does this introspector.
"""

from __future__ import annotations

import decimal
import re

from activerecord.connection.introspection import (ColumnInfo, ForeignKeyInfo, IndexInfo,
                                                   Introspector)

from .types import neutral_type, parse_type_args

__all__ = ["SQLiteIntrospector", "parse_default"]

_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$")


def parse_default(text: str | None):
    """Return ``(python value or None, expression or None)`` for a PRAGMA default."""
    if text is None:
        return None, None
    raw = text.strip()
    inner = raw
    while inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    if inner.upper() == "NULL":
        return None, None
    if len(inner) >= 2 and inner[0] == inner[-1] == "'":
        return inner[1:-1].replace("''", "'"), raw
    if _NUMBER.match(inner):
        if re.match(r"^[+-]?\d+$", inner):
            return int(inner), raw
        return decimal.Decimal(inner), raw
    if inner.upper() in ("TRUE", "FALSE"):
        return inner.upper() == "TRUE", raw
    return None, raw


class SQLiteIntrospector(Introspector):
    """Reads tables, columns, keys and indexes of one SQLite database."""

    def table_names(self, conn) -> list[str]:
        cur = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        return [r[0] for r in cur.fetchall()]

    def table_exists(self, conn, table: str) -> bool:
        cur = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name = ? COLLATE NOCASE", (table,))
        return cur.fetchone() is not None

    def columns(self, conn, table: str) -> list[ColumnInfo]:
        rows = conn.execute(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) '
            "ORDER BY cid", (table,)).fetchall()
        pk_cols = [r for r in rows if r[4]]
        out = []
        for name, decl, notnull, dflt, pk in rows:
            decl = (decl or "").strip()
            kind = neutral_type(decl) or "value"
            a, b = parse_type_args(decl)
            default, default_sql = parse_default(dflt)
            # An INTEGER PRIMARY KEY is an alias of the rowid: SQLite assigns it
            # (https://www.sqlite.org/lang_createtable.html#rowid).
            rowid_alias = bool(pk) and len(pk_cols) == 1 and decl.upper() == "INTEGER"
            out.append(ColumnInfo(
                name=name, sql_type=decl.lower(), type=kind,
                nullable=not notnull and not rowid_alias,
                default=default, default_sql=default_sql, primary_key=bool(pk),
                auto_increment=rowid_alias,
                length=a if kind in ("string", "binary") else None,
                precision=a if kind == "decimal" else None,
                scale=(b or 0) if kind == "decimal" and a is not None else None,
                timezone="time zone" in decl.lower() or "tz" in decl.lower()))
        return out

    def primary_key(self, conn, table: str) -> tuple[str, ...]:
        rows = conn.execute(
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
            (table,)).fetchall()
        return tuple(r[0] for r in rows)

    def foreign_keys(self, conn, table: str) -> list[ForeignKeyInfo]:
        rows = conn.execute(
            'SELECT id, seq, "table", "from", "to", on_update, on_delete '
            "FROM pragma_foreign_key_list(?) ORDER BY id, seq", (table,)).fetchall()
        groups: dict[int, list] = {}
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        out = []
        for fk_id in sorted(groups):
            items = groups[fk_id]
            referred = items[0][2]
            to_cols = tuple(r[4] for r in items)
            if any(c is None for c in to_cols):  # "REFERENCES t" means t's primary key
                to_cols = self.primary_key(conn, referred)
            out.append(ForeignKeyInfo(
                name=None, columns=tuple(r[3] for r in items), referred_table=referred,
                referred_columns=to_cols, on_update=items[0][5], on_delete=items[0][6]))
        return out

    def indexes(self, conn, table: str) -> list[IndexInfo]:
        rows = conn.execute(
            'SELECT name, "unique", origin FROM pragma_index_list(?) ORDER BY name',
            (table,)).fetchall()
        out = []
        for name, unique, origin in rows:
            if origin == "pk":
                continue
            cols = conn.execute(
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,)).fetchall()
            out.append(IndexInfo(name=name, columns=tuple(c[0] for c in cols),
                                 unique=bool(unique)))
        return out
