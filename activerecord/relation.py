"""Relations: lazy, immutable, chainable queries over one model (Rails' ``Relation``).

A :class:`Relation` holds the parts of a SELECT as nodes (never SQL text). Every
builder method returns a new Relation; the query runs when the relation is iterated,
indexed, ``len()``-ed or turned into a list, and the loaded records are then cached on
that relation object (as Rails' ``Relation#load``).

This module owns the state, the builders (conditions, shape, joins), SQL and loading.
Finders and creation through a relation (``first``, ``sole``, ``find``,
``create_or_find_by``...) live in ``relation_finders.py``, calculations (``count``,
``sum``, ``pluck``...) in ``relation_calculations.py``, batches (``find_each``, ``in_batches``) in
``relation_batches.py``, hash conditions and SQL templates in ``predicates.py``,
named scopes in ``scoping.py``.

Strings name columns and are checked against the model (and joined models, as
``"Album.Title"``) before any SQL runs: ``UnknownAttributeError`` otherwise. SQL text
enters only as templates with bound values (``where("Name LIKE ?", "A%")``); nothing
a user passes as a value is ever formatted into SQL.

``copy.copy``, ``copy.deepcopy`` and ``pickle`` of a relation keep its query (model and
nodes), never its loaded records: the copy runs the query again when used.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Iterator

from . import predicates as p
from .errors import ColumnNotFound
from .relation_batches import BatchesMixin
from .relation_calculations import CalculationsMixin
from .relation_finders import _NOVALUE, FinderMethods, _nonneg
from .sql import nodes as n

__all__ = ["Relation"]

_ORDER_TEXT = re.compile(r"^\s*([^\s,]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$",
                         re.IGNORECASE)
_JOIN_TEXT = re.compile(r"^\s*((natural|inner|cross|left|right|full)\s+(outer\s+)?)?join\s",
                        re.IGNORECASE)
_PARTS = ("where", "order", "limit", "offset", "select", "group", "having", "joins",
          "distinct")


class _Cond:
    """One WHERE item: its node, the model's columns it mentions (for ``rewhere`` and
    ``unscope(where=...)``) and, for ``column=value`` equality, the value (what
    ``new``/``create`` on the relation assign, Rails' ``scope_for_create``)."""

    __slots__ = ("node", "columns", "value")

    def __init__(self, node, columns=frozenset(), value=_NOVALUE):
        self.node = node
        self.columns = columns
        self.value = value


class Relation(FinderMethods, CalculationsMixin, BatchesMixin):
    """A query over ``model``'s table. Build with the model's class methods
    (``Artist.where(...)``, ``Artist.order(...)``, ``Artist.all()``); see
    docs/querying.md for the whole interface."""

    __slots__ = ("model", "_where", "_having", "_order", "_limit", "_offset", "_distinct",
                 "_select", "_group", "_joins", "_records")

    def __init__(self, model: type):
        self.model = model
        self._where: tuple = ()
        self._having: tuple = ()
        self._order: tuple = ()
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = False
        self._select: tuple = ()
        self._group: tuple = ()
        self._joins: tuple = ()      # (Join or Raw node, joined model or None)
        self._records: list | None = None

    def _clone(self, **parts) -> "Relation":
        new = Relation.__new__(Relation)
        for slot in Relation.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._records = None
        for key, value in parts.items():
            setattr(new, key, value)
        return new

    def _schema(self):
        return self.model._load_schema()

    # -- columns -------------------------------------------------------------------
    def _models(self):
        yield self.model
        for _node, model in self._joins:
            if model is not None:
                yield model

    def _resolve(self, name: str):
        """Return ``(Column node, type)`` for ``"col"`` or ``"Table.col"`` (the model's
        or a joined model's table); raise UnknownAttributeError otherwise."""
        schema = self._schema()
        if name in schema.name_set:
            return n.Column(name, schema.table), schema.types[name]
        if "." in name:
            table, col = name.rsplit(".", 1)
            for model in self._models():
                s = model._load_schema()
                if s.table == table:
                    if col not in s.name_set:
                        raise s.unknown(model, col)
                    return n.Column(col, s.table), s.types[col]
        raise schema.unknown(self.model, name)

    def _type_of(self, col):
        """The attribute type of a Column node of this or a joined model, else None."""
        if not isinstance(col, n.Column):
            return None
        if col.table is None:
            return self._schema().types.get(col.name)
        for model in self._models():
            s = model._load_schema()
            if col.table == s.table:
                return s.types.get(col.name)
        return None

    def _expr(self, arg, what: str) -> n.Node:
        if isinstance(arg, str):
            return self._resolve(arg.strip())[0]
        if isinstance(arg, n.Node):
            return arg
        raise TypeError(f"{what}() takes column names or column expressions, not {arg!r}")

    # -- conditions ----------------------------------------------------------------
    def where(self, *args: Any, **conds: Any) -> "Relation":
        """Return a relation with these conditions added (AND).

        ``args``: a SQL template and its values (``"Name LIKE ?", "A%"``; with
        ``:name`` placeholders the keywords are its values), or column expressions
        (``Track.c.Milliseconds > 300000``). ``conds``: ``column=value`` (equality,
        ``IN`` for lists/sets/Relations, ``IS NULL`` for None, ``BETWEEN`` for a
        ``range`` or ``between(low, high)``). Follows Rails' ``where``. Values are cast
        to the column's type first (see ``predicates``); a blank template
        (``where("")``, ``where("  ")``) adds nothing, as Rails ignores blank conditions.

        Raises:
            UnknownAttributeError: a keyword is not a column of the model.
            AttributeCastError: a value the column's type cannot take (``id="x"``).
            ValueError/TypeError: a template whose placeholders and values differ; a
                generator or other iterable that is not a list/tuple/set/range.
        """
        return self._clone(_where=self._where + tuple(self._conds(args, conds)))

    def where_not(self, *args: Any, **conds: Any) -> "Relation":
        """Return a relation excluding rows that match these conditions (as
        :meth:`where`): Rails' ``where.not``. Several keywords are negated together
        (``NOT (a = 1 AND b = 2)``). Rows where the column is NULL do not match a
        negated comparison (SQL semantics, as in Rails; Django's ``exclude`` differs).
        """
        conds_ = self._conds(args, conds)
        if not conds_:
            if args:  # a blank template: nothing to negate (Rails)
                return self._clone()
            raise ValueError("where_not() needs conditions")
        node = p.negate(n.and_(*(c.node for c in conds_)))
        cols = frozenset().union(*(c.columns for c in conds_))
        return self._clone(_where=self._where + (_Cond(node, cols),))

    not_ = where_not

    def _conds(self, args: tuple, conds: dict, lenient_keys: bool = False) -> list:
        """The ``_Cond`` items of ``where(*args, **conds)``; ``lenient_keys`` (find_by):
        a value a primary key column cannot take matches no row instead of raising."""
        schema = self._schema()
        limits = schema.db.dialect.integer_range
        out = []
        if args:
            if isinstance(args[0], str):
                if not args[0].strip() and len(args) == 1 and not conds:
                    return []  # blank: no condition (Rails ignores blank ones)
                raw = p.fragment(args[0], args[1:], conds)
                return [_Cond(raw)]
            for arg in args:
                if isinstance(arg, Relation):
                    raise TypeError("combine relations with or_() (where() takes "
                                    "conditions)")
                if not isinstance(arg, n.Node):
                    raise TypeError(
                        f"where() takes a SQL template string, column expressions or "
                        f"keyword conditions, not {type(arg).__name__}")
                node = p.bind_types(arg, self._type_of, limits)
                out.append(_Cond(node, p.referenced_columns(node, schema.table)))
        for name, value in conds.items():
            if name not in schema.name_set:
                raise schema.unknown(self.model, name)
            typ = schema.types[name]
            node = p.hash_condition(n.Column(name, schema.table), value, typ, limits=limits,
                                    lenient=lenient_keys and name in schema.pk)
            out.append(_Cond(node, frozenset((name,)),
                             value if _is_scalar(value, typ) else _NOVALUE))
        return out

    def _and(self, node: n.Node) -> "Relation":
        """This relation with ``node`` added to its conditions as it is (its values
        are already bound: no second cast)."""
        cols = p.referenced_columns(node, self._schema().table)
        return self._clone(_where=self._where + (_Cond(node, cols),))

    def or_(self, other: "Relation") -> "Relation":
        """Return a relation matching this relation's conditions OR ``other``'s
        (Rails' ``or``). Both must be of the same model and differ only in their
        conditions (WHERE and HAVING).

        Raises:
            TypeError: ``other`` is not a Relation of the same model.
            ValueError: the relations differ in joins, order, limit, grouping...
        """
        if not isinstance(other, Relation) or other.model is not self.model:
            raise TypeError(f"or_() takes a relation of {self.model.__name__}, not {other!r}")
        mine, theirs = self._structure(), other._structure()
        if mine != theirs:
            raise ValueError(f"relations passed to or_() must differ only in their "
                             f"conditions:\n  {mine}\n  {theirs}")
        where = _or_items([c.node for c in self._where], [c.node for c in other._where])
        having = _or_items(list(self._having), list(other._having))
        return self._clone(_where=(_Cond(where),) if where is not None else (),
                           _having=(having,) if having is not None else ())

    def _structure(self) -> str:
        bare = self._clone(_where=(), _having=())
        return bare.to_sql()

    def rewhere(self, *args: Any, **conds: Any) -> "Relation":
        """Like :meth:`where`, first dropping the conditions on the same columns
        (Rails' ``rewhere``), including those of a default scope."""
        new = self._conds(args, conds)
        names = frozenset().union(*(c.columns for c in new)) if new else frozenset()
        kept = tuple(c for c in self._where if not (c.columns & names))
        return self._clone(_where=kept + tuple(new))

    def unscope(self, *parts: str, where: str | tuple | list | None = None) -> "Relation":
        """Return a relation without the named parts: ``"where"``, ``"order"``,
        ``"limit"``, ``"offset"``, ``"select"``, ``"group"``, ``"having"``, ``"joins"``,
        ``"distinct"``; ``where="col"`` (or several) drops only the conditions on
        those columns. Follows Rails' ``unscope``. Raises ValueError for another name.
        """
        changes: dict = {}
        for part in parts:
            if part not in _PARTS:
                raise ValueError(f"unscope() takes {', '.join(_PARTS)}; not {part!r}")
            changes["_" + part] = {"limit": None, "offset": None,
                                   "distinct": False}.get(part, ())
        if where is not None:
            names = frozenset([where] if isinstance(where, str) else where)
            schema = self._schema()
            for name in names:
                if name not in schema.name_set:
                    raise schema.unknown(self.model, name)
            base = changes.get("_where", self._where)
            changes["_where"] = tuple(c for c in base if not (c.columns & names))
        return self._clone(**changes)

    def none(self) -> "Relation":
        """Return a relation that matches no rows (``WHERE 1=0``)."""
        return self._clone(_where=self._where + (_Cond(n.Or(())),))

    # -- shape ---------------------------------------------------------------------
    def order(self, *args: Any, **columns: str) -> "Relation":
        """Return a relation ordered (also) by ``args``: column names (``"Name"``,
        ``"Name DESC"``, ``"-Name"``, ``"Name ASC NULLS LAST"``, ``"Album.Title"``) or
        orderings (``Track.c.Name.desc(nulls="last")``), then ``columns`` as
        ``name="asc"|"desc"|"desc nulls first"``. NULLS FIRST/LAST is native on
        SQLite and PostgreSQL and emulated on MySQL, so it orders the same everywhere.

        Raises UnknownAttributeError for a name that is not a column, ValueError for a
        malformed direction (so a request parameter can be passed safely).
        """
        items = list(self._order)
        for arg in args:
            items.append(self._ordering(arg))
        for name, direction in columns.items():
            if not isinstance(direction, str):
                raise ValueError(f"order({name}=...) takes 'asc' or 'desc', not {direction!r}")
            items.append(self._ordering(f"{name} {direction}"))
        return self._clone(_order=tuple(items))

    def reorder(self, *args: Any, **columns: str) -> "Relation":
        """Like :meth:`order`, replacing any ordering given before."""
        return self._clone(_order=()).order(*args, **columns)

    def reverse_order(self) -> "Relation":
        """Return the relation in the opposite order (by primary key descending when it
        has no order), as Rails' ``reverse_order``; NULLS FIRST/LAST flip too."""
        rel = self._ordered_by_key("reverse_order()")
        return rel._clone(_order=tuple(_reverse(o) for o in rel._order))

    def _ordering(self, arg) -> n.Node:
        if isinstance(arg, n.Ordering):
            return arg
        if isinstance(arg, n.Expression):
            return n.Ordering(arg)
        if not isinstance(arg, str):
            raise TypeError(f"order() takes column names or orderings, not {arg!r}")
        desc = arg.startswith("-")
        m = _ORDER_TEXT.match(arg[1:] if desc else arg)
        if not m:
            raise ValueError(f"cannot order by {arg!r}: give 'column', 'column asc|desc' "
                             "[nulls first|last] or a column expression")
        if desc and m.group(2):
            raise ValueError(f"cannot order by {arg!r}: '-' and a direction together")
        direction = (m.group(2) or ("desc" if desc else "asc")).upper()
        nulls = m.group(3).lower() if m.group(3) else None
        return n.Ordering(self._resolve(m.group(1))[0], direction, nulls)

    def limit(self, count: int | None) -> "Relation":
        """Return a relation of at most ``count`` rows (``None``: no limit).
        Raises ValueError unless ``count`` is a non-negative int."""
        return self._clone(_limit=None if count is None else _nonneg("limit", count))

    def offset(self, count: int | None) -> "Relation":
        """Return a relation that skips ``count`` rows (ValueError if negative)."""
        return self._clone(_offset=None if count is None else _nonneg("offset", count))

    def page(self, number: int, per: int = 25) -> "Relation":
        """Return page ``number`` (from 1) of ``per`` rows: ``LIMIT per OFFSET
        (number - 1) * per`` (kaminari's ``page(n).per(x)``). Order the relation for
        stable pages. Raises ValueError for a page below 1 or ``per`` below 1."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"page numbers start at 1, not {number!r}")
        if isinstance(per, bool) or not isinstance(per, int) or per < 1:
            raise ValueError(f"per must be a positive int, not {per!r}")
        return self._clone(_limit=per, _offset=(number - 1) * per or None)

    def distinct(self, value: bool = True) -> "Relation":
        """Return a relation with SELECT DISTINCT (or without, for ``False``)."""
        return self._clone(_distinct=bool(value))

    def select(self, *columns: Any) -> "Relation":
        """Return a relation selecting only ``columns``: names (``"Name"``,
        ``"Album.Title"``) or expressions (``Track.c.Milliseconds.sum().label("ms")``).
        Records then hold only those attributes (labels included: ``record.ms``);
        reading an unselected column raises ``MissingAttributeError``.

        Raises UnknownAttributeError for a name that is not a column; ValueError when
        called without columns.
        """
        if not columns:
            raise ValueError("select() needs at least one column")
        items = tuple(self._expr(c, "select") for c in columns)
        return self._clone(_select=self._select + items)

    def reselect(self, *columns: Any) -> "Relation":
        """Like :meth:`select`, replacing the columns selected before (Rails)."""
        return self._clone(_select=()).select(*columns)

    def group(self, *columns: Any) -> "Relation":
        """Return a relation with ``GROUP BY columns`` (names or expressions). With a
        group, ``count``/``sum``/... return a dict keyed by the group's values.
        Raises UnknownAttributeError for a name that is not a column."""
        if not columns:
            raise ValueError("group() needs at least one column")
        return self._clone(_group=self._group + tuple(self._expr(c, "group")
                                                      for c in columns))

    def having(self, *args: Any) -> "Relation":
        """Return a relation with a HAVING condition: a SQL template and its values
        (``"COUNT(*) > ?", 10``) or an expression (``Track.c.TrackId.count() > 10``).
        Conditions of several calls are ANDed."""
        if not args:
            raise ValueError("having() needs a condition")
        if isinstance(args[0], str):
            if not args[0].strip() and len(args) == 1:
                return self._clone()  # blank: no condition, as in where()
            node = p.fragment(args[0], args[1:], {})
        elif len(args) == 1 and isinstance(args[0], n.Node):
            limits = self._schema().db.dialect.integer_range
            node = p.bind_types(args[0], self._type_of, limits)
        else:
            raise TypeError("having() takes a SQL template and its values, or one "
                            "expression")
        return self._clone(_having=self._having + (node,))

    def joins(self, target: Any, on: Any = None) -> "Relation":
        """Return a relation with an INNER JOIN of ``target``: a model class, joined
        ``on`` a condition (an expression, or a SQL template without values), or, when
        ``on`` is omitted, on the one foreign key between the two tables. A string
        starting with ``JOIN``/``INNER JOIN``/``LEFT JOIN`` is taken as a whole join
        clause (a SQL template). Association names come with associations.

        Raises:
            ValueError: no ``on`` and not exactly one foreign key links the tables.
            TypeError: a target that is neither a model nor a join clause.
        """
        return self._join(target, on, "INNER")

    def left_joins(self, target: Any, on: Any = None) -> "Relation":
        """Like :meth:`joins`, with a LEFT OUTER JOIN (Rails' ``left_outer_joins``)."""
        return self._join(target, on, "LEFT")

    left_outer_joins = left_joins

    def _join(self, target, on, kind) -> "Relation":
        if isinstance(target, str):
            if on is None and _JOIN_TEXT.match(target):
                raw = p.fragment(target, (), {})
                return self._clone(_joins=self._joins + ((raw, None),))
            hook = getattr(self.model, "_association_join", None)
            if hook is not None and on is None:
                return hook(self, target, kind)
            raise TypeError(f"joins() takes a model class (with on=...) or a JOIN clause, "
                            f"not {target!r}")
        if not (isinstance(target, type) and hasattr(target, "_load_schema")):
            raise TypeError(f"joins() takes a model class or a JOIN clause, not {target!r}")
        other = target._load_schema()
        if on is None:
            cond = _foreign_key_condition(self._schema(), other)
        elif isinstance(on, str):
            cond = p.fragment(on, (), {})
        elif isinstance(on, n.Node):
            cond = on
        else:
            raise TypeError(f"on= takes an expression or a SQL template, not {on!r}")
        node = n.Join(other.table_node, cond, kind)
        return self._clone(_joins=self._joins + ((node, target),))

    def all(self) -> "Relation":
        """Return this relation (a fresh copy, not yet loaded)."""
        return self._clone()

    def unscoped(self) -> "Relation":
        """Return a relation over the whole table, without any scope (not even the
        default scope), as Rails' ``unscoped``."""
        return Relation(self.model)

    # -- SQL -----------------------------------------------------------------------
    def _where_node(self):
        if not self._where:
            return None
        return n.and_(*(c.node for c in self._where))

    def _having_node(self):
        return n.and_(*self._having) if self._having else None

    def _default_columns(self) -> tuple:
        schema = self._schema()
        cols = schema.sql_cache.get("qualified_columns")
        if cols is None:
            cols = schema.sql_cache["qualified_columns"] = tuple(
                n.Column(c, schema.table) for c in schema.names)
        return cols

    def to_select_node(self, columns: tuple | None = None, *, order: bool = True,
                       limit: bool = True) -> n.Select:
        """Return this relation as a :class:`~activerecord.sql.nodes.Select` node,
        selecting ``columns`` when given (else the relation's select list, else every
        column of the model, qualified by its table)."""
        schema = self._schema()
        return n.Select(schema.table_node,
                        columns or self._select or self._default_columns(),
                        where=self._where_node(),
                        joins=tuple(j for j, _m in self._joins), group=self._group,
                        having=self._having_node(), order=self._order if order else (),
                        limit=self._limit if limit else None,
                        offset=self._offset if limit else None, distinct=self._distinct)

    def to_subquery_node(self) -> n.Select:
        """Return the SELECT of this relation's key (or of its one selected column)
        for ``col IN (subquery)``; wrapped in a derived table when it has a LIMIT,
        which MySQL/MariaDB refuse inside IN."""
        if self._select:
            if len(self._select) != 1:
                raise ValueError("a relation used as a subquery must select one column")
            cols = self._select
        else:
            schema = self._schema()
            cols = tuple(n.Column(c, schema.table)
                         for c in self._key_columns("a relation used as a subquery"))
        if self._limit is None and not self._offset:
            return self.to_select_node(cols, order=False)
        return _wrap(self.to_select_node(cols), "subquery")

    def _key_condition(self):
        """``pk IN (SELECT pk ...)`` for UPDATE/DELETE of a relation with joins,
        order, limit or offset (through a derived table, so MySQL accepts it)."""
        schema = self._schema()
        pk = tuple(n.Column(c, schema.table)
                   for c in self._key_columns("update_all()/delete_all() with joins, "
                                              "order or limit"))
        inner = self.to_select_node(pk)
        wrapped = _wrap(inner, "subquery")
        left = pk[0] if len(pk) == 1 else n.Tuple(pk)
        return n.In(left, wrapped)

    def to_sql(self) -> str:
        """Return the SELECT this relation runs, with the dialect's placeholders (the
        values are bound separately: see :meth:`sql_and_params`)."""
        return self.sql_and_params()[0]

    def sql_and_params(self) -> tuple[str, list]:
        """Return ``(sql, params)`` of the SELECT this relation runs."""
        return self._schema().db.compile(self.to_select_node())

    def explain(self) -> str:
        """Return the database's query plan for this relation as text (``EXPLAIN
        QUERY PLAN`` on SQLite, ``EXPLAIN`` elsewhere), one line per plan row."""
        db = self._schema().db
        sql, params = db.compile(n.Explain(self.to_select_node()))
        result = db.run(sql, params, read=True)
        lines = []
        if result.columns and len(result.columns) > 1:
            lines.append(" | ".join(result.columns))
        lines.extend(" | ".join("" if v is None else str(v) for v in row)
                     for row in result.rows)
        return "\n".join(lines)

    # -- loading -------------------------------------------------------------------
    def load(self) -> "Relation":
        """Run the query now (if not yet run) and cache the records; return self."""
        if self._records is None:
            schema = self._schema()
            if not self._select:
                try:
                    rows = schema.db.select_rows(self.to_select_node())
                except ColumnNotFound:
                    # The cached schema outlived a migration (Rails #24273): refresh
                    # this table once and rebuild the query, for ORM-built reads only.
                    if schema.db.in_transaction:
                        raise
                    self.model.reset_column_information()
                    schema = self._schema()
                    rows = schema.db.select_rows(self.to_select_node())
                make = self.model._instantiate
                self._records = [make(row, schema) for row in rows]
            else:
                self._records = self._load_partial(schema)
        return self

    def _load_partial(self, schema) -> list:
        sql, params = schema.db.compile(self.to_select_node())
        result = schema.db.run(sql, params, read=True)
        loaders = []
        for item, name in zip(self._select, result.columns):
            expr = item.expr if isinstance(item, n.Alias) else item
            typ = self._type_of(expr)
            loaders.append((name, typ.deserialize if typ is not None
                            and typ.needs_deserialize else None))
        cls = self.model
        records = []
        for row in result.rows:
            record = cls.__new__(cls)
            attrs = {}
            for (name, load), value in zip(loaders, row):
                attrs[name] = load(value) if load is not None and value is not None else value
            record.__dict__["_attrs"] = attrs
            record.__dict__["_new_record"] = False
            records.append(record)
        return records

    def reload(self) -> "Relation":
        """Forget the cached records and run the query again; return self."""
        self._records = None
        return self.load()

    def to_list(self) -> list:
        """Return the records as a new list."""
        return list(self.load()._records)

    def __iter__(self) -> Iterator:
        return iter(self.load()._records)

    def __len__(self) -> int:
        return len(self.load()._records)

    def __bool__(self) -> bool:
        return bool(self.load()._records)

    def __getitem__(self, index):
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

    def _slice(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop
        if index.step not in (None, 1) or start < 0 or (stop is not None and stop < 0):
            return self.to_list()[index]
        if self._limit is not None:
            stop = self._limit if stop is None else min(stop, self._limit)
        rel = self.offset((self._offset or 0) + start or None)
        if stop is not None:
            rel = rel.limit(max(0, stop - start))
        return rel.to_list()

    def __repr__(self) -> str:
        if self._records is None:
            return f"<Relation {self.model.__name__}: {self.to_sql()}>"
        return f"<Relation {self.model.__name__} {self._records!r}>"

    def __getattr__(self, name: str):
        # Named scopes of the model chain on relations: Track.short().rock(). Private
        # and special names (__setstate__, __deepcopy__...) are never scopes, and
        # ``model`` is missing only while copy/pickle rebuild the object: no recursion.
        if name.startswith("_") or name == "model":
            raise AttributeError(name)
        from .scoping import find_scope
        found = find_scope(self.model, name)
        if found is not None:
            return functools.partial(found.apply, self)
        raise AttributeError(f"{type(self).__name__} of {self.model.__name__} has no "
                             f"attribute or scope {name!r}")

    # -- copy and pickle: the query, never the loaded records ------------------------
    def __getstate__(self) -> dict:
        """The relation's parts (model and nodes), without loaded records: a copy or
        an unpickled relation runs its query again when used."""
        return {slot: getattr(self, slot) for slot in Relation.__slots__
                if slot != "_records"}

    def __setstate__(self, state: dict) -> None:
        for slot, value in state.items():
            setattr(self, slot, value)
        self._records = None

    def __copy__(self) -> "Relation":
        return self._clone()

    def __deepcopy__(self, memo: dict) -> "Relation":
        new = Relation.__new__(Relation)
        new.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return new

    # -- bulk writes ---------------------------------------------------------------
    def _write_where(self):
        if self._joins or self._limit is not None or self._offset or self._group \
                or self._having or self._distinct:
            if self._group or self._having:
                raise ValueError("update_all()/delete_all() cannot run on a grouped relation")
            return self._key_condition()
        return self._where_node()

    def update_all(self, **values: Any) -> int:
        """UPDATE every matching row with ``values`` (plain values or expressions such
        as ``Track.c.Milliseconds + 1000``); no callbacks, no timestamps unless given
        (as Rails). Return the number of rows matched. Joins, limit and order are
        honoured through a ``pk IN (subquery)``. Values are cast as assignment casts
        them, before any SQL.

        Raises UnknownAttributeError for a name that is not a column,
        AttributeCastError for a value its column's type cannot take (or an int
        beyond the database's integers).
        """
        schema = self._schema()
        if not values:
            raise ValueError("update_all() needs column=value pairs")
        sets = []
        schema.check_writable(self.model, values)
        for name, value in values.items():
            typ = schema.types[name]
            sets.append((name, value if isinstance(value, n.Node) else p.bind_strict(
                n.Column(name, schema.table), typ, p._key_of(value),
                schema.db.dialect.integer_range, write=True)))
        node = n.Update(schema.table_node, tuple(sets), self._write_where())
        sql, params = schema.db.compile(node)
        return schema.db.run(sql, params).rowcount

    def delete_all(self) -> int:
        """DELETE every matching row (no callbacks); return the number deleted.
        Joins, limit and order are honoured through a ``pk IN (subquery)``."""
        schema = self._schema()
        sql, params = schema.db.compile(n.Delete(schema.table_node, self._write_where()))
        return schema.db.run(sql, params).rowcount


def _is_scalar(value, typ) -> bool:
    """Whether ``column=value`` is an equality that ``new``/``create`` assign."""
    if isinstance(value, (list, tuple)):
        return p._forces_equality(typ, value)  # an array column's value
    return not isinstance(value, (set, frozenset, range, dict, p.Between, n.Node)) \
        and not hasattr(value, "to_subquery_node")


def _or_items(left: list, right: list):
    if not left and not right:
        return None
    if not left or not right:
        return None  # one side has no condition: it matches everything
    return n.or_(n.and_(*left), n.and_(*right))


def _wrap(select: n.Select, alias: str) -> n.Select:
    names = []
    for i, col in enumerate(select.columns):
        if isinstance(col, n.Alias):
            names.append(col.name)
        elif isinstance(col, n.Column):
            names.append(col.name)
        else:
            names.append(f"c{i}")
    if len(set(names)) != len(names):
        raise ValueError("columns of a subquery must have distinct names; label them")
    cols = tuple(c if isinstance(c, (n.Alias, n.Column)) else n.Alias(c, f"c{i}")
                 for i, c in enumerate(select.columns))
    inner = n.Select(select.table, cols, select.where, select.joins, select.group,
                     select.having, select.order, select.limit, select.offset,
                     select.distinct)
    return n.Select(n.DerivedTable(inner, alias), tuple(n.Column(nm, alias) for nm in names))


def _foreign_key_condition(mine, other) -> n.Node:
    links = []
    # A referred table is "table", or "schema.table" outside the search path (PostgreSQL).
    for fk in mine.info.foreign_keys:
        if fk.referred_table in (other.table, other.key):
            links.append((mine.table, fk.columns, other.table, fk.referred_columns))
    for fk in other.info.foreign_keys:
        if fk.referred_table in (mine.table, mine.key) and mine.key != other.key:
            links.append((other.table, fk.columns, mine.table, fk.referred_columns))
    if len(links) != 1:
        raise ValueError(
            f"cannot infer how to join {other.table!r} to {mine.table!r}: "
            f"{len(links)} foreign keys link them; pass on=...")
    t1, c1, t2, c2 = links[0]
    return n.and_(*(n.Column(a, t1) == n.Column(b, t2) for a, b in zip(c1, c2)))


def _reverse(order: n.Node) -> n.Node:
    if isinstance(order, n.Ordering):
        flipped = "ASC" if order.direction.upper() == "DESC" else "DESC"
        nulls = {"first": "last", "last": "first"}.get((order.nulls or "").lower())
        return n.Ordering(order.expr, flipped, nulls)
    return n.Ordering(order, "DESC")
