"""Class-level query methods: each starts a :class:`~activerecord.relation.Relation`
(``Artist.where(...)`` is ``Artist.all().where(...)``), as Rails' ``Querying`` does.

``find`` by primary key has a fast path: its SQL is compiled once per model and reused.
"""

from __future__ import annotations

from typing import Any

from .errors import RecordNotFound
from .relation import Relation
from .sql import nodes as n

__all__ = ["QueryingMixin"]

_DELEGATED = ("where", "order", "reorder", "limit", "offset", "distinct", "none",
              "first", "last", "take", "find_by", "count", "exists", "pluck", "ids",
              "update_all", "delete_all")


def _delegate(name: str):
    def method(cls, *args, **kwargs):
        return getattr(cls.all(), name)(*args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"Shortcut for ``Model.all().{name}(...)`` (see ``Relation.{name}``)."
    return classmethod(method)


class QueryingMixin:
    """Class methods that start relations."""

    @classmethod
    def all(cls) -> Relation:
        """Return a relation over every row of the model's table."""
        return Relation(cls)

    @classmethod
    def find(cls, *keys: Any):
        """Return the record with this primary key (a tuple for a composite key), or
        a list for several keys. Raises RecordNotFound naming the table and key."""
        schema = cls._load_schema()
        if len(keys) != 1 or isinstance(keys[0], list) or len(schema.pk) != 1:
            return Relation(cls).find(*keys)
        key = keys[0]
        sql = schema.sql_cache.get("find")
        if sql is None:
            node = n.Select(schema.table_node, schema.select_columns,
                            where=n.Column(schema.pk[0]) == n.Param(None), limit=1)
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
        rows = schema.db.run(sql, params, read=True).rows
        if not rows:
            raise RecordNotFound(
                f"Couldn't find {cls.__name__} with {schema.pk[0]} = {key!r} in table "
                f"{schema.table!r}", model=cls, table=schema.table, key=key)
        return cls._instantiate(rows[0], schema)

    @classmethod
    def find_or_create_by(cls, **attrs: Any):
        """Return the first record matching ``attrs``, creating it when none does."""
        return cls.find_by(**attrs) or cls.create(**attrs)

    @classmethod
    def find_or_initialize_by(cls, **attrs: Any):
        """Return the first record matching ``attrs``, or a new unsaved one."""
        return cls.find_by(**attrs) or cls(**attrs)


for _name in _DELEGATED:
    setattr(QueryingMixin, _name, _delegate(_name))
