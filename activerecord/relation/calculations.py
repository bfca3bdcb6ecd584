"""Calculations on a Relation: ``count``, ``sum``, ``average``, ``minimum``,
``maximum``, ``pluck``, ``pick``, ``ids``, ``exists`` (Rails' ``Calculations`` and
``FinderMethods#exists?``).

Results have the same Python types on every database:

* ``count`` is an ``int``; ``sum`` has the column's type (``int`` for integer columns,
  even where MySQL returns ``DECIMAL``; ``Decimal`` at the column's scale for decimal
  columns, also on SQLite, which sums them as REAL), and 0 of that type when no row
  matches (as Rails; Django returns None). A duration column (``interval``, MySQL's
  ``TIME``) sums to a ``timedelta`` (``timedelta(0)`` for no rows), the same on every
  database: ``Type.sum_function`` sums MySQL's TIME as seconds (``TIME_TO_SEC``), since
  its own SUM adds HHMMSS numbers; ``Type.load_sum`` gives each type's result.
* ``minimum``/``maximum`` load the value through the column's type (SQLite's ISO text
  becomes a ``date``); ``None`` when no row matches.
* ``average`` is computed from ``SUM`` and ``COUNT`` in Python, because ``AVG`` differs
  by database (SQLite: float; PostgreSQL: numeric with 16-20 digits; MySQL: decimal
  with 4 more digits than the column). For a decimal column it is the exact
  ``Decimal(sum) / count`` (28 significant digits, Python's default context); for
  integer and float columns a ``float``; for a duration a ``timedelta`` (to the
  microsecond). ``None`` when no row matches (``Type.mean``).
* Grouped (``group(...)``) calculations return a dict keyed by the group's value (a
  tuple for several group columns), loaded through the columns' types, in the order
  of the relation (``order(...)``), else ordered by the group columns (so the dict's
  order is the same on every database, which Rails leaves to the database).
* Strings are compared by the column's collation: ``count(col, distinct=True)`` and
  ``group(col)`` on MySQL's default ``*_ci`` collations treat ``"a"`` and ``"A"`` as
  one value, SQLite and PostgreSQL (``C``/binary) as two.

A relation with ``limit``, ``offset`` or ``distinct`` is counted through a derived
table (``SELECT COUNT(*) FROM (SELECT ... LIMIT ?) AS subquery``), as Rails does. A
``none()`` relation sends nothing: its results are those of no rows (Rails'
``NullRelation``; ``sum`` is 0 of the column's type, as above).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .. import types as t
from ..sql import nodes as n
from . import predicates as p
from .contract import M
from .core import RelationCore

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["Calculations"]

_OPERATIONS = {"count": "COUNT", "sum": "SUM", "average": "AVG", "minimum": "MIN",
               "maximum": "MAX"}


class Calculations(RelationCore[M]):
    """Aggregates and column reads of a :class:`~activerecord.relation.Relation`.

    The aggregates return ``Any``: a value (``int`` for ``count``...), or a dict of
    them keyed by the group's values when the relation has ``group(...)``."""

    __slots__ = ()

    def _naming(self, columns: tuple[Any, ...]) -> Self:
        """This relation, its ``references`` extended by the tables (or association
        paths) that ``columns`` of a pluck or a calculation name (``"Artist.Name"``,
        ``"artist.Name"``, ``Artist.c.Name``), so that an ``includes`` of them is
        joined (eager-loaded) as Rails' ``has_include?`` joins it for a column."""
        names: list[str] = []
        for column in columns:
            if isinstance(column, str) and "." in column:
                names.append(column.strip().rpartition(".")[0])
            elif isinstance(column, n.Node):
                names += [str(c.table) for c in p.columns_in(column) if c.table]
        return self._clone(_references=self._references + tuple(names)) if names else self

    # -- aggregates ----------------------------------------------------------------
    def count(self, column: Any = None, *, distinct: bool = False) -> Any:
        """Return the number of matching rows (``COUNT(*)``), or of non-NULL values of
        ``column`` (a name or expression), ``distinct=True`` counting each value once.
        With ``group(...)``: a dict ``{group value: count}``."""
        return self.calculate("count", column, distinct=distinct)

    def sum(self, column: Any, *, distinct: bool = False) -> Any:
        """Return the sum of ``column`` (0 of the column's type when no row matches);
        a dict with ``group(...)``."""
        return self.calculate("sum", column, distinct=distinct)

    def average(self, column: Any, *, distinct: bool = False) -> Any:
        """Return the mean of ``column``'s non-NULL values (see the module doc for its
        type), ``None`` when there are none; a dict with ``group(...)``."""
        return self.calculate("average", column, distinct=distinct)

    def minimum(self, column: Any) -> Any:
        """Return the smallest value of ``column`` (``None`` when no row matches)."""
        return self.calculate("minimum", column)

    def maximum(self, column: Any) -> Any:
        """Return the largest value of ``column`` (``None`` when no row matches)."""
        return self.calculate("maximum", column)

    def calculate(self, operation: str, column: Any = None, *,
                  distinct: bool = False) -> Any:
        """Run ``operation`` (``"count"``, ``"sum"``, ``"average"``, ``"minimum"``,
        ``"maximum"``) over ``column``; Rails' ``calculate``.

        Raises ValueError for an unknown operation or a missing column,
        UnknownAttributeError for a name that is not a column.
        """
        if operation not in _OPERATIONS:
            raise ValueError(f"unknown calculation {operation!r}; known: {sorted(_OPERATIONS)}")
        if column is None and operation != "count":
            raise ValueError(f"{operation}() needs a column")
        if self._none:  # none(): the result of no rows, without a query (Rails)
            return self._null_calculation(operation, column)
        if self._eager_load or self._includes:  # over the joins (Rails)
            rel, eager = self._naming((column,))._eager_joined()
            if eager and operation == "count" and column is None:
                return rel._count_eager()  # distinct records
            return rel.calculate(operation, column, distinct=distinct)
        expr = n.Star() if column is None else self._expr(column, operation)
        if isinstance(expr, n.Alias):
            expr = expr.expr
        typ = self._type_of(expr)
        if operation in ("sum", "average") and typ is not None and typ.sum_function:
            expr = n.Func(typ.sum_function, (expr,))  # TIME_TO_SEC(col): MySQL's TIME
        aggs: tuple[n.Func, ...]
        if operation == "average":
            aggs = (n.Func("SUM", (expr,), distinct), n.Func("COUNT", (expr,), distinct))
        else:
            aggs = (n.Func(_OPERATIONS[operation], (expr,), distinct),)
        if self._group:
            return self._grouped(operation, aggs, typ)
        row = self._aggregate_row(aggs)
        return _cast(operation, row, typ)

    def _null_calculation(self, operation: str, column: Any) -> Any:
        """What ``operation`` gives over no rows, for a :meth:`none` relation (Rails'
        ``NullRelation#calculate``): ``{}`` when grouped, else 0 for ``count``, the
        column type's sum of no rows for ``sum`` (0, ``Decimal`` 0, ``timedelta(0)``),
        None otherwise. ``column`` is still checked (UnknownAttributeError)."""
        expr = None if column is None else self._expr(column, operation)
        if self._group:
            return {}
        if operation == "count":
            return 0
        if operation != "sum":
            return None
        return _sum(self._type_of(expr.expr if isinstance(expr, n.Alias) else expr), None)

    def _needs_subquery(self) -> bool:
        return self._limit is not None or bool(self._offset) or self._distinct

    def _aggregate_row(self, aggs: tuple[n.Func, ...]) -> tuple:
        schema = self._schema()
        if not self._needs_subquery():
            node = self.to_select_node(aggs, order=False)
            return tuple(schema.db.select_rows(node)[0])
        # Aggregate over the rows the relation would return: a derived table of them.
        selected = (self._select or self._default_columns()) if self._distinct else ()
        inner_cols, outer = _split_aggregates(aggs, selected)
        inner = self.to_select_node(inner_cols)
        node = n.Select(n.DerivedTable(inner, "subquery"), outer)
        return tuple(schema.db.select_rows(node)[0])

    def _grouped(self, operation: str, aggs: tuple[n.Func, ...],
                 typ: t.Type | None) -> dict[Any, Any]:
        schema = self._schema()
        keys = self._group
        node = self.to_select_node(keys + aggs)
        if not node.order:  # deterministic: the group keys' order, on every database
            node = dataclasses.replace(node, order=tuple(n.Ordering(k) for k in keys))
        rows = schema.db.select_rows(node)
        key_types = [self._type_of(k) for k in keys]
        out = {}
        for row in rows:
            key = tuple(_load(kt, v) for kt, v in zip(key_types, row[:len(keys)]))
            out[key[0] if len(keys) == 1 else key] = _cast(operation, row[len(keys):], typ)
        return out

    # -- columns -------------------------------------------------------------------
    def pluck(self, *columns: Any) -> list[Any]:
        """Return the values of ``columns`` (names or expressions) without building
        records: a list of values for one column, of tuples for several; loaded
        through the columns' types (``ModelSchema.loaders_for``). Rails' ``pluck``.

        Raises UnknownAttributeError for a name that is not a column, ValueError
        without columns.
        """
        if not columns:
            raise ValueError("pluck() needs at least one column")
        if self._none:  # none(): no rows, no query (the names are still checked)
            for column in columns:
                self._expr(column, "pluck")
            return []
        if self._eager_load or self._includes:  # over the joins (Rails)
            return self._naming(columns)._eager_joined()[0].pluck(*columns)
        exprs = tuple(self._expr(c, "pluck") for c in columns)
        schema = self._schema()
        loaders = self._loaders(exprs, [f"c{i}" for i in range(len(exprs))])
        rows = schema.db.select_rows(self.to_select_node(exprs))
        if len(exprs) == 1:
            if not loaders:
                return [row[0] for row in rows]
            load = loaders[0][2]
            return [None if row[0] is None else load(row[0]) for row in rows]
        return [schema.load_values(loaders, row) for row in rows]

    def pick(self, *columns: Any) -> Any:
        """Return :meth:`pluck` of the first row only (a value, a tuple, or None)."""
        found = self.limit(1).pluck(*columns)
        return found[0] if found else None

    def ids(self) -> list[Any]:
        """Return the primary key values of the matching rows (tuples for a
        composite key). Raises UnknownPrimaryKey for a table without one. With
        ``eager_load`` (or ``includes`` that joins), each record's key once, in the
        order the eager load returns them, as Rails' ``ids`` groups by the key."""
        found = self.pluck(*self._key_columns("ids()"))
        if self._eager_load or self._includes:  # the LEFT JOINs repeat a parent's row
            return list(dict.fromkeys(found))
        return found

    def exists(self, /, *args: Any, **conds: Any) -> bool:
        """Return whether any row matches the relation and these extra conditions, as
        Rails' ``exists?``: ``exists(5)`` or ``exists("5")`` (one argument that is not
        a dict or a column expression) is a primary key value, a string too, never SQL
        (``exists(params["id"])`` is safe: ``"0 OR 1=1"`` is a key no row has); a
        value that cannot be a key is ``False`` without SQL. ``exists(name="x")``, a
        dict or a column expression are conditions; a template with its values
        (``exists("name = ?", "x")``, two arguments or more) is a SQL template as in
        ``where``; ``False`` is false. Keywords given with a key add conditions. Runs
        ``SELECT 1 ... LIMIT 1``.

        Raises UnknownPrimaryKey for a key on a table without a primary key."""
        if len(args) == 1 and args[0] is False and not conds:
            return False
        if len(args) == 1 and isinstance(args[0], dict) and not conds:
            return self.where(**args[0]).exists()
        if len(args) == 1 and not isinstance(args[0], (dict, n.Node)):
            rel = self.where(**conds) if conds else self
            return rel._exists_key(args[0])
        rel = self.where(*args, **conds) if args or conds else self
        if rel._limit == 0 or rel._none:  # no row can match: no query
            return False
        if rel._eager_load or rel._includes:  # over the joins (Rails)
            rel = rel._eager_joined()[0]
        node = dataclasses.replace(
            rel.to_select_node((n.Alias(n.Raw("1"), "one"),), order=False), limit=1)
        return bool(self._schema().db.select_rows(node))

    def _exists_key(self, key: Any) -> bool:
        self._key_columns("exists(key)")
        schema = self._schema()
        found = schema.key_values(key, schema.db.dialect.integer_range)
        if found is None:
            return False  # it cannot be a key of this table
        return self._and(schema.keys_condition([found[1]])).exists()


def _split_aggregates(aggs: tuple[n.Func, ...],
                      selected: tuple[n.Node, ...]) -> tuple[tuple, tuple]:
    """Inner columns and outer aggregates for aggregating over a derived table."""
    if selected:
        inner = tuple(c if isinstance(c, (n.Alias, n.Column)) else n.Alias(c, f"c{i}")
                      for i, c in enumerate(selected))
    else:
        inner = ()
    outer: list[n.Func] = []
    extra: list[n.Node] = []
    for agg in aggs:
        arg = agg.args[0]
        if isinstance(arg, n.Star):
            outer.append(agg)
            continue
        label = f"a{len(extra)}"
        extra.append(n.Alias(arg, label))
        outer.append(n.Func(agg.name, (n.Column(label, "subquery"),), agg.distinct))
    cols = inner + tuple(extra)
    return cols or (n.Alias(n.Raw("1"), "one"),), tuple(outer)


def _load(typ: t.Type | None, value: Any) -> Any:
    if value is None or typ is None:
        return value
    return typ.deserialize(value)


def _sum(typ: t.Type | None, value: Any) -> Any:
    # The column's type says what its sum is (Type.load_sum: int, Decimal, timedelta).
    if typ is None:
        return 0 if value is None else value
    return typ.load_sum(value)


def _cast(operation: str, row: tuple, typ: t.Type | None) -> Any:
    if operation == "count":
        return int(row[0])
    if operation == "sum":
        return _sum(typ, row[0])
    if operation == "average":
        total, count = row[0], int(row[1] or 0)
        if not count:
            return None
        if typ is None:
            return float(total) / count
        return typ.mean(typ.load_sum(total), count)
    return _load(typ, row[0])
