"""The migration runner on each database: the files it takes and refuses, the versions
table, migrate/rollback/redo/status, a failing migration (rolled back on PostgreSQL and
SQLite, reported statement by statement on MariaDB), dry runs, models following the
schema, PostgreSQL's prepared statements, and two processes migrating at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from activerecord import Model
from activerecord.errors import MigrationError, SchemaError
from activerecord.migration import Migrator
from tests.support.migrations import migration, up_down, write_migrations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GIGS = migration('''
    with self.create_table("gigs") as t:
        t.string("name")
        t.integer("seats", default=10)''', "CreateGigs")
VENUE = migration('self.add_column("gigs", "venue", "string", default="hall")', "AddVenue")
RENAME = migration('self.rename_column("gigs", "seats", "capacity")', "RenameSeats")


def tables(db):
    db.schema_cache.clear()
    return [t for t in db.table_names() if t in ("gigs", "schema_migrations", "tags")]


# -- the files -------------------------------------------------------------------------
def test_ignored_and_refused_names(mig):
    mig.add(("create_gigs", GIGS))
    folder = mig.folder
    for name in ("_helpers.py", ".hidden.py", "__init__.py"):
        with open(os.path.join(folder, name), "w") as fh:
            fh.write("raise RuntimeError('never imported')\n")
    assert [m.version for m in mig.migrator().migrations()] == ["20260101000000"]
    for bad in ("README.md", "2026_short.py", "20260101000009_Upper.py"):
        path = os.path.join(folder, bad)
        with open(path, "w") as fh:
            fh.write("")
        with pytest.raises(SchemaError, match="not a migration file") as err:
            mig.migrator().migrate()
        assert path in str(err.value)
        os.remove(path)
    assert tables(mig.db) == []  # refused before anything ran


def test_duplicate_version_refused_before_anything_runs(mig):
    mig.add(("create_gigs", GIGS))
    write_migrations(mig.folder, ("again", VENUE))  # the same version, 20260101000000
    with pytest.raises(SchemaError, match="version 20260101000000 is also") as err:
        mig.migrator().migrate()
    assert "20260101000000_again.py" in str(err.value)
    assert "20260101000000_create_gigs.py" in str(err.value)
    assert tables(mig.db) == []
    os.remove(os.path.join(mig.folder, "20260101000000_again.py"))
    write_migrations(mig.folder, ("create_gigs", VENUE), start=5)  # a name used twice
    with pytest.raises(SchemaError, match="the name 'create_gigs' is also the name of"):
        mig.migrator().migrate()
    assert tables(mig.db) == []


@pytest.mark.parametrize("source, message", [
    ("class Broken(Migration):\n    def change(self)\n        pass\n", "syntax error at line"),
    ("import no_such_module_here\n", "fails on import: ModuleNotFoundError"),
    ("class A(Migration):\n    pass\n\n\nclass B(Migration):\n    pass\n",
     "exactly one Migration subclass; found A, B"),
])
def test_bad_file_refused_before_anything_runs(mig, source, message):
    mig.add(("create_gigs", GIGS), ("broken", source))
    with pytest.raises(SchemaError, match=message) as err:
        mig.migrator().migrate()
    assert "20260101000001_broken.py" in str(err.value)
    assert tables(mig.db) == []


# -- versions, status, rollback, redo -----------------------------------------------------
def test_migrate_to_rollback_redo_and_status(mig):
    v0, v1, v2 = mig.add(("create_gigs", GIGS), ("add_venue", VENUE), ("rename", RENAME))
    lines = []
    m = mig.migrator(log=lines.append)
    assert m.migrate(to=v1) == [v0, v1]
    assert lines[0] == f"== {v0} CreateGigs: migrating" and lines[-1].endswith("migrated")
    assert [(s.version, s.name, s.status) for s in m.status()] == [
        (v0, "create_gigs", "up"), (v1, "add_venue", "up"), (v2, "rename", "down")]
    assert m.migrate() == [v2]
    assert m.migrate() == []
    assert m.rollback(step=2) == [v2, v1]
    assert m.applied_versions() == [v0]
    assert m.migrate(to=v2) == [v1, v2]
    assert m.redo() == [v2, v2]
    assert m.migrate(to=v0) == [v2, v1]
    assert mig.db.table_info("gigs").column("venue") is None
    assert m.migrate(to="0") == [v0] and tables(mig.db) == ["schema_migrations"]
    with pytest.raises(SchemaError, match="no migration has version '20990101000000'"):
        m.migrate(to="20990101000000")


def test_applied_version_without_its_file(mig):
    v0, v1 = mig.add(("create_gigs", GIGS), ("add_venue", VENUE))
    m = mig.migrator()
    m.migrate()
    os.remove(os.path.join(mig.folder, f"{v1}_add_venue.py"))
    assert [(s.version, s.name, s.status) for s in m.status()] == [
        (v0, "create_gigs", "up"), (v1, None, "up")]
    with pytest.raises(SchemaError, match=f"version {v1} is applied but its file is gone"):
        m.rollback()


# -- a failing migration -----------------------------------------------------------------
FAILING = migration('''
    with self.create_table("tags") as t:
        t.string("label")
    self.add_column("no_such_table", "x", "integer")''', "Failing")


@pytest.mark.databases("sqlite", "postgresql")
def test_failing_migration_is_rolled_back_whole(mig):
    v0, v1 = mig.add(("create_gigs", GIGS), ("failing", FAILING))
    m = mig.migrator(schema=True)
    with pytest.raises(MigrationError) as err:
        m.migrate()
    e = err.value
    assert (e.version, e.name, e.rolled_back) == (v1, "failing", True)
    assert "nothing of it is applied" in str(e)
    assert [s.split(" (")[0] for s in e.statements] == ['CREATE TABLE "tags"']
    assert tables(mig.db) == ["gigs", "schema_migrations"]
    assert m.applied_versions() == [v0]
    with open(mig.schema_path) as fh:  # the migration before it is applied: dumped
        assert f"version = '{v0}'" in fh.read()


@pytest.mark.databases("mysql")
def test_failing_migration_on_mariadb_reports_what_ran(mig):
    v0, v1 = mig.add(("create_gigs", GIGS), ("failing", FAILING))
    m = mig.migrator(schema=True)
    with pytest.raises(MigrationError) as err:
        m.migrate()
    e = err.value
    assert (e.version, e.rolled_back) == (v1, False)
    assert "1 statement(s) of it ran and stay applied" in str(e)
    assert "its version is not recorded" in str(e)
    assert [s.split(" (")[0] for s in e.statements] == ["CREATE TABLE `tags`"]
    assert tables(mig.db) == ["gigs", "schema_migrations", "tags"]
    assert m.applied_versions() == [v0]
    with open(mig.schema_path) as fh:
        assert "create_table('tags')" in fh.read()


def test_exception_raised_by_migration_code(mig):
    mig.add(("create_gigs", GIGS), ("raising", up_down(
        'self.add_column("gigs", "x", "integer")\nraise ValueError("no way")', "pass")))
    m = mig.migrator()
    with pytest.raises(MigrationError, match="ValueError: no way") as err:
        m.migrate()
    transactional = mig.db.features.supports_transactional_ddl
    assert err.value.rolled_back is transactional
    assert (mig.db.table_info("gigs").column("x") is None) is transactional
    assert m.applied_versions() == ["20260101000000"]


# -- dry runs ------------------------------------------------------------------------------
def test_dry_run_changes_nothing(mig):
    mig.add(("create_gigs", GIGS), ("add_venue", VENUE))
    m = mig.migrator()
    assert m.migrate(dry_run=True) == ["20260101000000", "20260101000001"]
    sql = [s for s in m.statements if "gigs" in s]
    assert sql[0].startswith("CREATE TABLE") and "ADD COLUMN" in sql[-1]
    assert tables(mig.db) == []
    assert m.applied_versions() == []
    m.migrate()
    assert m.rollback(dry_run=True) == ["20260101000001"]
    assert mig.db.table_info("gigs").column("venue") is not None
    assert m.applied_versions() == ["20260101000000", "20260101000001"]


# -- models follow the schema ------------------------------------------------------------
def test_models_see_the_new_columns_without_reset(mig):
    m = mig.run(("create_gigs", GIGS))

    class Gig(Model):
        table_name = "gigs"

    Gig.create(name="first")
    assert Gig.column_names == ["id", "name", "seats"]
    mig.add(("add_venue", VENUE), ("rename", RENAME))
    m.migrate()
    assert Gig.column_names == ["id", "name", "capacity", "venue"]
    gig = Gig.create(name="second", venue="club", capacity=3)
    assert (Gig.find(gig.id).venue, Gig.find(gig.id).capacity) == ("club", 3)
    assert Gig.where(name="first").first().venue == "hall"
    m.rollback()
    assert Gig.column_names == ["id", "name", "seats", "venue"]


def test_models_follow_a_migrator_on_another_database_object(mig):
    mig.run(("create_gigs", GIGS))

    class Gig(Model):
        table_name = "gigs"

    assert "venue" not in Gig.column_names
    mig.add(("add_venue", VENUE))
    other = Migrator(mig.folder, mig.db.config.url, schema_path=None)  # the same URL
    try:
        assert other.migrate() == ["20260101000001"]
    finally:
        other.database.close()
    assert Gig.create(name="x", venue="v").venue == "v"


@pytest.mark.databases("postgresql")
def test_postgresql_prepared_statements_follow_a_type_change(mig):
    m = mig.run(("create_gigs", GIGS))

    class Gig(Model):
        table_name = "gigs"

    gig = Gig.create(name="g", seats=1)
    for k, (up, down) in enumerate([("bigint", "integer"), ("text", "bigint")]):
        for _ in range(7):  # psycopg prepares a statement at its 6th execution
            assert Gig.find(gig.id).name == "g"
            with mig.db.transaction():
                assert Gig.where(name="g").first().id == gig.id
        mig.add((f"retype{k}", up_down(f'self.change_column("gigs", "seats", "{up}")',
                                        f'self.change_column("gigs", "seats", "{down}")')))
        m.migrate()
        assert str(Gig.find(gig.id).seats) == "1"
        with mig.db.transaction():
            assert str(Gig.where(name="g").first().seats) == "1"


@pytest.mark.databases("postgresql")
def test_postgresql_migration_without_transaction(mig):
    mig.run(("create_gigs", GIGS), ("concurrently", textwrap.dedent('''
        class Concurrently(Migration):
            disable_transaction = True

            def up(self):
                self.execute('CREATE INDEX CONCURRENTLY gigs_name ON gigs (name)')

            def down(self):
                self.execute('DROP INDEX CONCURRENTLY gigs_name')''')))
    assert [i.name for i in mig.db.table_info("gigs").indexes] == ["gigs_name"]


# -- two processes at once ---------------------------------------------------------------
SLOW = '''
import os


class SlowCreate(Migration):
    def up(self):
        open(os.environ["AR_TEST_MARKER"], "w").close()  # the lock is held now
        time.sleep(1.0)
        self.create_table("tags")
        self.execute("INSERT INTO tags (id) VALUES (1)")

    def down(self):
        self.drop_table("tags")
'''
RUN = '''
import json, sys
from activerecord.errors import MigrationError
from activerecord.migration import Migrator
m = Migrator(sys.argv[1], sys.argv[2], schema_path=None, lock_timeout=float(sys.argv[3]))
try:
    print(json.dumps({"ran": m.migrate()}))
except MigrationError as exc:
    print(json.dumps({"error": str(exc)}))
'''


def _migrate_in_two_processes(mig, lock_timeout: float | None) -> list[dict]:
    # Two real processes run migrate on the test's database; the second starts at once
    # (lock_timeout None: 60 s), or once the first holds the lock (then it waits
    # ``lock_timeout`` seconds). Returns what each printed.
    mig.add(("slow_create", SLOW))
    marker = os.path.join(mig.root, "marker")
    env = {**os.environ, "PYTHONPATH": ROOT, "AR_TEST_MARKER": marker}

    def start(timeout: float) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", RUN, mig.folder, mig.db.config.url, str(timeout)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=ROOT)

    procs = [start(60)]
    deadline = time.monotonic() + 30
    while lock_timeout is not None and not os.path.exists(marker):
        assert time.monotonic() < deadline and procs[0].poll() is None
        time.sleep(0.02)
    procs.append(start(lock_timeout or 60))
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


def test_two_processes_migrating_at_once_apply_it_once(mig):
    outs = _migrate_in_two_processes(mig, None)
    assert sorted(o.get("ran") == ["20260101000000"] for o in outs) == [False, True], outs
    assert [o for o in outs if o.get("ran") != ["20260101000000"]] == [{"ran": []}]
    assert mig.db.execute("SELECT count(*) FROM tags").rows == [(1,)]
    assert mig.migrator().applied_versions() == ["20260101000000"]


def test_second_process_stops_with_a_clear_message(mig):
    outs = _migrate_in_two_processes(mig, 0.4)
    assert outs[0] == {"ran": ["20260101000000"]}
    errors = [o["error"] for o in outs if "error" in o]
    assert len(errors) == 1 and "another process is running migrations" in errors[0]
    assert "waited 0.4s" in errors[0]
    assert mig.db.execute("SELECT count(*) FROM tags").rows == [(1,)]


@pytest.mark.databases("postgresql", "mysql")
def test_two_spellings_of_one_database_take_one_migration_lock(mig):
    """The lock is named after the database as the server names it, not the URL's text:
    a run through ``localhost`` waits for one through ``127.0.0.1``."""
    from activerecord.connection.database import Database

    url = mig.db.config.url
    other = Database(url.replace("127.0.0.1", "localhost", 1), name="lock-spelling")
    assert other.config.url != url
    try:
        editor = mig.db.adapter.schema_editor_class(mig.db)
        with editor.migration_lock(5):
            rival = other.adapter.schema_editor_class(other)
            with pytest.raises(MigrationError, match="another process is running migrations"):
                with rival.migration_lock(0.5):
                    pass
        with other.adapter.schema_editor_class(other).migration_lock(1):
            pass  # free again once the first run ended
    finally:
        other.close()
