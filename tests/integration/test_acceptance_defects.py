"""Defects found by trying the defect fixes with other schemas than the fixtures: a
batch cursor that is not unique, many composite keys on PostgreSQL, ``exists`` with a
string, sums of durations, values inside column arithmetic, array values an array
cannot hold, ``order`` by a column whose name has a space, and URLs that spell one
database two ways."""

from __future__ import annotations

import datetime as dt

import pytest

import activerecord
from activerecord import Model
from activerecord.errors import AttributeCastError
from activerecord.testing import capture_sql


class Event(Model):
    table_name = "ad_events"


class Pair(Model):
    table_name = "ad_pairs"


class Thing(Model):
    table_name = "ad_things"


class Lap(Model):
    table_name = "ad_laps"


class Line(Model):
    table_name = "ad_lines"


def _no_sql(error, fn, match=None):
    with capture_sql() as sql, pytest.raises(error, match=match) as info:
        fn()
    assert [s for s in sql if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK"))] == []
    return info.value


# -- batches: the cursor must identify rows ----------------------------------------------
@pytest.fixture
def events(make_table):
    make_table("ad_events", "UNIQUE (code)", grp="int", v="int", code="int NOT NULL")
    Event.insert_all([{"grp": i // 4, "v": i, "code": i} for i in range(20)])


@pytest.mark.parametrize("cursor", ["grp", "v", ("grp", "v")])
def test_a_cursor_that_is_not_a_unique_not_null_key_is_refused(db, events, cursor):
    # grp repeats; v is unique in the data but neither declared unique nor NOT NULL.
    for call in (lambda: list(Event.find_each(cursor=cursor, batch_size=3)),
                 lambda: list(Event.limit(4).in_batches(cursor=cursor, of=3)),
                 lambda: list(Event.find_in_batches(cursor=cursor))):
        err = _no_sql(ValueError, call, match="unique")
        assert "cursor" in str(err)
    assert Event.where(v=-1).count() == 0


def test_a_unique_not_null_cursor_batches_every_row_once(db, events):
    seen = [e.code for e in Event.find_each(cursor="code", batch_size=3)]
    assert seen == list(range(20))
    touched = sum(b.update_all(v=-1) for b in Event.limit(4).in_batches(cursor="code", of=3))
    assert touched == 4 and Event.where(v=-1).count() == 4


# -- many composite keys ------------------------------------------------------------------
def test_ten_thousand_composite_keys(db, make_table):
    make_table("ad_pairs", "PRIMARY KEY (a, b)", a="int NOT NULL", b="int NOT NULL")
    Pair.insert_all([{"a": i, "b": -i} for i in range(10_000)])
    keys = [(i, -i) for i in range(10_000)][::-1]
    assert [p.id for p in Pair.find(keys)] == keys
    assert Pair.delete(keys) == 10_000 and Pair.count() == 0


# -- exists(key) ---------------------------------------------------------------------------
def test_exists_with_one_string_takes_it_as_a_key_as_rails_does(db, make_table):
    make_table("ad_things", id="pk", name="string(20)")
    Thing.create(id=1, name="x")
    assert Thing.exists(1) and Thing.exists("1")
    with capture_sql() as sql:
        assert not Thing.exists("999")
        assert not Thing.exists("0 OR 1=1")
        assert not Thing.exists("1abc")
    assert len([s for s in sql if s.lstrip().upper().startswith("SELECT")]) <= 1
    assert Thing.exists("name = ?", "x") and not Thing.exists("name = ?", "y")
    assert Thing.exists(name="x")


# -- durations summed -----------------------------------------------------------------------
DURATION = {"sqlite": "INTERVAL", "postgresql": "INTERVAL", "mysql": "TIME"}


def test_sum_and_average_of_durations(db, make_table):
    make_table("ad_laps", id="pk", d=DURATION[db.adapter.name])
    Lap.create(d=dt.timedelta(hours=30))
    Lap.create(d=dt.timedelta(minutes=90, seconds=1))
    Lap.create(d=None)
    total = dt.timedelta(hours=31, minutes=30, seconds=1)
    assert Lap.sum("d") == total
    assert Lap.average("d") == total / 2
    assert Lap.where(id=0).sum("d") == dt.timedelta(0)
    assert Lap.where(id=0).average("d") is None
    assert Lap.maximum("d") == dt.timedelta(hours=30)


# -- values inside column arithmetic -------------------------------------------------------
def test_values_in_column_arithmetic_are_cast(db, make_table):
    make_table("ad_things", id="pk", n="int", name="string(20)")
    Thing.create(id=1, n=5)
    for call in (lambda: Thing.where((Thing.c.n + "x") > 1).count(),
                 lambda: Thing.where(Thing.c.n > (Thing.c.n * "y")).count(),
                 lambda: Thing.update_all(n=Thing.c.n + "x")):
        err = _no_sql(AttributeCastError, call)
        assert "n" in str(err)
    assert Thing.where((Thing.c.n + "2") > 6).count() == 1  # castable text is cast
    assert Thing.update_all(n=Thing.c.n + 1) == 1 and Thing.find(1).n == 6


# -- order by a column whose name has a space -------------------------------------------
def test_order_by_a_column_with_a_space_in_its_name(db, make_table):
    make_table("ad_lines", id="pk", **{"Line No": "int"})
    for i in (2, 3, 1):
        Line.create(**{"Line No": i})
    assert [r["Line No"] for r in Line.order("Line No")] == [1, 2, 3]
    assert [r["Line No"] for r in Line.order(**{"Line No": "desc"})] == [3, 2, 1]
    assert [r["Line No"] for r in Line.order("-Line No")] == [3, 2, 1]
    assert [r["Line No"] for r in Line.order("Line No desc")] == [3, 2, 1]


# -- one database, two spellings of its URL ----------------------------------------------
def test_one_database_spelled_two_ways_is_one_pool(db, restored_registry, tmp_path):
    if db.adapter.name == "sqlite":
        url = f"sqlite:///{tmp_path}/one.db"
        other = f"sqlite:///{tmp_path}/./one.db"
    else:
        base = db.config.url.split("?", 1)[0]  # the test URL, password and all
        url = base + "?connect_timeout=5&application_name=a" if db.adapter.name == \
            "postgresql" else base + "?connect_timeout=5&charset=utf8mb4"
        first, second = url.split("?", 1)[1].split("&")
        other = f"{base}?{second}&{first}"
    a = activerecord.connect(url)
    a.execute("SELECT 1")
    b = activerecord.connect(other)
    assert b is a
    assert activerecord.connect(url + ("&" if "?" in url else "?")) is a
    assert a.execute("SELECT 1").rows == [(1,)]
