"""Record-level defects, on every database: tables without a primary key, records
loaded without their key, assigning the key, JSON changed in place, columns whose
names the model API uses, copies/dup/pickle of records, generated columns."""

from __future__ import annotations

import copy
import pickle

import pytest

from activerecord import (
    MissingAttributeError,
    Model,
    ReadOnlyAttributeError,
    UnknownAttributeError,
    UnknownPrimaryKey,
)
from activerecord.testing import capture_sql


class LogEntry(Model):
    table_name = "rd_log"


class Artist(Model):
    table_name = "rd_artists"


class Member(Model):
    table_name = "rd_members"


class Doc(Model):
    table_name = "rd_docs"


class Clash(Model):
    table_name = "rd_clashes"


class Item(Model):
    table_name = "rd_items"


@pytest.fixture
def tables(make_table):
    make_table("rd_log", level="string(10)", message="string(100)")
    make_table("rd_artists", ArtistId="pk", Name="string(120) NOT NULL", rating="int",
               created_at="datetime", updated_at="datetime")
    make_table("rd_members", "PRIMARY KEY (group_id, person_id)", group_id="int NOT NULL",
               person_id="int NOT NULL", role="string(40)")
    make_table("rd_docs", id="pk", title="string(40)", data="json")


def _rows(db, sql):
    return sorted(tuple(r) for r in db.execute(sql).rows)


# -- 1. a table without a primary key ------------------------------------------------
def test_keyless_table_refuses_writes_and_reloads_of_loaded_records(tables, db):
    LogEntry.create(level="info", message="a")  # INSERT needs no key (as Rails)
    new = LogEntry(level="warn", message="b")
    assert new.save() and new.persisted and new.id is None
    rec = LogEntry.where(message="a").take()
    rec.message = "changed"
    actions = {"save": rec.save, "destroy": rec.destroy, "delete": rec.delete,
               "reload": rec.reload, "update": lambda: rec.update(level="x")}
    with capture_sql() as sql:
        for action, call in actions.items():
            with pytest.raises(UnknownPrimaryKey) as exc:
                call()
            assert "rd_log" in str(exc.value) and "LogEntry" in str(exc.value), action
            assert exc.value.table == "rd_log" and exc.value.model is LogEntry
    assert sql == []
    assert _rows(db, "SELECT level, message FROM rd_log") == [("info", "a"), ("warn", "b")]
    assert not rec.destroyed
    # reads keep working, and key-less records are not all equal to each other
    loaded = LogEntry.order("message").to_list()
    assert [r.message for r in loaded] == ["a", "b"] and LogEntry.count() == 2
    assert loaded[0] != loaded[1] and len({loaded[0], loaded[1]}) == 2


def test_keyless_record_without_changes_saves_nothing_and_new_ones_destroy_quietly(tables):
    LogEntry.create(level="info", message="a")
    rec = LogEntry.take()
    with capture_sql() as sql:
        assert rec.save() is True  # nothing to write: no statement (Rails' no-op save)
    assert sql == []
    with capture_sql() as sql:
        assert LogEntry(level="x").destroy().destroyed  # never saved: nothing to delete
    assert not [s for s in sql if "DELETE" in s.upper()] and LogEntry.count() == 1


# -- 15. a record loaded without its key --------------------------------------------
def test_record_loaded_without_its_key_names_the_key_before_any_sql(tables, db):
    Artist.create(Name="Blur")
    Member.create(group_id=1, person_id=2, role="bass")
    rec = Artist.select("Name").first()
    rec.Name = "Oasis"
    member = Member.select("role").first()
    member.role = "drums"
    with capture_sql() as sql:
        for record, key in ((rec, "ArtistId"), (member, "group_id, person_id")):
            for call in (record.save, record.destroy, record.delete, record.reload):
                with pytest.raises(MissingAttributeError) as exc:
                    call()
                assert key in str(exc.value) and type(record).__name__ in str(exc.value)
    assert sql == []
    assert _rows(db, _select(db, "rd_artists", "Name")) == [("Blur",)]
    assert _rows(db, "SELECT role FROM rd_members") == [("bass",)]


def _select(db, table, *columns):
    q = db.dialect.quote_name
    return f"SELECT {', '.join(q(c) for c in columns)} FROM {q(table)}"


# -- 17. assigning the primary key --------------------------------------------------
def test_id_is_assignable_when_the_key_column_has_another_name(tables, db):
    keep = Artist.create(Name="Keep")
    rec = Artist(Name="Suede")
    rec.id = 4242
    assert rec["ArtistId"] == 4242 and set(rec.changed) == {"Name", "ArtistId"}
    rec.save()
    assert Artist.find(4242).Name == "Suede"
    rec.id = 4343  # a persisted record: the row where the old key matched moves
    rec.save()
    assert Artist.find_by(ArtistId=4242) is None and Artist.find(4343).Name == "Suede"
    assert Artist.find(keep.id).Name == "Keep" and Artist.count() == 2


def test_id_is_assignable_when_the_key_column_is_id(tables):
    doc = Doc(title="t")
    doc.id = 77
    doc.save()
    assert Doc.find(77).title == "t"
    doc.id = 78
    doc.save()
    assert Doc.find_by(id=77) is None and Doc.find(78).title == "t"


def test_id_of_a_composite_key_takes_a_tuple(tables):
    m = Member(role="vocals")
    m.id = (1, 2)
    m.save()
    other = Member.create(group_id=1, person_id=3, role="keys")
    m.id = (5, 6)
    m.save()
    assert Member.find((5, 6)).role == "vocals" and Member.find_by(group_id=1, person_id=2) \
        is None
    assert Member.find((1, 3)) == other
    with pytest.raises(ValueError, match="composite primary key"):
        m.id = 7
    with pytest.raises(ValueError, match="2 values"):
        m.id = (1, 2, 3)


# -- 3. JSON values changed in place ------------------------------------------------
def test_json_changed_in_place_is_a_change_that_save_writes(tables):
    made = Doc.create(title="a", data={"k": 1, "items": [1]})
    doc = Doc.find(made.id)
    doc.data["k"] = 2
    assert doc.changed == ["data"] and doc.has_changes and doc.attribute_changed("data")
    assert doc.changes == {"data": ({"k": 1, "items": [1]}, {"k": 2, "items": [1]})}
    assert doc.changed_attributes == {"data": {"k": 1, "items": [1]}}
    assert doc.save()
    assert Doc.find(doc.id).data == {"k": 2, "items": [1]} and not doc.has_changes
    doc.data["items"].append(2)  # still tracked after the save
    doc.save()
    assert Doc.find(doc.id).data == {"k": 2, "items": [1, 2]}
    doc.data["k"] = 99
    doc.restore_attributes()
    assert doc.data == {"k": 2, "items": [1, 2]} and not doc.has_changes


def test_reassigning_the_same_mutated_json_object_counts(tables):
    doc = Doc.find(Doc.create(data={"k": 1}).id)
    value = doc.data
    value["k"] = 5
    doc.data = value
    assert doc.changed == ["data"]
    doc.save()
    assert Doc.find(doc.id).data == {"k": 5}
    held = doc["data"]  # read_attribute and to_dict hand the value out too
    held["via"] = "item"
    doc.to_dict()["data"]["also"] = "dict"
    assert doc.changed == ["data"]
    doc.save()
    assert Doc.find(doc.id).data == {"k": 5, "via": "item", "also": "dict"}


def test_json_given_to_create_and_changed_afterwards_is_saved(tables):
    given = {"a": [1]}
    doc = Doc.create(data=given)
    given["a"].append(2)
    assert doc.changed == ["data"]
    doc.save()
    assert Doc.find(doc.id).data == {"a": [1, 2]}
    fresh = Doc(title="n")  # a new record: an in-place change of its value is sent too
    fresh.data = []
    fresh.data.append({"x": 1})
    fresh.save()
    assert Doc.find(fresh.id).data == [{"x": 1}]


def test_json_true_is_not_one(tables):
    doc = Doc.find(Doc.create(data={"flag": 1}).id)
    doc.data["flag"] = True
    assert doc.changed == ["data"]
    doc.save()
    assert Doc.find(doc.id).data == {"flag": True}


# -- 10. columns named like the model API -------------------------------------------
CLASH_COLUMNS = ("c", "columns", "column_names", "save", "errors", "update",
                 "table_name", "reload", "changes", "primary_key", "dup", "_attrs", "cls")


@pytest.fixture
def clashes(make_table):
    make_table("rd_clashes", id="pk", **{name: "string(20)" for name in CLASH_COLUMNS})


def test_columns_named_like_the_api_are_all_reachable(clashes, db):
    assert Clash.column_names == ["id", *CLASH_COLUMNS]
    assert set(Clash.columns) == {"id", *CLASH_COLUMNS}
    assert Clash.table_name == "rd_clashes" and Clash.primary_key == "id"
    assert Clash.c.c.name == "c" and Clash.c["columns"].name == "columns"
    rec = Clash.create(**{name: f"{name}-1" for name in CLASH_COLUMNS})
    back = Clash.find(rec.id)
    for name in CLASH_COLUMNS:
        assert back[name] == f"{name}-1" and back.read_attribute(name) == f"{name}-1"
    assert Clash.where(save="save-1", c="c-1", table_name="table_name-1").count() == 1
    assert Clash.find_by(update="update-1", _attrs="_attrs-1", cls="cls-1") == back
    assert Clash.where(cls="cls-1").count() == 1 and Clash(cls="x")["cls"] == "x"
    # names only the class (or its metaclass) uses are attributes of records
    assert (back.c, back.columns, back.column_names) == ("c-1", "columns-1",
                                                         "column_names-1")
    back.c = "c-2"
    back["save"] = "save-2"
    back.write_attribute("update", "update-2")
    assert back.save() is True  # the API keeps working
    assert set(back.changes) == set()
    assert _rows(db, _select(db, "rd_clashes", "c", "save", "update")) == [
        ("c-2", "save-2", "update-2")]
    back.update(reload="reload-2")
    assert back.reload()["reload"] == "reload-2"


def test_assigning_a_column_hidden_by_a_method_says_how_to_write_it(clashes):
    rec = Clash.create(save="s")
    with pytest.raises(AttributeError, match=r"record\['save'\]"):
        rec.save = "other"
    with pytest.raises(AttributeError, match=r"record\['changes'\]"):
        rec.changes = "other"
    assert callable(rec.save) and rec["save"] == "s" and rec.save() is True
    with pytest.raises(UnknownAttributeError):
        rec.no_such_column = 1


# -- 13. copies -------------------------------------------------------------------
def test_copy_has_its_own_attribute_storage(tables):
    doc = Doc.create(title="a", data={"k": 1})
    twin = copy.copy(doc)
    twin.title = "b"
    assert doc.title == "a" and not doc.has_changes and twin.changed == ["title"]
    assert twin.persisted and twin.id == doc.id and twin == doc
    twin.data["k"] = 2  # a shallow copy shares values: both see the in-place change
    assert doc.changed == ["data"] and set(twin.changed) == {"title", "data"}


def test_dup_is_a_new_record_without_key_or_timestamps(tables):
    a = Artist.create(Name="Blur", rating=5)
    doc = Doc.create(title="t", data={"k": [1]})
    twin = a.dup()
    assert twin.new_record and not twin.persisted and twin.id is None
    assert twin.Name == "Blur" and twin.rating == 5
    assert twin.created_at is None and twin.updated_at is None
    twin.save()
    assert twin.id != a.id and Artist.count() == 2 and Artist.find(a.id).Name == "Blur"
    assert twin.created_at is not None
    other = doc.dup()
    other.data["k"].append(2)  # values are copied, not shared
    assert doc.data == {"k": [1]} and not doc.has_changes
    other.save()
    assert Doc.find(other.id).data == {"k": [1, 2]} and Doc.find(doc.id).data == {"k": [1]}


def test_deepcopy_and_pickle_round_trip_keep_the_state(tables):
    doc = Doc.create(title="t", data={"k": [1]})
    doc.title = "pending"
    for twin in (copy.deepcopy(doc), pickle.loads(pickle.dumps(doc))):
        assert twin.to_dict() == doc.to_dict() and twin.persisted and twin == doc
        assert twin.changes == {"title": ("t", "pending")}
        twin.data["k"].append(2)
        assert doc.data == {"k": [1]}
        assert set(twin.changed) == {"title", "data"}
    fresh = pickle.loads(pickle.dumps(Doc(title="new")))
    assert fresh.new_record and fresh.changed == ["title"]
    fresh.save()
    assert Doc.find(fresh.id).title == "new"
    restored = pickle.loads(pickle.dumps(doc))
    restored.save()
    assert Doc.find(doc.id).title == "pending"


# -- 6. generated columns ---------------------------------------------------------
_GENERATED = {
    "sqlite": ("INTEGER GENERATED ALWAYS AS (a * 2) STORED",
               "INTEGER GENERATED ALWAYS AS (a * 3) VIRTUAL"),
    "postgresql": ("INTEGER GENERATED ALWAYS AS (a * 2) STORED",
                   "INTEGER GENERATED ALWAYS AS (a * 3) STORED"),
    "mysql": ("INT AS (a * 2) PERSISTENT", "INT AS (a * 3) VIRTUAL"),
}


@pytest.fixture
def items(db, make_table):
    doubled, tripled = _GENERATED[db.adapter.name]
    make_table("rd_items", id="pk", a="int NOT NULL", doubled=doubled, tripled=tripled,
               note="string(20)")


def test_generated_columns_are_read_back_and_never_written(items, db):
    with capture_sql() as sql:
        item = Item.create(a=2)
    assert (item.doubled, item.tripled) == (4, 6)
    assert not any("doubled" in s or "tripled" in s for s in sql if "INSERT" in s.upper()
                   and "RETURNING" not in s.upper())
    inserts = [s for s in sql if s.upper().startswith("INSERT")]
    assert inserts and all("doubled" not in s.split("RETURNING")[0] for s in inserts)
    item.a = 5
    with capture_sql() as sql:
        item.save()
    updates = [s for s in sql if s.upper().startswith("UPDATE")]
    assert updates and all("doubled" not in s and "tripled" not in s for s in updates)
    assert (item.doubled, item.tripled) == (10, 15) and not item.has_changes
    item.note = "x"  # an update of another column keeps them right
    item.save()
    assert Item.find(item.id).doubled == 10


def test_assigning_a_generated_column_raises_before_any_sql(items, db):
    item = Item.create(a=1)
    attempts = {
        "attribute": lambda: setattr(item, "doubled", 9),
        "write_attribute": lambda: item.write_attribute("doubled", 9),
        "item": lambda: item.__setitem__("tripled", 9),
        "update": lambda: item.update(a=3, doubled=9),
        "create": lambda: Item.create(a=1, doubled=9),
        "new": lambda: Item(a=1, tripled=9),
        "relation new": lambda: Item.all().new(a=1, doubled=9),
        "assign": lambda: item.assign_attributes(doubled=9),
        "insert_all": lambda: Item.insert_all([{"a": 1, "doubled": 9}]),
        "upsert_all": lambda: Item.upsert_all([{"id": item.id, "a": 1}],
                                              update_only=["tripled"]),
        "update_all": lambda: Item.where(id=item.id).update_all(tripled=9),
    }
    with capture_sql() as sql:
        for how, attempt in attempts.items():
            with pytest.raises(ReadOnlyAttributeError) as exc:
                attempt()
            assert "Item" in str(exc.value) and exc.value.name in ("doubled", "tripled"), how
            assert exc.value.name in str(exc.value)
    assert sql == []
    assert Item.find(item.id).doubled == 2 and Item.count() == 1
    assert Item._load_schema().generated == frozenset({"doubled", "tripled"})
    assert "doubled" not in Item._load_schema().writable
