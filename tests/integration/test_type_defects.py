"""Type-mapping defects on every database: generated columns are part of the model,
durations are ``timedelta`` and never reduced modulo 24 hours; plus the neutral casts."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import AttributeCastError, Model
from activerecord import types as t

H = dt.timedelta(hours=1)


class Invoice(Model):
    table_name = "invoices_gen"


class Span(Model):
    table_name = "spans"


@pytest.fixture
def invoices(make_table, db):
    # STORED is the one kind all three have (PostgreSQL < 18 has no VIRTUAL).
    make_table("invoices_gen", id="pk", qty="int NOT NULL", price="int NOT NULL",
               total="INTEGER GENERATED ALWAYS AS (qty * price) STORED")
    return Invoice


def test_generated_column_is_introspected_and_read(invoices, db):
    col = invoices.columns["total"]
    assert col.info.generated and col.type == "integer" and col.default is None
    assert not invoices.columns["qty"].info.generated
    db.execute(f"INSERT INTO {db.dialect.quote_name('invoices_gen')} (qty, price) "
               "VALUES (3, 7)")
    first = invoices.first()
    assert first.total == 21
    assert invoices.find(first.id).total == 21
    assert invoices.where(total=21).count() == 1


@pytest.fixture
def spans(make_table, db):
    duration = "TIME(6)" if db.adapter.name == "mysql" else "INTERVAL"
    make_table("spans", id="pk", took=duration, at="time", label="string(20)")
    return Span


def test_duration_column_round_trips_timedelta(spans):
    assert spans.columns["took"].type == "interval"
    values = [30 * H, dt.timedelta(minutes=-30), dt.timedelta(hours=838, microseconds=5),
              dt.timedelta(0), dt.timedelta(seconds=1, microseconds=1)]
    made = [spans.create(took=v) for v in values]
    for record, value in zip(made, values):
        got = spans.find(record.id).took
        assert got == value and type(got) is dt.timedelta
        assert spans.find_by(took=value).id == record.id
    assert spans.where(spans.c.took > 30 * H).count() == 1
    order = [r.took for r in spans.order("took")]
    assert order == sorted(values)


def test_duration_accepts_text_and_times(spans):
    s = spans.create(took="30:00:00", label="a")
    assert s.took == 30 * H and spans.find(s.id).took == 30 * H
    assert spans(took=dt.time(6, 30)).took == 6.5 * H
    assert spans(took="-1 day, 23:00:00").took == -H
    assert spans(took="PT36H").took == 36 * H
    with pytest.raises(AttributeCastError, match="took"):
        spans(took="thirty hours")


def test_saving_another_column_keeps_a_long_duration(spans):
    s = spans.create(took=dt.timedelta(hours=30))
    s.label = "changed"
    s.save()
    assert spans.find(s.id).took == 30 * H  # was stored as 06:00:00 on MariaDB


def test_time_column_per_database(spans, db):
    if db.adapter.name == "mysql":
        # MySQL's TIME is the duration type: 30 hours is a value like any other.
        assert spans.columns["at"].type == "interval"
        s = spans.create(at=dt.timedelta(hours=30))
        assert spans.find(s.id).at == 30 * H
    else:
        assert spans.columns["at"].type == "time"
        s = spans.create(at=dt.time(23, 59, 58, 123456))
        assert spans.find(s.id).at == dt.time(23, 59, 58, 123456)
        with pytest.raises(AttributeCastError, match="at"):
            spans(at=dt.timedelta(hours=30))


# -- the neutral casts (no database) ----------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("30:00:00", 30 * H), ("-00:30:00", dt.timedelta(minutes=-30)),
    ("838:59:59.5", dt.timedelta(hours=838, minutes=59, seconds=59, microseconds=500000)),
    ("12:30", dt.timedelta(hours=12, minutes=30)),
    ("1 06:00:00", 30 * H), ("-1 06:00:00", -30 * H),
    ("1 day, 6:00:00", 30 * H), ("-1 day, 23:00:00", -H), ("3 days", dt.timedelta(days=3)),
    ("1 day -02:00:00", 22 * H), ("-1 days +23:00:00", -H),
    ("PT30H", 30 * H), ("-PT30M", dt.timedelta(minutes=-30)),
    ("P1W2DT1H2M3.5S", dt.timedelta(days=9, hours=1, minutes=2, seconds=3.5)),
    ("00:00:00.000001", dt.timedelta(microseconds=1)),
])
def test_parse_duration(text, expected):
    assert t.parse_duration(text) == expected
    assert t.IntervalType().cast(text) == expected


@pytest.mark.parametrize("value", ["P1M", "P1Y", "x", "", "12:60", "1 -06:00:00", "P", 12,
                                   1.5, True, dt.time(1, tzinfo=dt.timezone.utc)])
def test_interval_cast_refuses(value):
    with pytest.raises((TypeError, ValueError)):
        t.IntervalType().cast(value)


def test_interval_cast_of_a_time_is_the_time_since_midnight():
    assert t.IntervalType().cast(dt.time(23, 59, 58, 1)) == dt.timedelta(
        hours=23, minutes=59, seconds=58, microseconds=1)
    assert "interval" in t.NEUTRAL_TYPE_CLASSES


@pytest.mark.parametrize("value", [dt.timedelta(hours=24), dt.timedelta(hours=30),
                                   dt.timedelta(seconds=-1)])
def test_time_cast_never_wraps(value):
    with pytest.raises(ValueError, match="not a time of day"):
        t.TimeType().cast(value)
    assert t.TimeType().cast(dt.timedelta(hours=23, minutes=59, seconds=59,
                                          microseconds=9)) == dt.time(23, 59, 59, 9)
