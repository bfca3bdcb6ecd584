"""SQLite's DDL, with the table rebuild for the ALTER forms SQLite lacks.

SQLite's ``ALTER TABLE`` renames tables and columns and adds columns; everything else
(changing a column's type, nullability or default, dropping a column, adding or removing
a foreign key or a check) follows the procedure of the SQLite manual, "Making Other Kinds
Of Table Schema Changes" (https://www.sqlite.org/lang_altertable.html#otheralter):

1. ``PRAGMA foreign_keys = OFF`` before the migration's transaction (the editor's
   :attr:`~SQLiteSchemaEditor.session`; the pragma does nothing inside one);
2. the migration's transaction begins;
3. the table's indexes and triggers are read from ``sqlite_master``, its
   ``AUTOINCREMENT`` counter from ``sqlite_sequence``, and the views and other
   tables' triggers that name it (with the views' triggers), which are dropped;
4. ``CREATE TABLE`` of the new shape under a temporary name;
5. ``INSERT INTO new SELECT ... FROM old``;
6. ``DROP TABLE old``;
7. ``ALTER TABLE new RENAME TO old``, and the ``AUTOINCREMENT`` counter is set back
   (the copy would leave it at the largest key kept: a deleted key given again);
8. the indexes and triggers are created again (not an index over a removed column,
   or whose ``WHERE`` names it: PostgreSQL drops those);
9. the views and the other triggers are created again;
10. ``PRAGMA foreign_key_check`` before the COMMIT (:meth:`check_integrity`): a
    violation fails the migration, which rolls back whole;
11. COMMIT; 12. ``PRAGMA foreign_keys = ON`` again.

The new shape is written by editing the table's own ``CREATE TABLE`` text, clause by
clause (``introspection.split_definition``), so what the catalog does not describe
(collations, inline checks, ``WITHOUT ROWID``, ``AUTOINCREMENT``) is kept. Removing a
column drops the table constraints over it, by their own columns (a FOREIGN KEY's
list, not the columns it refers to; the names a CHECK mentions:
``introspection.constraint_columns``).

``drop_tables`` turns foreign keys off around its drops outside a migration too
(:meth:`SQLiteSchemaEditor.drop_tables`).

Two processes migrating one database file are serialized by a lock file next to it
(:meth:`SQLiteSchemaEditor.migration_lock`), and each migration's ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from activerecord.connection.schema_editor import SchemaEditor, SchemaError, lock_busy
from activerecord.errors import DatabaseError, IntegrityError
from activerecord.sql import ddl

from .introspection import (
    clause_foreign_keys,
    constraint_columns,
    expression_names,
    index_where,
    split_definition,
    sql_tokens,
    unquote_name,
)

__all__ = ["SQLiteSchemaEditor", "ColumnClause"]

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

    @staticmethod
    def kind(clause: str) -> str:
        """The first keyword of a clause (after ``CONSTRAINT name``), upper case."""
        words = [t for t, _, _ in sql_tokens(clause)[:3]]
        if words and words[0].upper() == "CONSTRAINT" and len(words) > 2:
            return words[2].upper()
        return words[0].upper() if words else ""

    def without(self, *kinds: str) -> None:
        """Drop the clauses whose first keyword is one of ``kinds``."""
        self.constraints = [c for c in self.constraints if self.kind(c) not in kinds]

    def without_check(self, name: str) -> None:
        """Drop the column's ``CONSTRAINT name CHECK (...)``."""
        self.constraints = [c for c in self.constraints if not is_named_check(c, name)]

    def sql(self, quote: Callable[[str], str]) -> str:
        """The definition's text."""
        return " ".join(p for p in (quote(self.name), self.type_sql, *self.constraints) if p)


def is_named_check(clause: str, name: str) -> bool:
    """Whether a clause (a table constraint, or a constraint of a column) is the check
    ``CONSTRAINT name CHECK (...)``."""
    words = [t for t, _, _ in sql_tokens(clause)[:3]]
    return len(words) == 3 and words[0].upper() == "CONSTRAINT" and \
        unquote_name(words[1]) == name and words[2].upper() == "CHECK"


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
    # BEGIN IMMEDIATE takes the write lock at once: a writer that is not a migration
    # waits for it (busy timeout); the runner checks inside it that the version is
    # still pending.
    session = (("PRAGMA foreign_keys = OFF", "BEGIN IMMEDIATE"), ("PRAGMA foreign_keys = ON",))

    @contextmanager
    def migration_lock(self, timeout: float = 60.0) -> Iterator[None]:
        """An exclusive ``flock`` on ``<database file>-migrations.lock`` for the whole
        run (a second process waits up to ``timeout`` seconds, polling every 0.2 s,
        then raises MigrationError), so a migration longer than the busy timeout does
        not fail the other process with "database is locked". An in-memory database
        (one process) and a platform without ``fcntl`` take none: there each
        migration's ``BEGIN IMMEDIATE`` alone serializes them."""
        path = self.database.config.path
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            path = None
        if path is None:
            yield
            return
        with open(path + "-migrations.lock", "a+b") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        raise lock_busy(self.database, f"the lock file {fh.name}",
                                        timeout) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def drop_tables(self, tables: Sequence[str]) -> None:
        """Drop ``tables`` whatever foreign keys join them, with foreign keys off.
        Outside a transaction, in one of its own on one connection (the pragma does
        nothing inside one): ``PRAGMA foreign_keys = OFF``, ``BEGIN``, the drops,
        ``COMMIT``, ``PRAGMA foreign_keys = ON``. Inside one, the drops alone: in a
        migration, whose :attr:`session` turned foreign keys off already (in another
        transaction a foreign key still fails a drop that would break it)."""
        if not tables:
            return
        manager = self.database.transaction_manager
        if self.dry_run or manager.current is not None:
            self._drop_each(tables)
        else:
            with manager.transaction(session=(("PRAGMA foreign_keys = OFF", "BEGIN"),
                                              ("PRAGMA foreign_keys = ON",))):
                self._drop_each(tables)
        self.changed(*tables)

    def _drop_each(self, tables: Sequence[str]) -> None:
        for table in tables:
            self.run(f"DROP TABLE {self.q(table)}")

    def __init__(self, database: Any, *, dry_run: bool = False):
        super().__init__(database, dry_run=dry_run)
        #: The foreign key violations before the first statement (None: none sent yet).
        self._baseline: set[tuple] | None = None

    def identity_sql(self, col: ddl.ColumnDef) -> str:
        if col.type == "uuid":
            # A random (version 4 layout) UUID as text: SQLite has no generator.
            return ("uuid PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || "
                    "lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) "
                    "|| '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))")
        # Only INTEGER PRIMARY KEY is the rowid; AUTOINCREMENT never reuses the key
        # of a deleted row (its counter, in sqlite_sequence, outlives a rebuild).
        return "integer PRIMARY KEY AUTOINCREMENT NOT NULL"

    def reference_type(self, key: Any) -> str:
        """A rowid key (``INTEGER PRIMARY KEY``) is 64-bit: ``bigint``, as the key the
        other databases make for ``create_table``."""
        if key.auto_increment and key.sql_type == "integer":
            return "bigint"
        return super().reference_type(key)

    def run(self, sql: str) -> None:
        """As the base class; before the first statement, the rows that already break a
        foreign key are noted, so :meth:`check_integrity` blames a migration only for
        the ones it leaves."""
        if self._baseline is None and not self.dry_run:
            self._baseline = set(self.query("PRAGMA foreign_key_check"))
        super().run(sql)

    def check_integrity(self) -> None:
        """``PRAGMA foreign_key_check``: rows that break a foreign key (possible while
        the migration ran with foreign keys off), and did not before its first
        statement, fail the migration before COMMIT."""
        if self.dry_run:
            return
        rows = [r for r in self.query("PRAGMA foreign_key_check")
                if r not in (self._baseline or set())]
        if rows:
            shown = "; ".join(f"{r[0]} rowid {r[1]} -> {r[2]}" for r in rows[:5])
            raise IntegrityError(f"{len(rows)} row(s) break a foreign key at the end of the "
                                 f"migration ({shown}): delete or fix them (with foreign keys "
                                 "off during a migration on SQLite, the migration must "
                                 "delete dependent rows itself)")

    def do_drop_table(self, op: ddl.DropTable) -> None:
        """``DROP TABLE``, refused (SchemaError, before any SQL) while another table's
        foreign key refers to it, as PostgreSQL and MySQL refuse it: with foreign keys
        off during a migration SQLite would drop it, and leave the other table
        unwritable."""
        low = op.table.lower()
        for name in self.database.table_names():
            if name.lower() == low:
                continue
            info = self.live_table(name)
            for fk in info.foreign_keys if info is not None else ():
                if fk.referred_table.lower() == low:
                    raise SchemaError(f"drop_table {op.table!r}: the foreign key of "
                                      f"{name}.{', '.join(fk.columns)} refers to it; remove "
                                      "that foreign key (or drop that table) first")
        super().do_drop_table(op)

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
    def default_clause(self, value: Any) -> str:
        return self.sqlite_default(value)

    def do_add_column(self, op: ddl.AddColumn) -> None:
        """``ADD COLUMN``, or a rebuild for what it refuses: a key, a non-constant
        default, NOT NULL without a default (as Rails; the copy fails, as PostgreSQL's
        ADD COLUMN does, when the table has rows)."""
        col = op.column
        no_default = col.default is ddl.NO_DEFAULT or col.default is None
        if col.primary_key or isinstance(col.default, ddl.SQLDefault) or (
                not col.null and no_default):
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
        current = self.column_of(op.table, col.name)
        if current.auto_increment:  # the rowid key: INTEGER, 64-bit, or nothing
            if col.type not in ("integer", "bigint") or col.sql_type:
                raise SchemaError(f"{op.table}.{col.name} is the table's rowid key (INTEGER "
                                  "PRIMARY KEY): SQLite cannot give it another type")
            col = col.with_(sql_type="integer", null=False)

        def edit(clause: ColumnClause) -> None:
            clause.type_sql = self.column_type(col)
            clause.without("NOT", "NULL", "DEFAULT")
            if not col.null:
                clause.constraints.append("NOT NULL")
            if col.default is not ddl.NO_DEFAULT and col.default is not None:
                clause.constraints.append("DEFAULT " + self.default_clause(col.default))
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
                clause.constraints.append("DEFAULT " + self.default_clause(op.default))
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
        """Rebuild without the check, a table constraint or a column's."""
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
        module docstring; the caller's transaction holds steps 2 and 10). Outside a
        transaction (a migration with ``disable_transaction``) the rebuild takes one of
        its own with foreign keys off, so its DROP TABLE never fires ``ON DELETE``
        actions, and checks the foreign keys before its COMMIT."""
        if not self.dry_run and not self.database.in_transaction:
            mark = len(self.executed)
            try:
                with self.database.transaction_manager.transaction(session=self.session):
                    self.rebuild(table, add=add, drop_column=drop_column,
                                 drop_check=drop_check, drop_foreign_key=drop_foreign_key,
                                 edit=edit)
                    self.check_integrity()
            except BaseException:
                del self.executed[mark:]  # rolled back: none of them stays applied
                raise
            return
        info = self.table(table)
        table = self._stored_name(table)  # the name's case as the table was created
        if any(c.generated for c in info.columns) and drop_column is not None:
            raise SchemaError(f"table {table!r} has generated columns: removing a column "
                              "by a rebuild is not supported for it")
        rows = self.query("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                          "COLLATE NOCASE AND type IN ('table', 'index', 'trigger') "
                          "AND sql IS NOT NULL ORDER BY type, name", (table,))
        create = next(r[2] for r in rows if r[0] == "table")
        clauses, tail = self._new_clauses(create, add or [], drop_column, drop_check,
                                          drop_foreign_key, edit or {})
        temp = f"_ar_rebuild_{table}"
        dependents = self._dependents_of(table)
        sequence = self._sequence(table)
        for kind, name, _sql in reversed(dependents):  # triggers before their views
            self.run(f"DROP {kind.upper()} {self.q(name)}")
        self.run(f"CREATE TABLE {self.q(temp)} ({', '.join(clauses)}){tail}")
        kept = [c.name for c in info.columns if c.name != drop_column and not c.generated]
        self.run(f"INSERT INTO {self.q(temp)} ({self.qs(kept)}) "
                 f"SELECT {self.qs(kept)} FROM {self.q(table)}")
        self.run(f"DROP TABLE {self.q(table)}")
        self.run(f"ALTER TABLE {self.q(temp)} RENAME TO {self.q(table)}")
        self._restore_sequence(table, sequence)
        for kind, name, sql in rows:
            if kind == "trigger" or (kind == "index" and self._keeps_index(
                    info, name, sql, drop_column)):
                self.run(sql)
        for kind, name, sql in dependents:
            self.run(sql)
            if kind == "view":  # SQLite checks a view's columns only when it is read
                self._check_view(name, table, drop_column)

    def _stored_name(self, table: str) -> str:
        # SQLite finds tables case-insensitively; the rebuild keeps the stored spelling.
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? "
                          "COLLATE NOCASE", (table,))
        return str(rows[0][0]) if rows else table

    def _check_view(self, view: str, table: str, drop_column: str | None) -> None:
        """Read nothing from ``view`` to check it still works (a view naming a removed
        column fails here, and the migration with it, as on PostgreSQL)."""
        try:
            self.query(f"SELECT * FROM {self.q(view)} LIMIT 0")
        except DatabaseError as exc:
            what = f" (it uses {table}.{drop_column})" if drop_column else ""
            raise SchemaError(f"view {view!r} no longer works after rebuilding {table!r}"
                              f"{what}: {exc}; drop or change the view first") from exc

    def _new_clauses(self, create: str, add: list[str], drop_column: str | None,
                     drop_check: str | None, drop_foreign_key: Any,
                     edit: dict[str, Callable[[ColumnClause], None]]
                     ) -> tuple[list[str], str]:
        # The column list of the new table (columns first, then the table constraints,
        # as SQL wants them) and the text after it, from the table's CREATE TABLE text.
        _head, clauses, tail = split_definition(create)
        columns, constraints = [], []
        for clause in clauses:
            if is_table_constraint(clause):
                if self._keep_constraint(clause, drop_column, drop_check, drop_foreign_key):
                    constraints.append(clause)
                continue
            col = parse_column(clause)
            if col.name == drop_column:
                continue
            if drop_foreign_key is not None and self._declares(clause, drop_foreign_key):
                col.without("REFERENCES")
            if drop_check is not None:
                col.without_check(drop_check)
            if col.name in edit:
                edit[col.name](col)
            columns.append(col.sql(self.q))
        for clause in add:
            (constraints if is_table_constraint(clause) else columns).append(clause)
        return columns + constraints, tail

    @staticmethod
    def _keeps_index(info: Any, name: str, sql: str, drop_column: str | None) -> bool:
        # Whether an index is made again after the rebuild: not when it is over the
        # removed column, or its WHERE names it (PostgreSQL drops both).
        if drop_column is None:
            return True
        low = drop_column.lower()
        index = next((i for i in info.indexes if i.name == name), None)
        if index is not None and low in (c.lower() for c in index.columns if c):
            return False
        where = index_where(sql)
        return where is None or low not in expression_names(where)

    def _sequence(self, table: str) -> int | None:
        # The table's AUTOINCREMENT counter (its row of sqlite_sequence), or None.
        if not self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                          "name = 'sqlite_sequence'"):
            return None
        rows = self.query("SELECT seq FROM sqlite_sequence WHERE name = ? COLLATE NOCASE",
                          (table,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def _restore_sequence(self, table: str, seq: int | None) -> None:
        # The counter back after the RENAME of step 7: the DROP deleted the table's
        # row, and the new table's row (if its copy inserted any) holds its largest
        # key only, so a deleted key would be given again.
        if seq is None:
            return
        name = self.string_literal(table)
        self.run(f"UPDATE sqlite_sequence SET seq = max(seq, {seq}) WHERE name = {name}")
        self.run(f"INSERT INTO sqlite_sequence (name, seq) SELECT {name}, {seq} WHERE NOT "
                 f"EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {name})")

    def _dependents_of(self, table: str) -> list[tuple[str, str, str]]:
        # Views, and triggers of other tables, whose text names the table (a
        # conservative textual test), and the triggers of those views: dropped and
        # created again around the rebuild, which they would otherwise break (the
        # RENAME of step 7 checks them). Views first, so their triggers come after.
        rows = self.query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE "
                          "type IN ('view', 'trigger') AND tbl_name <> ? COLLATE NOCASE "
                          "AND sql IS NOT NULL ORDER BY type DESC, name", (table,))
        low = table.lower()
        out: list[tuple[str, str, str]] = []
        views: set[str] = set()
        for kind, name, on, sql in rows:
            if on.lower() in views or any(unquote_name(t).lower() == low
                                          for t, _, _ in sql_tokens(sql)):
                out.append((kind, name, sql))
                if kind == "view":
                    views.add(name.lower())
        return out

    def _keep_constraint(self, clause: str, drop_column: str | None,
                         drop_check: str | None, drop_foreign_key: Any) -> bool:
        # Whether a table constraint stays: not the check removed, nor one whose own
        # columns include the removed column (a FOREIGN KEY by its own list, not the
        # columns it refers to: constraint_columns), nor the foreign key removed.
        if drop_check is not None and is_named_check(clause, drop_check):
            return False
        if drop_column is not None and drop_column.lower() in constraint_columns(clause):
            if ColumnClause.kind(clause) == "PRIMARY":
                raise SchemaError(f"column {drop_column!r} is part of the primary key")
            return False  # a FOREIGN KEY, UNIQUE or CHECK over the removed column
        if drop_foreign_key is not None:
            return not self._declares(clause, drop_foreign_key)
        return True

    @staticmethod
    def _declares(clause: str, fk: Any) -> bool:
        # Whether a clause (a column or a table constraint) declares the foreign key
        # ``fk`` (a ForeignKeyInfo): its own columns, to its table (clause_foreign_keys).
        columns = tuple(c.lower() for c in fk.columns)
        return any(tuple(c.lower() for c in found.columns) == columns and
                   found.referred_table.lower() == fk.referred_table.lower()
                   for found in clause_foreign_keys(clause))
