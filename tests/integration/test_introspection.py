"""Introspection of a schema made here, identical in shape on every database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activerecord import Model


@pytest.fixture
def schema(make_table):
    make_table("owners", id="pk", email="string(80) NOT NULL UNIQUE")
    make_table(
        "things", "UNIQUE (owner_id, code)",
        id="pk", owner_id="int NOT NULL REFERENCES owners(id) ON DELETE CASCADE",
        code="string(12) NOT NULL", label="string(50) DEFAULT 'it''s'",
        qty="int NOT NULL DEFAULT 0", price="decimal(8,3) DEFAULT 1.5",
        ratio="float", active="bool", born="date", seen="datetime", doc="json",
        data="binary", notes="text")


EXPECTED = [
    # name, neutral type, nullable, default
    ("id", "integer", False, None), ("owner_id", "integer", False, None),
    ("code", "string", False, None), ("label", "string", True, "it's"),
    ("qty", "integer", False, 0), ("price", "decimal", True, Decimal("1.5")),
    ("ratio", "float", True, None), ("active", "boolean", True, None),
    ("born", "date", True, None), ("seen", "datetime", True, None),
    ("doc", "json", True, None), ("data", "binary", True, None),
    ("notes", "string", True, None),
]


def test_columns_types_nullability_and_defaults(db, schema):
    info = db.table_info("things")
    got = [(c.name, c.type, c.nullable, c.default) for c in info.columns]
    assert got == EXPECTED
    cols = {c.name: c for c in info.columns}
    assert cols["id"].primary_key and cols["id"].auto_increment
    assert not cols["code"].primary_key
    assert cols["code"].length == 12
    assert (cols["price"].precision, cols["price"].scale) == (8, 3)


def test_keys_and_indexes(db, schema):
    info = db.table_info("things")
    assert info.primary_key == ("id",)
    (fk,) = info.foreign_keys
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (
        ("owner_id",), "owners", ("id",))
    assert fk.on_delete == "CASCADE"
    unique = {ix.columns for ix in info.indexes if ix.unique}
    assert ("owner_id", "code") in unique
    owners = db.table_info("owners")
    assert ("email",) in {ix.columns for ix in owners.indexes if ix.unique}


def test_model_sees_the_schema_and_defaults(db, schema):
    class Thing(Model):
        table_name = "things"

    assert Thing.column_names == [c[0] for c in EXPECTED]
    assert Thing.columns["price"].python_type is Decimal
    thing = Thing(code="x")
    assert (thing.label, thing.qty, thing.price) == ("it's", 0, Decimal("1.5"))


def test_table_names_lists_user_tables(db, schema):
    names = db.table_names()
    assert "things" in names and "owners" in names


def test_missing_table_info_is_none(db):
    assert db.table_info("never_created_table") is None


def test_reset_column_information_sees_a_new_column(db, schema):
    class Owner(Model):
        table_name = "owners"

    assert "nickname" not in Owner.column_names
    db.execute("ALTER TABLE owners ADD COLUMN nickname VARCHAR(20)")
    assert "nickname" not in Owner.column_names  # cached until told
    Owner.reset_column_information()
    assert "nickname" in Owner.column_names
    owner = Owner.create(email="a@b", nickname="ab")
    assert Owner.find(owner.id).nickname == "ab"


def test_reads_survive_a_dropped_column_by_refreshing_the_schema(db, make_table):
    make_table("gizmos", id="pk", name="string(20)", legacy="int")

    class Gizmo(Model):
        table_name = "gizmos"

    gizmo = Gizmo.create(name="g", legacy=1)
    assert "legacy" in Gizmo.column_names
    db.execute("ALTER TABLE gizmos DROP COLUMN legacy")  # a migration, app still running
    assert Gizmo.find(gizmo.id).name == "g"
    assert "legacy" not in Gizmo.column_names
    db.execute("ALTER TABLE gizmos ADD COLUMN color VARCHAR(10)")
    db.execute("ALTER TABLE gizmos DROP COLUMN name")
    assert [g.id for g in Gizmo.all()] == [gizmo.id]
    assert Gizmo.column_names == ["id", "color"]
