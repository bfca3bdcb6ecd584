"""Helpers of the migration tests: migration folders written from source text, and a
schema read back from the catalog as plain, comparable data. Test code only.

:func:`normalized` is what "equivalent schemas" means in the tests: for every table,
the columns with their portable type and options (``schema_dump.column_type``),
nullability and default, the primary key, the foreign keys (columns, referred table and
columns, actions with RESTRICT, NO ACTION and none taken as one), the indexes (name,
columns, unique; the index MySQL makes for a foreign key of its own accord left out),
and the checks by name, their expressions made portable and stripped of whitespace,
parentheses and case.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import decimal
import os
import re
import shutil
import tempfile
import textwrap
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from activerecord.migration import schema_dump
from activerecord.sql import ddl

HEADER = ("import datetime\nimport time\nfrom decimal import Decimal\n\n"
          "from activerecord.migration import Migration, SQLDefault\n\n\n")

_SAME_ACTION = {None, "NO ACTION", "RESTRICT"}


def write_migrations(folder, *bodies: tuple[str, str], start: int = 0) -> list[str]:
    """Write ``(name, source)`` migration files into ``folder`` (made as needed), with
    versions ``20260101000000 + start``, ``+1``...; returns the versions. The source is
    dedented and given the imports of :data:`HEADER`."""
    os.makedirs(folder, exist_ok=True)
    versions = []
    for k, (name, body) in enumerate(bodies, start=start):
        version = f"{20260101000000 + k}"
        path = os.path.join(folder, f"{version}_{name}.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(HEADER + textwrap.dedent(body).strip() + "\n")
        versions.append(version)
    return versions


def migration(body: str, cls: str = "Step") -> str:
    """The source of a ``change()`` migration whose body is ``body`` (dedented)."""
    inner = textwrap.indent(textwrap.dedent(body).strip(), " " * 8)
    return f"class {cls}(Migration):\n    def change(self):\n{inner}\n"


def up_down(up: str, down: str, cls: str = "Step") -> str:
    """The source of an ``up()``/``down()`` migration."""
    u = textwrap.indent(textwrap.dedent(up).strip(), " " * 8)
    d = textwrap.indent(textwrap.dedent(down).strip(), " " * 8)
    return f"class {cls}(Migration):\n    def up(self):\n{u}\n\n    def down(self):\n{d}\n"


def drop_all(db, keep: frozenset[str] | set[str] = frozenset()) -> None:
    """Drop every table of ``db`` but ``keep`` (foreign keys notwithstanding)."""
    db.schema_cache.clear()
    tables = [t for t in db.table_names() if t not in keep]
    if tables:
        db.adapter.schema_editor_class(db).drop_tables(tables)
    db.schema_cache.clear()


# -- a schema as comparable data ------------------------------------------------------
def expression(text: str) -> str:
    """A check or index condition, portable and without whitespace, parentheses and
    case: ``(price >= (0)::numeric)`` and ```price` >= 0`` are both ``price>=0``."""
    return re.sub(r"[\s()]", "", schema_dump.portable_expression(text)).lower()


def _value(value: Any) -> Any:
    # A default as one spelling on every database.
    if isinstance(value, ddl.SQLDefault):
        return ("sql", value.sql.lower())
    if isinstance(value, (_dt.date, _dt.time, uuid.UUID)):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return ("decimal", str(value))
    return value


def column(col) -> tuple:
    """One column: name, portable type, options, nullability, default."""
    kind, opts = schema_dump.column_type(col)
    default = _value(schema_dump.column_default(col, kind))
    return (col.name, kind, tuple(sorted(opts.items())), col.nullable, default)


def _action(action: str | None) -> str | None:
    action = action.upper() if action else None
    return None if action in _SAME_ACTION else action


def table(db, info, ordered: bool = True) -> dict:
    """One table as comparable data (see the module docstring); a generated key is
    ``(name, "key", its reference type)`` (SQLite's rowid: bigint). ``ordered=False``:
    the columns sorted by name (a column removed and added back comes last)."""
    key = info.primary_key
    generated = {key[0]} if len(key) == 1 and (
        info.column(key[0]).auto_increment or info.column(key[0]).type == "uuid") else set()
    editor = db.adapter.schema_editor_class(db, dry_run=True)
    columns = [(c.name, "key", editor.reference_type(c)) if c.name in generated else
               column(c) for c in info.columns]
    fk_names = {(fk.name, fk.columns) for fk in info.foreign_keys}
    return {
        "columns": columns if ordered else sorted(columns),
        "primary_key": tuple(key),
        "foreign_keys": sorted((fk.columns, fk.referred_table, fk.referred_columns,
                                _action(fk.on_delete), _action(fk.on_update))
                               for fk in info.foreign_keys),
        "indexes": sorted((i.name, i.columns, i.unique,
                           expression(i.where) if i.where else None)
                          for i in info.indexes if (i.name, i.columns) not in fk_names),
        "checks": sorted((c.name, expression(c.expression)) for c in info.checks),
    }


def normalized(db, ordered: bool = True) -> dict:
    """Every table of ``db`` but ``schema_migrations``, as :func:`table` data."""
    return {info.name: table(db, info, ordered) for info in schema_dump.schema_tables(db)}


class Migrations:
    """A ``db/migrate`` folder under ``root`` for one test on ``db``: :meth:`add`
    writes migration files (versions numbered on from the last one written),
    :meth:`migrator` returns a Migrator over it (no schema file unless asked)."""

    def __init__(self, db, root):
        self.db = db
        self.root = str(root)
        self.folder = os.path.join(self.root, "db", "migrate")
        self.schema_path = os.path.join(self.root, "db", "schema.py")
        self.written = 0

    def add(self, *bodies: tuple[str, str]) -> list[str]:
        """Write ``(name, source)`` files; returns their versions."""
        versions = write_migrations(self.folder, *bodies, start=self.written)
        self.written += len(bodies)
        return versions

    def migrator(self, *, schema: bool = False, **options: Any):
        """A Migrator of the folder on the test's database."""
        from activerecord.migration import Migrator

        return Migrator(self.folder, self.db, schema_path=self.schema_path if schema else None,
                        **options)

    def run(self, *bodies: tuple[str, str], schema: bool = False):
        """Write ``bodies``, migrate, and return the Migrator."""
        self.add(*bodies)
        migrator = self.migrator(schema=schema)
        migrator.migrate()
        return migrator


_private: dict[str, Any] = {}


def server_url(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead (same server, credentials, options)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def private_database(db):
    """A Database of ``db``'s backend on a database of its own, made at first use and
    dropped when the test run ends (a SQLite file in a temporary folder; a server
    database ``ar_migrations_<pid>``): migration tests compare and drop whole schemas
    there, never in the database the other tests share."""
    from activerecord.connection.database import Database

    backend = db.adapter.name
    if backend not in _private:
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="ar-migrations-")
            database = Database(f"sqlite:///{folder}/migrations.db", name="migrations-sqlite")
            atexit.register(shutil.rmtree, folder, True)
        else:
            url = server_url(db.config.url, f"ar_migrations_{os.getpid()}")
            database = Database(url, name=f"migrations-{backend}")
            creation = database.adapter.creation_class(database.adapter)
            if creation.exists(database.config):
                creation.drop(database.config)
            creation.create(database.config)
            atexit.register(_drop, database)
        _private[backend] = database
    return _private[backend]


def _drop(database) -> None:
    database.close()
    database.adapter.creation_class(database.adapter).drop(database.config)


def fresh(db, root):
    """Yield a :class:`Migrations` for a test on the private database of ``db``'s
    backend (:func:`private_database`, made the default database for the test), with
    no table before and none left after."""
    from activerecord.connection.handling import set_default_database

    private = private_database(db)
    drop_all(private)
    set_default_database(private)
    try:
        yield Migrations(private, root)
    finally:
        drop_all(private)
        set_default_database(db)


def info(db, table):
    """The live TableInfo of ``table`` (the schema cache entry read afresh)."""
    db.schema_cache.clear(table)
    return db.table_info(table)
