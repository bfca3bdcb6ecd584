"""Schema changes as plain records: the operations a migration asks for.

A migration's DSL (``activerecord/migration/dsl.py``) builds these records; a schema
editor (``activerecord/connection/schema_editor.py`` and each backend's
``schema_editor.py``) turns each one into the backend's DDL statements and runs them.
Nothing here knows a vendor: types are the portable names of :data:`COLUMN_TYPES`,
defaults are Python values (or :class:`SQLDefault` expressions), and the names of
indexes and constraints follow Rails' conventions (:func:`index_name`,
:func:`foreign_key_name`, :func:`check_name`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "COLUMN_TYPES", "NO_DEFAULT", "SQLDefault", "ColumnDef", "IndexDef", "ForeignKeyDef",
    "CheckDef", "Operation", "CreateTable", "DropTable", "RenameTable", "AddColumn",
    "RemoveColumn", "RenameColumn", "ChangeColumn", "ChangeColumnNull",
    "ChangeColumnDefault", "AddIndex", "RemoveIndex", "AddForeignKey", "RemoveForeignKey",
    "AddCheckConstraint", "RemoveCheckConstraint", "Execute", "index_name",
    "foreign_key_name", "check_name", "short_name", "FK_ACTIONS",
]

#: The portable column types a migration names (Rails' names), mapped to SQL types by
#: each backend's schema editor (the table is in docs/migrations.md).
COLUMN_TYPES = (
    "string", "text", "integer", "bigint", "float", "decimal", "boolean", "date",
    "datetime", "timestamp", "timestamptz", "time", "binary", "json", "uuid",
)

#: ``on_delete=``/``on_update=`` values and the SQL actions they stand for (Rails').
FK_ACTIONS = {"cascade": "CASCADE", "nullify": "SET NULL", "restrict": "RESTRICT",
              "no_action": "NO ACTION", "set_default": "SET DEFAULT"}


class _NoDefault:
    """The "no default given" marker (``None`` is a default: NULL)."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


#: A column definition without a DEFAULT clause.
NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True)
class SQLDefault:
    """A default given as an SQL expression, written into the DDL as is (Rails'
    ``default: -> { "CURRENT_TIMESTAMP" }``): ``SQLDefault("CURRENT_TIMESTAMP")``."""

    sql: str


@dataclass(frozen=True)
class ColumnDef:
    """One column of a ``create_table``/``add_column``/``change_column``.

    Attributes:
        name: the column name.
        type: one of :data:`COLUMN_TYPES`; ``sql_type`` overrides the mapping.
        null: whether NULL is allowed (``False`` adds NOT NULL).
        default: a Python value, :class:`SQLDefault`, or :data:`NO_DEFAULT`.
        limit: the length of a ``string``/``binary`` column (characters/bytes).
        precision: total digits of a ``decimal``; fractional-second digits of a
            datetime/time column.
        scale: digits after the point of a ``decimal``.
        primary_key: the column is the (single-column) primary key.
        auto_increment: the database generates its value (identity/AUTO_INCREMENT).
        sql_type: a backend SQL type written as is (a type the portable names miss,
            or a column read back from the catalog by a SQLite table rebuild).
        neutral: for a column read back from the catalog, its introspected neutral
            type (``activerecord.connection.introspection.NEUTRAL_TYPES``).
    """

    name: str
    type: str
    null: bool = True
    default: Any = NO_DEFAULT
    limit: int | None = None
    precision: int | None = None
    scale: int | None = None
    primary_key: bool = False
    auto_increment: bool = False
    sql_type: str | None = None
    neutral: str | None = None

    def with_(self, **changes: Any) -> ColumnDef:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)


@dataclass(frozen=True)
class IndexDef:
    """An index on ``table`` over ``columns`` (in order); ``where``: a partial index's
    condition (SQLite, PostgreSQL)."""

    table: str
    columns: tuple[str, ...]
    name: str
    unique: bool = False
    where: str | None = None


@dataclass(frozen=True)
class ForeignKeyDef:
    """``columns`` of ``table`` refer to ``primary_key`` of ``to_table``; the actions
    are keys of :data:`FK_ACTIONS` or ``None`` (the database's default, NO ACTION)."""

    table: str
    columns: tuple[str, ...]
    to_table: str
    primary_key: tuple[str, ...] = ("id",)
    name: str | None = None
    on_delete: str | None = None
    on_update: str | None = None


@dataclass(frozen=True)
class CheckDef:
    """A named CHECK constraint of ``table``: ``expression`` is SQL text."""

    table: str
    expression: str
    name: str


class Operation:
    """Base of the schema operations below; ``tables`` names what it touches (whose
    schema cache entries are cleared after it runs)."""

    @property
    def tables(self) -> tuple[str, ...]:
        """The names of the tables the operation touches (here: its ``table`` field,
        when it has one; operations on another field override this)."""
        table = getattr(self, "table", None)
        return (table,) if table else ()


@dataclass(frozen=True)
class CreateTable(Operation):
    """``CREATE TABLE``: columns, the primary key columns, foreign keys and checks
    (written inside the statement), and the indexes made right after it."""

    table: str
    columns: tuple[ColumnDef, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKeyDef, ...] = ()
    checks: tuple[CheckDef, ...] = ()
    indexes: tuple[IndexDef, ...] = ()
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropTable(Operation):
    """``DROP TABLE``; ``definition``: the table as it was created, when the migration
    gave it (what makes the drop reversible)."""

    table: str
    if_exists: bool = False
    definition: CreateTable | None = None


@dataclass(frozen=True)
class RenameTable(Operation):
    """``ALTER TABLE ... RENAME TO``."""

    table: str
    new_name: str

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, self.new_name)


@dataclass(frozen=True)
class AddColumn(Operation):
    """``ALTER TABLE ... ADD COLUMN``."""

    table: str
    column: ColumnDef


@dataclass(frozen=True)
class RemoveColumn(Operation):
    """Drop column ``name``; ``definition``: the column as it was, when given (what
    makes it reversible, as Rails' ``remove_column`` with a type)."""

    table: str
    name: str
    definition: ColumnDef | None = None


@dataclass(frozen=True)
class RenameColumn(Operation):
    """Rename column ``name`` to ``new_name``."""

    table: str
    name: str
    new_name: str


@dataclass(frozen=True)
class ChangeColumn(Operation):
    """Give column ``column.name`` a new type, nullability and default (all of it:
    Rails' ``change_column``)."""

    table: str
    column: ColumnDef


@dataclass(frozen=True)
class ChangeColumnNull(Operation):
    """Allow (``null=True``) or forbid NULL in a column; with ``default``, existing
    NULLs are first updated to it (Rails' ``change_column_null``)."""

    table: str
    name: str
    null: bool
    default: Any = NO_DEFAULT


@dataclass(frozen=True)
class ChangeColumnDefault(Operation):
    """Set (or, with ``None``, drop) a column's default."""

    table: str
    name: str
    default: Any


@dataclass(frozen=True)
class AddIndex(Operation):
    """``CREATE [UNIQUE] INDEX``."""

    index: IndexDef

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.index.table,)


@dataclass(frozen=True)
class RemoveIndex(Operation):
    """``DROP INDEX``; ``definition``: the index as it was, when known (reversible)."""

    table: str
    name: str
    definition: IndexDef | None = None


@dataclass(frozen=True)
class AddForeignKey(Operation):
    """Add a foreign key constraint."""

    foreign_key: ForeignKeyDef

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.foreign_key.table,)


@dataclass(frozen=True)
class RemoveForeignKey(Operation):
    """Drop a foreign key constraint (the one ``foreign_key`` describes)."""

    foreign_key: ForeignKeyDef

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.foreign_key.table,)


@dataclass(frozen=True)
class AddCheckConstraint(Operation):
    """Add a named CHECK constraint."""

    check: CheckDef

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.check.table,)


@dataclass(frozen=True)
class RemoveCheckConstraint(Operation):
    """Drop the CHECK constraint ``name``; ``expression`` when given (reversible)."""

    table: str
    name: str
    expression: str | None = None


@dataclass(frozen=True)
class Execute(Operation):
    """Run an SQL statement as written; ``tables``: what it touches, when the caller
    says (the whole schema cache is cleared otherwise)."""

    sql: str
    touched: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> tuple[str, ...]:
        return self.touched


#: The longest identifier every supported database takes (PostgreSQL: 63 bytes,
#: MySQL: 64 characters).
MAX_NAME = 63


def short_name(name: str, limit: int = MAX_NAME) -> str:
    """Return ``name``, or when longer than ``limit`` characters its first part and a
    hash of the whole (deterministic, so a rollback finds the same name)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[:limit - 11]}_{digest}"


def index_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    """Rails' index name: ``index_<table>_on_<col>_and_<col>`` (shortened, see
    :func:`short_name`)."""
    return short_name(f"index_{table}_on_{'_and_'.join(columns)}")


def foreign_key_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    """The name given to a foreign key: ``fk_<table>_<col>...`` (shortened)."""
    return short_name(f"fk_{table}_{'_'.join(columns)}")


def check_name(table: str, expression: str) -> str:
    """Rails' name for an unnamed check: ``chk_rails_<10 hex digits>`` of the table
    and expression."""
    digest = hashlib.sha256(f"{table}_{expression}".encode()).hexdigest()[:10]
    return f"chk_rails_{digest}"
