"""Values round trip through ``Database.run`` with the adapter's types (serialize on the
way in, deserialize only where ``needs_deserialize``), and through a Model."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from activerecord import Model

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))

COLUMNS = """
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    small smallint, i integer, big bigint, r real, d double precision,
    n numeric(10,2), n_free numeric, vc varchar(50), ch char(3), tx text,
    flag boolean, day date, t time, ttz time with time zone, ts timestamp,
    tstz timestamptz, bin bytea, j json, jb jsonb, u uuid,
    ints integer[], texts text[], grid integer[][], nums numeric(6,2)[], uuids uuid[],
    iv interval
"""


@pytest.fixture
def table(pg, tables):
    return tables("types", "CREATE TABLE {t} (" + COLUMNS + ")")


def roundtrip(pg, table, column, value):
    """Write ``value`` into ``column`` as the ORM does and read it back."""
    info = pg.table_info(table).column(column)
    typ = pg.adapter.type_for(info)
    q = pg.dialect.quote_identifier
    (row,) = pg.run(f"INSERT INTO {q(table)} ({q(column)}) VALUES (%s) RETURNING {q(column)}",
                    [typ.serialize(typ.cast(value))]).rows
    raw = row[0]
    return typ.deserialize(raw) if typ.needs_deserialize and raw is not None else raw


@pytest.mark.parametrize("column, value, expected", [
    ("small", -32768, -32768),
    ("i", "42", 42),
    ("big", 2**62, 2**62),
    ("r", 1.5, 1.5),
    ("d", 0.1, 0.1),
    ("n", decimal.Decimal("3.5"), decimal.Decimal("3.50")),
    ("n", "12345678.91", decimal.Decimal("12345678.91")),
    ("n_free", decimal.Decimal("1.000000000000000000001"),
     decimal.Decimal("1.000000000000000000001")),
    ("vc", "héllo wörld ✓ 🎉", "héllo wörld ✓ 🎉"),
    ("vc", "50% off; DROP TABLE x; --'", "50% off; DROP TABLE x; --'"),
    ("ch", "ab", "ab "),
    ("tx", "line\nbreak\ttab 😀" * 100, "line\nbreak\ttab 😀" * 100),
    ("flag", False, False),
    ("flag", "yes", True),
    ("day", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ("day", "1999-12-31", dt.date(1999, 12, 31)),
    ("t", dt.time(23, 59, 58, 123456), dt.time(23, 59, 58, 123456)),
    ("ttz", dt.time(10, 30, tzinfo=PLUS2), dt.time(10, 30, tzinfo=PLUS2)),
    ("ts", dt.datetime(2020, 1, 2, 3, 4, 5, 678901), dt.datetime(2020, 1, 2, 3, 4, 5, 678901)),
    ("bin", b"\x00\x01\xff" * 50, b"\x00\x01\xff" * 50),
    ("bin", bytearray(b"abc"), b"abc"),
    ("u", uuid.UUID("12345678-1234-5678-1234-567812345678"),
     uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("u", "12345678-1234-5678-1234-567812345678",
     uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("iv", dt.timedelta(days=3, seconds=7), dt.timedelta(days=3, seconds=7)),
])
def test_scalar_round_trip(pg, table, column, value, expected):
    got = roundtrip(pg, table, column, value)
    assert got == expected and type(got) is type(expected)


def test_decimal_keeps_the_column_scale(pg, table):
    got = roundtrip(pg, table, "n", decimal.Decimal("7"))
    assert str(got) == "7.00"


def test_aware_datetimes_come_back_aware_and_equal(pg, table):
    value = dt.datetime(2021, 6, 1, 12, 0, 0, 5, tzinfo=PLUS2)
    got = roundtrip(pg, table, "tstz", value)
    assert got == value and got.tzinfo is not None
    assert got.utcoffset() == dt.timedelta(0)  # the session TimeZone is UTC


def test_naive_datetime_into_timestamptz_is_taken_as_utc(pg, table):
    got = roundtrip(pg, table, "tstz", dt.datetime(2021, 6, 1, 12, 0))
    assert got == dt.datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
    # Even bound without cast(): serialize alone makes it aware.
    typ = pg.adapter.type_for(pg.table_info(table).column("tstz"))
    assert typ.serialize(dt.datetime(2021, 6, 1)).tzinfo is UTC


@pytest.mark.parametrize("column", ["j", "jb"])
@pytest.mark.parametrize("value", [
    {"a": 1, "nested": {"list": [1, 2.5, None, True]}, "emoji": "🎉"},
    [1, "two", {"three": 3}],
    [],
    "just a string",
    42,
    True,
])
def test_json_documents(pg, table, column, value):
    assert roundtrip(pg, table, column, value) == value


def test_json_needs_no_deserialize(pg, table):
    typ = pg.adapter.type_for(pg.table_info(table).column("jb"))
    assert typ.needs_deserialize is False


@pytest.mark.parametrize("column, value", [
    ("ints", [1, 2, 3]),
    ("ints", []),
    ("ints", [1, None, 3]),
    ("texts", ["a", "b c", 'quote"d', "back\\slash", "{brace}", "NULL", "", "🎉"]),
    ("grid", [[1, 2], [3, 4]]),
    ("nums", [decimal.Decimal("1.50"), decimal.Decimal("-2.25")]),
    ("uuids", [uuid.UUID(int=1), uuid.UUID(int=2)]),
])
def test_arrays_are_lists(pg, table, column, value):
    assert roundtrip(pg, table, column, value) == value


def test_array_elements_are_cast(pg, table):
    assert roundtrip(pg, table, "ints", ("1", 2)) == [1, 2]
    with pytest.raises(TypeError):
        pg.adapter.type_for(pg.table_info(table).column("ints")).cast(5)


def test_enum_and_enum_array(pg, tables):
    mood = tables("mood", "CREATE TYPE {t} AS ENUM ('sad', 'happy')", kind="TYPE")
    q = pg.dialect.quote_identifier
    table = tables("feel", f"CREATE TABLE {{t}} (m {q(mood)}, ms {q(mood)}[])")
    assert roundtrip(pg, table, "m", "happy") == "happy"
    # psycopg does not know the enum's array OID: it returns '{sad,happy}', parsed here.
    assert roundtrip(pg, table, "ms", ["sad", "happy"]) == ["sad", "happy"]
    assert roundtrip(pg, table, "ms", []) == []


def test_nulls_stay_none(pg, table):
    for column in ("i", "n", "vc", "flag", "tstz", "bin", "jb", "u", "ints", "iv"):
        assert roundtrip(pg, table, column, None) is None, column


def test_hot_path_types_skip_deserialize(pg, table):
    types = {c.name: pg.adapter.type_for(c) for c in pg.table_info(table).columns}
    assert not any(t.needs_deserialize for t in types.values())


def test_model_round_trip_and_no_spurious_changes(pg, table):
    class Thing(Model):
        database = pg
        table_name = table

    value = {
        "small": 7, "n": decimal.Decimal("9.99"), "vc": "émoji 🎉", "flag": True,
        "day": dt.date(2020, 1, 1), "tstz": dt.datetime(2020, 1, 1, 10, tzinfo=PLUS2),
        "ts": dt.datetime(2020, 1, 1, 10), "bin": b"\x00\xff", "jb": {"k": [1, 2]},
        "j": ["x"], "u": uuid.UUID(int=7), "ints": [3, 1, 2], "texts": ["a"],
        "iv": dt.timedelta(hours=5),
    }
    thing = Thing.create(**value)
    assert isinstance(thing.id, int)  # the identity value came back through RETURNING
    loaded = Thing.find(thing.id)
    for key, expected in value.items():
        assert loaded[key] == expected, key
    assert loaded.changed == []
    loaded.jb = {"k": [1, 2, 3]}
    loaded.save()
    assert Thing.find(thing.id).jb == {"k": [1, 2, 3]}
    assert Thing.where(jb={"k": [1, 2, 3]}).count() == 1
    assert Thing.where(u=str(uuid.UUID(int=7))).count() == 1
