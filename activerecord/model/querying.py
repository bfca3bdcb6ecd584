"""Class-level query methods: each starts a :class:`~activerecord.relation.Relation`
(``Artist.where(...)`` is ``Artist.all().where(...)``), as Rails' ``Querying`` does.

``Model.all()`` applies the model's default scopes (``scoping.default_scope``);
``Model.unscoped()`` does not. ``find`` by primary key has a fast path when the model
has no default scope: its SQL is compiled once per model and reused (a stale cached
schema is refreshed once: ``SchemaMixin._read_fresh``). ``insert_all`` and
``upsert_all`` are the bulk writes of ``relation/insert_all.py``.

The class-level shortcuts (``where``, ``first``, ``count``... the names in
``_DELEGATED``) are made at import time from ``Relation``'s methods, with their
docstrings; for type checkers they are declared under ``TYPE_CHECKING`` with the
model's type (``Artist.first()`` is an ``Artist | None``, ``Artist.where(...)`` a
``Relation[Artist]``). ``tests/unit/test_model_layout.py`` keeps both lists equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, overload

from ..errors import ColumnNotFound, RecordNotFound
from ..relation import Relation
from ..relation import insert_all as _bulk
from ..relation import predicates as p
from ..sql import nodes as n
from .core import Core
from .scoping import default_scopes

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from ..relation import Batches
    from .schema import ModelSchema

__all__ = ["QueryingMixin"]

_DELEGATED = (
    # conditions and shape
    "where", "where_not", "not_", "rewhere", "unscope", "none", "order", "reorder",
    "reverse_order", "limit", "offset", "page", "distinct", "select", "reselect",
    "group", "having", "joins", "left_joins", "left_outer_joins", "preload", "includes",
    "eager_load", "references", "where_missing", "where_associated",
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


def _delegate(name: str) -> classmethod:
    def method(cls: type[QueryingMixin], /, *args: Any, **kwargs: Any) -> Any:
        return getattr(cls.all(), name)(*args, **kwargs)
    method.__name__ = name
    method.__qualname__ = f"QueryingMixin.{name}"
    method.__doc__ = (f"Shortcut for ``Model.all().{name}(...)``; see "
                      f"``Relation.{name}``:\n\n" + (getattr(Relation, name).__doc__ or ""))
    return classmethod(method)


class QueryingMixin(Core):
    """Class methods that start relations."""

    @classmethod
    def all(cls) -> Relation[Self]:
        """Return a relation over every row of the model's table, with the model's
        default scopes applied."""
        rel = Relation(cls)
        for ds in default_scopes(cls):
            rel = ds.apply(rel)
        return rel

    @classmethod
    def unscoped(cls) -> Relation[Self]:
        """Return a relation over every row, ignoring default scopes (Rails)."""
        return Relation(cls)

    @overload
    @classmethod
    def find(cls, key: list[Any], /) -> list[Self]: ...
    @overload
    @classmethod
    def find(cls, key: Any, /) -> Self: ...
    @overload
    @classmethod
    def find(cls, key: Any, other: Any, /, *keys: Any) -> list[Self]: ...

    @classmethod
    def find(cls, *keys: Any) -> Self | list[Self]:
        """Return the record with this primary key (a tuple for a composite key), or
        a list for several keys (or one list of keys); see ``Relation.find`` (a key
        that cannot be a key of the column's type, or an int beyond the database's
        integers, is not found).

        Raises RecordNotFound naming the table and key, UnknownPrimaryKey for a table
        without a primary key."""
        schema = cls._load_schema()
        if len(keys) != 1 or isinstance(keys[0], list) or len(schema.pk) != 1 \
                or default_scopes(cls):
            return cls.all().find(*keys)
        try:  # the fast path calls the read itself: _read_fresh's wrapping costs ~10%
            return cls._find_by_key(schema, keys[0])
        except ColumnNotFound:
            if schema.db.in_transaction:
                raise
        # Perhaps a stale cached schema: the one owner of the retry refreshes it once.
        return cls._read_fresh(cls._find_by_key, keys[0])

    @classmethod
    def _find_by_key(cls, schema: ModelSchema, key: Any) -> Self:
        # The fast path: one cached SELECT by a single-column key.
        cached = schema.sql_cache.get("find")
        if cached is None:
            cached = schema.sql_cache["find"] = _find_statement(schema)
        sql, params, typ, (low, high) = cached
        bound = typ.bind(key)  # None: it cannot be a key, found without SQL
        if bound is None or (type(bound) is int and not low <= bound <= high):
            if type(key) not in p.PLAIN:
                p.check_value(n.Column(schema.pk[0], schema.table), key)  # a generator...
            raise _not_found(cls, schema, key)
        params = list(params)
        params[0] = bound
        rows = schema.db.run(sql, params, read=True).rows
        if not rows:
            raise _not_found(cls, schema, key)
        return cls._instantiate(rows[0], schema)

    @classmethod
    def insert_all(cls, rows: Iterable[dict], *, on_conflict: str = "raise",
                   unique_by: Any = None, returning: Any = None,
                   record_timestamps: bool = True) -> list | None:
        """Insert many rows in multi-row statements, without building records; see
        ``activerecord.insert_all.insert_all`` (Rails' ``insert_all``)."""
        return _bulk.insert_all(cls, rows, on_conflict=on_conflict, unique_by=unique_by,
                                returning=returning, record_timestamps=record_timestamps)

    @classmethod
    def upsert_all(cls, rows: Iterable[dict], *, unique_by: Any = None,
                   update_only: Iterable[str] | None = None, returning: Any = None,
                   record_timestamps: bool = True) -> list | None:
        """Insert many rows, updating those that collide on ``unique_by``; see
        ``activerecord.insert_all.upsert_all`` (Rails' ``upsert_all``)."""
        return _bulk.upsert_all(cls, rows, unique_by=unique_by, update_only=update_only,
                                returning=returning, record_timestamps=record_timestamps)

    if TYPE_CHECKING:  # pragma: no cover - the _DELEGATED shortcuts, as type checkers see them
        # conditions and shape
        @classmethod
        def where(cls, /, *args: Any, **conds: Any) -> Relation[Self]: ...
        @classmethod
        def where_not(cls, /, *args: Any, **conds: Any) -> Relation[Self]: ...
        @classmethod
        def not_(cls, /, *args: Any, **conds: Any) -> Relation[Self]: ...
        @classmethod
        def rewhere(cls, /, *args: Any, **conds: Any) -> Relation[Self]: ...
        @classmethod
        def unscope(cls, *parts: str, where: Any = None) -> Relation[Self]: ...
        @classmethod
        def none(cls) -> Relation[Self]: ...
        @classmethod
        def order(cls, *args: Any, **columns: str) -> Relation[Self]: ...
        @classmethod
        def reorder(cls, *args: Any, **columns: str) -> Relation[Self]: ...
        @classmethod
        def reverse_order(cls) -> Relation[Self]: ...
        @classmethod
        def limit(cls, count: int | None) -> Relation[Self]: ...
        @classmethod
        def offset(cls, count: int | None) -> Relation[Self]: ...
        @classmethod
        def page(cls, number: int, per: int = 25) -> Relation[Self]: ...
        @classmethod
        def distinct(cls, value: bool = True) -> Relation[Self]: ...
        @classmethod
        def select(cls, *columns: Any) -> Relation[Self]: ...
        @classmethod
        def reselect(cls, *columns: Any) -> Relation[Self]: ...
        @classmethod
        def group(cls, *columns: Any) -> Relation[Self]: ...
        @classmethod
        def having(cls, *args: Any) -> Relation[Self]: ...
        @classmethod
        def joins(cls, target: Any, on: Any = None) -> Relation[Self]: ...
        @classmethod
        def left_joins(cls, target: Any, on: Any = None) -> Relation[Self]: ...
        @classmethod
        def left_outer_joins(cls, target: Any, on: Any = None) -> Relation[Self]: ...
        @classmethod
        def preload(cls, *paths: Any) -> Relation[Self]: ...
        @classmethod
        def includes(cls, *paths: Any) -> Relation[Self]: ...
        @classmethod
        def eager_load(cls, *paths: Any) -> Relation[Self]: ...
        @classmethod
        def references(cls, *names: str) -> Relation[Self]: ...
        @classmethod
        def where_missing(cls, *names: str) -> Relation[Self]: ...
        @classmethod
        def where_associated(cls, *names: str) -> Relation[Self]: ...

        # finders
        @overload
        @classmethod
        def first(cls, count: None = None) -> Self | None: ...
        @overload
        @classmethod
        def first(cls, count: int) -> list[Self]: ...
        @classmethod
        def first(cls, count: int | None = None) -> Self | None | list[Self]: ...
        @overload
        @classmethod
        def last(cls, count: None = None) -> Self | None: ...
        @overload
        @classmethod
        def last(cls, count: int) -> list[Self]: ...
        @classmethod
        def last(cls, count: int | None = None) -> Self | None | list[Self]: ...
        @overload
        @classmethod
        def take(cls, count: None = None) -> Self | None: ...
        @overload
        @classmethod
        def take(cls, count: int) -> list[Self]: ...
        @classmethod
        def take(cls, count: int | None = None) -> Self | None | list[Self]: ...
        @classmethod
        def sole(cls) -> Self: ...
        @classmethod
        def find_by(cls, /, *args: Any, **conds: Any) -> Self | None: ...
        @classmethod
        def find_sole_by(cls, /, *args: Any, **conds: Any) -> Self: ...

        # calculations
        @classmethod
        def count(cls, column: Any = None, *, distinct: bool = False) -> Any: ...
        @classmethod
        def sum(cls, column: Any, *, distinct: bool = False) -> Any: ...
        @classmethod
        def average(cls, column: Any, *, distinct: bool = False) -> Any: ...
        @classmethod
        def minimum(cls, column: Any) -> Any: ...
        @classmethod
        def maximum(cls, column: Any) -> Any: ...
        @classmethod
        def calculate(cls, operation: str, column: Any = None, *,
                      distinct: bool = False) -> Any: ...
        @classmethod
        def exists(cls, /, *args: Any, **conds: Any) -> bool: ...
        @classmethod
        def pluck(cls, *columns: Any) -> list: ...
        @classmethod
        def pick(cls, *columns: Any) -> Any: ...
        @classmethod
        def ids(cls) -> list: ...

        # batches
        @classmethod
        def find_each(cls, batch_size: int = 1000, **options: Any) -> Iterator[Self]: ...
        @classmethod
        def find_in_batches(cls, batch_size: int = 1000,
                            **options: Any) -> Iterator[list[Self]]: ...
        @classmethod
        def in_batches(cls, of: int = 1000, **options: Any) -> Batches: ...

        # creation through the (default-scoped) relation
        @classmethod
        def find_or_create_by(cls, /, **attrs: Any) -> Self: ...
        @classmethod
        def find_or_initialize_by(cls, /, **attrs: Any) -> Self: ...
        @classmethod
        def create_or_find_by(cls, /, **attrs: Any) -> Self: ...

        # bulk
        @classmethod
        def update_all(cls, **values: Any) -> int: ...
        @classmethod
        def delete_all(cls) -> int: ...


def _find_statement(schema: ModelSchema) -> tuple:
    """``(sql, params, key type, integer range)`` of ``Model.find``'s cached SELECT."""
    col = n.Column(schema.pk[0], schema.table)
    typ = schema.types[schema.pk[0]]
    node = n.Select(schema.table_node, schema.select_columns,
                    where=n.Binary("=", col, p.param(typ, None)), limit=1)
    sql, params = schema.db.compile(node)
    return sql, tuple(params), typ, schema.db.dialect.integer_range


def _not_found(cls: type, schema: ModelSchema, key: Any) -> RecordNotFound:
    return RecordNotFound(
        f"Couldn't find {cls.__name__} with {schema.pk[0]} = {key!r} in table "
        f"{schema.table!r}", model=cls, table=schema.table, key=key)


for _name in _DELEGATED:
    setattr(QueryingMixin, _name, _delegate(_name))
