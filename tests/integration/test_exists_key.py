"""``exists`` with one argument takes it as a primary key value, a string too (Rails'
``exists?``): never SQL text."""

from __future__ import annotations

from activerecord import Model
from activerecord.sql import nodes as n
from activerecord.testing import capture_sql


class Code(Model):
    table_name = "ek_codes"


class Cell(Model):
    table_name = "ek_cells"


def test_a_string_key_is_a_value_not_sql(db, make_table):
    make_table("ek_codes", "PRIMARY KEY (code)", code="string(20) NOT NULL", n="int")
    Code.create(code="a b", n=1)
    Code.create(code="1", n=2)
    with capture_sql() as sql:
        assert Code.exists("a b") and Code.exists("1") and Code.exists(1)
        assert not Code.exists("a' OR '1'='1") and not Code.exists("1 = 1")
    assert all("a b" not in s and "OR" not in s.upper() for s in sql)
    assert Code.exists("a b", n=1) and not Code.exists("a b", n=2)  # key and conditions
    assert Code.where(n=2).exists("1") and not Code.where(n=1).exists("1")
    assert Code.exists({"n": 2}) and Code.exists(Code.c.n > 1) and not Code.exists(None)
    assert Code.exists(n.Raw("1 = 1"))  # an explicit SQL node is SQL


def test_a_composite_key(db, make_table):
    make_table("ek_cells", "PRIMARY KEY (r, c)", r="int NOT NULL", c="string(5) NOT NULL")
    Cell.create(r=1, c="x")
    assert Cell.exists((1, "x")) and Cell.exists(("1", "x"))
    assert not Cell.exists((1, "y")) and not Cell.exists(("one", "x"))
