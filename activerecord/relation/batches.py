"""Batches over a Relation: ``find_each``, ``find_in_batches``, ``in_batches``
(Rails' ``Batches``).

Each batch is one query keyed on the primary key (keyset pagination, never OFFSET):
``WHERE <relation's conditions> AND pk > <last key of the previous batch> ORDER BY pk
LIMIT <batch size>``, so every batch costs the same, rows added or deleted between
batches are not skipped twice, and memory holds one batch at a time whatever the table
size. A composite key is compared column by column
(``a > ? OR (a = ? AND b > ?)``), which every database can use an index for.

As in Rails, the relation's own order is replaced by the key order (``order="desc"``
walks backwards), a ``limit`` caps the total number of records, and ``offset`` is
refused (use ``start=``).

``cursor=`` (alias ``key=``) batches by other columns than the primary key, as Rails
7.1's ``cursor:`` does: a column name or a tuple of names (a table without a key, a
view). Rails requires the cursor to be "unique and orderable" and trusts the caller;
here it is checked against the catalog before any SQL, because a cursor value shared by
rows on both sides of a batch boundary skips rows (or, with ``in_batches`` and a
``limit``, writes rows beyond it), and a NULL is never ``>`` anything: every cursor
column must be NOT NULL (a primary key column counts as NOT NULL), and the cursor's
columns must include all the columns of the primary key (the table's or the model's
declared ``primary_key``) or of a unique index that is not partial (a superset is
unique too: ``("created_at", "id")``). A view has no indexes and reports its columns
nullable: declare its ``primary_key`` on the model, or pass ``assume_unique=True`` to
vouch for the cursor yourself (then a non-unique or NULL cursor skips rows, as in
Rails). A table without a primary key and no ``cursor`` raises ``UnknownPrimaryKey``
before any SQL. ``in_batches`` reads each batch's keys and then
selects ``key IN (...)`` (row values for several columns), so ``of`` keys must fit one
statement (``features.max_parameters``), else ValueError.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic

from ..sql import nodes as n
from . import predicates as p
from .contract import M, TableSchema
from .core import RelationCore

__all__ = ["BatchMethods", "Batches"]


class BatchMethods(RelationCore[M]):
    """Batch iteration of a :class:`~activerecord.relation.Relation`."""

    __slots__ = ()

    def find_each(self, batch_size: int = 1000, *, start: Any = None, finish: Any = None,
                  order: str = "asc", cursor: Any = None, key: Any = None,
                  assume_unique: bool = False) -> Iterator[M]:
        """Yield every matching record, loading ``batch_size`` at a time in primary
        key order (from ``start``, up to ``finish``, inclusive). See the module doc.

        ``cursor`` (alias ``key``): the column, or tuple of columns, to batch by
        instead of the primary key (Rails 7.1's ``cursor:``), for a view or a table
        without a key. It must be unique and NOT NULL, as the catalog shows (see the
        module doc): rows sharing a cursor value with the last row of a batch would be
        skipped. ``assume_unique=True`` skips that check (a view's cursor).

        Raises:
            ValueError: a relation with an offset, a batch size below 1, an order
                other than asc/desc, a custom select without the cursor columns, a
                cursor not proven unique and NOT NULL (naming what is missing).
            UnknownPrimaryKey: no primary key and no ``cursor``.
            UnknownAttributeError: a cursor name that is not a column.
        """
        for batch in self.find_in_batches(batch_size, start=start, finish=finish,
                                          order=order, cursor=cursor, key=key,
                                          assume_unique=assume_unique):
            yield from batch

    def find_in_batches(self, batch_size: int = 1000, *, start: Any = None,
                        finish: Any = None, order: str = "asc", cursor: Any = None,
                        key: Any = None,
                        assume_unique: bool = False) -> Iterator[list[M]]:
        """Yield the matching records as lists of at most ``batch_size`` (see
        :meth:`find_each`)."""
        base, remaining, cols = self._batch_base(batch_size, start, finish, order,
                                                 _cursor_arg(cursor, key), assume_unique)
        last = None
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)
            rel = base if last is None else base._and(_after(base, last, order, cols))
            records = rel.limit(size).to_list()
            if not records:
                return
            yield records
            if remaining is not None:
                remaining -= len(records)
            if len(records) < size:
                return
            tail: Any = records[-1]  # a model instance: its loaded values
            last = tuple(tail._attrs[c] for c in cols)

    def in_batches(self, of: int = 1000, *, start: Any = None, finish: Any = None,
                   order: str = "asc", cursor: Any = None, key: Any = None,
                   assume_unique: bool = False) -> Batches[M]:
        """Return an iterable of relations, each over at most ``of`` rows (their keys
        are read first, as Rails' ``in_batches``): ``for batch in
        Track.in_batches(of=500): batch.update_all(...)``. The result also has
        ``update_all``, ``delete_all`` and ``each_record`` that work batch by batch.
        ``cursor``/``key``/``assume_unique`` as :meth:`find_each`.

        Raises what :meth:`find_each` raises, and ValueError when ``of`` keys do not
        fit one statement (``features.max_parameters``)."""
        base, remaining, cols = self._batch_base(of, start, finish, order,
                                                 _cursor_arg(cursor, key), assume_unique)
        db = self._schema().db
        limit = db.features.max_parameters
        room = limit - len(db.compile(self.to_select_node())[1])
        if of * len(cols) > room:  # each batch is this relation AND key IN (of keys)
            raise ValueError(f"in_batches(of={of}) would send {of * len(cols)} key values "
                             f"in one statement, beyond the {limit} parameters the database "
                             f"takes: use of <= {max(1, room // len(cols))}")
        return Batches(self, base, of, remaining, order, cols)

    def _batch_base(self, size: int, start: Any, finish: Any, order: str, cursor: Any,
                    assume_unique: bool = False
                    ) -> tuple[RelationCore[M], int | None, tuple[str, ...]]:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"batch size must be a positive int, not {size!r}")
        if order not in ("asc", "desc"):
            raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
        if self._offset:
            raise ValueError("batches cannot start at an offset; use start= (a key)")
        schema = self._schema()
        cols = self._batch_columns(cursor, assume_unique)
        if self._select and not all(any(isinstance(c, n.Column) and c.name == k
                                        for c in self._select) for k in cols):
            raise ValueError(f"a relation iterated in batches must select its "
                             f"{'primary key' if cursor is None else 'cursor'} "
                             f"({', '.join(cols)})")
        if (start is not None or finish is not None) and len(cols) != 1:
            raise ValueError("start=/finish= need a single-column primary key (or cursor)")
        keys = tuple(n.Column(c, schema.table) for c in cols)
        direction = order.upper()
        base = self._clone(_order=tuple(n.Ordering(k, direction) for k in keys),
                           _limit=None)
        low, high = (start, finish) if order == "asc" else (finish, start)
        typ, limits = schema.types[cols[0]], schema.db.dialect.integer_range
        if low is not None:
            base = base._and(p.compare(">=", keys[0], low, typ, limits))
        if high is not None:
            base = base._and(p.compare("<=", keys[0], high, typ, limits))
        return base, self._limit, cols

    def _batch_columns(self, cursor: Any, assume_unique: bool = False) -> tuple[str, ...]:
        """The columns batches are keyed on: ``cursor``'s (checked unique and NOT NULL
        unless ``assume_unique``), else the primary key."""
        if cursor is None:
            return self._key_columns("batches (find_each, find_in_batches, in_batches)",
                                     "pass cursor=\"col\" (a unique, NOT NULL column or "
                                     "tuple of columns), or declare primary_key")
        names = (cursor,) if isinstance(cursor, str) else cursor
        if not isinstance(names, (tuple, list)) or not names \
                or not all(isinstance(c, str) for c in names):
            raise TypeError(f"cursor= takes a column name or a tuple of names, not {cursor!r}")
        schema = self._schema()
        for name in names:
            schema.column(self.model, name)  # UnknownAttributeError for a non-column
        if len(set(names)) != len(names):
            raise ValueError(f"cursor= names a column twice: {names!r}")
        if not assume_unique:
            _check_cursor(schema, tuple(names))
        return tuple(names)


def _check_cursor(schema: TableSchema, names: tuple[str, ...]) -> None:
    """Raise ValueError unless the catalog proves ``names`` unique and NOT NULL: each
    column NOT NULL or in the primary key, and the columns include all those of the
    primary key (the table's or the model's declared one) or of a unique index that is
    not partial (its rows outside the index's WHERE may repeat)."""
    info = schema.info
    key_cols = set(schema.pk) | set(info.primary_key)
    keys = [k for k in (tuple(schema.pk), tuple(info.primary_key)) if k]
    keys += [tuple(i.columns) for i in info.indexes  # not over expressions
             if i.unique and not i.partial and all(c in schema.columns for c in i.columns)]
    nullable = [c for c in names if schema.columns[c].nullable and c not in key_cols]
    covered = any(set(k) <= set(names) for k in dict.fromkeys(keys))
    if covered and not nullable:
        return
    missing = []
    if nullable:
        missing.append(f"{', '.join(nullable)} {'is' if len(nullable) == 1 else 'are'} "
                       "nullable")
    if not covered:
        known = "; ".join(f"({', '.join(k)})" for k in dict.fromkeys(keys)) or "none"
        missing.append(f"the cursor includes no primary key or unique index of "
                       f"{schema.table!r} (it has: {known})")
    raise ValueError(
        f"batches by cursor={names if len(names) > 1 else names[0]!r} need a unique, "
        f"NOT NULL cursor (rows sharing a value at a batch boundary would be skipped or "
        f"written twice): {'; '.join(missing)}. Give NOT NULL columns that include the "
        "primary key or a unique index, or pass assume_unique=True if you know the "
        "cursor to be unique and NOT NULL (a view)")


def _cursor_arg(cursor: Any, key: Any) -> Any:
    if cursor is not None and key is not None:
        raise TypeError("give cursor= or its alias key=, not both")
    return key if cursor is None else cursor


def _after(rel: RelationCore[Any], last: tuple, order: str,
           cols: tuple[str, ...] | None = None) -> n.Node:
    """``key > last`` (``<`` descending), column by column for a composite key;
    ``cols`` are the key columns (default: the primary key)."""
    schema = rel._schema()
    op = ">" if order == "asc" else "<"
    keys = [(n.Column(c, schema.table), schema.types[c]) for c in (cols or schema.pk)]
    values = [typ.serialize(v) for (_c, typ), v in zip(keys, last)]
    alternatives = []
    for i, (col, _typ) in enumerate(keys):
        equal = [keys[j][0] == n.Param(values[j]) for j in range(i)]
        alternatives.append(n.and_(*equal, n.Binary(op, col, n.Param(values[i]))))
    return n.or_(*alternatives)


class Batches(Generic[M]):
    """What :meth:`BatchMethods.in_batches` returns: iterate it for one relation per
    batch, or call a bulk method that runs batch by batch."""

    def __init__(self, relation: RelationCore[M], base: RelationCore[M], size: int,
                 remaining: int | None, order: str,
                 cols: tuple[str, ...] | None = None) -> None:
        self._relation = relation
        self._base = base
        self._size = size
        self._remaining = remaining
        self._order = order
        self._cols = cols or base._schema().pk

    def __iter__(self) -> Iterator[RelationCore[M]]:
        schema = self._base._schema()
        cols = self._cols
        remaining, last = self._remaining, None
        while remaining is None or remaining > 0:
            size = self._size if remaining is None else min(self._size, remaining)
            rel = self._base if last is None else \
                self._base._and(_after(self._base, last, self._order, cols))
            found = rel.limit(size).pluck(*cols)
            if not found:
                return
            rows = [k if len(cols) > 1 else (k,) for k in found]
            yield self._batch(schema, rows)
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return
            last = rows[-1]

    def _batch(self, schema: TableSchema, rows: list[tuple]) -> RelationCore[M]:
        rel = self._relation.unscope("limit", "offset")
        cols = self._cols
        if len(cols) == 1:
            return rel.where(**{cols[0]: [r[0] for r in rows]})
        types = [schema.types[c] for c in cols]
        bound = [tuple(typ.serialize(v) for typ, v in zip(types, r)) for r in rows]
        return rel._and(schema.rows_in(cols, bound))  # typed VALUES rows on PostgreSQL

    def update_all(self, /, **values: Any) -> int:
        """Run ``update_all(**values)`` on each batch; return the total rows matched."""
        return sum(batch.update_all(**values) for batch in self)

    def delete_all(self) -> int:
        """Run ``delete_all()`` on each batch; return the total rows deleted."""
        return sum(batch.delete_all() for batch in self)

    def each_record(self) -> Iterator[M]:
        """Yield every record, batch by batch."""
        for batch in self:
            yield from batch
