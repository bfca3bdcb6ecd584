"""The migration DSL on each database: every operation forward and back, the column
types, the irreversible operations, and the per-database rules (partial indexes; SQLite's
table rebuild). Migration files are written into ``tmp_path``; the tables they make are
dropped after each test (tests/support/migrations.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from activerecord import Model
from activerecord.errors import (
    IrreversibleMigration,
    MigrationError,
    NotNullViolation,
    NotSupportedError,
)
from activerecord.migration import schema_dump
from tests.support.migrations import info, migration, normalized, up_down

BASE = migration('''
    with self.create_table("artists") as t:
        t.string("name", null=False, default="anon")
        t.integer("rank")
        t.index("name")
    with self.create_table("albums") as t:
        t.string("title")
        t.references("artist", foreign_key=True)
        t.integer("n", default=1)
        t.check_constraint("n > 0", name="n_pos")
''', "Base")


def col(db, table, name):
    return info(db, table).column(name)


def portable(db, table, name):
    return schema_dump.column_type(col(db, table, name))


def index_named(db, table, name):
    return next((i for i in info(db, table).indexes if i.name == name), None)


# -- every operation, forward and back --------------------------------------------------
def _created_bigint(db):
    t = info(db, "tags")
    assert t.primary_key == ("id",) and t.column("id").auto_increment
    assert [c.name for c in t.columns] == ["id", "label", "created_at", "updated_at"]
    assert not t.column("created_at").nullable and not t.column("updated_at").nullable
    assert portable(db, "tags", "created_at") == ("datetime", {})


def _created_uuid(db):
    db.execute("INSERT INTO tags (label) VALUES ('x')")
    (key,) = db.execute("SELECT id FROM tags").rows[0]
    assert uuid.UUID(str(key))  # (version 4 on SQLite and PostgreSQL, 1 on MariaDB)
    assert col(db, "tags", "id").type == "uuid"


def _created_integer(db):
    key = col(db, "tags", "id")
    assert key.auto_increment and key.primary_key
    if db.adapter.name != "sqlite":  # SQLite's rowid is its only generated key
        assert schema_dump.column_type(key)[0] == "integer"


def _created_keyless(db):
    assert info(db, "tags").primary_key == ()
    assert [c.name for c in info(db, "tags").columns] == ["label"]


def _created_composite(db):
    t = info(db, "tags")
    assert t.primary_key == ("a", "b")
    assert not t.column("a").nullable and not t.column("b").nullable


def _created_named_key(db):
    t = info(db, "tags")
    assert t.primary_key == ("code",) and t.column("code").auto_increment


def _created_declared_key(db):
    t = info(db, "tags")
    assert t.primary_key == ("code",) and not t.column("code").nullable
    assert portable(db, "tags", "code") == ("string", {"limit": 3})


def _dropped(db):
    assert info(db, "albums") is None


def _renamed_table(db):
    assert info(db, "albums") is None
    assert index_named(db, "records", "index_records_on_artist_id") is not None


def _added_column(db):
    c = col(db, "albums", "year")
    assert (c.nullable, c.default) == (False, 2000)


def _removed_column(db):
    assert col(db, "artists", "rank") is None


def _renamed_column(db):
    assert col(db, "artists", "name") is None
    assert index_named(db, "artists", "index_artists_on_full_name").columns == ("full_name",)


def _nulls_filled(db):
    assert not col(db, "artists", "rank").nullable
    assert db.execute("SELECT rank FROM artists").rows == [(0,)]


def _default_changed(db):
    assert col(db, "albums", "n").default == 5


def _added_index(db):
    index = index_named(db, "albums", "idx_title_n")
    assert (index.columns, index.unique) == (("title", "n"), True)


def _removed_index(db):
    assert index_named(db, "artists", "index_artists_on_name") is None


def _added_foreign_key(db):
    fk = next(f for f in info(db, "albums").foreign_keys if f.columns == ("other_id",))
    assert (fk.referred_table, fk.on_delete, fk.on_update) == ("artists", "SET NULL", "CASCADE")
    assert fk.name == "fk_other"


def _removed_foreign_key(db):
    assert info(db, "albums").foreign_keys == ()


def _added_check(db):
    assert [c.name for c in info(db, "artists").checks] == ["rank_nonneg"]
    with pytest.raises(Exception):  # noqa: B017 - each database names its own error
        db.execute("UPDATE artists SET rank = -1")


def _removed_check(db):
    assert info(db, "albums").checks == ()
    db.execute("INSERT INTO albums (title, n) VALUES ('zero', 0)")
    db.execute("DELETE FROM albums")  # (the check comes back with the rollback)


def _added_reference(db):
    t = info(db, "albums")
    assert portable(db, "albums", "label_id")[0] == "bigint"
    assert not t.column("label_id").nullable
    assert index_named(db, "albums", "index_albums_on_label_id") is not None
    assert [f.referred_table for f in t.foreign_keys if f.columns == ("label_id",)] == \
        ["artists"]


def _removed_reference(db):
    t = info(db, "albums")
    assert t.column("artist_id") is None and t.foreign_keys == ()
    assert index_named(db, "albums", "index_albums_on_artist_id") is None


def _added_timestamps(db):
    assert not col(db, "albums", "created_at").nullable
    assert portable(db, "albums", "updated_at") == ("datetime", {})


def _executed(db):
    assert db.execute("SELECT name FROM artists").rows == [("changed",)]


CASES = {
    "create_table": ('''
        with self.create_table("tags") as t:
            t.string("label")
            t.timestamps()''', _created_bigint),
    "create_table_uuid": ('''
        with self.create_table("tags", id="uuid") as t:
            t.string("label")''', _created_uuid),
    "create_table_integer": ('''
        self.create_table("tags", id="integer", definition=lambda t: t.string("label"))''',
                             _created_integer),
    "create_table_no_key": ('''
        with self.create_table("tags", id=False) as t:
            t.string("label")''', _created_keyless),
    "create_table_composite": ('''
        with self.create_table("tags", primary_key=["a", "b"]) as t:
            t.integer("a")
            t.string("b", limit=10)''', _created_composite),
    "create_table_named_key": ('''
        self.create_table("tags", primary_key="code")''', _created_named_key),
    "create_table_declared_key": ('''
        with self.create_table("tags", id=False) as t:
            t.string("code", limit=3, primary_key=True)
            t.string("label")''', _created_declared_key),
    "drop_table": ('''
        def columns(t):
            t.string("title")
            t.references("artist", foreign_key=True)
            t.integer("n", default=1)
            t.check_constraint("n > 0", name="n_pos")
        self.drop_table("albums", definition=columns)''', _dropped),
    "rename_table": ('self.rename_table("albums", "records")', _renamed_table),
    "add_column": ('self.add_column("albums", "year", "integer", null=False, default=2000)',
                   _added_column),
    "remove_column": ('self.remove_column("artists", "rank", "integer")', _removed_column),
    "rename_column": ('self.rename_column("artists", "name", "full_name")', _renamed_column),
    "change_column_null": ('self.change_column_null("artists", "rank", False, 0)',
                           _nulls_filled),
    "change_column_default": ('self.change_column_default("albums", "n", from_=1, to=5)',
                              _default_changed),
    "add_index": ('self.add_index("albums", ["title", "n"], unique=True, name="idx_title_n")',
                  _added_index),
    "remove_index": ('self.remove_index("artists", "name")', _removed_index),
    "add_foreign_key": ('''
        self.add_column("albums", "other_id", "bigint")
        self.add_foreign_key("albums", "artists", column="other_id", name="fk_other",
                             on_delete="nullify", on_update="cascade")''', _added_foreign_key),
    "remove_foreign_key": ('self.remove_foreign_key("albums", "artists")',
                           _removed_foreign_key),
    "add_check_constraint": ('self.add_check_constraint("artists", "rank >= 0", '
                             'name="rank_nonneg")', _added_check),
    "remove_check_constraint": ('self.remove_check_constraint("albums", "n > 0", name="n_pos")',
                                _removed_check),
    "add_reference": ('self.add_reference("albums", "label", foreign_key={"to_table": '
                      '"artists"}, null=False)', _added_reference),
    "remove_reference": ('self.remove_reference("albums", "artist", foreign_key=True)',
                         _removed_reference),
    "add_timestamps": ('self.add_timestamps("albums")', _added_timestamps),
    "reversible_execute": ('''
        with self.reversible() as d:
            d.up(lambda: self.execute("UPDATE artists SET name = 'changed'"))
            d.down(lambda: self.execute("UPDATE artists SET name = 'a'"))''', _executed),
}


@pytest.mark.parametrize("case", list(CASES))
def test_operation_forward_and_back(mig, case):
    """Each operation's effect, and its rollback giving back the schema exactly (the
    columns compared by name: a column added back comes last)."""
    body, check = CASES[case]
    mig.add(("base", BASE))
    m = mig.migrator()
    m.migrate()
    mig.db.execute("INSERT INTO artists (name) VALUES ('a')")
    before = normalized(mig.db, ordered=False)
    mig.add(("step", migration(body)))
    assert m.migrate() == ["20260101000001"]
    check(mig.db)
    assert normalized(mig.db, ordered=False) != before or case == "reversible_execute"
    assert m.rollback() == ["20260101000001"]
    assert normalized(mig.db, ordered=False) == before
    assert mig.db.execute("SELECT name FROM artists").rows == [("a",)]


def test_change_column_up_and_down(mig):
    m = mig.run(("base", BASE), ("widen", up_down(
        'self.change_column("albums", "n", "bigint", null=False, default=7)',
        'self.change_column("albums", "n", "integer", null=True, default=1)')))
    c = col(mig.db, "albums", "n")
    assert (portable(mig.db, "albums", "n")[0], c.nullable, c.default) == ("bigint", False, 7)
    m.rollback()
    c = col(mig.db, "albums", "n")
    assert (portable(mig.db, "albums", "n")[0], c.nullable, c.default) == ("integer", True, 1)


def test_change_column_keeps_null_and_default_unless_given(mig):
    """As Rails: ``change_column(t, c, type)`` changes the type only; the column stays
    NOT NULL with its default, and its rows keep their values."""
    mig.run(("base", migration('''
        with self.create_table("notes") as t:
            t.string("title", null=False, default="untitled", limit=40)''')))
    mig.db.execute("INSERT INTO notes (title) VALUES ('kept')")
    mig.run(("to_text", up_down('self.change_column("notes", "title", "text")',
                                'self.change_column("notes", "title", "string", limit=40)')))
    c = col(mig.db, "notes", "title")
    assert (portable(mig.db, "notes", "title")[0], c.nullable, c.default) == \
        ("text", False, "untitled")
    assert mig.db.execute("SELECT title FROM notes").rows == [("kept",)]


NULLABLE = migration('''
    with self.create_table("things") as t:
        t.datetime("at", default=SQLDefault("CURRENT_TIMESTAMP"))
        t.timestamptz("tz")
        t.boolean("flag", default=True)
        t.date("d", default=datetime.date(2020, 1, 1))
        t.decimal("p", precision=5, scale=2, default=Decimal("1.5"))
        t.json("j")''')
NOT_NULL = migration('''
    self.change_column_null("things", "at", False)
    self.change_column_null("things", "tz", False, datetime.datetime(2020, 1, 1))
    self.change_column_null("things", "flag", False, False)
    self.change_column_null("things", "d", False)
    self.change_column_null("things", "p", False)
    self.change_column_null("things", "j", False, {"a": 1})''')


def test_change_column_null_keeps_type_and_default(mig):
    m = mig.run(("things", NULLABLE))
    mig.db.execute("INSERT INTO things (flag) VALUES (NULL)")
    before = normalized(mig.db)["things"]["columns"]
    mig.add(("not_null", NOT_NULL))
    m.migrate()
    after = normalized(mig.db)["things"]["columns"]
    assert after == [before[0]] + [(n, k, o, False, d) for n, k, o, _, d in before[1:]]
    assert [c.type for c in info(mig.db, "things").columns][-1] == "json"
    row = mig.db.execute("SELECT flag, j FROM things").rows[0]
    assert not row[0] and row[1] is not None
    m.rollback()
    assert normalized(mig.db)["things"]["columns"] == before


def test_remove_timestamps_and_columns_back(mig):
    m = mig.run(("base", BASE), ("stamps", migration('self.add_timestamps("artists")')),
                ("unstamp", migration('self.remove_timestamps("artists")')))
    assert col(mig.db, "artists", "created_at") is None
    m.rollback()
    assert not col(mig.db, "artists", "created_at").nullable


def test_create_table_if_not_exists_leaves_the_table(mig):
    mig.run(("base", BASE), ("again", migration('''
        with self.create_table("artists", if_not_exists=True) as t:
            t.string("other")''')))
    assert col(mig.db, "artists", "other") is None
    assert col(mig.db, "artists", "name") is not None


def test_references_take_the_referred_key_type(mig):
    mig.run(("keys", migration('''
        self.create_table("tags", id="uuid")
        self.create_table("counters", id="integer")
        with self.create_table("countries", primary_key=["code"]) as t:
            t.string("code", limit=2)
        with self.create_table("posts") as t:
            t.references("tag", foreign_key=True, null=False)
            t.references("country", foreign_key={"primary_key": "code"}, index=False,
                         default="fr")
            t.references("owner", to_table="counters", foreign_key=True)
            t.references("subject", polymorphic=True)''')))
    posts = info(mig.db, "posts")
    assert portable(mig.db, "posts", "tag_id")[0] == "uuid"
    assert not posts.column("tag_id").nullable
    assert portable(mig.db, "posts", "country_id") == ("string", {"limit": 2})
    assert posts.column("country_id").default == "fr"
    expected = "bigint" if mig.db.adapter.name == "sqlite" else "integer"  # SQLite's rowid
    assert portable(mig.db, "posts", "owner_id")[0] == expected
    assert sorted((f.columns, f.referred_table, f.referred_columns)
                  for f in posts.foreign_keys) == [
        (("country_id",), "countries", ("code",)), (("owner_id",), "counters", ("id",)),
        (("tag_id",), "tags", ("id",))]
    assert sorted(i.columns for i in posts.indexes if i.name.startswith("index_")) == [
        ("owner_id",), ("subject_type", "subject_id"), ("tag_id",)]


# -- column types ------------------------------------------------------------------------
TYPES = migration('''
    with self.create_table("samples") as t:
        t.string("s", limit=40)
        t.text("tx")
        t.integer("i")
        t.bigint("bi")
        t.float("f")
        t.decimal("dc", precision=10, scale=3)
        t.boolean("b")
        t.date("d")
        t.datetime("dt")
        t.timestamp("ts")
        t.timestamptz("tz")
        t.time("tm")
        t.binary("bin")
        t.json("js")
        t.uuid("u")''')
VALUES = {
    "s": "héllo", "tx": "x" * 5000, "i": 2**31 - 1, "bi": 2**40, "f": 1.25,
    "dc": Decimal("1234567.125"), "b": True, "d": dt.date(2024, 2, 29),
    "dt": dt.datetime(2024, 2, 29, 13, 14, 15, 123456),
    "ts": dt.datetime(1999, 12, 31, 23, 59, 59),
    "tz": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc),
    "tm": dt.time(12, 34, 56), "bin": b"\x00\xffbytes", "js": {"a": [1, 2], "b": None},
    "u": uuid.UUID("12345678-1234-4678-9234-567812345678"),
}


def test_every_type_holds_its_values(mig):
    mig.run(("types", TYPES))

    class Sample(Model):
        table_name = "samples"

    kinds = {c.name: schema_dump.column_type(c) for c in info(mig.db, "samples").columns}
    assert kinds == {
        "id": ("bigint", {}) if mig.db.adapter.name != "sqlite" else ("integer", {}),
        "s": ("string", {"limit": 40}), "tx": ("text", {}), "i": ("integer", {}),
        "bi": ("bigint", {}), "f": ("float", {}),
        "dc": ("decimal", {"precision": 10, "scale": 3}), "b": ("boolean", {}),
        "d": ("date", {}), "dt": ("datetime", {}), "ts": ("datetime", {}),
        "tz": ("timestamptz", {}), "tm": ("time", {}), "bin": ("binary", {}),
        "js": ("json", {}), "u": ("uuid", {})}
    key = Sample.create(**VALUES).id
    got = Sample.find(key)
    for name, value in VALUES.items():
        read = getattr(got, name)
        if name == "tz":
            assert read == value, name
        elif name == "tm" and isinstance(read, dt.timedelta):  # MySQL's TIME: a duration
            assert read == dt.timedelta(hours=12, minutes=34, seconds=56)
        else:
            assert read == value, name


DEFAULTS = migration('''
    with self.create_table("defaults") as t:
        t.string("s", default="it's")
        t.text("tx", default="long")
        t.integer("i", default=-3)
        t.bigint("bi", default=2**40)
        t.float("f", default=0.5)
        t.decimal("dc", precision=6, scale=2, default=Decimal("2.5"))
        t.boolean("yes", default=True)
        t.boolean("no", default=False, null=False)
        t.date("d", default=datetime.date(2020, 1, 2))
        t.datetime("dt", default=datetime.datetime(2020, 1, 2, 3, 4, 5))
        t.datetime("now", default=SQLDefault("CURRENT_TIMESTAMP"))
        t.time("tm", default=datetime.time(1, 2, 3))
        t.uuid("u", default="0e9a0a0e-0000-4000-8000-000000000000")''')


def test_defaults_of_each_type(mig):
    mig.run(("defaults", DEFAULTS))
    cols = {c[0]: c[-1] for c in normalized(mig.db)["defaults"]["columns"]}
    assert cols == {
        "id": "bigint", "s": "it's", "tx": "long", "i": -3, "bi": 2**40, "f": 0.5,
        "dc": ("decimal", "2.50"), "yes": True, "no": False, "d": "2020-01-02",
        "dt": "2020-01-02 03:04:05", "now": ("sql", "current_timestamp"),
        "tm": "01:02:03", "u": "0e9a0a0e-0000-4000-8000-000000000000"}
    mig.db.execute("INSERT INTO defaults (i) VALUES (1)")
    row = mig.db.execute("SELECT s, yes, no, now FROM defaults").rows[0]
    assert row[0] == "it's" and bool(row[1]) is True and bool(row[2]) is False
    assert row[3] is not None


# -- irreversible operations --------------------------------------------------------------
IRREVERSIBLE = {
    "execute": "self.execute(\"UPDATE artists SET name = 'x'\")",
    "change_column": 'self.change_column("albums", "n", "bigint")',
    "remove_column_without_type": 'self.remove_column("artists", "rank")',
    "drop_table_without_definition": 'self.drop_table("albums")',
    "remove_index_by_name": 'self.remove_index("artists", name="index_artists_on_name")',
    "change_column_default_without_from": 'self.change_column_default("albums", "n", 4)',
    "remove_foreign_key_without_table": 'self.remove_foreign_key("albums", column="artist_id")',
    "remove_check_by_name": 'self.remove_check_constraint("albums", name="n_pos")',
}


@pytest.mark.parametrize("case", list(IRREVERSIBLE))
def test_irreversible_operation_refuses_rollback_before_any_sql(mig, case):
    body = f'self.add_column("artists", "extra", "integer")\n{IRREVERSIBLE[case]}'
    m = mig.run(("base", BASE), ("step", migration(body)))
    before = normalized(mig.db)
    with pytest.raises(IrreversibleMigration) as err:
        m.rollback()
    assert err.value.version == "20260101000001" and "cannot be" in str(err.value)
    assert m.statements == []
    assert normalized(mig.db) == before and col(mig.db, "artists", "extra") is not None
    assert m.applied_versions() == ["20260101000000", "20260101000001"]


def test_up_without_down_is_irreversible(mig):
    m = mig.run(("only_up", "class OnlyUp(Migration):\n    def up(self):\n"
                            "        self.create_table('tags')\n"))
    with pytest.raises(IrreversibleMigration, match="no down"):
        m.rollback()
    assert info(mig.db, "tags") is not None


# -- partial indexes ---------------------------------------------------------------------
@pytest.mark.databases("sqlite", "postgresql")
def test_partial_index(mig):
    m = mig.run(("base", BASE), ("partial", migration(
        'self.add_index("albums", "title", unique=True, where="n > 3", name="big_titles")')))
    index = index_named(mig.db, "albums", "big_titles")
    assert index.partial and index.unique
    assert schema_dump.portable_expression(index.where).replace("(", "").replace(")", "") \
        == "n > 3"
    mig.db.execute("INSERT INTO albums (title, n) VALUES ('t', 1)")
    mig.db.execute("INSERT INTO albums (title, n) VALUES ('t', 2)")  # not covered: allowed
    m.rollback()
    assert index_named(mig.db, "albums", "big_titles") is None


@pytest.mark.databases("mysql")
def test_partial_index_of_create_table_refused_on_mysql_before_any_sql(mig):
    mig.add(("partial", migration('''
        with self.create_table("tags") as t:
            t.string("label", index={"where": "label <> ''"})''')))
    with pytest.raises(MigrationError, match="no partial indexes") as err:
        mig.migrator().migrate()
    assert err.value.statements == [] and "no schema statement of it ran" in str(err.value)
    assert info(mig.db, "tags") is None


@pytest.mark.databases("mysql")
def test_partial_index_refused_on_mysql_before_any_sql(mig):
    mig.run(("base", BASE))
    mig.add(("partial", migration(
        'self.add_column("albums", "year", "integer")\n'
        'self.add_index("albums", "title", where="n > 3")')))
    m = mig.migrator()
    with pytest.raises(MigrationError) as err:
        m.migrate()
    assert isinstance(err.value.__cause__, NotSupportedError)
    assert "no partial indexes" in str(err.value)
    # the add_column before it ran (MySQL's DDL commits) and is reported as such
    assert err.value.rolled_back is False and len(err.value.statements) == 1
    assert "ADD COLUMN" in err.value.statements[0]
    assert m.applied_versions() == ["20260101000000"]


# -- SQLite's table rebuild ------------------------------------------------------------
REBUILT = migration('''
    with self.create_table("artists") as t:
        t.string("name", null=False)
    with self.create_table("albums") as t:
        t.string("title", limit=50)
        t.integer("year")
        t.integer("spare")
        t.references("artist", foreign_key={"on_delete": "cascade"})
        t.index(["title", "year"], unique=True)
    self.execute("CREATE TRIGGER albums_year AFTER INSERT ON albums WHEN NEW.year IS NULL "
                 "BEGIN UPDATE albums SET year = 1900 WHERE id = NEW.id; END")
    self.execute("CREATE VIEW album_titles AS SELECT title FROM albums")''', "Rebuilt")


@pytest.mark.databases("sqlite")
def test_sqlite_rebuild_keeps_data_indexes_triggers_and_foreign_keys(mig):
    mig.run(("base", REBUILT))
    db = mig.db
    db.execute("INSERT INTO artists (name) VALUES ('a')")
    db.execute("INSERT INTO albums (title, year, spare, artist_id) VALUES ('t', 2001, 5, 1)")
    mig.run(("alter", migration('''
        self.change_column_null("albums", "year", False)
        self.remove_column("albums", "spare", "integer")
        self.add_check_constraint("albums", "year > 1800", name="year_known")
        self.change_column_default("artists", "name", from_=None, to="anon")''')))
    assert db.execute("SELECT title FROM album_titles").rows == [("t",)]  # made again
    db.execute("DROP VIEW album_titles")
    # the parent's rebuild did not cascade its DROP TABLE to the children
    assert db.execute("SELECT title, year, artist_id FROM albums").rows == [("t", 2001, 1)]
    albums = info(db, "albums")
    assert [c.name for c in albums.columns] == ["id", "title", "year", "artist_id"]
    assert not albums.column("year").nullable and albums.column("title").length == 50
    assert {i.name for i in albums.indexes} == {"index_albums_on_title_and_year",
                                                "index_albums_on_artist_id"}
    assert [(f.referred_table, f.on_delete) for f in albums.foreign_keys] == \
        [("artists", "CASCADE")]
    db.execute("INSERT INTO albums (title, artist_id, year) VALUES ('u', 1, 1999)")
    with pytest.raises(Exception, match="FOREIGN KEY"):  # foreign keys are on again
        db.execute("INSERT INTO albums (title, artist_id, year) VALUES ('v', 7, 1999)")
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO albums (title, artist_id, year) VALUES ('w', 1, 1000)")
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").rows
    assert triggers == [("albums_year",)]
    db.execute("DELETE FROM artists")
    assert db.execute("SELECT count(*) FROM albums").rows == [(0,)]  # the cascade kept


@pytest.mark.databases("sqlite")
def test_sqlite_dangling_foreign_key_fails_the_migration_whole(mig):
    mig.run(("base", migration('''
        self.create_table("artists")
        with self.create_table("albums") as t:
            t.bigint("artist_id")''')))
    mig.db.execute("INSERT INTO albums (artist_id) VALUES (99)")
    before = normalized(mig.db)
    mig.add(("constrain", migration('''
        self.add_column("albums", "title", "string")
        self.add_foreign_key("albums", "artists")''')))
    m = mig.migrator()
    with pytest.raises(MigrationError, match="break a foreign key") as err:
        m.migrate()
    assert err.value.rolled_back is True and err.value.version == "20260101000001"
    assert normalized(mig.db) == before
    assert m.applied_versions() == ["20260101000000"]
    assert mig.db.execute("SELECT artist_id FROM albums").rows == [(99,)]


@pytest.mark.databases("sqlite")
def test_sqlite_rebuild_puts_added_columns_before_table_constraints(mig):
    mig.run(("base", BASE), ("stamp", migration('''
        self.add_column("albums", "at", "datetime", default=SQLDefault("CURRENT_TIMESTAMP"))
        self.add_column("albums", "code", "string", default=SQLDefault("lower('X')"))''')))
    mig.db.execute("INSERT INTO albums (title) VALUES ('t')")
    at, code = mig.db.execute("SELECT at, code FROM albums").rows[0]
    assert at is not None and code == "x"
    assert [c.name for c in info(mig.db, "albums").checks] == ["n_pos"]


@pytest.mark.databases("sqlite")
def test_sqlite_rebuild_keeps_the_views_and_triggers_naming_the_table(mig):
    mig.run(("base", migration('''
        self.create_table("logs", definition=lambda t: t.string("line"))
        self.create_table("albums", definition=lambda t: t.string("title"))
        self.execute("CREATE TRIGGER albums_log AFTER INSERT ON albums "
                     "BEGIN INSERT INTO logs (line) VALUES (NEW.title); END")
        self.execute("CREATE VIEW log_lines AS SELECT line FROM logs")
        self.execute("CREATE TRIGGER log_lines_insert INSTEAD OF INSERT ON log_lines "
                     "BEGIN INSERT INTO logs (line) VALUES (NEW.line || '!'); END")''')),
        ("check", migration('self.add_check_constraint("logs", "line <> \'\'", name="given")')))
    db = mig.db
    try:
        db.execute("INSERT INTO albums (title) VALUES ('t')")
        db.execute("INSERT INTO log_lines (line) VALUES ('v')")
        assert db.execute("SELECT line FROM log_lines ORDER BY line").rows == [("t",), ("v!",)]
        names = db.execute("SELECT type, name FROM sqlite_master WHERE type IN "
                           "('view', 'trigger') ORDER BY name").rows
        assert names == [("trigger", "albums_log"), ("view", "log_lines"),
                         ("trigger", "log_lines_insert")]
        assert [c.name for c in info(db, "logs").checks] == ["given"]
    finally:
        db.execute("DROP VIEW IF EXISTS log_lines")


@pytest.mark.databases("mysql")
def test_mysql_change_column_null_keeps_collation_comment_and_on_update(mig):
    """MySQL has no SET NOT NULL: the column is MODIFYed with its own SHOW CREATE TABLE
    definition, so what the catalog records do not describe stays."""
    mig.run(("base", up_down('''
        self.execute("CREATE TABLE notes (id int PRIMARY KEY, title varchar(40) COLLATE "
                     "utf8mb4_bin DEFAULT 'x' COMMENT 'the title', at datetime(6) DEFAULT "
                     "CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))")''',
                             'self.drop_table("notes")')))
    mig.db.execute("INSERT INTO notes (id, title) VALUES (1, 'a')")
    mig.run(("not_null", migration('''
        self.change_column_null("notes", "title", False)
        self.change_column_null("notes", "at", False)''')))
    text = mig.db.execute("SHOW CREATE TABLE notes").rows[0][1]
    assert "COLLATE utf8mb4_bin NOT NULL DEFAULT 'x' COMMENT 'the title'" in text
    assert "NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6)" in text
    with pytest.raises(NotNullViolation):
        mig.db.execute("INSERT INTO notes (id, title) VALUES (2, NULL)")
    mig.db.execute("INSERT INTO notes (id, title) VALUES (2, 'A')")  # binary collation


@pytest.mark.databases("mysql")
def test_mysql_remove_column_drops_the_checks_that_use_it(mig):
    mig.run(("base", migration('''
        with self.create_table("ranges") as t:
            t.integer("lo")
            t.integer("hi")
            t.check_constraint("hi >= lo", name="ordered")
            t.check_constraint("lo >= 0", name="positive")''')),
            ("drop_hi", migration('self.remove_column("ranges", "hi", "integer")')))
    assert [c.name for c in info(mig.db, "ranges").checks] == ["positive"]
    assert col(mig.db, "ranges", "hi") is None


@pytest.mark.databases("mysql")
def test_mysql_refuses_a_not_null_column_without_default_on_a_table_with_rows(mig):
    """SQLite and PostgreSQL refuse it; MySQL would write 0 or a zero date into every
    row: refused before any SQL, naming the way out."""
    mig.run(("base", migration('''
        with self.create_table("jobs") as t:
            t.string("name")''')))
    mig.db.execute("INSERT INTO jobs (name) VALUES ('a')")
    with pytest.raises(MigrationError, match="NOT NULL without a default on a table with rows"):
        mig.run(("stamp", migration('self.add_timestamps("jobs")')))
    assert col(mig.db, "jobs", "created_at") is None


def test_remove_reference_rolls_back_to_the_foreign_key_it_removed(mig):
    """Rails' inverse of remove_reference is add_reference with the same options: the
    foreign key comes back with its actions (ON DELETE CASCADE still cascades)."""
    mig.run(("base", migration('''
        with self.create_table("authors") as t:
            t.string("name")
        with self.create_table("books") as t:
            t.references("author", foreign_key={"on_delete": "cascade"})''')),
            ("unref", migration('self.remove_reference("books", "author", '
                                'foreign_key={"on_delete": "cascade"})')))
    m = mig.migrator()
    m.rollback()
    mig.db.execute("INSERT INTO authors (name) VALUES ('a')")
    mig.db.execute("INSERT INTO books (author_id) VALUES (1)")
    mig.db.execute("DELETE FROM authors")
    assert mig.db.execute("SELECT count(*) FROM books").rows == [(0,)]


def test_an_aware_datetime_written_by_a_migration_is_stored_in_utc(mig):
    """As the models write them: 03:04:05+02:00 is 01:04:05 UTC in a column without a
    time zone, on every database."""
    mig.run(("base", migration('''
        with self.create_table("stamps") as t:
            t.datetime("at")''')))
    mig.db.execute("INSERT INTO stamps (at) VALUES (NULL)")
    mig.run(("fill", migration('''
        at = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(
            datetime.timedelta(hours=2)))
        self.change_column_null("stamps", "at", False, at)''')))

    class Stamp(Model):
        table_name = "stamps"

    assert Stamp.first().at.replace(tzinfo=None) == dt.datetime(2020, 1, 2, 1, 4, 5)


@pytest.mark.databases("mysql")
def test_mariadb_keeps_a_check_that_names_no_column_when_a_column_goes(mig):
    """MariaDB drops ``CHECK (1 = 1)`` with any column it drops: it is added back, so
    the rollback (and SQLite and PostgreSQL) agree."""
    m = mig.run(("base", migration('''
        with self.create_table("ck") as t:
            t.integer("b")
            t.check_constraint("1 = 1", name="always")''')),
                ("drop_b", migration('self.remove_column("ck", "b", "integer")')))
    assert [c.name for c in info(mig.db, "ck").checks] == ["always"]
    m.rollback()
    assert info(mig.db, "ck").column("b") is not None
