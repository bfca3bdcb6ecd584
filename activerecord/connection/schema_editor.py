"""The schema editor: turns ``activerecord.sql.ddl`` operations into DDL and runs it.

One editor serves one migration run on one :class:`Database`. The base class writes the
SQL every supported database shares (``CREATE TABLE``, ``CREATE INDEX``, ``ALTER TABLE
... ADD``); each backend's ``schema_editor.py`` subclasses it with its type table
(:attr:`SchemaEditor.types`) and the ALTER forms it lacks or spells its own way (SQLite
rebuilds the table, MySQL uses ``MODIFY``, PostgreSQL ``ALTER ... TYPE ... USING``).
After each operation the schema cache entries of the tables it touched are cleared and
the :data:`SCHEMA_CHANGED` event is sent (:meth:`SchemaEditor.changed`): the model layer
subscribes to it, so models in the same process that loaded one of those tables forget
its columns and read them again at their next use (no ``reset_column_information()``).

Every statement goes through :meth:`SchemaEditor.run`, which records it in
:attr:`SchemaEditor.executed`: a migration runner reports them, and a dry run collects
them without sending anything.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import inflection

from .. import events
from ..errors import MigrationError, NotSupportedError, SchemaError
from ..sql import ddl

if TYPE_CHECKING:
    from .database import Database
    from .introspection import TableInfo

__all__ = ["SchemaEditor", "SchemaError", "fk_action", "LOCK_PREFIX", "held_lock", "live_default",
           "lock_busy", "SCHEMA_CHANGED"]

#: The event sent after a schema change, with the payload keys ``database`` (the
#: :class:`Database`) and ``tables`` (the names of the tables changed; empty: any).
SCHEMA_CHANGED = "schema_changed"


class SchemaEditor:
    """Writes and runs DDL for one database.

    Args:
        database: the :class:`Database` to change.
        dry_run: collect the statements in :attr:`executed` without sending them.

    Class attributes a backend sets:
        types: ``{portable type: SQL template}``; templates may use ``{limit}``,
            ``{precision}`` and ``{scale}`` (:meth:`column_type`).
        default_limits: the ``limit`` a type gets when none is given.
        transactional: whether DDL runs inside a transaction (``Features.
            supports_transactional_ddl`` decides at run time; this is the fallback).
        session: statements sent before a migration's transaction begins and after it
            ends (SQLite: ``PRAGMA foreign_keys``).
    """

    types: ClassVar[dict[str, str]] = {}
    default_limits: ClassVar[dict[str, int]] = {"string": 255}
    session: ClassVar[tuple[tuple[str, ...], tuple[str, ...]] | None] = None
    #: Foreign key actions the catalog reports for "none given" (left out of a dump).
    default_fk_actions: ClassVar[frozenset[str]] = frozenset({"NO ACTION"})

    def __init__(self, database: Database, *, dry_run: bool = False):
        self.database = database
        self.dialect = database.dialect
        self.dry_run = dry_run
        #: Every statement sent (or, in a dry run, that would have been), in order.
        self.executed: list[str] = []

    # -- running -----------------------------------------------------------------------
    def apply(self, op: ddl.Operation) -> None:
        """Run the statements of ``op``, then forget what it touched (:meth:`changed`).

        Raises SchemaError/NotSupportedError before any SQL when ``op`` cannot be done
        here, and the translated driver error of a failing statement."""
        method: Callable[[Any], None] = getattr(self, "do_" + _snake(type(op).__name__))
        self.check_supported(op)
        try:
            method(op)
        finally:
            self.changed(*op.tables)

    def check_supported(self, op: ddl.Operation) -> None:
        """Raise NotSupportedError, before any SQL, when this database cannot do ``op``
        (MySQL: a partial index, also one of a ``create_table``); nothing here."""

    def run(self, sql: str) -> None:
        """Send one DDL statement (no parameters: DDL takes none), recorded in
        :attr:`executed` once it succeeded; in a dry run only recorded."""
        if not self.dry_run:
            self.database.run(self.dialect.escape_text(sql), ())
        self.executed.append(sql)

    def run_bound(self, sql: str, params: Sequence[Any]) -> None:
        """Send a statement with ``?`` placeholders and bound ``params`` (a write of
        data such as a version row), recorded in :attr:`executed` with the values
        written in as literals; in a dry run only recorded."""
        if not self.dry_run:
            self.database.execute(sql, tuple(params))
        pieces = sql.split("?")
        shown = pieces[0] + "".join(self.literal(v) + p for v, p in zip(params, pieces[1:]))
        self.executed.append(shown)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run a read (``?`` placeholders), even in a dry run, and return its rows."""
        return self.database.execute(sql, tuple(params)).rows

    def forget(self, *tables: str) -> None:
        """Clear ``tables`` (every table when none) from the schema cache."""
        cache = self.database.schema_cache
        if not tables:
            cache.clear()
        for table in tables:
            cache.clear(table)

    def changed(self, *tables: str) -> None:
        """Clear ``tables`` (every table when none) from the schema cache and send
        :data:`SCHEMA_CHANGED`, so loaded models reading them forget their columns."""
        self.forget(*tables)
        events.instrument(SCHEMA_CHANGED, events.SchemaChangedEvent(
            SCHEMA_CHANGED, self.database, tuple(tables)))

    def schema_changed(self) -> None:
        """Called after a migration run changed the schema: pooled connections forget
        what they cached about it (``Adapter.schema_changed``: the PostgreSQL adapter
        deallocates their prepared statements)."""
        self.database.adapter.schema_changed(self.database.pool)

    def table(self, name: str) -> TableInfo:
        """Return the live :class:`TableInfo` of ``name`` (read afresh). Raises
        SchemaError naming the known tables when it does not exist."""
        self.forget(name)
        info = self.database.table_info(name)
        if info is None:
            known = ", ".join(self.database.table_names()) or "none"
            raise SchemaError(f"table {name!r} does not exist (tables: {known})")
        return info

    def live_table(self, table: str) -> TableInfo | None:
        """Return the live TableInfo of ``table`` (read afresh), or ``None``."""
        self.forget(table)
        return self.database.table_info(table)

    def live_column(self, table: str, name: str) -> Any:
        """Return the live ColumnInfo of ``table.name``, or ``None`` when the table or
        the column does not exist (yet: a dry run that sends nothing)."""
        info = self.live_table(table)
        return info.column(name) if info is not None else None

    def column_of(self, table: str, name: str) -> Any:
        """Return the live ColumnInfo of ``table.name``; SchemaError lists the columns."""
        info = self.table(table)
        col = info.column(name)
        if col is None:
            raise SchemaError(f"table {table!r} has no column {name!r} (columns: "
                              f"{', '.join(c.name for c in info.columns)})")
        return col

    @contextmanager
    def migration_lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the database's migration lock for a whole run, so two processes never
        apply one migration twice: the second waits up to ``timeout`` seconds, then
        raises MigrationError saying another migration run holds it (:func:`lock_busy`).
        None here; each backend takes its own."""
        yield

    def reference_type(self, key: Any) -> str:
        """The portable type of a column referring to the key column ``key`` (a
        ColumnInfo): ``uuid``, ``string``, ``bigint`` or ``integer``, as declared."""
        if key.type in ("uuid", "string"):
            return str(key.type)
        return "bigint" if "big" in key.sql_type else "integer"

    def check_integrity(self) -> None:
        """Called at the end of a migration's transaction, before its COMMIT (SQLite
        runs ``PRAGMA foreign_key_check`` there); nothing by default."""

    # -- names and values ----------------------------------------------------------------
    def q(self, name: str) -> str:
        """Quote an identifier."""
        return self.dialect.quote_name(name)

    def qs(self, names: Sequence[str]) -> str:
        """Quote and join identifiers: ``"a", "b"``."""
        return ", ".join(self.q(n) for n in names)

    def literal(self, value: Any) -> str:
        """Return ``value`` as an SQL literal for a DEFAULT clause (DDL takes no bound
        parameters): strings quoted with ``'`` doubled, numbers as written, booleans
        as :meth:`boolean_literal`, dates and times in ISO form (an aware datetime in
        UTC, as the models write it), JSON as its text.
        Raises SchemaError for a value of another type, or an infinite or NaN number."""
        if value is None:
            return "NULL"
        if isinstance(value, ddl.SQLDefault):
            return value.sql
        if isinstance(value, bool):
            return self.boolean_literal(value)
        if isinstance(value, (int, float, decimal.Decimal)):
            if not isinstance(value, int) and not math.isfinite(value):
                raise SchemaError(f"{value!r} cannot be a default: not a finite number")
            return str(value)
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc)  # one instant on every database
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return self.string_literal(value.isoformat(sep=" ") if isinstance(
                value, _dt.datetime) else value.isoformat())
        if isinstance(value, uuid.UUID):
            return self.string_literal(str(value))
        if isinstance(value, str):
            return self.string_literal(value)
        if isinstance(value, (dict, list)):
            return self.string_literal(json.dumps(value))
        raise SchemaError(f"cannot write {value!r} ({type(value).__name__}) as a default")

    def string_literal(self, text: str) -> str:
        """Return ``text`` quoted as an SQL string literal."""
        return "'" + text.replace("'", "''") + "'"

    def boolean_literal(self, value: bool) -> str:
        """``TRUE``/``FALSE``; databases without them override (MySQL: 1/0)."""
        return "TRUE" if value else "FALSE"

    # -- column definitions ------------------------------------------------------------
    def column_type(self, col: ddl.ColumnDef) -> str:
        """Return the SQL type of ``col``: its ``sql_type``, or :attr:`types`'s
        template for its portable type filled with limit/precision/scale. Raises
        SchemaError for an unknown type, listing the known ones."""
        if col.sql_type:
            return col.sql_type
        template = self.types.get(col.type)
        if template is None:
            raise SchemaError(f"unknown column type {col.type!r} for column {col.name!r}; "
                              f"known: {', '.join(ddl.COLUMN_TYPES)}")
        limit = col.limit if col.limit is not None else self.default_limits.get(col.type)
        return self.fill_type(col, template, limit)

    def fill_type(self, col: ddl.ColumnDef, template: str, limit: int | None) -> str:
        """Fill a type template; a part whose value is missing is left out with its
        parentheses (``decimal`` without precision: ``DECIMAL``). Datetime and time
        columns get 6 fractional digits unless given a precision (Rails 7)."""
        if col.type in ("datetime", "timestamp", "timestamptz", "time") and \
                col.precision is None:
            col = col.with_(precision=6)
        if "{precision}" in template and col.precision is None:
            template = template.split("(", 1)[0]
        elif "{scale}" in template and col.scale is None:
            template = template.replace(",{scale}", "")
        if "{limit}" in template and limit is None:
            template = template.split("(", 1)[0]
        return template.format(limit=limit, precision=col.precision, scale=col.scale)

    def column_sql(self, col: ddl.ColumnDef, *, inline_primary_key: bool = False) -> str:
        """Return ``"name" TYPE [NOT NULL] [DEFAULT x]`` (and the key clauses when the
        column alone is the table's primary key, ``inline_primary_key``)."""
        if inline_primary_key and col.auto_increment:
            return f"{self.q(col.name)} {self.identity_sql(col)}"
        parts = [self.q(col.name), self.column_type(col)]
        if not col.null:
            parts.append("NOT NULL")
        elif self.explicit_null(col):
            parts.append("NULL")
        if col.default is not ddl.NO_DEFAULT and not (col.default is None and not col.null):
            parts.append("DEFAULT " + self.default_clause(col.default))
        if inline_primary_key:
            parts.append("PRIMARY KEY")
        return " ".join(parts)

    def explicit_null(self, col: ddl.ColumnDef) -> bool:
        """Whether a nullable column must say ``NULL`` (MySQL's TIMESTAMP); no here."""
        return False

    def default_clause(self, value: Any) -> str:
        """The text after ``DEFAULT`` (an expression in parentheses where needed)."""
        return self.literal(value)

    def identity_sql(self, col: ddl.ColumnDef) -> str:
        """The type and key clauses of a generated single-column primary key (the
        part after its name)."""
        raise NotImplementedError

    # -- tables ------------------------------------------------------------------------
    def create_table_sql(self, op: ddl.CreateTable) -> str:
        """Return the ``CREATE TABLE`` statement of ``op`` (without its indexes)."""
        single = op.primary_key if len(op.primary_key) == 1 else ()
        parts = [self.column_sql(c, inline_primary_key=c.name in single)
                 for c in op.columns]
        if len(op.primary_key) > 1:
            parts.append(f"PRIMARY KEY ({self.qs(op.primary_key)})")
        parts.extend(self.foreign_key_clause(fk) for fk in op.foreign_keys)
        parts.extend(self.check_clause(c) for c in op.checks)
        exists = "IF NOT EXISTS " if op.if_not_exists else ""
        return (f"CREATE TABLE {exists}{self.q(op.table)} ("
                + ", ".join(parts) + ")" + self.table_options())

    def table_options(self) -> str:
        """Text after a CREATE TABLE's column list (MySQL: engine and charset)."""
        return ""

    def foreign_key_clause(self, fk: ddl.ForeignKeyDef) -> str:
        """``CONSTRAINT name FOREIGN KEY (...) REFERENCES t (...) [ON DELETE ...]``."""
        name = fk.name or ddl.foreign_key_name(fk.table, fk.columns)
        sql = (f"CONSTRAINT {self.q(name)} FOREIGN KEY ({self.qs(fk.columns)}) "
               f"REFERENCES {self.q(fk.to_table)} ({self.qs(fk.primary_key)})")
        for clause, action in (("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update)):
            if action is not None:
                sql += f" {clause} {fk_action(action)}"
        return sql

    def check_clause(self, check: ddl.CheckDef) -> str:
        """``CONSTRAINT name CHECK (expression)``."""
        return f"CONSTRAINT {self.q(check.name)} CHECK ({check.expression})"

    def do_create_table(self, op: ddl.CreateTable) -> None:
        """``CREATE TABLE`` and its indexes; with ``if_not_exists``, a table that exists
        keeps its indexes as they are (none is made)."""
        existed = op.if_not_exists and self.live_table(op.table) is not None
        self.run(self.create_table_sql(op))
        if existed:
            return
        for index in op.indexes:
            self.do_add_index(ddl.AddIndex(index))

    def do_drop_table(self, op: ddl.DropTable) -> None:
        """``DROP TABLE [IF EXISTS]``."""
        exists = "IF EXISTS " if op.if_exists else ""
        self.run(f"DROP TABLE {exists}{self.q(op.table)}")

    def drop_tables(self, tables: Sequence[str]) -> None:
        """Drop ``tables`` whatever foreign keys join them to each other or to other
        tables (``schema load --force``); PostgreSQL: ``DROP TABLE ... CASCADE``."""
        for table in tables:
            self.run(f"DROP TABLE {self.q(table)}")
        self.changed(*tables)

    def do_rename_table(self, op: ddl.RenameTable) -> None:
        """``ALTER TABLE a RENAME TO b``, and the indexes named by Rails' convention
        after the old name are renamed after the new one (as Rails does)."""
        info = self.table(op.table)
        self.run(f"ALTER TABLE {self.q(op.table)} RENAME TO {self.q(op.new_name)}")
        for index in info.indexes:
            if index.name == ddl.index_name(op.table, index.columns):
                self.rename_index(op.new_name, index.name,
                                  ddl.index_name(op.new_name, index.columns))

    def rename_index(self, table: str, old: str, new: str) -> None:
        """``ALTER INDEX old RENAME TO new`` (PostgreSQL); others override."""
        self.run(f"ALTER INDEX {self.q(old)} RENAME TO {self.q(new)}")

    # -- columns -----------------------------------------------------------------------
    def do_add_column(self, op: ddl.AddColumn) -> None:
        """``ALTER TABLE ... ADD COLUMN``."""
        self.run(f"ALTER TABLE {self.q(op.table)} ADD COLUMN {self.column_sql(op.column)}")

    def do_remove_column(self, op: ddl.RemoveColumn) -> None:
        """``ALTER TABLE ... DROP COLUMN`` (indexes over the column go with it)."""
        self.column_of(op.table, op.name)
        self.run(f"ALTER TABLE {self.q(op.table)} DROP COLUMN {self.q(op.name)}")

    def do_rename_column(self, op: ddl.RenameColumn) -> None:
        """``ALTER TABLE ... RENAME COLUMN a TO b``; indexes named after the column by
        Rails' convention are renamed too."""
        info = self.table(op.table)
        self.column_of(op.table, op.name)
        self.run(f"ALTER TABLE {self.q(op.table)} RENAME COLUMN {self.q(op.name)} "
                 f"TO {self.q(op.new_name)}")
        for index in info.indexes:
            if op.name in index.columns and \
                    index.name == ddl.index_name(op.table, index.columns):
                cols = tuple(op.new_name if c == op.name else c for c in index.columns)
                self.rename_index(op.table, index.name, ddl.index_name(op.table, cols))

    def do_change_column(self, op: ddl.ChangeColumn) -> None:
        """Change type, nullability and default; backends implement it."""
        raise NotSupportedError(f"change_column is not implemented for "
                                f"{self.database.adapter.name}")

    def do_change_column_null(self, op: ddl.ChangeColumnNull) -> None:
        """Fill NULLs with ``default`` (when given), then change the nullability."""
        self.column_of(op.table, op.name)
        if op.default is not ddl.NO_DEFAULT and not op.null:
            self.fill_nulls(op.table, op.name, op.default)
        self.set_null(op.table, op.name, op.null)

    def fill_nulls(self, table: str, column: str, value: Any) -> None:
        """``UPDATE table SET column = value WHERE column IS NULL``."""
        self.run(f"UPDATE {self.q(table)} SET {self.q(column)} = {self.literal(value)} "
                 f"WHERE {self.q(column)} IS NULL")

    def set_null(self, table: str, column: str, null: bool) -> None:
        """``ALTER COLUMN ... SET/DROP NOT NULL``; backends override."""
        raise NotImplementedError

    def do_change_column_default(self, op: ddl.ChangeColumnDefault) -> None:
        """``ALTER COLUMN ... SET DEFAULT x`` / ``DROP DEFAULT`` (for ``None``)."""
        self.column_of(op.table, op.name)
        head = f"ALTER TABLE {self.q(op.table)} ALTER COLUMN {self.q(op.name)}"
        if op.default is None:
            self.run(f"{head} DROP DEFAULT")
        else:
            self.run(f"{head} SET DEFAULT {self.default_clause(op.default)}")

    # -- indexes and constraints ---------------------------------------------------------
    def do_add_index(self, op: ddl.AddIndex) -> None:
        """``CREATE [UNIQUE] INDEX name ON table (cols) [WHERE ...]``."""
        index = op.index
        unique = "UNIQUE " if index.unique else ""
        sql = (f"CREATE {unique}INDEX {self.q(index.name)} ON {self.q(index.table)} "
               f"({self.qs(index.columns)})")
        if index.where:
            sql += " WHERE " + index.where
        self.run(sql)

    def do_remove_index(self, op: ddl.RemoveIndex) -> None:
        """``DROP INDEX name``."""
        self.run(f"DROP INDEX {self.q(op.name)}")

    def find_foreign_key(self, fk: ddl.ForeignKeyDef) -> Any:
        """Return the live ForeignKeyInfo ``fk`` names (by name, else by its columns
        and ``to_table``). Raises SchemaError listing the table's foreign keys."""
        info = self.table(fk.table)
        for found in info.foreign_keys:
            if fk.name is not None and found.name == fk.name:
                return found
            if fk.name is None and found.columns == fk.columns and (
                    not fk.to_table or found.referred_table == fk.to_table):
                return found
        have = [f"{f.name or '(unnamed)'} ({', '.join(f.columns)} -> {f.referred_table})"
                for f in info.foreign_keys]
        wanted = fk.name or f"on {', '.join(fk.columns)} to {fk.to_table}"
        raise SchemaError(f"table {fk.table!r} has no foreign key {wanted} (foreign "
                          f"keys: {'; '.join(have) or 'none'})")

    def do_add_foreign_key(self, op: ddl.AddForeignKey) -> None:
        """``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY``."""
        self.run(f"ALTER TABLE {self.q(op.foreign_key.table)} ADD "
                 + self.foreign_key_clause(op.foreign_key))

    def do_remove_foreign_key(self, op: ddl.RemoveForeignKey) -> None:
        """``ALTER TABLE ... DROP CONSTRAINT name`` (the name found live)."""
        found = self.find_foreign_key(op.foreign_key)
        self.run(f"ALTER TABLE {self.q(op.foreign_key.table)} "
                 f"{self.drop_foreign_key_clause()} {self.q(found.name)}")

    def drop_foreign_key_clause(self) -> str:
        """``DROP CONSTRAINT`` (MySQL: ``DROP FOREIGN KEY``)."""
        return "DROP CONSTRAINT"

    def do_add_check_constraint(self, op: ddl.AddCheckConstraint) -> None:
        """``ALTER TABLE ... ADD CONSTRAINT name CHECK (...)``."""
        self.run(f"ALTER TABLE {self.q(op.check.table)} ADD " + self.check_clause(op.check))

    def do_remove_check_constraint(self, op: ddl.RemoveCheckConstraint) -> None:
        """``ALTER TABLE ... DROP CONSTRAINT name``."""
        info = self.table(op.table)
        if not any(c.name == op.name for c in info.checks):
            raise SchemaError(f"table {op.table!r} has no check constraint {op.name!r} "
                              f"(checks: {', '.join(c.name for c in info.checks) or 'none'})")
        self.run(f"ALTER TABLE {self.q(op.table)} DROP CONSTRAINT {self.q(op.name)}")

    def do_execute(self, op: ddl.Execute) -> None:
        """Run the statement as written."""
        self.run(op.sql)


def fk_action(action: str) -> str:
    """The SQL of an ``on_delete``/``on_update`` value (``"cascade"`` -> ``CASCADE``).
    Raises SchemaError naming the known ones."""
    sql = ddl.FK_ACTIONS.get(action.lower().replace(" ", "_")) if isinstance(
        action, str) else None
    if sql is None:
        raise SchemaError(f"unknown foreign key action {action!r}; known: "
                          f"{', '.join(ddl.FK_ACTIONS)}")
    return sql


def _snake(name: str) -> str:
    return str(inflection.underscore(name))


#: What a migration lock's name starts with; the backends add the database's own name
#: as the server reports it (so two spellings of one URL take one lock).
LOCK_PREFIX = "activerecord_migrations:"


@contextmanager
def held_lock(database: Database, acquire: str, args: tuple, timeout: float,
              what: str) -> Iterator[None]:
    """Take a session-level lock on a connection of its own (outside the pool, so a
    one-connection pool still serves the migrations), polling ``acquire`` (a SELECT
    answering true when the lock was taken) every 0.2 s for ``timeout`` seconds, and
    release it by closing that connection. Raises MigrationError on time-out."""
    conn = database.adapter.connect()
    try:
        deadline = time.monotonic() + timeout
        while True:
            cur = conn.cursor()
            cur.execute(acquire, args)
            row = cur.fetchone()
            cur.close()
            if row and row[0]:
                break
            if time.monotonic() >= deadline:
                raise lock_busy(database, what, timeout)
            time.sleep(0.2)
        yield
    finally:
        database.adapter.close(conn)


def lock_busy(database: Database, what: str, timeout: float) -> MigrationError:
    """The MigrationError of a migration lock still held by another process after
    ``timeout`` seconds (``what``: the lock)."""
    return MigrationError(
        f"another process is running migrations on {database.adapter.describe()} "
        f"(it holds {what}); waited {timeout:g}s: try again when it is done")


def live_default(col: Any) -> Any:
    """The default of an introspected column (a ColumnInfo) as the DSL takes it: the
    Python value, an :class:`~activerecord.sql.ddl.SQLDefault` of its expression, or
    :data:`~activerecord.sql.ddl.NO_DEFAULT`."""
    if col.default is not None:
        return col.default
    if col.default_sql is not None and col.default_sql.upper() != "NULL":
        return ddl.SQLDefault(col.default_sql)
    return ddl.NO_DEFAULT
