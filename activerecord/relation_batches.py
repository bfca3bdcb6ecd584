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
"""

from __future__ import annotations

from typing import Any, Iterator

from .sql import nodes as n

__all__ = ["BatchesMixin", "Batches"]


class BatchesMixin:
    """Batch iteration of a :class:`~activerecord.relation.Relation`."""

    __slots__ = ()

    def find_each(self, batch_size: int = 1000, *, start: Any = None, finish: Any = None,
                  order: str = "asc") -> Iterator:
        """Yield every matching record, loading ``batch_size`` at a time in primary
        key order (from ``start``, up to ``finish``, inclusive). See the module doc.

        Raises ValueError for a relation with an offset, a batch size below 1, an
        order other than asc/desc, or a custom select without the primary key.
        """
        for batch in self.find_in_batches(batch_size, start=start, finish=finish,
                                          order=order):
            yield from batch

    def find_in_batches(self, batch_size: int = 1000, *, start: Any = None,
                        finish: Any = None, order: str = "asc") -> Iterator[list]:
        """Yield the matching records as lists of at most ``batch_size`` (see
        :meth:`find_each`)."""
        base, remaining = self._batch_base(batch_size, start, finish, order)
        pk = self._schema().pk
        last = None
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)
            rel = base if last is None else base.where(_after(base, last, order))
            records = rel.limit(size).to_list()
            if not records:
                return
            yield records
            if remaining is not None:
                remaining -= len(records)
            if len(records) < size:
                return
            last = tuple(records[-1]._attrs[c] for c in pk)

    def in_batches(self, of: int = 1000, *, start: Any = None, finish: Any = None,
                   order: str = "asc") -> "Batches":
        """Return an iterable of relations, each over at most ``of`` rows (their keys
        are read first, as Rails' ``in_batches``): ``for batch in
        Track.in_batches(of=500): batch.update_all(...)``. The result also has
        ``update_all``, ``delete_all`` and ``each_record`` that work batch by batch."""
        base, remaining = self._batch_base(of, start, finish, order)
        return Batches(self, base, of, remaining, order)

    def _batch_base(self, size, start, finish, order):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"batch size must be a positive int, not {size!r}")
        if order not in ("asc", "desc"):
            raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
        if self._offset:
            raise ValueError("batches cannot start at an offset; use start= (a key)")
        schema = self._schema()
        if self._select and not all(any(isinstance(c, n.Column) and c.name == k
                                        for c in self._select) for k in schema.pk):
            raise ValueError("a relation iterated in batches must select its primary key")
        if (start is not None or finish is not None) and len(schema.pk) != 1:
            raise ValueError("start=/finish= need a single-column primary key")
        keys = tuple(n.Column(c, schema.table) for c in schema.pk)
        direction = order.upper()
        base = self._clone(_order=tuple(n.Ordering(k, direction) for k in keys),
                           _limit=None)
        low, high = (start, finish) if order == "asc" else (finish, start)
        typ = schema.types[schema.pk[0]]
        if low is not None:
            base = base.where(keys[0] >= n.Param(typ.serialize(typ.cast(low))))
        if high is not None:
            base = base.where(keys[0] <= n.Param(typ.serialize(typ.cast(high))))
        return base, self._limit


def _after(rel, last: tuple, order: str) -> n.Node:
    """``key > last`` (``<`` descending), column by column for a composite key."""
    schema = rel._schema()
    op = ">" if order == "asc" else "<"
    cols = [(n.Column(c, schema.table), schema.types[c]) for c in schema.pk]
    values = [typ.serialize(v) for (_c, typ), v in zip(cols, last)]
    alternatives = []
    for i, (col, _typ) in enumerate(cols):
        equal = [cols[j][0] == n.Param(values[j]) for j in range(i)]
        alternatives.append(n.and_(*equal, n.Binary(op, col, n.Param(values[i]))))
    return n.or_(*alternatives)


class Batches:
    """What :meth:`BatchesMixin.in_batches` returns: iterate it for one relation per
    batch, or call a bulk method that runs batch by batch."""

    def __init__(self, relation, base, size: int, remaining: int | None, order: str):
        self._relation = relation
        self._base = base
        self._size = size
        self._remaining = remaining
        self._order = order

    def __iter__(self) -> Iterator:
        schema = self._base._schema()
        pk = schema.pk
        remaining, last = self._remaining, None
        while remaining is None or remaining > 0:
            size = self._size if remaining is None else min(self._size, remaining)
            rel = self._base if last is None else \
                self._base.where(_after(self._base, last, self._order))
            found = rel.limit(size).pluck(*pk)
            if not found:
                return
            rows = [k if len(pk) > 1 else (k,) for k in found]
            yield self._batch(schema, rows)
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return
            last = rows[-1]

    def _batch(self, schema, rows):
        rel = self._relation.unscope("limit", "offset")
        if len(schema.pk) == 1:
            return rel.where(**{schema.pk[0]: [r[0] for r in rows]})
        alts = [n.and_(*(n.Column(c, schema.table) == n.Param(schema.types[c].serialize(v))
                         for c, v in zip(schema.pk, r))) for r in rows]
        return rel.where(n.or_(*alts))

    def update_all(self, **values: Any) -> int:
        """Run ``update_all(**values)`` on each batch; return the total rows matched."""
        return sum(batch.update_all(**values) for batch in self)

    def delete_all(self) -> int:
        """Run ``delete_all()`` on each batch; return the total rows deleted."""
        return sum(batch.delete_all() for batch in self)

    def each_record(self) -> Iterator:
        """Yield every record, batch by batch."""
        for batch in self:
            yield from batch
