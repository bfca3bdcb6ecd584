"""The migration runner: finds the files of ``db/migrate/``, runs them in order, and
keeps the ``schema_migrations`` table (Rails' ``Migrator``/``MigrationContext``).

* Files are named ``<14 digits>_<snake_case name>.py`` and hold one :class:`Migration`
  subclass; files starting with ``_`` or ``.`` are ignored, anything else in the folder
  is refused, and so are two files with one version or a file that does not compile,
  all before anything runs (:class:`~activerecord.errors.SchemaError`, naming the file).
* Each migration runs in a transaction of its own where DDL is transactional
  (PostgreSQL, SQLite: a failure leaves the schema as it was); on MySQL/MariaDB, where
  each DDL statement commits, a failure raises MigrationError with the statements that
  ran. Its version is recorded (or, rolling back, deleted) in the same transaction.
* A whole run holds the database's migration lock (``SchemaEditor.migration_lock``),
  and each migration checks, inside its transaction, that it is still pending: two
  processes running ``migrate`` at once never apply one migration twice.
* A dry run sends no DDL where DDL commits at once (MySQL/MariaDB: the statements are
  only collected); where DDL is transactional the pending migrations run, in one
  transaction rolled back at the end, so each one sees what the ones before it did.
* After a run that changed anything (also one that a failing migration ended: those
  before it stay applied) the schema file is written again (``schema_dump.dump``),
  models see the new columns (each operation clears the schema cache of the tables it
  touched and tells the loaded models, ``SchemaEditor.changed``; each migration then
  clears the whole cache) and PostgreSQL's pooled connections
  forget their prepared statements (``SchemaEditor.schema_changed``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..connection.database import SCHEMA_VERSIONS
from ..errors import MigrationError, Rollback, SchemaError
from ..sql import ddl
from .migration import Migration

if TYPE_CHECKING:
    from ..connection.database import Database
    from ..connection.schema_editor import SchemaEditor

__all__ = ["Migrator", "MigrationFile", "MigrationStatus", "SCHEMA_MIGRATIONS", "record_version",
           "load_subclass",
           "FILE_NAME", "load_migration_file"]

#: The table of applied versions (Rails' name).
SCHEMA_MIGRATIONS = SCHEMA_VERSIONS
#: What a migration file's name must look like.
FILE_NAME = re.compile(r"^(\d{14})_([a-z0-9_]+)\.py$")


@dataclass(frozen=True)
class MigrationFile:
    """One migration file: ``version`` (14 digits), ``name`` (the rest of the file
    name), ``path`` and the :class:`Migration` subclass it defines."""

    version: str
    name: str
    path: str
    migration: type[Migration]


@dataclass(frozen=True)
class MigrationStatus:
    """A row of :meth:`Migrator.status`: ``"up"`` (applied) or ``"down"``; ``name``
    is ``None`` for an applied version whose file is gone (Rails' ``NO FILE``)."""

    version: str
    name: str | None
    status: str


def load_subclass(path: str, module_name: str, base: type, what: str) -> Any:
    """Import the Python file ``path`` as module ``module_name`` and return the one
    subclass of ``base`` it defines (``what`` names the kind of file in messages).

    Raises SchemaError naming the file when it does not compile (with the line), fails
    on import, or defines no or several such subclasses."""
    try:
        with open(path, encoding="utf-8") as fh:
            code = compile(fh.read(), path, "exec")
    except SyntaxError as exc:
        raise SchemaError(f"{path}: syntax error at line {exc.lineno}: {exc.msg}") from exc
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the user's own file
    except Exception as exc:
        raise SchemaError(f"{path}: fails on import: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.modules.pop(module_name, None)
    found = [v for v in vars(module).values() if isinstance(v, type) and
             issubclass(v, base) and v.__module__ == module_name]
    if len(found) != 1:
        names = ", ".join(sorted(c.__name__ for c in found)) or "none"
        raise SchemaError(f"{path}: a {what} file defines exactly one {base.__name__} "
                          f"subclass; found {names}")
    return found[0]


def load_migration_file(path: str, version: str) -> type[Migration]:
    """Import a migration file and return its one Migration subclass (SchemaError
    naming the file otherwise: see :func:`load_subclass`)."""
    found: type[Migration] = load_subclass(path, f"activerecord_migration_{version}",
                                           Migration, "migration")
    return found


def record_version(editor: SchemaEditor, version: str, *, up: bool = True) -> None:
    """Insert (``up``) or delete ``version``'s row of ``schema_migrations`` through
    ``editor``, the value bound (recorded with it written in: what a dry run prints)."""
    q = editor.q
    if up:
        sql = f"INSERT INTO {q(SCHEMA_MIGRATIONS)} ({q('version')}) VALUES (?)"
    else:
        sql = f"DELETE FROM {q(SCHEMA_MIGRATIONS)} WHERE {q('version')} = ?"
    editor.run_bound(sql, (version,))


class Migrator:
    """Runs the migrations of one folder against one database.

    Args:
        path: the folder of migration files (``db/migrate``).
        database: a :class:`Database`, a URL, or ``None`` for the default database.
        schema_path: the schema file written after each run (default ``schema.py``
            next to the folder: ``db/schema.py``); ``None`` writes none.
        lock_timeout: seconds to wait for another process's migration run.
        log: called with each line of progress (``print`` for the CLI); none by default.
    """

    def __init__(self, path: str = "db/migrate", database: Database | str | None = None,
                 *, schema_path: str | None = "", lock_timeout: float = 60.0,
                 log: Callable[[str], Any] | None = None):
        from ..connection.database import Database as _Database
        from ..connection.handling import get_database

        self.path = path
        if isinstance(database, str):
            database = _Database(database)
        self.database: Database = database if database is not None else get_database()
        if schema_path == "":
            schema_path = os.path.join(os.path.dirname(os.path.abspath(path)), "schema.py")
        self.schema_path = schema_path
        self.lock_timeout = lock_timeout
        self.log = log or (lambda line: None)
        #: The statements of the last run, in order (what a dry run prints).
        self.statements: list[str] = []
        #: The versions a dry run that sends nothing would leave applied (or None).
        self._simulated: set[str] | None = None

    # -- discovery -----------------------------------------------------------------------
    def migrations(self) -> list[MigrationFile]:
        """Return the migration files, sorted by version, each loaded.

        Raises SchemaError (naming the file) for a missing folder, a file with a bad
        name, a duplicate version or name, or a file that does not load."""
        if not os.path.isdir(self.path):
            raise SchemaError(f"no migrations folder {self.path!r} (create it, or run "
                              "`activerecord new NAME`)")
        found: dict[str, MigrationFile] = {}
        names: dict[str, str] = {}
        for entry in sorted(os.listdir(self.path)):
            if entry.startswith(("_", ".")):
                continue
            full = os.path.join(self.path, entry)
            m = FILE_NAME.match(entry)
            if m is None or not os.path.isfile(full):
                raise SchemaError(f"{full}: not a migration file (names are "
                                  "<14 digits>_<lower_case_name>.py, e.g. "
                                  "20261201120000_create_albums.py)")
            version, name = m.group(1), m.group(2)
            if version in found:
                raise SchemaError(f"{full}: version {version} is also the version of "
                                  f"{found[version].path}")
            if name in names:
                raise SchemaError(f"{full}: the name {name!r} is also the name of {names[name]}")
            names[name] = full
            found[version] = MigrationFile(version, name, full, load_migration_file(
                full, version))
        return [found[v] for v in sorted(found)]

    # -- the versions table --------------------------------------------------------------
    def editor(self, dry_run: bool = False) -> SchemaEditor:
        """A schema editor of this database's backend."""
        return self.database.adapter.schema_editor_class(self.database, dry_run=dry_run)

    def ensure_table(self, editor: SchemaEditor | None = None) -> None:
        """Create ``schema_migrations`` when it does not exist."""
        editor = editor or self.editor()
        if self._has_table():
            return
        editor.apply(ddl.CreateTable(
            SCHEMA_MIGRATIONS, (ddl.ColumnDef("version", "string", null=False,
                                              primary_key=True),),
            ("version",), if_not_exists=True))

    def _has_table(self) -> bool:
        # One catalog query (never the schema cache: another process may have made it).
        return SCHEMA_MIGRATIONS in self.database.table_names()

    def applied_versions(self) -> list[str]:
        """Return the recorded versions, sorted (none when the table does not exist)."""
        if not self._has_table():
            return []
        q = self.database.dialect.quote_name
        rows = self.database.execute(f"SELECT {q('version')} FROM {q(SCHEMA_MIGRATIONS)}").rows
        return sorted(str(r[0]) for r in rows)

    def current_version(self) -> str | None:
        """The latest applied version, or ``None``."""
        versions = self.applied_versions()
        return versions[-1] if versions else None

    def status(self) -> list[MigrationStatus]:
        """Every migration file and applied version, sorted, with ``up``/``down``."""
        files = {m.version: m for m in self.migrations()}
        applied = set(self.applied_versions())
        rows = [MigrationStatus(v, files[v].name if v in files else None,
                                "up" if v in applied else "down")
                for v in sorted(set(files) | applied)]
        return rows

    def pending(self) -> list[MigrationFile]:
        """The migration files not yet applied, in order."""
        applied = set(self.applied_versions())
        return [m for m in self.migrations() if m.version not in applied]

    # -- running -------------------------------------------------------------------------
    def migrate(self, to: str | None = None, *, dry_run: bool = False) -> list[str]:
        """Apply the pending migrations (up to and including ``to``), or, when ``to``
        is below applied versions, roll those back (newest first) so that exactly the
        versions up to ``to`` are applied (``"0"``: none). Returns the versions run.

        Raises SchemaError for an unknown ``to`` or a bad migration file (before
        anything runs), MigrationError when a migration fails (the ones before it stay
        applied), IrreversibleMigration for one that cannot be rolled back."""
        files = self.migrations()
        if to is not None and to != "0" and to not in {m.version for m in files}:
            raise SchemaError(f"no migration has version {to!r} (versions: "
                              f"{', '.join(m.version for m in files) or 'none'})")
        return self._run(files, lambda applied: self._plan_to(files, applied, to), dry_run)

    def rollback(self, step: int = 1, *, dry_run: bool = False) -> list[str]:
        """Roll back the ``step`` latest applied migrations, newest first; returns
        their versions. Raises SchemaError for an applied version without its file."""
        if step < 1:
            raise ValueError(f"step must be at least 1, not {step}")
        files = self.migrations()
        return self._run(files, lambda applied: self._plan_back(files, applied, step),
                         dry_run)

    def redo(self, step: int = 1, *, dry_run: bool = False) -> list[str]:
        """Roll back the ``step`` latest migrations and apply them again."""
        files = self.migrations()

        def plan(applied: list[str]) -> list[tuple[MigrationFile, str]]:
            back = self._plan_back(files, applied, step)
            return back + [(m, "up") for m, _ in reversed(back)]
        return self._run(files, plan, dry_run)

    def _plan_to(self, files: list[MigrationFile], applied: list[str], to: str | None
                 ) -> list[tuple[MigrationFile, str]]:
        by_version = {m.version: m for m in files}
        done = set(applied)
        up = [(m, "up") for m in files if m.version not in done and (to is None or m.version <= to)]
        if to is None:
            return up
        down = [v for v in reversed(applied) if v > to]
        return [(self._file_of(by_version, v), "down") for v in down] + up

    def _plan_back(self, files: list[MigrationFile], applied: list[str], step: int
                   ) -> list[tuple[MigrationFile, str]]:
        by_version = {m.version: m for m in files}
        return [(self._file_of(by_version, v), "down") for v in list(reversed(applied))[:step]]

    @staticmethod
    def _file_of(by_version: dict[str, MigrationFile], version: str) -> MigrationFile:
        if version not in by_version:
            raise SchemaError(f"version {version} is applied but its file is gone from "
                              "the migrations folder: it cannot be rolled back")
        return by_version[version]

    def _run(self, files: list[MigrationFile],
             plan: Callable[[list[str]], list[tuple[MigrationFile, str]]],
             dry_run: bool) -> list[str]:
        # Under the migration lock: the plan is made from the versions applied once the
        # lock is held. After a run that changed anything -- also one a failure ended,
        # when migrations before it stay applied -- the schema file is written again,
        # still under the lock (another process's run cannot interleave its own).
        self.statements = []
        editor = self.editor(dry_run)
        ran: list[str] = []
        started = False
        with editor.migration_lock(self.lock_timeout):
            try:
                if not dry_run:
                    self.ensure_table(editor)
                steps = plan(self.applied_versions())
                started = bool(steps) and not dry_run
                if dry_run and self.database.features.supports_transactional_ddl:
                    ran = self._rehearse(editor, steps)
                else:
                    # A dry run sending nothing (MySQL) keeps the versions it would
                    # record or delete here, so a redo's second half still runs.
                    self._simulated = set(self.applied_versions()) if dry_run else None
                    for migration_file, direction in steps:
                        if self._run_one(migration_file, direction, dry_run):
                            ran.append(migration_file.version)
            except BaseException:
                if started:
                    self._after_run(editor, quiet=True)
                raise
            if ran and not dry_run:
                self._after_run(editor)
        return ran

    def _after_run(self, editor: SchemaEditor, quiet: bool = False) -> None:
        # Pooled connections forget prepared statements; the schema file is rewritten.
        # ``quiet``: a failure ended the run; an error here must not hide it.
        try:
            editor.schema_changed()
            if self.schema_path:
                from .schema_dump import dump
                dump(self.database, self.schema_path)
        except Exception as exc:
            if not quiet:
                raise
            self.log(f"-- the schema file was not written: {type(exc).__name__}: {exc}")

    def _rehearse(self, editor: SchemaEditor, steps: list[tuple[MigrationFile, str]]
                  ) -> list[str]:
        # A dry run where DDL is transactional: the steps run for real in one
        # transaction, rolled back at its end (so each sees what the ones before did;
        # the transaction swallows the Rollback).
        ran: list[str] = []
        with self.database.transaction_manager.transaction(session=editor.session):
            for migration_file, direction in steps:
                if self._run_one(migration_file, direction, True, joined=True):
                    ran.append(migration_file.version)
            self.editor().check_integrity()  # (a dry-run editor checks nothing)
            raise Rollback()
        return ran

    def _run_one(self, mf: MigrationFile, direction: str, dry_run: bool,
                 joined: bool = False) -> bool:
        # One migration; returns False when another process already did it. ``joined``:
        # inside the transaction of a dry run (_rehearse).
        db = self.database
        transactional = db.features.supports_transactional_ddl and \
            not mf.migration.disable_transaction
        editor = self.editor(dry_run and not transactional)
        migration = mf.migration(editor, self.log)
        migration.version, migration.name = mf.version, mf.name
        verb = "migrating" if direction == "up" else "reverting"
        self.log(f"== {mf.version} {mf.migration.__name__}: {verb}")
        try:
            if transactional and not joined:
                done = self._in_transaction(editor, migration, direction)
            else:
                done = self._step(editor, migration, direction, dry_run)
        except MigrationError as exc:
            if exc.version is None:
                exc.version, exc.name = mf.version, mf.name
            raise
        except Exception as exc:
            raise self._failure(mf, direction, editor, exc, transactional) from exc
        finally:
            self.statements.extend(editor.executed)
            editor.changed()
        self.log(f"== {mf.version} {mf.migration.__name__}: "
                 f"{'migrated' if direction == 'up' else 'reverted'}"
                 if done else f"== {mf.version}: already done by another process")
        return done

    def _in_transaction(self, editor: SchemaEditor, migration: Migration, direction: str
                        ) -> bool:
        with self.database.transaction_manager.transaction(session=editor.session):
            done = self._step(editor, migration, direction, False)
            editor.check_integrity()
        return done

    def _step(self, editor: SchemaEditor, migration: Migration, direction: str,
              dry_run: bool) -> bool:
        # Checked here, inside the migration's transaction where there is one: another
        # process may have applied (or reverted) it since the plan was made.
        simulated = self._simulated if editor.dry_run else None
        applied = simulated if simulated is not None else set(self.applied_versions())
        if (migration.version in applied) == (direction == "up"):
            return False
        if simulated is not None:
            (simulated.add if direction == "up" else simulated.discard)(migration.version)
        if dry_run and editor.dry_run is False:
            self.ensure_table(editor)
        migration.run(direction)
        record_version(editor, migration.version, up=direction == "up")
        return True

    def _failure(self, mf: MigrationFile, direction: str, editor: SchemaEditor,
                 exc: Exception, transactional: bool) -> MigrationError:
        what = f"migration {mf.version} {mf.name} ({direction}) failed: " \
               f"{type(exc).__name__}: {exc}"
        if transactional:
            return MigrationError(f"{what}; it was rolled back, nothing of it is applied",
                                  version=mf.version, name=mf.name,
                                  statements=list(editor.executed), rolled_back=True)
        if editor.dry_run:  # nothing was sent: the statements are what it would run
            return MigrationError(f"{what}; (dry run: nothing was changed)", version=mf.version,
                                  name=mf.name, statements=[], rolled_back=True)
        ran = list(editor.executed)
        why = ("it ran outside a transaction (disable_transaction)"
               if self.database.features.supports_transactional_ddl
               else "DDL commits at once on this database")
        tail = (f"; {len(ran)} statement(s) of it ran and stay applied ({why}), its version "
                "is not recorded" if ran else "; no schema statement of it ran, its version "
                "is not recorded")
        tail += " (writes it made through models or Database.execute are not tracked: " \
                "check its tables)"
        return MigrationError(what + tail, version=mf.version, name=mf.name,
                              statements=ran, rolled_back=False)
