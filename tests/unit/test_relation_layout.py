"""One owner per rule (docs/architecture.md), pinned by behaviour on an in-memory SQLite
database:

* ``ModelSchema.column`` is the one check of a column name: every entry point that
  takes a name (conditions, order, select, group, calculations, pluck, unscope,
  bulk writes, bulk inserts, batch cursors, ``Model.c``, joined ``"table.col"``)
  raises its UnknownAttributeError, naming the model and listing its columns, before
  any SQL;
* ``ModelSchema.loaders_for`` builds every row-loading plan: records, ``select``,
  ``pluck``, INSERT ... RETURNING, ``insert_all(returning=)``;
* ``SchemaMixin._read_fresh`` owns the stale-schema retry of ``Model.find`` and of
  loading a relation: once outside a transaction, never inside one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import Model, UnknownAttributeError
from activerecord.connection.database import Database
from activerecord.errors import ColumnNotFound
from activerecord.model.schema import ModelSchema
from activerecord.testing import capture_sql


class Writer(Model):
    table_name = "writers"


class Novel(Model):
    table_name = "novels"


@pytest.fixture
def database():
    db = Database("sqlite:///:memory:", name="unit-relation-layout", pool_size=1)
    db.execute("CREATE TABLE writers (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
               "born DATE, joined DATE DEFAULT '2001-02-03')")
    db.execute("CREATE TABLE novels (id INTEGER PRIMARY KEY, title VARCHAR(80), "
               "writer_id INTEGER REFERENCES writers(id), published DATE)")
    db.execute("INSERT INTO writers (id, name, born) VALUES (1, 'Ann', '1950-01-02'), "
               "(2, 'Bo', NULL)")
    db.execute("INSERT INTO novels VALUES (1, 'First', 1, '1980-05-06')")
    for model in (Writer, Novel):
        model.database = db
    yield db
    for model in (Writer, Novel):
        model.reset_column_information()
        model.database = None
    db.close()


def _known(model: type, name: str = "nope") -> str:
    with pytest.raises(UnknownAttributeError) as info:
        model._load_schema().column(model, name)
    return str(info.value)


ENTRY_POINTS = {
    "where": lambda: Writer.where(nope=1),
    "where_not": lambda: Writer.where_not(nope=1),
    "rewhere": lambda: Writer.where(name="x").rewhere(nope=1),
    "find_by": lambda: Writer.find_by(nope=1),
    "exists": lambda: Writer.exists(nope=1),
    "order": lambda: Writer.order("nope"),
    "order desc": lambda: Writer.order("nope DESC"),
    "order keyword": lambda: Writer.order(nope="desc"),
    "reorder": lambda: Writer.order("name").reorder("-nope"),
    "select": lambda: Writer.select("nope"),
    "reselect": lambda: Writer.select("name").reselect("nope"),
    "group": lambda: Writer.group("nope"),
    "count": lambda: Writer.count("nope"),
    "sum": lambda: Writer.sum("nope"),
    "maximum": lambda: Writer.maximum("nope"),
    "pluck": lambda: Writer.pluck("nope"),
    "pick": lambda: Writer.pick("name", "nope"),
    "unscope(where=)": lambda: Writer.where(name="x").unscope(where="nope"),
    "update_all": lambda: Writer.update_all(nope=1),
    "insert_all": lambda: Writer.insert_all([{"name": "x", "nope": 1}]),
    "upsert_all": lambda: Writer.upsert_all([{"id": 1, "nope": 1}]),
    "insert_all(returning=)": lambda: Writer.insert_all([{"name": "x"}], returning="nope"),
    "find_each(cursor=)": lambda: next(Writer.find_each(cursor="nope")),
    "find_in_batches(cursor=)": lambda: next(Writer.find_in_batches(cursor=("id", "nope"))),
    "in_batches(cursor=)": lambda: Writer.in_batches(cursor="nope"),
    "Model.c": lambda: Writer.c.nope,
    "Model.c[]": lambda: Writer.c["nope"],
    "own table.col": lambda: Writer.order("writers.nope"),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_unknown_column_is_refused_by_column_from_every_entry_point(database, entry):
    expected = _known(Writer)
    assert "known columns: born, id, joined, name" in expected
    with capture_sql() as sent:
        with pytest.raises(UnknownAttributeError) as info:
            ENTRY_POINTS[entry]()
    assert str(info.value) == expected
    assert sent == []  # before any SQL


@pytest.mark.parametrize("call", [
    lambda: Writer.joins(Novel).order("novels.nope"),
    lambda: Writer.joins(Novel).select("novels.nope"),
    lambda: Writer.joins(Novel).pluck("novels.nope"),
    lambda: Writer.joins(Novel).group("novels.nope"),
])
def test_a_joined_models_unknown_column_lists_that_models_columns(database, call):
    expected = _known(Novel)
    assert "for Novel; known columns: id, published, title, writer_id" in expected
    with capture_sql() as sent, pytest.raises(UnknownAttributeError) as info:
        call()
    assert str(info.value) == expected and sent == []


def test_column_returns_the_node_and_type_of_a_known_column(database):
    schema = Writer._load_schema()
    col, typ = schema.column(Writer, "born")
    assert (col.name, col.table) == ("born", "writers")
    assert typ is schema.types["born"]
    assert Writer.c.born.name == "born"


# -- loaders_for ------------------------------------------------------------------------
def test_the_record_loader_is_loaders_for_of_every_column(database):
    schema = Writer._load_schema()
    assert schema.loaders == schema.loaders_for(schema.names)
    assert [name for _i, name, _f in schema.loaders] == ["born", "joined"]  # dates only
    plan = schema.loaders_for(("name", "x", "y"), [schema.types["name"], None,
                                                   schema.types["born"]])
    assert [(i, name) for i, name, _f in plan] == [(2, "y")]
    assert schema.load_values(plan, ("a", "b", "1999-12-31")) == ("a", "b",
                                                                  dt.date(1999, 12, 31))
    assert schema.load_values(plan, ("a", "b", None)) == ("a", "b", None)


@pytest.fixture
def plans(monkeypatch):
    """The columns of each plan ``ModelSchema.loaders_for`` builds (the real method runs;
    this only records what it was asked)."""
    asked: list[tuple] = []
    real = ModelSchema.loaders_for

    def recording(self, columns, types=None):
        asked.append(tuple(columns))
        return real(self, columns, types)

    monkeypatch.setattr(ModelSchema, "loaders_for", recording)
    return asked


def test_every_row_reader_loads_through_loaders_for(database, plans):
    born, published = dt.date(1950, 1, 2), dt.date(1980, 5, 6)
    Writer._load_schema(), Novel._load_schema()
    assert plans == [("id", "name", "born", "joined"),  # the records' plan
                     ("id", "title", "writer_id", "published")]

    def reads(call, *expected_plans):
        plans.clear()
        result = call()
        assert plans == list(expected_plans)
        return result

    assert reads(lambda: Writer.order("id").pluck("born"), ("c0",)) == [born, None]
    assert reads(lambda: Writer.order("id").pluck("name", "born"), ("c0", "c1")) \
        == [("Ann", born), ("Bo", None)]
    assert [w.born for w in reads(lambda: Writer.select("id", "born").order("id").to_list(),
                                  ("id", "born"))] == [born, None]
    joined = reads(lambda: Writer.joins(Novel).select("name", "novels.published").take(),
                   ("name", "published"))
    assert joined.published == published  # loaded by the joined model's column type
    assert reads(lambda: Writer.joins(Novel).pluck("novels.published"), ("c0",)) \
        == [published]
    assert reads(lambda: Writer.insert_all([{"name": "Cy", "born": dt.date(2000, 1, 1)}],
                                           returning=("name", "born")),
                 ("name", "born")) == [("Cy", dt.date(2000, 1, 1))]
    created = reads(lambda: Writer.create(name="Di"), ("id", "born", "joined"))
    assert created.joined == dt.date(2001, 2, 3)  # RETURNING: the default, as a date
    assert reads(lambda: Writer.find(created.id)).joined == dt.date(2001, 2, 3)  # cached


# -- _read_fresh ------------------------------------------------------------------------
def test_stale_schema_is_refreshed_once_outside_a_transaction_only(database):
    assert Writer.find(1).name == "Ann"  # the schema is cached, with "joined"
    database.execute("ALTER TABLE writers DROP COLUMN joined")
    with database.transaction():
        with pytest.raises(ColumnNotFound):
            Writer.find(1)  # inside a transaction: never retried
        with pytest.raises(ColumnNotFound):
            Writer.where(name="Ann").to_list()
    assert Writer.find(1).name == "Ann"  # refreshed once, then found
    assert "joined" not in Writer.column_names
    database.execute("ALTER TABLE writers DROP COLUMN born")
    assert [w.name for w in Writer.order("id")] == ["Ann", "Bo"]
    assert Writer.column_names == ["id", "name"]
