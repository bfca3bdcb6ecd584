"""Batches by ``cursor=``: the cursor must be proven unique and NOT NULL from the
catalog (the primary key or a unique index among its columns, every column NOT NULL)
before any SQL; a view's cursor needs the model's declared ``primary_key`` or
``assume_unique=True``."""

from __future__ import annotations

import pytest

from activerecord import Model
from activerecord.testing import capture_sql


class Row(Model):
    table_name = "bk_rows"


class Keyed(Model):
    table_name = "bk_keyed"


def refused(fn):
    with capture_sql() as sql, pytest.raises(ValueError, match="unique") as info:
        fn()
    assert sql == []
    assert "cursor" in str(info.value)
    return str(info.value)


@pytest.fixture
def rows(make_table):
    # No primary key: a two-column unique constraint (a, b), a unique index over a
    # nullable column (u), and a plain NOT NULL column (g).
    make_table("bk_rows", "UNIQUE (a, b)", "UNIQUE (u)", a="int NOT NULL", b="int NOT NULL",
               u="int", g="int NOT NULL")
    Row.insert_all([{"a": i // 3, "b": i % 3, "u": i, "g": i // 5} for i in range(12)])


def test_a_composite_unique_index_is_a_cursor(db, rows):
    pairs = [(r.a, r.b) for r in Row.find_each(cursor=("a", "b"), batch_size=5)]
    assert pairs == sorted((i // 3, i % 3) for i in range(12))
    # A superset of a unique key is unique too.
    seen = [(r.a, r.b) for r in Row.find_each(cursor=("a", "b", "g"), batch_size=4)]
    assert sorted(seen) == sorted(pairs) and len(seen) == 12
    assert Row.limit(5).in_batches(of=2, cursor=("a", "b")).update_all(g=-1) == 5
    assert Row.where(g=-1).count() == 5


def test_part_of_a_key_or_a_nullable_unique_column_is_refused(db, rows):
    msg = refused(lambda: list(Row.find_each(cursor="a")))
    assert "(a, b)" in msg and "(u)" in msg  # names the keys it knows
    msg = refused(lambda: Row.in_batches(cursor="u"))
    assert "u is nullable" in msg
    refused(lambda: list(Row.find_in_batches(cursor=("g", "a"))))
    # The caller may vouch for a cursor (here u holds no NULL and no repeat).
    assert [r.u for r in Row.find_each(cursor="u", assume_unique=True)] == list(range(12))


def test_the_primary_key_is_a_cursor(db, make_table):
    make_table("bk_keyed", id="pk", n="int")
    Keyed.insert_all([{"n": i % 2} for i in range(7)])
    assert [k.id for k in Keyed.find_each(cursor="id", batch_size=2)] == list(range(1, 8))
    assert len(list(Keyed.find_each(cursor=("n", "id"), assume_unique=True))) == 7
    assert "n is nullable" in refused(lambda: list(Keyed.find_each(cursor=("n", "id"))))


def test_a_view_with_a_declared_primary_key(db, make_table):
    make_table("bk_keyed", id="pk", n="int")
    Keyed.insert_all([{"n": i} for i in range(5)])
    q = db.dialect.quote_name
    db.execute(f"DROP VIEW IF EXISTS {q('bk_view')}")
    db.execute(f"CREATE VIEW {q('bk_view')} AS SELECT id, n FROM {q('bk_keyed')}")

    class View(Model):
        table_name = "bk_view"

    class KeyedView(Model):
        table_name = "bk_view"
        primary_key = "id"

    try:
        refused(lambda: list(View.find_each(cursor="id")))
        assert [r.id for r in KeyedView.find_each(cursor="id", batch_size=2)] == \
            [1, 2, 3, 4, 5]
        assert [r.id for r in KeyedView.find_each(batch_size=2)] == [1, 2, 3, 4, 5]
    finally:
        View.reset_column_information()
        KeyedView.reset_column_information()
        db.execute(f"DROP VIEW {q('bk_view')}")
