"""The ``activerecord`` command line, run as a subprocess (``python -m activerecord.cli``)
in a temporary project folder with the migrations of :data:`MIGRATIONS` written to its
``db/migrate/``: exit codes, what it prints, and what it did to the database.

Tests taking ``db`` run on every requested database: SQLite on a file of the test's
folder, PostgreSQL and MariaDB on databases ``cli_<random>`` made for the test with the
credentials of the ``db`` fixture's URL and dropped afterwards (:func:`fresh`). The
others need only SQLite. docs/cli.md is run too: every ``$ `` line of its ``console``
blocks, in order, in one project (:func:`test_docs_examples_run`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pytest

from activerecord.connection.database import Database
from activerecord.migration import Migrator
from activerecord.migration.diff import diff_migration
from activerecord.migration.schema_dump import dump_text, schema_tables
from tests.support.migrations import server_url

ROOT = Path(__file__).resolve().parents[2]
V1, V2 = "20260101000000", "20260101000100"
MIGRATIONS = {
    f"{V1}_create_artists.py": '''
from activerecord.migration import Migration


class CreateArtists(Migration):
    def change(self) -> None:
        with self.create_table("artists") as t:
            t.string("name", null=False)
            t.string("country", limit=60)
''',
    f"{V2}_create_albums.py": '''
from activerecord.migration import Migration


class CreateAlbums(Migration):
    def change(self) -> None:
        with self.create_table("albums") as t:
            t.string("title", null=False)
            t.references("artist", foreign_key=True)
''',
}
FAILING = '''
from activerecord.migration import Migration


class CreateWidgets(Migration):
    def up(self) -> None:
        with self.create_table("widgets") as t:
            t.string("name")
        self.execute("THIS IS NOT SQL")

    def down(self) -> None:
        self.drop_table("widgets")
'''


# -- running the command line ------------------------------------------------------------
#: Where the subprocesses keep their bytecode (set by :func:`_bytecode_cache`).
_PYCACHE: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Let the subprocesses cache their bytecode, outside the checkout: compiling the
    package from source (``PYTHONDONTWRITEBYTECODE``) would double each one's start."""
    _PYCACHE[:] = [str(tmp_path_factory.mktemp("pycache"))]


def environment(url: str | None = None) -> dict[str, str]:
    """The environment of a subprocess: ``DATABASE_URL=url`` (none: unset), bytecode
    cached under :data:`_PYCACHE`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PYTHONDONTWRITEBYTECODE")}
    if url is not None:
        env["DATABASE_URL"] = url
    if _PYCACHE:
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    return env


def run(cwd: Path, *args: str, url: str | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run ``activerecord ARGS`` in ``cwd`` with ``DATABASE_URL=url`` (none: unset)."""
    env = environment(url)
    return subprocess.run([sys.executable, "-m", "activerecord.cli", *args], cwd=cwd,
                          env=env, input=stdin if stdin is not None else "",
                          capture_output=True, text=True, timeout=60)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """Assert exit code 0 and return stdout."""
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """Assert a failure shown as one ``Error:`` line, no traceback; return that line."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@contextmanager
def opened(url: str) -> Iterator[Database]:
    """A Database on ``url`` for looking at what the command line did, closed after."""
    database = Database(url)
    try:
        yield database
    finally:
        database.close()


def rendered(database: Database) -> str:
    """The tables of ``database`` (:func:`schema_tables`) as the schema file writes
    them: what two schemas compare by, whatever each database spells a default."""
    return dump_text(database, version="")


def tables(url: str) -> list[str]:
    """The tables of the database ``url``."""
    with opened(url) as database:
        return database.table_names()


def applied(url: str) -> list[str]:
    """The migration versions recorded in the database ``url``."""
    with opened(url) as database:
        return Migrator("db/migrate", database, schema_path=None).applied_versions()


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder whose db/migrate/ holds :data:`MIGRATIONS`."""
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    for name, text in MIGRATIONS.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    return tmp_path


@pytest.fixture
def fresh(db: Database, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """``fresh()``: the URL of a new, empty database of ``db``'s backend (a SQLite file
    in the test's folder; a ``cli_...`` database on the server, dropped afterwards)."""
    made: list[Database] = []

    def make() -> str:
        if db.config.scheme == "sqlite":
            return f"sqlite:///{tmp_path}/db{len(made)}_{uuid.uuid4().hex[:6]}.sqlite3"
        url = server_url(db.config.url, f"cli_{uuid.uuid4().hex[:12]}")
        database = Database(url)
        database.adapter.creation_class(database.adapter).create(database.config)
        made.append(database)
        return url

    yield make
    for database in made:
        database.close()
        database.adapter.creation_class(database.adapter).drop(database.config)


# -- the global options ------------------------------------------------------------------
def test_version_through_the_installed_script(tmp_path):
    expected = f"activerecord {metadata.version('activerecord')}\n"
    assert ok(run(tmp_path, "--version")) == expected
    script = Path(sys.executable).parent / "activerecord"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            cwd=tmp_path, env=environment(), timeout=60)
    assert ok(result) == expected


def test_no_database_url_is_one_line(project):
    line = one_line_error(run(project, "status"))
    assert "--database-url" in line and "DATABASE_URL" in line
    line = one_line_error(run(project, "--database-url", "nope://x", "status"))
    assert "unknown database URL scheme 'nope'" in line


# -- new ---------------------------------------------------------------------------------
def test_new_writes_a_migration_and_its_folder(tmp_path):
    out = ok(run(tmp_path, "new", "CreateAlbums"))
    files = sorted((tmp_path / "db" / "migrate").iterdir())
    assert len(files) == 1 and re.fullmatch(r"\d{14}_create_albums\.py", files[0].name)
    assert out == f"created db/migrate/{files[0].name}\n"
    text = files[0].read_text()
    assert "class CreateAlbums(Migration):\n    def change(self) -> None:\n" in text
    migrations = Migrator(str(tmp_path / "db" / "migrate"), "sqlite:///:memory:",
                          schema_path=None).migrations()
    assert [m.migration.__name__ for m in migrations] == ["CreateAlbums"]

    ok(run(tmp_path, "new", "create_tracks", "title:string", "album:references",
           "ms:integer:index"))
    tracks = sorted((tmp_path / "db" / "migrate").glob("*_create_tracks.py"))[0]
    assert tracks.name > files[0].name  # a later version, even within the same second
    body = tracks.read_text()
    assert "with self.create_table('tracks') as t:" in body
    assert "t.references('album', foreign_key=True)" in body
    assert "t.integer('ms', index=True)" in body

    assert "exists already" in one_line_error(run(tmp_path, "new", "create_albums"))
    assert "9lives" in one_line_error(run(tmp_path, "new", "9lives"))
    assert "bad field" in one_line_error(run(tmp_path, "new", "create_x", "a:nosuch"))
    assert len(list((tmp_path / "db" / "migrate").iterdir())) == 2


# -- migrate, status, rollback, redo -------------------------------------------------------
def test_migrate_status_rollback_redo_console(db, project, fresh):
    url = fresh()
    out = ok(run(project, "migrate", url=url))
    assert f"== {V1} CreateArtists: migrated" in out and f"== {V2} CreateAlbums: migrated" in out
    assert {"artists", "albums"} <= set(tables(url)) and applied(url) == [V1, V2]
    assert "class AppSchema(Schema):" in (project / "db" / "schema.py").read_text()
    assert "nothing to migrate" in ok(run(project, "migrate", url=url))

    out = ok(run(project, "rollback", "--step", "2", url=url))
    assert f"== {V2} CreateAlbums: reverted" in out and f"== {V1} CreateArtists: reverted" in out
    assert not {"artists", "albums"} & set(tables(url)) and applied(url) == []
    ok(run(project, "migrate", "--to", V1, url=url))  # up to a version
    assert applied(url) == [V1] and "albums" not in tables(url)
    status = ok(run(project, "status", url=url))
    assert re.search(rf"^\s+up\s+{V1}\s+create_artists$", status, re.M), status
    assert re.search(rf"^\s+down\s+{V2}\s+create_albums$", status, re.M), status
    out = ok(run(project, "redo", url=url))
    assert f"{V1} CreateArtists: reverted" in out and f"{V1} CreateArtists: migrated" in out
    assert applied(url) == [V1]
    ok(run(project, "migrate", url=url))
    ok(run(project, "migrate", "--to", V1, url=url))  # down to a version
    assert applied(url) == [V1] and "albums" not in tables(url)
    assert "no migration has version" in one_line_error(
        run(project, "migrate", "--to", "20990101000000", url=url))

    script = ('a = Artist.create(name="AC/DC")\n'
              'print("artists", Artist.count(), a.name, "SchemaMigration" in dir())\n')
    assert "artists 1 AC/DC False" in ok(run(project, "console", url=url, stdin=script))
    failing = run(project, "console", url=url, stdin="1/0\nprint('after the error')\n")
    assert failing.returncode == 1 and "after the error" not in failing.stdout
    assert "ZeroDivisionError" in failing.stderr  # piped input runs as a script


def test_dry_run_prints_the_sql_and_changes_nothing(db, project, fresh):
    url = fresh()
    out = ok(run(project, "migrate", "--dry-run", url=url))
    assert out.startswith("-- dry run on ")
    create = re.findall(r"^CREATE TABLE .artists. .*$", out, re.M)
    assert len(create) == 1 and create[0].endswith(";")
    if url.startswith("sqlite:///"):  # the file is not made (nor its lock file)
        file = Path(url[len("sqlite:///"):])
        assert list(file.parent.glob(file.name + "*")) == []
    assert "artists" not in tables(url) and applied(url) == []
    assert not (project / "db" / "schema.py").exists()

    ok(run(project, "migrate", url=url))
    out = ok(run(project, "rollback", "--dry-run", url=url))
    assert re.search(r"^DROP TABLE .albums.;$", out, re.M), out
    out = ok(run(project, "redo", "--dry-run", url=url))
    assert re.search(r"^DROP TABLE .albums.;$", out, re.M)
    assert re.search(r"^CREATE TABLE .albums. ", out, re.M), out  # the up half too
    assert "albums" in tables(url) and applied(url) == [V1, V2]


def test_failing_migration_reports_what_stays_applied(db, project, fresh):
    url = fresh()
    (project / "db" / "migrate" / "20260101000200_create_widgets.py").write_text(FAILING)
    result = run(project, "migrate", url=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: migration 20260101000200 create_widgets (up) failed")
    assert applied(url) == [V1, V2]  # the ones before it stay applied
    if db.config.scheme == "mysql":  # DDL commits at once: the CREATE TABLE ran
        assert "stay applied" in lines[0]
        assert len(lines) == 2 and lines[1].strip().startswith("CREATE TABLE `widgets`")
        assert "widgets" in tables(url)
    else:
        assert "rolled back" in lines[0] and len(lines) == 1
        assert "widgets" not in tables(url)


# -- files that are refused before anything runs ----------------------------------------------
@pytest.mark.parametrize("name, text, says", [
    ("notes.txt", "hello", "not a migration file"),
    ("2026_create_x.py", MIGRATIONS[f"{V1}_create_artists.py"], "not a migration file"),
    (f"{V1}_other.py", MIGRATIONS[f"{V1}_create_artists.py"], f"version {V1} is also"),
    ("20260101000200_broken.py", "from activerecord.migration import Migration\n"
                                 "class Broken(Migration)\n", "syntax error at line 2"),
])
def test_bad_migration_files_are_refused_naming_the_file(project, name, text, says):
    (project / "db" / "migrate" / name).write_text(text)
    url = f"sqlite:///{project}/app.db"
    line = one_line_error(run(project, "migrate", url=url))
    assert f"db/migrate/{name}" in line and says in line
    assert tables(url) == []  # nothing ran, not even the good migrations


def test_debug_shows_the_traceback(project):
    (project / "db" / "migrate" / "notes.txt").write_text("hello")
    result = run(project, "--debug", "migrate", url=f"sqlite:///{project}/app.db")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    usage = run(project, "rollback", "--step", "0")  # a usage error: exit code 2
    assert usage.returncode == 2 and "Invalid value for '--step'" in usage.stderr


# -- the schema file ------------------------------------------------------------------------
def test_schema_dump_load_and_cache(db, project, fresh):
    source, target = fresh(), fresh()
    ok(run(project, "migrate", url=source))
    assert ok(run(project, "schema", "dump", url=source)) == "wrote db/schema.py (2 tables)\n"

    out = ok(run(project, "schema", "load", "--dry-run", url=target))
    assert re.search(r"^CREATE TABLE .artists. ", out, re.M) and tables(target) == []
    assert "loaded db/schema.py" in ok(run(project, "schema", "load", url=target))
    with opened(source) as a, opened(target) as b:
        assert dump_text(a) == dump_text(b)
    assert applied(target) == [V1, V2]
    line = one_line_error(run(project, "schema", "load", url=target))
    assert "already has tables" in line and "--force" in line
    ok(run(project, "schema", "load", "--force", url=target))
    assert applied(target) == [V1, V2]

    out = ok(run(project, "schema", "cache", "dump", url=target))
    cache = project / "db" / "schema_cache.json"
    assert out == "wrote db/schema_cache.json (2 tables)\n"
    assert {"artists", "albums"} <= set(json.loads(cache.read_text())["tables"])
    assert ok(run(project, "schema", "cache", "clear")) == "deleted db/schema_cache.json\n"
    assert not cache.exists()
    if db.config.scheme == "sqlite":  # the same on every database: a file
        assert "nothing to clear" in ok(run(project, "schema", "cache", "clear"))


# -- databases -------------------------------------------------------------------------------
def test_db_create_and_drop(db, tmp_path, fresh):
    url = fresh()
    if db.config.scheme != "sqlite":  # fresh() made it: drop it, then make it again
        assert "dropped database" in ok(run(tmp_path, "db", "drop", "--yes", url=url))
        assert "does not exist" in one_line_error(run(tmp_path, "db", "drop", "--yes",
                                                      url=url))
    assert "created database" in ok(run(tmp_path, "db", "create", url=url))
    assert "already exists" in one_line_error(run(tmp_path, "db", "create", url=url))
    assert tables(url) == []


def test_db_create_drop_sqlite_file(tmp_path):
    url = "sqlite:///data/app.db"
    path = tmp_path / "data" / "app.db"
    assert ok(run(tmp_path, "db", "create", url=url)) == f"created database sqlite:///{path}\n"
    with sqlite3.connect(path) as conn:  # an empty database, not just a file
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    result = run(tmp_path, "db", "drop", url=url, stdin="n\n")
    assert result.returncode == 1 and "Drop the database" in result.stderr
    assert "Aborted" in result.stderr and path.exists()
    assert "dropped database" in ok(run(tmp_path, "db", "drop", url=url, stdin="y\n"))
    assert not path.exists()
    assert "does not exist" in one_line_error(run(tmp_path, "db", "drop", "--yes", url=url))


FROM_SQL = [
    "CREATE TABLE artists (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, "
    "name varchar(100), old text)",
    "CREATE INDEX idx_old ON artists (old)",
    "CREATE TABLE gone (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, x integer)",
    "CREATE TABLE gone_child (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, "
    "gone_id bigint REFERENCES gone (id))",
]
TO_SQL = [
    "CREATE TABLE artists (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, "
    "name varchar(200) NOT NULL, country varchar(60) DEFAULT 'NO')",
    "CREATE UNIQUE INDEX index_artists_on_name ON artists (name)",
    "CREATE TABLE albums (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, title varchar(255),"
    " artist_id bigint, price decimal(8,2) DEFAULT 0, CONSTRAINT fk_albums_artist_id "
    "FOREIGN KEY (artist_id) REFERENCES artists (id), CONSTRAINT price_positive "
    "CHECK (price >= 0))",
    "CREATE INDEX index_albums_on_artist_id ON albums (artist_id)",
]


def test_db_diff_prints_a_migration_that_makes_the_other_schema(tmp_path):
    a, b = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    for url, statements in ((a, FROM_SQL), (b, TO_SQL)):
        with opened(url) as database:
            for sql in statements:
                database.execute(sql)
    with opened(a) as database:
        before = rendered(database)
    text = ok(run(tmp_path, "db", "diff", "--from", a, "--to", b))
    assert "class AdoptSchema(Migration):" in text and "self.drop_table('gone')" in text
    assert text == ok(run(tmp_path, "db", "diff", "--from", a, "--to", b))  # deterministic
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    (folder / f"{V1}_adopt_schema.py").write_text(text)

    ok(run(tmp_path, "migrate", url=a))
    with opened(a) as database_a, opened(b) as database_b:
        assert rendered(database_a) == rendered(database_b)
        assert [(t.name, [c.name for c in t.columns]) for t in schema_tables(database_a)] == \
            [(t.name, [c.name for c in t.columns]) for t in schema_tables(database_b)]
        assert "pass  # the schemas are the same" in diff_migration(database_a, database_b)
    ok(run(tmp_path, "rollback", url=a))
    with opened(a) as database:
        assert rendered(database) == before

    everything = ok(run(tmp_path, "db", "diff", "--to", b, "--name", "Init"))
    assert "class Init(Migration):" in everything
    assert "with self.create_table('albums') as t:" in everything
    assert "does not exist" in one_line_error(
        run(tmp_path, "db", "diff", "--from", f"sqlite:///{tmp_path}/none.db", "--to", b))


# -- stubs --------------------------------------------------------------------------------
def test_stubs_exit_codes_pass_through(project):
    url = f"sqlite:///{project}/app.db"
    ok(run(project, "migrate", url=url))
    assert "wrote" in ok(run(project, "stubs", "--automap", url=url))
    assert "in sync" in ok(run(project, "stubs", "--automap", "--check", url=url))
    result = run(project, "stubs", url=url)
    assert result.returncode == 2 and "--models" in result.stderr


# -- docs/cli.md -----------------------------------------------------------------------------
def doc_commands() -> list[str]:
    """The ``$ `` lines of the ``console`` blocks of docs/cli.md, in order."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```console\n(.*?)^```", text, re.S | re.M)
    return [line[2:] for block in blocks for line in block.splitlines()
            if line.startswith("$ ")]


def test_docs_examples_run(tmp_path):
    commands = doc_commands()
    assert sum(c.startswith("activerecord ") or "| activerecord " in c
               for c in commands) >= 15
    env = environment()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for command in commands:
        m = re.fullmatch(r"export (\w+)=(\S+)", command)
        if m:
            env[m.group(1)] = m.group(2)
            continue
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                                input="y\n", capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
