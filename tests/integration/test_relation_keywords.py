"""Relation methods that take ``column=value`` keywords take ``self`` positional-only,
so a column named ``self`` (or ``cls``) is a keyword like any other, on every database:
``where(self="a")``, ``create(self="a")``, ``update_all(self="b")``..."""

from __future__ import annotations

import pytest

from activerecord import Model


class Selfie(Model):
    table_name = "h3_selfies"


@pytest.fixture
def selfies(make_table, db):
    make_table("h3_selfies", id="pk", self="string(20) UNIQUE", cls="int")
    column = db.dialect.quote_name("self")
    for value, cls in (("a", 1), ("b", 2)):  # ids 1 and 2, from the table's sequence
        db.execute(f"INSERT INTO h3_selfies ({column}, cls) VALUES (?, ?)", [value, cls])
    return db


def names(rel):
    return sorted(r["self"] for r in rel)


def test_conditions_on_a_column_named_self(selfies):
    assert names(Selfie.where(self="a")) == ["a"]
    assert names(Selfie.all().where(self="a", cls=1)) == ["a"]
    assert names(Selfie.where_not(self="a")) == ["b"]
    assert names(Selfie.not_(self="a")) == ["b"]
    assert names(Selfie.where(self="a").rewhere(self="b")) == ["b"]
    assert Selfie.find_by(self="b").id == 2
    assert Selfie.all().find_by(self="b", cls=2).id == 2
    assert Selfie.find_sole_by(self="a").id == 1
    assert Selfie.exists(self="a") and not Selfie.all().exists(self="zzz")
    assert [r.id for r in Selfie.order(self="desc")] == [2, 1]
    assert [r.id for r in Selfie.order("id").reorder(self="asc")] == [1, 2]


def test_creating_through_a_relation_with_a_column_named_self(selfies):
    built = Selfie.where(cls=7).new(self="c")
    assert built["self"] == "c" and built.cls == 7 and built.new_record
    assert Selfie.where(cls=7).build(self="c")["self"] == "c"
    made = Selfie.all().create(self="d", cls=4)
    assert Selfie.find(made.id)["self"] == "d"
    assert Selfie.find_or_create_by(self="a").id == 1
    assert Selfie.find_or_create_by(self="e")["self"] == "e"
    assert Selfie.find_or_initialize_by(self="f").new_record
    assert Selfie.create_or_find_by(self="a").id == 1   # the UNIQUE collision: found
    assert Selfie.create_or_find_by(self="g")["self"] == "g"


def test_bulk_updates_of_a_column_named_self(selfies):
    assert Selfie.where(self="a").update_all(self="z") == 1
    assert names(Selfie.all()) == ["b", "z"]
    assert Selfie.all().in_batches(of=1).update_all(self=None, cls=0) == 2
    assert Selfie.where(self=None).count() == 2
