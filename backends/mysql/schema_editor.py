"""MySQL's and MariaDB's DDL: ``AUTO_INCREMENT`` keys, ``MODIFY COLUMN`` with the whole
definition, ``DROP FOREIGN KEY``, ``DROP INDEX ... ON``, InnoDB tables in utf8mb4.

DDL is not transactional here: each statement commits implicitly (MySQL manual,
"Statements That Cause an Implicit Commit"), so a migration's statements cannot be
rolled back and the runner reports which of them ran when one fails. Partial indexes do
not exist (``where=`` is refused before any SQL)."""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from activerecord.connection.schema_editor import (
    LOCK_PREFIX,
    SchemaEditor,
    SchemaError,
    held_lock,
)
from activerecord.errors import NotSupportedError
from activerecord.sql import ddl

__all__ = ["MySQLSchemaEditor"]

_TEXT_SIZES = ((255, "tinytext"), (65535, "text"), (16777215, "mediumtext"))
_BLOB_SIZES = ((255, "tinyblob"), (65535, "blob"), (16777215, "mediumblob"))
_INT_SIZES = {1: "tinyint", 2: "smallint", 3: "mediumint", 4: "int", 8: "bigint"}


class MySQLSchemaEditor(SchemaEditor):
    """Schema editor for MySQL and MariaDB (see :class:`SchemaEditor`)."""

    types = {
        "string": "varchar({limit})", "text": "text", "integer": "int", "bigint": "bigint",
        "float": "double", "decimal": "decimal({precision},{scale})",
        "boolean": "tinyint(1)", "date": "date", "datetime": "datetime({precision})",
        "timestamp": "datetime({precision})", "timestamptz": "timestamp({precision})",
        "time": "time({precision})", "binary": "blob", "json": "json", "uuid": "uuid",
    }

    default_fk_actions = frozenset({"NO ACTION", "RESTRICT"})  # InnoDB: the same

    @contextmanager
    def migration_lock(self, timeout: float = 60.0) -> Iterator[None]:
        """A named lock (``GET_LOCK``, the manual's "Locking Functions"), held by a
        connection of its own for the whole run, named after the database as the server
        names it (``SHA1`` of the prefix and ``DATABASE()``: every URL spelling of one
        database takes the same lock; lock names have at most 64 characters)."""
        with held_lock(self.database, "SELECT GET_LOCK(SHA1(CONCAT(%s, DATABASE())), 0)",
                       (LOCK_PREFIX,), timeout, "the named lock of its migrations"):
            yield

    def drop_tables(self, tables: Sequence[str]) -> None:
        """``DROP TABLE`` with ``FOREIGN_KEY_CHECKS = 0`` on one connection (a session
        setting: the block pins its connection with a transaction, which each DROP
        commits; the checks are on again before the connection goes back)."""
        if not tables:
            return
        with self.database.transaction():
            self.run("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for table in tables:
                    self.run(f"DROP TABLE {self.q(table)}")
            finally:
                self.run("SET FOREIGN_KEY_CHECKS = 1")
        self.changed(*tables)

    def fill_type(self, col: ddl.ColumnDef, template: str, limit: int | None) -> str:
        if col.type == "integer" and col.limit is not None:
            return _INT_SIZES.get(col.limit, "int")
        if col.type in ("text", "binary") and col.limit is not None:
            sizes = _TEXT_SIZES if col.type == "text" else _BLOB_SIZES
            for most, name in sizes:
                if col.limit <= most:
                    return name
            return "longtext" if col.type == "text" else "longblob"
        if col.type == "uuid" and not self._native_uuid():
            return "char(36)"
        return super().fill_type(col, template, limit)

    def _native_uuid(self) -> bool:
        # MariaDB >= 10.7 has a UUID type; MySQL has none.
        adapter: Any = self.database.adapter
        version = self.database.features.server_version
        return bool(getattr(adapter, "mariadb", False)) and version >= (10, 7)

    def string_literal(self, text: str) -> str:
        """A string literal; backslashes doubled unless the session's ``sql_mode`` has
        ``NO_BACKSLASH_ESCAPES`` (the MySQL manual, "String Literals")."""
        if self._backslash_escapes:
            text = text.replace("\\", "\\\\")
        return "'" + text.replace("'", "''") + "'"

    @functools.cached_property
    def _backslash_escapes(self) -> bool:
        # The adapter keeps the server's sql_mode (made strict): read it once.
        rows = self.query("SELECT @@SESSION.sql_mode")
        return "NO_BACKSLASH_ESCAPES" not in str(rows[0][0] or "").upper()

    def column_sql(self, col: ddl.ColumnDef, *, inline_primary_key: bool = False) -> str:
        """As the base class; ``CURRENT_TIMESTAMP`` as the default of a datetime with
        fractional seconds gets the column's precision (MySQL 8 refuses them unequal)."""
        default = col.default
        if isinstance(default, ddl.SQLDefault) and default.sql.upper() == "CURRENT_TIMESTAMP" \
                and col.type in ("datetime", "timestamp", "timestamptz") and not col.sql_type:
            digits = 6 if col.precision is None else col.precision
            if digits:
                col = col.with_(default=ddl.SQLDefault(f"CURRENT_TIMESTAMP({digits})"))
        return super().column_sql(col, inline_primary_key=inline_primary_key)

    def literal(self, value: Any) -> str:
        """As the base class; an aware datetime is written in UTC without its offset
        (MySQL's literals take none; the adapter's sessions are in UTC)."""
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return super().literal(value)

    def boolean_literal(self, value: bool) -> str:
        return "1" if value else "0"

    def default_clause(self, value: Any) -> str:
        # An expression default other than CURRENT_TIMESTAMP needs parentheses
        # (MySQL 8.0.13+, MariaDB 10.2+).
        if isinstance(value, ddl.SQLDefault) and not value.sql.upper().startswith(
                ("CURRENT_TIMESTAMP", "NOW(")) and not value.sql.startswith("("):
            return f"({value.sql})"
        return self.literal(value)

    def explicit_null(self, col: ddl.ColumnDef) -> bool:
        # A TIMESTAMP column is NOT NULL unless it says NULL, when
        # explicit_defaults_for_timestamp is off (MySQL < 8, MariaDB < 10.10).
        return col.type == "timestamptz" or (col.sql_type or "").startswith("timestamp")

    def identity_sql(self, col: ddl.ColumnDef) -> str:
        if col.type == "uuid":
            return f"{self.column_type(col)} NOT NULL DEFAULT (uuid()) PRIMARY KEY"
        kind = "int" if col.type == "integer" else "bigint"
        return f"{kind} NOT NULL AUTO_INCREMENT PRIMARY KEY"

    def table_options(self) -> str:
        return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

    def rename_index(self, table: str, old: str, new: str) -> None:
        self.run(f"ALTER TABLE {self.q(table)} RENAME INDEX {self.q(old)} TO {self.q(new)}")

    def check_supported(self, op: ddl.Operation) -> None:
        """A partial index (``where=``), of ``add_index`` or of a ``create_table``, is
        refused before any SQL: MySQL/MariaDB have none."""
        indexes = op.indexes if isinstance(op, ddl.CreateTable) else \
            (op.index,) if isinstance(op, ddl.AddIndex) else ()
        for index in indexes:
            if index.where:
                raise NotSupportedError(
                    f"add_index {index.name!r}: MySQL/MariaDB have no partial indexes "
                    "(where=); drop where= or use a generated column")

    def do_add_index(self, op: ddl.AddIndex) -> None:
        self.check_supported(op)
        super().do_add_index(op)

    def do_remove_index(self, op: ddl.RemoveIndex) -> None:
        self.run(f"DROP INDEX {self.q(op.name)} ON {self.q(op.table)}")

    def do_remove_column(self, op: ddl.RemoveColumn) -> None:
        # As on PostgreSQL, indexes and foreign keys over the column go with it (MySQL
        # would shrink a composite index to the other columns, and refuses to drop a
        # column a foreign key uses).
        info = self.table(op.table)
        self.column_of(op.table, op.name)
        for fk in info.foreign_keys:
            if op.name in fk.columns and fk.name:
                self.run(f"ALTER TABLE {self.q(op.table)} DROP FOREIGN KEY {self.q(fk.name)}")
        for index in info.indexes:
            if op.name in index.columns and len(index.columns) > 1:
                self.run(f"DROP INDEX {self.q(index.name)} ON {self.q(op.table)}")
        for check in info.checks:  # MySQL refuses to drop a column a check uses
            if op.name.lower() in _identifiers(check.expression):
                self.run(f"ALTER TABLE {self.q(op.table)} DROP CONSTRAINT {self.q(check.name)}")
        self.run(f"ALTER TABLE {self.q(op.table)} DROP COLUMN {self.q(op.name)}")
        self._restore_column_free_checks(op.table, info)

    def _restore_column_free_checks(self, table: str, before: Any) -> None:
        # MariaDB drops a check that names no column (``CHECK (1 = 1)``) with any column
        # (10.11 does): it is added back, as SQLite and PostgreSQL keep it.
        columns = {c.name.lower() for c in before.columns}
        kept = {c.name for c in self.table(table).checks}
        for check in before.checks:
            if check.name not in kept and not _identifiers(check.expression) & columns:
                self.run(f"ALTER TABLE {self.q(table)} ADD "
                         + self.check_clause(ddl.CheckDef(table, check.expression, check.name)))

    def do_add_column(self, op: ddl.AddColumn) -> None:
        """``ADD COLUMN``; a NOT NULL column without a default is refused for a table
        that has rows (MySQL would fill them with 0, '' or a zero date, where SQLite
        and PostgreSQL refuse): give it a default."""
        col = op.column
        if not col.null and col.default is ddl.NO_DEFAULT and not col.auto_increment and \
                self.query(f"SELECT 1 FROM {self.q(op.table)} LIMIT 1"):
            raise SchemaError(
                f"add_column {op.table}.{col.name}: NOT NULL without a default on a table "
                "with rows (MySQL would fill them with zero values): give default=, or add "
                "it nullable, fill it, then change_column_null")
        super().do_add_column(op)

    def drop_foreign_key_clause(self) -> str:
        return "DROP FOREIGN KEY"

    def do_change_column(self, op: ddl.ChangeColumn) -> None:
        """``MODIFY COLUMN`` with the whole new definition."""
        current = self.column_of(op.table, op.column.name)
        col = op.column
        if current.auto_increment and not col.auto_increment:
            col = col.with_(auto_increment=True)
        sql = self.column_sql(col)
        if col.auto_increment:
            sql += " AUTO_INCREMENT"
        self.run(f"ALTER TABLE {self.q(op.table)} MODIFY COLUMN {sql}")

    def set_null(self, table: str, column: str, null: bool) -> None:
        """``MODIFY COLUMN`` with the column's definition as ``SHOW CREATE TABLE``
        prints it (collation, comment, ``ON UPDATE``, ``AUTO_INCREMENT`` and MariaDB's
        JSON check kept) and only its ``NULL``/``NOT NULL`` changed: MySQL has no
        ``SET NOT NULL``."""
        current = self.column_of(table, column)
        if current.generated:
            raise SchemaError(f"{table}.{column} is a generated column")
        definition = self._column_definition(table, column)
        self.run(f"ALTER TABLE {self.q(table)} MODIFY COLUMN {self.q(column)} "
                 f"{with_null(definition, null)}")

    def _column_definition(self, table: str, column: str) -> str:
        # The text after the column's name in SHOW CREATE TABLE (no trailing comma).
        text = str(self.query(f"SHOW CREATE TABLE {self.q(table)}")[0][1])
        name = self.q(column) + " "
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(name):
                return line[len(name):].rstrip(",")
        raise SchemaError(f"SHOW CREATE TABLE {table} has no line for column {column!r}")


_IDENT = re.compile(r"`((?:[^`]|``)+)`|\b([A-Za-z_][A-Za-z0-9_$]*)\b")


def _identifiers(expression: str) -> set[str]:
    """The names (lower case) an expression of the catalog mentions."""
    return {(a or b).replace("``", "`").lower() for a, b in _IDENT.findall(expression)}


_STRING = re.compile(r"('(?:[^'\\]|\\.|'')*')")
_NULLS = re.compile(r"\s+(?:NOT\s+NULL|DEFAULT\s+NULL)\b|(?<!DEFAULT)\s+NULL\b", re.I)
_CHECK = re.compile(r"\s+CHECK\s*\(", re.I)


def with_null(definition: str, null: bool) -> str:
    """A column definition of ``SHOW CREATE TABLE`` with its nullability set: every
    ``NULL``, ``NOT NULL`` and ``DEFAULT NULL`` outside string literals removed, and
    ``NULL``/``NOT NULL`` written before an inline ``CHECK`` (which must come last), or
    at the end."""
    pieces = _STRING.split(definition)  # odd pieces: string literals
    for k in range(0, len(pieces), 2):
        pieces[k] = _NULLS.sub("", pieces[k])
    clause = " NULL" if null else " NOT NULL"
    for k in range(0, len(pieces), 2):
        m = _CHECK.search(pieces[k])
        if m is not None:
            pieces[k] = pieces[k][:m.start()] + clause + pieces[k][m.start():]
            return "".join(pieces)
    return "".join(pieces) + clause
