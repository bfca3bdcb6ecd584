"""Statements with many parameters go through psycopg's ``RawCursor`` with PostgreSQL's
native ``$n`` placeholders (backends/postgresql/adapter.py, "Many parameters"): the same
rows as psycopg's ``%s`` parsing gives, literal ``%`` kept, prepared statements working,
and every other ``%`` form left to psycopg."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
import pytest

from activerecord import Model
from backends.postgresql.adapter import native_placeholders


@contextmanager
def checked_out(db):
    conn = db.pool.checkout()
    try:
        yield conn
    finally:
        db.pool.checkin(conn)


@pytest.mark.parametrize(("sql", "count", "expected"), [
    ("a = %s AND b = %s", 2, "a = $1 AND b = $2"),
    ("x LIKE '10%%' OR y = %s", 1, "x LIKE '10%' OR y = $1"),
    ("'%%s' = %s", 1, "'%s' = $1"),        # %%s: a literal %, then s
    ("%%%s", 1, "%$1"),
    ("%s%s%%%s", 3, "$1$2%$3"),
    ("no parameters", 0, "no parameters"),
    ("a = %(name)s", 1, None),             # named: psycopg's own
    ("a = %b", 1, None),                   # binary placeholder: psycopg's own
    ("a = %s", 2, None),                   # wrong count: psycopg raises its error
    ("100%", 0, None),                     # a lone %
])
def test_translation(sql, count, expected):
    assert native_placeholders(sql, count) == expected


@pytest.fixture
def items(pg, tables):
    name = tables("np", "CREATE TABLE {t} (id int PRIMARY KEY, label varchar(20))")
    q = pg.dialect.quote_identifier(name)
    pg.run(f"INSERT INTO {q} (id, label) SELECT g, 'item ' || g || "
           f"CASE WHEN g %% 10 = 0 THEN '%%' ELSE '' END FROM generate_series(1, 300) g", [])

    class Item(Model):
        table_name = name
        database = pg

    return Item


def test_many_parameters_use_the_raw_cursor_and_few_the_standard_one(pg, items):
    q = pg.dialect.quote_identifier(items.table_name)
    with checked_out(pg) as conn:
        many = pg.adapter.execute(conn, f"SELECT id FROM {q} WHERE id IN "
                                        f"({', '.join(['%s'] * 60)})", list(range(60)))
        assert type(many) is psycopg.RawCursor
        assert sorted(r[0] for r in many.fetchall()) == list(range(1, 60))
        few = pg.adapter.execute(conn, f"SELECT id FROM {q} WHERE id IN (%s, %s)", [1, 2])
        assert type(few) is not psycopg.RawCursor
        assert sorted(r[0] for r in few.fetchall()) == [1, 2]


def test_relations_with_long_in_lists_and_literal_percent(items):
    keys = list(range(5, 260))
    for _ in range(7):  # past prepare_threshold (5): the prepared statement is used too
        found = items.where(id=keys).where("label LIKE ?", "%0%").order("id").pluck("id")
        assert found == [k for k in keys if "0" in f"item {k}"]
    percent = items.where(id=keys).where("label LIKE '%\\%'").order("id").pluck("id")
    assert percent == [k for k in keys if k % 10 == 0]
    assert items.where(id=keys).count() == len(keys)
    assert items.where(id=keys).delete_all() == len(keys)
    assert items.count() == 300 - len(keys)


def test_raw_sql_with_named_parameters_keeps_psycopgs_parsing(pg, items):
    q = pg.dialect.quote_identifier(items.table_name)
    names = {f"k{i}": i for i in range(1, 61)}
    with checked_out(pg) as conn:
        cur = pg.adapter.execute(conn, f"SELECT count(*) FROM {q} WHERE id IN "
                                       f"({', '.join(f'%({k})s' for k in names)})", names)
        assert type(cur) is not psycopg.RawCursor
        assert cur.fetchone()[0] == 60
