"""What only SQLite has: type affinity, how values are stored, feature detection."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from activerecord import Model
from activerecord.connection.database import Database


@pytest.fixture
def lite(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/lite.db")
    yield database
    database.close()


def test_features_follow_the_library_version(lite):
    version = sqlite3.sqlite_version_info
    assert lite.features.server_version == version
    assert lite.features.supports_returning == (version >= (3, 35, 0))
    assert lite.features.supports_transactional_ddl


def test_numeric_affinity_keeps_about_15_digits(lite):
    # NUMERIC columns store REAL/INTEGER (https://www.sqlite.org/datatype3.html 3.1):
    # a Decimal comes back quantized to the scale, but digits past ~15 are lost.
    lite.execute("CREATE TABLE money (id INTEGER PRIMARY KEY, amount NUMERIC(30,10))")

    class Money(Model):
        table_name = "money"
        database = lite

    small = Money.create(amount=Decimal("12.5"))
    assert Money.find(small.id).amount == Decimal("12.5000000000")
    big = Money.create(amount=Decimal("12345678901234567890.1234567891"))
    assert Money.find(big.id).amount != Decimal("12345678901234567890.1234567891")
    stored = lite.execute("SELECT typeof(amount) FROM money WHERE id = ?", [small.id])
    assert stored.rows[0][0] == "real"


def test_booleans_dates_and_json_are_stored_as_0_1_iso_text_and_text(lite):
    lite.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, flag BOOLEAN, day DATE,"
                 " at DATETIME, doc JSON)")

    class Thing(Model):
        table_name = "things"
        database = lite

    t = Thing.create(flag=True, day=dt.date(2020, 1, 2), at=dt.datetime(2020, 1, 2, 3, 4, 5),
                     doc={"a": 1})
    raw = lite.execute("SELECT flag, typeof(flag), day, at, doc FROM things").rows[0]
    assert raw == (1, "integer", "2020-01-02", "2020-01-02 03:04:05", '{"a": 1}')
    assert Thing.find(t.id).flag is True


def test_untyped_and_affinity_columns(lite):
    lite.execute("CREATE TABLE loose (id INTEGER PRIMARY KEY, anything, note NVARCHAR(20),"
                 " big UNSIGNED BIG INT, ratio DOUBLE PRECISION, raw BLOB)")
    types = {c.name: c.type for c in lite.table_info("loose").columns}
    assert types == {"id": "integer", "anything": "value", "note": "string",
                     "big": "integer", "ratio": "float", "raw": "binary"}


def test_integer_primary_key_is_the_rowid(lite):
    lite.execute("CREATE TABLE r1 (id INTEGER PRIMARY KEY, x TEXT)")
    lite.execute("CREATE TABLE r2 (id INT PRIMARY KEY, x TEXT)")
    assert lite.table_info("r1").columns[0].auto_increment
    assert not lite.table_info("r2").columns[0].auto_increment


def test_table_names_compare_case_insensitively(lite):
    lite.execute("CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name TEXT)")
    assert lite.table_info("artist") is not None
