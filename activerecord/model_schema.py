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
schema of that table (Rails' method of the same name), for use after a migration.
"""

from __future__ import annotations

import threading
from typing import Any

import inflection

from .connection.database import Database, get_database
from .errors import (ConfigurationError, MissingAttributeError, TableNotFound,
                     UnknownAttributeError)
from .sql import nodes as n

__all__ = ["ModelMeta", "ModelSchema", "ColumnAccessor", "Column"]

_schema_lock = threading.RLock()


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

    def __init__(self, model: type, db: Database, info):
        self.db = db
        self.info = info
        self.table = info.name
        self.table_node = n.Table(info.name)
        declared = next((k.__dict__["primary_key"] for k in model.__mro__
                         if "primary_key" in k.__dict__), None)
        if declared is None:
            pk = tuple(info.primary_key)
        elif isinstance(declared, str):
            pk = (declared,)
        else:
            pk = tuple(declared)
        names = tuple(c.name for c in info.columns)
        missing = [c for c in pk if c not in names]
        if missing:
            raise ConfigurationError(
                f"{model.__name__}.primary_key names {missing}, not columns of "
                f"{info.name!r}; known columns: {', '.join(names)}")
        self.pk = pk
        self.names = names
        self.name_set = frozenset(names)
        self.types = {c.name: db.adapter.type_for(c) for c in info.columns}
        self.columns = {c.name: Column(c, self.types[c.name], c.name in pk) for c in info.columns}
        self.loaders = tuple((i, name, self.types[name].deserialize)
                             for i, name in enumerate(names)
                             if self.types[name].needs_deserialize)
        # Table-qualified: SQLite reads an unknown "name" as a string literal
        # (https://www.sqlite.org/quirks.html#dblquote), "t"."name" is an error.
        self.select_columns = tuple(n.Column(c, info.name) for c in names)
        self.defaults = {c.name: self.types[c.name].cast(c.default)
                         if c.default is not None else None for c in info.columns}
        # Columns whose default the database computes (CURRENT_TIMESTAMP, nextval...):
        # without RETURNING they are read back after an INSERT.
        self.db_computed = tuple(c.name for c in info.columns
                                 if c.default is None and (c.default_sql or c.auto_increment))
        self.timestamps = tuple(c for c in ("created_at", "updated_at") if c in self.name_set)
        self.sql_cache: dict = {}

    def unknown(self, model: type, name: str) -> UnknownAttributeError:
        """Return the error for an unknown column ``name`` (it lists the known ones)."""
        return UnknownAttributeError(model.__name__, name, list(self.names))


class ColumnAccessor:
    """``Model.c``: column expressions for conditions, e.g. ``Artist.c.Name == "x"``.

    ``Model.c.Name`` raises UnknownAttributeError for a name that is not a column.
    """

    def __init__(self, model: type):
        self._model = model

    def __getattr__(self, name: str) -> n.Column:
        schema = self._model._load_schema()
        if name not in schema.name_set:
            raise schema.unknown(self._model, name)
        return n.Column(name, schema.table)

    __getitem__ = __getattr__


class _ColumnDescriptor:
    """Reads and writes one column of a record (installed on the model at schema load
    for each column that does not clash with a name the class already defines)."""

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


class ModelMeta(type):
    """Metaclass of ``Model``: class-level ``columns``, ``column_names``, ``c`` and the
    defaults of ``table_name`` and ``primary_key``; nothing is loaded at class creation."""

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


class SchemaMixin:
    """Class methods that load, expose and reset a model's schema."""

    database: Database | str | None = None

    @classmethod
    def _database(cls) -> Database:
        db = cls.database
        if db is None or isinstance(db, str):
            return get_database(db)
        return db

    @classmethod
    def _load_schema(cls) -> ModelSchema:
        schema = cls.__dict__.get("_schema")
        if schema is not None:
            return schema
        with _schema_lock:
            schema = cls.__dict__.get("_schema")
            if schema is None:
                if cls.__dict__.get("abstract", False):
                    raise ConfigurationError(f"{cls.__name__} is abstract: it has no table")
                db = cls._database()
                table = cls.table_name
                info = db.table_info(table)
                if info is None:
                    raise TableNotFound(
                        f"table {table!r} (for model {cls.__name__}) does not exist in "
                        f"{db.name}")
                schema = ModelSchema(cls, db, info)
                for name in schema.names:
                    if not _defined_on(cls, name):
                        setattr(cls, name, _ColumnDescriptor(name))
                cls._schema = schema
        return schema

    @classmethod
    def reset_column_information(cls) -> None:
        """Forget the cached schema of this model's table (model and database caches);
        the next use introspects again. Use after changing the table."""
        with _schema_lock:
            schema = cls.__dict__.get("_schema")
            if schema is not None:
                schema.db.schema_cache.clear(schema.table)
                for name in schema.names:
                    if isinstance(cls.__dict__.get(name), _ColumnDescriptor):
                        delattr(cls, name)
                del cls._schema
            else:
                cls._database().schema_cache.clear(cls.table_name)


def _defined_on(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if name in klass.__dict__ and not isinstance(klass.__dict__[name], _ColumnDescriptor):
            return True
    return False
