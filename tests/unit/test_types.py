"""Neutral attribute types: casting user input (no server)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from activerecord import types as t


@pytest.mark.parametrize("typ,value,expected", [
    (t.IntegerType(), "42", 42), (t.IntegerType(), 3.0, 3), (t.IntegerType(), True, 1),
    (t.FloatType(), "1.5", 1.5), (t.FloatType(), Decimal("2.5"), 2.5),
    (t.DecimalType(10, 2), 0.1, Decimal("0.1")), (t.DecimalType(), "1.50", Decimal("1.50")),
    (t.StringType(), 12, "12"), (t.BooleanType(), "yes", True), (t.BooleanType(), 0, False),
    (t.BooleanType(), "F", False), (t.DateType(), "2020-02-29", dt.date(2020, 2, 29)),
    (t.DateType(), dt.datetime(2020, 1, 1, 5), dt.date(2020, 1, 1)),
    (t.DateTimeType(), "2020-01-01 10:00:00", dt.datetime(2020, 1, 1, 10)),
    (t.DateTimeType(timezone=True), dt.datetime(2020, 1, 1),
     dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)),
    (t.TimeType(), "10:11:12", dt.time(10, 11, 12)),
    (t.TimeType(), dt.timedelta(hours=1, minutes=1), dt.time(1, 1)),
    (t.BinaryType(), bytearray(b"ab"), b"ab"), (t.BinaryType(), memoryview(b"x"), b"x"),
    (t.UUIDType(), "12345678123456781234567812345678",
     uuid.UUID("12345678-1234-5678-1234-567812345678")),
    (t.JSONType(), {"a": [1]}, {"a": [1]}),
])
def test_cast(typ, value, expected):
    got = typ.cast(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("typ,value", [
    (t.IntegerType(), "x"), (t.IntegerType(), 1.5), (t.IntegerType(), object()),
    (t.FloatType(), "nope"), (t.DecimalType(), "1,5"), (t.DecimalType(), True),
    (t.StringType(), b"bytes"), (t.BooleanType(), "maybe"), (t.BooleanType(), 2),
    (t.DateType(), "31/12/1999"), (t.UUIDType(), "xyz"), (t.JSONType(), {1, 2}),
    (t.BinaryType(), "text"), (t.TimeType(), dt.timedelta(hours=25, minutes=1)),
])
def test_cast_refuses_ambiguous_values(typ, value):
    with pytest.raises((TypeError, ValueError)):
        typ.cast(value)


def test_none_is_none_everywhere():
    for cls in t.NEUTRAL_TYPE_CLASSES.values():
        typ = cls()
        assert typ.cast(None) is None and typ.deserialize(None) is None
        assert typ.serialize(None) is None


def test_decimal_deserialize_quantizes_to_scale():
    assert str(t.DecimalType(10, 2).deserialize(1.5)) == "1.50"
    assert str(t.DecimalType(10, 2).deserialize(Decimal("2"))) == "2.00"


def test_json_serialize_and_deserialize():
    typ = t.JSONType()
    assert typ.deserialize(typ.serialize({"a": "ü"})) == {"a": "ü"}
    assert typ.deserialize(b'[1, 2]') == [1, 2]
