"""Type mapping for MySQL and MariaDB, both ways.

Declared type (``information_schema.COLUMNS.COLUMN_TYPE``, lower case) -> neutral type:

* ``tinyint(1)``, ``bool``/``boolean`` (which MySQL stores and reports as
  ``tinyint(1)``) and ``bit(1)`` -> boolean; every other integer type (signed or
  unsigned, ``year``, ``bit(n)``) -> integer.
* ``float``/``double``/``real`` -> float; ``decimal``/``numeric``/``fixed`` -> decimal.
* ``char``/``varchar``/``*text``, ``enum``/``set`` (allowed values in
  ``ColumnInfo.enum_values``) and MariaDB's ``inet4``/``inet6`` -> string.
* ``binary``/``varbinary``/``*blob`` -> binary.
* ``date``, ``datetime`` (naive) and ``timestamp`` (time zone: stored in UTC).
* ``time`` -> interval (``datetime.timedelta``): MySQL's TIME is a duration from
  -838:59:59 to 838:59:59, not a time of day (manual "The TIME Type"), so ``'30:00:00'``
  reads as ``timedelta(hours=30)`` and is written back as such, never modulo 24 hours.
* ``json`` -> json. MariaDB reports a JSON column as ``longtext`` with a
  ``CHECK (json_valid(col))`` constraint; the introspector sees the check and sets the
  neutral type to json (MariaDB KB "JSON Data Type").
* ``uuid`` (MariaDB >= 10.7) -> uuid. A ``char(36)`` holding UUIDs stays a string.

Reading (PyMySQL's ``converters.decoders``): the driver already returns ``int``,
``float``, ``Decimal`` (with the column's scale), ``str``, ``bytes`` and ``timedelta``
(TIME), so those types set ``needs_deserialize = False`` and the row loader skips
them. What needs work: booleans (``tinyint`` comes back as ``int``, ``bit`` as
``bytes``), ``timestamp`` (naive, in the session time zone, which the adapter pins to
UTC: UTC is attached), JSON (text), native UUIDs (text), and ``date``/``datetime``/
``timestamp``, which PyMySQL returns as text when Python cannot hold the value: the
zero date ``'0000-00-00'`` (``'0000-00-00 00:00:00'``), allowed by a ``sql_mode``
without ``NO_ZERO_DATE``, reads as ``None`` as in Rails (mysql2 returns nil); a partial
zero date (``'2020-00-00'``) raises DataError naming the column, as mysql2 does ("Invalid
date in field"), rather than hand out a ``str``.

Writing (PyMySQL's ``converters.encoders`` interpolate values client side): its
datetime encoder drops ``tzinfo``, so aware values are converted to UTC and made naive
first; fractional seconds beyond the column's precision (``datetime(3)``) are
truncated here, because MySQL rounds them (and may roll over into the next second or
day) while MariaDB truncates (MySQL manual 13.2.6 "Fractional Seconds in Time Values").
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from activerecord import types as t
from activerecord.connection.introspection import ColumnInfo, parse_type_args
from activerecord.errors import DataError

__all__ = ["neutral_type", "type_for", "parse_enum_values", "base_type", "unquote_string"]

_ENUM_ITEM = re.compile(r"'((?:[^'\\]|''|\\.)*)'")
_INTEGERS = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint",
                       "year", "int1", "int2", "int3", "int4", "int8", "middleint"})
_FLOATS = frozenset({"float", "double", "real", "double precision", "float4", "float8"})
_DECIMALS = frozenset({"decimal", "numeric", "dec", "fixed"})
_STRINGS = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext",
                      "enum", "set", "inet4", "inet6", "nchar", "nvarchar",
                      "national char", "national varchar", "long", "long varchar"})
_BINARIES = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob",
                       "longblob", "long varbinary"})
_SIMPLE = {"date": "date", "time": "interval", "datetime": "datetime",
           "timestamp": "datetime", "json": "json", "uuid": "uuid",
           "bool": "boolean", "boolean": "boolean"}


def parse_enum_values(sql_type: str) -> tuple[str, ...] | None:
    """Return the members of ``enum('a','b')`` / ``set(...)``, else ``None``.

    Quotes inside members are doubled (``'it''s'``) in ``COLUMN_TYPE``.
    """
    s = sql_type.strip()
    if not s.lower().startswith(("enum(", "set(")):
        return None
    inner = s[s.index("(") + 1:s.rindex(")")]
    return tuple(unquote_string(m.group(1)) for m in _ENUM_ITEM.finditer(inner))


_ESCAPES = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def unquote_string(body: str) -> str:
    """Return the value of a string literal's body (without its quotes), undoing
    MySQL's escapes (manual 11.1.1 "String Literals"): ``''`` and ``\\x``."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif ch == "'" and body[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def base_type(sql_type: str) -> str:
    """Return the type name without arguments and modifiers (``"bigint"`` for
    ``"bigint(20) unsigned zerofill"``)."""
    s = sql_type.lower().strip()
    name = s.split("(", 1)[0].strip()
    for suffix in (" unsigned", " signed", " zerofill"):
        while name.endswith(suffix):
            name = name[: -len(suffix)].strip()
    return name


def neutral_type(sql_type: str) -> str | None:
    """Return the neutral type name for a MySQL/MariaDB column type, or ``None``."""
    s = sql_type.lower().strip()
    base = base_type(s)
    if base == "tinyint" and s.startswith("tinyint(1)"):
        return "boolean"  # MySQL's BOOLEAN is TINYINT(1) (manual 13.1.1)
    if base == "bit":
        length, _ = parse_type_args(s)
        return "boolean" if length in (None, 1) else "integer"
    if base in _SIMPLE:
        return _SIMPLE[base]
    if base in _INTEGERS:
        return "integer"
    if base in _FLOATS:
        return "float"
    if base in _DECIMALS:
        return "decimal"
    if base in _STRINGS:
        return "string"
    if base in _BINARIES:
        return "binary"
    return None


def _fsp(sql_type: str) -> int:
    # Fractional seconds precision: datetime(3) -> 3; datetime -> 0.
    digits, _ = parse_type_args(sql_type)
    return digits or 0


def _truncate(value: Any, fsp: int) -> Any:
    if fsp >= 6 or not value.microsecond:
        return value
    step = 10 ** (6 - fsp)
    return value.replace(microsecond=value.microsecond // step * step)


class _Boolean(t.BooleanType):
    """``tinyint(1)``: PyMySQL returns ``int``; ``True``/``False`` bind as 1/0."""

    needs_deserialize = True


class _BitBoolean(t.BooleanType):
    """``bit(1)``: PyMySQL returns ``bytes`` (``b'\\x01'``)."""

    needs_deserialize = True

    def deserialize(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (bytes, bytearray)):
            return int.from_bytes(value, "big") != 0
        return bool(value)

    def serialize(self, value: Any) -> Any:
        return None if value is None else int(value)


class _BitInteger(t.IntegerType):
    """``bit(n)``, n > 1, as an unsigned integer."""

    needs_deserialize = True

    def deserialize(self, value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return int.from_bytes(value, "big")
        return value


def _zero_date(text: str, kind: str, column: str) -> None:
    """Return ``None`` for MySQL's zero date/datetime (``'0000-00-00'``,
    ``'0000-00-00 00:00:00'``), which PyMySQL returns as text; raise DataError for any
    other text (a partial zero date ``'2020-00-00'``, a day the calendar lacks).

    As Rails with mysql2: nil for the zero value, an "Invalid date in field" error for
    the others (mysql2 ``result.c``).
    """
    if not text.strip("0-: .T"):
        return None
    raise DataError(
        f"column {column!r} holds the {kind} {text!r}, which is no calendar {kind} (MySQL "
        "stores zero parts unless sql_mode has NO_ZERO_IN_DATE): it cannot be read as a "
        f"Python {kind}; fix the row, or select the column as text with CAST(... AS CHAR)")


class _Date(t.DateType):
    """``date``: PyMySQL returns ``date``, or text for a value Python cannot hold: the
    zero date reads as ``None``, others raise DataError (:func:`_zero_date`)."""

    needs_deserialize = True

    def __init__(self, column: str = "?"):
        self.column = column

    def deserialize(self, value: Any) -> Any:
        if value.__class__ is str:
            return _zero_date(value, "date", self.column)
        return value


class _DateTime(t.DateTimeType):
    """``datetime``: naive on both sides; an aware value is stored as UTC wall time
    (the session time zone). Zero datetimes read as ``None`` (:func:`_zero_date`)."""

    needs_deserialize = True

    def __init__(self, timezone: bool = False, fsp: int = 0, column: str = "?"):
        super().__init__(timezone)
        self.fsp = fsp
        self.column = column

    def deserialize(self, value: Any) -> Any:
        if value.__class__ is str:
            return _zero_date(value, "datetime", self.column)
        return value

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        if isinstance(value, _dt.datetime):
            value = _truncate(value, self.fsp)
        return value


class _Timestamp(_DateTime):
    """``timestamp``: stored in UTC by MySQL, shown in the session time zone, which the
    adapter sets to ``+00:00``; loaded values get ``tzinfo=UTC``, naive ones are UTC."""

    needs_deserialize = True

    def __init__(self, fsp: int = 0, column: str = "?"):
        super().__init__(True, fsp, column)

    def deserialize(self, value: Any) -> Any:
        if isinstance(value, _dt.datetime):
            return value.replace(tzinfo=_dt.timezone.utc)
        return _zero_date(value, "timestamp", self.column)


_TIME_MAX = _dt.timedelta(hours=838, minutes=59, seconds=59)


class _Interval(t.IntervalType):
    """``time``: a duration from -838:59:59 to 838:59:59 (MySQL manual "The TIME Type"),
    as ``timedelta``, which PyMySQL already returns (``needs_deserialize = False``).

    ``cast`` raises ValueError outside that range (the server would refuse it in strict
    mode and clip it otherwise). ``serialize`` writes ``[-]H:MM:SS[.ffffff]`` with the
    fraction truncated to the column's precision (MySQL would round it).

    ``SUM``/``AVG`` of a TIME adds its values as numbers (``30:00:00`` as 300000, the
    manual's "Aggregate Function Descriptions": they "do not work with temporal
    values"), so ``sum()``/``average()`` sum ``TIME_TO_SEC(col)``, the seconds (MariaDB
    keeps the fraction, KB "TIME_TO_SEC"), and ``load_sum`` makes them a ``timedelta``.
    """

    sum_function = "TIME_TO_SEC"

    def __init__(self, fsp: int = 0):
        self.fsp = fsp

    def cast(self, value: Any) -> Any:
        value = super().cast(value)
        if value is not None and abs(value) > _TIME_MAX:
            raise ValueError(f"{value} is outside MySQL's TIME range "
                             "-838:59:59..838:59:59")
        return value

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        sign, value = ("-", -value) if value < _dt.timedelta(0) else ("", value)
        step = 10 ** (6 - self.fsp)
        us = value.microseconds // step * step
        minutes, seconds = divmod(value.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        text = f"{sign}{value.days * 24 + hours:02d}:{minutes:02d}:{seconds:02d}"
        return text + (f".{us:06d}" if us else "")


def type_for(column: ColumnInfo) -> t.Type:
    """Return the attribute type for an introspected MySQL/MariaDB column."""
    kind = column.type
    base = base_type(column.sql_type)
    if kind == "boolean":
        return _BitBoolean() if base == "bit" else _Boolean()
    if kind == "integer":
        return _BitInteger() if base == "bit" else t.IntegerType()
    if kind == "decimal":  # DECIMAL has no NaN or infinity (manual "Fixed-Point Types")
        return t.DecimalType(column.precision, column.scale, finite=True,
                             database="MySQL/MariaDB")
    if kind == "float":  # nor has FLOAT/DOUBLE: refused before any SQL
        return t.FloatType(finite="all", database="MySQL/MariaDB")
    if kind == "date":
        return _Date(column.name)
    if kind == "datetime":
        if base == "timestamp" or column.timezone:
            return _Timestamp(_fsp(column.sql_type), column.name)
        return _DateTime(False, _fsp(column.sql_type), column.name)
    if kind == "interval":
        return _Interval(min(_fsp(column.sql_type), 6))
    if kind == "uuid":
        return t.TextUUIDType()
    cls = t.NEUTRAL_TYPE_CLASSES.get(kind)
    return cls() if cls is not None else t.ValueType()
