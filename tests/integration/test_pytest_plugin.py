"""The pytest plugin for users' suites (issue 12, part 3) on every database.

In-process: the machinery of the ``db`` fixture (``rolled_back``: rows gone, the code's
own transactions as savepoints, after-commit callbacks held until
``run_commit_callbacks()``), of ``db_commit`` (``cleaned``: real commits, the written
tables emptied children first, ``schema_migrations`` kept), the plugin's own
``db_commit`` and ``fixtures`` fixtures on this suite's databases, ``ModelFactory`` and
``load_fixtures`` with their errors. Then, per database, a users' test file run by
pytest in a subprocess (``ACTIVERECORD_TEST_DATABASE_URL``), whose rows must be gone
afterwards; and once, the options (``--ar-database-url``, ``--ar-no-strict-loading``)
and the message of a suite with no database configured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import factory
import pytest

from activerecord import (
    Model,
    RecordInvalid,
    Rollback,
    after_commit,
    after_rollback,
    belongs_to,
    transaction,
)
from activerecord.connection.database import Database
from activerecord.testing import (
    FixtureError,
    ModelFactory,
    assert_no_queries,
    cleaned,
    load_fixtures,
    rolled_back,
)
from activerecord.testing.plugin import MISSING_URL
from activerecord.testing.transactions import written_table
from tests.support.schema import foreign_key

LOG: list[tuple[str, str]] = []
FIXTURES = Path(__file__).parent / "plugin_fixtures"


class PluginAuthor(Model):
    table_name = "plugin_authors"

    @after_commit
    def _committed(self):
        LOG.append(("commit", self.name))

    @after_rollback
    def _rolled_back(self):
        LOG.append(("rollback", self.name))


class PluginBook(Model):
    table_name = "plugin_books"
    author = belongs_to(PluginAuthor)


class AuthorFactory(ModelFactory):
    class Meta:
        model = PluginAuthor

    name = factory.Sequence(lambda n: f"author {n}")


class BookFactory(ModelFactory):
    class Meta:
        model = PluginBook

    title = factory.Sequence(lambda n: f"book {n}")
    author = factory.SubFactory(AuthorFactory)


class PositionalFactory(AuthorFactory):
    class Meta:
        inline_args = ("name",)  # passed positionally: records refuse that


@pytest.fixture
def tables(db, make_table):
    """plugin_authors and plugin_books (author_id -> plugin_authors), made before any
    test transaction opens (DDL commits on MySQL)."""
    make_table("plugin_authors", id="pk", name="string(80) NOT NULL")
    make_table("plugin_books", foreign_key(db, "author_id", "plugin_authors"), id="pk",
               title="string(80) NOT NULL", author_id="int")
    LOG.clear()
    return db


def count(db, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {db.dialect.quote_name(table)}").rows[0][0]


def names() -> list[str]:
    return [a.name for a in PluginAuthor.order("id")]


# -- db: one transaction, rolled back -------------------------------------------------
def test_rolled_back_leaves_no_rows_and_nests_savepoints(tables):
    db = tables
    with rolled_back(db) as handle:
        assert db.in_transaction and handle.execute is not None
        PluginAuthor.create(name="kept")
        with transaction():  # the code's own transaction: a savepoint, released
            PluginAuthor.create(name="released")
        with transaction():
            PluginAuthor.create(name="dropped")
            raise Rollback
        with pytest.raises(ValueError), transaction():
            PluginAuthor.create(name="failed")
            raise ValueError("boom")
        assert names() == ["kept", "released"]
        BookFactory()
    assert not db.in_transaction
    assert (count(db, "plugin_authors"), count(db, "plugin_books")) == (0, 0)


def test_commit_callbacks_wait_for_run_commit_callbacks(tables):
    with rolled_back(tables) as handle:
        PluginAuthor.create(name="a")
        with transaction():
            PluginAuthor.create(name="b")  # released: its callback joins the outer level
        with transaction():
            PluginAuthor.create(name="c")
            raise Rollback
        tables.after_commit(lambda: LOG.append(("db", "after_commit")))
        assert LOG == [] and len(handle.pending_commit_callbacks) == 3
        assert handle.run_commit_callbacks() == 3
        assert LOG == [("commit", "a"), ("commit", "b"), ("db", "after_commit")]
        assert handle.run_commit_callbacks() == 0
        PluginAuthor.create(name="never")  # (SQLite gives it c's id: one row for it)
        PluginAuthor.create(name="nor this")
    # the end commits nothing: "never" got no callback; "c", whose savepoint the code
    # rolled back, gets its after_rollback; "a", "nor this", rolled back by the test's
    # end, none
    assert LOG[3:] == [("rollback", "c")]
    assert count(tables, "plugin_authors") == 0


def test_rolled_back_must_be_the_outermost_transaction(tables):
    with tables.transaction(), pytest.raises(RuntimeError, match="outermost"):
        with rolled_back(tables):
            pass


def test_db_rollback_fixture_runs_the_test_in_a_transaction(tables, db_rollback):
    assert db_rollback.in_transaction
    AuthorFactory.create_batch(2)
    assert count(db_rollback, "plugin_authors") == 2
    assert db_rollback.run_commit_callbacks() == 2


# -- db_commit: real commits, tables emptied --------------------------------------------
def test_cleaned_commits_and_empties_the_written_tables(tables, make_table):
    db = tables
    make_table("schema_migrations", version="string(40) NOT NULL")
    make_table("plugin_untouched", id="pk", note="string(20)")
    db.execute("INSERT INTO plugin_untouched (note) VALUES ('stays')")
    with cleaned(db) as handle:
        BookFactory()  # the author first, then the book (it refers to it)
        db.execute("INSERT INTO schema_migrations (version) VALUES ('1')")
        assert not db.in_transaction and LOG[-1][0] == "commit"  # really committed
        assert list(handle.tables) == ["plugin_authors", "plugin_books",
                                       "schema_migrations"]
        assert handle.empty_tables() == ["plugin_books", "plugin_authors"]
        PluginAuthor.create(name="again")
    assert (count(db, "plugin_authors"), count(db, "plugin_books")) == (0, 0)
    assert count(db, "schema_migrations") == 1 and count(db, "plugin_untouched") == 1


def test_plugin_db_commit_fixture_commits(tables, db_commit):
    PluginAuthor.create(name="committed")
    assert not db_commit.in_transaction and LOG == [("commit", "committed")]
    assert list(db_commit.tables) == ["plugin_authors"]


def test_plugin_db_commit_fixture_emptied_the_table(tables):
    assert count(tables, "plugin_authors") == 0  # the previous test's row is gone


def test_written_table_reads_the_target_of_each_write():
    assert written_table('INSERT INTO "a" ("x") VALUES (?)') == "a"
    assert written_table("insert ignore into `b``c` values (1)") == "b`c"
    assert written_table("UPDATE  d SET x = 1") == "d"
    assert written_table('DELETE FROM "s"."e" WHERE 1') == "s.e"
    assert written_table("REPLACE INTO f VALUES (1)") == "f"
    assert written_table("SELECT * FROM g FOR UPDATE") is None


# -- factories ----------------------------------------------------------------------------
def test_model_factory_builds_creates_and_batches(tables, db_rollback):
    with assert_no_queries():
        built = BookFactory.build()
    assert built.new_record and built.author.new_record
    book = BookFactory(title="The Hobbit")
    assert not book.new_record and book.author_id == book.author.id
    books = BookFactory.create_batch(3)
    assert len({b.author_id for b in books}) == 3 and all(not b.new_record for b in books)
    assert len({b.title for b in books}) == 3  # factory.Sequence
    shared = AuthorFactory(name="shared")
    assert BookFactory(author=shared).author_id == shared.id
    with pytest.raises(RecordInvalid):
        BookFactory(title=None)  # NOT NULL: the inferred validation (create!)
    with pytest.raises(TypeError, match="keyword attributes only"):
        PositionalFactory.build(name="positional")
    assert count(tables, "plugin_books") == 5


# -- fixture files ------------------------------------------------------------------------
@pytest.mark.fixtures("plugin_fixtures/library.yml", "plugin_fixtures/library.json")
def test_fixtures_marker_loads_yaml_and_json(tables, db_rollback, fixtures):
    tolkien = fixtures["plugin_authors"]["tolkien"]
    assert fixtures.record("PluginBook", "hobbit").author_id == tolkien.id
    assert [b.title for b in fixtures["plugin_books"].values()] == ["Dune", "Emma"]
    assert fixtures["plugin_books"]["1"].author_id == fixtures["plugin_authors"]["le_guin"].id
    assert count(tables, "plugin_books") == 3 and count(tables, "plugin_authors") == 3
    assert fixtures["plugin_authors"]["austen"].name == "Jane Austen"


@pytest.fixture
def tags(db, make_table):
    return make_table("plugin_tags", id="pk", label="string(20) NOT NULL")


def test_load_fixtures_of_a_table_without_model(tags, db_rollback, tmp_path):
    path = tmp_path / "tags.yml"
    path.write_text("plugin_tags:\n  - {label: red}\n  - {label: blue}\n")
    loaded = load_fixtures(path)
    assert [loaded["plugin_tags"][k].label for k in ("0", "1")] == ["red", "blue"]


@pytest.mark.databases("sqlite")
@pytest.mark.parametrize("name, text, message", [
    ("bad.yml", "plugin_authors: [unclosed", "bad.yml: malformed YAML"),
    ("bad.json", "{", "bad.json: malformed JSON"),
    ("list.yml", "- 1\n- 2\n", "the top level must map table or model names"),
    ("rows.yml", "plugin_authors: 3\n", "must hold a list of rows or a mapping"),
    ("table.yml", "plugin_nope: [{name: x}]\n",
     "'plugin_nope' is neither a table of test-sqlite nor a model on it; known: "),
    ("column.yml", "PluginAuthor: {x: {name: a, nme: b}}\n",
     "row 'x' of 'PluginAuthor' names unknown column(s) nme of 'plugin_authors'; "
     "known: id, name"),
    ("label.yml", "plugin_books: {b: {title: t, author: nobody}}\n",
     "author = 'nobody' is no label of 'plugin_authors'; labels: none"),
    ("fixtures.txt", "", "a fixture file ends with one of .yml, .yaml, .json"),
])
def test_load_fixtures_errors_name_the_file_and_known_names(tables, tmp_path, name, text,
                                                             message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FixtureError) as err:
        load_fixtures(path)
    assert message in str(err.value) and str(tmp_path) in str(err.value)
    if name == "table.yml":
        assert "plugin_authors" in str(err.value) and "PluginBook" in str(err.value)
    assert count(tables, "plugin_authors") == 0


# -- users' suites, run by pytest in a subprocess ------------------------------------------
SAMPLE_CONFTEST = '''
import os

import pytest

import activerecord
from activerecord import Database

# The application connected its database itself: the plugin uses that Database.
URL = os.environ.get("ACTIVERECORD_TEST_DATABASE_URL")
APP = activerecord.connect(URL, name="app", pool_size=3) if URL else None


@pytest.fixture
def second_connection(ar_database):
    """Another Database on the same URL: sees only what was committed."""
    other = Database(ar_database.config.url, name="second")
    yield other
    other.close()
'''

SAMPLE_TESTS = '''
import factory
import pytest

import activerecord

from activerecord import (Model, Rollback, StrictLoadingViolationError, after_commit,
                          belongs_to, transaction)
from activerecord.testing import ModelFactory, assert_no_queries

LOG = []


class Author(Model):
    table_name = "plugin_authors"

    @after_commit
    def _committed(self):
        LOG.append(self.name)


class Book(Model):
    table_name = "plugin_books"
    author = belongs_to(Author)


class AuthorFactory(ModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"author {n}")


class BookFactory(ModelFactory):
    class Meta:
        model = Book

    title = factory.Sequence(lambda n: f"book {n}")
    author = factory.SubFactory(AuthorFactory)


def test_a_rows_roll_back(db):
    from conftest import APP

    assert db.database is APP and activerecord.get_database() is APP
    Author.create(name="rolled back")
    assert Author.count() == 1 and db.in_transaction


def test_b_savepoints(db):
    Author.create(name="kept")
    with transaction():
        Author.create(name="released")
    with transaction():
        Author.create(name="dropped")
        raise Rollback
    assert [a.name for a in Author.order("id")] == ["kept", "released"]


def test_c_nothing_left_by_earlier_tests(db):
    assert Author.count() == 0


def test_d_commit_callbacks_on_demand(db):
    Author.create(name="on demand")
    assert LOG == []
    assert db.run_commit_callbacks() == 1
    assert LOG == ["on demand"]
    Author.create(name="never")


def test_e_no_callback_ran_at_the_end():
    assert LOG == ["on demand"]


def test_f_strict_loading_raises(db):
    BookFactory()
    book = Book.first()
    with pytest.raises(StrictLoadingViolationError):
        book.author
    assert Book.preload("author").first().author.name == "author 0"


def test_g_db_commit_commits(db_commit, second_connection):
    Author.create(name="committed")
    db_commit.execute("INSERT INTO schema_migrations (version) VALUES ('plugin-sample')")
    assert not db_commit.in_transaction
    seen = second_connection.execute("SELECT name FROM plugin_authors").rows
    assert seen == [("committed",)] and LOG[-1] == "committed"


def test_h_db_commit_emptied_its_tables(db, second_connection):
    assert Author.count() == 0
    assert second_connection.execute("SELECT COUNT(*) FROM plugin_authors").rows[0][0] == 0


def test_i_factories(db):
    with assert_no_queries():
        built = BookFactory.build()
    assert built.new_record
    books = BookFactory.create_batch(3)
    assert Book.count() == 3 and Author.count() == 3
    assert len({b.title for b in books}) == 3


@pytest.mark.fixtures("library.yml")
def test_j_yaml_fixtures(db, fixtures):
    tolkien = fixtures["plugin_authors"]["tolkien"]
    assert fixtures["Book"]["hobbit"].author_id == tolkien.id
    assert Book.count() == 1


@pytest.mark.fixtures("library.json")
def test_k_json_fixtures(db, fixtures):
    assert [b.title for b in fixtures["plugin_books"].values()] == ["Dune", "Emma"]
    assert Author.count() == 1 and Book.count() == 2


def test_l_nothing_left_at_all(db):
    assert Author.count() == 0 and Book.count() == 0
'''

LIBRARY_YML = """\
Book:                    # a model's name; listed before the table it refers to
  hobbit: {title: The Hobbit, author: tolkien}
plugin_authors:
  tolkien: {name: J. R. R. Tolkien}
"""

LIBRARY_JSON = {"plugin_authors": {"le_guin": {"name": "Ursula K. Le Guin"}},
                "plugin_books": [{"title": "Dune", "author": "le_guin"},
                                 {"title": "Emma", "author": "le_guin"}]}


def run_pytest(folder: Path, *args: str, env: dict[str, str]) -> dict[str, str]:
    """Run pytest on ``folder`` in a subprocess; return ``{test name: outcome}`` (with
    the failure or error message after the outcome)."""
    report = folder / "report.xml"
    clean = {k: v for k, v in os.environ.items()
             if k not in ("ACTIVERECORD_TEST_DATABASE_URL", "DATABASE_URL")
             and not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         f"--junitxml={report}", *args, str(folder)],
        cwd=folder, env={**clean, **env}, capture_output=True, text=True, timeout=240)
    assert report.exists(), proc.stdout + proc.stderr
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = (
            "passed" if not bad else f"{bad[0].tag}: {bad[0].get('message', '')}")
    return outcomes


def write_suite(folder: Path, tests: str) -> Path:
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(SAMPLE_CONFTEST)
    (folder / "test_sample.py").write_text(textwrap.dedent(tests))
    return folder


def test_users_suite_rolls_back_on_each_database(tables, make_table, tmp_path):
    db: Database = tables
    make_table("schema_migrations", version="string(40) NOT NULL")
    folder = write_suite(tmp_path / "suite", SAMPLE_TESTS)
    (folder / "library.yml").write_text(LIBRARY_YML)
    (folder / "library.json").write_text(json.dumps(LIBRARY_JSON))
    outcomes = run_pytest(folder, env={
        "ACTIVERECORD_TEST_DATABASE_URL": db.config.url,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/not_this_one"})
    assert outcomes == {name: "passed" for name in outcomes} and len(outcomes) == 12, \
        outcomes
    assert (count(db, "plugin_authors"), count(db, "plugin_books")) == (0, 0)
    assert db.execute("SELECT version FROM schema_migrations").rows == [("plugin-sample",)]


OPTION_TESTS = '''
import pytest

from activerecord import Model, belongs_to


class Owner(Model):
    table_name = "owners"


class Pet(Model):
    table_name = "pets"
    owner = belongs_to(Owner)


def test_plain_test_needs_no_database():
    assert Model.strict_loading_by_default is {strict}


def test_option_url_and_lazy_loading(db):
    assert db.config.path.endswith("option.db")
    db.execute("CREATE TABLE IF NOT EXISTS owners (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS pets (id INTEGER PRIMARY KEY,"
               " owner_id INTEGER REFERENCES owners (id))")
    Pet.create(owner=Owner.create(name="ann"))
    assert Pet.first().owner.name == "ann"  # a lazy load: allowed here


def test_both_fixtures(db, db_commit):
    pass
'''


def test_options_and_the_missing_url_message(tmp_path):
    folder = write_suite(tmp_path / "options", OPTION_TESTS.format(strict=False))
    option_db = tmp_path / "option.db"
    outcomes = run_pytest(folder, f"--ar-database-url=sqlite:///{option_db}",
                          "--ar-no-strict-loading",
                          env={"ACTIVERECORD_TEST_DATABASE_URL": "sqlite:////nonexistent/x.db"})
    both = outcomes.pop("test_both_fixtures")
    assert outcomes == {"test_plain_test_needs_no_database": "passed",
                        "test_option_url_and_lazy_loading": "passed"}
    assert both.startswith("error: ") and "uses db (a transaction" in both and "not both" in both
    assert option_db.exists()

    folder = write_suite(tmp_path / "missing", OPTION_TESTS.format(strict=True))
    outcomes = run_pytest(folder, env={})
    assert outcomes["test_plain_test_needs_no_database"] == "passed"
    for name in ("test_option_url_and_lazy_loading", "test_both_fixtures"):
        assert outcomes[name].startswith("error: ") and MISSING_URL in outcomes[name]


def test_db_commit_sees_writes_after_comments_and_ctes():
    from activerecord.testing.transactions import written_table

    assert written_table("/* app */ INSERT INTO customers (email) VALUES (?)") == "customers"
    assert written_table("-- note\nUPDATE \"orders\" SET total = 1") == "orders"
    assert written_table("WITH x AS (SELECT 1 AS one) INSERT INTO customers (email) "
                         "VALUES (?)") == "customers"
    assert written_table("WITH x AS (SELECT 1) SELECT * FROM x") is None
