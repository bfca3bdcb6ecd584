"""Bulk writes of a Relation: ``update_all`` and ``delete_all`` (Rails' ``update_all``
/ ``delete_all``): one statement for every matching row, no records built, no
callbacks. A relation with joins (association joins, ``where_missing``/
``where_associated``, and the LEFT JOINs of ``eager_load`` or of an ``includes``
whose table a condition names), a limit, an offset or DISTINCT writes through
``pk IN (subquery)`` (a derived table, so MySQL accepts it); a grouped one is refused.
On a ``none()`` relation both return 0 without a statement (Rails' ``NullRelation``).
"""

from __future__ import annotations

from typing import Any

from ..sql import nodes as n
from . import predicates as p
from .contract import M
from .core import RelationCore

__all__ = ["BulkWrites"]


class BulkWrites(RelationCore[M]):
    """``update_all``/``delete_all`` of a relation (see the module doc)."""

    __slots__ = ()

    # -- bulk writes ---------------------------------------------------------------
    def _write_where(self) -> n.Node | None:
        """The WHERE of the UPDATE/DELETE: the relation's conditions, or, when it
        joins (by ``joins``/``left_joins``, ``where_missing``/``where_associated``,
        ``eager_load``, or ``includes`` that must be joined because a condition
        names the included table), ``pk IN (SELECT pk ...)`` over its joins, as
        Rails' ``update_all``/``delete_all`` (``apply_join_dependency``); includes
        that are only preloaded add nothing. ValueError for a grouped relation."""
        if self._group or self._having:
            raise ValueError("update_all()/delete_all() cannot run on a grouped relation")
        rel = self._eager_joined()[0] if self._eager_load or self._includes else self
        if rel._joins or rel._limit is not None or rel._offset or rel._distinct:
            return rel._key_subquery_condition()
        return rel._where_node()

    def update_all(self, /, **values: Any) -> int:
        """UPDATE every matching row with ``values`` (plain values or expressions such
        as ``Track.c.Milliseconds + 1000``); no callbacks, no timestamps unless given
        (as Rails). Return the number of rows matched. Joins, limit and order are
        honoured through a ``pk IN (subquery)``. Values are cast as assignment casts
        them, before any SQL; so are the values inside column arithmetic
        (``n=Thing.c.n + "x"`` on an integer column raises).

        Raises UnknownAttributeError for a name that is not a column,
        AttributeCastError for a value its column's type cannot take (or an int
        beyond the database's integers).
        """
        schema = self._schema()
        if not values:
            raise ValueError("update_all() needs column=value pairs")
        sets = []
        schema.check_writable(self.model, values)
        limits = schema.db.dialect.integer_range
        for name, value in values.items():
            col, typ = schema.column(self.model, name)
            if isinstance(value, n.Binary):  # Track.c.n + 1: values cast as in where()
                sets.append((name, p.bind_types(value, self._type_of, limits)))
            else:
                sets.append((name, value if isinstance(value, n.Node) else p.bind_strict(
                    col, typ, p._key_of(value), limits, write=True)))
        if self._none and not (self._group or self._having):  # none(): no update
            return 0
        node = n.Update(schema.table_node, tuple(sets), self._write_where())
        sql, params = schema.db.compile(node)
        return schema.db.run(sql, params).rowcount

    def delete_all(self) -> int:
        """DELETE every matching row (no callbacks); return the number deleted.
        Joins, limit and order are honoured through a ``pk IN (subquery)``. Raises
        ReadOnlyRecord (before any SQL) for a ``readonly`` model."""
        schema = self._schema()
        schema.check_writable(self.model, ())
        if self._none and not (self._group or self._having):  # none(): no delete
            return 0
        sql, params = schema.db.compile(n.Delete(schema.table_node, self._write_where()))
        return schema.db.run(sql, params).rowcount
