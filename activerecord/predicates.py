"""Conditions from Python values: hash conditions, SQL templates and bound types.

What Rails splits between ``PredicateBuilder`` and ``Sanitization``:

* :func:`hash_condition` turns ``column=value`` into a node: ``=`` for a scalar,
  ``IN`` for a list/tuple/set (``OR col IS NULL`` when it holds ``None``) or for a
  Relation (a subquery of its key), ``IS NULL`` for ``None``, ``BETWEEN`` for a
  ``range`` (step 1) or :func:`between` (open ends become ``>=``/``<=``), and the key of
  a record given as the value.
* :func:`fragment` checks a SQL template: ``"Name LIKE ?"`` with positional values, or
  ``"Name = :name"`` with named ones (keywords or one dict, as Rails'
  ``where("name = :name", name: ...)``). A count or name mismatch is a ``ValueError``
  before any SQL runs; ``::`` (PostgreSQL casts) and quoted text are left alone. A
  list, tuple or set value fills its placeholder with one ``?`` per item (``"id IN
  (?)"`` with ``[1, 2]`` is ``id IN (?, ?)``; an empty one is ``NULL``, which matches
  nothing), as Rails' ``sanitize_sql_array``. (``Database.execute`` does not expand:
  there a list is one value, e.g. a PostgreSQL array.)
* :func:`bind_types` rewrites the parameters of column expressions
  (``Track.c.UnitPrice > Decimal("0.99")``) through the column's type, so that a value
  is sent exactly as ``save()`` would send it (SQLite gets dates as ISO text,
  decimals as text, booleans as 0/1).
* :func:`negate` writes ``NOT`` the way a reader expects (``<>``, ``NOT IN``,
  ``IS NOT NULL``); like Rails' ``where.not``, a negated condition does not match rows
  where the column is NULL (SQL's three-valued logic), unlike Django's ``exclude``.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import InvalidOperation
from typing import Any, Callable

from .sql import nodes as n

__all__ = ["Between", "between", "hash_condition", "fragment", "bind_types", "negate",
           "referenced_columns"]

_COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
_NEGATED = {"=": "<>", "<>": "="}
# Quoted text and names, PostgreSQL's '::' cast, a :name placeholder, a '?' placeholder.
_TEMPLATE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|::"
                       r"|(?<![\w:]):([A-Za-z_]\w*)|\?")


class Between:
    """A closed interval for a hash condition; see :func:`between`."""

    __slots__ = ("low", "high")

    def __init__(self, low: Any, high: Any):
        if low is None and high is None:
            raise ValueError("between() needs at least one bound")
        self.low = low
        self.high = high

    def __repr__(self) -> str:
        return f"between({self.low!r}, {self.high!r})"


def between(low: Any, high: Any) -> Between:
    """Return an inclusive interval for ``where(col=between(low, high))``: ``col
    BETWEEN low AND high``; ``None`` for a bound leaves that end open (``col >= low``
    or ``col <= high``), as Rails' endless ranges ``low..`` and ``..high``. Works for
    any ordered type (dates, decimals, strings), unlike Python's ``range``.

    Raises ValueError when both bounds are ``None``.
    """
    return Between(low, high)


def _bind(typ, value):
    if typ is None:
        return value
    try:
        return typ.serialize(typ.cast(value))
    except (TypeError, ValueError, ArithmeticError, InvalidOperation):
        return value  # let the database compare it (and fail) as given


def _is_record(value) -> bool:
    return hasattr(value, "_identity") and hasattr(type(value), "_load_schema")


def hash_condition(col: n.Column, value: Any, typ) -> n.Node:
    """Return the condition for ``col=value`` (see the module doc); ``typ`` is the
    column's attribute type, used to bind values as the column stores them.

    Raises ValueError for a ``range`` whose step is not 1. A dict is a value like any
    other (a JSON column's).
    """
    if value is None:
        return n.IsNull(col)
    if hasattr(value, "to_subquery_node") or isinstance(value, n.Select):
        return n.In(col, n.wrap(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        values = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        has_null = any(v is None for v in values)
        items = tuple(n.Param(_bind(typ, _key_of(v))) for v in values if v is not None)
        cond = n.In(col, items)
        return n.or_(cond, n.IsNull(col)) if has_null else cond
    if isinstance(value, range):
        if value.step != 1:
            raise ValueError("only a range with step 1 can become BETWEEN")
        if len(value) == 0:
            return n.In(col, ())
        return n.Between(col, n.Param(_bind(typ, value.start)),
                         n.Param(_bind(typ, value.stop - 1)))
    if isinstance(value, Between):
        if value.high is None:
            return col >= n.Param(_bind(typ, value.low))
        if value.low is None:
            return col <= n.Param(_bind(typ, value.high))
        return n.Between(col, n.Param(_bind(typ, value.low)), n.Param(_bind(typ, value.high)))
    if isinstance(value, n.Node):
        return n.Binary("=", col, value)
    return n.Binary("=", col, n.Param(_bind(typ, _key_of(value))))


def _key_of(value):
    return value.id if _is_record(value) else value


def fragment(sql: str, args: tuple, named: dict) -> n.Raw:
    """Return a :class:`Raw` for the template ``sql`` with positional ``args`` (for
    ``?``) or ``named`` values (for ``:name``; one dict in ``args`` also works).

    Raises:
        ValueError: the template mixes ``?`` and ``:name``, the number of ``?`` differs
            from the values, a ``:name`` has no value, or a value is not used.
        TypeError: keyword values given to a template written with ``?``.
    """
    if len(args) == 1 and isinstance(args[0], dict) and not named:
        named, args = dict(args[0]), ()
    marks, names = 0, []
    for m in _TEMPLATE.finditer(sql):
        if m.group() == "?":
            marks += 1
        elif m.group(1):
            names.append(m.group(1))
    if marks and names:
        raise ValueError(f"SQL fragment {sql!r} mixes '?' and ':name' placeholders")
    if names:
        return _named(sql, names, args, named)
    if named:
        raise TypeError(f"keyword values {sorted(named)} were given to the SQL fragment "
                        f"{sql!r}, which has no ':name' placeholders; write "
                        "where(fragment, ...) and where(column=value) as two calls")
    if marks != len(args):
        raise ValueError(f"SQL fragment {sql!r} has {marks} '?' placeholder(s) but "
                         f"{len(args)} value(s) were given")
    return _expanded(sql, tuple(args))


def _expanded(sql: str, params: tuple) -> n.Raw:
    """Fill the ``?`` of each list/tuple/set value with one ``?`` per item."""
    if not any(isinstance(v, (list, tuple, set, frozenset)) for v in params):
        return n.Raw(sql, params)
    values = iter(params)
    flat: list = []

    def repl(m):
        if m.group() != "?":
            return m.group()
        value = next(values)
        if not isinstance(value, (list, tuple, set, frozenset)):
            flat.append(value)
            return "?"
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        flat.extend(items)
        return ", ".join("?" for _ in items) or "NULL"

    return n.Raw(_TEMPLATE.sub(repl, sql), tuple(flat))


def _named(sql: str, names: list, args: tuple, named: dict) -> n.Raw:
    if args:
        raise ValueError(f"SQL fragment {sql!r} uses ':name' placeholders: give their "
                         "values as keywords or one dict, not positionally")
    missing = sorted(set(names) - set(named))
    if missing:
        raise ValueError(f"SQL fragment {sql!r} has no value for {', '.join(missing)}")
    unused = sorted(set(named) - set(names))
    if unused:
        raise ValueError(f"SQL fragment {sql!r} does not use the value(s) {unused}")
    params = []

    def repl(m):
        if m.group(1):
            params.append(named[m.group(1)])
            return "?"
        return m.group()

    return _expanded(_TEMPLATE.sub(repl, sql), tuple(params))


def bind_types(node: n.Node, type_of: Callable[[n.Column], Any]) -> n.Node:
    """Return ``node`` with each parameter compared to a column (``=``, ``<``, ``IN``,
    ``BETWEEN``...) bound through that column's type; ``type_of(column)`` returns the
    attribute type or ``None``. Other nodes are returned unchanged."""
    if isinstance(node, (n.And, n.Or)):
        items = tuple(bind_types(i, type_of) for i in node.items)
        same = all(a is b for a, b in zip(items, node.items))
        return node if same else type(node)(items)
    if isinstance(node, n.Not):
        item = bind_types(node.item, type_of)
        return node if item is node.item else n.Not(item)
    if isinstance(node, n.Binary) and node.op in _COMPARISONS:
        if isinstance(node.left, n.Column) and isinstance(node.right, n.Param):
            typ = type_of(node.left)
            return n.Binary(node.op, node.left, n.Param(_bind(typ, node.right.value)))
        if isinstance(node.right, n.Column) and isinstance(node.left, n.Param):
            typ = type_of(node.right)
            return n.Binary(node.op, n.Param(_bind(typ, node.left.value)), node.right)
    if isinstance(node, n.In) and isinstance(node.expr, n.Column) \
            and isinstance(node.values, tuple):
        typ = type_of(node.expr)
        values = tuple(n.Param(_bind(typ, v.value)) if isinstance(v, n.Param) else v
                       for v in node.values)
        return dataclasses.replace(node, values=values)
    if isinstance(node, n.Between) and isinstance(node.expr, n.Column):
        typ = type_of(node.expr)
        low, high = (n.Param(_bind(typ, v.value)) if isinstance(v, n.Param) else v
                     for v in (node.low, node.high))
        return dataclasses.replace(node, low=low, high=high)
    return node


def negate(node: n.Node) -> n.Node:
    """Return the negation of a condition, written plainly where SQL has a word for it
    (``a <> 1``, ``a NOT IN (...)``, ``a IS NOT NULL``, ``NOT BETWEEN``); an AND of
    several is ``NOT (a AND b)`` (Rails 6.1's NAND for ``where.not(a:, b:)``)."""
    if isinstance(node, n.Binary) and node.op in ("=", "<>"):
        return n.Binary(_NEGATED[node.op], node.left, node.right)
    if isinstance(node, (n.In, n.Between, n.IsNull, n.Like)):
        return dataclasses.replace(node, negate=not node.negate)
    if isinstance(node, n.Not):
        return node.item
    return n.Not(node)


def referenced_columns(node, table: str) -> frozenset:
    """Return the names of ``table``'s columns that ``node`` mentions (unqualified
    columns count as ``table``'s). Raw fragments mention none that can be known."""
    found: set = set()
    _collect(node, table, found)
    return frozenset(found)


def _collect(node, table, found) -> None:
    if isinstance(node, n.Column):
        if node.table in (None, table):
            found.add(node.name)
        return
    if isinstance(node, (n.Raw, n.Param, n.Select)) or not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, n.Node):
                    _collect(item, table, found)
        elif isinstance(value, n.Node):
            _collect(value, table, found)
