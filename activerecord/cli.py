"""The ``activerecord`` command line: migrations, the schema file, databases, a console.

``activerecord [--database-url URL] [--debug] [--migrations PATH] [--schema PATH]
COMMAND ...`` (docs/cli.md). The database is ``--database-url`` or ``$DATABASE_URL``;
migrations live in ``db/migrate/`` and the schema file is ``db/schema.py`` unless the
global options say otherwise. Commands:

* ``migrate [--to VERSION] [--dry-run]``, ``rollback [--step N]``, ``redo [--step N]``,
  ``status``, ``new NAME [FIELD...]`` (``activerecord.migration.Migrator``);
* ``schema dump``, ``schema load [--force] [--dry-run]``, ``schema cache dump|clear``
  (``activerecord.migration.schema_dump``);
* ``db create``, ``db drop [--yes]`` (the adapter's ``creation_class``), ``db diff
  [--from URL] [--to URL]`` (``activerecord.migration.diff``);
* ``stubs`` (``activerecord.stubs``) and ``console`` (a REPL with the ``automap``
  models).

A failure prints one line, ``Error: ...``, on stderr and exits with 1 (2 for a usage
error); ``--debug`` prints the traceback above it. ``--dry-run`` prints the SQL as a
script instead of changing the database.
"""

from __future__ import annotations

import code
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import click

from .cli_support import (
    CommandError,
    DryRunPrinter,
    MigrationTemplate,
    failure,
    new_migration,
    status_table,
)
from .connection.database import Database
from .connection.handling import connect
from .migration import Migrator, schema_dump

__all__ = ["cli", "main", "State"]


def _version() -> str:
    try:
        return metadata.version("activerecord")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


@dataclass
class State:
    """The global options of one invocation, and the databases it opened (closed
    when the command ends)."""

    url: str | None
    debug: bool = False
    migrations: str = "db/migrate"
    schema: str = "db/schema.py"
    opened: dict[str, Database] = field(default_factory=dict)

    def database(self, url: str | None = None, *, must_exist: bool = False) -> Database:
        """The Database of ``url`` (default: the global ``--database-url``), one per
        URL for the whole command.

        Raises:
            CommandError: no URL was given, or ``must_exist`` and the SQLite file is
                missing (opening it would make it).
        """
        url = url or self.url
        if not url:
            raise CommandError("no database: give --database-url URL or set DATABASE_URL "
                               "(e.g. sqlite:///db/development.db)")
        database = self.opened.get(url)
        if database is None:
            # The command's database is registered as the default one, so models a
            # migration uses write through it (and its transaction); another URL
            # (db diff --from) only reads its catalogs.
            database = connect(url) if url == self.url else Database(url)
            self.opened[url] = database
        path = database.config.path
        if must_exist and path is not None and not os.path.isfile(path):
            raise CommandError(f"database {database.config.safe_url()} does not exist "
                               f"(no file {path})")
        return database

    def dry_run_database(self) -> Database:
        """The database a dry run rehearses on: the command's, or, for a SQLite file
        that does not exist yet, an empty in-memory database (opening the file would
        make it; a dry run changes nothing)."""
        database = self.database()
        path = database.config.path
        if path is None or os.path.isfile(path) or self.url is None:
            return database
        database.close()
        memory = self.opened[self.url] = connect("sqlite:///:memory:")
        return memory

    def dry_run_label(self, database: Database) -> str:
        """What a dry run's first line names: the database, or the SQLite file that
        does not exist yet and the in-memory database rehearsing for it."""
        if self.url and database.config.database == ":memory:" and \
                not self.url.endswith(":memory:"):
            return (f"{Database(self.url).adapter.describe()} (no such file yet: rehearsed "
                    "on an empty in-memory database)")
        return database.adapter.describe()

    def migrator(self, log: Callable[[str], Any] = click.echo) -> Migrator:
        """The Migrator of the migrations folder and the database."""
        return Migrator(self.migrations, self.database(), schema_path=self.schema, log=log)

    def close(self) -> None:
        """Close every database opened."""
        for database in self.opened.values():
            database.close()
        self.opened.clear()


class Group(click.Group):
    """A click group whose commands fail with one line (:func:`cli_support.failure`)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an exception that is not click's own becomes a
        :class:`CommandError` (the traceback printed first with ``--debug``)."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise
        except BrokenPipeError:  # `activerecord ... | head`: the reader went away
            # (the Python manual's "Note on SIGPIPE": no further output, exit 1)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except Exception as exc:
            debug = bool(ctx.find_root().params.get("debug"))
            raise failure(exc, debug) from exc


pass_state = click.make_pass_decorator(State)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", envvar="DATABASE_URL", metavar="URL",
              help="The database (default: $DATABASE_URL), e.g. sqlite:///db/development.db.")
@click.option("--debug", is_flag=True, help="Print the traceback of a failure.")
@click.option("--migrations", default="db/migrate", show_default=True, metavar="PATH",
              help="The folder of the migration files.")
@click.option("--schema", default="db/schema.py", show_default=True, metavar="PATH",
              help="The schema file (written after each migrate and rollback).")
@click.version_option(_version(), "--version", prog_name="activerecord",
                      message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, debug: bool, migrations: str,
        schema: str) -> None:
    """Migrations, the schema file and databases of an activerecord project."""
    ctx.obj = State(database_url, debug, migrations, schema)
    ctx.call_on_close(ctx.obj.close)


# -- migrations ------------------------------------------------------------------------
def _run(state: State, action: Callable[[Migrator], list[str]], dry_run: bool,
         nothing: str) -> None:
    # Run a Migrator action: its progress, or in a dry run its SQL; a summary line.
    printer = DryRunPrinter(state.dry_run_label(state.dry_run_database())) if dry_run \
        else None
    migrator = state.migrator(log=printer.log if printer is not None else click.echo)
    if printer is not None:
        printer.migrator = migrator
    ran = action(migrator)
    if printer is not None:
        printer.flush()
        return
    current = migrator.current_version() or "none (no migration applied)"
    if not ran:
        click.echo(f"{nothing}: the database is at version {current}")
        return
    click.echo(f"database at version {current}; wrote {state.schema}")


_STEP = click.option("--step", default=1, show_default=True, type=click.IntRange(min=1),
                     help="How many migrations, newest first.")
_DRY_RUN = click.option("--dry-run", is_flag=True, help="Print the SQL instead of running it.")


@cli.command()
@click.option("--to", "to", metavar="VERSION",
              help="Migrate up or down to exactly this version (0: none applied).")
@_DRY_RUN
@pass_state
def migrate(state: State, to: str | None, dry_run: bool) -> None:
    """Apply the pending migrations (or go to --to VERSION)."""
    _run(state, lambda m: m.migrate(to=to, dry_run=dry_run), dry_run, "nothing to migrate")


@cli.command()
@_STEP
@_DRY_RUN
@pass_state
def rollback(state: State, step: int, dry_run: bool) -> None:
    """Roll back the latest migration (or --step N of them)."""
    _run(state, lambda m: m.rollback(step=step, dry_run=dry_run), dry_run,
         "nothing to roll back")


@cli.command()
@_STEP
@_DRY_RUN
@pass_state
def redo(state: State, step: int, dry_run: bool) -> None:
    """Roll back the latest migration (or --step N) and apply it again."""
    _run(state, lambda m: m.redo(step=step, dry_run=dry_run), dry_run, "nothing to redo")


@cli.command()
@pass_state
def status(state: State) -> None:
    """List the migrations, each up (applied) or down."""
    state.database(must_exist=True)  # a read: it makes no SQLite file
    migrator = state.migrator()
    rows = migrator.status()
    for line in status_table(migrator.database.adapter.describe(), rows):
        click.echo(line)


@cli.command()
@click.argument("name")
@click.argument("fields", nargs=-1, metavar="[FIELD]...")
@pass_state
def new(state: State, name: str, fields: tuple[str, ...]) -> None:
    """Write a migration file NAME (CreateAlbums or create_albums) in the migrations
    folder. FIELDs (title:string, artist:references, email:string:unique) fill a
    create_<table>, add_<columns>_to_<table> or remove_<columns>_from_<table>."""
    path = new_migration(state.migrations, MigrationTemplate.parse(name, fields))
    click.echo(f"created {path}")


# -- the schema file ---------------------------------------------------------------------
@cli.group(cls=Group)
def schema() -> None:
    """The schema file (db/schema.py) and the schema cache file."""


@schema.command("dump")
@pass_state
def schema_dump_command(state: State) -> None:
    """Write the schema file from the database."""
    database = state.database(must_exist=True)
    schema_dump.dump(database, state.schema)
    click.echo(f"wrote {state.schema} ({len(schema_dump.schema_tables(database))} tables)")


@schema.command("load")
@click.option("--force", is_flag=True,
              help="Load even when the database has tables (the schema's are dropped first).")
@_DRY_RUN
@pass_state
def schema_load(state: State, force: bool, dry_run: bool) -> None:
    """Make the schema of the schema file in the database."""
    database = state.dry_run_database() if dry_run else state.database()
    done = schema_dump.load(database, state.schema, force=force, dry_run=dry_run,
                            migrations=state.migrations)
    if dry_run:
        printer = DryRunPrinter(state.dry_run_label(database))
        printer.flush(done)
        return
    click.echo(f"loaded {state.schema} into {database.adapter.describe()} "
               f"({len(done)} statements)")


@schema.group("cache", cls=Group)
def schema_cache() -> None:
    """The schema cache file that connect(url, schema_cache=path) boots from."""


def _cache_path(state: State, path: str | None) -> str:
    return path or os.path.join(os.path.dirname(state.schema), "schema_cache.json")


_CACHE_PATH = click.option("--path", metavar="PATH",
                           help="The cache file (default: schema_cache.json beside the "
                                "schema file).")


@schema_cache.command("dump")
@_CACHE_PATH
@pass_state
def schema_cache_dump(state: State, path: str | None) -> None:
    """Write the schema cache file from the database."""
    path = _cache_path(state, path)
    count = schema_dump.dump_cache(state.database(must_exist=True), path)
    click.echo(f"wrote {path} ({count} tables)")


@schema_cache.command("clear")
@_CACHE_PATH
@pass_state
def schema_cache_clear(state: State, path: str | None) -> None:
    """Delete the schema cache file."""
    path = _cache_path(state, path)
    if not os.path.exists(path):
        click.echo(f"no schema cache file {path}: nothing to clear")
        return
    os.remove(path)
    click.echo(f"deleted {path}")


# -- databases ---------------------------------------------------------------------------
@cli.group(cls=Group)
def db() -> None:
    """Create, drop and compare databases."""


@db.command("create")
@pass_state
def db_create(state: State) -> None:
    """Create the database (SQLite: the file)."""
    database = state.database()
    database.adapter.creation_class(database.adapter).create(database.config)
    click.echo(f"created database {database.adapter.describe()}")


@db.command("drop")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def db_drop(state: State, yes: bool) -> None:
    """Drop the database and all its data (SQLite: delete the file)."""
    database = state.database()
    where = database.adapter.describe()
    if not yes:
        click.confirm(f"Drop the database {where}? All its data will be lost", abort=True,
                      err=True)
    database.adapter.creation_class(database.adapter).drop(database.config)
    click.echo(f"dropped database {where}")


@db.command("diff")
@click.option("--from", "from_url", metavar="URL",
              help="The database to start from (default: an empty one).")
@click.option("--to", "to_url", metavar="URL",
              help="The database whose schema to reach (default: --database-url).")
@click.option("--name", default="AdoptSchema", show_default=True,
              help="The migration's class name.")
@pass_state
def db_diff(state: State, from_url: str | None, to_url: str | None, name: str) -> None:
    """Print a migration turning one database's schema into another's."""
    from .migration.diff import diff_migration

    source = state.database(from_url, must_exist=True) if from_url else None
    target = state.database(to_url, must_exist=True)
    click.echo(diff_migration(source, target, name), nl=False)


# -- models ------------------------------------------------------------------------------
@cli.command()
@click.option("--models", metavar="MODULE", help="The module of your models (myapp.models).")
@click.option("--automap", "use_automap", is_flag=True,
              help="Stub the models automap makes from the database instead.")
@click.option("--out", default="typings", show_default=True, metavar="PATH",
              help="The stubs' folder (give it to mypy as mypy_path).")
@click.option("--check", is_flag=True, help="Compare instead of writing; exit 1 if they differ.")
@click.pass_context
def stubs(ctx: click.Context, models: str | None, use_automap: bool, out: str,
          check: bool) -> None:
    """Write typed stubs (.pyi) of the models from the database schema."""
    from .stubs import stubs_command_impl

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the project's modules, as `python -m` has them
    state = ctx.find_object(State)
    assert state is not None
    if state.url:
        state.database(must_exist=True)  # reading a schema makes no SQLite file
    exit_code, text = stubs_command_impl(state.url, models, use_automap, out, check)
    click.echo(text, err=exit_code != 0)
    ctx.exit(exit_code)


@cli.command()
@click.option("-c", "--command", "source", metavar="CODE",
              help="Run CODE with the models instead of a prompt.")
@click.option("--interface", type=click.Choice(["auto", "ipython", "python"]),
              default="auto", show_default=True,
              help="auto: IPython when it is installed, else Python's own REPL.")
@pass_state
def console(state: State, source: str | None, interface: str) -> None:
    """A Python prompt with a model per table (automap) and the database as `db`
    (piped input runs as a script)."""
    from .automap import automap
    from .connection.handling import set_default_database
    from .migration.runner import SCHEMA_MIGRATIONS

    database = state.database(must_exist=True)
    set_default_database(database)
    models = automap(database, tables=[t for t in database.table_names()
                                       if t != SCHEMA_MIGRATIONS])
    namespace: dict[str, Any] = {"db": database, "models": models, **models.models}
    if source is None and not sys.stdin.isatty():  # piped: a script, as `python < file`
        source, name = sys.stdin.read(), "<stdin>"  # (an error stops it, exit code 1)
    else:
        name = "<console -c>"
    if source is not None:
        exec(compile(source, name, "exec"), namespace)  # noqa: S102 - the user's
        return
    banner = (f"activerecord console: {database.adapter.describe()}\n"
              f"models: {', '.join(models.models) or 'none'}; `db` is the database")
    _interact(namespace, banner, interface)


def _interact(namespace: dict[str, Any], banner: str, interface: str) -> None:
    # IPython when asked for or (auto) installed, else the standard library's REPL.
    if interface != "python":
        try:
            ipython = importlib.import_module("IPython")  # optional: not a dependency
        except ImportError:
            if interface == "ipython":
                raise CommandError("IPython is not installed (pip install ipython)") from None
        else:
            click.echo(banner)
            ipython.start_ipython(argv=["--no-banner", "--no-confirm-exit"], user_ns=namespace)
            return
    code.interact(banner=banner, local=namespace, exitmsg="")


def main(argv: list[str] | None = None) -> None:
    """The ``activerecord`` script: run the command line ``argv`` (default
    ``sys.argv[1:]``) and exit with its code."""
    cli.main(args=argv, prog_name="activerecord")


if __name__ == "__main__":
    main()
