"""MySQL's and MariaDB's DDL: ``AUTO_INCREMENT`` keys, ``MODIFY COLUMN`` with the whole
definition, ``DROP FOREIGN KEY``, ``DROP INDEX ... ON``, InnoDB tables in utf8mb4.

DDL is not transactional here: each statement commits implicitly (MySQL manual,
"Statements That Cause an Implicit Commit"), so a migration's statements cannot be
rolled back and the runner reports which of them ran when one fails. Partial indexes do
not exist (``where=`` is refused before any SQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from activerecord.connection.schema_editor import SchemaEditor, SchemaError, held_lock, lock_name
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
        """A named lock (``GET_LOCK``, the manual's "Locking Functions"), keyed by the
        database, held by a connection of its own for the whole run."""
        name = lock_name(self.database)
        with held_lock(self.database, "SELECT GET_LOCK(%s, 0)", (name,), timeout,
                       f"the lock {name!r}"):
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
        if col.type in ("datetime", "timestamp", "timestamptz", "time") and \
                col.precision is None:
            col = col.with_(precision=6)
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
        # Backslash is an escape character in MySQL string literals (unless the
        # sql_mode has NO_BACKSLASH_ESCAPES, which this adapter does not set).
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

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
        self.run(f"ALTER TABLE {self.q(op.table)} DROP COLUMN {self.q(op.name)}")

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
        """``MODIFY COLUMN`` with the column's live type and default, and the new
        nullability (MySQL has no ``SET NOT NULL``)."""
        current = self.column_of(table, column)
        if current.generated:
            raise SchemaError(f"{table}.{column} is a generated column")
        # MariaDB's JSON reads back as LONGTEXT (and a json_valid check, which a MODIFY
        # to LONGTEXT would drop): it is written as JSON again.
        sql_type = None if current.type == "json" else current.sql_type
        col = ddl.ColumnDef(name=column, type=current.type, sql_type=sql_type,
                            null=null, default=_live_default(current))
        sql = self.column_sql(col)
        if current.auto_increment:
            sql += " AUTO_INCREMENT"
        self.run(f"ALTER TABLE {self.q(table)} MODIFY COLUMN {sql}")


def _live_default(col: Any) -> Any:
    """The default of an introspected column as the DSL takes it."""
    if col.default is not None:
        return col.default
    if col.default_sql is not None and col.default_sql.upper() != "NULL":
        return ddl.SQLDefault(col.default_sql)
    return ddl.NO_DEFAULT
