"""An immutable tree of SQL nodes: statements, expressions and conditions.

Nodes hold names and values, never SQL text (except :class:`Raw`, a user fragment whose
values are still bound parameters). ``activerecord.sql.compiler.Compiler`` turns a tree
into ``(sql, params)`` for one dialect. Expressions overload Python operators so that
``Artist.c.ArtistId > 10`` builds a node instead of comparing (as SQLAlchemy's column
expressions do): ``== != < <= > >=``, ``&`` (AND), ``|`` (OR), ``~`` (NOT), and
``+ - * /`` (arithmetic, e.g. ``update_all(Plays=Track.c.Plays + 1)``). Aggregates and a
few scalar functions are methods: ``Track.c.Milliseconds.sum()``, ``.count()``,
``.lower()``; ``COUNT_STAR`` is ``COUNT(*)``. Array tests (``.contains([...])``,
``.contained_by``, ``.overlaps``) are :class:`Containment` nodes, which the dialect
spells (PostgreSQL) or refuses; :class:`Cast` is ``CAST(x AS type)``.

A Relation given where a value is expected (``Album.c.ArtistId.in_(Artist.where(...))``)
becomes a subquery through its ``to_subquery_node()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Node", "Expression", "Column", "Param", "Raw", "Func", "Case", "Star", "Binary", "And", "Or",
    "Not", "In", "Between", "IsNull", "Like", "Ordering", "Table", "Join", "Select", "Lock",
    "Insert", "Update", "Delete", "Alias", "wrap", "and_", "or_", "not_",
    "DerivedTable", "Tuple", "OnConflict", "Explain", "COUNT_STAR", "LIKE_ESCAPE",
    "escape_like", "Containment", "Cast", "IN_COLLECTIONS",
]

#: The escape character of the LIKE patterns built by ``contains``/``startswith``/
#: ``endswith``. Not a backslash: SQLite has no default escape character and MySQL
#: treats a backslash inside a string literal as an escape itself, so ``ESCAPE '!'``
#: is the one spelling that means the same on the three databases.
LIKE_ESCAPE = "!"


def escape_like(text: str, escape: str = LIKE_ESCAPE) -> str:
    """Return ``text`` with the LIKE wildcards ``%`` and ``_`` (and the escape character)
    escaped by ``escape``, for use with ``Like(..., escape=escape)`` (Rails'
    ``sanitize_sql_like``)."""
    return (text.replace(escape, escape + escape).replace("%", escape + "%")
            .replace("_", escape + "_"))


class Node:
    """Base of every node."""

    __slots__ = ()


def _operator(op: str, reflected: bool = False) -> Callable[[Expression, Any], Binary]:
    """The method behind a Python operator on an expression: ``Binary(op, self,
    other)``, or ``Binary(op, other, self)`` for the reflected one (``1 + col``)."""
    if reflected:
        def method(self: Expression, other: Any) -> Binary:
            return Binary(op, wrap(other), self)
    else:
        def method(self: Expression, other: Any) -> Binary:
            return Binary(op, self, wrap(other))
    return method


class Expression(Node):
    """A value-producing node; Python operators build condition nodes from it."""

    __slots__ = ()
    __hash__ = object.__hash__

    # ``==``/``!=`` build condition nodes, not bools (SQLAlchemy's operators do the
    # same): the override of ``object.__eq__`` returns another type on purpose.
    def __eq__(self, other: object) -> Expression:  # type: ignore[override]
        return IsNull(self) if other is None else Binary("=", self, wrap(other))

    def __ne__(self, other: object) -> Expression:  # type: ignore[override]
        return IsNull(self, negate=True) if other is None else Binary("<>", self, wrap(other))

    __lt__ = _operator("<")
    __le__ = _operator("<=")
    __gt__ = _operator(">")
    __ge__ = _operator(">=")
    __add__, __radd__ = _operator("+"), _operator("+", reflected=True)
    __sub__, __rsub__ = _operator("-"), _operator("-", reflected=True)
    __mul__, __rmul__ = _operator("*"), _operator("*", reflected=True)
    __truediv__, __rtruediv__ = _operator("/"), _operator("/", reflected=True)

    def __and__(self, other: Any) -> Node:
        return and_(self, other)

    def __or__(self, other: Any) -> Node:
        return or_(self, other)

    def __invert__(self) -> Node:
        return not_(self)

    def __bool__(self) -> bool:
        raise TypeError("SQL expressions have no truth value; combine them with & | ~ "
                        "rather than and/or/not")

    def in_(self, values: Any) -> Node:
        """``self IN (values)``; ``values`` is a list, tuple, set, frozenset or range,
        or a subquery (a Select or a Relation). A ``None`` among the values adds ``OR
        self IS NULL`` (``IN (NULL)`` would never match), as ``where(col=[None, x])``.

        Raises TypeError for another kind of value (a string, a generator...)."""
        items = _in_values(self, values)
        return _with_nulls(self, items, negate=False)

    def not_in(self, values: Any) -> Node:
        """``self NOT IN (values)`` (values as :meth:`in_`); a ``None`` among them adds
        ``AND self IS NOT NULL`` (``NOT IN (NULL)`` would match nothing)."""
        items = _in_values(self, values)
        return _with_nulls(self, items, negate=True)

    def like(self, pattern: Any) -> Like:
        """``self LIKE pattern`` (case sensitivity follows the database's collation)."""
        return Like(self, wrap(pattern))

    def not_like(self, pattern: Any) -> Like:
        """``self NOT LIKE pattern``."""
        return Like(self, wrap(pattern), negate=True)

    def ilike(self, pattern: Any) -> Like:
        """Case-insensitive LIKE on every database (ILIKE or LOWER() LIKE LOWER())."""
        return Like(self, wrap(pattern), case_insensitive=True)

    def not_ilike(self, pattern: Any) -> Like:
        """Case-insensitive ``NOT LIKE``."""
        return Like(self, wrap(pattern), negate=True, case_insensitive=True)

    def contains(self, text: Any, case_insensitive: bool = False) -> Node:
        """``self LIKE '%text%'`` with ``%`` and ``_`` in ``text`` matched literally.

        Given a list (or tuple/set) instead of a string: the array ``self`` contains
        every item; given a dict: the JSON document ``self`` contains it (PostgreSQL
        ``@>`` for arrays and ``jsonb``; :class:`Containment`)."""
        if isinstance(text, dict):
            return Containment("contains", self, Param(text))
        if isinstance(text, (list, tuple, set, frozenset)):
            return Containment("contains", self, Param(_as_list(text)))
        return Like(self, Param("%" + escape_like(text) + "%"), False, case_insensitive,
                    LIKE_ESCAPE)

    def contained_by(self, values: Any) -> Containment:
        """The array ``self`` holds only items of ``values`` (PostgreSQL ``<@``)."""
        return Containment("contained_by", self, Param(_as_list(values)))

    def overlaps(self, values: Any) -> Containment:
        """The array ``self`` has an item in common with ``values`` (PostgreSQL ``&&``)."""
        return Containment("overlaps", self, Param(_as_list(values)))

    def startswith(self, text: str, case_insensitive: bool = False) -> Like:
        """``self LIKE 'text%'`` with ``%`` and ``_`` in ``text`` matched literally."""
        return Like(self, Param(escape_like(text) + "%"), False, case_insensitive,
                    LIKE_ESCAPE)

    def endswith(self, text: str, case_insensitive: bool = False) -> Like:
        """``self LIKE '%text'`` with ``%`` and ``_`` in ``text`` matched literally."""
        return Like(self, Param("%" + escape_like(text)), False, case_insensitive,
                    LIKE_ESCAPE)

    def is_null(self) -> IsNull:
        """``self IS NULL``."""
        return IsNull(self)

    def is_not_null(self) -> IsNull:
        """``self IS NOT NULL``."""
        return IsNull(self, negate=True)

    def between(self, low: Any, high: Any) -> Between:
        """``self BETWEEN low AND high`` (inclusive); in ``where()`` a ``None`` bound
        leaves that end open, as ``predicates.between``."""
        return Between(self, wrap(low), wrap(high))

    def asc(self, nulls: str | None = None) -> Ordering:
        """Ascending order; ``nulls`` is ``"first"``, ``"last"`` or ``None``."""
        return Ordering(self, "ASC", nulls)

    def desc(self, nulls: str | None = None) -> Ordering:
        """Descending order; ``nulls`` is ``"first"``, ``"last"`` or ``None``."""
        return Ordering(self, "DESC", nulls)

    def label(self, name: str) -> Alias:
        """``self AS name`` in a select list."""
        return Alias(self, name)

    # -- functions -----------------------------------------------------------------
    def count(self, distinct: bool = False) -> Func:
        """``COUNT([DISTINCT] self)``."""
        return Func("COUNT", (self,), distinct)

    def sum(self, distinct: bool = False) -> Func:
        """``SUM([DISTINCT] self)``."""
        return Func("SUM", (self,), distinct)

    def avg(self, distinct: bool = False) -> Func:
        """``AVG([DISTINCT] self)`` (the database's type; ``Relation.average`` is portable)."""
        return Func("AVG", (self,), distinct)

    def min(self) -> Func:
        """``MIN(self)``."""
        return Func("MIN", (self,))

    def max(self) -> Func:
        """``MAX(self)``."""
        return Func("MAX", (self,))

    def lower(self) -> Func:
        """``LOWER(self)`` (ASCII only on SQLite)."""
        return Func("LOWER", (self,))

    def upper(self) -> Func:
        """``UPPER(self)`` (ASCII only on SQLite)."""
        return Func("UPPER", (self,))

    def coalesce(self, *others: Any) -> Func:
        """``COALESCE(self, others...)``."""
        return Func("COALESCE", (self, *(wrap(o) for o in others)))


#: What ``in_()`` takes as its list of values.
IN_COLLECTIONS = (list, tuple, set, frozenset, range)


def _in_values(expr: Node, values: Any) -> Select | tuple[Node, ...]:
    if isinstance(values, Select):
        return values
    if hasattr(values, "to_subquery_node"):  # a Relation: its key (or one selected column)
        return values.to_subquery_node()
    if not isinstance(values, IN_COLLECTIONS):
        what = "an expression" if not isinstance(expr, Column) else \
            f"{expr.table}.{expr.name}" if expr.table else expr.name
        raise TypeError(f"in_() of {what} takes a list, tuple, set, frozenset or range, or "
                        f"a Relation (subquery), not {type(values).__name__} {values!r:.60}")
    if isinstance(values, (set, frozenset)):
        values = sorted(values, key=repr)  # the same SQL and parameters on every call
    return tuple(wrap(v) for v in values)


def _with_nulls(expr: Node, items: Any, negate: bool) -> Node:
    if isinstance(items, Select) or not any(isinstance(i, Param) and i.value is None
                                            for i in items):
        return In(expr, items, negate)
    rest = tuple(i for i in items if not (isinstance(i, Param) and i.value is None))
    null = IsNull(expr, negate)
    if not rest:
        return null
    return And((In(expr, rest, True), null)) if negate else Or((In(expr, rest), null))


def _as_list(values: Any) -> Any:
    # A list for an array test; one value (a string, a number) is kept for binding,
    # where the column's type refuses it with an AttributeCastError naming the column.
    if isinstance(values, (set, frozenset)):
        return sorted(values, key=repr)
    if isinstance(values, (list, tuple)):
        return list(values)
    if isinstance(values, (str, bytes, int, float)) or values is None:
        return values
    raise TypeError(f"array comparisons take a list, not {type(values).__name__}")


def wrap(value: Any) -> Node:
    """Return ``value`` as a node: nodes pass through, a Relation becomes its subquery
    (``to_subquery_node()``), anything else a Param."""
    if isinstance(value, Node):
        return value
    if hasattr(value, "to_subquery_node"):
        return value.to_subquery_node()
    return Param(value)


@dataclass(frozen=True, eq=False, slots=True)
class Column(Expression):
    """A column reference; ``table`` qualifies it (``"Album"."Title"``) when set."""

    name: str
    table: str | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Param(Expression):
    """A bound parameter value: the compiler writes the dialect's placeholder and
    appends ``value`` to the parameters, never to the SQL text."""

    value: Any


@dataclass(frozen=True, eq=False, slots=True)
class Raw(Expression):
    """A user SQL fragment with ``?`` placeholders and their values, e.g.
    ``Raw("Name LIKE ?", ("A%",))``. The only place SQL text enters the tree."""

    sql: str
    params: tuple = ()


@dataclass(frozen=True, eq=False, slots=True)
class Case(Expression):
    """``CASE WHEN cond THEN value ... ELSE default END`` (``default`` None: no
    ELSE, so NULL when no condition holds)."""

    whens: tuple[tuple[Node, Node], ...]
    default: Node | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Star(Node):
    """``*``, only inside ``COUNT(*)``."""


@dataclass(frozen=True, eq=False, slots=True)
class Func(Expression):
    """A SQL function call, ``name(args)``; ``distinct`` adds ``DISTINCT``.

    ``name`` is one of a known set (COUNT, SUM, AVG, MIN, MAX, LOWER, UPPER, COALESCE,
    LENGTH, ABS), checked by the compiler."""

    name: str
    args: tuple = ()
    distinct: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class Alias(Node):
    """``expr AS name`` in a select list."""

    expr: Node
    name: str


@dataclass(frozen=True, eq=False, slots=True)
class Binary(Expression):
    """``left op right`` for a comparison or arithmetic operator."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, eq=False, slots=True)
class _Items(Expression):
    """The base of the nodes made of a tuple of nodes, ``items``."""

    items: tuple


class And(_Items):
    """All of ``items``."""

    __slots__ = ()


class Or(_Items):
    """Any of ``items``."""

    __slots__ = ()


@dataclass(frozen=True, eq=False, slots=True)
class Not(Expression):
    """The negation of ``item``."""

    item: Node


@dataclass(frozen=True, eq=False, slots=True)
class In(Expression):
    """``expr [NOT] IN (values)``; ``values`` is a tuple of nodes or a Select."""

    expr: Node
    values: Any
    negate: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class Between(Expression):
    """``expr [NOT] BETWEEN low AND high``: both bounds included, as SQL defines it
    (``Column.between(low, high)`` builds it)."""

    expr: Node
    low: Node
    high: Node
    negate: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class IsNull(Expression):
    """``expr IS [NOT] NULL``."""

    expr: Node
    negate: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class Like(Expression):
    """``expr [NOT] LIKE pattern [ESCAPE 'c']``, case-insensitive when asked (dialect's
    ``ilike``). ``escape`` is one character or ``None``."""

    expr: Node
    pattern: Node
    negate: bool = False
    case_insensitive: bool = False
    escape: str | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Containment(Expression):
    """An array test: ``kind`` is ``"contains"`` (``expr @> value``), ``"contained_by"``
    (``<@``) or ``"overlaps"`` (``&&``), spelled by the dialect's ``containment``
    (PostgreSQL; other databases raise NotSupportedError when compiling)."""

    kind: str
    expr: Node
    value: Node


@dataclass(frozen=True, eq=False, slots=True)
class Cast(Expression):
    """``CAST(expr AS type_name)``; ``type_name`` comes from the database's catalog (a
    column's declared type, e.g. ``integer[]``), never from user input."""

    expr: Node
    type_name: str


class Tuple(_Items):
    """A row value ``(a, b)``, e.g. for a composite key ``IN (SELECT a, b ...)``."""

    __slots__ = ()


@dataclass(frozen=True, eq=False, slots=True)
class Ordering(Node):
    """One ORDER BY item: ``expr ASC|DESC`` with optional ``nulls`` first/last."""

    expr: Node
    direction: str = "ASC"
    nulls: str | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Table(Node):
    """A table reference, optionally aliased and schema-qualified (``schema`` is set
    only on dialects with ``supports_schemas``; columns keep the bare ``name``)."""

    name: str
    alias: str | None = None
    schema: str | None = None


@dataclass(frozen=True, eq=False, slots=True)
class DerivedTable(Node):
    """``(SELECT ...) AS alias`` in a FROM clause. The alias is required: MySQL refuses
    a derived table without one ("Every derived table must have its own alias")."""

    select: Select
    alias: str


@dataclass(frozen=True, eq=False, slots=True)
class Join(Node):
    """``kind JOIN table ON on``; ``kind`` is ``"INNER"`` or ``"LEFT"``. A :class:`Raw`
    may stand in a Select's ``joins`` for a join written as a SQL template.
    ``association``: for a join made by association name, the names leading to the
    joined table from the relation's model (``("album", "artist")``); not compiled."""

    table: Table
    on: Node
    kind: str = "INNER"
    association: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False, slots=True)
class Select(Node):
    """A SELECT statement. ``columns`` must be non-empty (never ``SELECT *``)."""

    table: Table | DerivedTable  # FROM a table, or a derived table (SELECT ...) AS alias
    columns: tuple
    where: Node | None = None
    joins: tuple = ()
    group: tuple = ()
    having: Node | None = None
    order: tuple = ()
    limit: int | None = None
    offset: int | None = None
    distinct: bool = False
    lock: Lock | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Lock(Node):
    """The row lock a SELECT takes (``Relation.lock``): ``FOR UPDATE``, or ``FOR
    SHARE`` when ``share``; ``nowait`` (fail at once) or ``skip_locked`` (leave out
    the rows another transaction holds); ``of``: the names of the tables whose rows
    are locked (every table of the query when empty). Each dialect spells it
    (``Dialect.lock_clause``)."""

    share: bool = False
    nowait: bool = False
    skip_locked: bool = False
    of: tuple = ()


@dataclass(frozen=True, eq=False, slots=True)
class OnConflict(Node):
    """What an INSERT does with a row that collides with a unique key: update the
    ``update`` columns from the new row, or nothing when ``update`` is empty.

    ``target`` names the unique columns (``ON CONFLICT (target)``; MySQL has no target
    and reacts to every unique key); ``noop`` is a column a dialect without ``DO
    NOTHING`` may assign to itself (MySQL's ``ON DUPLICATE KEY UPDATE id = id``)."""

    target: tuple = ()
    update: tuple = ()
    noop: str | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Insert(Node):
    """An INSERT of ``rows`` (tuples of values, in ``columns`` order).

    ``returning`` names columns to read back (the dialect decides if it can);
    ``on_conflict`` makes it an upsert or an insert that skips duplicates."""

    table: Table
    columns: tuple
    rows: tuple
    returning: tuple = ()
    on_conflict: OnConflict | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Explain(Node):
    """The database's query plan for ``statement``, spelled by the dialect's ``explain``
    (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` elsewhere)."""

    statement: Node


@dataclass(frozen=True, eq=False, slots=True)
class Update(Node):
    """An UPDATE setting ``values`` (tuple of ``(column name, node or value)``)."""

    table: Table
    values: tuple
    where: Node | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Delete(Node):
    """A DELETE of the rows matching ``where`` (all rows when ``None``)."""

    table: Table
    where: Node | None = None


def _flatten(cls: type[And] | type[Or], items: tuple) -> tuple[Node, ...]:
    out: list[Node] = []
    for item in items:
        if item is None:
            continue
        item = wrap(item)
        if isinstance(item, cls):
            out.extend(item.items)
        else:
            out.append(item)
    return tuple(out)


def and_(*items: Any) -> Node:
    """Return the conjunction of ``items`` (``None`` items are skipped)."""
    flat = _flatten(And, items)
    return flat[0] if len(flat) == 1 else And(flat)


def or_(*items: Any) -> Node:
    """Return the disjunction of ``items`` (``None`` items are skipped)."""
    flat = _flatten(Or, items)
    return flat[0] if len(flat) == 1 else Or(flat)


def not_(item: Any) -> Node:
    """Return the negation of ``item``."""
    return Not(wrap(item))


#: ``COUNT(*)``.
COUNT_STAR = Func("COUNT", (Star(),))
