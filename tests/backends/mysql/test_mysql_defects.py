"""MySQL/MariaDB defects of type mapping and introspection: generated columns, TIME
values outside 00:00-24:00 (TIME is a duration: ``timedelta``), zero dates."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import AttributeCastError, Model
from activerecord.errors import DataError

H = dt.timedelta(hours=1)


def model(db, table):
    return type("M_" + table, (Model,), {"table_name": table, "database": db})


# -- generated columns ------------------------------------------------------------------
def test_generated_columns_are_flagged(mdb, tables, mariadb):
    persistent = ", p INT AS (qty + 1) PERSISTENT" if mariadb else ""
    name = tables("gen", "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, "
                         "qty INT NOT NULL DEFAULT 1, price DECIMAL(8,2), "
                         "total DECIMAL(10,2) GENERATED ALWAYS AS (qty * price) VIRTUAL, "
                         "label VARCHAR(20) AS (CONCAT('x', qty)) STORED, "
                         "made DATETIME DEFAULT CURRENT_TIMESTAMP" + persistent + ")")
    info = mdb.table_info(name)
    cols = {c.name: c for c in info.columns}
    generated = {"total", "label"} | ({"p"} if mariadb else set())
    assert {n for n, c in cols.items() if c.generated} == generated
    for n in generated:
        c = cols[n]
        assert c.default is None and c.default_sql is None, n
        assert not c.auto_increment and not c.primary_key, n
    assert cols["total"].type == "decimal" and cols["label"].type == "string"
    # Keys, auto increment and real defaults are unaffected by the generated columns.
    assert info.primary_key == ("id",) and cols["id"].auto_increment
    assert cols["qty"].default == 1 and not cols["qty"].generated
    assert cols["made"].default_sql is not None and not cols["made"].generated


def test_model_reads_generated_columns(mdb, tables):
    name = tables("genread", "CREATE TABLE {t} (id INT PRIMARY KEY, qty INT, "
                             "twice INT AS (qty * 2) VIRTUAL, "
                             "label VARCHAR(20) AS (CONCAT('x', qty)) STORED)")
    mdb.run(f"INSERT INTO {mdb.dialect.quote_identifier(name)} (id, qty) VALUES (1, 21)")
    Gen = model(mdb, name)
    row = Gen.find(1)
    assert (row.twice, row.label) == (42, "x21")
    assert Gen.where(twice=42).count() == 1


# -- TIME is a duration -----------------------------------------------------------------
@pytest.fixture
def clocks(mdb, tables):
    name = tables("clock", "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, "
                           "took TIME, fine TIME(6), note VARCHAR(10))")
    return model(mdb, name)


def _raw(db, Model_, key):
    q = db.dialect.quote_identifier(Model_.table_name)
    return db.run(f"SELECT CAST(took AS CHAR), CAST(fine AS CHAR) FROM {q} WHERE id = %s",
                  [key]).rows[0]


def test_time_maps_to_interval(mdb, clocks):
    assert clocks.columns["took"].type == "interval"
    assert clocks.columns["took"].python_type is dt.timedelta


def test_time_beyond_24_hours_is_read_and_written_unchanged(mdb, clocks):
    q = mdb.dialect.quote_identifier(clocks.table_name)
    mdb.run(f"INSERT INTO {q} (id, took, fine) VALUES (1, '30:00:00', '-00:30:00.5')")
    row = clocks.find(1)
    assert row.took == 30 * H  # was datetime.time(6, 0)
    assert row.fine == -dt.timedelta(minutes=30, microseconds=500000)
    row.note = "x"
    row.save()  # untouched TIME columns are not rewritten
    assert _raw(mdb, clocks, 1) == ("30:00:00", "-00:30:00.500000")
    created = clocks.create(took=dt.timedelta(hours=30), fine=dt.timedelta(days=-2, hours=1))
    assert _raw(mdb, clocks, created.id) == ("30:00:00", "-47:00:00.000000")
    again = clocks.find(created.id)
    assert again.took == 30 * H and again.fine == -47 * H
    assert clocks.where(took=30 * H).count() == 2
    assert clocks.where(clocks.c.took > 29 * H).count() == 2


def test_time_values_are_cast_to_durations(mdb, clocks):
    c = clocks(took="838:59:59", fine=dt.time(23, 59, 58, 123456))
    assert c.took == dt.timedelta(hours=838, minutes=59, seconds=59)
    assert c.fine == dt.timedelta(hours=23, minutes=59, seconds=58, microseconds=123456)
    c.save()
    assert clocks.find(c.id).fine == c.fine
    assert clocks(took="PT1H30M").took == 1.5 * H
    assert clocks(took="1 06:00:00").took == 30 * H  # MySQL's 'D HH:MM:SS'


@pytest.mark.parametrize("value", [dt.timedelta(hours=839), dt.timedelta(hours=-839),
                                   "900:00:00", 1230, "P1M"])
def test_time_out_of_range_or_ambiguous_is_refused_before_sql(mdb, clocks, value):
    with pytest.raises(AttributeCastError, match="took"):
        clocks(took=value)
    assert clocks.count() == 0


def test_fraction_is_truncated_to_the_column_precision(mdb, clocks):
    c = clocks.create(took=dt.timedelta(seconds=-59, microseconds=-999999))
    assert _raw(mdb, clocks, c.id)[0] == "-00:00:59"  # MySQL would round to -00:01:00


# -- zero dates -------------------------------------------------------------------------
@pytest.fixture
def zeros(mdb, tables, open_db):
    name = tables("zero", "CREATE TABLE {t} (id INT PRIMARY KEY, d DATE, dt DATETIME, "
                          "ts TIMESTAMP NULL DEFAULT NULL, dt6 DATETIME(6))")
    lax = open_db(sql_mode="")  # the zero date needs a sql_mode without NO_ZERO_DATE
    q = lax.dialect.quote_identifier(name)
    lax.run(f"INSERT INTO {q} VALUES (1, '0000-00-00', '0000-00-00 00:00:00', "
            "'0000-00-00 00:00:00', '0000-00-00 00:00:00.000000'), "
            "(2, '2020-01-02', '2020-01-02 03:04:05', '2020-01-02 03:04:05', NULL), "
            "(3, '2020-00-00', '2020-01-00 10:00:00', NULL, NULL)")
    return model(mdb, name)


def test_zero_dates_read_as_none(mdb, zeros):
    z = zeros.find(1)
    assert (z.d, z.dt, z.ts, z.dt6) == (None, None, None, None)  # were str
    ok = zeros.find(2)
    assert ok.d == dt.date(2020, 1, 2) and ok.dt == dt.datetime(2020, 1, 2, 3, 4, 5)
    assert ok.ts == dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert zeros.where(id=[1, 2]).pluck("d") == [None, dt.date(2020, 1, 2)]


def test_partial_zero_dates_raise_naming_the_column(mdb, zeros):
    with pytest.raises(DataError, match=r"'d'.*'2020-00-00'"):
        zeros.find(3)
    with pytest.raises(DataError, match=r"'dt'.*'2020-01-00 10:00:00'"):
        zeros.where(id=3).pluck("dt")
    assert zeros.find(2).d == dt.date(2020, 1, 2)  # the connection is still fine
