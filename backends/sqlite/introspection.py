"""SQLite catalog reading through the PRAGMA table-valued functions
(``pragma_table_xinfo`` (>= 3.26; ``pragma_table_info`` before), ``pragma_foreign_key_list``,
``pragma_index_list``, ``pragma_index_info``; SQLite >= 3.16,
https://www.sqlite.org/pragma.html), so table names are bound parameters there.

SQLite compares table names case-insensitively (ASCII), and so does this introspector.

The PRAGMAs name no constraint: the names of foreign keys and CHECK constraints are
read from the table's ``CREATE TABLE`` text in ``sqlite_master`` (``CONSTRAINT name
...``; an unnamed foreign key has the name ``None``).

Generated columns (``GENERATED ALWAYS AS (...)``, SQLite >= 3.31) are listed by
``table_xinfo`` only, with ``hidden`` 2 (virtual) or 3 (stored); they are reported with
``generated=True`` and no default.

Dates and times are text in SQLite, compared as text, so the layout of the values
already in a table matters (``'1996-07-04 00:00:00.000'`` is not ``'1996-07-04
00:00:00'``). For each date/datetime/time column of a table, the first stored text
value is read once, at introspection, in one statement (the only one here with
identifiers, double-quoted, in its SQL), and its layout becomes
``ColumnInfo.stored_format``; the column's type then writes values and conditions in it
(see backends/sqlite/types.py and docs/models.md, "Dates and times in SQLite").
"""

from __future__ import annotations

import decimal
import re
import sqlite3
from typing import Any, NamedTuple

from activerecord.connection.introspection import (
    UNTYPED,
    CheckInfo,
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    Introspector,
    parse_type_args,
)
from activerecord.errors import SchemaError

from .types import neutral_type, stored_format

__all__ = ["SQLiteIntrospector", "parse_default", "sql_tokens", "unquote_name", "named_checks",
           "index_where", "foreign_key_names", "split_definition", "ForeignKeyClause",
           "clause_foreign_keys", "constraint_columns", "expression_names"]

_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$")
_GENERATED_SUFFIX = re.compile(r"\s+GENERATED\s+ALWAYS\s*$", re.IGNORECASE)

# pragma_table_xinfo (SQLite >= 3.26) also lists generated columns, which table_info
# hides: hidden = 2 (virtual) or 3 (stored). hidden = 1 marks the hidden columns of a
# virtual table (FTS5's rank...), which SELECT * leaves out too: they are left out here.
if sqlite3.sqlite_version_info >= (3, 26, 0):
    _COLUMNS_SQL = ('SELECT name, type, "notnull", dflt_value, pk, hidden '
                    "FROM pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid")
else:  # pragma: no cover - no generated columns before 3.31 anyway
    _COLUMNS_SQL = ('SELECT name, type, "notnull", dflt_value, pk, 0 '
                    "FROM pragma_table_info(?) ORDER BY cid")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse_default(text: str | None) -> tuple[Any, str | None]:
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

    def table_names(self, conn: Any) -> list[str]:
        rows = self.query(
            conn, "SELECT name FROM sqlite_master WHERE type = 'table' "
                  "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        return [r[0] for r in rows]

    def table_exists(self, conn: Any, table: str) -> bool:
        return bool(self.query(
            conn, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') "
                  "AND name = ? COLLATE NOCASE", (table,)))

    def columns(self, conn: Any, table: str) -> list[ColumnInfo]:
        rows = self.query(conn, _COLUMNS_SQL, (table,))
        pk_cols = [r for r in rows if r[4]]
        formats = self._stored_formats(conn, table, rows)
        out = []
        for name, decl, notnull, dflt, pk, hidden in rows:
            decl = _GENERATED_SUFFIX.sub("", (decl or "").strip())
            kind = neutral_type(decl) or UNTYPED
            a, b = parse_type_args(decl)
            generated = hidden in (2, 3)
            default, default_sql = (None, None) if generated else parse_default(dflt)
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
                timezone="time zone" in decl.lower() or "tz" in decl.lower(),
                generated=generated, stored_format=formats.get(name)))
        return out

    def _stored_formats(self, conn: Any, table: str, rows: list[tuple]) -> dict[str, str]:
        """Return ``{column: layout}`` for the date/datetime/time columns of a table (not
        a view: running it could be costly), from the first text value of each (one
        statement; each sub-select stops at its first hit)."""
        kinds = [(r[0], neutral_type(r[1] or "")) for r in rows]
        temporal = [(c, k) for c, k in kinds
                    if k is not None and k in ("date", "datetime", "time")]
        if not temporal or not self.query(
                conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? "
                      "COLLATE NOCASE", (table,)):
            return {}
        src = _quote(table)
        sql = "SELECT " + ", ".join(
            f"(SELECT {_quote(c)} FROM {src} WHERE typeof({_quote(c)}) = 'text' LIMIT 1)"
            for c, _ in temporal)
        sample = self.query(conn, sql)[0]
        found = {}
        for (col, kind), text in zip(temporal, sample):
            layout = stored_format(kind, text) if text is not None else None
            if layout is not None:
                found[col] = layout
        return found

    def primary_key(self, conn: Any, table: str) -> tuple[str, ...]:
        rows = self.query(
            conn, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,))
        return tuple(r[0] for r in rows)

    def foreign_keys(self, conn: Any, table: str) -> list[ForeignKeyInfo]:
        rows = self.query(
            conn, 'SELECT id, seq, "table", "from", "to", on_update, on_delete '
                  "FROM pragma_foreign_key_list(?) ORDER BY id, seq", (table,))
        groups: dict[int, list] = {}
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        names = foreign_key_names(self._create_sql(conn, table)) if groups else {}
        out = []
        for fk_id in sorted(groups):
            items = groups[fk_id]
            referred = items[0][2]
            to_cols = tuple(r[4] for r in items)
            if any(c is None for c in to_cols):  # "REFERENCES t" means t's primary key
                to_cols = self.primary_key(conn, referred)
            cols = tuple(r[3] for r in items)
            out.append(ForeignKeyInfo(
                name=names.get((tuple(c.lower() for c in cols), referred.lower())),
                columns=cols, referred_table=referred,
                referred_columns=to_cols, on_update=items[0][5], on_delete=items[0][6]))
        return out

    def indexes(self, conn: Any, table: str) -> list[IndexInfo]:
        rows = self.query(
            conn, 'SELECT name, "unique", origin, partial FROM pragma_index_list(?) '
                  "ORDER BY name", (table,))
        out = []
        for name, unique, origin, partial in rows:
            if origin == "pk":
                continue
            cols = self.query(
                conn, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))
            where = None
            if partial:
                found = self.query(conn, "SELECT sql FROM sqlite_master WHERE type = 'index' "
                                         "AND name = ?", (name,))
                where = index_where(found[0][0]) if found and found[0][0] else None
            out.append(IndexInfo(name=name, columns=tuple(c[0] for c in cols),
                                 unique=bool(unique), partial=bool(partial), where=where))
        return out

    def check_constraints(self, conn: Any, table: str) -> list[CheckInfo]:
        """The named table constraints ``CONSTRAINT name CHECK (...)`` of the table's
        ``CREATE TABLE`` text in ``sqlite_master`` (SQLite keeps no other record of
        them)."""
        sql = self._create_sql(conn, table)
        return sorted((CheckInfo(name=n, expression=e) for n, e in named_checks(sql)),
                      key=lambda c: c.name)

    def _create_sql(self, conn: Any, table: str) -> str:
        # The table's CREATE TABLE text ("" for a view or a table SQLite made itself).
        rows = self.query(conn, "SELECT sql FROM sqlite_master WHERE type = 'table' "
                                "AND name = ? COLLATE NOCASE", (table,))
        return (rows[0][0] or "") if rows else ""


# -- reading CREATE statements -----------------------------------------------------------
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def sql_tokens(sql: str) -> list[tuple[str, int, int]]:
    """Split SQL text into ``(token, depth, start)``: quoted names and strings whole,
    words, and single characters, each with its parenthesis depth (the depth inside
    the parentheses for ``(``/``)`` themselves: ``(`` opens, ``)`` closes at the outer
    depth). Used to read the CREATE statements SQLite keeps as text."""
    out: list[tuple[str, int, int]] = []
    i, depth, size = 0, 0, len(sql)
    while i < size:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"`[":
            j = _quoted_end(sql, i)
            out.append((sql[i:j + 1], depth, i))
            i = j + 1
        elif ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = size if j < 0 else j
        elif ch == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = size if j < 0 else j + 2
        elif ch == "(":
            depth += 1
            out.append((ch, depth, i))
            i += 1
        elif ch == ")":
            out.append((ch, depth, i))
            depth -= 1
            i += 1
        else:
            m = _WORD.match(sql, i)
            if m:
                out.append((m.group(0), depth, i))
                i = m.end()
            else:
                out.append((ch, depth, i))
                i += 1
    return out


def _quoted_end(sql: str, start: int) -> int:
    """The index of the character closing the quoted name or string at ``start``
    (doubled quotes inside it skipped; ``[...]`` has no escape)."""
    close = "]" if sql[start] == "[" else sql[start]
    j, size = start + 1, len(sql)
    while j < size:
        if sql[j] == close:
            if close != "]" and j + 1 < size and sql[j + 1] == close:
                j += 2
                continue
            return j
        j += 1
    return size - 1


def unquote_name(token: str) -> str:
    """Return an identifier token without its quotes (``"a""b"`` -> ``a"b``)."""
    if token[:1] in ('"', "`") and token[-1:] == token[:1]:
        q = token[0]
        return token[1:-1].replace(q + q, q)
    if token[:1] == "[" and token[-1:] == "]":
        return token[1:-1]
    return token


def named_checks(sql: str) -> list[tuple[str, str]]:
    """Return ``(name, expression)`` of each ``CONSTRAINT name CHECK (expr)`` in a
    ``CREATE TABLE`` statement's column list (depth 1)."""
    tokens = sql_tokens(sql)
    out = []
    for k, (tok, depth, _start) in enumerate(tokens):
        if depth != 1 or tok.upper() != "CONSTRAINT" or k + 3 >= len(tokens):
            continue
        name, check, paren = tokens[k + 1], tokens[k + 2], tokens[k + 3]
        if check[0].upper() != "CHECK" or paren[0] != "(":
            continue
        for tok2, depth2, end in tokens[k + 4:]:
            if tok2 == ")" and depth2 == 2:
                out.append((unquote_name(name[0]), sql[paren[2] + 1:end].strip()))
                break
    return out


def split_definition(sql: str) -> tuple[str, list[str], str]:
    """Split a ``CREATE TABLE`` statement into the text before its column list, the
    clauses of the list (columns and table constraints, split at top-level commas),
    and the text after the list (``WITHOUT ROWID``, ``STRICT``). Raises SchemaError
    when the statement has no column list."""
    tokens = sql_tokens(sql)
    start = next((pos for tok, depth, pos in tokens if tok == "(" and depth == 1), -1)
    cuts, end = [start], -1
    for tok, depth, pos in tokens:
        if start < 0 or pos <= start:
            continue
        if tok == "," and depth == 1:
            cuts.append(pos)
        elif tok == ")" and depth == 1:
            end = pos
            break
    if end < 0:
        raise SchemaError(f"cannot read the column list of {sql!r}")
    cuts.append(end)
    clauses = [sql[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]
    return sql[:start], clauses, sql[end + 1:]


class ForeignKeyClause(NamedTuple):
    """A foreign key as a ``CREATE TABLE`` clause declares it: its name (``None``
    without ``CONSTRAINT name``), its own columns and the table it refers to."""

    name: str | None
    columns: tuple[str, ...]
    referred_table: str


def clause_foreign_keys(clause: str) -> list[ForeignKeyClause]:
    """The foreign keys one clause of a ``CREATE TABLE``'s column list declares: a
    table constraint ``[CONSTRAINT n] FOREIGN KEY (a, b) REFERENCES t (x, y)`` (its
    own columns ``a, b``, not the referred ``x, y``), or a column's ``[CONSTRAINT n]
    REFERENCES t`` (its own column: the column)."""
    tokens = sql_tokens(clause)
    words = [t.upper() for t, _, _ in tokens]
    out: list[ForeignKeyClause] = []
    k = 0
    while k < len(tokens):
        name = unquote_name(tokens[k - 1][0]) if k >= 2 and words[k - 2] == "CONSTRAINT" \
            else None
        if tokens[k][1] == 0 and words[k] == "FOREIGN" and words[k + 1:k + 3] == ["KEY", "("]:
            columns, k = _name_list(tokens, k + 2)
            if k + 1 < len(tokens) and words[k] == "REFERENCES":
                out.append(ForeignKeyClause(name, columns, unquote_name(tokens[k + 1][0])))
                k += 2
            continue
        if tokens[k][1] == 0 and words[k] == "REFERENCES" and 0 < k < len(tokens) - 1:
            out.append(ForeignKeyClause(name, (unquote_name(tokens[0][0]),),
                                        unquote_name(tokens[k + 1][0])))
        k += 1
    return out


def foreign_key_names(sql: str) -> dict[tuple[tuple[str, ...], str], str]:
    """Return ``{(columns, referred table): name}`` (the key in lower case) of the
    named foreign keys of a ``CREATE TABLE`` statement (:func:`clause_foreign_keys`;
    ``pragma_foreign_key_list`` reports no names)."""
    try:
        clauses = split_definition(sql)[1]
    except SchemaError:
        return {}
    return {(tuple(c.lower() for c in fk.columns), fk.referred_table.lower()): fk.name
            for clause in clauses for fk in clause_foreign_keys(clause)
            if fk.name is not None}


def constraint_columns(clause: str) -> frozenset[str]:
    """The columns a table constraint of a ``CREATE TABLE`` is over, in lower case:
    the list of a PRIMARY KEY or UNIQUE, a FOREIGN KEY's own columns (not those it
    refers to), the names a CHECK's expression mentions (:func:`expression_names`)."""
    tokens = sql_tokens(clause)
    at = 2 if tokens and tokens[0][0].upper() == "CONSTRAINT" else 0
    kind = tokens[at][0].upper() if at < len(tokens) else ""
    paren = next((k for k in range(at, len(tokens)) if tokens[k][0] == "("), None)
    if paren is None:
        return frozenset()
    if kind == "CHECK":
        return expression_names(clause[tokens[paren][2]:])
    if kind == "FOREIGN":
        columns = tuple(c for fk in clause_foreign_keys(clause) for c in fk.columns)
    else:
        columns = _name_list(tokens, paren)[0]
    return frozenset(c.lower() for c in columns)


def expression_names(sql: str) -> frozenset[str]:
    """The names an SQL expression mentions, in lower case: its words and quoted names
    (keywords too), not its string literals nor the functions it calls."""
    tokens = sql_tokens(sql)
    out = set()
    for k, (tok, _depth, _start) in enumerate(tokens):
        quoted = tok[:1] in ('"', "`", "[")
        call = not quoted and k + 1 < len(tokens) and tokens[k + 1][0] == "("
        if (quoted or _WORD.fullmatch(tok)) and not call:
            out.add(unquote_name(tok).lower())
    return frozenset(out)


def _name_list(tokens: list[tuple[str, int, int]], at: int) -> tuple[tuple[str, ...], int]:
    # The names of the parenthesized list opening at tokens[at] (the first token of
    # each element: a column, before its COLLATE or ASC/DESC), and the index after
    # its closing parenthesis.
    depth, first = tokens[at][1], True
    names: list[str] = []
    for k in range(at + 1, len(tokens)):
        tok, d, _start = tokens[k]
        if d == depth and tok in (",", ")"):
            if tok == ")":
                return tuple(names), k + 1
            first = True
        elif first:
            names.append(unquote_name(tok))
            first = False
    return tuple(names), len(tokens)


def index_where(sql: str) -> str | None:
    """Return the condition of a partial index's ``CREATE INDEX ... WHERE expr``."""
    for tok, depth, start in sql_tokens(sql):
        if depth == 0 and tok.upper() == "WHERE":
            return sql[start + 5:].strip() or None
    return None
