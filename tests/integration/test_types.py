"""Values of every supported type round-trip identically on every database."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from activerecord import AttributeCastError, Model


class Sample(Model):
    table_name = "samples"


@pytest.fixture
def samples(make_table):
    make_table("samples", id="pk", i="int", big="bigint", f="float", d="decimal(12,3)",
               s="string(200)", t="text", flag="bool", day="date", at="time",
               naive="datetime", aware="datetime_tz", blob="binary", doc="json", u="uuid")


VALUES = {
    "i": -42,
    "big": 9_007_199_254_740_993,  # above 2**53: no float on the way
    "f": 1.25,
    "d": Decimal("12345.678"),
    "s": "Motörhead ∞ 🎸 'quoted' \"double\" \\ back",
    "t": "line1\nline2 " + "x" * 5000,
    "flag": True,
    "day": dt.date(1999, 12, 31),
    "at": dt.time(23, 59, 58, 123456),
    "naive": dt.datetime(2024, 2, 29, 13, 14, 15, 678901),
    "aware": dt.datetime(2024, 7, 1, 10, 0, 0, 250000,
                         tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "blob": bytes(range(256)),
    "doc": {"name": "x", "list": [1, 2.5, None, True], "nested": {"ü": "é"}},
    "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
}


def test_every_type_round_trips(samples, db):
    created = Sample.create(**VALUES)
    loaded = Sample.find(created.id)
    expected = dict(VALUES)
    if db.adapter.name == "mysql":  # TIME is a duration there (docs/models.md)
        expected["at"] = dt.timedelta(hours=23, minutes=59, seconds=58, microseconds=123456)
    for name, value in expected.items():
        got = loaded[name]
        assert got == value, name
        assert type(got) is type(value), (name, type(got))
    # aware datetimes come back aware and equal (same instant)
    assert loaded.aware.utcoffset() is not None
    assert loaded.aware == VALUES["aware"]


def test_values_from_create_equal_values_from_find(samples):
    created = Sample.create(**VALUES)
    loaded = Sample.find(created.id)
    assert {k: created[k] for k in VALUES} == {k: loaded[k] for k in VALUES}


def test_nulls_round_trip(samples):
    created = Sample.create()
    loaded = Sample.find(created.id)
    assert all(loaded[name] is None for name in VALUES)


def test_false_zero_and_empty_values(samples):
    created = Sample.create(flag=False, i=0, s="", blob=b"", doc=[], d=Decimal("0"))
    loaded = Sample.find(created.id)
    assert loaded.flag is False and loaded.i == 0 and loaded.s == ""
    assert loaded.blob == b"" and loaded.doc == [] and loaded.d == Decimal("0")


def test_decimal_keeps_its_scale(samples):
    created = Sample.create(d="1.5")
    assert Sample.find(created.id).d == Decimal("1.500")
    assert str(Sample.find(created.id).d) == "1.500"


def test_json_list_and_string_documents(samples):
    a = Sample.create(doc=[1, "two", {"three": 3}])
    b = Sample.create(doc="just a string")
    assert Sample.find(a.id).doc == [1, "two", {"three": 3}]
    assert Sample.find(b.id).doc == "just a string"


def test_naive_value_into_time_zone_column_is_utc(samples):
    created = Sample.create(aware=dt.datetime(2024, 1, 1, 12, 0, 0))
    loaded = Sample.find(created.id)
    assert loaded.aware == dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def test_assignment_casts_unambiguous_values(samples):
    s = Sample(i="12", f="2.5", d=3, flag="true", day="2020-01-02",
               naive="2020-01-02T03:04:05", u="12345678-1234-5678-1234-567812345678")
    assert s.i == 12 and s.f == 2.5 and s.d == Decimal(3) and s.flag is True
    assert s.day == dt.date(2020, 1, 2) and s.naive == dt.datetime(2020, 1, 2, 3, 4, 5)
    assert s.u == VALUES["u"]
    s.save()
    assert Sample.find(s.id).i == 12


@pytest.mark.parametrize("column,value", [
    ("i", "twelve"), ("i", 1.5), ("flag", "maybe"), ("day", "not a date"),
    ("d", "1,5"), ("u", "not-a-uuid"), ("doc", object()), ("blob", 12),
])
def test_values_that_cannot_be_cast_are_refused(samples, column, value):
    with pytest.raises(AttributeCastError) as exc:
        Sample(**{column: value})
    assert column in str(exc.value)
    assert Sample.count() == 0


def test_where_binds_typed_values(samples):
    Sample.create(**VALUES)
    assert Sample.where(flag=True).count() == 1
    assert Sample.where(day=dt.date(1999, 12, 31)).count() == 1
    assert Sample.where(u=VALUES["u"]).count() == 1
    assert Sample.where(d=Decimal("12345.678")).count() == 1
    assert Sample.where(naive=VALUES["naive"]).count() == 1
    assert Sample.pluck("flag", "day") == [(True, dt.date(1999, 12, 31))]
