"""Finders and creation through a Relation: ``first``, ``last``, ``take``, ``sole``,
``find``, ``find_by``, ``find_sole_by``, and ``new``/``create``/``find_or_create_by``/
``find_or_initialize_by``/``create_or_find_by`` (Rails' ``FinderMethods`` and the
creation methods of ``Relation``).

``first``/``last`` order by the primary key when the relation has no order (Rails);
``take`` imposes none. Records created through a relation get its ``column=value``
conditions (``Artist.where(country="UK").create(name="Blur")``), Rails'
``scope_for_create``.

Keys: ``find`` casts each key as assignment would; a key its column's type cannot take
(``find("abc")`` for an integer key) or an int the database's integers cannot hold
(``find(2**70)``) is simply not found, without SQL (``RecordNotFound``, a 404 in a web
app, as Rails). Many keys are read with ``pk IN (...)`` (``(a, b) IN ((?, ?), ...)`` for a
composite key), in chunks under ``features.max_parameters``, and come back in the order
asked. A model whose table has no primary key raises ``UnknownPrimaryKey`` from
everything that needs one (``find``, ``first``/``last`` without an order, ``ids``,
``exists(key)``...), naming model and table; other reads keep working.
"""

from __future__ import annotations

from typing import Any, cast, overload

from ..errors import RecordNotFound, RecordNotUnique, SoleRecordExceeded
from .contract import M, TableSchema
from .core import NOVALUE, RelationCore, nonneg

__all__ = ["FinderMethods"]


class FinderMethods(RelationCore[M]):
    """Finders and scoped creation of a :class:`~activerecord.relation.Relation`.

    Records are ``M``, the relation's record type; the few places that touch a
    record's state (its identity, ``save``) go through ``Any``: relations know
    records only as the model builds them (relation/contract.py)."""

    __slots__ = ()

    # -- finders -------------------------------------------------------------------
    @overload
    def first(self, count: None = None) -> M | None: ...
    @overload
    def first(self, count: int) -> list[M]: ...

    def first(self, count: int | None = None) -> M | None | list[M]:
        """Return the first record by the relation's order (by primary key when it
        has none), or ``None``; with ``count``, a list of up to that many.

        Raises UnknownPrimaryKey without an order on a table without a primary key."""
        rel = self._ordered_by_key("first()")
        want = 1 if count is None else nonneg("count", count)
        if self._limit is not None:
            want = min(want, self._limit)
        found = rel.limit(want).to_list()
        if count is None:
            return found[0] if found else None
        return found

    @overload
    def last(self, count: None = None) -> M | None: ...
    @overload
    def last(self, count: int) -> list[M]: ...

    def last(self, count: int | None = None) -> M | None | list[M]:
        """Return the last record (the order reversed), or ``None``; with ``count``, a
        list of the last ``count`` records in the relation's order."""
        if self._limit is not None or self._offset:
            records = self._ordered_by_key("last()").to_list()
            if count is None:
                return records[-1] if records else None
            return records[len(records) - nonneg("count", count):] if count else []
        rev = self.reverse_order()
        if count is None:
            found = rev.limit(1).to_list()
            return found[0] if found else None
        return list(reversed(rev.limit(nonneg("count", count)).to_list()))

    @overload
    def take(self, count: None = None) -> M | None: ...
    @overload
    def take(self, count: int) -> list[M]: ...

    def take(self, count: int | None = None) -> M | None | list[M]:
        """Return a record (no ordering imposed), or ``None``; with ``count``, a list."""
        if count is None:
            found = self.limit(1 if self._limit is None else min(1, self._limit)).to_list()
            return found[0] if found else None
        want = nonneg("count", count)
        return self.limit(want if self._limit is None else min(want, self._limit)).to_list()

    def sole(self) -> M:
        """Return the one matching record (Rails' ``sole``).

        Raises:
            RecordNotFound: no row matches.
            SoleRecordExceeded: more than one row matches.
        """
        found = self.limit(2).to_list()
        if not found:
            schema = self._schema()
            raise RecordNotFound(f"no {self.model.__name__} matches {self.to_sql()}",
                                 model=cast(type, self.model), table=schema.table)
        if len(found) > 1:
            raise SoleRecordExceeded(f"more than one {self.model.__name__} matches "
                                     f"{self.to_sql()}", model=cast(type, self.model))
        return found[0]

    def find_by(self, /, *args: Any, **conds: Any) -> M | None:
        """Return the first record matching the conditions (as :meth:`where`), or None.
        A value a primary key column cannot take (``find_by(id="abc")``) matches no row
        (``None``) instead of raising ``AttributeCastError``: it cannot be a key."""
        conds_ = self._conds(args, conds, lenient_keys=True)
        found = self._clone(_where=self._where + tuple(conds_)).limit(1).to_list()
        return found[0] if found else None

    def find_sole_by(self, /, *args: Any, **conds: Any) -> M:
        """Return the one record matching the conditions; raises as :meth:`sole`."""
        return self.where(*args, **conds).sole()

    @overload
    def find(self, key: list[Any], /) -> list[M]: ...
    @overload
    def find(self, key: Any, /) -> M: ...
    @overload
    def find(self, key: Any, other: Any, /, *keys: Any) -> list[M]: ...

    def find(self, *keys: Any) -> M | list[M]:
        """Return the record with primary key ``keys[0]``, or a list for several keys
        (or one list), in the order asked; a composite key is given as a tuple. See
        the module doc for how keys are cast and read.

        Raises:
            RecordNotFound: a key has no row (or cannot be a key); the message names
                the table and the missing keys.
            UnknownPrimaryKey: the table has no primary key.
            ValueError: a composite key that is not a tuple of as many values.
        """
        schema = self._schema()
        self._key_columns("find()")
        many = len(keys) != 1 or isinstance(keys[0], list)
        wanted = list(keys[0]) if len(keys) == 1 and isinstance(keys[0], list) else list(keys)
        model = cast(type, self.model)
        if not wanted:
            raise RecordNotFound(f"find() needs a key for {self.model.__name__}",
                                 model=model, table=schema.table)
        limits = schema.db.dialect.integer_range
        norm = [schema.key_values(k, limits) for k in wanted]
        found = self._find_keys(schema, norm)
        missing = [k for k, nk in zip(wanted, norm) if nk is None or nk[0] not in found]
        if missing:
            key = missing[0] if len(missing) == 1 else missing
            raise RecordNotFound(
                f"Couldn't find {self.model.__name__} with {schema.key_text()} = {key!r} "
                f"in table {schema.table!r}", model=model, table=schema.table, key=key)
        records = [found[nk[0]] for nk in norm if nk is not None]
        return records if many else records[0]

    def _find_keys(self, schema: TableSchema, norm: list[tuple | None]) -> dict[Any, M]:
        """``{identity: record}`` for the keys of ``norm`` (see ``ModelSchema.key_values``),
        read ``pk IN (...)`` chunk by chunk."""
        unique = {nk[0]: nk[1] for nk in norm if nk is not None}
        if not unique:
            return {}
        rel = self.limit(None).offset(None)
        rows = list(unique.values())
        limit = schema.db.features.max_parameters
        reserve = 0
        if len(rows) * len(schema.pk) > limit // 2:  # count the relation's own values
            reserve = len(schema.db.compile(rel.to_select_node())[1])
        found: dict[Any, M] = {}
        for chunk in schema.key_chunks(rows, reserve):
            record: Any  # a model instance: its identity is the model's rule
            for record in rel._and(schema.keys_condition(chunk)):
                found[record._identity()] = record
        return found

    # -- indexing: rel[i] and rel[a:b] ---------------------------------------------
    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: int | slice) -> M | list[M]:
        """``rel[i]`` and ``rel[a:b]``: compiled to LIMIT/OFFSET unless already loaded
        (a negative index reverses the order instead). Raises IndexError."""
        if self._records is not None:
            return self._records[index]
        if isinstance(index, slice):
            return self._slice(index)
        if not isinstance(index, int):
            raise TypeError(f"relation indices must be integers or slices, not {index!r}")
        if index < 0:
            if self._limit is not None or self._offset:
                return self.to_list()[index]
            rel = self.reverse_order().offset(-index - 1 or None)
        else:
            rel = self.offset((self._offset or 0) + index or None)
        if self._limit is not None and index >= self._limit:
            raise IndexError("relation index out of range")
        rows = rel.limit(1).to_list()
        if not rows:
            raise IndexError("relation index out of range")
        return rows[0]

    def _slice(self, index: slice) -> list[M]:
        start, stop = index.start or 0, index.stop
        if index.step not in (None, 1) or start < 0 or (stop is not None and stop < 0):
            return self.to_list()[index]
        if self._limit is not None:
            stop = self._limit if stop is None else min(stop, self._limit)
        rel = self.offset((self._offset or 0) + start or None)
        if stop is not None:
            rel = rel.limit(max(0, stop - start))
        return rel.to_list()

    # -- creating through a relation -----------------------------------------------
    def scope_attributes(self) -> dict[str, Any]:
        """The ``column=value`` equalities of this relation's conditions: what
        :meth:`new` and :meth:`create` assign (Rails' ``scope_for_create``)."""
        return {next(iter(c.columns)): c.value for c in self._where
                if c.value is not NOVALUE}

    def new(self, /, **attrs: Any) -> M:
        """Return a new, unsaved record with the relation's equality conditions and
        ``attrs`` assigned: ``Artist.where(country="UK").new(name="Blur")``."""
        return self.model(**{**self.scope_attributes(), **attrs})

    build = new

    def create(self, /, **attrs: Any) -> M:
        """Like :meth:`new`, then save; return the record. Raises as ``Model.create``
        (RecordInvalid for an invalid record, RecordNotSaved when a callback halted
        the save, and what the write raises)."""
        record: Any = self.new(**attrs)  # a model instance (saving is the model's)
        record.save(raise_on_invalid=True)
        return record

    def find_or_create_by(self, /, **attrs: Any) -> M:
        """Return the first record matching ``attrs``, creating it when none does.
        Not race-safe (two callers may both create): see :meth:`create_or_find_by`."""
        return self.find_by(**attrs) or self.create(**attrs)

    def find_or_initialize_by(self, /, **attrs: Any) -> M:
        """Return the first record matching ``attrs``, or a new unsaved one."""
        return self.find_by(**attrs) or self.new(**attrs)

    def create_or_find_by(self, /, **attrs: Any) -> M:
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
