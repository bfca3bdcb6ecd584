"""A model's table: its name, its lazily introspected columns and primary key.

Nothing touches the database when a model class is defined. At first use (first query,
first instance, first ``Model.columns``) the model asks its database for the table's
:class:`~activerecord.connection.introspection.TableInfo` (cached per database), and
builds, once, under a lock, a :class:`ModelSchema`: column names, attribute types, the
row-loading plan (column name, deserializer-or-None) and the primary key. Two threads
touching a model at the same time load it once.

``table_name`` defaults to ``inflection.tableize(class name)`` (``LineItem`` ->
``line_items``), as in Rails; ``primary_key`` defaults to the table's declared key.
``reset_column_information()`` forgets both the model's and the database's cached
schema of that table (Rails' method of the same name), for use after changing a table
by other means than a migration: a migration's schema editor sends the
``schema_changed`` event (``activerecord.connection.schema_editor.SCHEMA_CHANGED``),
and every model whose loaded schema reads a changed table of that database forgets it
(:func:`_forget_changed_tables`), so its next use introspects the table again.

Where the dialect has schemas (``Dialect.supports_schemas``: PostgreSQL), ``table_name =
"sales.orders"`` or a ``schema = "sales"`` class attribute names a table of another
schema; the schema-cache key is then ``"sales.orders"`` and SQL says ``"sales"."orders"``.
A cached schema remembers the registry epoch its database was resolved at, so a model
follows a new default database (``connect``, ``set_default_database``) at its next use.

A model declaring ``readonly = True`` (or a string saying why) is never written: the
schema's ``readonly`` makes every write raise ReadOnlyRecord before any SQL
(:meth:`ModelSchema.read_only`; Rails' ``readonly?``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, ParamSpec, TypeVar

import inflection

from .. import events
from ..connection import handling as _registry
from ..connection.database import Database
from ..connection.handling import get_database
from ..connection.introspection import TableInfo
from ..connection.schema_editor import SCHEMA_CHANGED
from ..errors import (
    ColumnNotFound,
    ConfigurationError,
    MissingAttributeError,
    ReadOnlyAttributeError,
    ReadOnlyRecord,
    TableNotFound,
    UnknownAttributeError,
    UnknownPrimaryKey,
)
from ..relation import predicates as p
from ..relation.contract import Loader, TableSchema
from ..sql import nodes as n
from ..types import CAST_ERRORS, Type
from .core import Core
from .enum import enum_columns, string_enum

__all__ = ["ModelMeta", "ModelSchema", "ColumnAccessor", "Column"]

_schema_lock = threading.RLock()
_T = TypeVar("_T")
_P = ParamSpec("_P")
_PK_HINT = "declare it on the model: primary_key = \"col\" (or a tuple of columns)"


class Column:
    """A model column as users see it (``Model.columns[name]``).

    Attributes: ``name``, ``type`` (neutral type name, e.g. ``"integer"``),
    ``sql_type`` (declared type, e.g. ``"varchar(120)"``), ``nullable``, ``default``
    (Python value of a literal default, else ``None``), ``primary_key`` (bool),
    ``python_type`` (e.g. ``int``), ``info`` (the full introspected ``ColumnInfo``).
    """

    __slots__ = ("name", "type", "sql_type", "nullable", "default", "primary_key",
                 "python_type", "info", "attribute_type")

    def __init__(self, info, attribute_type, primary_key: bool):
        self.info = info
        self.name = info.name
        self.type = info.type
        self.sql_type = info.sql_type
        self.nullable = info.nullable
        self.default = info.default
        self.primary_key = primary_key
        self.attribute_type = attribute_type
        self.python_type = attribute_type.python_type

    def __repr__(self) -> str:
        flags = " PK" if self.primary_key else ""
        flags += "" if self.nullable else " NOT NULL"
        return f"Column({self.name!r}, {self.type}, {self.sql_type!r}{flags})"


class ModelSchema:
    """What a model knows about its table, built once per model class."""

    #: The registry epoch the model's database was resolved at (see ``_load_schema``).
    epoch = -1

    def __init__(self, model: type, db: Database, info: TableInfo):
        """Build the schema of ``model`` from its table's ``info`` on ``db``.

        Raises ConfigurationError when the model's ``primary_key`` names a column the
        table does not have."""
        self.db = db
        self.info = info
        self.key = info.name  # the schema-cache key: "table" or "schema.table"
        self.schema_name, self.table = db.dialect.split_table_name(info.name)
        self.table_node = n.Table(self.table, schema=self.schema_name)
        names = tuple(c.name for c in info.columns)
        self.pk = pk = _primary_key(model, info, names)
        #: The model's ``readonly`` declaration (True, or a string saying why), or None.
        self.readonly: bool | str | None = _declared(model, "readonly") or None
        #: ``attr_readonly`` columns: set on create, never changed afterwards.
        self.attr_readonly: frozenset[str] = _readonly_columns(model, names)
        #: The optimistic-locking column (``locking_column``, default "lock_version")
        #: when the table has it and ``lock_optimistically`` is not False, else None.
        lock = _declared(model, "locking_column") or "lock_version"
        self.lock_column: str | None = lock if lock in names and \
            _declared(model, "lock_optimistically") is not False else None
        self.names = names
        self.name_set = frozenset(names)
        self.types = {c.name: db.adapter.type_for(c) for c in info.columns}
        declared = enum_columns(model)
        for name, spec in declared.items():  # enum(...): labels (enum.py)
            if name not in self.types:
                raise ConfigurationError(
                    f"{model.__name__}.{name} = enum(...) names no column of table "
                    f"{info.name!r}; its columns: {', '.join(names)}")
            self.types[name] = spec.type_for(self.types[name])
        for c in info.columns:  # a database ENUM type: a string enum of its labels
            if c.enum_values and c.name not in declared and \
                    not c.sql_type.lower().startswith("set("):
                self.types[c.name] = string_enum(self.types[c.name], c.enum_values)
        self.columns = {c.name: Column(c, self.types[c.name], c.name in pk) for c in info.columns}
        self.loaders = self.loaders_for(names)
        # Table-qualified: SQLite reads an unknown "name" as a string literal
        # (https://www.sqlite.org/quirks.html#dblquote), "t"."name" is an error.
        self.select_columns = tuple(n.Column(c, self.table) for c in names)
        self.defaults = {c.name: self.types[c.name].cast(c.default)
                         if c.default is not None else None for c in info.columns}
        self._write_plan(info)
        self.sql_cache: dict = {}
        #: The compiled record builders of full rows and of ``select(...)`` rows
        #: (``persistence.row_builder``), made at first use.
        self.row_builder: tuple | None = None
        self.partial_builders: dict[tuple, tuple] = {}
        self.setters: dict = {}  # attribute name -> how ``record.name = v`` is done

    def _write_plan(self, info: TableInfo) -> None:
        # What writes send and read back, column by column.
        names = self.names
        # Generated (computed) columns are read, never written: no INSERT or UPDATE lists
        # them and assigning one raises ReadOnlyAttributeError. ``writable``/``write_types``
        # are the other columns (bulk writes check against them too).
        self.generated = frozenset(c.name for c in info.columns if c.generated)
        self.writable = tuple(c for c in names if c not in self.generated)
        self.write_types = {c: self.types[c] for c in self.writable}
        # Columns holding mutable values (JSON, arrays): dirty tracking also compares
        # them with a copy taken when the value is first handed out (attributes.py).
        self.mutable = tuple(c for c in self.writable if self.types[c].mutable)
        # Columns whose value the database computes (CURRENT_TIMESTAMP, nextval...,
        # generated columns): without RETURNING they are read back after an INSERT.
        self.db_computed = tuple(c.name for c in info.columns if c.generated or
                                 c.default is None and (c.default_sql or c.auto_increment))
        self.timestamps = tuple(c for c in ("created_at", "updated_at") if c in self.name_set)
        # The inferred validations (model/validations.py): NOT NULL columns nothing
        # fills but the user, and the declared length of string columns.
        filled = set(self.timestamps) | set(self.generated) | {self.lock_column}
        self.required = frozenset(
            c.name for c in info.columns if not c.nullable and c.default is None and
            not c.default_sql and not c.auto_increment and c.name not in filled)
        self.max_lengths = {c.name: c.length for c in info.columns
                            if c.type == "string" and c.length and not c.enum_values}

    def unknown(self, model: type, name: str) -> UnknownAttributeError:
        """Return the error for an unknown column ``name`` (it lists the known ones)."""
        return UnknownAttributeError(model.__name__, name, list(self.names))

    # -- the primary key: the one owner of every rule about it -----------------------
    def no_primary_key(self, model: type | None, what: str,
                       hint: str | None = None) -> UnknownPrimaryKey:
        """Return the UnknownPrimaryKey error for ``what`` (e.g. ``"find()"``) on a
        model whose table has no primary key (Rails' ``UnknownPrimaryKey``)."""
        name = model.__name__ if model is not None else "the model"
        return UnknownPrimaryKey(
            f"{name} has no primary key (table {self.table!r} declares none), which "
            f"{what} needs; {hint or _PK_HINT}", model=model, table=self.table)

    def key_text(self) -> str:
        """The key's columns for messages: ``"id"`` or ``"(a, b)"``."""
        return self.pk[0] if len(self.pk) == 1 else "(" + ", ".join(self.pk) + ")"

    def key_condition(self, key: Any, model: type | None = None) -> n.Node:
        """Return ``pk = key`` for a single or composite key (``key`` a tuple then);
        the values are bound as given (callers pass serialized values).

        Raises UnknownPrimaryKey when the table has no primary key (a condition built
        from no columns would match every row), ValueError for a malformed composite
        key."""
        pk = self.pk
        if not pk:
            raise self.no_primary_key(model, "finding a row by its key")
        if len(pk) == 1:
            return n.Column(pk[0], self.table) == key
        if not isinstance(key, (tuple, list)) or len(key) != len(pk):
            raise ValueError(f"{self.table} has the composite primary key {pk}: "
                             f"give a tuple of {len(pk)} values, not {key!r}")
        return n.and_(*(n.Column(c, self.table) == v for c, v in zip(pk, key)))

    def key_values(self, key: Any, limits: tuple = p.WIDEST) -> tuple | None:
        """Return ``(identity, bound)`` for one primary key value: ``identity`` as a
        loaded record's ``_identity()`` (a tuple for a composite key), ``bound`` the
        tuple of values to send. ``None`` when ``key`` cannot be a key: its type cannot
        take a part, a part is ``None``, or an int is outside ``limits``
        (``Dialect.integer_range``).

        Raises:
            ValueError: a composite key that is not a tuple/list of as many values.
            TypeError: a part is a generator or another non-collection iterable.
        """
        pk = self.pk
        parts: Sequence[Any]
        if len(pk) == 1:
            parts = (key,)
        elif isinstance(key, (tuple, list)) and len(key) == len(pk):
            parts = key
        else:
            raise ValueError(f"{self.table} has the composite primary key {pk}: "
                             f"give a tuple of {len(pk)} values, not {key!r}")
        cast, bound = [], []
        for c, v in zip(pk, parts):
            p.check_value(n.Column(c, self.table), v)
            typ = self.types[c]
            try:
                value = typ.cast(v)  # the identity, as a loaded record holds it
            except CAST_ERRORS:
                return None
            out = typ.bind(value)  # None: it cannot be bound (casting again is a no-op)
            if value is None or out is None or \
                    (type(out) is int and not limits[0] <= out <= limits[1]):
                return None
            cast.append(value)
            bound.append(out)
        return (cast[0] if len(pk) == 1 else tuple(cast)), tuple(bound)

    def keys_condition(self, rows: list) -> n.Node:
        """Return the condition matching the bound keys ``rows`` (tuples, see
        :meth:`key_values`): ``pk = ?``, ``pk IN (...)``, or for a composite key
        ``a = ? AND b = ?`` / ``(a, b) IN ((?, ?), ...)`` (row values: :meth:`rows_in`;
        no OR chain, which SQLite refuses beyond 1000 terms)."""
        pk, table, types = self.pk, self.table, self.types
        if len(pk) == 1:
            col, typ = n.Column(pk[0], table), types[pk[0]]
            if len(rows) == 1:
                return n.Binary("=", col, p.param(typ, rows[0][0]))
            return n.In(col, tuple(p.param(typ, r[0]) for r in rows))
        if len(rows) == 1:
            return n.and_(*(n.Binary("=", n.Column(c, table), p.param(types[c], v))
                            for c, v in zip(pk, rows[0])))
        return self.rows_in(pk, rows)

    def rows_in(self, columns: Sequence[str], rows: list) -> n.In:
        """Return ``(a, b) IN (rows)`` for ``columns`` and bound ``rows`` (tuples of
        values as the driver takes them), written by the dialect's ``row_in``
        (``IN (VALUES ...)`` on SQLite and PostgreSQL). The first row's values are cast
        to their column's ``Type.values_cast`` where it has one: a VALUES list takes
        its column types from its rows (the rules of UNION, PostgreSQL manual 10.5),
        and casting one row types the whole column."""
        types = [self.types[c] for c in columns]
        casts = [typ.values_cast for typ in types]
        items = [n.Tuple(tuple(p.param(typ, v) for typ, v in zip(types, row)))
                 for row in rows]
        if items and any(casts):
            items[0] = n.Tuple(tuple(x if c is None else n.Cast(x, c)
                                     for x, c in zip(items[0].items, casts)))
        return n.In(n.Tuple(tuple(n.Column(c, self.table) for c in columns)), tuple(items))

    def key_chunks(self, rows: list, reserve: int = 0) -> list:
        """Split ``rows`` into lists whose keys fit one statement: at most
        ``(features.max_parameters - reserve) // len(pk)`` keys each."""
        size = max(1, (self.db.features.max_parameters - reserve) // len(self.pk))
        return [rows[i:i + size] for i in range(0, len(rows), size)]

    def not_writable(self, model: type, name: str) -> Exception:
        """Return the error for writing ``name``: ReadOnlyAttributeError for a generated
        column, UnknownAttributeError (listing the columns) for a name that is none."""
        if name in self.generated:
            return ReadOnlyAttributeError(
                f"{model.__name__}.{name} is a generated column of table {self.table!r}: "
                f"the database computes it, so it cannot be assigned or written", name=name)
        return self.unknown(model, name)

    def read_only(self, model: type) -> ReadOnlyRecord:
        """Return the ReadOnlyRecord error for a write to a ``readonly`` model."""
        why = self.readonly if isinstance(self.readonly, str) else "readonly = True"
        return ReadOnlyRecord(
            f"{model.__name__} is read-only ({why}): its table {self.table!r} is not "
            f"written (no save, create, update, destroy, delete or bulk write)",
            model=model, table=self.table)

    def check_writable(self, model: type, names: Iterable[str]) -> None:
        """Raise :meth:`not_writable`'s error for the first of ``names`` that is not a
        writable column, ReadOnlyRecord for a ``readonly`` model (before any SQL:
        bulk writes call it)."""
        if self.readonly:
            raise self.read_only(model)
        for name in names:
            if name not in self.write_types:
                raise self.not_writable(model, name)

    # -- columns and row loaders: the one owner of name checks and loading plans -----
    def column(self, model: type, name: str) -> tuple[n.Column, Type]:
        """Return ``(Column node, attribute type)`` of the column ``name`` of this
        table: the one check of a column name (conditions, order, select, group,
        pluck, unscope, cursors, ``Model.c``, bulk inserts all ask here).

        Raises UnknownAttributeError (naming ``model`` and listing the known
        columns) when the table has no such column."""
        typ = self.types.get(name)
        if typ is None:
            raise self.unknown(model, name)
        return n.Column(name, self.table), typ

    def loaders_for(self, columns: Sequence[str],
                    types: Sequence[Type | None] | None = None) -> tuple[Loader, ...]:
        """Return the loading plan of result rows whose values are ``columns`` (in
        that order): ``(index, name, deserialize)`` for each value whose type needs
        one (``Type.needs_deserialize``); the other values are kept as the driver
        returned them, and NULL is never deserialized (callers skip ``None``). Every
        row loader asks here: records (``_instantiate``, ``select(...)``), INSERT
        ... RETURNING, re-reads, ``pluck``, ``insert_all(returning=...)``.

        ``types``: the values' types when they are not this table's columns by name
        (a joined model's column; ``None`` for an expression: kept as returned).
        Raises KeyError for a name that is not a column when ``types`` is omitted."""
        if types is None:
            types = [self.types[c] for c in columns]
        return tuple([(i, name, typ.deserialize)
                      for i, (name, typ) in enumerate(zip(columns, types))
                      if typ is not None and typ.needs_deserialize])

    @staticmethod
    def load_values(loaders: tuple[Loader, ...], row: Sequence[Any]) -> tuple:
        """Return ``row`` as a tuple with the values named by ``loaders`` (from
        :meth:`loaders_for`) deserialized; NULLs stay ``None``."""
        if not loaders:
            return tuple(row)
        values = list(row)
        for i, _name, load in loaders:
            if values[i] is not None:
                values[i] = load(values[i])
        return tuple(values)


if TYPE_CHECKING:  # pragma: no cover
    def _is_table_schema(schema: ModelSchema) -> TableSchema:
        # mypy checks here that ModelSchema (and its Database) is the interface the
        # relation layer is written against (relation/contract.py).
        return schema


class ColumnAccessor:
    """``Model.c``: column expressions for conditions, e.g. ``Artist.c.Name == "x"``.

    ``Model.c.Name`` raises UnknownAttributeError for a name that is not a column.
    """

    def __init__(self, model: ModelMeta) -> None:
        self._model = model

    def __getattr__(self, name: str) -> n.Column:
        return self._model._load_schema().column(self._model, name)[0]

    __getitem__ = __getattr__


class _ColumnDescriptor:
    """Reads and writes one column of a record (installed on the model at schema load
    for each column whose name the model, its bases and its metaclass do not already
    use; see ``_accessor_allowed``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return objtype.c[self.name]
        try:
            return obj._attrs[self.name]
        except KeyError:  # a record loaded by a relation with select(...)
            raise MissingAttributeError(
                f"{objtype.__name__}.{self.name} was not loaded: the query that built "
                f"this record selected only {', '.join(obj._attrs)}") from None

    def __set__(self, obj, value):
        obj.write_attribute(self.name, value)


class _MutableColumnDescriptor(_ColumnDescriptor):
    """The accessor of a column with mutable values (JSON, arrays): reading hands the
    value out, so the record first keeps a copy to detect changes made in place."""

    __slots__ = ()

    def __get__(self, obj, objtype=None):
        if obj is None:
            return objtype.c[self.name]
        if self.name not in obj._attrs:
            return super().__get__(obj, objtype)  # raises MissingAttributeError
        return obj._read_mutable(self.name)


class ModelMeta(type):
    """Metaclass of ``Model``: class-level ``columns``, ``column_names``, ``c`` and the
    defaults of ``table_name`` and ``primary_key``; nothing is loaded at class creation.

    Columns never take these names over: ``Model.columns`` stays the dict even when the
    table has a column ``columns`` (records still read it as ``record.columns``).
    """

    if TYPE_CHECKING:  # pragma: no cover - SchemaMixin defines it on every model class
        def _load_schema(cls) -> ModelSchema: ...
    else:  # the catch-all is hidden from type checkers (``table_name`` and ``primary_key``
        # are declared on SchemaMixin), so a typed model has no unknown class attribute.
        def __getattr__(cls, name: str) -> Any:
            if name == "table_name":
                return inflection.tableize(cls.__name__)
            if name == "primary_key":
                pk = cls._load_schema().pk
                return pk[0] if len(pk) == 1 else pk
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")

    @property
    def columns(cls) -> dict:
        """``{name: Column}`` in table order (loads the schema on first use)."""
        return dict(cls._load_schema().columns)

    @property
    def column_names(cls) -> list[str]:
        """The column names in table order."""
        return list(cls._load_schema().names)

    @property
    def c(cls) -> ColumnAccessor:
        """Column expressions: ``Model.c.name`` (see :class:`ColumnAccessor`)."""
        return ColumnAccessor(cls)


class SchemaMixin(Core):
    """Class methods that load, expose and reset a model's schema."""

    database: Database | str | None = None
    #: The loaded schema, set on the model class itself by ``_load_schema``.
    _schema: ClassVar[ModelSchema]
    if TYPE_CHECKING:  # pragma: no cover - ModelMeta computes them when undeclared
        table_name: ClassVar[str]
        primary_key: ClassVar[str | tuple[str, ...]]

    @classmethod
    def _database(cls) -> Database:
        db = cls.database
        if db is None or isinstance(db, str):
            return get_database(db)
        return db

    @classmethod
    def _load_schema(cls) -> ModelSchema:
        # Hot path: one dict lookup and one int compare. The epoch moves when connect()
        # or set_default_database() changes what a model's database resolves to; the
        # model then checks, once, and reloads from its new database if it moved.
        schema = cls.__dict__.get("_schema")
        if schema is not None and schema.epoch == _registry._epoch[0]:
            return schema
        with _schema_lock:
            epoch = _registry._epoch[0]
            schema = cls.__dict__.get("_schema")
            if schema is not None:
                if schema.epoch == epoch or schema.db is cls._database():
                    schema.epoch = epoch
                    return schema
                cls._forget_schema(schema)  # the old database's cache stays valid
            if cls.__dict__.get("abstract", False):
                raise ConfigurationError(f"{cls.__name__} is abstract: it has no table")
            db = cls._database()
            table = cls._table_key(db)
            info = db.table_info(table)
            if info is None:
                raise TableNotFound(_missing_table(cls, db, table))
            schema = ModelSchema(cls, db, info)
            schema.epoch = epoch
            for name in schema.names:
                if _accessor_allowed(cls, name):
                    kind = _MutableColumnDescriptor if name in schema.mutable \
                        else _ColumnDescriptor
                    setattr(cls, name, kind(name))
            cls._schema = schema
        return schema

    @classmethod
    def _table_key(cls, db: Database) -> str:
        # "table", or "schema.table" from a qualified table_name or a ``schema`` class
        # attribute, checked against the dialect before any SQL.
        table = cls.table_name
        schema = _declared(cls, "schema")
        if schema is not None:
            if not db.dialect.supports_schemas:
                raise ConfigurationError(
                    f"{cls.__name__}.schema = {schema!r}: {db.dialect.name} has no schemas; "
                    f"connect(url, name=...) the other database and set database = name")
            if not isinstance(schema, str) or not schema or "." in schema:
                raise ConfigurationError(
                    f"{cls.__name__}.schema = {schema!r}: give one schema name, without a dot")
            table = f"{schema}.{table}"
        db.dialect.split_table_name(table)
        return table

    @classmethod
    def _forget_schema(cls, schema: ModelSchema) -> None:
        for name in schema.names:
            if isinstance(cls.__dict__.get(name), _ColumnDescriptor):
                delattr(cls, name)
        del cls._schema

    @classmethod
    def reset_column_information(cls) -> None:
        """Forget the cached schema of this model's table (model and database caches);
        the next use introspects again. Use after changing the table."""
        with _schema_lock:
            schema = cls.__dict__.get("_schema")
            if schema is not None:
                schema.db.schema_cache.clear(schema.key)
                cls._forget_schema(schema)
            else:
                db = cls._database()
                db.schema_cache.clear(cls._table_key(db))

    @classmethod
    def _read_fresh(cls, read: Callable[Concatenate[ModelSchema, _P], _T], /,
                    *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Return ``read(schema, *args, **kwargs)`` with the model's schema: the one
        owner of the stale-schema retry of ORM-built reads (``Model.find``, loading a
        relation). When the read raises ColumnNotFound outside a transaction, the
        cached schema outlived a change of the table (Rails #24273): forget it
        (:meth:`reset_column_information`) and run ``read`` once more with the fresh
        schema. Inside a transaction, and on the second failure, the error is raised.
        """
        schema = cls._load_schema()
        try:
            return read(schema, *args, **kwargs)
        except ColumnNotFound:
            if schema.db.in_transaction:
                raise
        cls.reset_column_information()
        return read(cls._load_schema(), *args, **kwargs)


def _forget_changed_tables(event: events.SchemaChangedEvent) -> None:
    """The ``schema_changed`` subscriber: each model class whose loaded schema reads
    one of ``event.tables`` (any table when empty) of ``event.database`` (the same
    object, or another Database of the same URL) forgets it, and its database's cache
    entry, so its next use introspects the table again."""
    db, tables = event.database, set(event.tables)
    where = db.adapter.describe()
    with _schema_lock:
        stack: list[type] = list(SchemaMixin.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            schema = cls.__dict__.get("_schema")
            if schema is None or (tables and schema.key not in tables and
                                  schema.table not in tables):
                continue
            if schema.db is db or schema.db.adapter.describe() == where:
                schema.db.schema_cache.clear(schema.key)
                cls._forget_schema(schema)  # type: ignore[attr-defined]


events.subscribe(SCHEMA_CHANGED, _forget_changed_tables)


def _primary_key(model: type, info: TableInfo, names: tuple[str, ...]) -> tuple[str, ...]:
    # The model's declared primary_key (a name or names), else the table's.
    declared = next((k.__dict__["primary_key"] for k in model.__mro__
                     if "primary_key" in k.__dict__), None)
    if declared is None:
        pk = tuple(info.primary_key)
    elif isinstance(declared, str):
        pk = (declared,)
    else:
        pk = tuple(declared)
    missing = [c for c in pk if c not in names]
    if missing:
        raise ConfigurationError(
            f"{model.__name__}.primary_key names {missing}, not columns of "
            f"{info.name!r}; known columns: {', '.join(names)}")
    return pk


def _declared(cls: type, name: str):
    # A class attribute set by the user (not a column descriptor), or None.
    for klass in cls.__mro__:
        value = klass.__dict__.get(name)
        if value is not None and not isinstance(value, _ColumnDescriptor):
            return value
    return None


def _readonly_columns(model: type, names: tuple[str, ...]) -> frozenset[str]:
    # The model's ``attr_readonly`` (a name or names), checked against the table.
    declared = _declared(model, "attr_readonly") or ()
    columns = (declared,) if isinstance(declared, str) else tuple(declared)
    unknown = [c for c in columns if c not in names]
    if unknown:
        raise ConfigurationError(
            f"{model.__name__}.attr_readonly names {', '.join(map(repr, unknown))}, "
            f"which the table does not have; its columns: {', '.join(names)}")
    return frozenset(columns)


def _missing_table(cls: type, db: Database, table: str) -> str:
    msg = f"table {table!r} (for model {cls.__name__}) does not exist in {db.name}"
    if "." in table and not db.dialect.supports_schemas:
        msg += (f" ({db.dialect.name} reads a dotted name as one table name: tables of "
                f"other or attached databases are not supported; connect(url, name=...) "
                f"the other database and set database = name on the model)")
    return msg


def _defined_on(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if name in klass.__dict__ and not isinstance(klass.__dict__[name], _ColumnDescriptor):
            return True
    return False


#: Names a column accessor must never take: the record's own state (kept in the
#: instance ``__dict__``) and the class settings ModelMeta computes when undeclared.
_RESERVED = frozenset({"_attrs", "_changed_from", "_assigned", "_originals", "_new_record",
                       "_destroyed", "_schema", "table_name", "primary_key"})


def _accessor_allowed(cls: type, name: str) -> bool:
    # A column becomes an attribute unless the model (its class, a base, or the
    # metaclass: ``columns``, ``column_names``, ``c``, ``mro``...) already uses the name;
    # such a column is still ``record[name]``, ``read_attribute`` and keywords.
    meta: type = type(cls)
    return (name not in _RESERVED and not _defined_on(cls, name)
            and not any(name in k.__dict__ for k in meta.__mro__))
