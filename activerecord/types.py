"""Neutral attribute types: how a column's values are cast, loaded and written.

Each column of a model gets one :class:`Type` instance, chosen by its backend's
``types.type_for(ColumnInfo)``. A type has three directions:

* ``cast(value)``: a value a user assigned -> the column's Python type (raises
  ``ValueError``/``TypeError`` when that is ambiguous or impossible);
* ``deserialize(value)``: what the driver returned -> the Python type;
* ``serialize(value)``: the Python value -> what the driver should be given.

Two compositions are owned here too, so no caller repeats them:

* ``bind(value, strict=False)``: cast, then serialize: a value a user gave (a condition,
  a key, a bulk-inserted row) as the driver should get it, as ``save()`` sends it;
  ``strict`` raises the cast error, otherwise an uncastable value binds as ``None``
  (see :meth:`Type.bind`). Values already cast (a record's attributes) need only
  ``serialize``.
* ``current(now)``: the current instant as the column stores it, for ``created_at``/
  ``updated_at`` (:meth:`DateTimeType.current`: aware or naive UTC).

Row loading is the hot path, so a type whose driver already returns the right Python
type sets ``needs_deserialize = False`` and the loader skips it. Backends subclass these
types only where their storage differs (SQLite keeps dates as text, MySQL booleans as
``tinyint(1)``...). Types are the standard library's only (docs/architecture.md).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import re
import uuid
from typing import Any

__all__ = [
    "Type", "ValueType", "IntegerType", "FloatType", "DecimalType", "StringType",
    "BooleanType", "DateType", "DateTimeType", "TimeType", "IntervalType", "BinaryType",
    "JSONType", "UUIDType", "TextUUIDType", "NEUTRAL_TYPE_CLASSES", "parse_duration",
    "seconds_to_duration", "CAST_ERRORS",
]

#: What ``cast``/``serialize`` raise for a value the type cannot take (``InvalidOperation``
#: is an ``ArithmeticError``; named for readers of ``decimal``).
CAST_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, ArithmeticError,
                                            decimal.InvalidOperation)

_TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})
_FALSE = frozenset({"0", "f", "false", "n", "no", "off"})


class Type:
    """Base type: passes values through unchanged.

    Subclasses override ``cast``, ``deserialize`` and ``serialize``; each takes and
    returns one value and must map ``None`` to ``None``.
    """

    name = "value"
    python_type: type | tuple = object
    needs_deserialize = False
    #: True when an empty or whitespace-only string assigned to the column means
    #: None (a blank web-form field; Rails' ActiveModel types cast it to nil):
    #: numbers, booleans, dates and times, intervals, UUIDs. Text columns keep it.
    blank_is_none = False
    #: True when values can change in place (``dict``/``list``): dirty tracking then
    #: also compares with a copy of the value (Rails' ``changed_in_place?``).
    mutable = False
    #: The SQL type a value compared with the column is cast to (``col = CAST(? AS
    #: t)``), for a column whose driver cannot tell the type from the Python value
    #: (psycopg sends ``[1, 2]`` as ``smallint[]``); ``None``: no cast (every scalar).
    sql_cast: str | None = None
    #: The SQL type the first row of a row-value ``IN (VALUES ...)`` list casts this
    #: column's values to (``ModelSchema.rows_in``), for a database that types a VALUES
    #: column from its rows, where text parameters make a text column that the column
    #: cannot be compared with (a PostgreSQL enum); ``None``: no cast (every default).
    values_cast: str | None = None
    #: For ``sum()``/``average()``: the SQL function each value goes through inside
    #: ``SUM`` (``SUM(f(col))``) where the column's own SUM would be wrong (MySQL adds
    #: TIME values as HHMMSS numbers: ``TIME_TO_SEC``); one of the compiler's
    #: ``FUNCTIONS``. ``None``: ``SUM(col)``.
    sum_function: str | None = None

    def load_sum(self, value: Any) -> Any:
        """Return a ``SUM`` of this column (of ``sum_function(col)`` when set) as the
        driver returned it, ``None`` when no row matched, as ``sum()`` returns it: here
        the value itself, ``0`` for ``None`` (Rails' ``sum`` of no rows is 0)."""
        return 0 if value is None else value

    def mean(self, total: Any, count: int) -> Any:
        """Return ``average()``: the mean of ``count`` (> 0) values whose
        :meth:`load_sum` is ``total``; here a ``float``."""
        return float(total) / count

    def force_equality(self, value: Any) -> bool:
        """Whether ``where(col=value)`` compares a list/tuple ``value`` whole (``=``) as
        this column's value instead of as ``IN`` of its items: true for array columns
        (Rails' ``Type#force_equality?``)."""
        return False

    def cast(self, value: Any) -> Any:
        """Return ``value`` as this type's Python value; raise ValueError/TypeError."""
        return value

    def deserialize(self, value: Any) -> Any:
        """Return the Python value for ``value`` as the driver returned it."""
        return value

    def serialize(self, value: Any) -> Any:
        """Return ``value`` as the driver should bind it."""
        return value

    def bind(self, value: Any, strict: bool = False) -> Any:
        """Return a value a user gave (not yet cast) as the driver should bind it:
        ``serialize(cast(value))``, the one owner of cast-then-serialize (conditions,
        key lookups, ``Model.find``, ``insert_all``).

        ``strict=True`` raises what ``cast``/``serialize`` raise for a value this type
        cannot take (one of :data:`CAST_ERRORS`; callers word it as an
        ``AttributeCastError`` naming the column). ``strict=False`` returns ``None``
        for such a value instead: bound, it is SQL NULL, which equals and orders with
        no stored value, so a lenient lookup (``find("abc")`` on an integer key)
        matches no row, as Rails' does. A caller that must tell it from a ``None``
        value checks ``value is not None``. Never use ``strict=False`` for a write:
        it would store NULL.
        """
        if strict:
            return self.serialize(self.cast(value))
        try:
            return self.serialize(self.cast(value))
        except CAST_ERRORS:
            return None

    def current(self, now: _dt.datetime | None = None) -> Any:
        """Return the current instant (``now``, an aware datetime, default: the clock)
        as this column stores ``created_at``/``updated_at``: here naive UTC wall time,
        which assignment then casts (a date column keeps the date). Overridden by
        :meth:`DateTimeType.current`, which knows whether its column is aware."""
        if now is None:
            now = _dt.datetime.now(_dt.timezone.utc)
        elif now.tzinfo is not _dt.timezone.utc:
            now = now.astimezone(_dt.timezone.utc)
        return now.replace(tzinfo=None)

    def current_value(self, now: _dt.datetime | None = None) -> Any:
        """:meth:`current` cast to this type: the value a record holds once
        ``created_at``/``updated_at`` is stamped (a date column: the date)."""
        return self.cast(self.current(now))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class ValueType(Type):
    """A column of a type the backend does not map: values pass through."""


class IntegerType(Type):
    """Python ``int``. Accepts ints, integral floats/Decimals and digit strings."""
    blank_is_none = True

    name = "integer"
    python_type = int

    def cast(self, value: Any) -> Any:
        if value is None or (type(value) is int):
            return value
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, (float, decimal.Decimal)):
            if value != int(value):
                raise ValueError(f"{value!r} is not a whole number")
            return int(value)
        if isinstance(value, str):
            return int(value.strip())
        if isinstance(value, int):
            return int(value)
        raise TypeError(f"cannot cast {type(value).__name__} to int")

    def load_sum(self, value: Any) -> Any:
        """An ``int`` (MySQL sums integers as ``DECIMAL``)."""
        return 0 if value is None else int(value)


class FloatType(Type):
    """Python ``float``. Accepts numbers and numeric strings.

    Args:
        finite: what the database cannot store, for a backend to refuse before any SQL:
            ``""`` (it stores NaN and both infinities: PostgreSQL), ``"nan"`` (SQLite
            binds NaN as NULL), ``"all"`` (MySQL's DOUBLE has neither).
        database: the database's name, for the error message.
    """
    blank_is_none = True

    name = "float"
    python_type = float

    def __init__(self, finite: str = "", database: str = ""):
        self.finite = finite
        self.database = database

    def cast(self, value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not float:
            if not isinstance(value, (int, float, decimal.Decimal, str)) \
                    or isinstance(value, bool):
                raise TypeError(f"cannot cast {type(value).__name__} to float")
            value = float(value)
        if self.finite and not math.isfinite(value) and (self.finite == "all"
                                                         or value != value):
            raise ValueError(f"{self.database} cannot store {value!r} in a float column")
        return value

    def deserialize(self, value: Any) -> Any:
        return None if value is None else float(value)

    def load_sum(self, value: Any) -> Any:
        return 0.0 if value is None else float(value)


class DecimalType(Type):
    """``decimal.Decimal``; ``scale`` (digits after the point) quantizes loaded values.

    Floats are converted through ``repr`` so ``0.1`` becomes ``Decimal('0.1')``, not the
    binary expansion.
    """
    blank_is_none = True

    name = "decimal"
    python_type = decimal.Decimal

    def __init__(self, precision: int | None = None, scale: int | None = None, *,
                 finite: bool = False, database: str = ""):
        self.precision = precision
        self.scale = scale
        self._quantum = decimal.Decimal(1).scaleb(-scale) if scale is not None else None
        self.finite = finite  # True: the database has no NaN/Infinity decimals (MySQL)
        self.database = database

    def cast(self, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, decimal.Decimal):
            if self.finite and not value.is_finite():
                raise ValueError(f"{self.database} cannot store {value!r} in a decimal "
                                 "column")
            return value
        if isinstance(value, bool):
            raise TypeError("cannot cast bool to Decimal")
        if isinstance(value, float):
            return self.cast(decimal.Decimal(repr(value)))
        if isinstance(value, (int, str)):
            try:
                number = decimal.Decimal(value.strip() if isinstance(value, str) else value)
            except decimal.InvalidOperation:
                raise ValueError(f"{value!r} is not a decimal number") from None
            return self.cast(number)
        raise TypeError(f"cannot cast {type(value).__name__} to Decimal")

    def deserialize(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, decimal.Decimal):
            value = self.cast(value)
        if self._quantum is not None and value.is_finite():
            try:
                return value.quantize(self._quantum)
            except decimal.InvalidOperation:
                return value
        return value

    def load_sum(self, value: Any) -> Any:
        """A ``Decimal`` at the column's scale (SQLite sums decimals as REAL)."""
        return self.deserialize(decimal.Decimal(0) if value is None else value)

    def mean(self, total: Any, count: int) -> Any:
        """The exact ``Decimal(total) / count`` (28 significant digits, the default
        context)."""
        return decimal.Decimal(str(total)) / count


class StringType(Type):
    """Python ``str``. Numbers are cast with ``str()``; other objects are refused."""

    name = "string"
    python_type = str

    def cast(self, value: Any) -> Any:
        if value is None or type(value) is str:
            return value
        if isinstance(value, (int, float, decimal.Decimal, uuid.UUID)) \
                and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return str(value)
        raise TypeError(f"cannot cast {type(value).__name__} to str")


class BooleanType(Type):
    """Python ``bool``. Accepts bools, 0/1 and the strings true/false, t/f, yes/no,
    on/off, 1/0 (as Rails' ``ActiveModel::Type::Boolean`` does, but strict: anything
    else is an error rather than ``True``)."""
    blank_is_none = True

    name = "boolean"
    python_type = bool

    def cast(self, value: Any) -> Any:
        if value is None or type(value) is bool:
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
        raise ValueError(f"{value!r} is not a boolean")

    def deserialize(self, value: Any) -> Any:
        return None if value is None else bool(value)


class DateType(Type):
    """``datetime.date``. Accepts dates and ISO 8601 strings (``YYYY-MM-DD``)."""
    blank_is_none = True

    name = "date"
    python_type = _dt.date

    def cast(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            return _dt.date.fromisoformat(value.strip()[:10])
        raise TypeError(f"cannot cast {type(value).__name__} to date")

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)


class DateTimeType(Type):
    """``datetime.datetime``; aware when ``timezone`` is true.

    For a time-zone column a naive value is taken to be UTC (as Rails does with its
    default ``time_zone = "UTC"``); for a plain column values stay as given.
    """
    blank_is_none = True

    name = "datetime"
    python_type = _dt.datetime

    def __init__(self, timezone: bool = False):
        self.timezone = timezone

    def current(self, now: _dt.datetime | None = None) -> _dt.datetime:
        """Return the current instant (``now``, an aware datetime, default: the clock,
        so one call can stamp several columns with one instant) as this column holds
        it: aware UTC for a time-zone column, else naive UTC wall time (Rails'
        ``current_time_from_proper_timezone`` with its default ``time_zone = "UTC"``)."""
        if now is None:
            now = _dt.datetime.now(_dt.timezone.utc)
        elif now.tzinfo is not _dt.timezone.utc:
            now = now.astimezone(_dt.timezone.utc)
        return now if self.timezone else now.replace(tzinfo=None)

    def current_value(self, now: _dt.datetime | None = None) -> _dt.datetime:
        """:meth:`current`, which already is this type's value (no cast)."""
        return self.current(now)

    def cast(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value.strip())
        elif isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        elif not isinstance(value, _dt.datetime):
            raise TypeError(f"cannot cast {type(value).__name__} to datetime")
        if self.timezone and value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)


class TimeType(Type):
    """``datetime.time``, a time of day. Accepts times, ISO 8601 strings
    (``HH:MM[:SS[.ffffff]]``) and a ``timedelta`` from 00:00 up to, not including, 24:00;
    ValueError for any other ``timedelta`` (it is a duration: see :class:`IntervalType`),
    which is never reduced modulo 24 hours."""
    blank_is_none = True

    name = "time"
    python_type = _dt.time

    def cast(self, value: Any) -> Any:
        if value is None or isinstance(value, _dt.time):
            return value
        if isinstance(value, str):
            return _dt.time.fromisoformat(value.strip())
        if isinstance(value, _dt.timedelta):
            # A duration is a time of day only from 00:00 up to (not including) 24:00;
            # anything else is refused, never reduced modulo 24 hours.
            if not _dt.timedelta(0) <= value < _ONE_DAY:
                raise ValueError(f"{value!r} is not a time of day (00:00 <= t < 24:00); "
                                 "durations belong in an interval column")
            return (_dt.datetime.min + value).time()
        raise TypeError(f"cannot cast {type(value).__name__} to time")

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)


class IntervalType(Type):
    """``datetime.timedelta``: a duration (PostgreSQL ``interval``, MySQL/MariaDB ``TIME``,
    which is an interval of -838:59:59..838:59:59, MySQL manual "The TIME Type").

    ``cast`` accepts a ``timedelta``; a naive ``datetime.time`` (the time since midnight);
    and text: ``[-]H:MM[:SS[.ffffff]]`` with any number of hours (the sign applies to the
    whole), MySQL's ``[-]D HH:MM:SS``, Python's ``str(timedelta)`` (``-1 day, 23:00:00``),
    PostgreSQL's ``1 day -02:00:00`` and ISO 8601 durations (``P1DT6H``, ``-PT30M``).
    It raises ValueError for text it cannot read and for years or months (they have no
    fixed length), TypeError for numbers (ambiguous: MySQL reads ``1230`` as 00:12:30)
    and for an aware time. Nothing is ever reduced modulo 24 hours.
    """
    blank_is_none = True

    name = "interval"
    python_type = _dt.timedelta

    def cast(self, value: Any) -> Any:
        if value is None or isinstance(value, _dt.timedelta):
            return value
        if isinstance(value, _dt.time):
            if value.tzinfo is not None:
                raise TypeError(f"{value!r} has a time zone: it is not a duration")
            return _dt.datetime.combine(_dt.date.min, value) - _dt.datetime.min
        if isinstance(value, str):
            return parse_duration(value)
        raise TypeError(f"cannot cast {type(value).__name__} to timedelta (give a "
                        "timedelta, a time or text such as '30:00:00' or 'PT30H')")

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)

    def load_sum(self, value: Any) -> Any:
        """A ``timedelta``, ``timedelta(0)`` for no rows: the driver returns a
        ``timedelta`` (PostgreSQL sums intervals) or seconds (an INTEGER, REAL or
        DECIMAL sum of seconds: SQLite's stored seconds, MySQL's ``TIME_TO_SEC``)."""
        if value is None:
            return _dt.timedelta(0)
        if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            return seconds_to_duration(value)
        return self.deserialize(value)

    def mean(self, total: Any, count: int) -> Any:
        """A ``timedelta``: ``total / count``, to the microsecond (round half even)."""
        return total / count


_ONE_DAY = _dt.timedelta(days=1)

_CLOCK = r"(?P<sign>[-+])?(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d{1,6})?))?"
_DURATION_TEXT = re.compile(
    r"^(?:(?P<days>[-+]?\d+)(?P<word>\s*days?,?)?\s+)?" + _CLOCK + r"$"
    r"|^(?P<only>[-+]?\d+)\s*days?$", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?!$)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:[.,]\d{1,6})?)S)?)?$", re.IGNORECASE)


def _seconds(text: str | None) -> _dt.timedelta:
    # "59.5" -> 59 s 500000 us, exactly (no float rounding).
    whole, _, frac = (text or "0").partition(".")
    return _dt.timedelta(seconds=int(whole), microseconds=int(frac.ljust(6, "0")[:6] or 0))


def seconds_to_duration(seconds: int | float | decimal.Decimal) -> _dt.timedelta:
    """Return the ``timedelta`` of a number of seconds: exact for an int or a
    ``Decimal`` (rounded to the microsecond, half even), a float as ``timedelta`` rounds
    it. Raises OverflowError beyond ``timedelta``'s range."""
    if isinstance(seconds, decimal.Decimal):
        micro = (seconds * 1_000_000).to_integral_value(decimal.ROUND_HALF_EVEN)
        return _dt.timedelta(microseconds=int(micro))
    return _dt.timedelta(seconds=seconds)


def parse_duration(text: str) -> _dt.timedelta:
    """Return the ``timedelta`` for a duration written as :class:`IntervalType` reads it.

    Raises ValueError for anything else, naming the accepted forms.
    """
    s = text.strip()
    m = _DURATION_TEXT.match(s)
    if m and m.group("only") is not None:
        return _dt.timedelta(days=int(m.group("only")))
    if m:
        if int(m["m"]) > 59 or float(m["s"] or 0) >= 60:
            raise ValueError(f"{text!r}: minutes and seconds must be below 60")
        clock = _dt.timedelta(hours=int(m["h"]), minutes=int(m["m"])) + _seconds(m["s"])
        if m["sign"] == "-":
            clock = -clock
        days = _dt.timedelta(days=int(m["days"] or 0))
        if m["days"] is not None and not m["word"]:
            # MySQL's "[-]D HH:MM:SS": one sign for the whole value.
            if m["sign"]:
                raise ValueError(f"{text!r}: a sign may only lead a 'D HH:MM:SS' duration")
            total = abs(days) + clock
            return -total if m["days"].startswith("-") else total
        return days + clock  # "1 day, 02:00:00" / "-1 days +23:00:00": fields signed apart
    m = _ISO_DURATION.match(s)
    if m:
        if m["y"] or m["mo"]:
            raise ValueError(f"{text!r} has years or months, which have no fixed length; "
                             "give the duration in weeks, days, hours, minutes, seconds")
        total = _dt.timedelta(weeks=int(m["w"] or 0), days=int(m["d"] or 0),
                              hours=int(m["h"] or 0), minutes=int(m["mi"] or 0))
        total += _seconds((m["s"] or "0").replace(",", "."))
        return -total if m["sign"] == "-" else total
    raise ValueError(f"{text!r} is not a duration: use [-]HH:MM[:SS[.ffffff]], "
                     "'D HH:MM:SS', '1 day, 02:00:00' or ISO 8601 such as 'P1DT2H'")


class BinaryType(Type):
    """``bytes``. Accepts bytes, bytearray and memoryview."""

    name = "binary"
    python_type = bytes

    def cast(self, value: Any) -> Any:
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise TypeError(f"cannot cast {type(value).__name__} to bytes")

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)


class JSONType(Type):
    """JSON documents as ``dict``/``list``/``str``/numbers/``bool``/``None``.

    Values are kept as given on assignment (they must be JSON-serializable); the
    default serialization is ``json.dumps`` and loading parses text with ``json.loads``.
    """

    name = "json"
    python_type = (dict, list, str, int, float, bool)
    needs_deserialize = True
    mutable = True

    def cast(self, value: Any) -> Any:
        if value is None:
            return None
        json.dumps(value)  # raises TypeError for what JSON cannot hold
        return value

    def deserialize(self, value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            value = value.decode()
        if isinstance(value, str):
            return json.loads(value)
        return value

    def serialize(self, value: Any) -> Any:
        return None if value is None else json.dumps(value)


class UUIDType(Type):
    """``uuid.UUID``. Accepts UUIDs, their string forms and 16 raw bytes."""
    blank_is_none = True

    name = "uuid"
    python_type = uuid.UUID

    def cast(self, value: Any) -> Any:
        if value is None or isinstance(value, uuid.UUID):
            return value
        if isinstance(value, str):
            return uuid.UUID(value.strip())
        if isinstance(value, (bytes, bytearray)) and len(value) == 16:
            return uuid.UUID(bytes=bytes(value))
        raise TypeError(f"cannot cast {type(value).__name__} to UUID")

    def deserialize(self, value: Any) -> Any:
        return self.cast(value)


class TextUUIDType(UUIDType):
    """``uuid.UUID`` kept as its 36-character text by databases without a native UUID
    type (SQLite; MariaDB's ``uuid`` also travels as text)."""

    needs_deserialize = True

    def serialize(self, value: Any) -> Any:
        return None if value is None else str(value)


#: neutral type name -> the default Type class for it.
NEUTRAL_TYPE_CLASSES: dict[str, type[Type]] = {
    "integer": IntegerType, "float": FloatType, "decimal": DecimalType,
    "string": StringType, "boolean": BooleanType, "date": DateType,
    "datetime": DateTimeType, "time": TimeType, "interval": IntervalType,
    "binary": BinaryType,
    "json": JSONType, "uuid": UUIDType,
}
