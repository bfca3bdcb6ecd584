"""Values inside column arithmetic are bound through the numeric column's type, in
conditions and in ``update_all``, recursively; numbers keep their value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activerecord import Model
from activerecord.errors import AttributeCastError
from activerecord.testing import capture_sql


class Num(Model):
    table_name = "ar_nums"


@pytest.fixture
def nums(make_table):
    make_table("ar_nums", id="pk", n="int", f="float", price="decimal(8,2)",
               label="string(20)")
    Num.create(id=1, n=5, f=2.5, price=Decimal("1.50"), label="a")
    Num.create(id=2, n=7, f=0.5, price=Decimal("3.00"), label="b")


def refused(fn):
    with capture_sql() as sql, pytest.raises(AttributeCastError) as info:
        fn()
    assert sql == []
    return str(info.value)


def test_text_that_is_no_number_is_refused_before_sql(db, nums):
    c = Num.c
    assert "n" in refused(lambda: Num.where(((c.n + 1) * "x") > 1).count())
    assert "price" in refused(lambda: Num.where(c.price - "y" > 1).to_list())
    assert "f" in refused(lambda: Num.where(c.n > ("z" / c.f)).count())
    refused(lambda: Num.group("label").having((c.n.sum() + 0) > (c.n * "x")).count())
    refused(lambda: Num.where(id=1).update_all(price=c.price * "lots"))
    refused(lambda: Num.where(c.n + 1 == c.n + "q").count())
    assert Num.where(id=1).pick("n") == 5


def test_numbers_keep_their_value(db, nums):
    c = Num.c
    assert Num.where(c.n * 1.5 > 10).pluck("id") == [2]        # not n * 1
    assert Num.where(c.n / 2.0 > 2.6).pluck("id") == [2]       # 3.5; n / 2 would be 3
    assert Num.where(c.price * Decimal("2") > 5).pluck("id") == [2]
    assert Num.where(c.price + 1 >= 2.5).order("id").pluck("id") == [1, 2]
    assert Num.where((c.n + 1) > "6").pluck("id") == [2]        # cast to 6, a number
    assert Num.where("7" <= c.n - 0).pluck("id") == [2]
    assert Num.where((c.n + "2") * "2" == 14).pluck("id") == [1]   # text cast: 2 and 2
    assert Num.where(c.f * "2" == 5).pluck("id") == [1]
    assert Num.where(id=2).update_all(price=c.price * Decimal("1.5")) == 1
    assert Num.find(2).price == Decimal("4.50")
    assert Num.where(id=1).update_all(n=c.n + "10", f=c.f * 2) == 1
    assert (Num.find(1).n, Num.find(1).f) == (15, 5.0)
