"""SQLite's DDL, with the table rebuild for the ALTER forms SQLite lacks.

SQLite's ``ALTER TABLE`` renames tables and columns and adds columns; everything else
(changing a column's type, nullability or default, dropping a column, adding or removing
a foreign key or a check) follows the procedure of the SQLite manual, "Making Other Kinds
Of Table Schema Changes" (https://www.sqlite.org/lang_altertable.html#otheralter):

1. ``PRAGMA foreign_keys = OFF`` before the migration's transaction (the editor's
   :attr:`~SQLiteSchemaEditor.session`; the pragma does nothing inside one);
2. the migration's transaction begins;
3. the table's indexes, triggers and views are read from ``sqlite_master``;
4. ``CREATE TABLE`` of the new shape under a temporary name;
5. ``INSERT INTO new SELECT ... FROM old``;
6. ``DROP TABLE old``;
7. ``ALTER TABLE new RENAME TO old``;
8. the indexes and triggers are created again (those over a removed column are not);
9. the views are created again;
10. ``PRAGMA foreign_key_check`` before the COMMIT (:meth:`check_integrity`): a
    violation fails the migration, which rolls back whole;
11. COMMIT; 12. ``PRAGMA foreign_keys = ON`` again.

The new shape is written by editing the table's own ``CREATE TABLE`` text, clause by
clause (:func:`split_definition`), so what the catalog does not describe (collations,
inline checks, ``WITHOUT ROWID``, ``AUTOINCREMENT``) is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from activerecord.connection.schema_editor import SchemaEditor, SchemaError
from activerecord.errors import IntegrityError
from activerecord.sql import ddl

from .introspection import sql_tokens, unquote_name

__all__ = ["SQLiteSchemaEditor", "split_definition", "ColumnClause"]

_TABLE_CONSTRAINTS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
_COLUMN_CONSTRAINTS = frozenset({"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                 "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"})
# A keyword after one of these continues the clause: NOT NULL, SET NULL, DEFAULT NULL,
# ON DELETE SET DEFAULT, GENERATED ALWAYS AS.
_CONTINUES = frozenset({"NOT", "SET", "DEFAULT", "ON", "ALWAYS"})


@dataclass
class ColumnClause:
    """One column definition of a ``CREATE TABLE``: its name, its type text and its
    constraint clauses (``NOT NULL``, ``DEFAULT 0``, ``REFERENCES t (id)`` ...)."""

    name: str
    type_sql: str
    constraints: list[str] = field(default_factory=list)

    def kind(self, clause: str) -> str:
        """The first keyword of a clause (after ``CONSTRAINT name``)."""
        words = [t for t, _, _ in sql_tokens(clause)]
        if words and words[0].upper() == "CONSTRAINT" and len(words) > 2:
            return words[2].upper()
        return words[0].upper() if words else ""

    def without(self, *kinds: str) -> None:
        """Drop the clauses whose first keyword is one of ``kinds``."""
        self.constraints = [c for c in self.constraints if self.kind(c) not in kinds]

    def sql(self, quote: Callable[[str], str]) -> str:
        """The definition's text."""
        return " ".join(p for p in (quote(self.name), self.type_sql, *self.constraints) if p)


def split_definition(sql: str) -> tuple[str, list[str], str]:
    """Split a ``CREATE TABLE`` statement into the text before its column list, the
    clauses of the list (columns and table constraints, split at top-level commas),
    and the text after the list (``WITHOUT ROWID``, ``STRICT``)."""
    tokens = sql_tokens(sql)
    start = next(pos for tok, depth, pos in tokens if tok == "(" and depth == 1)
    cuts, end = [start], None
    for tok, depth, pos in tokens:
        if pos <= start:
            continue
        if tok == "," and depth == 1:
            cuts.append(pos)
        elif tok == ")" and depth == 1:
            end = pos
            break
    if end is None:
        raise SchemaError(f"cannot read the column list of {sql!r}")
    cuts.append(end)
    clauses = [sql[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]
    return sql[:start], clauses, sql[end + 1:]


def is_table_constraint(clause: str) -> bool:
    """Whether a clause of the column list is a table constraint (not a column)."""
    first = sql_tokens(clause)[0][0].upper()
    return first in _TABLE_CONSTRAINTS


def parse_column(clause: str) -> ColumnClause:
    """Split a column definition into name, type and constraint clauses."""
    tokens = sql_tokens(clause)
    name = unquote_name(tokens[0][0])
    pieces: list[list[tuple[str, int, int]]] = []
    type_end = len(clause)
    prev = ""
    for tok, depth, pos in tokens[1:]:
        word = tok.upper()
        starts = depth == 0 and word in _COLUMN_CONSTRAINTS and prev not in _CONTINUES
        if starts and pieces and len(pieces[-1]) == 2 and pieces[-1][0][0].upper() == \
                "CONSTRAINT":
            starts = False  # CONSTRAINT name PRIMARY KEY ...: one clause
        if starts:
            if not pieces:
                type_end = pos
            pieces.append([])
        if pieces:
            pieces[-1].append((tok, depth, pos))
        prev = word if depth == 0 else prev
    bounds = [p[0][2] for p in pieces] + [len(clause)]
    constraints = [clause[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    type_start = tokens[1][2] if len(tokens) > 1 else len(clause)
    return ColumnClause(name, clause[type_start:type_end].strip() if pieces else
                        clause[type_start:].strip(), constraints)


class SQLiteSchemaEditor(SchemaEditor):
    """Schema editor for SQLite (see the module docstring for the table rebuild)."""

    types = {
        "string": "varchar({limit})", "text": "text", "integer": "integer",
        "bigint": "bigint", "float": "real", "decimal": "decimal({precision},{scale})",
        "boolean": "boolean", "date": "date", "datetime": "datetime",
        "timestamp": "datetime", "timestamptz": "timestamptz", "time": "time",
        "binary": "blob", "json": "json", "uuid": "uuid",
    }
    # BEGIN IMMEDIATE takes the write lock at once: a second process running migrate
    # waits for it (busy timeout), then finds the version recorded and skips it.
    session = (("PRAGMA foreign_keys = OFF", "BEGIN IMMEDIATE"), ("PRAGMA foreign_keys = ON",))

    def identity_sql(self, col: ddl.ColumnDef) -> str:
        if col.type == "uuid":
            # A random (version 4 layout) UUID as text: SQLite has no generator.
            return ("uuid PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || "
                    "lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) "
                    "|| '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))")
        # Only INTEGER PRIMARY KEY is the rowid; AUTOINCREMENT never reuses a key.
        return "integer PRIMARY KEY AUTOINCREMENT NOT NULL"

    def reference_type(self, key: Any) -> str:
        """A rowid key (``INTEGER PRIMARY KEY``) is 64-bit: ``bigint``, as the key the
        other databases make for ``create_table``."""
        if key.auto_increment and key.sql_type == "integer":
            return "bigint"
        return super().reference_type(key)

    def check_integrity(self) -> None:
        """``PRAGMA foreign_key_check``: rows that break a foreign key (possible while
        the migration ran with foreign keys off) fail the migration before COMMIT."""
        if self.dry_run:
            return
        rows = self.query("PRAGMA foreign_key_check")
        if rows:
            shown = "; ".join(f"{r[0]} rowid {r[1]} -> {r[2]}" for r in rows[:5])
            raise IntegrityError(f"the migration leaves {len(rows)} row(s) breaking a "
                                 f"foreign key ({shown}); it was rolled back")

    def rename_index(self, table: str, old: str, new: str) -> None:
        """SQLite cannot rename an index: it is dropped and made again, as it is now."""
        info = self.table(table)
        index = next((i for i in info.indexes if i.name == old), None)
        if index is None:
            return
        self.run(f"DROP INDEX {self.q(old)}")
        self.do_add_index(ddl.AddIndex(ddl.IndexDef(table, index.columns, new, index.unique,
                                                    index.where)))

    # -- the operations SQLite's ALTER TABLE lacks -----------------------------------
    def do_add_column(self, op: ddl.AddColumn) -> None:
        col = op.column
        if col.primary_key or (isinstance(col.default, ddl.SQLDefault)):
            # ADD COLUMN takes neither a key nor a non-constant default: rebuild.
            self.rebuild(op.table, add=[self.column_sql(col)])
        else:
            super().do_add_column(op)

    def do_remove_column(self, op: ddl.RemoveColumn) -> None:
        info = self.table(op.table)
        self.column_of(op.table, op.name)
        if op.name in info.primary_key:
            raise SchemaError(f"{op.table}.{op.name} is (part of) the primary key; it "
                              "cannot be removed")
        self.rebuild(op.table, drop_column=op.name)

    def do_change_column(self, op: ddl.ChangeColumn) -> None:
        col = op.column
        self.column_of(op.table, col.name)

        def edit(clause: ColumnClause) -> None:
            clause.type_sql = self.column_type(col)
            clause.without("NOT", "NULL", "DEFAULT")
            if not col.null:
                clause.constraints.append("NOT NULL")
            if col.default is not ddl.NO_DEFAULT and col.default is not None:
                clause.constraints.append("DEFAULT " + self.sqlite_default(col.default))
        self.rebuild(op.table, edit={col.name: edit})

    def set_null(self, table: str, column: str, null: bool) -> None:
        def edit(clause: ColumnClause) -> None:
            clause.without("NOT", "NULL")
            if not null:
                clause.constraints.append("NOT NULL")
        self.rebuild(table, edit={column: edit})

    def do_change_column_default(self, op: ddl.ChangeColumnDefault) -> None:
        self.column_of(op.table, op.name)

        def edit(clause: ColumnClause) -> None:
            clause.without("DEFAULT")
            if op.default is not None:
                clause.constraints.append("DEFAULT " + self.sqlite_default(op.default))
        self.rebuild(op.table, edit={op.name: edit})

    def sqlite_default(self, value: Any) -> str:
        """A DEFAULT's text; an expression goes in parentheses, as SQLite requires."""
        text = self.literal(value)
        if isinstance(value, ddl.SQLDefault) and not text.startswith("(") and \
                text.upper() not in ("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"):
            return f"({text})"
        return text

    def do_add_foreign_key(self, op: ddl.AddForeignKey) -> None:
        self.table(op.foreign_key.table)
        self.rebuild(op.foreign_key.table, add=[self.foreign_key_clause(op.foreign_key)])

    def do_remove_foreign_key(self, op: ddl.RemoveForeignKey) -> None:
        found = self.find_foreign_key(op.foreign_key)
        self.rebuild(op.foreign_key.table, drop_foreign_key=found)

    def do_add_check_constraint(self, op: ddl.AddCheckConstraint) -> None:
        self.table(op.check.table)
        self.rebuild(op.check.table, add=[self.check_clause(op.check)])

    def do_remove_check_constraint(self, op: ddl.RemoveCheckConstraint) -> None:
        info = self.table(op.table)
        if not any(c.name == op.name for c in info.checks):
            raise SchemaError(f"table {op.table!r} has no check constraint {op.name!r} "
                              f"(checks: {', '.join(c.name for c in info.checks) or 'none'})")
        self.rebuild(op.table, drop_check=op.name)

    # -- the rebuild -----------------------------------------------------------------
    def rebuild(self, table: str, *, add: list[str] | None = None,
                drop_column: str | None = None, drop_check: str | None = None,
                drop_foreign_key: Any = None,
                edit: dict[str, Callable[[ColumnClause], None]] | None = None) -> None:
        """Rebuild ``table`` with its definition changed: clauses added, a column, a
        check or a foreign key removed, column definitions edited (steps 3 to 9 of the
        module docstring; the caller's transaction holds steps 2 and 10)."""
        info = self.table(table)
        if any(c.generated for c in info.columns) and drop_column is not None:
            raise SchemaError(f"table {table!r} has generated columns: removing a column "
                              "by a rebuild is not supported for it")
        rows = self.query("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                          "COLLATE NOCASE AND type IN ('table', 'index', 'trigger') "
                          "AND sql IS NOT NULL ORDER BY type, name", (table,))
        create = next(r[2] for r in rows if r[0] == "table")
        _head, clauses, tail = split_definition(create)
        out = []
        for clause in clauses:
            if is_table_constraint(clause):
                if self._keep_constraint(clause, drop_column, drop_check, drop_foreign_key):
                    out.append(clause)
                continue
            col = parse_column(clause)
            if col.name == drop_column:
                continue
            if drop_foreign_key is not None and drop_foreign_key.columns == (col.name,):
                col.without("REFERENCES")
            if edit and col.name in edit:
                edit[col.name](col)
            out.append(col.sql(self.q))
        out.extend(add or [])
        temp = f"_ar_rebuild_{table}"
        views = self._views_on(table)
        for name, _sql in views:
            self.run(f"DROP VIEW {self.q(name)}")
        self.run(f"CREATE TABLE {self.q(temp)} ({', '.join(out)}){tail}")
        kept = [c.name for c in info.columns if c.name != drop_column and not c.generated]
        self.run(f"INSERT INTO {self.q(temp)} ({self.qs(kept)}) "
                 f"SELECT {self.qs(kept)} FROM {self.q(table)}")
        self.run(f"DROP TABLE {self.q(table)}")
        self.run(f"ALTER TABLE {self.q(temp)} RENAME TO {self.q(table)}")
        for kind, name, sql in rows:
            if kind == "index" and drop_column is not None and drop_column in \
                    self._index_columns(info, name):
                continue
            if kind in ("index", "trigger"):
                self.run(sql)
        for _name, sql in views:
            self.run(sql)

    @staticmethod
    def _index_columns(info: Any, name: str) -> tuple[str, ...]:
        for index in info.indexes:
            if index.name == name:
                return tuple(index.columns)
        return ()

    def _views_on(self, table: str) -> list[tuple[str, str]]:
        # Views whose text names the table (a conservative textual test): dropped and
        # created again around the rebuild, which a view would otherwise break.
        rows = self.query("SELECT name, sql FROM sqlite_master WHERE type = 'view' "
                          "ORDER BY name")
        low = table.lower()
        return [(name, sql) for name, sql in rows
                if any(unquote_name(t).lower() == low for t, _, _ in sql_tokens(sql))]

    def _keep_constraint(self, clause: str, drop_column: str | None,
                         drop_check: str | None, drop_foreign_key: Any) -> bool:
        tokens = [t for t, _, _ in sql_tokens(clause)]
        words = [t.upper() for t in tokens]
        names = {unquote_name(t) for t in tokens}
        if drop_check is not None and len(tokens) > 2 and words[0] == "CONSTRAINT" and \
                unquote_name(tokens[1]) == drop_check and words[2] == "CHECK":
            return False
        if drop_column is not None and drop_column in names:
            if "PRIMARY" in words:
                raise SchemaError(f"column {drop_column!r} is part of the primary key")
            return False  # a FOREIGN KEY, UNIQUE or CHECK over the removed column
        if drop_foreign_key is not None and "FOREIGN" in words:
            return not self._is_foreign_key(tokens, drop_foreign_key)
        return True

    @staticmethod
    def _is_foreign_key(tokens: list[str], fk: Any) -> bool:
        words = [t.upper() for t in tokens]
        at = words.index("FOREIGN")
        ref = words.index("REFERENCES") if "REFERENCES" in words else len(words)
        cols = tuple(unquote_name(t) for t in tokens[at + 2:ref] if t not in "(),")
        target = unquote_name(tokens[ref + 1]) if ref + 1 < len(tokens) else ""
        return cols == tuple(fk.columns) and target.lower() == fk.referred_table.lower()
