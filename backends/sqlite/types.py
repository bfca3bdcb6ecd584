"""Type mapping for SQLite, both ways.

SQLite stores values by *type affinity* (https://www.sqlite.org/datatype3.html): the
declared type only hints at storage. The neutral type of a column is chosen from its
declared name, first by the familiar names (BOOLEAN, DATE, DATETIME, TIMESTAMP, TIME,
JSON, UUID, DECIMAL/NUMERIC), then by SQLite's own affinity rules (section 3.1):
INT -> integer; CHAR/CLOB/TEXT -> string; BLOB or none -> binary/untyped;
REAL/FLOA/DOUB -> float.

Storage, since SQLite has no such types: booleans as 0/1, dates, times and datetimes as
ISO 8601 text (``YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]``, the form SQLite's own date
functions read), decimals as text bound into a NUMERIC column (SQLite may keep them as
REAL: about 15 significant digits survive), UUIDs as their 36-character text, JSON as
text, and durations (a column declared ``INTERVAL``, which SQLite itself gives INTEGER
affinity) as seconds.

Dates and times are compared as text, so a table written by another program in another
layout (``'1996-07-04 00:00:00.000'``) must be written and queried in that layout: the
introspector samples each column's stored layout (``ColumnInfo.stored_format``, see
:func:`stored_format`) and the column's type formats values with a :class:`TextLayout`
of it; without one (an empty column) the layout above is used. Reading accepts any of
them. Comparing through ``datetime(col)`` instead would stop SQLite from using an index
on the column; docs/models.md ("Dates and times in SQLite") has the trade-offs.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from activerecord import types as t
from activerecord.connection.introspection import ColumnInfo

__all__ = ["neutral_type", "type_for", "stored_format", "TextLayout"]


def neutral_type(sql_type: str) -> str | None:
    """Return the neutral type name for a declared SQLite type, or ``None`` (untyped)."""
    s = sql_type.lower()
    base = s.split("(", 1)[0].strip()
    if "bool" in base:
        return "boolean"
    if base in ("datetime", "timestamp") or base.startswith("timestamp"):
        return "datetime"
    if base == "date":
        return "date"
    if base == "interval":  # before "int": SQLite itself gives it INTEGER affinity
        return "interval"
    if base.startswith("time"):
        return "time"
    if base in ("json", "jsonb"):
        return "json"
    if base == "uuid":
        return "uuid"
    if base.startswith(("decimal", "numeric", "money")):
        return "decimal"
    if "int" in base:
        return "integer"
    if any(k in base for k in ("char", "clob", "text")):
        return "string"
    if "blob" in base or base in ("binary", "varbinary", "bytea"):
        return "binary"
    if any(k in base for k in ("real", "floa", "doub")):
        return "float"
    return None


_SAMPLE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})?(?:(?P<sep>[ T])?(?P<hm>\d{2}:\d{2})"
    r"(?::\d{2}(?:\.(?P<frac>\d{1,6}))?(?P<sec>))?)?(?P<zone>Z|[+-]\d{2}:\d{2}|[+-]\d{4})?$")
_ZONES = {"Z": "Z", ":": "+HH:MM", "": "+HHMM"}


def stored_format(kind: str, text: str) -> str | None:
    """Return the layout of one stored value of a ``date``/``datetime``/``time`` column,
    e.g. ``"YYYY-MM-DD HH:MM:SS.fff"`` for ``'1996-07-04 00:00:00.000'``, or ``None``
    when ``text`` is no ISO 8601 date/time SQLite reads (its date functions' formats,
    https://www.sqlite.org/lang_datefunc.html#time_values).

    A value without a fraction, or with six non-zero-padded digits, is taken to be
    written as Python and Rails write it: the fraction only when it is not zero
    (``[.ffffff]``); ``.000`` means "always three digits".
    """
    m = _SAMPLE.match(text.strip())
    if m is None or (kind == "time") == bool(m["date"]) or not (m["date"] or m["hm"]):
        return None
    out = "YYYY-MM-DD" if m["date"] else ""
    if m["hm"]:
        out += (m["sep"] or "") + "HH:MM"
        frac = m["frac"]
        if m["sec"] is None:
            out += "[:SS[.ffffff]]"
        elif frac is None or (len(frac) == 6 and frac != "000000"):
            out += ":SS[.ffffff]"
        else:
            out += ":SS." + "f" * len(frac)
    zone = m["zone"]
    if zone:
        out += _ZONES["Z" if zone == "Z" else ":" if ":" in zone else ""]
    return out


_PATTERN = re.compile(
    r"^(?P<date>YYYY-MM-DD)?(?:(?P<sep>[ T]?)HH:MM(?:(?P<opt>\[)?:SS"
    r"(?:\[\.ffffff\]|\.(?P<f>f{1,6}))?\]?)?)?(?P<zone>Z|\+HH:MM|\+HHMM)?$")


class TextLayout:
    """Writes dates, datetimes and times as text in one column's stored layout (see
    :func:`stored_format`), so that SQLite, which compares the text, finds the rows.

    ``pattern`` is a :func:`stored_format` result; ValueError when it is not one.
    A value that the layout cannot hold exactly (microseconds in a ``.fff`` column) is
    written with six digits rather than rounded: no data is lost.
    """

    __slots__ = ("pattern", "date", "sep", "seconds_optional", "digits", "zone")

    def __init__(self, pattern: str):
        m = _PATTERN.match(pattern)
        if m is None:
            raise ValueError(f"unknown stored date/time layout {pattern!r}")
        self.pattern = pattern
        self.date = bool(m["date"])
        self.sep = m["sep"] if "HH" in pattern else None  # None: the date alone
        self.seconds_optional = bool(m["opt"])
        self.digits = len(m["f"]) if m["f"] else 0  # 0: six digits, only when not zero
        self.zone = m["zone"] or ""

    def _clock(self, value: Any) -> str:
        text = f"{value.hour:02d}:{value.minute:02d}"
        us = value.microsecond
        if self.seconds_optional and not value.second and not us:
            return text
        text += f":{value.second:02d}"
        if self.digits and us % 10 ** (6 - self.digits) == 0:
            return text + "." + f"{us:06d}"[:self.digits]
        return text + (f".{us:06d}" if us else "")

    def datetime_text(self, value: _dt.datetime, timezone: bool) -> str:
        """Return ``value`` in this layout. An aware value is written in UTC, except in a
        naive column whose layout has no zone, where it keeps its own offset (as
        without a layout); a naive value gets the layout's zone suffix, if any."""
        suffix = _offset_text(_dt.timedelta(0), self.zone) if self.zone else ""
        if value.tzinfo is not None:
            if timezone or self.zone:
                value = value.astimezone(_dt.timezone.utc)
            else:
                suffix = _offset_text(value.utcoffset() or _dt.timedelta(0), "+HH:MM")
        day = value.date().isoformat()
        if self.sep is None and value.time() == _dt.time(0):
            return day + suffix
        return f"{day}{self.sep or ' '}{self._clock(value)}{suffix}"

    def date_text(self, value: _dt.date) -> str:
        """Return ``value`` in this layout (at midnight when the layout has a time)."""
        if self.sep is None:
            return value.isoformat() + (_offset_text(_dt.timedelta(0), self.zone)
                                        if self.zone else "")
        return self.datetime_text(_dt.datetime(value.year, value.month, value.day), False)

    def time_text(self, value: _dt.time) -> str:
        """Return ``value`` in this layout; an offset is written in the layout's style."""
        off = value.utcoffset()
        text = self._clock(value)
        return text if off is None else text + _offset_text(off, self.zone or "+HH:MM")

    def __repr__(self) -> str:
        return f"TextLayout({self.pattern!r})"


def _offset_text(off: _dt.timedelta, style: str) -> str:
    # timedelta(hours=2) -> "+02:00" ("+HH:MM"), "+0200" ("+HHMM"); zero -> "Z" ("Z").
    if style == "Z" and not off:
        return "Z"
    sign, off = ("-", -off) if off < _dt.timedelta(0) else ("+", off)
    hh, mm = divmod(int(off.total_seconds()) // 60, 60)
    return f"{sign}{hh:02d}{'' if style == '+HHMM' else ':'}{mm:02d}"


def _from_text(text: str) -> _dt.datetime:
    # Python 3.10's fromisoformat reads neither "Z" nor 1, 2, 4 or 5 fraction digits.
    try:
        return _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        m = re.match(r"^(.*?)(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$", text.strip())
        if m is None:  # the pattern matches any text; this only tells the type checker
            raise
        frac = "." + m[2].ljust(6, "0") if m[2] else ""
        zone = "+00:00" if m[3] == "Z" else (m[3] or "")
        return _dt.datetime.fromisoformat(m[1] + frac + zone)


class _Boolean(t.BooleanType):
    needs_deserialize = True

    def serialize(self, value: Any) -> Any:
        return None if value is None else int(value)


class _Decimal(t.DecimalType):
    needs_deserialize = True

    def serialize(self, value: Any) -> Any:
        return None if value is None else str(value)


class _LaidOut:
    """A date or a time written as text: in the column's stored ``layout`` when it has
    one, else in ISO 8601; ``_render`` is the :class:`TextLayout` method that writes it."""

    needs_deserialize = True
    _render: Callable[[TextLayout, Any], str]

    def __init__(self, layout: TextLayout | None = None):
        self.layout = layout

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        if self.layout is not None:
            return self._render(self.layout, value)
        return value.isoformat()


class _Date(_LaidOut, t.DateType):
    _render = staticmethod(TextLayout.date_text)


class _DateTime(t.DateTimeType):
    needs_deserialize = True

    def __init__(self, timezone: bool = False, layout: TextLayout | None = None):
        super().__init__(timezone)
        self.layout = layout

    def cast(self, value: Any) -> Any:
        if isinstance(value, str):
            value = _from_text(value)
        return super().cast(value)

    def deserialize(self, value: Any) -> Any:
        # The row-loading hot path: the stored text in one call when Python reads it.
        if value.__class__ is not str:
            return self.cast(value)
        try:
            out = _dt.datetime.fromisoformat(value)
        except ValueError:
            out = _from_text(value)
        if self.timezone and out.tzinfo is None:
            out = out.replace(tzinfo=_dt.timezone.utc)
        return out

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        if self.layout is not None:
            return self.layout.datetime_text(value, self.timezone)
        if self.timezone and value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc)
        return value.isoformat(" ")


class _Time(_LaidOut, t.TimeType):
    _render = staticmethod(TextLayout.time_text)


class _Interval(t.IntervalType):
    """A column declared ``INTERVAL``: a ``timedelta`` stored as a number of seconds
    (INTEGER when whole, else REAL), so comparisons and ORDER BY are numeric. Text
    written by other programs is read as :func:`activerecord.types.parse_duration` does."""

    needs_deserialize = True

    def deserialize(self, value: Any) -> Any:
        if isinstance(value, (int, float)):
            return _dt.timedelta(seconds=value)
        return self.cast(value)

    def serialize(self, value: Any) -> Any:
        if value is None:
            return None
        if value.microseconds:
            return value.total_seconds()
        return value.days * 86400 + value.seconds


def type_for(column: ColumnInfo) -> t.Type:
    """Return the attribute type for an introspected SQLite column."""
    kind = column.type
    if kind == "boolean":
        return _Boolean()
    if kind == "decimal":
        return _Decimal(column.precision, column.scale)
    layout = TextLayout(column.stored_format) if column.stored_format else None
    if kind == "date":
        return _Date(layout)
    if kind == "datetime":
        return _DateTime(column.timezone, layout)
    if kind == "time":
        return _Time(layout)
    if kind == "interval":
        return _Interval()
    if kind == "uuid":
        return t.TextUUIDType()
    if kind == "float":
        # sqlite3 binds a float NaN as NULL (https://www.sqlite.org/floatingpoint.html):
        # refused before any SQL rather than lost. Infinities are stored as such.
        return t.FloatType(finite="nan", database="SQLite")
    cls = t.NEUTRAL_TYPE_CLASSES.get(kind)
    return cls() if cls is not None else t.ValueType()
