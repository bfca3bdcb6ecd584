"""PostgreSQL catalog reading from ``pg_catalog`` (chapter 53 of the manual).

A table is named exactly as stored (case-sensitive) and found along the session's
``search_path``, as an unqualified name in a query would be, or in the named schema for
``"schema.table"``: every query resolves it with ``to_regclass`` over the quoted parts
(PostgreSQL >= 9.6), so the name is a bound parameter and a missing table gives ``NULL``
rather than an error. :meth:`table_names` lists the tables
of ``current_schema()`` (the first existing schema of the search path), a partitioned
table once: its partitions (declared ones, and inheritance children that add no column,
the older partitioning by inheritance) are left out, their rows being the parent's.

Types are printed by ``format_type`` (``character varying(120)``, ``numeric(10,2)``,
``timestamp with time zone``); lengths, precision and scale are decoded from the type
modifier (``atttypmod``) the same way ``information_schema.columns`` does. Column defaults
come from ``pg_get_expr``; literal ones (``'abc'::character varying``, ``0``,
``'-1'::integer``, ``true``, ``'{1,2}'::integer[]``) are turned into Python values.
``nextval(...)`` defaults (serial) and identity columns (PostgreSQL >= 10) are reported
as ``auto_increment`` with no default. Generated columns (``attgenerated``, PostgreSQL >=
12: ``'s'`` stored, ``'v'`` virtual from 18) are reported with ``generated=True`` and
neither default nor ``default_sql`` (``pg_attrdef`` holds their expression).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import re
import uuid
from typing import Any

from activerecord.connection.introspection import (
    UNTYPED,
    CheckInfo,
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    Introspector,
)
from activerecord.types import parse_duration

from .types import neutral_type, parse_array

__all__ = ["PostgreSQLIntrospector", "parse_default"]

# One bound name -> the table's oid (NULL when missing): "table" along the search_path,
# "schema.table" (split at the first dot, as PostgreSQLDialect.split_table_name does)
# in that schema. Each part is quoted, so the name is matched exactly.
_REL = ("(SELECT to_regclass(CASE WHEN strpos(q.s, '.') > 0 "
        "THEN quote_ident(left(q.s, strpos(q.s, '.') - 1)) || '.' || "
        "quote_ident(substr(q.s, strpos(q.s, '.') + 1)) "
        "ELSE quote_ident(q.s) END) FROM (SELECT %s::text AS s) AS q)")

_COLUMNS_SQL = f"""
SELECT a.attname::text,
       format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid),
       a.attidentity::text,
       a.attgenerated::text,
       EXISTS (SELECT 1 FROM pg_index i
               WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)),
       bt.typname::text,
       bt.typtype::text,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
       et.typname::text,
       CASE WHEN bt.typtype = 'e' THEN ARRAY(
           SELECT e.enumlabel::text FROM pg_enum e
           WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder) END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = {_REL} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_PK_SQL = f"""
SELECT a.attname::text
FROM pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = {_REL} AND i.indisprimary
ORDER BY k.ord
"""

_FK_SQL = f"""
SELECT con.conname::text,
       CASE WHEN pg_table_is_visible(cl.oid) THEN cl.relname::text
            ELSE ns.nspname::text || '.' || cl.relname::text END,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(n, o)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
             ORDER BY k.o),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(n, o)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
             ORDER BY k.o),
       con.confdeltype::text, con.confupdtype::text
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.confrelid
JOIN pg_namespace ns ON ns.oid = cl.relnamespace
WHERE con.conrelid = {_REL} AND con.contype = 'f'
ORDER BY con.conname
"""

# Key columns only (not INCLUDE ones); an expression key is given as its SQL text.
_INDEX_SQL = f"""
SELECT ic.relname::text, i.indisunique,
       ARRAY(SELECT CASE WHEN k.n = 0 THEN pg_get_indexdef(i.indexrelid, k.o::int, true)
                         ELSE a.attname::text END
             FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
             WHERE k.o <= i.indnkeyatts
             ORDER BY k.o),
       i.indpred IS NOT NULL, pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = {_REL} AND NOT i.indisprimary
ORDER BY ic.relname
"""

# A partition of ``c``'s parent: declared (``relispartition``, PostgreSQL >= 10), or a
# child of table inheritance declaring no column of its own (``attislocal``): the
# manual's "Partitioning Using Inheritance" (ddl-partitioning.html). Its rows are read
# through the parent, which alone is listed.
_PARTITION = ("(c.relispartition OR (EXISTS (SELECT 1 FROM pg_inherits i "
              "WHERE i.inhrelid = c.oid) AND NOT EXISTS (SELECT 1 FROM pg_attribute a "
              "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
              "AND a.attislocal)))")

# pg_constraint.confdeltype/confupdtype codes (catalog pg_constraint, section 53.13).
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
            "d": "SET DEFAULT"}

_QUOTED = re.compile(r"^(E?)'((?:[^']|'')*)'(?:::[\w\s\".,\[\]()]+)*$", re.S)
_NUMBER = re.compile(r"^\(?([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\)?(?:::[\w\s]+)?$")


def _convert(text: str, kind: str | None, sql_type: str) -> Any:
    # One literal's text -> the column's Python value (ValueError when it cannot be).
    if sql_type.endswith("]"):
        elem = neutral_type(sql_type.split("[", 1)[0])
        return _convert_items(parse_array(text), elem)
    if kind == "integer":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "decimal":
        return decimal.Decimal(text)
    if kind == "boolean":
        low = text.strip().lower()
        if low in ("t", "true", "y", "yes", "on", "1"):
            return True
        if low in ("f", "false", "n", "no", "off", "0"):
            return False
        raise ValueError(text)
    if kind == "date":
        return _dt.date.fromisoformat(text)
    if kind == "datetime":
        return _dt.datetime.fromisoformat(text)
    if kind == "time":
        return _dt.time.fromisoformat(text)
    if kind == "uuid":
        return uuid.UUID(text)
    if kind == "interval":
        return parse_duration(text)  # '1 day', '01:30:00'; '1 mon' raises: no default
    if kind == "json":
        return json.loads(text)
    if kind == "binary":
        if text.startswith("\\x"):
            return bytes.fromhex(text[2:])
        raise ValueError(text)
    if kind == "string":
        return text
    raise ValueError(text)  # interval, inet, ...: keep only the expression


def _convert_items(items: list, kind: str | None) -> list:
    return [_convert_items(i, kind) if isinstance(i, list) else
            None if i is None else _convert(i, kind, "") for i in items]


def parse_default(expr: str | None, kind: str | None, sql_type: str = "") -> Any:
    """Return the Python value of a literal column default, else ``None``.

    ``expr`` is ``pg_get_expr`` output, ``kind`` the column's neutral type, ``sql_type``
    its ``format_type`` (to recognise arrays).
    """
    if expr is None:
        return None
    raw = expr.strip()
    if raw.upper().startswith("NULL"):
        return None
    try:
        m = _QUOTED.match(raw)
        if m:
            text = m.group(2).replace("''", "'")
            if m.group(1):  # E'...' (only with standard_conforming_strings off)
                text = re.sub(r"\\(.)", r"\1", text)
            return _convert(text, kind, sql_type)
        m = _NUMBER.match(raw)
        if m and kind in ("integer", "float", "decimal"):
            return _convert(m.group(1), kind, sql_type)
        if raw in ("true", "false") and kind == "boolean":
            return raw == "true"
    except (ValueError, TypeError, decimal.InvalidOperation):
        return None
    return None


def _sizes(kind: str | None, base: str,
           typmod: int) -> tuple[int | None, int | None, int | None]:
    # Decode atttypmod as information_schema._pg_char_max_length / _pg_numeric_precision do.
    length = precision = scale = None
    if typmod is None or typmod < 0:
        return length, precision, scale
    if base in ("varchar", "bpchar"):
        length = typmod - 4
    elif base in ("bit", "varbit"):
        length = typmod
    elif base == "numeric" and typmod >= 4:
        precision = ((typmod - 4) >> 16) & 0xFFFF
        scale = (typmod - 4) & 0xFFFF
    elif kind in ("datetime", "time"):
        precision = typmod  # fractional-second digits: timestamp(3)
    return length, precision, scale


class PostgreSQLIntrospector(Introspector):
    """Reads tables, columns, keys and indexes of one PostgreSQL database."""

    def table_names(self, conn: Any) -> list[str]:
        rows = self.query(
            conn, "SELECT c.relname::text FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                  f"AND NOT {_PARTITION}")
        return sorted(r[0] for r in rows)

    def table_exists(self, conn: Any, table: str) -> bool:
        rows = self.query(
            conn, f"SELECT 1 FROM pg_class WHERE oid = {_REL} "
                  "AND relkind IN ('r', 'p', 'v', 'm', 'f')", (table,))
        return bool(rows)

    def columns(self, conn: Any, table: str) -> list[ColumnInfo]:
        out = []
        for (name, sql_type, notnull, default_sql, identity, generated, pk, base, typtype,
             typmod, elem, labels) in self.query(conn, _COLUMNS_SQL, (table,)):
            sql_type = sql_type.lower()
            kind = neutral_type(base) if elem is None else None
            if typtype == "e":
                kind = "string"
            scalar = elem or base
            auto = identity in ("a", "d") or bool(
                default_sql and default_sql.startswith("nextval("))
            if auto:
                default = None
            elif generated:
                # GENERATED ALWAYS AS (expr) STORED ('s'; 'v' virtual, PostgreSQL 18):
                # pg_attrdef holds the expression, which is no default.
                default = default_sql = None
            else:
                elem_kind = neutral_type(scalar)
                default = parse_default(default_sql, kind or elem_kind, sql_type)
            length, precision, scale = _sizes(neutral_type(scalar), scalar, typmod)
            out.append(ColumnInfo(
                name=name, sql_type=sql_type, type=kind or UNTYPED,
                nullable=not notnull, default=default,
                default_sql=default_sql,
                primary_key=pk, auto_increment=auto, length=length,
                precision=precision, scale=scale,
                timezone=scalar in ("timestamptz", "timetz"),
                enum_values=tuple(labels) if labels is not None else None,
                generated=bool(generated)))
        return out

    def primary_key(self, conn: Any, table: str) -> tuple[str, ...]:
        return tuple(r[0] for r in self.query(conn, _PK_SQL, (table,)))

    def foreign_keys(self, conn: Any, table: str) -> list[ForeignKeyInfo]:
        return [ForeignKeyInfo(name=name, columns=tuple(cols), referred_table=referred,
                               referred_columns=tuple(ref_cols),
                               on_delete=_ACTIONS.get(on_delete),
                               on_update=_ACTIONS.get(on_update))
                for name, referred, cols, ref_cols, on_delete, on_update
                in self.query(conn, _FK_SQL, (table,))]

    def indexes(self, conn: Any, table: str) -> list[IndexInfo]:
        return [IndexInfo(name=name, columns=tuple(cols), unique=unique, partial=partial,
                          where=where)
                for name, unique, cols, partial, where
                in self.query(conn, _INDEX_SQL, (table,))]

    def check_constraints(self, conn: Any, table: str) -> list[CheckInfo]:
        """The table's CHECK constraints from ``pg_constraint`` (``contype = 'c'``),
        their condition as ``pg_get_expr`` prints it."""
        return [CheckInfo(name=name, expression=expr) for name, expr in self.query(
            conn, "SELECT conname::text, pg_get_expr(conbin, conrelid, true) "
                  f"FROM pg_constraint WHERE conrelid = {_REL} AND contype = 'c' "
                  "ORDER BY conname", (table,))]
