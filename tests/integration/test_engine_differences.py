"""What each database does where they differ, pinned (docs/guide.md, "What each
database does"): a failed statement inside a transaction, ``upsert_all`` with the same
key twice in one batch, infinite and NaN floats and decimals, and schema-qualified
table names. Each expectation names the database it holds on.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from decimal import Decimal

import pytest

from activerecord import (
    AttributeCastError,
    ConfigurationError,
    DatabaseError,
    DataError,
    Model,
    ProgrammingError,
    RecordNotUnique,
    TableNotFound,
    transaction,
)
from activerecord.testing import capture_sql


class Entry(Model):
    table_name = "engine_entries"


@pytest.fixture
def entries(make_table):
    make_table("engine_entries", id="pk", code="string(20) NOT NULL UNIQUE", n="int",
               f="float", d="decimal(12,2)")


# -- a failed statement inside a transaction ------------------------------------------
def test_after_a_failed_statement_postgresql_refuses_the_rest_of_the_transaction(db, entries):
    aborted = db.adapter.name == "postgresql"
    with pytest.raises(DatabaseError) if aborted else nullcontext():
        with transaction():
            Entry.create(code="a", n=1)
            with pytest.raises(RecordNotUnique):
                Entry.create(code="a", n=2)  # caught: the transaction goes on (or not)
            if aborted:
                with pytest.raises(DatabaseError, match="current transaction is aborted"):
                    Entry.count()
                Entry.create(code="b")  # still refused: raises out of the block
            else:
                Entry.create(code="b", n=3)  # SQLite and MariaDB go on
    expected = [] if aborted else ["a", "b"]
    assert Entry.order("code").pluck("code") == expected


def test_a_savepoint_around_the_failing_statement_works_everywhere(db, entries):
    with transaction():
        Entry.create(code="a", n=1)
        with pytest.raises(RecordNotUnique):
            with transaction():  # a savepoint: only this block is rolled back
                Entry.create(code="a", n=2)
        Entry.create(code="b", n=3)
    assert Entry.order("code").pluck("code", "n") == [("a", 1), ("b", 3)]


# -- the same key twice in one upsert_all / insert_all batch -----------------------------
def test_upsert_all_with_a_key_twice_in_one_batch(db, entries):
    rows = [{"code": "k", "n": 1}, {"code": "k", "n": 2}]
    if db.adapter.name == "postgresql":
        with pytest.raises(ProgrammingError, match="cannot affect row a second time"):
            Entry.upsert_all(rows, unique_by="code")
        assert Entry.count() == 0  # one statement: nothing of the batch is written
    else:  # SQLite and MariaDB apply the rows in order: the last one wins
        Entry.upsert_all(rows, unique_by="code")
        assert Entry.pluck("code", "n") == [("k", 2)]


def test_insert_all_ignoring_a_key_twice_in_one_batch_keeps_the_first(db, entries):
    Entry.insert_all([{"code": "k", "n": 1}, {"code": "k", "n": 2}], on_conflict="ignore",
                     unique_by="code")
    assert Entry.pluck("code", "n") == [("k", 1)]


# -- infinity and NaN ---------------------------------------------------------------------
def _float_column(db, value):
    entry = Entry.create(code=repr(value), f=value)
    return Entry.find(entry.id).f


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinite_floats(db, entries, value):
    if db.adapter.name == "mysql":  # MySQL/MariaDB DOUBLE has no infinity: refused
        with capture_sql() as sql, pytest.raises(AttributeCastError, match="cannot store"):
            Entry.create(code="inf", f=value)
        assert sql == [] and Entry.count() == 0
    else:
        assert _float_column(db, value) == value


def test_nan_floats(db, entries):
    if db.adapter.name in ("mysql", "sqlite"):
        # MySQL has no NaN; sqlite3 would bind it as NULL: both refused before any SQL.
        with capture_sql() as sql, pytest.raises(AttributeCastError, match="cannot store"):
            Entry.create(code="nan", f=math.nan)
        assert sql == [] and Entry.count() == 0
        # The driver itself would lose it on SQLite (pinned: why it is refused).
        if db.adapter.name == "sqlite":
            db.execute("INSERT INTO engine_entries (code, f) VALUES ('raw', ?)", [math.nan])
            assert db.execute("SELECT f FROM engine_entries").rows == [(None,)]
    else:
        assert math.isnan(_float_column(db, math.nan))


def test_decimal_nan_and_infinity(db, entries):
    backend = db.adapter.name
    if backend == "mysql":  # DECIMAL has neither
        for value in (Decimal("NaN"), Decimal("Infinity"), "NaN"):
            with capture_sql() as sql, pytest.raises(AttributeCastError, match="cannot"):
                Entry.create(code=str(value), d=value)
            assert sql == []
        return
    nan = Entry.create(code="nan", d=Decimal("NaN"))
    assert Entry.find(nan.id).d.is_nan()
    if backend == "postgresql":  # numeric(p,s) has NaN but no infinity
        with pytest.raises(DataError, match="infinite"):
            Entry.create(code="inf", d=Decimal("Infinity"))
    else:  # SQLite keeps the texts 'NaN' and 'Infinity' in the NUMERIC column
        inf = Entry.create(code="inf", d=Decimal("Infinity"))
        assert Entry.find(inf.id).d == Decimal("Infinity")
        stored = db.execute("SELECT d, typeof(d) FROM engine_entries ORDER BY id").rows
        assert [tuple(r) for r in stored] == [("NaN", "text"), ("Infinity", "text")]


# -- schema-qualified table names -------------------------------------------------------
@pytest.mark.databases("sqlite", "mysql")
def test_a_schema_attribute_is_refused_where_there_are_no_schemas(db, entries):
    class Other(Model):
        table_name = "engine_entries"
        schema = "other"

    with pytest.raises(ConfigurationError, match="has no schemas"):
        Other.count()


@pytest.mark.databases("sqlite", "mysql")
def test_a_dotted_name_is_one_table_name_where_there_are_no_schemas(db, make_table):
    make_table("odd.name", id="pk", label="string(20)")

    class Odd(Model):
        table_name = "odd.name"

    class Elsewhere(Model):
        table_name = "main_or_other_db.engine_entries"

    Odd.create(label="x")
    assert Odd.pluck("label") == ["x"]
    with pytest.raises(TableNotFound, match="reads a dotted name as one table name"):
        Elsewhere.count()


def test_where_null_sorts_without_nulls_first_or_last(db):
    """``Dialect.nulls_sort_high`` says it: PostgreSQL sorts NULL above every value
    (last ascending), SQLite and MariaDB below (first ascending)."""
    rows = db.execute("SELECT v FROM (SELECT 1 AS v UNION ALL SELECT NULL) t "
                      "ORDER BY v").rows
    assert [r[0] for r in rows] == ([1, None] if db.adapter.name == "postgresql"
                                    else [None, 1])
    assert db.dialect.nulls_sort_high is (db.adapter.name == "postgresql")
