"""Values round trip through MySQL/MariaDB: serialize -> Database.run -> deserialize,
and through a Model; the loader's fast path (``needs_deserialize``) is pinned."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from activerecord import Model

UTC = dt.timezone.utc
PLUS5 = dt.timezone(dt.timedelta(hours=5, minutes=30))

TABLE = """CREATE TABLE {t} (
  id INT AUTO_INCREMENT PRIMARY KEY,
  flag TINYINT(1), bit1 BIT(1), bits BIT(12), big BIGINT UNSIGNED, num INT,
  f DOUBLE, price DECIMAL(12,2), name VARCHAR(40), body TEXT,
  mood ENUM('happy','sad'), perms SET('r','w','x'), doc JSON,
  bin VARBINARY(64), blb BLOB, day DATE, clock TIME(6), clock0 TIME,
  seen DATETIME(6), seen0 DATETIME, stamp TIMESTAMP(6) NULL DEFAULT NULL
) DEFAULT CHARSET=utf8mb4"""

VALUES = {
    "flag": True, "bit1": True, "bits": 4095, "big": 18446744073709551615, "num": -42,
    "f": 0.1, "price": Decimal("1234567890.5"), "name": "caf\u00e9 \U0001F3B8 \u6f22",
    "body": "emoji \U0001F600 and 100% text", "mood": "sad", "perms": "r,x",
    "doc": {"a": [1, 2.5, None, True], "b": "\U0001F600", "c": {"d": "x"}},
    "bin": b"\x00\xff\x80'\\\"%s", "blb": bytes(range(256)),
    # TIME is a duration (timedelta), not a time of day: see test_mysql_defects.py.
    "day": dt.date(2024, 2, 29),
    "clock": dt.timedelta(hours=23, minutes=59, seconds=58, microseconds=123456),
    "clock0": dt.timedelta(hours=7, minutes=8, seconds=9),
    "seen": dt.datetime(2024, 2, 29, 12, 34, 56, 789012),
    "seen0": dt.datetime(1999, 12, 31, 23, 59, 59),
    "stamp": dt.datetime(2024, 6, 1, 18, 0, 0, 500000, tzinfo=PLUS5),
}


def _roundtrip(db, name, values):
    info = db.table_info(name)
    types = {c.name: db.adapter.type_for(c) for c in info.columns}
    q = db.dialect.quote_identifier
    cols = list(values)
    sql = (f"INSERT INTO {q(name)} ({', '.join(q(c) for c in cols)}) "
           f"VALUES ({', '.join(['%s'] * len(cols))})")
    result = db.run(sql, [types[c].serialize(types[c].cast(values[c])) for c in cols])
    key = result.lastrowid or db.run("SELECT MAX(id) FROM " + q(name)).rows[0][0]
    row = db.run(f"SELECT {', '.join(q(c) for c in cols)} FROM {q(name)} WHERE id = %s",
                 [key]).rows[0]
    loaded = {}
    for c, raw in zip(cols, row):
        typ = types[c]
        loaded[c] = typ.deserialize(raw) if typ.needs_deserialize and raw is not None else raw
    return loaded, types


def test_every_type_round_trips(mdb, tables):
    name = tables("rt", TABLE)
    loaded, types = _roundtrip(mdb, name, VALUES)
    for col, value in VALUES.items():
        assert loaded[col] == value, col
        assert type(loaded[col]) is type(value), col
    assert loaded["price"].as_tuple().exponent == -2  # the column's scale: 1234567890.50
    assert str(loaded["price"]) == "1234567890.50"
    assert loaded["stamp"].tzinfo is UTC  # the same instant, in UTC
    assert loaded["stamp"] == dt.datetime(2024, 6, 1, 12, 30, 0, 500000, tzinfo=UTC)
    assert loaded["seen"].tzinfo is None


def test_nulls_round_trip(mdb, tables):
    name = tables("nulls", TABLE)
    loaded, _ = _roundtrip(mdb, name, {c: None for c in VALUES})
    assert set(loaded.values()) == {None}


def test_json_list_and_scalars(mdb, tables):
    name = tables("json", TABLE)
    for doc in ([1, "two", {"three": 3}], [], {}, "text", 12, 1.5, True):
        loaded, _ = _roundtrip(mdb, name, {"doc": doc})
        assert loaded["doc"] == doc and type(loaded["doc"]) is type(doc)


def test_fast_path_skips_what_pymysql_already_returns(mdb, tables):
    name = tables("fast", TABLE)
    types = {c.name: mdb.adapter.type_for(c) for c in mdb.table_info(name).columns}
    fast = {c for c, t in types.items() if not t.needs_deserialize}
    # DATE/DATETIME are checked for the zero date PyMySQL returns as text.
    assert fast == {"id", "big", "num", "f", "price", "name", "body", "mood", "perms",
                    "bin", "blb", "clock", "clock0"}
    # ... and those come back from PyMySQL as the right Python type already.
    loaded, _ = _roundtrip(mdb, name, VALUES)
    raw = mdb.run(f"SELECT big, num, f, price, name, bin, clock FROM "
                  f"{mdb.dialect.quote_identifier(name)}").rows[0]
    assert [type(v) for v in raw] == [int, int, float, Decimal, str, bytes, dt.timedelta]


def test_aware_timestamp_is_stored_as_the_utc_instant(mdb, tables):
    name = tables("ts", TABLE)
    _roundtrip(mdb, name, {"stamp": dt.datetime(2024, 1, 1, 5, 30, tzinfo=PLUS5)})
    q = mdb.dialect.quote_identifier(name)
    # UNIX_TIMESTAMP reads the stored instant whatever the session time zone.
    (epoch,), = mdb.run(f"SELECT UNIX_TIMESTAMP(stamp) FROM {q}").rows
    assert int(epoch) == int(dt.datetime(2024, 1, 1, 0, 0, tzinfo=UTC).timestamp())
    # A naive value for a time-zone column is taken as UTC.
    loaded, _ = _roundtrip(mdb, name, {"stamp": dt.datetime(2024, 1, 1, 0, 0)})
    assert loaded["stamp"] == dt.datetime(2024, 1, 1, tzinfo=UTC)


def test_aware_value_in_naive_datetime_column_is_utc_wall_time(mdb, tables):
    name = tables("dtaware", TABLE)
    loaded, _ = _roundtrip(mdb, name, {"seen": dt.datetime(2024, 1, 1, 5, 30, tzinfo=PLUS5)})
    assert loaded["seen"] == dt.datetime(2024, 1, 1, 0, 0)


def test_fractional_seconds_are_truncated_to_the_column_precision(mdb, tables):
    # MySQL rounds (999999 us -> next second, even next day), MariaDB truncates: the
    # type truncates first so both keep the same wall time.
    name = tables("fsp", TABLE)
    loaded, _ = _roundtrip(mdb, name, {
        "seen0": dt.datetime(2024, 12, 31, 23, 59, 59, 999999),
        "clock0": dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)})
    assert loaded["seen0"] == dt.datetime(2024, 12, 31, 23, 59, 59)
    assert loaded["clock0"] == dt.timedelta(hours=23, minutes=59, seconds=59)


def test_bad_values_are_refused_in_strict_mode(mdb, tables):
    from activerecord.errors import DataError
    name = tables("strict", TABLE)
    with pytest.raises(DataError):
        _roundtrip(mdb, name, {"mood": "angry"})
    with pytest.raises(DataError):
        _roundtrip(mdb, name, {"name": "x" * 41})


def test_native_uuid_round_trip(mdb, tables):
    if not mdb.features.supports_native_uuid:
        pytest.skip("no native UUID type (features.supports_native_uuid)")
    name = tables("uuid", "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, u UUID, "
                          "c CHAR(36))")
    value = uuid.uuid4()
    loaded, types = _roundtrip(mdb, name, {"u": value, "c": str(value)})
    assert loaded["u"] == value and isinstance(loaded["u"], uuid.UUID)
    assert loaded["c"] == str(value)  # a char(36) stays a string


def test_model_round_trip_with_boolean_and_defaults(mdb, tables):
    name = tables("model", """CREATE TABLE {t} (
        id INT AUTO_INCREMENT PRIMARY KEY, active TINYINT(1) NOT NULL DEFAULT 1,
        title VARCHAR(50) NOT NULL DEFAULT 'untitled', price DECIMAL(8,2) DEFAULT 9.99,
        doc JSON, stamp TIMESTAMP(6) NULL DEFAULT NULL,
        created DATETIME DEFAULT CURRENT_TIMESTAMP)""")

    class Gadget(Model):
        table_name = name
        database = mdb

    g = Gadget.create(doc={"k": ["\U0001F600"]},
                      stamp=dt.datetime(2024, 3, 1, 9, 0, tzinfo=PLUS5))
    assert g.active is True and g.title == "untitled" and g.price == Decimal("9.99")
    assert isinstance(g.created, dt.datetime)  # a database default, read back
    again = Gadget.find(g.id)
    assert again.active is True and again.doc == {"k": ["\U0001F600"]}
    assert again.stamp == dt.datetime(2024, 3, 1, 3, 30, tzinfo=UTC)
    again.active = False
    again.save()
    assert Gadget.find(g.id).active is False
    assert Gadget.where(active=False).count() == 1
