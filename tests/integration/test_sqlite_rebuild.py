"""SQLite's table rebuild (backends/sqlite/schema_editor.py) after a review: the table
constraints a removed column takes with it (by their own columns only), column-level
checks, the AUTOINCREMENT counter, partial indexes, ``drop_tables`` with foreign keys
outside a migration, and ``db drop`` deleting the migrations' lock file. Each test runs
on the private migration database of tests/support/migrations.py."""

from __future__ import annotations

import os

import pytest

from activerecord.connection.database import Database
from activerecord.errors import MigrationError
from activerecord.migration import Migrator
from backends.sqlite.introspection import (
    clause_foreign_keys,
    constraint_columns,
    expression_names,
    foreign_key_names,
    split_definition,
)
from backends.sqlite.schema_editor import SQLiteSchemaEditor
from tests.support.migrations import info, migration, up_down, write_migrations


def create_sql(db, table):
    return db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).rows[0][0]


def sequence(db, table):
    return db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).rows


# -- remove_column: the constraints over the column, by their own columns -------------
@pytest.mark.databases("sqlite")
def test_remove_column_keeps_a_foreign_key_referring_to_a_column_of_that_name(mig):
    mig.run(("base", migration('''
        with self.create_table("authors", id=False) as t:
            t.string("name", primary_key=True)
        with self.create_table("books") as t:
            t.string("author_name")
            t.string("name")
        self.add_foreign_key("books", "authors", column="author_name", primary_key="name")''')),
        ("drop", migration('self.remove_column("books", "name", "string")')))
    fks = info(mig.db, "books").foreign_keys
    assert [(f.name, f.columns, f.referred_table, f.referred_columns) for f in fks] == \
        [("fk_books_author_name", ("author_name",), "authors", ("name",))]
    assert [c.name for c in info(mig.db, "books").columns] == ["id", "author_name"]


@pytest.mark.databases("sqlite")
def test_remove_column_drops_the_constraints_over_it_only(mig):
    mig.run(("base", migration('''
        self.execute(\'\'\'CREATE TABLE items (id integer PRIMARY KEY, a integer, b integer,
            c text, CONSTRAINT ab UNIQUE (a, b), CONSTRAINT c_named CHECK (c <> 'b'),
            CONSTRAINT b_pos CHECK ("b" > 0), CONSTRAINT len_c CHECK (length(c) < 9))\'\'\')''')),
        ("drop", migration('self.remove_column("items", "b", "integer")')))
    assert "UNIQUE" not in create_sql(mig.db, "items").upper()  # over (a, b): with b
    # b_pos names "b"; c_named only the string 'b'
    assert [c.name for c in info(mig.db, "items").checks] == ["c_named", "len_c"]
    mig.run(("drop_c", migration('self.remove_column("items", "c", "text")')))
    assert info(mig.db, "items").checks == ()
    assert [c.name for c in info(mig.db, "items").columns] == ["id", "a"]


# -- remove_check_constraint: a column's CONSTRAINT name CHECK ------------------------
@pytest.mark.databases("sqlite")
def test_remove_check_constraint_drops_a_column_level_check(mig):
    mig.run(("base", migration('''
        self.execute("CREATE TABLE items (id integer PRIMARY KEY, "
                     "qty integer NOT NULL CONSTRAINT qty_pos CHECK (qty > 0) DEFAULT 1, "
                     "CONSTRAINT id_pos CHECK (id > 0))")''')))
    assert [c.name for c in info(mig.db, "items").checks] == ["id_pos", "qty_pos"]
    mig.run(("uncheck", migration(
        'self.remove_check_constraint("items", "qty > 0", name="qty_pos")')))
    items = info(mig.db, "items")
    assert [c.name for c in items.checks] == ["id_pos"]
    assert not items.column("qty").nullable and items.column("qty").default == 1
    mig.db.execute("INSERT INTO items (qty) VALUES (-1)")  # the check is gone
    assert mig.db.execute("SELECT qty FROM items").rows == [(-1,)]


# -- the AUTOINCREMENT counter ---------------------------------------------------------
@pytest.mark.databases("sqlite")
def test_rebuild_keeps_the_autoincrement_counter(mig):
    mig.run(("base", migration('''
        with self.create_table("books") as t:
            t.string("title")''')))
    db = mig.db
    for title in "abc":
        db.execute("INSERT INTO books (title) VALUES (?)", (title,))
    db.execute("DELETE FROM books WHERE id = 3")
    mig.run(("check", migration(
        'self.add_check_constraint("books", "title <> \'\'", name="t_given")')))
    assert sequence(db, "books") == [(3,)]
    db.execute("INSERT INTO books (title) VALUES ('d')")
    assert db.execute("SELECT id, title FROM books ORDER BY id").rows == \
        [(1, "a"), (2, "b"), (4, "d")]


@pytest.mark.databases("sqlite")
def test_rebuild_of_an_emptied_table_keeps_the_autoincrement_counter(mig):
    mig.run(("base", migration('''
        with self.create_table("books") as t:
            t.string("title")''')))
    db = mig.db
    db.execute("INSERT INTO books (title) VALUES ('a'), ('b')")
    db.execute("DELETE FROM books")
    mig.run(("null", migration('self.change_column_null("books", "title", False)')))
    assert sequence(db, "books") == [(2,)]
    db.execute("INSERT INTO books (title) VALUES ('c')")
    assert db.execute("SELECT id FROM books").rows == [(3,)]


# -- partial indexes -------------------------------------------------------------------
@pytest.mark.databases("sqlite")
def test_remove_column_drops_a_partial_index_whose_where_names_it(mig):
    mig.run(("base", migration('''
        with self.create_table("books") as t:
            t.string("title")
            t.boolean("archived")
            t.index(["title"], where="archived = 0")
            t.index(["title"], name="titled", where="title <> 'archived'")''')),
        ("drop", migration('self.remove_column("books", "archived", "boolean")')))
    books = info(mig.db, "books")
    assert [c.name for c in books.columns] == ["id", "title"]
    assert [(i.name, i.where) for i in books.indexes] == [("titled", "title <> 'archived'")]


# -- drop_tables with foreign keys -----------------------------------------------------
BOUND = migration('''
    self.create_table("artists")
    with self.create_table("albums") as t:
        t.references("artist", foreign_key=True)''')


@pytest.mark.databases("sqlite")
def test_drop_tables_outside_a_migration_with_foreign_keys(mig):
    mig.run(("base", BOUND))
    db = mig.db
    db.execute("INSERT INTO artists (id) VALUES (1)")
    db.execute("INSERT INTO albums (artist_id) VALUES (1)")
    SQLiteSchemaEditor(db).drop_tables(["artists", "albums"])
    assert db.table_names() == ["schema_migrations"]
    assert db.execute("PRAGMA foreign_keys").rows == [(1,)]  # on again
    assert db.transaction_manager.current is None


@pytest.mark.databases("sqlite")
def test_drop_tables_inside_a_migration_transaction(mig):
    mig.run(("base", BOUND))
    db = mig.db
    db.execute("INSERT INTO artists (id) VALUES (1)")
    db.execute("INSERT INTO albums (artist_id) VALUES (1)")
    with db.transaction_manager.transaction(session=SQLiteSchemaEditor.session):
        SQLiteSchemaEditor(db).drop_tables(["artists", "albums"])
    assert db.table_names() == ["schema_migrations"]
    assert db.execute("PRAGMA foreign_keys").rows == [(1,)]


# -- db drop ---------------------------------------------------------------------------
@pytest.mark.databases("sqlite")
def test_db_drop_deletes_the_migrations_lock_file(db, tmp_path):
    path = str(tmp_path / "app.db")
    database = Database(f"sqlite:///{path}", name="rebuild-drop")
    try:
        folder = str(tmp_path / "db" / "migrate")
        write_migrations(folder, ("base", migration('self.create_table("things")')))
        Migrator(folder, database, schema_path=None).migrate()
        assert os.path.exists(path + "-migrations.lock")
    finally:
        database.close()
    database.adapter.creation_class(database.adapter).drop(database.config)
    assert sorted(os.listdir(tmp_path)) == ["db"]


# -- the shared readers of CREATE TABLE text ------------------------------------------
CREATE = ('CREATE TABLE "t" (id integer PRIMARY KEY, "key" text CONSTRAINT k_fk '
          'REFERENCES u (code) ON DELETE SET NULL, a integer, b text, '
          'CONSTRAINT ab_fk FOREIGN KEY ("a", b) REFERENCES "V" (x, "key"), '
          'UNIQUE (a COLLATE nocase, b DESC), CHECK (lower(b) <> \'key\' AND "a" > 0))')


@pytest.mark.databases("sqlite")
def test_the_readers_of_create_table_text():
    head, clauses, tail = split_definition(CREATE + " WITHOUT ROWID")
    assert head == 'CREATE TABLE "t" ' and tail == " WITHOUT ROWID" and len(clauses) == 7
    assert [tuple(clause_foreign_keys(c)) for c in clauses[1:2] + clauses[4:5]] == \
        [(("k_fk", ("key",), "u"),), (("ab_fk", ("a", "b"), "V"),)]
    assert foreign_key_names(CREATE) == {(("key",), "u"): "k_fk", (("a", "b"), "v"): "ab_fk"}
    assert constraint_columns(clauses[4]) == {"a", "b"}  # not x, key
    assert constraint_columns(clauses[5]) == {"a", "b"}
    assert constraint_columns(clauses[6]) == {"b", "a", "and"}  # not lower, 'key'
    assert expression_names("archived = 0 AND [x] IS NOT NULL") == \
        {"archived", "and", "x", "is", "not", "null"}


#: A table and a view reading both its columns.
VIEWED = migration('''
    with self.create_table("items") as t:
        t.string("a")
        t.string("b")
    self.execute("CREATE VIEW item_bs AS SELECT a, b FROM items")''')

NOTX_PARENTS = migration('''
    with self.create_table("authors") as t:
        t.string("name")
    with self.create_table("books") as t:
        t.references("author", foreign_key={"on_delete": "cascade"})''')


@pytest.mark.databases("sqlite")
def test_a_rebuild_outside_a_transaction_never_fires_on_delete(mig):
    """A migration with ``disable_transaction``: its rebuild of a parent table takes a
    transaction of its own with foreign keys off, so the DROP TABLE inside it does not
    cascade to the children (nor does the copy lose them)."""
    mig.run(("parents", NOTX_PARENTS))
    mig.db.execute("INSERT INTO authors (name) VALUES ('a')")
    mig.db.execute("INSERT INTO books (author_id) VALUES (1)")
    mig.add(("no_tx", '''from activerecord.migration import Migration


class NoTx(Migration):
    disable_transaction = True

    def change(self):
        self.change_column_default("authors", "name", from_=None, to="anon")
'''))
    mig.migrator().migrate()
    assert info(mig.db, "authors").column("name").default == "anon"
    assert mig.db.execute("SELECT author_id FROM books").rows == [(1,)]
    assert mig.db.execute("PRAGMA foreign_keys").rows == [(1,)]


@pytest.mark.databases("sqlite")
def test_removing_a_column_a_view_reads_fails_and_keeps_everything(mig):
    """SQLite checks a view's columns only when it is read: the rebuild reads each view
    it made again, so a view of the removed column fails the migration (rolled back
    whole, the view and the column still there), as PostgreSQL refuses it."""
    mig.run(("base", VIEWED))
    try:
        with pytest.raises(MigrationError, match="view 'item_bs' no longer works"):
            mig.run(("drop_b", migration('self.remove_column("items", "b", "string")')))
        assert info(mig.db, "items").column("b") is not None
        assert mig.db.execute("SELECT * FROM item_bs").columns == ["a", "b"]
    finally:
        mig.db.execute("DROP VIEW IF EXISTS item_bs")  # the private database's tables
        # are dropped after each test; its views are not


@pytest.mark.databases("sqlite")
def test_a_foreign_key_violation_older_than_the_migration_does_not_fail_it(mig):
    """A row that broke a foreign key before the migration (foreign keys off when it
    was written) is not the migration's doing: only the rows it leaves fail it."""
    mig.run(("parents", NOTX_PARENTS))
    conn = mig.db.adapter.connect()  # a connection of its own, foreign keys off
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO books (author_id) VALUES (99)")  # no author 99
    conn.close()
    mig.run(("unrelated", migration('self.add_column("authors", "born", "date")')))
    assert info(mig.db, "authors").column("born") is not None


@pytest.mark.databases("sqlite")
def test_a_rebuild_keeps_the_table_names_case(mig):
    mig.run(("base", migration('''
        with self.create_table("Users") as t:
            t.string("name")''')),
            ("rebuild", migration('self.change_column_default("users", "name", from_=None, '
                                  'to="x")')))
    names = [r[0] for r in mig.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'users'").rows]
    assert names == ["Users"]


@pytest.mark.databases("sqlite")
def test_drop_table_is_refused_while_another_table_refers_to_it(mig):
    """PostgreSQL and MySQL refuse it; SQLite, with foreign keys off during the
    migration, would drop it and leave the child table unwritable."""
    mig.run(("parents", NOTX_PARENTS))
    with pytest.raises(MigrationError, match=r"books\.author_id refers to it"):
        mig.run(("drop", migration('self.drop_table("authors")')))
    assert info(mig.db, "authors") is not None
    mig.db.execute("INSERT INTO books (author_id) VALUES (NULL)")  # still writable


@pytest.mark.databases("sqlite")
def test_change_column_of_the_rowid_key(mig):
    """The rowid key stays INTEGER PRIMARY KEY AUTOINCREMENT (64-bit already) for an
    integer or bigint; another type is refused by name, before any SQL."""
    mig.run(("base", migration('''
        with self.create_table("tags") as t:
            t.string("label")''')),
            ("widen", up_down('self.change_column("tags", "id", "bigint")',
                              'self.change_column("tags", "id", "integer")')))
    assert "AUTOINCREMENT" in create_sql(mig.db, "tags")
    with pytest.raises(MigrationError, match="rowid key"):
        mig.run(("text_key", migration('self.change_column("tags", "id", "string")')))


@pytest.mark.databases("sqlite")
def test_a_failed_rebuild_outside_a_transaction_reports_nothing_applied(mig):
    """Its own transaction rolled back: the error does not claim its statements stay."""
    mig.run(("base", VIEWED))
    mig.add(("no_tx", '''from activerecord.migration import Migration


class NoTx(Migration):
    disable_transaction = True

    def change(self):
        self.remove_column("items", "b", "string")
'''))
    try:
        with pytest.raises(MigrationError, match="no schema statement of it ran"):
            mig.migrator().migrate()
        assert info(mig.db, "items").column("b") is not None
    finally:
        mig.db.execute("DROP VIEW IF EXISTS item_bs")
