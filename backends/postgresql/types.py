"""Type mapping for PostgreSQL, both ways.

psycopg 3 already converts most built-in types to and from the standard library's
(https://www.psycopg.org/psycopg3/docs/basic/adapt.html): integers, ``float``,
``Decimal`` (with the column's scale), ``str``, ``bool``, ``date``/``time``/``datetime``
(aware for ``timestamptz``/``timetz``), ``bytes`` for ``bytea``, ``uuid.UUID``,
``timedelta`` for ``interval``, parsed JSON for ``json``/``jsonb`` and ``list`` for arrays of
built-in types. So almost every type here sets ``needs_deserialize = False`` and the row
loader leaves the driver's value alone (the hot path).

What is left to do:

* JSON is bound through ``psycopg.types.json.Jsonb``/``Json`` so a ``dict``, a ``list``
  (psycopg would send a list as an ARRAY) or a bare ``str`` (it would be sent as text, not
  as a JSON string) all become JSON documents. That module is imported at the first
  JSON value bound, so importing this one needs no driver.
* ``timestamptz``: a naive value is taken as UTC (``DateTimeType``), so it is made aware
  before binding; PostgreSQL would otherwise read it in the session ``TimeZone``.
* Arrays of types psycopg does not know by OID (enums, ``citext``: their OIDs differ per
  database) come back as the array's text form ``{a,b}``; :class:`ArrayType` parses it.
* ``interval`` -> interval (``timedelta``, as MySQL's TIME). psycopg converts an interval
  with months or years approximately, a month as 30 days and a year as 365 days
  (``IntervalLoader``: ``timedelta`` has no months), so such a value is read as days;
  it is written back only when assigned, as days (``'1 mon'`` would become ``'30
  days'``), and ``where(col=value)`` with it does not find ``'1 year'`` (PostgreSQL
  compares a year as 360 days). Keep calendar intervals out of ``timedelta`` columns.
* Enums are strings (``ColumnInfo.enum_values`` lists the labels); the types without a
  neutral equivalent (``inet``, ``money``, geometric...) pass through.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable
from typing import Any

from activerecord import types as t
from activerecord.connection.introspection import UNTYPED, ColumnInfo

__all__ = ["neutral_type", "type_for", "values_cast", "ArrayType", "parse_array"]

#: ``format_type`` names and ``pg_type.typname`` names -> neutral type.
_NEUTRAL = {
    "smallint": "integer", "integer": "integer", "bigint": "integer", "int2": "integer",
    "int4": "integer", "int8": "integer", "smallserial": "integer", "serial": "integer",
    "bigserial": "integer", "oid": "integer",
    "real": "float", "double precision": "float", "float4": "float", "float8": "float",
    "numeric": "decimal", "decimal": "decimal",
    "character varying": "string", "varchar": "string", "character": "string",
    "char": "string", "bpchar": "string", "text": "string", "citext": "string",
    "name": "string",
    "boolean": "boolean", "bool": "boolean",
    "date": "date",
    "time without time zone": "time", "time with time zone": "time", "time": "time",
    "timetz": "time",
    "timestamp without time zone": "datetime", "timestamp with time zone": "datetime",
    "timestamp": "datetime", "timestamptz": "datetime",
    "bytea": "binary",
    "json": "json", "jsonb": "json",
    "uuid": "uuid",
    "interval": "interval",
}

#: Element types whose arrays psycopg loads into lists by itself (built-in OIDs).
_BUILTIN_ELEMENTS = frozenset(k for k in _NEUTRAL if k not in ("citext",))

_TYPMOD = re.compile(r"\(\s*\d+\s*(?:,\s*\d+\s*)?\)")


def _base_name(sql_type: str) -> str:
    # "timestamp(3) with time zone" -> "timestamp with time zone"; drop a schema/quotes.
    name = _TYPMOD.sub("", sql_type.strip().lower())
    return " ".join(name.replace('"', "").split())


def neutral_type(sql_type: str) -> str | None:
    """Return the neutral type for a PostgreSQL type name (``format_type`` output or
    ``typname``), or ``None`` when it has none (arrays, enums, ``inet``...)."""
    name = _base_name(sql_type)
    if name.endswith("]"):
        return None
    return _NEUTRAL.get(name)


class _DateTime(t.DateTimeType):
    def serialize(self, value: Any) -> Any:
        if self.timezone and isinstance(value, _dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=_dt.timezone.utc)
        return value


@functools.lru_cache(maxsize=2)
def _json_wrapper(binary: bool) -> Callable[[Any], Any]:
    # psycopg's Jsonb/Json, imported at the first bound JSON value (not with this module).
    from psycopg.types.json import Json, Jsonb
    return Jsonb if binary else Json


class _JSON(t.JSONType):
    needs_deserialize = False  # psycopg parses json/jsonb on load

    def __init__(self, binary: bool = True):
        self._binary = binary
        self._wrap: Callable[[Any], Any] | None = None

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        wrap = self._wrap
        if wrap is None:
            wrap = self._wrap = _json_wrapper(self._binary)
        return wrap(value)


class ArrayType(t.ValueType):
    """A PostgreSQL array column: Python lists (nested for several dimensions).

    ``element`` is the :class:`Type` of the items; it casts and serializes each item.
    ``needs_deserialize`` is true only for element types psycopg returns as text.
    ``sql_type`` is the column's declared type (``integer[]``): a value compared with
    the column is sent as ``CAST(? AS integer[])``, because psycopg types a list by its
    items (``[1, 2]`` is a ``smallint[]``, and ``integer[] = smallint[]`` has no operator).

    A list given to ``where(col=[...])`` is the column's value (``=``), not ``IN`` (Rails'
    ``force_equality?``). Assigning a string is an error: text is not an array (the
    driver's text form ``{a,b}`` is parsed only when loading).
    """

    name = "array"
    python_type = list
    mutable = True

    def __init__(self, element: t.Type, parse_text: bool = False,
                 sql_type: str | None = None):
        self.element = element
        self.needs_deserialize = parse_text
        self.sql_cast = sql_type

    def force_equality(self, value: Any) -> bool:
        return isinstance(value, (list, tuple))

    def cast(self, value: Any) -> Any:
        """Return ``value`` as a list of items cast by the element type (nested lists
        for several dimensions).

        Raises TypeError for a value that is not a list/tuple, ValueError for nested
        lists that are not rectangular: sub-lists of different lengths, or sub-lists
        mixed with items, or empty sub-lists (PostgreSQL: "multidimensional arrays
        must have array expressions with matching dimensions", manual section 8.15.2;
        ``{{}}`` is a malformed literal), and what the element type raises for an
        item."""
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"cannot cast {type(value).__name__} {value!r:.40} to an array: "
                            "give a list")
        return self._cast_level(value)[0]

    def _cast_level(self, value: list | tuple) -> tuple[list, tuple[int, ...]]:
        # The cast list and the shape of its sub-arrays (() when it holds items).
        nested = [isinstance(v, (list, tuple)) for v in value]
        if not any(nested):
            cast = self.element.cast
            return [None if v is None else cast(v) for v in value], ()
        if not all(nested):
            raise ValueError(f"cannot cast {value!r:.60} to an array: it mixes sub-arrays "
                             "and items (a multidimensional array is rectangular)")
        out, shapes = [], set()
        for v in value:
            items, shape = self._cast_level(v)
            out.append(items)
            shapes.add((len(items),) + shape)
        if len(shapes) > 1:
            raise ValueError(f"cannot cast {value!r:.60} to an array: its sub-arrays differ "
                             f"in size {sorted(shapes)} (a multidimensional array is "
                             "rectangular)")
        shape = shapes.pop()
        if 0 in shape:
            raise ValueError(f"cannot cast {value!r:.60} to an array: it holds empty "
                             "sub-arrays (an empty array has no dimensions: give [])")
        return out, shape

    def deserialize(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.cast(parse_array(value))
        return value

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        ser = self.element.serialize
        return [self.serialize(v) if isinstance(v, list) else ser(v) for v in value]


_ARRAY_TOKEN = re.compile(r'\{|\}|,|"((?:[^"\\]|\\.)*)"|([^{},"]+)', re.S)


def parse_array(text: str) -> list:
    """Parse PostgreSQL's array text form (``{a,"b c",NULL,{1,2}}``) into nested lists of
    ``str``/``None`` (section 8.15.6 of the manual, "Array Input and Output Syntax")."""
    text = text.strip()
    if text.startswith("[") and "=" in text:  # "[0:1]={...}": explicit bounds
        text = text.split("=", 1)[1]
    stack: list[list] = []
    result = None
    for m in _ARRAY_TOKEN.finditer(text):
        tok = m.group()
        if result is not None or (not stack and tok != "{"):
            raise ValueError(f"malformed array literal {text!r}: text outside '{{...}}'")
        if tok == "{":
            new: list = []
            if stack:
                stack[-1].append(new)
            stack.append(new)
        elif tok == "}":
            done = stack.pop()
            result = done if not stack else None
        elif tok == ",":
            continue
        elif m.group(1) is not None:
            stack[-1].append(re.sub(r"\\(.)", r"\1", m.group(1)))
        else:
            item = m.group(2).strip()
            stack[-1].append(None if item.upper() == "NULL" else item)
    if result is None or stack:
        raise ValueError(f"malformed array literal {text!r}")
    return result


def _scalar_type(kind: str | None, column: ColumnInfo, base: str) -> t.Type:
    if kind == "decimal":
        return t.DecimalType(column.precision, column.scale)
    if kind == "datetime":
        return _DateTime(column.timezone)
    if kind == "json":
        return _JSON(binary=base != "json")
    cls = t.NEUTRAL_TYPE_CLASSES.get(kind or "")
    return cls() if cls is not None else t.ValueType()


#: Without a length ``character`` and ``bit`` mean one character or bit: their
#: unbounded forms, for a cast that must not cut a value.
_UNBOUNDED = {"character": "bpchar", "bit": "varbit"}


def values_cast(column: ColumnInfo) -> str | None:
    """Return the type the first row of a row-value ``IN (VALUES ...)`` casts the
    column's values to (``Type.values_cast``), or ``None``.

    psycopg binds a ``str`` (and ``None``) as an untyped parameter, and a VALUES column
    of untyped parameters is ``text`` (manual 10.5, "UNION, CASE, and Related
    Constructs"), so an enum column could not be compared with it (``operator does not
    exist: mood = text``) and ``char(n)``/``citext`` would compare as text. Those, and
    the types without a neutral equivalent (``inet``, ``bit``...), are cast to their own
    type without its modifiers (``varchar(5)`` or ``numeric(6,2)`` would cut or round a
    value into a false match). Text, varchar and domains over them compare as text
    either way; every other neutral type is bound typed (int, date, uuid...) and not
    cast (``integer`` would overflow for a ``bigint`` value that matches nothing)."""
    if column.type not in ("string", UNTYPED) or column.sql_type.endswith("]"):
        return None
    name = " ".join(_TYPMOD.sub("", column.sql_type).split())
    if column.type == "string" and column.enum_values is None and \
            name not in ("character", "bpchar") and name.rsplit(".", 1)[-1] != "citext":
        return None
    return _UNBOUNDED.get(name, name)


def type_for(column: ColumnInfo) -> t.Type:
    """Return the attribute type for an introspected PostgreSQL column."""
    sql = column.sql_type
    if sql.endswith("]"):
        elem = _base_name(sql.split("[", 1)[0])
        elem_kind = _NEUTRAL.get(elem)
        return ArrayType(_scalar_type(elem_kind, column, elem),
                         parse_text=elem not in _BUILTIN_ELEMENTS, sql_type=sql)
    typ = _scalar_type(column.type, column, _base_name(sql))
    typ.values_cast = values_cast(column)
    return typ
