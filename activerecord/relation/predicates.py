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
  decimals as text, booleans as 0/1); values in arithmetic on a numeric column
  (``Track.c.n + "2"``) are cast through its type too (:func:`bind_arithmetic`).
* :func:`negate` writes ``NOT`` the way a reader expects (``<>``, ``NOT IN``,
  ``IS NOT NULL``); like Rails' ``where.not``, a negated condition does not match rows
  where the column is NULL (SQL's three-valued logic), unlike Django's ``exclude``.

Binding (:func:`bind_value`) casts a value as assignment does, then serializes it
(``Type.bind``, the one owner of cast-then-serialize):

* a value the column's type cannot take raises ``AttributeCastError`` naming column,
  type and value before any SQL (the database would otherwise compare it its own way:
  MariaDB reads ``'x'`` as 0); a key lookup (``find``, ``find_by`` of a primary key
  column, ``exists(key)``, ``Model.delete(key)``) is *lenient*: such a value cannot be
  a key, so it matches no row (``RecordNotFound`` from ``find``, as Rails);
* an iterable that is not a list, tuple, set, frozenset or range (a generator, a
  ``dict_keys`` view...) raises TypeError: it is neither one value nor a list;
* an int outside the database's integers (``Dialect.integer_range``: 64-bit, up to
  MySQL's ``BIGINT UNSIGNED``) equals no stored value, so the condition is decided
  without binding it, as Rails does for out-of-range values: ``=`` and ``IN`` match
  nothing, ``<``/``>``/``BETWEEN`` every non-NULL value or none, as the order says
  (SQLite could not even bind it). Such a decided comparison is written ``col = col``
  (or ``col <> col``): NULL for a NULL column like any comparison, so its negation
  still skips NULLs;
* a type with ``sql_cast`` (PostgreSQL arrays) gets ``CAST(? AS type)``, and one whose
  ``force_equality(list)`` is true compares a list whole (``=``), not as ``IN``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ..errors import AttributeCastError
from ..sql import nodes as n
from ..types import CAST_ERRORS, DecimalType, FloatType, IntegerType, Type

__all__ = ["Between", "between", "hash_condition", "fragment", "bind_types", "negate",
           "referenced_columns", "bind_value", "bind_strict", "bind_arithmetic", "compare",
           "param", "AssociationRef", "columns_in", "retable",
           "NOMATCH", "WIDEST"]

_COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
_NUMERIC_TYPES = (IntegerType, FloatType, DecimalType)
_NUMBERS = (int, float, Decimal)
_NEGATED = {"=": "<>", "<>": "="}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: The default of ``Dialect.integer_range``.
WIDEST = (-2**63, 2**64 - 1)
#: Types that are one value (checked first: the common case costs one set lookup).
PLAIN = frozenset({type(None), bool, int, float, str, bytes, Decimal, _dt.date,
                    _dt.datetime, _dt.time, _dt.timedelta, uuid.UUID, dict, list, tuple})
#: Iterables that are one value (text, bytes, a JSON object, an array/JSON list).
_VALUE_ITERABLES = (str, bytes, bytearray, memoryview, dict, list, tuple)
_COLLECTIONS = (list, tuple, set, frozenset)
_LISTS = (list, tuple, set, frozenset, range)  # what a template's '?' expands
_KINDS = ("one value, a list, tuple, set, frozenset or range (IN), or a Relation "
          "(subquery)")
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


class _Unbound:
    """What :func:`bind_value` returns instead of a value that is not sent."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Above / below every integer the database holds; not castable in a key lookup.
ABOVE, BELOW, NOMATCH = _Unbound("ABOVE"), _Unbound("BELOW"), _Unbound("NOMATCH")
# When an unbindable value makes the comparison true (for every non-NULL value).
_TRUE_WHEN = {ABOVE: frozenset({"<>", "<", "<="}), BELOW: frozenset({"<>", ">", ">="}),
              NOMATCH: frozenset()}


def _name(col: n.Node) -> str:
    if isinstance(col, n.Column):
        return f"{col.table}.{col.name}" if col.table else col.name
    return "an expression"


def check_value(col: n.Node, value: Any) -> None:
    """Raise TypeError when ``value`` is an iterable that is neither one value (text,
    bytes, a dict, a list or tuple for an array/JSON column) nor a collection for IN:
    a generator, an iterator, a ``dict_keys`` view... (it would be bound as its
    ``str()``, or consumed once)."""
    if type(value) in PLAIN or not isinstance(value, Iterable) \
            or isinstance(value, _VALUE_ITERABLES):
        return
    raise TypeError(f"cannot compare {_name(col)} with {type(value).__name__} "
                    f"{value!r:.60}: give {_KINDS}")


def cast_error(col: n.Node, typ: Type, value: Any, exc: BaseException,
               write: bool = False) -> AttributeCastError:
    """Return the ``AttributeCastError`` for a value of column ``col`` that its type
    ``typ`` cannot take (naming column, type and value); ``write``: an assignment."""
    what = (f"cannot assign {value!r:.80} to {_name(col)} ({typ.name})" if write else
            f"cannot compare {_name(col)} ({typ.name}) with {value!r:.80}")
    return AttributeCastError(f"{what}: {exc}")


def bind_value(col: n.Node, typ: Type | None, value: Any, limits: tuple = WIDEST,
               lenient: bool = False, write: bool = False) -> Any:
    """Return ``value`` as the driver should get it to compare with column ``col`` of
    attribute type ``typ`` (``None``: as given): cast as assignment casts, then
    serialized as ``save()`` sends it.

    Returns ``ABOVE``/``BELOW`` for an int outside ``limits`` (the dialect's
    ``integer_range``), and, when ``lenient`` (key lookups), ``NOMATCH`` for a value
    the type cannot take. ``write`` words errors as an assignment (``update_all``).

    Raises:
        AttributeCastError: the type cannot take ``value`` (not ``lenient``).
        TypeError: ``value`` is a generator or another non-collection iterable.
    """
    check_value(col, value)
    if typ is None:
        bound = value
    elif lenient:
        bound = typ.bind(value)  # None for a value the type cannot take
        if bound is None and value is not None:
            return NOMATCH
    else:
        try:
            bound = typ.bind(value, strict=True)
        except CAST_ERRORS as exc:
            raise cast_error(col, typ, value, exc, write) from exc
    if type(bound) is int and not limits[0] <= bound <= limits[1]:
        return ABOVE if bound > 0 else BELOW
    return bound


def bind_strict(col: n.Node, typ: Type | None, value: Any, limits: tuple = WIDEST,
                write: bool = False) -> Any:
    """Like :func:`bind_value` for a value that must be sent (``update_all``, the
    array of ``contains``): an int outside ``limits`` raises ``AttributeCastError``
    naming the range."""
    bound = bind_value(col, typ, value, limits, write=write)
    if isinstance(bound, _Unbound):
        raise AttributeCastError(
            f"cannot {'assign' if write else 'compare with'} {value!r} for {_name(col)}: "
            f"the database's integers hold {limits[0]}..{limits[1]}")
    return bound


def param(typ: Type | None, bound: Any) -> n.Node:
    """Return the parameter node for a bound value: ``CAST(? AS t)`` when the type has
    an ``sql_cast`` (PostgreSQL arrays), else a plain ``Param``."""
    cast = getattr(typ, "sql_cast", None)
    return n.Param(bound) if cast is None else n.Cast(n.Param(bound), cast)


def compare(op: str, col: n.Column, value: Any, typ: Type | None, limits: tuple = WIDEST,
            lenient: bool = False) -> n.Node:
    """Return ``col op value`` with ``value`` bound (:func:`bind_value`); a value
    that is not sent decides the comparison: ``col = col`` (every non-NULL value) or
    ``col <> col`` (none)."""
    bound = bind_value(col, typ, value, limits, lenient)
    if isinstance(bound, _Unbound):
        return _always(col) if op in _TRUE_WHEN[bound] else _never(col)
    return n.Binary(op, col, param(typ, bound))


def _never(col: n.Node) -> n.Node:
    """False for every stored value and NULL for NULL, like a comparison with a value
    no row holds; so its negation (``col = col``) still skips NULLs, as SQL's would."""
    return n.Binary("<>", col, col)


def _always(col: n.Node) -> n.Node:
    """True for every stored value and NULL for NULL (see :func:`_never`)."""
    return n.Binary("=", col, col)


def _is_record(value: Any) -> bool:
    return hasattr(value, "_identity") and hasattr(type(value), "_load_schema")


def _forces_equality(typ: Type | None, value: Any) -> bool:
    test = getattr(typ, "force_equality", None)
    return test is not None and isinstance(value, (list, tuple)) and test(value)


def hash_condition(col: n.Column, value: Any, typ: Type | None, *,
                   limits: tuple = WIDEST, lenient: bool = False) -> n.Node:
    """Return the condition for ``col=value`` (see the module doc); ``typ`` is the
    column's attribute type, used to bind values as the column stores them,
    ``limits`` the dialect's ``integer_range``, ``lenient`` true for a key lookup.

    Raises ValueError for a ``range`` whose step is not 1, and what
    :func:`bind_value` raises. A dict is a value like any other (a JSON column's).
    """
    if type(value) in PLAIN and type(value) not in _COLLECTIONS:
        if value is None:
            return n.IsNull(col)
        return compare("=", col, value, typ, limits, lenient)
    if hasattr(value, "to_subquery_node") or isinstance(value, n.Select):
        return n.In(col, n.wrap(value))
    if isinstance(value, _COLLECTIONS) and not _forces_equality(typ, value):
        return _in_list(col, value, typ, limits, lenient)
    if isinstance(value, range):
        if value.step != 1:
            raise ValueError("only a range with step 1 can become BETWEEN")
        if value.start >= value.stop:  # empty (not len(): it overflows past 2**63)
            return n.In(col, ())
        return _between(col, typ, value.start, value.stop - 1, limits, lenient)
    if isinstance(value, Between):
        return _between(col, typ, value.low, value.high, limits, lenient)
    if isinstance(value, n.Node):
        return n.Binary("=", col, value)
    return compare("=", col, _key_of(value), typ, limits, lenient)


def _in_list(col: n.Column, values: Any, typ: Type | None, limits: tuple,
             lenient: bool) -> n.Node:
    if isinstance(values, (set, frozenset)):
        values = sorted(values, key=repr)
    given = [v for v in values if v is not None]
    has_null = len(given) < len(values)
    items: list[n.Node] = []
    for v in given:
        bound = bind_value(col, typ, _key_of(v), limits, lenient)
        if not isinstance(bound, _Unbound):  # else it can equal no stored value
            items.append(param(typ, bound))
    if given and not items:  # only values no row holds
        return n.IsNull(col) if has_null else _never(col)
    cond = n.In(col, tuple(items))
    return n.or_(cond, n.IsNull(col)) if has_null else cond


def _between(col: n.Node, typ: Type | None, low: Any, high: Any, limits: tuple,
             lenient: bool) -> n.Node:
    """``col BETWEEN low AND high``; a ``None`` bound is an open end."""
    lo = None if low is None else bind_value(col, typ, low, limits, lenient)
    hi = None if high is None else bind_value(col, typ, high, limits, lenient)
    if lo is NOMATCH or hi is NOMATCH or lo is ABOVE or hi is BELOW:
        return _never(col)
    open_lo, open_hi = lo is None or lo is BELOW, hi is None or hi is ABOVE
    if open_lo and open_hi:
        return n.IsNull(col, negate=True) if low is None and high is None else _always(col)
    if open_lo:
        return n.Binary("<=", col, param(typ, hi))
    if open_hi:
        return n.Binary(">=", col, param(typ, lo))
    return n.Between(col, param(typ, lo), param(typ, hi))


def _key_of(value: Any) -> Any:
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
    """Fill the ``?`` of each list/tuple/set/range value with one ``?`` per item;
    refuse another iterable (TypeError: a generator would be bound as its ``str()``)."""
    expand = False
    for v in params:
        if type(v) in PLAIN and type(v) not in _COLLECTIONS:
            continue
        if isinstance(v, _LISTS):
            expand = True
        elif isinstance(v, Iterable) and not isinstance(v, _VALUE_ITERABLES):
            raise TypeError(f"SQL fragment {sql!r}: a value is a {type(v).__name__}; "
                            "give one value, or a list, tuple, set, frozenset or range "
                            "(one '?' per item)")
    if not expand:
        return n.Raw(sql, params)
    values = iter(params)
    flat: list = []

    def repl(m: re.Match[str]) -> str:
        if m.group() != "?":
            return m.group()
        value = next(values)
        if not isinstance(value, _LISTS):
            flat.append(value)
            return "?"
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        flat.extend(items)
        return ", ".join("?" for _ in items) or "NULL"

    return n.Raw(_TEMPLATE.sub(repl, sql), tuple(flat))


def _named(sql: str, names: list[str], args: tuple, named: dict[str, Any]) -> n.Raw:
    if args:
        raise ValueError(f"SQL fragment {sql!r} uses ':name' placeholders: give their "
                         "values as keywords or one dict, not positionally")
    missing = sorted(set(names) - set(named))
    if missing:
        raise ValueError(f"SQL fragment {sql!r} has no value for {', '.join(missing)}")
    unused = sorted(set(named) - set(names))
    if unused:
        raise ValueError(f"SQL fragment {sql!r} does not use the value(s) {unused}")
    params: list[Any] = []

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            params.append(named[m.group(1)])
            return "?"
        return m.group()

    return _expanded(_TEMPLATE.sub(repl, sql), tuple(params))


def bind_types(node: n.Node, type_of: Callable[[n.Column], Type | None],
               limits: tuple = WIDEST) -> n.Node:
    """Return ``node`` with each parameter compared to a column (``=``, ``<``, ``IN``,
    ``BETWEEN``, ``contains``...) bound through that column's type (:func:`bind_value`;
    ``limits`` is the dialect's ``integer_range``); ``type_of(column)`` returns the
    attribute type or ``None``. Values in column arithmetic (``(n + "2") > 6``,
    ``n > n * "y"``) are bound by :func:`bind_arithmetic`. Other nodes are returned
    unchanged.

    Raises what :func:`bind_value` raises (``AttributeCastError``, TypeError)."""
    if isinstance(node, (n.And, n.Or)):
        items = tuple(bind_types(i, type_of, limits) for i in node.items)
        same = all(a is b for a, b in zip(items, node.items))
        return node if same else type(node)(items)
    if isinstance(node, n.Not):
        item = bind_types(node.item, type_of, limits)
        return node if item is node.item else n.Not(item)
    if isinstance(node, n.Binary) and node.op in _COMPARISONS:
        if isinstance(node.left, n.Column) and isinstance(node.right, n.Param):
            return compare(node.op, node.left, node.right.value, type_of(node.left), limits)
        if isinstance(node.right, n.Column) and isinstance(node.left, n.Param):
            return compare(_FLIPPED[node.op], node.right, node.left.value,
                           type_of(node.right), limits)
        return bind_arithmetic(node, type_of)
    if isinstance(node, n.Binary) and node.op in _ARITHMETIC:
        return bind_arithmetic(node, type_of)
    if isinstance(node, n.In) and isinstance(node.expr, n.Column) \
            and isinstance(node.values, tuple):
        return _bind_in(node, type_of(node.expr), limits)
    if isinstance(node, n.Between) and isinstance(node.expr, n.Column):
        return _bind_between(node, type_of(node.expr), limits)
    if isinstance(node, (n.Containment, n.Like)):
        return _bind_array_test(node, type_of, limits)
    return node


def _bind_array_test(node: n.Containment | n.Like, type_of: Callable[[n.Column], Type | None],
                     limits: tuple) -> n.Node:
    """An array test (``@>``, ``<@``, ``&&``) with its list bound through the column's
    type; a single value there, or a LIKE on an array column, is refused."""
    typ = type_of(node.expr) if isinstance(node.expr, n.Column) else None
    if isinstance(node, n.Like):
        if typ is not None and typ.python_type is list:  # an array: LIKE matches text
            pattern = node.pattern.value if isinstance(node.pattern, n.Param) else node.pattern
            raise _not_an_array(node.expr, typ, pattern, "LIKE/contains()")
        return node
    if not isinstance(node.value, n.Param):
        return node
    if not isinstance(node.value.value, (list, dict)):
        raise _not_an_array(node.expr, typ, node.value.value, f"{node.kind}()")
    if not isinstance(node.expr, n.Column):
        return node
    bound = bind_strict(node.expr, typ, node.value.value, limits)
    return dataclasses.replace(node, value=param(typ, bound))


def _not_an_array(col: n.Node, typ: Type | None, value: Any, what: str) -> AttributeCastError:
    """The error for a string or another single value given to an array test (or a
    LIKE pattern given to an array column): array tests take a list of items."""
    kind = f" ({typ.name})" if typ is not None else ""
    return AttributeCastError(
        f"cannot compare {_name(col)}{kind} with {value!r:.60} by {what}: an array "
        "column's contains(), overlaps() and contained_by() take a list of items "
        "(e.g. contains(['a'])); a string pattern is for text columns")


def bind_arithmetic(node: n.Binary, type_of: Callable[[n.Column], Type | None]) -> n.Node:
    """Return ``node`` (arithmetic ``+ - * /``, or a comparison with arithmetic on a
    side) with each value beside a numeric column, or beside arithmetic on one, bound
    through that column's type, recursively: ``Track.c.n + "2"`` sends 2, ``+ "x"``
    raises. A number is arithmetic, not a value of the column, so it is sent as given
    (``n * 1.5`` is not ``n * 1``, ``n / 2.0`` stays a float division), except that an
    operand of the column's own Python type is serialized as the column's values are
    (SQLite's decimals are text, which its arithmetic reads as numbers). A value
    compared with arithmetic (``(n + 1) > "6"``) is cast, not serialized: the result
    of arithmetic is a number on every database, and SQLite orders text after every
    number. Values beside non-numeric columns (a datetime plus a timedelta) are left
    as given: their type is not the column's.

    Raises ``AttributeCastError`` naming the column for a value its type cannot take,
    TypeError for a generator or another non-collection iterable."""
    operand = node.op in _ARITHMETIC  # else a comparison: a value there is cast only
    left = _bind_operand(node.left, node.right, type_of, operand)
    right = _bind_operand(node.right, node.left, type_of, operand)
    if left is node.left and right is node.right:
        return node
    return dataclasses.replace(node, left=left, right=right)


def _bind_operand(side: n.Node, other: n.Node, type_of: Callable[[n.Column], Type | None],
                  operand: bool) -> n.Node:
    if isinstance(side, n.Binary) and side.op in _ARITHMETIC:
        return bind_arithmetic(side, type_of)
    if not isinstance(side, n.Param):
        return side
    found = _numeric_column(other, type_of)
    if found is None:
        return side
    col, typ = found
    value = side.value
    check_value(col, value)
    if isinstance(value, _NUMBERS) and not isinstance(value, bool) \
            and (type(value) is not typ.python_type or not operand):
        return side
    try:
        return n.Param(typ.bind(value, strict=True) if operand else typ.cast(value))
    except CAST_ERRORS as exc:
        raise AttributeCastError(f"cannot compute with {value!r:.80} and {_name(col)} "
                                 f"({typ.name}): {exc}") from exc


def _numeric_column(node: n.Node, type_of: Callable[[n.Column], Type | None]
                    ) -> tuple[n.Column, Type] | None:
    """The numeric column of ``node`` (a column, or arithmetic on one) and its type."""
    if isinstance(node, n.Column):
        typ = type_of(node)
        return (node, typ) if isinstance(typ, _NUMERIC_TYPES) else None
    if isinstance(node, n.Binary) and node.op in _ARITHMETIC:
        return _numeric_column(node.left, type_of) or _numeric_column(node.right, type_of)
    return None


def _bind_in(node: n.In, typ: Type | None, limits: tuple) -> n.Node:
    items: list[n.Node] = []
    for v in node.values:
        if not isinstance(v, n.Param):
            items.append(v)
            continue
        bound = bind_value(node.expr, typ, _key_of(v.value), limits)
        if not isinstance(bound, _Unbound):  # it can equal no stored value
            items.append(param(typ, bound))
    if node.values and not items:  # only values no row holds
        return _always(node.expr) if node.negate else _never(node.expr)
    return dataclasses.replace(node, values=tuple(items))


def _bind_between(node: n.Between, typ: Type | None, limits: tuple) -> n.Node:
    col = node.expr
    if not (isinstance(node.low, n.Param) and isinstance(node.high, n.Param)):
        low, high = (param(typ, bind_strict(col, typ, v.value, limits))
                     if isinstance(v, n.Param) else v for v in (node.low, node.high))
        return dataclasses.replace(node, low=low, high=high)
    cond = _between(col, typ, node.low.value, node.high.value, limits, False)
    return negate(cond) if node.negate else cond


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


def referenced_columns(node: n.Node, table: str) -> frozenset[str]:
    """Return the names of ``table``'s columns that ``node`` mentions (unqualified
    columns count as ``table``'s). Raw fragments mention none that can be known."""
    found: set[str] = set()
    _collect(node, table, found)
    return frozenset(found)


def _collect(node: n.Node, table: str, found: set[str]) -> None:
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
                if type(item) is not n.Param and isinstance(item, n.Node):
                    _collect(item, table, found)
        elif isinstance(value, n.Node):
            _collect(value, table, found)


class AssociationRef(str):
    """The table of a column of an association a relation has not joined yet (a hash
    condition ``where(artist={...})`` before ``joins("artist")``, or a column of an
    ``includes``/``eager_load`` path): the text is the target's table name, ``path``
    the association names from the relation's model. When the association is joined
    under an alias, :func:`retable` requalifies the columns (docs/associations.md)."""

    path: tuple[str, ...]

    def __new__(cls, table: str, path: tuple[str, ...]) -> AssociationRef:
        ref = super().__new__(cls, table)
        ref.path = path
        return ref

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[str, ...]]]:
        return AssociationRef, (str(self), self.path)


def columns_in(node: n.Node) -> list[n.Column]:
    """The Column nodes ``node`` mentions (not those of subqueries or Raw text)."""
    found: list[n.Column] = []
    _columns(node, found)
    return found


def _columns(node: n.Node, found: list[n.Column]) -> None:
    if isinstance(node, n.Column):
        found.append(node)
        return
    if isinstance(node, (n.Raw, n.Param, n.Select)) or not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in (value if isinstance(value, tuple) else (value,)):
            if isinstance(item, n.Node):
                _columns(item, found)


def retable(node: n.Node, table_for: Callable[[str], str | None]) -> n.Node:
    """``node`` with each column whose table ``table_for(table)`` maps to a name
    requalified by it (None: kept); the same object when nothing changes. Subqueries
    and Raw text are left as they are."""
    if isinstance(node, n.Column):
        new = table_for(node.table) if node.table is not None else None
        return node if new is None else n.Column(node.name, new)
    if isinstance(node, (n.Raw, n.Param, n.Select)) or not dataclasses.is_dataclass(node):
        return node
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, n.Node):
            new_value: Any = retable(value, table_for)
        elif isinstance(value, tuple) and any(isinstance(i, n.Node) for i in value):
            new_value = tuple(retable(i, table_for) if isinstance(i, n.Node) else i
                              for i in value)
            if all(x is y for x, y in zip(new_value, value)):
                continue
        else:
            continue
        if new_value is not value:
            changes[f.name] = new_value
    return dataclasses.replace(node, **changes) if changes else node
