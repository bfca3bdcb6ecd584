"""The schema file and the schema cache file on each database: the same migrations make
equivalent schemas everywhere (introspected and compared as plain data), the schema
file is rewritten after each migrate and rollback, it loads into each of the databases
(dumped from one, loaded into another), loading records the versions and refuses a
database that has tables, and the schema cache file round-trips."""

from __future__ import annotations

import json
import os

import pytest

from activerecord.connection.database import Database
from activerecord.connection.schema_cache import SchemaCache
from activerecord.errors import NotSupportedError, SchemaError
from activerecord.migration import Migrator, schema_dump
from activerecord.sql.ddl import NO_DEFAULT
from tests.conftest import _get, requested_databases
from tests.support.migrations import drop_all, migration, normalized, server_url

RICH = [
    ("create_people", migration('''
        with self.create_table("people") as t:
            t.string("name", limit=80, null=False, default="anon")
            t.text("bio")
            t.integer("age", default=0)
            t.bigint("points", default=2**40)
            t.float("ratio", default=0.5)
            t.decimal("balance", precision=10, scale=2, default=Decimal("0"))
            t.boolean("active", null=False, default=True)
            t.date("born", default=datetime.date(2000, 1, 1))
            t.datetime("seen_at", default=SQLDefault("CURRENT_TIMESTAMP"))
            t.timestamptz("synced_at")
            t.time("wake", default=datetime.time(7, 30))
            t.binary("photo")
            t.json("prefs")
            t.uuid("token")
            t.timestamps()
            t.index("name", unique=True)
            t.check_constraint("age >= 0", name="age_nonneg")''')),
    ("create_teams", migration('''
        with self.create_table("teams", id="uuid") as t:
            t.string("label", limit=40)
            t.check_constraint("label <> ''", name="label_given")
            t.check_constraint("lower(label) <> 'admin'", name="label_not_admin")''')),
    ("create_memberships", migration('''
        with self.create_table("memberships", primary_key=["person_id", "team_id"]) as t:
            t.bigint("person_id")
            t.uuid("team_id")
            t.string("role", default="member")
            t.foreign_key("people", column="person_id", on_delete="cascade")
            t.foreign_key("teams", column="team_id", on_delete="restrict",
                          on_update="cascade")''')),
    ("create_events", migration('''
        with self.create_table("events", id=False) as t:
            t.references("person", foreign_key={"on_delete": "nullify"})
            t.string("kind", null=False)
            t.integer("weight")
            t.check_constraint("kind IN ('click', 'view')", name="kind_known")''')),
    ("alter_people", migration('''
        self.add_column("people", "nick", "string", limit=20)
        self.rename_column("people", "bio", "about")
        self.add_check_constraint("events", "weight > 0 AND weight < 100",
                                  name="weight_range")
        self.change_column_default("people", "age", from_=0, to=18)
        self.add_index("events", ["kind", "weight"], name="events_kind_weight")
        self.add_index("people", ["age", "points"])
        self.add_check_constraint("people", "nick NOT LIKE '% %'", name="nick_one_word")''')),
]
PARTIAL = ("partial_index", migration(
    'self.add_index("events", "kind", where="weight > 10", name="heavy_events")'))


def rich(db) -> list[tuple[str, str]]:
    """The rich migration set; with a partial index where the database has them."""
    return RICH + ([PARTIAL] if db.adapter.name != "mysql" else [])


def key(kind):
    return ("id", "key", kind)


def col(name, kind, opts=(), null=True, default=NO_DEFAULT):
    return (name, kind, tuple(opts), null, default)


EXPECTED = {
    "events": {
        "columns": [col("person_id", "bigint"), col("kind", "string", null=False),
                    col("weight", "integer")],
        "primary_key": (),
        "foreign_keys": [(("person_id",), "people", ("id",), "SET NULL", None)],
        "indexes": [("events_kind_weight", ("kind", "weight"), False, None),
                    ("index_events_on_person_id", ("person_id",), False, None)],
        "checks": [("kind_known", "kindin'click','view'"),
                   ("weight_range", "weight>0andweight<100")]},
    "memberships": {
        "columns": [col("person_id", "bigint", null=False), col("team_id", "uuid", null=False),
                    col("role", "string", default="member")],
        "primary_key": ("person_id", "team_id"),
        "foreign_keys": [(("person_id",), "people", ("id",), "CASCADE", None),
                         (("team_id",), "teams", ("id",), None, "CASCADE")],
        "indexes": [], "checks": []},
    "people": {
        "columns": [
            key("bigint"), col("name", "string", [("limit", 80)], False, "anon"),
            col("about", "text"), col("age", "integer", default=18),
            col("points", "bigint", default=2**40), col("ratio", "float", default=0.5),
            col("balance", "decimal", [("precision", 10), ("scale", 2)],
                default=("decimal", "0.00")),
            col("active", "boolean", null=False, default=True),
            col("born", "date", default="2000-01-01"),
            col("seen_at", "datetime", default=("sql", "current_timestamp")),
            col("synced_at", "timestamptz"), col("wake", "time", default="07:30:00"),
            col("photo", "binary"), col("prefs", "json"), col("token", "uuid"),
            col("created_at", "datetime", null=False),
            col("updated_at", "datetime", null=False),
            col("nick", "string", [("limit", 20)])],
        "primary_key": ("id",), "foreign_keys": [],
        "indexes": [("index_people_on_age_and_points", ("age", "points"), False, None),
                    ("index_people_on_name", ("name",), True, None)],
        "checks": [("age_nonneg", "age>=0"), ("nick_one_word", "nicknotlike'%%'")]},
    "teams": {
        "columns": [key("uuid"), col("label", "string", [("limit", 40)])],
        "primary_key": ("id",), "foreign_keys": [], "indexes": [],
        "checks": [("label_given", "label<>''"), ("label_not_admin", "lowerlabel<>'admin'")]},
}


def expected(db) -> dict:
    """:data:`EXPECTED`, with the partial index where the database has them."""
    if db.adapter.name == "mysql":
        return EXPECTED
    events = EXPECTED["events"]
    partial = ("heavy_events", ("kind",), False, "weight>10")
    return {**EXPECTED, "events": {**events, "indexes": sorted([*events["indexes"], partial])}}


def test_the_same_migrations_make_the_same_schema_everywhere(mig):
    """Compared with one expected schema on each database: the three are equivalent."""
    mig.run(*rich(mig.db))
    assert normalized(mig.db) == expected(mig.db)


# -- the schema file -----------------------------------------------------------------------
def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def test_schema_file_rewritten_after_migrate_and_rollback(mig):
    m = mig.run(*RICH[:2], schema=True)
    text = read(mig.schema_path)
    assert "    version = '20260101000001'\n" in text
    assert "with self.create_table('teams', id='uuid') as t:" in text
    assert "t.check_constraint(\"label <> ''\", name='label_given')" in text
    assert "t.index(['name'], unique=True)" in text
    assert text == schema_dump.dump_text(mig.db)  # deterministic
    mig.add(RICH[2])
    m.migrate()
    text = read(mig.schema_path)
    assert "self.add_foreign_key('memberships', 'people', column='person_id', " \
           "on_delete='cascade')" in text
    m.rollback()
    text = read(mig.schema_path)
    assert "    version = '20260101000001'\n" in text and "memberships" not in text
    m.migrate(to="0")
    assert "    version = ''\n" in read(mig.schema_path)
    assert "        pass\n" in read(mig.schema_path)


def test_schema_file_spells_defaults_one_way(mig):
    mig.run(RICH[0])
    text = schema_dump.dump_text(mig.db)
    for line in ("t.float('ratio', default=0.5)", "t.date('born', default='2000-01-01')",
                 "t.time('wake', default='07:30:00')",
                 "t.decimal('balance', default=Decimal('0.00'), precision=10, scale=2)",
                 "t.datetime('seen_at', default=SQLDefault('CURRENT_TIMESTAMP'))",
                 "t.bigint('points', default=1099511627776)"):
        assert line in text


def test_integer_key_dumped_as_integer(mig):
    mig.run(("counters", migration('self.create_table("counters", id="integer")')))
    text = schema_dump.dump_text(mig.db)
    if mig.db.adapter.name == "sqlite":  # its rowid key is one type: the bigint one
        assert "with self.create_table('counters') as t:" in text
    else:
        assert "with self.create_table('counters', id='integer') as t:" in text


# -- loading ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def targets(request, tmp_path_factory):
    """An empty database of each requested backend (PostgreSQL and MariaDB: a
    ``ar_load_<pid>`` database made for the module), dropped after the module."""
    made = {}
    for name in requested_databases():
        if name == "sqlite":
            path = tmp_path_factory.mktemp("load") / "load.db"
            made[name] = Database(f"sqlite:///{path}")
            continue
        server = _get(request, name)
        database = Database(server_url(server.config.url, f"ar_load_{os.getpid()}"))
        creation = database.adapter.creation_class(database.adapter)
        if creation.exists(database.config):
            creation.drop(database.config)
        creation.create(database.config)
        made[name] = database
    yield made
    for database in made.values():
        database.close()
        if database.adapter.name != "sqlite":
            database.adapter.creation_class(database.adapter).drop(database.config)


def test_dump_loads_into_every_database(mig, targets):
    """Dumped from this database, loaded into each one: the same schema, every
    version recorded (a later migrate has nothing to do); MariaDB refuses, before any
    SQL, the partial index of a schema from SQLite or PostgreSQL."""
    versions = mig.add(*rich(mig.db))
    mig.migrator(schema=True).migrate()
    source = normalized(mig.db)
    for name, target in targets.items():
        drop_all(target)
        if name == "mysql" and mig.db.adapter.name != "mysql":
            with pytest.raises(NotSupportedError, match="'heavy_events'"):
                schema_dump.load(target, mig.schema_path)
            assert target.table_names() == []
            continue
        statements = schema_dump.load(target, mig.schema_path)
        assert any(s.startswith("CREATE TABLE") for s in statements)
        assert normalized(target) == source, f"{mig.db.adapter.name} -> {name}"
        migrator = Migrator(mig.folder, target, schema_path=None)
        assert migrator.applied_versions() == versions
        assert migrator.migrate() == []
        drop_all(target)


def test_load_refuses_a_database_with_tables_unless_forced(mig):
    mig.run(*RICH[:2], schema=True)
    before = normalized(mig.db)
    mig.db.execute("INSERT INTO teams (label) VALUES ('kept')")
    with pytest.raises(SchemaError, match="already has tables") as err:
        schema_dump.load(mig.db, mig.schema_path)
    assert "people" in str(err.value)
    assert mig.db.execute("SELECT count(*) FROM teams").rows == [(1,)]
    schema_dump.load(mig.db, mig.schema_path, force=True)
    assert mig.db.execute("SELECT count(*) FROM teams").rows == [(0,)]
    assert normalized(mig.db) == before


def test_load_into_an_empty_database_with_only_schema_migrations(mig):
    m = mig.run(*RICH[:2], schema=True)
    drop_all(mig.db, keep={"schema_migrations"})
    schema_dump.load(mig.db, mig.schema_path)
    assert sorted(normalized(mig.db)) == ["people", "teams"]
    assert m.migrate() == [] and m.applied_versions() == ["20260101000000", "20260101000001"]


def test_load_dry_run_changes_nothing(mig):
    mig.run(*RICH[:2], schema=True)
    drop_all(mig.db)
    statements = schema_dump.load(mig.db, mig.schema_path, dry_run=True)
    assert any('people' in s for s in statements if s.startswith("CREATE TABLE"))
    mig.db.schema_cache.clear()
    assert mig.db.table_names() == []


def test_load_refuses_a_missing_or_broken_file(mig, tmp_path):
    with pytest.raises(SchemaError, match="no schema file"):
        schema_dump.load(mig.db, str(tmp_path / "nope.py"))
    broken = tmp_path / "broken.py"
    broken.write_text("from activerecord.migration import Schema\nclass S(Schema)\n")
    with pytest.raises(SchemaError, match=r"broken\.py: syntax error at line 2"):
        schema_dump.load(mig.db, str(broken))


# -- the schema cache file -------------------------------------------------------------
def test_schema_cache_file_round_trips(mig, tmp_path):
    mig.run(*rich(mig.db))
    path = str(tmp_path / "db" / "schema_cache.json")
    assert schema_dump.dump_cache(mig.db, path) == 4
    with open(path) as fh:
        assert json.load(fh)["version"] == mig.migrator().current_version()
    cache = SchemaCache(lambda table: None)
    assert cache.load(path, "20260101000000") is False
    assert cache.load(path, mig.migrator().current_version()) is True
    for table in ("people", "teams", "memberships", "events"):
        mig.db.schema_cache.clear(table)
        assert cache.get(table) == mig.db.table_info(table), table
    assert [c.name for c in cache.get("people").checks] == ["age_nonneg", "nick_one_word"]
    assert os.path.isfile(path)


PARTIAL_SCHEMA = '''
from activerecord.migration import Schema


class AppSchema(Schema):
    version = ''

    def define(self) -> None:
        with self.create_table('plain') as t:
            t.string('kind')

        with self.create_table('events') as t:
            t.string('kind')
            t.index(['kind'], name='some_kinds', where="kind <> 'x'")
'''


@pytest.mark.databases("mysql")
def test_mariadb_refuses_a_partial_index_of_a_schema_before_any_sql(mig, tmp_path):
    path = tmp_path / "schema.py"
    path.write_text(PARTIAL_SCHEMA)
    with pytest.raises(NotSupportedError, match="'some_kinds': MySQL/MariaDB have no partial"):
        schema_dump.load(mig.db, str(path))
    mig.db.schema_cache.clear()
    assert mig.db.table_names() == []


@pytest.mark.databases("mysql")
def test_an_index_name_mysql_allows_twice_is_dumped_by_convention(mig, tmp_path):
    """MySQL's index names are per table; SQLite's and PostgreSQL's per schema: a name
    two tables share is written as the conventional one, so the file loads elsewhere."""
    mig.run(("two_tables", migration('''
        with self.create_table("shelves") as t:
            t.string("code")
            t.index(["code"], name="by_code")
        with self.create_table("boxes") as t:
            t.string("code")
            t.index(["code"], name="by_code")
        with self.create_table("bins") as t:
            t.string("code")
            t.index(["code"], name="bin_code")
    ''')), schema=True)
    text = open(mig.schema_path).read()
    assert "name='by_code'" not in text
    assert "t.index(['code'], name='bin_code')" in text  # a name of its own is kept
    target = Database(f"sqlite:///{tmp_path}/load.db")
    try:
        schema_dump.load(target, mig.schema_path)
        names = {i.name for t in ("shelves", "boxes") for i in target.table_info(t).indexes}
        assert names == {"index_shelves_on_code", "index_boxes_on_code"}
    finally:
        target.close()


def test_load_force_refuses_when_another_table_refers_to_a_schema_table(mig):
    """--force drops the schema's tables; one the schema does not make but that refers
    to them would lose its foreign key (or stop the drop half-way on MySQL): refused
    before any SQL, naming it."""
    mig.run(*RICH[:2], schema=True)
    mig.run(("outsider", migration('''
        with self.create_table("badges") as t:
            t.references("team", foreign_key=True)''')))
    before = normalized(mig.db)  # (the schema file was written before badges came)
    with pytest.raises(SchemaError, match=r"badges\.team_id -> teams"):
        schema_dump.load(mig.db, mig.schema_path, force=True)
    assert normalized(mig.db) == before
