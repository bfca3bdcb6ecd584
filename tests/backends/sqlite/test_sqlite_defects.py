"""SQLite defects of type mapping and introspection: generated columns (hidden by
``PRAGMA table_info``), dates stored as text in another layout than ours (the public
Northwind file: ``'1996-07-04 00:00:00.000'``), durations in an INTERVAL column."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import AttributeCastError, Model
from activerecord.connection.database import Database

D = dt.datetime


@pytest.fixture
def lite(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/defects.db")
    yield database
    database.close()


def model(db, table, **attrs):
    return type("M_" + table, (Model,), {"table_name": table, "database": db, **attrs})


# -- generated columns ------------------------------------------------------------------
GENERATED = """CREATE TABLE lines (
    id INTEGER PRIMARY KEY, qty INT NOT NULL DEFAULT 1, price REAL,
    total REAL GENERATED ALWAYS AS (qty * price) VIRTUAL,
    label TEXT AS ('x' || qty) STORED,
    bare AS (qty + 1),
    qty2 INTEGER NOT NULL GENERATED ALWAYS AS (qty * 2) STORED)"""


def test_generated_columns_are_listed_and_flagged(lite):
    lite.execute(GENERATED)
    info = lite.table_info("lines")
    cols = {c.name: c for c in info.columns}
    assert [c.name for c in info.columns] == ["id", "qty", "price", "total", "label",
                                              "bare", "qty2"]
    assert {n for n, c in cols.items() if c.generated} == {"total", "label", "bare", "qty2"}
    assert (cols["total"].type, cols["label"].type, cols["qty2"].type) == (
        "float", "string", "integer")
    for name in ("total", "label", "bare", "qty2"):
        c = cols[name]
        assert c.default is None and c.default_sql is None and not c.primary_key, name
        assert not c.auto_increment, name
    assert not cols["qty2"].nullable  # NOT NULL on a generated column is kept
    # The rest of the table is unchanged by the generated columns.
    assert info.primary_key == ("id",) and cols["id"].auto_increment
    assert cols["qty"].default == 1 and not cols["qty"].generated


def test_model_reads_generated_columns(lite):
    lite.execute(GENERATED)
    lite.execute("INSERT INTO lines (id, qty, price) VALUES (1, 3, 2.5)")
    Line = model(lite, "lines")
    line = Line.find(1)
    assert (line.total, line.label, line.bare, line.qty2) == (7.5, "x3", 4, 6)
    assert "total" in Line.column_names
    assert Line.where(total=7.5).count() == 1


def test_hidden_columns_of_a_virtual_table_are_left_out(lite):
    # pragma_table_xinfo marks FTS5's own columns (the table name, rank) hidden = 1.
    lite.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
    assert [c.name for c in lite.table_info("notes").columns] == ["body"]


# -- dates stored as text in another layout ---------------------------------------------
NORTHWIND = [(10248, "1996-07-04 00:00:00.000", "1996-08-01 00:00:00.000", "10:00:00.000"),
             (10249, "1996-07-05 00:00:00.000", "1996-08-16 00:00:00.000", "11:30:00.000"),
             (10250, "1996-07-08 00:00:00.000", "1996-08-05 00:00:00.000", "09:15:00.000")]


@pytest.fixture
def orders(lite):
    lite.execute('CREATE TABLE "Orders" ("OrderID" INTEGER PRIMARY KEY, '
                 '"OrderDate" DATETIME, "RequiredDate" DATE, "At" TIME, "Note" TEXT)')
    lite.execute('CREATE INDEX "ix_orders_date" ON "Orders" ("OrderDate")')
    for row in NORTHWIND:
        lite.execute('INSERT INTO "Orders" VALUES (?, ?, ?, ?, NULL)', list(row))
    return model(lite, "Orders")


def test_stored_layout_is_introspected(lite, orders):
    cols = {c.name: c for c in lite.table_info("Orders").columns}
    assert cols["OrderDate"].stored_format == "YYYY-MM-DD HH:MM:SS.fff"
    assert cols["RequiredDate"].stored_format == "YYYY-MM-DD HH:MM:SS.fff"
    assert cols["At"].stored_format == "HH:MM:SS.fff"
    assert cols["Note"].stored_format is None


def test_a_value_read_from_a_row_finds_that_row(orders):
    first = orders.find(10248)
    assert first.OrderDate == D(1996, 7, 4) and first.RequiredDate == dt.date(1996, 8, 1)
    assert first.At == dt.time(10, 0)
    assert orders.find_by(OrderDate=first.OrderDate).OrderID == 10248
    assert orders.find_by(RequiredDate=first.RequiredDate).OrderID == 10248
    assert orders.find_by(At=first.At).OrderID == 10248
    assert orders.where(OrderDate=[first.OrderDate, D(1996, 7, 8)]).count() == 2


def test_comparisons_do_not_count_the_equal_row(orders):
    # Before the fix '1996-07-04 00:00:00.000' > '1996-07-04 00:00:00' (text): 3, not 2.
    assert orders.where(orders.c.OrderDate > D(1996, 7, 4)).count() == 2
    assert orders.where(orders.c.OrderDate >= D(1996, 7, 4)).count() == 3
    assert orders.where(orders.c.OrderDate < D(1996, 7, 5)).count() == 1
    assert orders.where(orders.c.OrderDate <= D(1996, 7, 5)).count() == 2
    assert orders.where(orders.c.RequiredDate > dt.date(1996, 8, 5)).count() == 1
    assert orders.where(orders.c.At > dt.time(10)).count() == 1


def test_conditions_work_before_any_row_was_read(orders):
    # The layout comes from introspection, not from rows loaded earlier.
    assert orders.where(OrderDate=D(1996, 7, 5)).count() == 1
    assert orders.where(RequiredDate=dt.date(1996, 8, 16)).count() == 1


def test_between_in_and_order(orders):
    from activerecord import between
    assert orders.where(OrderDate=between(D(1996, 7, 4), D(1996, 7, 5))).count() == 2
    assert orders.where(RequiredDate=[dt.date(1996, 8, 1), dt.date(1996, 8, 5)]).count() == 2
    assert [o.OrderID for o in orders.order("OrderDate")] == [10248, 10249, 10250]


def test_writes_use_the_columns_layout_and_leave_untouched_columns_alone(lite, orders):
    o = orders.find(10249)
    o.Note = "changed"
    o.save()
    raw = lite.execute('SELECT "OrderDate", "RequiredDate" FROM "Orders" '
                       'WHERE "OrderID" = 10249').rows[0]
    assert raw == ("1996-07-05 00:00:00.000", "1996-08-16 00:00:00.000")
    o.OrderDate = D(1996, 7, 6, 8, 30, 0, 250000)
    o.save()
    new = orders.create(OrderID=1, OrderDate=D(1997, 1, 1), RequiredDate=dt.date(1997, 2, 1))
    raw = lite.execute('SELECT "OrderID", "OrderDate", "RequiredDate" FROM "Orders" '
                       'WHERE "OrderID" IN (1, 10249) ORDER BY 1').rows
    assert raw == [(1, "1997-01-01 00:00:00.000", "1997-02-01 00:00:00.000"),
                   (10249, "1996-07-06 08:30:00.250", "1996-08-16 00:00:00.000")]
    assert orders.find_by(OrderDate=new.OrderDate).OrderID == 1


def test_microseconds_the_layout_cannot_hold_are_kept(lite, orders):
    o = orders.create(OrderID=2, OrderDate=D(1997, 1, 1, 0, 0, 0, 123456))
    raw = lite.execute('SELECT "OrderDate" FROM "Orders" WHERE "OrderID" = 2').rows[0][0]
    assert raw == "1997-01-01 00:00:00.123456"  # six digits rather than rounding to .123
    assert orders.find(2).OrderDate == o.OrderDate
    assert orders.find_by(OrderDate=o.OrderDate).OrderID == 2


def test_the_index_is_still_used(orders):
    plan = orders.where(OrderDate=D(1996, 7, 4)).explain()
    assert "ix_orders_date" in plan  # no function around the column


@pytest.mark.parametrize("stored,value,layout", [
    ("1996-07-04T00:00:00", D(1996, 7, 4), "YYYY-MM-DDTHH:MM:SS[.ffffff]"),
    ("1996-07-04T10:20:30.000Z", D(1996, 7, 4, 10, 20, 30, tzinfo=dt.timezone.utc),
     "YYYY-MM-DDTHH:MM:SS.fffZ"),
    ("1996-07-04", D(1996, 7, 4), "YYYY-MM-DD"),
    ("1996-07-04 10:20", D(1996, 7, 4, 10, 20), "YYYY-MM-DD HH:MM[:SS[.ffffff]]"),
])
def test_other_layouts(lite, stored, value, layout):
    lite.execute("CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME)")
    lite.execute("INSERT INTO ev (id, at) VALUES (1, ?), (2, '1999-01-01 00:00:00')", [stored])
    Ev = model(lite, "ev")
    assert Ev.columns["at"].info.stored_format == layout
    assert Ev.find(1).at == value
    assert Ev.find_by(at=Ev.find(1).at).id == 1
    assert Ev.where(Ev.c.at > value).count() == 1  # only 1999
    assert Ev.where(Ev.c.at >= value).count() == 2


def test_our_own_layout_is_unchanged(lite):
    lite.execute("CREATE TABLE ours (id INTEGER PRIMARY KEY, at DATETIME, tz TIMESTAMP WITH "
                 "TIME ZONE, day DATE)")
    Ours = model(lite, "ours")
    Ours.create(at=D(2020, 1, 2, 3, 4, 5), tz=D(2020, 1, 2, 3, 4, 5, 6), day=dt.date(2020, 1, 2))
    Ours.reset_column_information()  # now the table has rows: the layout is sampled
    cols = Ours.columns
    assert cols["at"].info.stored_format == "YYYY-MM-DD HH:MM:SS[.ffffff]"
    assert cols["tz"].info.stored_format == "YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM"
    Ours.create(at=D(2021, 1, 1, 0, 0, 0, 5), tz=D(2021, 1, 1), day=dt.date(2021, 1, 1))
    raw = set(Ours.database.execute("SELECT at, tz, day FROM ours").rows)
    assert raw == {("2020-01-02 03:04:05", "2020-01-02 03:04:05.000006+00:00", "2020-01-02"),
                   ("2021-01-01 00:00:00.000005", "2021-01-01 00:00:00+00:00", "2021-01-01")}


def test_mixed_layouts_in_one_column_are_all_read(lite):
    # SQLite compares text: only rows in the column's (first row's) layout compare
    # right; every row still reads as the same Python value (docs/models.md).
    lite.execute("CREATE TABLE mixed (id INTEGER PRIMARY KEY, at DATETIME)")
    lite.execute("INSERT INTO mixed VALUES (1, '1996-07-04 00:00:00.000'), "
                 "(2, '1996-07-04T00:00:00'), (3, '1996-07-04')")
    Mixed = model(lite, "mixed")
    assert {m.at for m in Mixed.all()} == {D(1996, 7, 4)}
    assert Mixed.find_by(at=Mixed.find(1).at).id == 1


# -- durations --------------------------------------------------------------------------
def test_interval_column_holds_timedelta_as_seconds(lite):
    lite.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, took INTERVAL, at TIME)")
    Run = model(lite, "runs")
    assert Run.columns["took"].type == "interval" and Run.columns["at"].type == "time"
    long = Run.create(took=dt.timedelta(hours=30, microseconds=5))
    short = Run.create(took="-00:30:00")
    raw = lite.execute("SELECT took, typeof(took) FROM runs ORDER BY id").rows
    assert raw == [(108000.000005, "real"), (-1800, "integer")]
    assert Run.find(long.id).took == dt.timedelta(hours=30, microseconds=5)
    assert Run.find(short.id).took == dt.timedelta(minutes=-30)
    assert [r.id for r in Run.order("took")] == [short.id, long.id]
    assert Run.find_by(took=dt.timedelta(minutes=-30)).id == short.id


def test_time_column_refuses_a_duration_of_30_hours(lite):
    lite.execute("CREATE TABLE clocks (id INTEGER PRIMARY KEY, at TIME)")
    Clock = model(lite, "clocks")
    assert Clock(at=dt.timedelta(hours=6)).at == dt.time(6)
    with pytest.raises(AttributeCastError, match="at"):
        Clock(at=dt.timedelta(hours=30))  # was silently 06:00


def test_layout_is_sampled_for_odd_names(lite):
    lite.execute('CREATE TABLE "Order ""Details""" (id INTEGER PRIMARY KEY, '
                 '"when ""x""" DATETIME)')
    lite.execute('INSERT INTO "Order ""Details""" VALUES (1, NULL), '
                 "(2, '1996-07-04T00:00:00.000')")
    Odd = model(lite, 'Order "Details"')
    assert Odd.columns['when "x"'].info.stored_format == "YYYY-MM-DDTHH:MM:SS.fff"
    assert Odd.find_by(**{'when "x"': D(1996, 7, 4)}).id == 2


# -- limits of the library ----------------------------------------------------------------
def test_parameter_limit_is_the_library_s_own(lite):
    import sqlite3

    raw = sqlite3.connect(":memory:")
    try:
        expected = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    finally:
        raw.close()
    assert lite.features.max_parameters == expected
    lite.execute("CREATE TABLE n (id INTEGER PRIMARY KEY)")
    marks = ", ".join("?" * expected)
    assert lite.execute(f"SELECT COUNT(*) FROM n WHERE id IN ({marks})",
                        list(range(expected))).rows == [(0,)]


def test_an_integer_beyond_64_bits_is_a_data_error(lite):
    from activerecord import DataError

    lite.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER)")
    Big = model(lite, "big")
    with pytest.raises(DataError, match="64-bit"):
        Big.create(n=2**70)
    assert Big.count() == 0
    assert Big.where(n=2**70).count() == 0  # a condition simply matches nothing


def test_nan_is_refused_before_it_becomes_null(lite):
    lite.execute("CREATE TABLE f (id INTEGER PRIMARY KEY, x REAL)")
    F = model(lite, "f")
    with pytest.raises(AttributeCastError, match="NaN|nan"):
        F.create(x=float("nan"))
    assert F.count() == 0
    assert F.create(x=float("inf")).reload().x == float("inf")
