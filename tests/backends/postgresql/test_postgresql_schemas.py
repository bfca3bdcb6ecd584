"""PostgreSQL schemas: ``table_name = "schema.table"`` and ``schema = "x"`` on a model.

A schema of its own per test (mixed case, so quoting matters) holds ``items``,
``customers`` and ``orders``; a table of the same bare name as ``items`` lives in the
search path (``current_schema()``) with other columns and other rows, so any confusion
between the two shows. Introspection, reads, writes, joins and the schema cache are
checked; everything is dropped after the test (``DROP SCHEMA ... CASCADE``).
"""

from __future__ import annotations

import uuid

import pytest

from activerecord import ConfigurationError, Model, TableNotFound


@pytest.fixture
def shop(pg):
    """``(schema, items)``: a fresh schema and the bare name shared by its ``items``
    table and one in the search path."""
    schema = f"Ar_Shop_{uuid.uuid4().hex[:8]}"
    items = f"items_{uuid.uuid4().hex[:8]}"
    q = pg.dialect.quote_name
    s = q(schema)
    for sql in (
        f"CREATE SCHEMA {s}",
        f"CREATE TABLE {s}.{q(items)} (id serial PRIMARY KEY, name text NOT NULL, "
        "qty integer DEFAULT 0)",
        f"CREATE TABLE {q(items)} (id serial PRIMARY KEY, label text)",
        f"CREATE TABLE {s}.customers (id serial PRIMARY KEY, name text)",
        f"CREATE TABLE {s}.orders (id serial PRIMARY KEY, "
        f"customer_id integer REFERENCES {s}.customers (id), total integer)",
        f"INSERT INTO {s}.{q(items)} (name, qty) VALUES ('apple', 3), ('pear', 5)",
        f"INSERT INTO {q(items)} (label) VALUES ('public one'), ('public two'), "
        "('public three')",
    ):
        pg.execute(sql)
    yield schema, items
    pg.execute(f"DROP SCHEMA {s} CASCADE")
    pg.execute(f"DROP TABLE {q(items)}")
    pg.schema_cache.clear()


@pytest.fixture
def models(pg, shop):
    """Models on ``pg``: ``Item`` (qualified name), ``SchemaItem`` (``schema =``),
    ``PublicItem`` (the search-path table), ``Customer`` and ``Order``."""
    schema, items = shop

    class Base(Model):
        abstract = True
        database = pg

    class Item(Base):
        table_name = f"{schema}.{items}"

    class SchemaItem(Base):
        table_name = items
    SchemaItem.schema = schema

    class PublicItem(Base):
        table_name = items

    class Customer(Base):
        table_name = f"{schema}.customers"

    class Order(Base):
        table_name = "orders"
    Order.schema = schema

    return Item, SchemaItem, PublicItem, Customer, Order


def rows(pg, table: str, schema: str | None = None) -> list[tuple]:
    q = pg.dialect.quote_name
    name = f"{q(schema)}.{q(table)}" if schema else q(table)
    return [tuple(r) for r in pg.execute(f"SELECT * FROM {name} ORDER BY id").rows]


def test_introspection_reads_the_schema_table_not_the_search_path_one(models):
    Item, SchemaItem, PublicItem, Customer, Order = models
    assert Item.column_names == ["id", "name", "qty"]
    assert SchemaItem.column_names == ["id", "name", "qty"]
    assert PublicItem.column_names == ["id", "label"]
    assert Item.primary_key == "id" and Item.columns["qty"].default == 0
    fk = Order._load_schema().info.foreign_keys[0]
    assert fk.columns == ("customer_id",) and fk.referred_columns == ("id",)


@pytest.mark.parametrize("which", [0, 1])  # Item ("schema.table"), SchemaItem (schema =)
def test_reads(models, which):
    Item = models[which]
    assert Item.count() == 2
    assert Item.find(1).name == "apple"
    assert Item.find_by(name="pear").qty == 5
    assert Item.where(Item.c.qty > 3).pluck("name") == ["pear"]
    assert Item.order("-qty").first().name == "pear"
    assert Item.where(name="apple").exists()
    assert models[2].count() == 3  # the search-path table of the same name


@pytest.mark.parametrize("which", [0, 1])
def test_writes_touch_only_the_schema_table(pg, shop, models, which):
    schema, items = shop
    Item, PublicItem = models[which], models[2]
    public_before = rows(pg, items)
    made = Item.create(name="plum")
    assert made.id == 3 and made.qty == 0
    made.update(qty=7)
    assert Item.find(3).qty == 7
    Item.insert_all([{"name": "fig", "qty": 1}, {"name": "kiwi", "qty": 2}])
    Item.upsert_all([{"id": 2, "name": "pear", "qty": 6}])  # ON CONFLICT on the schema's key
    assert Item.find(2).qty == 6
    assert Item.where(name=["fig", "kiwi"]).update_all(qty=9) == 2
    assert Item.where(name="kiwi").delete_all() == 1
    made.destroy()
    assert Item.delete(1) == 1
    assert [(r[1], r[2]) for r in rows(pg, items, schema)] == [("pear", 6), ("fig", 9)]
    assert rows(pg, items) == public_before and PublicItem.count() == 3


def test_joins_between_tables_of_a_schema(pg, models):
    Item, _, _, Customer, Order = models
    ann = Customer.create(name="ann")
    bob = Customer.create(name="bob")
    Order.create(customer_id=ann.id, total=10)
    Order.create(customer_id=ann.id, total=20)
    Order.create(customer_id=bob.id, total=5)
    assert Order.joins(Customer).where(Customer.c.name == "ann").count() == 2
    assert Customer.joins(Order).where(Order.c.total > 6).pluck("name") == ["ann", "ann"]
    sql = Order.joins(Customer).to_sql()
    assert f'"{Order._load_schema().schema_name}"."customers"' in sql


def test_schema_cache_is_keyed_and_cleared_per_qualified_name(pg, shop, models):
    schema, items = shop
    Item, SchemaItem, PublicItem = models[:3]
    Item.count(), PublicItem.count()
    cached = pg.schema_cache.tables()
    assert f"{schema}.{items}" in cached and items in cached
    q = pg.dialect.quote_name
    pg.execute(f"ALTER TABLE {q(schema)}.{q(items)} ADD COLUMN note text")
    Item.reset_column_information()
    assert f"{schema}.{items}" not in pg.schema_cache.tables()
    assert items in pg.schema_cache.tables()  # the search-path table stays cached
    assert Item.column_names == ["id", "name", "qty", "note"]
    assert PublicItem.column_names == ["id", "label"]
    SchemaItem.reset_column_information()
    assert SchemaItem.create(name="noted", note="n").note == "n"


def test_missing_schema_or_table_raises_table_not_found(pg, shop):
    schema, items = shop

    class NoTable(Model):
        table_name = f"{schema}.nope"
        database = pg

    class NoSchema(Model):
        table_name = f"no_such_schema.{items}"
        database = pg

    with pytest.raises(TableNotFound, match=f"'{schema}.nope'"):
        NoTable.count()
    with pytest.raises(TableNotFound, match="no_such_schema"):
        NoSchema.count()


@pytest.mark.parametrize("name, schema", [("shop.", None), (".items", None),
                                          ("items", "a.b"), ("items", "")])
def test_malformed_qualified_names_fail_before_any_sql(pg, name, schema):
    class Bad(Model):
        table_name = name
        database = pg
    if schema is not None:
        Bad.schema = schema
    with pytest.raises(ConfigurationError, match="schema|table name"):
        Bad.count()
