"""Class-level query methods: each starts a :class:`~activerecord.relation.Relation`
(``Artist.where(...)`` is ``Artist.all().where(...)``), as Rails' ``Querying`` does.

``Model.all()`` applies the model's default scopes (``scoping.default_scope``);
``Model.unscoped()`` does not. ``find`` by primary key has a fast path when the model
has no default scope: its SQL is compiled once per model and reused. ``insert_all`` and
``upsert_all`` are the bulk writes of ``insert_all.py``.
"""

from __future__ import annotations

from typing import Any, Iterable

from . import insert_all as _bulk
from .errors import ColumnNotFound, RecordNotFound
from .relation import Relation
from .scoping import default_scopes
from .sql import nodes as n

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
    def method(cls, *args, **kwargs):
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
        a list for several keys. Raises RecordNotFound naming the table and key."""
        schema = cls._load_schema()
        if len(keys) != 1 or isinstance(keys[0], list) or len(schema.pk) != 1 \
                or default_scopes(cls):
            return cls.all().find(*keys)
        key = keys[0]
        sql = schema.sql_cache.get("find")
        if sql is None:
            node = n.Select(schema.table_node, schema.select_columns,
                            where=n.Column(schema.pk[0], schema.table) == n.Param(None),
                            limit=1)
            sql, params = schema.db.compile(node)
            schema.sql_cache["find_params"] = params
            sql = schema.sql_cache["find"] = sql
        typ = schema.types[schema.pk[0]]
        try:
            bound = typ.serialize(typ.cast(key))
        except (TypeError, ValueError):
            bound = key
        params = list(schema.sql_cache["find_params"])
        params[0] = bound
        try:
            rows = schema.db.run(sql, params, read=True).rows
        except ColumnNotFound:
            if schema.db.in_transaction:
                raise
            cls.reset_column_information()  # stale cached schema: refresh once
            return Relation(cls).find(key)
        if not rows:
            raise RecordNotFound(
                f"Couldn't find {cls.__name__} with {schema.pk[0]} = {key!r} in table "
                f"{schema.table!r}", model=cls, table=schema.table, key=key)
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


for _name in _DELEGATED:
    setattr(QueryingMixin, _name, _delegate(_name))
