"""Neutral attribute types: how a column's values are cast, loaded and written.

Each column of a model gets one :class:`Type` instance, chosen by its backend's
``types.type_for(ColumnInfo)``. A type has three directions:

* ``cast(value)``: a value a user assigned -> the column's Python type (raises
  ``ValueError``/``TypeError`` when that is ambiguous or impossible);
* ``deserialize(value)``: what the driver returned -> the Python type;
* ``serialize(value)``: the Python value -> what the driver should be given.

Row loading is the hot path, so a type whose driver already returns the right Python
type sets ``needs_deserialize = False`` and the loader skips it. Backends subclass these
types only where their storage differs (SQLite keeps dates as text, MySQL booleans as
``tinyint(1)``...). Types are the standard library's only (DESIGN.md).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import uuid

__all__ = [
    "Type", "ValueType", "IntegerType", "FloatType", "DecimalType", "StringType",
    "BooleanType", "DateType", "DateTimeType", "TimeType", "BinaryType", "JSONType",
    "UUIDType", "TextUUIDType", "NEUTRAL_TYPE_CLASSES",
]

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

    def cast(self, value):
        """Return ``value`` as this type's Python value; raise ValueError/TypeError."""
        return value

    def deserialize(self, value):
        """Return the Python value for ``value`` as the driver returned it."""
        return value

    def serialize(self, value):
        """Return ``value`` as the driver should bind it."""
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class ValueType(Type):
    """A column of a type the backend does not map: values pass through."""


class IntegerType(Type):
    """Python ``int``. Accepts ints, integral floats/Decimals and digit strings."""

    name = "integer"
    python_type = int

    def cast(self, value):
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


class FloatType(Type):
    """Python ``float``. Accepts numbers and numeric strings."""

    name = "float"
    python_type = float

    def cast(self, value):
        if value is None or type(value) is float:
            return value
        if isinstance(value, (int, float, decimal.Decimal, str)) and not isinstance(value, bool):
            return float(value)
        raise TypeError(f"cannot cast {type(value).__name__} to float")

    def deserialize(self, value):
        return None if value is None else float(value)


class DecimalType(Type):
    """``decimal.Decimal``; ``scale`` (digits after the point) quantizes loaded values.

    Floats are converted through ``repr`` so ``0.1`` becomes ``Decimal('0.1')``, not the
    binary expansion.
    """

    name = "decimal"
    python_type = decimal.Decimal

    def __init__(self, precision: int | None = None, scale: int | None = None):
        self.precision = precision
        self.scale = scale
        self._quantum = decimal.Decimal(1).scaleb(-scale) if scale is not None else None

    def cast(self, value):
        if value is None or isinstance(value, decimal.Decimal):
            return value
        if isinstance(value, bool):
            raise TypeError("cannot cast bool to Decimal")
        if isinstance(value, float):
            return decimal.Decimal(repr(value))
        if isinstance(value, (int, str)):
            try:
                return decimal.Decimal(value.strip() if isinstance(value, str) else value)
            except decimal.InvalidOperation:
                raise ValueError(f"{value!r} is not a decimal number") from None
        raise TypeError(f"cannot cast {type(value).__name__} to Decimal")

    def deserialize(self, value):
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


class StringType(Type):
    """Python ``str``. Numbers are cast with ``str()``; other objects are refused."""

    name = "string"
    python_type = str

    def cast(self, value):
        if value is None or type(value) is str:
            return value
        if isinstance(value, (int, float, decimal.Decimal, uuid.UUID)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return str(value)
        raise TypeError(f"cannot cast {type(value).__name__} to str")


class BooleanType(Type):
    """Python ``bool``. Accepts bools, 0/1 and the strings true/false, t/f, yes/no,
    on/off, 1/0 (as Rails' ``ActiveModel::Type::Boolean`` does, but strict: anything
    else is an error rather than ``True``)."""

    name = "boolean"
    python_type = bool

    def cast(self, value):
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

    def deserialize(self, value):
        return None if value is None else bool(value)


class DateType(Type):
    """``datetime.date``. Accepts dates and ISO 8601 strings (``YYYY-MM-DD``)."""

    name = "date"
    python_type = _dt.date

    def cast(self, value):
        if value is None:
            return None
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            return _dt.date.fromisoformat(value.strip()[:10])
        raise TypeError(f"cannot cast {type(value).__name__} to date")

    def deserialize(self, value):
        return self.cast(value)


class DateTimeType(Type):
    """``datetime.datetime``; aware when ``timezone`` is true.

    For a time-zone column a naive value is taken to be UTC (as Rails does with its
    default ``time_zone = "UTC"``); for a plain column values stay as given.
    """

    name = "datetime"
    python_type = _dt.datetime

    def __init__(self, timezone: bool = False):
        self.timezone = timezone

    def cast(self, value):
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

    def deserialize(self, value):
        return self.cast(value)


class TimeType(Type):
    """``datetime.time``. Accepts times and ISO 8601 strings (``HH:MM[:SS[.ffffff]]``)."""

    name = "time"
    python_type = _dt.time

    def cast(self, value):
        if value is None or isinstance(value, _dt.time):
            return value
        if isinstance(value, str):
            return _dt.time.fromisoformat(value.strip())
        if isinstance(value, _dt.timedelta):
            # MySQL's TIME is an interval; PyMySQL returns timedelta for it.
            seconds = int(value.total_seconds())
            return _dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60,
                            value.microseconds)
        raise TypeError(f"cannot cast {type(value).__name__} to time")

    def deserialize(self, value):
        return self.cast(value)


class BinaryType(Type):
    """``bytes``. Accepts bytes, bytearray and memoryview."""

    name = "binary"
    python_type = bytes

    def cast(self, value):
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise TypeError(f"cannot cast {type(value).__name__} to bytes")

    def deserialize(self, value):
        return self.cast(value)


class JSONType(Type):
    """JSON documents as ``dict``/``list``/``str``/numbers/``bool``/``None``.

    Values are kept as given on assignment (they must be JSON-serializable); the
    default serialization is ``json.dumps`` and loading parses text with ``json.loads``.
    """

    name = "json"
    python_type = (dict, list, str, int, float, bool)
    needs_deserialize = True

    def cast(self, value):
        if value is None:
            return None
        json.dumps(value)  # raises TypeError for what JSON cannot hold
        return value

    def deserialize(self, value):
        if isinstance(value, (bytes, bytearray)):
            value = value.decode()
        if isinstance(value, str):
            return json.loads(value)
        return value

    def serialize(self, value):
        return None if value is None else json.dumps(value)


class UUIDType(Type):
    """``uuid.UUID``. Accepts UUIDs, their string forms and 16 raw bytes."""

    name = "uuid"
    python_type = uuid.UUID

    def cast(self, value):
        if value is None or isinstance(value, uuid.UUID):
            return value
        if isinstance(value, str):
            return uuid.UUID(value.strip())
        if isinstance(value, (bytes, bytearray)) and len(value) == 16:
            return uuid.UUID(bytes=bytes(value))
        raise TypeError(f"cannot cast {type(value).__name__} to UUID")

    def deserialize(self, value):
        return self.cast(value)


class TextUUIDType(UUIDType):
    """``uuid.UUID`` kept as its 36-character text by databases without a native UUID
    type (SQLite; MariaDB's ``uuid`` also travels as text)."""

    needs_deserialize = True

    def serialize(self, value):
        return None if value is None else str(value)


#: neutral type name -> the default Type class for it.
NEUTRAL_TYPE_CLASSES: dict[str, type[Type]] = {
    "integer": IntegerType, "float": FloatType, "decimal": DecimalType,
    "string": StringType, "boolean": BooleanType, "date": DateType,
    "datetime": DateTimeType, "time": TimeType, "binary": BinaryType,
    "json": JSONType, "uuid": UUIDType,
}
