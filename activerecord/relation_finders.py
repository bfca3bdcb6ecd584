"""Finders and creation through a Relation: ``first``, ``last``, ``take``, ``sole``,
``find``, ``find_by``, ``find_sole_by``, and ``new``/``create``/``find_or_create_by``/
``find_or_initialize_by``/``create_or_find_by`` (Rails' ``FinderMethods`` and the
creation methods of ``Relation``).

``first``/``last`` order by the primary key when the relation has no order (Rails);
``take`` imposes none. Records created through a relation get its ``column=value``
conditions (``Artist.where(country="UK").create(name="Blur")``), Rails'
``scope_for_create``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import predicates as p
from .errors import RecordNotFound, RecordNotUnique, SoleRecordExceeded
from .sql import nodes as n

if TYPE_CHECKING:  # pragma: no cover
    from .relation import Relation

__all__ = ["FinderMethods"]

_NOVALUE = object()


class FinderMethods:
    """Finders and scoped creation of a :class:`~activerecord.relation.Relation`."""

    __slots__ = ()

    # -- finders -------------------------------------------------------------------
    def _ordered_by_key(self) -> "Relation":
        if self._order:
            return self
        schema = self._schema()
        return self._clone(_order=tuple(n.Ordering(n.Column(c, schema.table))
                                        for c in schema.pk))

    def first(self, count: int | None = None):
        """Return the first record by the relation's order (by primary key when it
        has none), or ``None``; with ``count``, a list of up to that many."""
        rel = self._ordered_by_key()
        want = 1 if count is None else _nonneg("count", count)
        if self._limit is not None:
            want = min(want, self._limit)
        found = rel.limit(want).to_list()
        if count is None:
            return found[0] if found else None
        return found

    def last(self, count: int | None = None):
        """Return the last record (the order reversed), or ``None``; with ``count``, a
        list of the last ``count`` records in the relation's order."""
        if self._limit is not None or self._offset:
            records = self._ordered_by_key().to_list()
            if count is None:
                return records[-1] if records else None
            return records[len(records) - _nonneg("count", count):] if count else []
        rev = self.reverse_order()
        if count is None:
            found = rev.limit(1).to_list()
            return found[0] if found else None
        return list(reversed(rev.limit(_nonneg("count", count)).to_list()))

    def take(self, count: int | None = None):
        """Return a record (no ordering imposed), or ``None``; with ``count``, a list."""
        if count is None:
            found = self.limit(1 if self._limit is None else min(1, self._limit)).to_list()
            return found[0] if found else None
        want = _nonneg("count", count)
        return self.limit(want if self._limit is None else min(want, self._limit)).to_list()

    def sole(self):
        """Return the one matching record (Rails' ``sole``).

        Raises:
            RecordNotFound: no row matches.
            SoleRecordExceeded: more than one row matches.
        """
        found = self.limit(2).to_list()
        if not found:
            schema = self._schema()
            raise RecordNotFound(f"no {self.model.__name__} matches {self.to_sql()}",
                                 model=self.model, table=schema.table)
        if len(found) > 1:
            raise SoleRecordExceeded(f"more than one {self.model.__name__} matches "
                                     f"{self.to_sql()}", model=self.model)
        return found[0]

    def find_by(self, *args: Any, **conds: Any):
        """Return the first record matching the conditions (as :meth:`where`), or None."""
        found = self.where(*args, **conds).limit(1).to_list()
        return found[0] if found else None

    def find_sole_by(self, *args: Any, **conds: Any):
        """Return the one record matching the conditions; raises as :meth:`sole`."""
        return self.where(*args, **conds).sole()

    def find(self, *keys: Any):
        """Return the record with primary key ``keys[0]``, or a list for several keys
        (or one list); a composite key is given as a tuple.

        Raises:
            RecordNotFound: a key has no row; the message names the table and key.
        """
        schema = self._schema()
        many = len(keys) != 1 or isinstance(keys[0], list)
        wanted = list(keys[0]) if len(keys) == 1 and isinstance(keys[0], list) else list(keys)
        if not wanted:
            raise RecordNotFound(f"find() needs a key for {self.model.__name__}",
                                 model=self.model, table=schema.table)
        rel = self.where(n.or_(*(_key_condition(schema, k) for k in wanted)))
        found = {r._identity(): r for r in rel.limit(None).offset(None)}
        missing = [k for k in wanted if _norm_key(schema, k) not in found]
        if missing:
            key = missing[0] if len(missing) == 1 else missing
            raise RecordNotFound(
                f"Couldn't find {self.model.__name__} with {_pk_text(schema)} = {key!r} "
                f"in table {schema.table!r}", model=self.model, table=schema.table, key=key)
        records = [found[_norm_key(schema, k)] for k in wanted]
        return records if many else records[0]

    # -- creating through a relation -----------------------------------------------
    def scope_attributes(self) -> dict:
        """The ``column=value`` equalities of this relation's conditions: what
        :meth:`new` and :meth:`create` assign (Rails' ``scope_for_create``)."""
        return {next(iter(c.columns)): c.value for c in self._where
                if c.value is not _NOVALUE}

    def new(self, **attrs: Any):
        """Return a new, unsaved record with the relation's equality conditions and
        ``attrs`` assigned: ``Artist.where(country="UK").new(name="Blur")``."""
        return self.model(**{**self.scope_attributes(), **attrs})

    build = new

    def create(self, **attrs: Any):
        """Like :meth:`new`, then save; return the record (errors as ``save``)."""
        record = self.new(**attrs)
        record.save()
        return record

    def find_or_create_by(self, **attrs: Any):
        """Return the first record matching ``attrs``, creating it when none does.
        Not race-safe (two callers may both create): see :meth:`create_or_find_by`."""
        return self.find_by(**attrs) or self.create(**attrs)

    def find_or_initialize_by(self, **attrs: Any):
        """Return the first record matching ``attrs``, or a new unsaved one."""
        return self.find_by(**attrs) or self.new(**attrs)

    def create_or_find_by(self, **attrs: Any):
        """Create a record with ``attrs``; if a unique constraint rejects it, return
        the existing row that matches ``attrs`` instead (Rails' ``create_or_find_by``).
        Race-safe when ``attrs`` cover a unique key: the INSERT runs in a savepoint, so
        the caller's transaction survives the collision.

        Raises RecordNotUnique when the row that collided does not match ``attrs``,
        and what ``save`` raises otherwise.
        """
        db = self._schema().db
        try:
            with db.transaction(requires_new=True):
                return self.create(**attrs)
        except RecordNotUnique:
            found = self.find_by(**attrs)
            if found is None:
                raise
            return found


def _key_condition(schema, key) -> n.Node:
    pk = schema.pk
    if len(pk) == 1:
        return n.Column(pk[0], schema.table) == n.Param(p._bind(schema.types[pk[0]], key))
    if not isinstance(key, (tuple, list)) or len(key) != len(pk):
        raise ValueError(f"{schema.table} has the composite primary key {pk}: "
                         f"give a tuple of {len(pk)} values, not {key!r}")
    return n.and_(*(n.Column(c, schema.table) == n.Param(p._bind(schema.types[c], v))
                    for c, v in zip(pk, key)))


def _nonneg(what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value


def _norm_key(schema, key):
    if len(schema.pk) == 1:
        typ = schema.types[schema.pk[0]]
        try:
            return typ.cast(key)
        except (TypeError, ValueError):
            return key
    return tuple(schema.types[c].cast(v) for c, v in zip(schema.pk, key))


def _pk_text(schema) -> str:
    return schema.pk[0] if len(schema.pk) == 1 else "(" + ", ".join(schema.pk) + ")"
