"""Migrations: the schema defined in code, run in order, dumped and loaded.

``Migration`` (``change()`` or ``up()``/``down()``, the DSL of ``dsl.py``), ``Migrator``
(runs the files of ``db/migrate/``, keeps ``schema_migrations``), ``Schema`` (the base of
``db/schema.py``), ``SQLDefault`` (a default given as SQL). See docs/migrations.md.
"""

from ..errors import IrreversibleMigration, MigrationError, SchemaError
from ..sql.ddl import SQLDefault
from .dsl import TableBuilder
from .migration import Migration
from .runner import MigrationFile, MigrationStatus, Migrator
from .schema_dump import Schema, dump, dump_cache, load

__all__ = ["Migration", "Migrator", "MigrationFile", "MigrationStatus", "Schema",
           "SQLDefault", "TableBuilder", "IrreversibleMigration", "MigrationError",
           "SchemaError", "dump", "load", "dump_cache"]
