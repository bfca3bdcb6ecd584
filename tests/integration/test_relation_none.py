"""``none()`` sends nothing (Rails' ``NullRelation``), on every database: loading,
finders, calculations and bulk writes of a ``none()`` relation, of anything chained on
it, and of the collections of an unsaved owner (``target.none()``) answer as for no
rows without a statement; ``none().or_(x)`` is ``x``; bad names still raise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from activerecord import (
    Model,
    RecordNotFound,
    UnknownAttributeError,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
)
from activerecord.testing import assert_queries
from tests.integration.test_associations_review import _fk


@pytest.fixture
def shop(db, make_table):
    make_table("nr_makers", id="pk", name="string(40)")
    make_table("nr_items", _fk(db, "maker_id", "nr_makers"), id="pk", name="string(40)",
               qty="int", price="decimal(8,2)", made="date", maker_id="int")
    make_table("nr_tags", id="pk", name="string(40)")
    make_table("nr_items_tags", _fk(db, "item_id", "nr_items"), _fk(db, "tag_id", "nr_tags"),
               item_id="int", tag_id="int")

    class Maker(Model):
        table_name = "nr_makers"
        items = has_many("Item")
        tags = has_many("Tag", through="items")

    class Item(Model):
        table_name = "nr_items"
        maker = belongs_to("Maker")
        tags = has_and_belongs_to_many("Tag", join_table="nr_items_tags")

    class Tag(Model):
        table_name = "nr_tags"

    acme = Maker.create(name="Acme")
    for name, qty, price in (("bolt", 3, "0.25"), ("nut", 5, "0.10")):
        Item.create(name=name, qty=qty, price=Decimal(price), made=dt.date(2024, 1, qty),
                    maker=acme)
    Item.first().tags.add(Tag.create(name="steel"))
    return Maker, Item, Tag


def test_loading_and_finders_send_nothing(shop):
    _, Item, _ = shop
    rel = Item.none()
    assert "1=0" in rel.to_sql()
    with assert_queries(0):
        assert rel.to_list() == [] and list(rel) == [] and len(rel) == 0 and not rel
        assert Item.none().first() is None and Item.none().last() is None
        assert Item.none().take() is None and Item.none().first(3) == []
        assert Item.none().find_by(name="bolt") is None
        assert Item.none().where(name="bolt").order("name").limit(5).to_list() == []
        assert list(Item.none().find_each()) == []
        with pytest.raises(IndexError):
            Item.none()[0]
        with pytest.raises(RecordNotFound):
            Item.none().find(1)
        with pytest.raises(RecordNotFound):
            Item.none().sole()


def test_calculations_send_nothing(shop):
    _, Item, _ = shop
    empty = Item.where(name="nothing")  # the normal path's answers for no rows
    expected = {"sum_qty": empty.sum("qty"), "sum_price": empty.sum("price")}
    assert expected == {"sum_qty": 0, "sum_price": Decimal("0")}
    assert type(expected["sum_price"]) is Decimal
    with assert_queries(0):
        rel = Item.where(qty=3).none()
        assert rel.count() == 0 and rel.count("qty", distinct=True) == 0
        assert rel.exists() is False and rel.exists(1) is False
        assert rel.exists(name="bolt") is False
        assert rel.pluck("name") == [] and rel.pluck("name", "qty") == [] and rel.ids() == []
        assert rel.pick("name") is None
        assert rel.sum("qty") == 0 and type(rel.sum("qty")) is int
        price = rel.sum("price")
        assert price == Decimal("0") and type(price) is Decimal
        assert rel.average("qty") is None and rel.minimum("made") is None
        assert rel.maximum("price") is None
        assert rel.group("name").count() == {} and rel.group("name").sum("qty") == {}
        assert rel.group("name").maximum("qty") == {}


def test_bulk_writes_send_nothing_and_change_nothing(shop):
    _, Item, _ = shop
    with assert_queries(0):
        assert Item.none().update_all(qty=0) == 0
        assert Item.where(name="bolt").none().delete_all() == 0
    assert sorted(Item.pluck("qty")) == [3, 5]


def test_chaining_keeps_it_empty(shop):
    Maker, Item, _ = shop
    with assert_queries(0):
        assert Item.none().where(qty=3).to_list() == []
        assert Item.none().rewhere(name="bolt").count() == 0
        assert Item.none().unscope("where").to_list() == []  # still none(), as Rails
        assert Item.none().none().count() == 0
        assert Item.none().includes("maker").to_list() == []
        assert Item.none().eager_load("maker").count() == 0
        assert Item.none().preload("tags").pluck("name") == []
        assert Item.none().joins("maker").exists() is False
    assert "1=0" in Item.none().unscope("where").to_sql()
    assert Item.none().unscoped().count() == 2  # a fresh relation


def test_or_with_none(shop):
    _, Item, _ = shop
    bolts = Item.where(name="bolt")
    assert [i.name for i in Item.none().or_(bolts)] == ["bolt"]  # Rails: none.or(x) == x
    assert [i.name for i in bolts.or_(Item.none())] == ["bolt"]
    assert Item.none().or_(Item.none()).to_list() == []
    with assert_queries(0):
        Item.none().or_(Item.none()).to_list()
    with pytest.raises(TypeError):
        Item.none().or_(shop[0].all())
    # as a subquery the condition is sent: no row matches
    assert Item.where(id=Item.none()).to_list() == []


def test_bad_names_still_raise(shop):
    _, Item, _ = shop
    with assert_queries(0):
        with pytest.raises(UnknownAttributeError):
            Item.none().pluck("nope")
        with pytest.raises(UnknownAttributeError):
            Item.none().sum("nope")
        with pytest.raises(UnknownAttributeError):
            Item.none().update_all(nope=1)
        with pytest.raises(UnknownAttributeError):
            Item.none().where(nope=1)
        with pytest.raises(ValueError):
            Item.none().calculate("median", "qty")
        with pytest.raises(ValueError):
            Item.none().group("name").update_all(qty=1)


def test_collections_of_an_unsaved_owner_send_nothing(shop):
    Maker, Item, _ = shop
    maker, item = Maker(name="new"), Item(name="new")
    with assert_queries(0):
        for collection in (maker.items, maker.tags, item.tags):
            assert collection.to_list() == [] and collection.count() == 0
            assert collection.size() == 0 and collection.exists() is False
            assert collection.pluck("id") == [] and collection.ids() == []
            assert collection.where(name="x").first() is None
        built = maker.items.build(name="kept")
        assert maker.items.to_list() == [built]  # what is built, without a query
