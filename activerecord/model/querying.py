"""Class-level query methods: each starts a :class:`~activerecord.relation.Relation`
(``Artist.where(...)`` is ``Artist.all().where(...)``), as Rails' ``Querying`` does.

``Model.all()`` applies the model's default scopes (``scoping.default_scope``);
``Model.unscoped()`` does not. ``find`` by primary key has a fast path when the model
has no default scope: its SQL is compiled once per model and reused. ``insert_all`` and
``upsert_all`` are the bulk writes of ``insert_all.py``.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..relation import insert_all as _bulk
from ..relation import predicates as p
from ..errors import ColumnNotFound, RecordNotFound
from ..relation import Relation
from .scoping import default_scopes
from ..sql import nodes as n

__all__ = ["QueryingMixin"]

_DELEGATED = (
    # conditions and shape
    "where", "where_not", "not_", "rewhere", "unscope", "none", "order", "reorder",
    "reverse_order", "limit", "offset", "page", "distinct", "select", "reselect",
    "group", "having", "joins", "left_joins", "left_outer_joins",
    # finders
    "first", "last", "take", "sole", "find_by", "find_sole_by",
    # calculations
    "count", "sum", "average", "minimum", "maximum", "calculate", "exists", "pluck",
    "pick", "ids",
    # batches
    "find_each", "find_in_batches", "in_batches",
    # creation through the (default-scoped) relation
    "find_or_create_by", "find_or_initialize_by", "create_or_find_by",
    # bulk
    "update_all", "delete_all",
)


def _delegate(name: str):
    def method(cls, /, *args, **kwargs):
        return getattr(cls.all(), name)(*args, **kwargs)
    method.__name__ = name
    method.__qualname__ = f"QueryingMixin.{name}"
    method.__doc__ = (f"Shortcut for ``Model.all().{name}(...)``; see "
                      f"``Relation.{name}``:\n\n" + (getattr(Relation, name).__doc__ or ""))
    return classmethod(method)


class QueryingMixin:
    """Class methods that start relations."""

    @classmethod
    def all(cls) -> Relation:
        """Return a relation over every row of the model's table, with the model's
        default scopes applied."""
        rel = Relation(cls)
        for ds in default_scopes(cls):
            rel = ds.apply(rel)
        return rel

    @classmethod
    def unscoped(cls) -> Relation:
        """Return a relation over every row, ignoring default scopes (Rails)."""
        return Relation(cls)

    @classmethod
    def find(cls, *keys: Any):
        """Return the record with this primary key (a tuple for a composite key), or
        a list for several keys; see ``Relation.find`` (a key that cannot be a key of
        the column's type, or an int beyond the database's integers, is not found).

        Raises RecordNotFound naming the table and key, UnknownPrimaryKey for a table
        without a primary key."""
        schema = cls._load_schema()
        if len(keys) != 1 or isinstance(keys[0], list) or len(schema.pk) != 1 \
                or default_scopes(cls):
            return cls.all().find(*keys)
        key = keys[0]
        cached = schema.sql_cache.get("find")
        if cached is None:
            cached = schema.sql_cache["find"] = _find_statement(schema)
        sql, params, typ, (low, high) = cached
        try:
            bound = typ.serialize(typ.cast(key))
        except p.CAST_ERRORS:
            if type(key) not in p.PLAIN:
                p.check_value(n.Column(schema.pk[0], schema.table), key)  # a generator...
            bound = None  # it cannot be a key: not found, without SQL
        if bound is None or (type(bound) is int and not low <= bound <= high):
            raise _not_found(cls, schema, key)
        params = list(params)
        params[0] = bound
        try:
            rows = schema.db.run(sql, params, read=True).rows
        except ColumnNotFound:
            if schema.db.in_transaction:
                raise
            cls.reset_column_information()  # stale cached schema: refresh once
            return Relation(cls).find(key)
        if not rows:
            raise _not_found(cls, schema, key)
        return cls._instantiate(rows[0], schema)

    @classmethod
    def insert_all(cls, rows: Iterable[dict], *, on_conflict: str = "raise",
                   unique_by: Any = None, returning: Any = None,
                   record_timestamps: bool = True):
        """Insert many rows in multi-row statements, without building records; see
        ``activerecord.insert_all.insert_all`` (Rails' ``insert_all``)."""
        return _bulk.insert_all(cls, rows, on_conflict=on_conflict, unique_by=unique_by,
                                returning=returning, record_timestamps=record_timestamps)

    @classmethod
    def upsert_all(cls, rows: Iterable[dict], *, unique_by: Any = None,
                   update_only: Iterable[str] | None = None, returning: Any = None,
                   record_timestamps: bool = True):
        """Insert many rows, updating those that collide on ``unique_by``; see
        ``activerecord.insert_all.upsert_all`` (Rails' ``upsert_all``)."""
        return _bulk.upsert_all(cls, rows, unique_by=unique_by, update_only=update_only,
                                returning=returning, record_timestamps=record_timestamps)


def _find_statement(schema) -> tuple:
    """``(sql, params, key type, integer range)`` of ``Model.find``'s cached SELECT."""
    col = n.Column(schema.pk[0], schema.table)
    typ = schema.types[schema.pk[0]]
    node = n.Select(schema.table_node, schema.select_columns,
                    where=n.Binary("=", col, p.param(typ, None)), limit=1)
    sql, params = schema.db.compile(node)
    return sql, tuple(params), typ, schema.db.dialect.integer_range


def _not_found(cls, schema, key) -> RecordNotFound:
    return RecordNotFound(
        f"Couldn't find {cls.__name__} with {schema.pk[0]} = {key!r} in table "
        f"{schema.table!r}", model=cls, table=schema.table, key=key)


for _name in _DELEGATED:
    setattr(QueryingMixin, _name, _delegate(_name))
