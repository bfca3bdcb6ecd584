"""Query methods of a Relation: conditions (``where``, ``where_not``, ``or_``,
``rewhere``, ``unscope``, ``none``), shape (``order``, ``reorder``, ``reverse_order``,
``limit``, ``offset``, ``page``, ``distinct``, ``select``, ``reselect``, ``group``,
``having``) and joins (``joins``, ``left_joins``), as Rails' ``QueryMethods``. The
association-loading values (``preload``, ``includes``, ``eager_load``, ``references``,
``strict_loading``) are ``eager_loading.py``'s.

Every method returns a new relation. Strings name columns and are checked against the
model (and joined models) before any SQL runs; SQL text enters only as templates with
bound values (``where("Name LIKE ?", "A%")``); nothing a user passes as a value is ever
formatted into SQL. Hash conditions and templates are built by ``predicates.py``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, cast

from ..errors import AssociationNotFoundError
from ..sql import nodes as n
from ..types import Type
from . import predicates as p
from .association_query import association_conds
from .contract import M, ModelClass, TableSchema
from .core import NOVALUE, Cond, RelationCore, nonneg

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["QueryMethods"]

_ORDER_TEXT = re.compile(r"^\s*([^\s,]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$",
                         re.IGNORECASE)
# The direction and NULLS clause at the end of an order string (the leftmost match is
# the longest clause; it may be empty).
_ORDER_TAIL = re.compile(r"(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$",
                         re.IGNORECASE)
_JOIN_TEXT = re.compile(r"^\s*((natural|inner|cross|left|right|full)\s+(outer\s+)?)?join\s",
                        re.IGNORECASE)
_PARTS = ("where", "order", "limit", "offset", "select", "group", "having", "joins",
          "distinct")
#: The parts two relations combined by ``or_`` must share (Rails'
#: ``STRUCTURAL_VALUE_METHODS``: every part but the conditions).
_STRUCTURAL = ("order", "limit", "offset", "select", "group", "joins", "distinct")


class QueryMethods(RelationCore[M]):
    """Builders of a relation's conditions, shape and joins (see the module doc)."""

    __slots__ = ()

    # -- conditions ----------------------------------------------------------------
    def where(self, /, *args: Any, **conds: Any) -> Self:
        """Return a relation with these conditions added (AND).

        ``args``: a SQL template and its values (``"Name LIKE ?", "A%"``; with
        ``:name`` placeholders the keywords are its values), or column expressions
        (``Track.c.Milliseconds > 300000``). ``conds``: ``column=value`` (equality,
        ``IN`` for lists/sets/Relations, ``IS NULL`` for None, ``BETWEEN`` for a
        ``range`` or ``between(low, high)``). Follows Rails' ``where``. Values are cast
        to the column's type first (see ``predicates``); a blank template
        (``where("")``, ``where("  ")``) adds nothing, as Rails ignores blank conditions.
        A keyword that is no column but a belongs_to takes its records
        (``where(artist=acdc)``: the foreign key; ``association_query.py``); one
        naming an association with a dict is a condition on its table
        (``where(artist={"Name": ...})``). A column of the name wins.

        Raises:
            UnknownAttributeError: a keyword is not a column of the model (nor a
                belongs_to).
            AssociationTypeMismatch: a record of another class for a belongs_to.
            AttributeCastError: a value the column's type cannot take (``id="x"``).
            ValueError/TypeError: a template whose placeholders and values differ; a
                generator or other iterable that is not a list/tuple/set/range.
        """
        return self._clone(_where=self._where + tuple(self._conds(args, conds)))

    def where_not(self, /, *args: Any, **conds: Any) -> Self:
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
        return self._clone(_where=self._where + (Cond(node, cols),))

    not_ = where_not

    def _conds(self, args: tuple, conds: dict[str, Any],
               lenient_keys: bool = False) -> list[Cond]:
        """The ``Cond`` items of ``where(*args, **conds)``; ``lenient_keys`` (find_by):
        a value a primary key column cannot take matches no row instead of raising."""
        schema = self._schema()
        if args and isinstance(args[0], str):
            if not args[0].strip() and len(args) == 1 and not conds:
                return []  # blank: no condition (Rails ignores blank ones)
            return [Cond(p.fragment(args[0], args[1:], conds))]
        out = [self._node_cond(arg, schema) for arg in args] if args else []
        limits = schema.db.dialect.integer_range
        for name, value in conds.items():
            if name not in schema.types:  # a column of that name wins
                if isinstance(value, dict) or "." in name:
                    out += self._joined_conds(name, value, limits)
                else:  # a belongs_to and its records (UnknownAttributeError if none)
                    out += association_conds(self, name, value, limits)
                continue
            col, typ = schema.column(self.model, name)
            node = p.hash_condition(col, value, typ, limits=limits,
                                    lenient=lenient_keys and name in schema.pk)
            out.append(Cond(node, frozenset((name,)),
                            value if _is_scalar(value, typ) else NOVALUE))
        return out

    def _joined_conds(self, name: str, value: Any, limits: tuple) -> list[Cond]:
        """Conditions on another table of the query: ``artist={"Name": "AC/DC"}``
        keyed by a table name or alias, or an association path of the model (joined,
        or joined later), as Rails' ``where(artist: {name: ...})``; or one column,
        ``**{"Artist.Name": ...}``. Values are bound with that model's types;
        UnknownAttributeError (its columns listed) for a column it lacks,
        AssociationNotFoundError for a key that names no table or association."""
        if not isinstance(value, dict):
            col, typ = self._resolve(name)
            return [Cond(p.hash_condition(col, value, typ, limits=limits),
                         frozenset((name,)))]
        found = self._table_named(name)
        if found is None:
            self._unknown_table(name)
        label, model, _path = cast(tuple, found)
        target = model._load_schema()
        out: list[Cond] = []
        for column, item in value.items():
            if isinstance(item, dict) and column not in target.types:
                out += self._joined_conds(f"{name}.{column}", item, limits)
                continue
            typ = target.column(model, column)[1]
            node = p.hash_condition(n.Column(column, label), item, typ, limits=limits)
            out.append(Cond(node, frozenset((f"{name}.{column}",))))
        return out

    def _unknown_table(self, name: str) -> None:
        try:  # AssociationNotFoundError listing the associations, when none is named so
            self.model._association_targets((name.split(".")[0],))
        except AssociationNotFoundError as err:
            tables = ", ".join(t[0] for t in self._tables())
            err.args = (f"where({name}={{...}}): {self.model.__name__} has no column, "
                        f"association or table in the query named {name!r}; "
                        f"associations: {', '.join(err.known) or 'none'}; tables: "
                        f"{tables}",)
            raise
        raise AssociationNotFoundError(self.model.__name__, name, [])

    def _node_cond(self, arg: object, schema: TableSchema) -> Cond:
        # One column expression of where(...), its values bound to the columns' types.
        if isinstance(arg, RelationCore):
            raise TypeError("combine relations with or_() (where() takes conditions)")
        if not isinstance(arg, n.Node):
            raise TypeError(f"where() takes a SQL template string, column expressions or "
                            f"keyword conditions, not {type(arg).__name__}")
        node = p.bind_types(arg, self._type_of, schema.db.dialect.integer_range)
        return Cond(node, p.referenced_columns(node, schema.table))

    def or_(self, other: RelationCore[M]) -> Self:
        """Return a relation matching this relation's conditions OR ``other``'s
        (Rails' ``or``). Both must be of the same model and structurally compatible:
        the same order, limit, offset, select, group, joins and distinct (compared
        part by part, node by node, as Rails' ``structurally_incompatible_values_for``;
        a part listed twice counts once). Only the conditions (WHERE and HAVING)
        differ; a side without conditions matches every row. ``none().or_(other)`` is
        ``other`` (Rails' ``none.or``; ``other.or_(none())`` is ``other``'s rows too).

        Raises:
            TypeError: ``other`` is not a Relation of the same model.
            ValueError: the relations differ in another part; the message names
                each such part.
        """
        if not isinstance(other, RelationCore) or other.model is not self.model:
            raise TypeError(f"or_() takes a relation of {self.model.__name__}, not {other!r}")
        if self._none:  # nothing OR other: other's rows (Rails' none.or(x) is x)
            return cast("Self", other._clone())
        differ = [part for part in _STRUCTURAL
                  if not _same_part(getattr(self, "_" + part), getattr(other, "_" + part))]
        if differ:
            raise ValueError(
                "relations passed to or_() must be structurally compatible, so differ "
                "only in their conditions (where, having); incompatible: "
                + ", ".join(_part_text(part, self, other) for part in differ))
        where = _or_items([c.node for c in self._where], [c.node for c in other._where])
        having = _or_items(list(self._having), list(other._having))
        return self._clone(_where=(Cond(where),) if where is not None else (),
                           _having=(having,) if having is not None else ())

    def rewhere(self, /, *args: Any, **conds: Any) -> Self:
        """Like :meth:`where`, first dropping the conditions on the same columns
        (Rails' ``rewhere``), including those of a default scope."""
        new = self._conds(args, conds)
        names = frozenset().union(*(c.columns for c in new)) if new else frozenset()
        kept = tuple(c for c in self._where if not (c.columns & names))
        return self._clone(_where=kept + tuple(new))

    def unscope(self, *parts: str, where: str | tuple | list | None = None) -> Self:
        """Return a relation without the named parts: ``"where"``, ``"order"``,
        ``"limit"``, ``"offset"``, ``"select"``, ``"group"``, ``"having"``, ``"joins"``,
        ``"distinct"``; ``where="col"`` (or several) drops only the conditions on
        those columns. Follows Rails' ``unscope``. Raises ValueError for another name.
        """
        changes: dict[str, Any] = {}
        for part in parts:
            if part not in _PARTS:
                raise ValueError(f"unscope() takes {', '.join(_PARTS)}; not {part!r}")
            changes["_" + part] = {"limit": None, "offset": None,
                                   "distinct": False}.get(part, ())
        if where is not None:
            names = frozenset([where] if isinstance(where, str) else where)
            schema = self._schema()
            for name in names:
                schema.column(self.model, name)  # UnknownAttributeError for a non-column
            base = changes.get("_where", self._where)
            changes["_where"] = tuple(c for c in base if not (c.columns & names))
        if self._none and "where" in parts:  # still none(): it stays empty (Rails)
            changes["_where"] = (Cond(n.Or(())),)
        return self._clone(**changes)

    def none(self) -> Self:
        """Return a relation that matches no rows, as Rails' ``none`` (a
        ``NullRelation``): its SQL says ``WHERE 1=0`` (as a subquery, or in
        ``to_sql()``), but nothing is sent to the database: loading it gives ``[]``,
        ``count()``/``size`` 0, ``exists()`` False, ``pluck``/``ids`` ``[]``, ``sum`` 0
        (of the column's type, as for no rows), ``average``/``minimum``/``maximum``
        None (grouped: ``{}``), ``first``/``last``/``take``/``find_by`` None,
        ``update_all``/``delete_all`` 0. Names are still checked (bad input raises as
        usual). Chained methods keep it empty (``unscope("where")`` too, as in Rails);
        ``none().or_(other)`` is ``other`` (Rails' ``none.or(x)``)."""
        if self._none:
            return self._clone()
        return self._clone(_where=self._where + (Cond(n.Or(())),), _none=True)

    # -- shape ---------------------------------------------------------------------
    def order(self, /, *args: Any, **columns: str) -> Self:
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
            m = _ORDER_TAIL.fullmatch(" " + direction) if isinstance(direction, str) else None
            if m is None:
                raise ValueError(f"order({name}=...) takes 'asc' or 'desc' [nulls "
                                 f"first|last], not {direction!r}")
            items.append(_ordered(self._resolve(name)[0], m.group(1), m.group(2)))
        return self._clone(_order=tuple(items))

    def reorder(self, /, *args: Any, **columns: str) -> Self:
        """Like :meth:`order`, replacing any ordering given before."""
        return self._clone(_order=()).order(*args, **columns)

    def reverse_order(self) -> Self:
        """Return the relation in the opposite order (by primary key descending when it
        has no order), as Rails' ``reverse_order``; NULLS FIRST/LAST flip too."""
        rel = self._ordered_by_key("reverse_order()")
        return rel._clone(_order=tuple(_reverse(o) for o in rel._order))

    def _ordering(self, arg: object) -> n.Node:
        if isinstance(arg, n.Ordering):
            return arg
        if isinstance(arg, n.Expression):
            return n.Ordering(arg)
        if not isinstance(arg, str):
            raise TypeError(f"order() takes column names or orderings, not {arg!r}")
        # The whole string (minus a leading '-') is a column name first ("Line No"),
        # else a column name followed by a direction and/or NULLS clause.
        desc = arg.startswith("-")
        text = arg[1:] if desc else arg
        col = self._column_named(text.strip())
        if col is not None:
            return n.Ordering(col, "DESC" if desc else "ASC")
        tail = cast(re.Match, _ORDER_TAIL.search(text))  # it matches at the end at least
        col = self._column_named(text[:tail.start()].strip())
        if col is None:
            m = _ORDER_TEXT.match(text)
            if not m:
                raise ValueError(f"cannot order by {arg!r}: give 'column', 'column "
                                 "asc|desc' [nulls first|last] or a column expression")
            col = self._resolve(m.group(1))[0]  # UnknownAttributeError: no such column
        if desc and tail.group(1):
            raise ValueError(f"cannot order by {arg!r}: '-' and a direction together")
        return _ordered(col, tail.group(1) or ("desc" if desc else None), tail.group(2))

    def _column_named(self, name: str) -> n.Column | None:
        """The Column node of ``"col"`` or ``"Table.col"`` (this or a joined model's),
        or None when ``name`` is no column (without building an error)."""
        schema = self._schema()
        if name in schema.types:
            return schema.column(self.model, name)[0]
        if "." not in name:
            return None
        found = self._lookup(name, strict=False)
        return found[0] if found is not None else None

    def limit(self, count: int | None) -> Self:
        """Return a relation of at most ``count`` rows (``None``: no limit).
        Raises ValueError unless ``count`` is a non-negative int."""
        return self._clone(_limit=None if count is None else nonneg("limit", count))

    def offset(self, count: int | None) -> Self:
        """Return a relation that skips ``count`` rows (ValueError if negative)."""
        return self._clone(_offset=None if count is None else nonneg("offset", count))

    def page(self, number: int, per: int = 25) -> Self:
        """Return page ``number`` (from 1) of ``per`` rows: ``LIMIT per OFFSET
        (number - 1) * per`` (kaminari's ``page(n).per(x)``). Order the relation for
        stable pages. Raises ValueError for a page below 1 or ``per`` below 1."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"page numbers start at 1, not {number!r}")
        if isinstance(per, bool) or not isinstance(per, int) or per < 1:
            raise ValueError(f"per must be a positive int, not {per!r}")
        return self._clone(_limit=per, _offset=(number - 1) * per or None)

    def distinct(self, value: bool = True) -> Self:
        """Return a relation with SELECT DISTINCT (or without, for ``False``)."""
        return self._clone(_distinct=bool(value))

    def lock(self, value: bool = True, *, nowait: bool = False, skip_locked: bool = False,
             of: Any = None, share: bool = False) -> Self:
        """Return a relation whose SELECT locks the rows it reads until the
        transaction ends (Rails' ``lock``; pessimistic locking): ``FOR UPDATE``, or
        ``FOR SHARE`` with ``share=True`` (MariaDB: ``LOCK IN SHARE MODE``);
        ``nowait=True`` fails at once when another transaction holds a row,
        ``skip_locked=True`` leaves such rows out (the job-queue pattern); ``of``: a
        model, a table name or a list of them, whose rows alone are locked
        (PostgreSQL, MySQL 8). ``lock(False)`` removes the lock. Outside a
        transaction the lock ends with the statement. SQLite has no row locks: the
        clause is left out there, and a transaction already holds the database's
        write lock (it begins with ``BEGIN IMMEDIATE``).

        Raises ValueError for ``nowait`` with ``skip_locked``, TypeError for a
        ``value`` that is no bool or an ``of`` that names no table, and (when the
        query is compiled) NotSupportedError for ``of`` on MariaDB."""
        if not isinstance(value, bool):
            raise TypeError(f"lock() takes True or False (and keyword options), not "
                            f"{value!r}")
        if not value:
            return self._clone(_lock=None)
        if nowait and skip_locked:
            raise ValueError("lock(): nowait=True and skip_locked=True exclude each other")
        return self._clone(_lock=n.Lock(share=bool(share), nowait=bool(nowait),
                                        skip_locked=bool(skip_locked), of=_lock_tables(of)))

    def select(self, *columns: Any) -> Self:
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

    def reselect(self, *columns: Any) -> Self:
        """Like :meth:`select`, replacing the columns selected before (Rails)."""
        return self._clone(_select=()).select(*columns)

    def group(self, *columns: Any) -> Self:
        """Return a relation with ``GROUP BY columns`` (names or expressions). With a
        group, ``count``/``sum``/... return a dict keyed by the group's values.
        Raises UnknownAttributeError for a name that is not a column."""
        if not columns:
            raise ValueError("group() needs at least one column")
        return self._clone(_group=self._group + tuple(self._expr(c, "group")
                                                      for c in columns))

    def having(self, *args: Any) -> Self:
        """Return a relation with a HAVING condition: a SQL template and its values
        (``"COUNT(*) > ?", 10``) or an expression (``Track.c.TrackId.count() > 10``).
        Conditions of several calls are ANDed."""
        if not args:
            raise ValueError("having() needs a condition")
        node: n.Node
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

    def joins(self, target: Any, on: Any = None) -> Self:
        """Return a relation with an INNER JOIN of ``target``: a model class, joined
        ``on`` a condition (an expression, or a SQL template without values), or, when
        ``on`` is omitted, on the one foreign key between the two tables. A string
        starting with ``JOIN``/``INNER JOIN``/``LEFT JOIN`` is taken as a whole join
        clause (a SQL template). Any other string is an association name, and a dict
        (``{"album": "artist"}``) or a list of them joins nested associations, as Rails'
        ``joins(album: :artist)`` (the model's ``_association_joins``).

        Raises:
            ValueError: no ``on`` and not exactly one foreign key links the tables.
            TypeError: a target that is neither a model nor a join clause.
            AssociationNotFoundError: an unknown association name (before any SQL).
        """
        return self._join(target, on, "INNER")

    def left_joins(self, target: Any, on: Any = None) -> Self:
        """Like :meth:`joins`, with a LEFT OUTER JOIN (Rails' ``left_outer_joins``)."""
        return self._join(target, on, "LEFT")

    left_outer_joins = left_joins

    def where_missing(self, *names: str) -> Self:
        """Return a relation of the records that have no associated record for each
        association of ``names`` (Rails 7's ``where.missing``): a LEFT OUTER JOIN of
        it and ``IS NULL`` on the joined table's primary key (its join columns when
        it has none). Raises AssociationNotFoundError before any SQL, ValueError
        without a name, TypeError for a name that is not a string."""
        return self._where_joined(names, "LEFT", "where_missing")

    def where_associated(self, *names: str) -> Self:
        """Return a relation of the records that have an associated record for each
        association of ``names`` (Rails 7's ``where.associated``): an INNER JOIN of
        it and ``IS NOT NULL`` on the joined table's key. As Rails, a record with
        several associated records appears once per record (add ``distinct()``).
        Raises as :meth:`where_missing`."""
        return self._where_joined(names, "INNER", "where_associated")

    def _where_joined(self, names: tuple[str, ...], kind: str, what: str) -> Self:
        if not names:
            raise ValueError(f"{what}() needs association names")
        rel = self
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"{what}() takes association names, not {name!r}")
            rel = rel._join(name, None, kind)
            node, model = next((j, m) for j, m in rel._joins if m is not None
                               and isinstance(j, n.Join) and j.association == (name,))
            label = node.table.alias or node.table.name
            key = model._load_schema().pk or tuple(dict.fromkeys(
                c.name for c in p.columns_in(node.on) if c.table == label))
            test = n.and_(*(n.IsNull(n.Column(c, label), negate=kind == "INNER")
                            for c in key))
            rel = rel._clone(_where=rel._where + (Cond(test),))
        return rel

    def _join(self, target: Any, on: Any, kind: str) -> Self:
        if isinstance(target, str):
            if on is None and _JOIN_TEXT.match(target):
                raw = p.fragment(target, (), {})
                return self._clone(_joins=self._joins + ((raw, None),))
        if isinstance(target, (str, dict, list)):
            if on is not None:
                raise TypeError(f"joins() of association {target!r} takes no on=")
            parts = tuple(self.model._association_joins(target, kind, self._joins))
            return self._clone(_joins=self._joins + parts)._requalified()
        if not (isinstance(target, type) and hasattr(target, "_load_schema")):
            raise TypeError(f"joins() takes a model class or a JOIN clause, not {target!r}")
        joined = cast("ModelClass[Any]", target)
        other = joined._load_schema()
        cond: n.Node
        if on is None:
            cond = _foreign_key_condition(self._schema(), other)
        elif isinstance(on, str):
            cond = p.fragment(on, (), {})
        elif isinstance(on, n.Node):
            cond = on
        else:
            raise TypeError(f"on= takes an expression or a SQL template, not {on!r}")
        node = n.Join(other.table_node, cond, kind)
        return self._clone(_joins=self._joins + ((node, joined),))

    def all(self) -> Self:
        """Return this relation (a fresh copy, not yet loaded)."""
        return self._clone()

    def unscoped(self) -> Self:
        """Return a relation over the whole table, without any scope (not even the
        default scope), as Rails' ``unscoped``."""
        return type(self)(cast("type[M]", self.model))


def _is_scalar(value: Any, typ: Type) -> bool:
    """Whether ``column=value`` is an equality that ``new``/``create`` assign."""
    if isinstance(value, (list, tuple)):
        return p._forces_equality(typ, value)  # an array column's value
    return not isinstance(value, (set, frozenset, range, dict, p.Between, n.Node)) \
        and not hasattr(value, "to_subquery_node")

def _same(a: Any, b: Any) -> bool:
    """Whether two parts of relations are the same: nodes compared field by field
    (``==`` on an expression builds a condition node), tuples item by item, other
    values by type and ``==`` (so ``1`` and ``True`` differ); models by identity."""
    if type(a) is not type(b):
        return False
    if isinstance(a, n.Node) and dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name))
                   for f in dataclasses.fields(a))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, type):
        return a is b
    return bool(a == b)


def _unique(items: tuple) -> list:
    out: list = []
    for item in items:
        if not any(_same(item, seen) for seen in out):
            out.append(item)
    return out


def _same_part(a: Any, b: Any) -> bool:
    """Whether one part (``_order``, ``_limit``...) of two relations is the same; a
    tuple part compared without repeats (Rails' ``uniq``)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return _same(_unique(a), _unique(b))
    return _same(a, b)


def _part_text(part: str, mine: RelationCore[Any], theirs: RelationCore[Any]) -> str:
    # "limit (2 and 5)" for a value part; the name alone for node parts.
    a, b = getattr(mine, "_" + part), getattr(theirs, "_" + part)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return part
    return f"{part} ({a!r} and {b!r})"


def _or_items(left: list[n.Node], right: list[n.Node]) -> n.Node | None:
    if not left and not right:
        return None
    if not left or not right:
        return None  # one side has no condition: it matches everything
    return n.or_(n.and_(*left), n.and_(*right))

def _foreign_key_condition(mine: TableSchema, other: TableSchema) -> n.Node:
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

def _ordered(col: n.Column, direction: str | None, nulls: str | None) -> n.Ordering:
    """``col`` ordered by ``direction`` ("asc"/"desc", any case; None: ascending) with
    ``nulls`` ("first"/"last", any case, or None)."""
    return n.Ordering(col, (direction or "asc").upper(), nulls.lower() if nulls else None)


def _reverse(order: n.Node) -> n.Node:
    if isinstance(order, n.Ordering):
        flipped = "ASC" if order.direction.upper() == "DESC" else "DESC"
        nulls = {"first": "last", "last": "first"}.get((order.nulls or "").lower())
        return n.Ordering(order.expr, flipped, nulls)
    return n.Ordering(order, "DESC")


def _lock_tables(of: Any) -> tuple[str, ...]:
    # ``lock(of=...)``: a model (its table), a table name, or a list/tuple of them.
    if of is None:
        return ()
    items = of if isinstance(of, (list, tuple)) else (of,)
    tables = []
    for item in items:
        if isinstance(item, str) and item:
            tables.append(item)
        elif isinstance(item, type) and hasattr(item, "_load_schema"):
            tables.append(item._load_schema().table)
        else:
            raise TypeError(f"lock(of=...) takes models or table names, not {item!r}")
    return tuple(tables)
