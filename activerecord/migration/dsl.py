"""The migration DSL: Rails' schema statements, as ``activerecord.sql.ddl`` records.

:class:`SchemaStatements` holds ``create_table``, ``add_column``, ``add_index`` and the
rest, with Rails' argument order and option names (``ActiveRecord::ConnectionAdapters::
SchemaStatements``); :class:`TableBuilder` is the ``t`` of ``with create_table(...) as
t``. Each statement hands one operation and its inverse to ``_record``: a migration
runs the operation at once, or, rolling back a ``change()``, collects the inverses
(Rails' ``CommandRecorder``). An inverse is an operation, a list of them (run in that
order), or the reason the statement cannot be inverted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import inflection

from ..connection.schema_editor import live_default
from ..sql import ddl

if TYPE_CHECKING:
    from ..connection.schema_editor import SchemaEditor

__all__ = ["SchemaStatements", "TableBuilder", "column_def"]

_ID_TYPES = {"bigint": "bigint", "integer": "integer", "uuid": "uuid"}


def _names(columns: str | Sequence[str]) -> tuple[str, ...]:
    return (columns,) if isinstance(columns, str) else tuple(columns)


def column_def(name: str, type: str | None, *, null: bool = True, default: Any = ddl.NO_DEFAULT,
               limit: int | None = None, precision: int | None = None,
               scale: int | None = None, primary_key: bool = False,
               sql_type: str | None = None, **unknown: Any) -> ddl.ColumnDef:
    """Build a :class:`~activerecord.sql.ddl.ColumnDef` from Rails' column options.

    Raises SchemaError for an unknown type or option (naming the known ones)."""
    from ..errors import SchemaError

    if unknown:
        raise SchemaError(f"unknown option(s) {', '.join(sorted(unknown))} for column "
                          f"{name!r}; known: null, default, limit, precision, scale, "
                          "primary_key, sql_type, index")
    kind = type or "value"
    if sql_type is None and kind not in ddl.COLUMN_TYPES:
        raise SchemaError(f"unknown column type {type!r} for column {name!r}; known: "
                          f"{', '.join(ddl.COLUMN_TYPES)}")
    return ddl.ColumnDef(name=name, type=kind, null=null, default=default, limit=limit,
                         precision=precision, scale=scale, primary_key=primary_key,
                         sql_type=sql_type)


def reference_target(name: str, to_table: str | None, foreign_key: bool | dict) -> str:
    """The table a reference ``name`` points to: ``foreign_key={"to_table": ...}``, else
    ``to_table``, else ``name`` pluralized (Rails' rule); its key gives the column's
    type."""
    if isinstance(foreign_key, dict) and foreign_key.get("to_table"):
        return str(foreign_key["to_table"])
    return to_table or str(inflection.pluralize(name))


class TableBuilder:
    """The columns, keys, indexes and checks of one ``create_table`` (the ``t``).

    Column methods take the column name and Rails' options: ``null`` (default True),
    ``default``, ``limit``, ``precision``, ``scale``, ``index`` (True or the options of
    :meth:`index`), ``primary_key``, ``sql_type`` (a backend type written as is).
    """

    def __init__(self, statements: SchemaStatements, table: str):
        self._statements = statements
        self.table = table
        self.columns: list[ddl.ColumnDef] = []
        self.indexes: list[ddl.IndexDef] = []
        self.foreign_keys: list[ddl.ForeignKeyDef] = []
        self.checks: list[ddl.CheckDef] = []

    # -- columns -------------------------------------------------------------------
    def column(self, name: str, type: str | None, *, index: bool | dict = False,
               **options: Any) -> None:
        """Add column ``name`` of portable ``type`` (``"string"``...)."""
        self.columns.append(column_def(name, type, **options))
        if index:
            self.index([name], **(index if isinstance(index, dict) else {}))

    def string(self, name: str, **options: Any) -> None:
        """A ``string`` column (``limit`` characters, 255 by default)."""
        self.column(name, "string", **options)

    def text(self, name: str, **options: Any) -> None:
        """A ``text`` column."""
        self.column(name, "text", **options)

    def integer(self, name: str, **options: Any) -> None:
        """An ``integer`` column (``limit``: bytes, 2/4/8)."""
        self.column(name, "integer", **options)

    def bigint(self, name: str, **options: Any) -> None:
        """A ``bigint`` column."""
        self.column(name, "bigint", **options)

    def float(self, name: str, **options: Any) -> None:
        """A ``float`` (double precision) column."""
        self.column(name, "float", **options)

    def decimal(self, name: str, **options: Any) -> None:
        """A ``decimal`` column (``precision``, ``scale``)."""
        self.column(name, "decimal", **options)

    def boolean(self, name: str, **options: Any) -> None:
        """A ``boolean`` column."""
        self.column(name, "boolean", **options)

    def date(self, name: str, **options: Any) -> None:
        """A ``date`` column."""
        self.column(name, "date", **options)

    def datetime(self, name: str, **options: Any) -> None:
        """A ``datetime`` column (no time zone; ``precision`` 6 by default)."""
        self.column(name, "datetime", **options)

    def timestamp(self, name: str, **options: Any) -> None:
        """A ``timestamp`` column (as ``datetime``)."""
        self.column(name, "timestamp", **options)

    def timestamptz(self, name: str, **options: Any) -> None:
        """A timestamp with time zone."""
        self.column(name, "timestamptz", **options)

    def time(self, name: str, **options: Any) -> None:
        """A ``time`` column."""
        self.column(name, "time", **options)

    def binary(self, name: str, **options: Any) -> None:
        """A ``binary`` column."""
        self.column(name, "binary", **options)

    def json(self, name: str, **options: Any) -> None:
        """A ``json`` column (jsonb on PostgreSQL)."""
        self.column(name, "json", **options)

    def uuid(self, name: str, **options: Any) -> None:
        """A ``uuid`` column."""
        self.column(name, "uuid", **options)

    def timestamps(self, *, null: bool = False, **options: Any) -> None:
        """``created_at`` and ``updated_at``, NOT NULL (Rails 5+)."""
        self.column("created_at", "datetime", null=null, **options)
        self.column("updated_at", "datetime", null=null, **options)

    def references(self, name: str, *, foreign_key: bool | dict = False,
                   index: bool | dict = True, polymorphic: bool = False,
                   to_table: str | None = None, type: str | None = None,
                   null: bool = True, **options: Any) -> None:
        """``<name>_id`` typed as the referenced table's key (bigint when that table
        does not exist yet), indexed; ``foreign_key=True`` adds the constraint to
        ``to_table`` (default: ``name`` pluralized), ``polymorphic=True`` a
        ``<name>_type`` string. Rails' ``t.references``."""
        target = reference_target(name, to_table, foreign_key)
        ref = self._statements._reference_column(f"{name}_id", target, type, null, options)
        self.columns.append(ref)
        cols = [f"{name}_id"]
        if polymorphic:
            self.columns.append(column_def(f"{name}_type", "string", null=null))
            cols = [f"{name}_type", f"{name}_id"]
        if index:
            self.index(cols, **(index if isinstance(index, dict) else {}))
        if foreign_key and not polymorphic:
            fk = dict(foreign_key) if isinstance(foreign_key, dict) else {}
            fk.pop("to_table", None)
            self.foreign_key(target, column=f"{name}_id", **fk)

    belongs_to = references

    # -- keys, indexes, checks --------------------------------------------------------
    def index(self, columns: str | Sequence[str], *, name: str | None = None,
              unique: bool = False, where: str | None = None) -> None:
        """An index over ``columns``, made right after the table."""
        cols = _names(columns)
        self.indexes.append(ddl.IndexDef(self.table, cols, name or ddl.index_name(
            self.table, cols), unique, where))

    def foreign_key(self, to_table: str, *, column: str | Sequence[str] | None = None,
                    primary_key: str | Sequence[str] = "id", name: str | None = None,
                    on_delete: str | None = None, on_update: str | None = None) -> None:
        """A foreign key constraint from ``column`` (default ``<to_table singular>_id``)."""
        self.foreign_keys.append(self._statements._fk(
            self.table, to_table, column, primary_key, name, on_delete, on_update))

    def check_constraint(self, expression: str, *, name: str | None = None) -> None:
        """A named CHECK constraint (name: Rails' ``chk_rails_<hash>`` by default)."""
        self.checks.append(ddl.CheckDef(self.table, expression,
                                        name or ddl.check_name(self.table, expression)))


class SchemaStatements:
    """The schema statements of a migration (mixed into ``Migration`` and ``Schema``).

    Subclasses provide ``_record(op, inverse)`` and ``_editor`` (the SchemaEditor,
    used to read the live schema: the key type of a referenced table)."""

    _editor: SchemaEditor | None = None
    #: ``create_table`` blocks made but not (yet) entered: a plain ``create_table(
    #: "tags")`` call makes its table (with only the key) before the next statement.
    _unentered: list[_TableBlock] | None = None

    def _record(self, op: ddl.Operation | Callable[[], None], inverse: Any) -> None:
        raise NotImplementedError

    def _flush_unentered(self) -> None:
        """Make the tables of ``create_table`` calls never used as ``with`` blocks."""
        while self._unentered:
            block = self._unentered.pop(0)
            with block:
                pass

    # -- tables ------------------------------------------------------------------------
    def create_table(self, table: str, *, id: bool | str = True,
                     primary_key: str | Sequence[str] | None = None,
                     if_not_exists: bool = False,
                     definition: Callable[[TableBuilder], Any] | None = None
                     ) -> _TableBlock:
        """Create ``table``: ``with m.create_table("albums") as t: t.string(...)``
        (or ``definition=lambda t: ...``, which makes it at once).

        ``id``: the generated key column ``"bigint"`` (True, as Rails 5.1+),
        ``"integer"``, ``"uuid"``, or False for none; ``primary_key``: its name
        (``"id"``), or a list for a composite key of columns the block defines. With
        ``id=False``, the block's columns declared ``primary_key=True`` are the key.
        """
        block = _TableBlock(self, table, id, primary_key, if_not_exists)
        if self._unentered is None:
            self._unentered = []
        self._unentered.append(block)
        if definition is not None:
            with block as t:
                definition(t)
        return block

    def _create_table(self, t: TableBuilder, id: bool | str,
                      primary_key: str | Sequence[str] | None, if_not_exists: bool
                      ) -> ddl.CreateTable:
        # The key: primary_key=[...] (columns of the block), or the block's columns
        # declared primary_key=True (with id=False, as Rails), or the generated id.
        from ..errors import SchemaError

        columns = list(t.columns)
        declared = tuple(c.name for c in columns if c.primary_key)
        if primary_key is not None and not isinstance(primary_key, str):
            pk = tuple(primary_key)
        elif declared and (id is False or primary_key in declared):
            pk = declared
        elif declared:
            raise SchemaError(f"create_table {t.table!r}: {list(declared)} declared "
                              f"primary_key=True besides the generated key "
                              f"{primary_key or 'id'!r}: pass id=False")
        elif id is False:
            pk = ()
        else:
            columns.insert(0, self._generated_key(t.table, id, primary_key or "id"))
            pk = (primary_key or "id",)
        missing = [c for c in pk if c not in {col.name for col in columns}]
        if missing:
            raise SchemaError(f"create_table {t.table!r}: primary key column(s) "
                              f"{missing} are not defined in the block")
        columns = [c.with_(null=False) if c.name in pk else c for c in columns]
        return ddl.CreateTable(t.table, tuple(columns), pk, tuple(t.foreign_keys),
                               tuple(t.checks), tuple(t.indexes), if_not_exists)

    @staticmethod
    def _generated_key(table: str, id: bool | str, name: str) -> ddl.ColumnDef:
        from ..errors import SchemaError

        kind = "bigint" if id is True else _ID_TYPES.get(str(id))
        if kind is None:
            raise SchemaError(f"create_table {table!r}: id={id!r}; known: True "
                              "(bigint), 'bigint', 'integer', 'uuid', False")
        return ddl.ColumnDef(name, kind, null=False, primary_key=True, auto_increment=True)

    def drop_table(self, table: str, *, if_exists: bool = False, id: bool | str = True,
                   primary_key: str | Sequence[str] | None = None,
                   definition: Callable[[TableBuilder], Any] | None = None) -> None:
        """Drop ``table``. It can be rolled back only when ``definition`` gives its
        columns (as Rails' ``drop_table`` with a block): ``definition=lambda t:
        t.string("title")``, with the ``id``/``primary_key`` it was created with."""
        created = None
        if definition is not None:
            builder = TableBuilder(self, table)
            definition(builder)
            created = self._create_table(builder, id, primary_key, False)
        op = ddl.DropTable(table, if_exists, created)
        self._record(op, created or f"drop_table {table!r} without its definition "
                                    "(definition=...) cannot be reversed")

    def rename_table(self, table: str, new_name: str) -> None:
        """Rename ``table`` (and the indexes named after it by the convention)."""
        self._record(ddl.RenameTable(table, new_name), ddl.RenameTable(new_name, table))

    # -- columns -----------------------------------------------------------------------
    def add_column(self, table: str, column: str, type: str, *, index: bool | dict = False,
                   **options: Any) -> None:
        """Add ``column`` of portable ``type`` with Rails' options (``null``,
        ``default``, ``limit``, ``precision``, ``scale``; ``index``: True or the
        options of :meth:`add_index`, for an index over it)."""
        col = column_def(column, type, **options)
        self._record(ddl.AddColumn(table, col), ddl.RemoveColumn(table, column, col))
        if index:
            self.add_index(table, [column], **(index if isinstance(index, dict) else {}))

    def remove_column(self, table: str, column: str, type: str | None = None,
                      **options: Any) -> None:
        """Remove ``column``; with its ``type`` (and options) it can be rolled back."""
        col = column_def(column, type, **options) if type is not None else None
        self._record(ddl.RemoveColumn(table, column, col),
                     ddl.AddColumn(table, col) if col is not None else
                     f"remove_column {table}.{column} without a type cannot be reversed")

    def remove_columns(self, table: str, *columns: str, type: str | None = None) -> None:
        """Remove several columns (reversible with a ``type`` shared by all)."""
        for column in columns:
            self.remove_column(table, column, type)

    def rename_column(self, table: str, column: str, new_name: str) -> None:
        """Rename ``column`` to ``new_name``."""
        self._record(ddl.RenameColumn(table, column, new_name),
                     ddl.RenameColumn(table, new_name, column))

    def change_column(self, table: str, column: str, type: str, **options: Any) -> None:
        """Give ``column`` a new type (and options); as in Rails, it keeps its
        nullability and default unless ``null=``/``default=`` are given. Irreversible
        in ``change()``: write ``up``/``down``."""
        editor = self._editor
        live = editor.live_column(table, column) if editor is not None else None
        if live is not None:
            options.setdefault("null", live.nullable)
            if "default" not in options:
                options["default"] = live_default(live)
        self._record(ddl.ChangeColumn(table, column_def(column, type, **options)),
                     f"change_column {table}.{column} cannot be reversed (use up/down)")

    def change_column_null(self, table: str, column: str, null: bool,
                           default: Any = ddl.NO_DEFAULT) -> None:
        """Allow or forbid NULL; ``default`` first replaces existing NULLs."""
        self._record(ddl.ChangeColumnNull(table, column, null, default),
                     ddl.ChangeColumnNull(table, column, not null))

    def change_column_default(self, table: str, column: str, default: Any = ddl.NO_DEFAULT,
                              *, from_: Any = ddl.NO_DEFAULT, to: Any = ddl.NO_DEFAULT
                              ) -> None:
        """Set a column's default (``None`` drops it); reversible when given as
        ``from_=old, to=new`` (Rails' ``from:``/``to:``)."""
        from ..errors import SchemaError

        if to is not ddl.NO_DEFAULT:
            default = to
        if default is ddl.NO_DEFAULT:
            raise SchemaError("change_column_default needs the default (or to=)")
        self._record(ddl.ChangeColumnDefault(table, column, default),
                     ddl.ChangeColumnDefault(table, column, from_)
                     if from_ is not ddl.NO_DEFAULT else
                     f"change_column_default {table}.{column} without from_= cannot be "
                     "reversed")

    def add_timestamps(self, table: str, *, null: bool = False, **options: Any) -> None:
        """Add ``created_at``/``updated_at``."""
        for name in ("created_at", "updated_at"):
            self.add_column(table, name, "datetime", null=null, **options)

    def remove_timestamps(self, table: str, **options: Any) -> None:
        """Remove ``created_at``/``updated_at`` (reversible)."""
        for name in ("updated_at", "created_at"):
            self.remove_column(table, name, "datetime", null=False, **options)

    def add_reference(self, table: str, name: str, *, foreign_key: bool | dict = False,
                      index: bool | dict = True, polymorphic: bool = False,
                      to_table: str | None = None, type: str | None = None,
                      null: bool = True, **options: Any) -> None:
        """Add ``<name>_id`` (as ``t.references``), its index and foreign key."""
        target = reference_target(name, to_table, foreign_key)
        col = self._reference_column(f"{name}_id", target, type, null, options)
        cols = [f"{name}_id"]
        if polymorphic:
            self.add_column(table, f"{name}_type", "string", null=null)
            cols = [f"{name}_type", f"{name}_id"]
        self._record(ddl.AddColumn(table, col), ddl.RemoveColumn(table, col.name, col))
        if index:
            self.add_index(table, cols, **(index if isinstance(index, dict) else {}))
        if foreign_key and not polymorphic:
            fk = dict(foreign_key) if isinstance(foreign_key, dict) else {}
            fk.pop("to_table", None)
            self.add_foreign_key(table, target, column=col.name, **fk)

    def remove_reference(self, table: str, name: str, *, foreign_key: bool | dict = False,
                         polymorphic: bool = False, to_table: str | None = None,
                         index: bool | dict = True, type: str | None = None,
                         null: bool = True) -> None:
        """Remove ``<name>_id`` with its foreign key and index (reversible: the
        rollback makes the column, its index and its foreign key again, as Rails'
        inverse ``add_reference``)."""
        target = reference_target(name, to_table, foreign_key)
        if foreign_key and not polymorphic:
            fk = foreign_key if isinstance(foreign_key, dict) else {}
            actions = {k: fk[k] for k in ("on_delete", "on_update", "name", "primary_key")
                       if k in fk}  # the rollback makes the foreign key as it was
            self.remove_foreign_key(table, target, column=f"{name}_id", **actions)
        col = self._reference_column(f"{name}_id", target, type, null, {})
        inverse: list[ddl.Operation] = [ddl.AddColumn(table, col)]
        if index:
            cols = (f"{name}_type", col.name) if polymorphic else (col.name,)
            options = index if isinstance(index, dict) else {}
            inverse.append(ddl.AddIndex(ddl.IndexDef(
                table, cols, options.get("name") or ddl.index_name(table, cols),
                bool(options.get("unique")), options.get("where"))))
        self._record(ddl.RemoveColumn(table, col.name, col), inverse)
        if polymorphic:
            self.remove_column(table, f"{name}_type", "string", null=null)

    def _reference_column(self, column: str, target: str, type: str | None, null: bool,
                          options: dict) -> ddl.ColumnDef:
        # The referenced key's type: read from the live table when it exists (bigint,
        # the default key's, when it does not); the other options apply as given.
        editor = self._editor
        info = editor.database.table_info(target) if editor is not None and type is None \
            else None
        key = info.column(info.primary_key[0]) if info is not None and \
            len(info.primary_key) == 1 else None
        if editor is not None and key is not None:
            type = editor.reference_type(key)
            if key.type == "string" and key.length is not None:
                options = {"limit": key.length, **options}
        return column_def(column, type or "bigint", null=null, **options)

    # -- indexes and constraints ---------------------------------------------------------
    def add_index(self, table: str, columns: str | Sequence[str], *, name: str | None = None,
                  unique: bool = False, where: str | None = None) -> None:
        """Add an index (Rails' name ``index_<table>_on_<columns>`` by default)."""
        cols = _names(columns)
        index = ddl.IndexDef(table, cols, name or ddl.index_name(table, cols), unique, where)
        self._record(ddl.AddIndex(index), ddl.RemoveIndex(table, index.name, index))

    def remove_index(self, table: str, columns: str | Sequence[str] | None = None, *,
                     column: str | Sequence[str] | None = None, name: str | None = None,
                     unique: bool = False, where: str | None = None) -> None:
        """Remove an index, by ``name`` or by its columns (reversible with columns)."""
        from ..errors import SchemaError

        given = columns if columns is not None else column
        cols = _names(given) if given else None
        if name is None and cols is None:
            raise SchemaError("remove_index needs the index's columns or name=")
        index_name = name or ddl.index_name(table, cols or ())
        index = ddl.IndexDef(table, cols, index_name, unique, where) if cols else None
        self._record(ddl.RemoveIndex(table, index_name, index),
                     ddl.AddIndex(index) if index is not None else
                     f"remove_index {index_name!r} without its columns cannot be reversed")

    def _fk(self, table: str, to_table: str, column: str | Sequence[str] | None,
            primary_key: str | Sequence[str], name: str | None, on_delete: str | None,
            on_update: str | None) -> ddl.ForeignKeyDef:
        from ..connection.schema_editor import fk_action

        cols = _names(column) if column else (f"{inflection.singularize(to_table)}_id",)
        for action in (on_delete, on_update):
            if action is not None:
                fk_action(action)  # an unknown action fails here, before any SQL
        return ddl.ForeignKeyDef(table, cols, to_table, _names(primary_key),
                                 name or ddl.foreign_key_name(table, cols),
                                 on_delete, on_update)

    def add_foreign_key(self, from_table: str, to_table: str, *,
                        column: str | Sequence[str] | None = None,
                        primary_key: str | Sequence[str] = "id", name: str | None = None,
                        on_delete: str | None = None, on_update: str | None = None) -> None:
        """Add a foreign key from ``column`` (``<to_table singular>_id``) of
        ``from_table`` to ``primary_key`` of ``to_table``; ``on_delete``/``on_update``:
        ``"cascade"``, ``"nullify"``, ``"restrict"`` (Rails' names)."""
        fk = self._fk(from_table, to_table, column, primary_key, name, on_delete, on_update)
        self._record(ddl.AddForeignKey(fk), ddl.RemoveForeignKey(fk))

    def remove_foreign_key(self, from_table: str, to_table: str | None = None, *,
                           column: str | Sequence[str] | None = None,
                           primary_key: str | Sequence[str] = "id",
                           name: str | None = None, on_delete: str | None = None,
                           on_update: str | None = None) -> None:
        """Remove a foreign key, found by ``name``, or by ``column``/``to_table``
        (reversible when ``to_table`` is given)."""
        from ..errors import SchemaError

        if to_table is None and column is None and name is None:
            raise SchemaError("remove_foreign_key needs to_table, column= or name=")
        cols = _names(column) if column else (
            (f"{inflection.singularize(to_table)}_id",) if to_table else ())
        fk = ddl.ForeignKeyDef(from_table, cols, to_table or "", _names(primary_key), name,
                               on_delete, on_update)
        self._record(ddl.RemoveForeignKey(fk), ddl.AddForeignKey(
            fk if name else ddl.ForeignKeyDef(from_table, cols, to_table or "",
                                              _names(primary_key),
                                              ddl.foreign_key_name(from_table, cols),
                                              on_delete, on_update))
                     if to_table else "remove_foreign_key without to_table cannot be reversed")

    def add_check_constraint(self, table: str, expression: str, *,
                             name: str | None = None) -> None:
        """Add a CHECK constraint (named ``chk_rails_<hash>`` unless ``name``)."""
        check = ddl.CheckDef(table, expression, name or ddl.check_name(table, expression))
        self._record(ddl.AddCheckConstraint(check),
                     ddl.RemoveCheckConstraint(table, check.name, expression))

    def remove_check_constraint(self, table: str, expression: str | None = None, *,
                                name: str | None = None) -> None:
        """Remove a CHECK constraint by ``name`` (or by the expression it was named
        after); reversible when ``expression`` is given."""
        from ..errors import SchemaError

        if name is None and expression is None:
            raise SchemaError("remove_check_constraint needs the expression or name=")
        check_name = name or ddl.check_name(table, expression or "")
        self._record(ddl.RemoveCheckConstraint(table, check_name, expression),
                     ddl.AddCheckConstraint(ddl.CheckDef(table, expression, check_name))
                     if expression else
                     f"remove_check_constraint {check_name!r} without its expression "
                     "cannot be reversed")

    def execute(self, sql: str) -> None:
        """Run ``sql`` as written (irreversible in ``change()``)."""
        self._record(ddl.Execute(sql), "execute() cannot be reversed (use up/down, or "
                                       "reversible())")


class _TableBlock:
    """The context manager ``create_table`` returns: the table is made when the block
    ends without an error."""

    def __init__(self, statements: SchemaStatements, table: str, id: bool | str,
                 primary_key: str | Sequence[str] | None, if_not_exists: bool):
        self._statements = statements
        self._args = (id, primary_key, if_not_exists)
        self.builder = TableBuilder(statements, table)

    def __enter__(self) -> TableBuilder:
        pending = self._statements._unentered
        if pending and self in pending:
            pending.remove(self)
        self._statements._flush_unentered()  # an earlier plain call comes first
        return self.builder

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            op = self._statements._create_table(self.builder, *self._args)
            self._statements._record(op, ddl.DropTable(op.table, definition=op))
