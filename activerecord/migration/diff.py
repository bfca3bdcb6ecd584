"""The migration between two live schemas (``activerecord db diff``).

:func:`diff_migration` reads both schemas (:func:`~.schema_dump.schema_tables`) and
writes the text of a migration file whose ``up()`` turns the first into the second
and whose ``down()`` turns it back: tables created (in the schema file's own
rendering, :func:`~.schema_dump.table_lines`) and dropped, columns added, removed and
changed, indexes, CHECK constraints and foreign keys added and removed. It is a
start for a project adopting an existing database (diff an empty database against
it) or comparing two of its environments; review it before running it: a renamed
column reads as one removed and one added, and a changed primary key is only noted.

The order is deterministic (tables, columns, indexes and constraints by name) and
safe to run: foreign keys, indexes and checks that go are removed first, tables are
dropped before the tables they refer to, new foreign keys are added last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..connection.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo
from ..sql import ddl
from .schema_dump import (
    column_default,
    column_line,
    column_type,
    foreign_key_line,
    index_line,
    key_args,
    portable_expression,
    render_value,
    schema_tables,
    table_lines,
)

if TYPE_CHECKING:
    from ..connection.database import Database

__all__ = ["diff_migration", "SchemaSide"]

_INDENT = "        "


@dataclass
class SchemaSide:
    """One side of a diff: its tables by name, the editor that renders its keys and
    the foreign key actions its database reports for none given."""

    label: str
    tables: dict[str, TableInfo] = field(default_factory=dict)
    editor: Any = None
    fk_defaults: frozenset[str] = frozenset({"NO ACTION"})

    @classmethod
    def of(cls, database: Database | None) -> SchemaSide:
        """The live schema of ``database`` (``None``: an empty schema)."""
        if database is None:
            return cls("an empty database")
        editor = database.adapter.schema_editor_class(database, dry_run=True)
        return cls(database.adapter.describe(), {t.name: t for t in schema_tables(database)},
                   editor, editor.default_fk_actions)

    def foreign_keys(self, table: str) -> dict[str, ForeignKeyInfo]:
        """The foreign keys of ``table`` by their ``add_foreign_key`` line."""
        info = self.tables[table]
        return {foreign_key_line(info, fk, self.fk_defaults): fk for fk in info.foreign_keys}

    def indexes(self, table: str) -> dict[str, IndexInfo]:
        """The indexes of ``table`` by name, without those MySQL makes for a foreign
        key of its own accord (as the schema file leaves them out)."""
        info = self.tables[table]
        fk_names = {(fk.name, fk.columns) for fk in info.foreign_keys}
        return {i.name: i for i in info.indexes if (i.name, i.columns) not in fk_names}

    def checks(self, table: str) -> dict[str, str]:
        """The CHECK constraints of ``table``: name -> portable expression."""
        return {c.name: portable_expression(c.expression) for c in self.tables[table].checks}


def diff_migration(from_db: Database | None, to_db: Database, name: str = "AdoptSchema"
                   ) -> str:
    """Return the text of a migration file turning ``from_db``'s schema into
    ``to_db``'s (``up()``) and back (``down()``).

    Args:
        from_db: the database whose schema the migration starts from; ``None`` for an
            empty one (the migration then creates every table of ``to_db``).
        to_db: the database whose schema the migration makes.
        name: the migration's class name.

    Returns:
        The source of a file holding one ``Migration`` subclass (``schema_migrations``
        is left out of both sides).

    Raises:
        ValueError: ``name`` is not a Python identifier.
        activerecord.errors.DatabaseError: a catalog cannot be read.
    """
    if not name.isidentifier():
        raise ValueError(f"the migration's class name {name!r} is not a Python identifier")
    old, new = SchemaSide.of(from_db), SchemaSide.of(to_db)
    up, down = statements(old, new), statements(new, old)
    lines = [
        f'"""{name}: up() turns the schema of the first database into that of the second.',
        "",
        f"From: {old.label}",
        f"To:   {new.label}",
        "",
        "Written by `activerecord db diff`: review it before running it (a renamed column",
        "reads as one removed and one added; a changed column may lose data).",
        '"""',
        "from decimal import Decimal  # noqa: F401",
        "",
        "from activerecord.migration import Migration, SQLDefault  # noqa: F401",
        "",
        "",
        f"class {name}(Migration):",
        "    def up(self) -> None:",
        *(up or [_INDENT + "pass  # the schemas are the same"]),
        "",
        "    def down(self) -> None:",
        *(down or [_INDENT + "pass  # the schemas are the same"]),
    ]
    return "\n".join(lines) + "\n"


def statements(src: SchemaSide, dst: SchemaSide) -> list[str]:
    """The body of a method turning ``src``'s schema into ``dst``'s, as lines of
    source indented for a method body (empty when the schemas are the same)."""
    dropped = sorted(set(src.tables) - set(dst.tables))
    created = sorted(set(dst.tables) - set(src.tables))
    kept = sorted(set(src.tables) & set(dst.tables))
    out: list[str] = []
    for table in kept:
        out += _removed_constraints(src, dst, table)
    out += _drops(src, dropped)
    for table in created:
        out += table_lines(dst.tables[table], dst.editor)
    if created:
        out.append("")
    for table in kept:
        out += _column_changes(src, dst, table)
    for table in kept:
        out += _added_constraints(src, dst, table)
    for table in sorted(created + kept):
        have = src.foreign_keys(table) if table in src.tables else {}
        out += [_INDENT + line for line in sorted(dst.foreign_keys(table)) if line not in have]
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return out


def _removed_constraints(src: SchemaSide, dst: SchemaSide, table: str) -> list[str]:
    # Foreign keys, indexes and checks of a kept table that dst lacks (or has otherwise).
    out = [_INDENT + _remove_foreign_key(table, fk)
           for line, fk in sorted(src.foreign_keys(table).items())
           if line not in dst.foreign_keys(table)]
    new_indexes = dst.indexes(table)
    for index_name, index in sorted(src.indexes(table).items()):
        theirs = new_indexes.get(index_name)
        if theirs is None or index_line(table, theirs) != index_line(table, index):
            out.append(f"{_INDENT}self.remove_index({table!r}, name={index_name!r})")
    new_checks = dst.checks(table)
    for check_name, expression in sorted(src.checks(table).items()):
        if new_checks.get(check_name) != expression:
            out.append(f"{_INDENT}self.remove_check_constraint({table!r}, "
                       f"name={check_name!r})")
    return out


def _added_constraints(src: SchemaSide, dst: SchemaSide, table: str) -> list[str]:
    # Indexes and checks of a kept table that src lacks (or has otherwise).
    out = []
    old_indexes = src.indexes(table)
    for index_name, index in sorted(dst.indexes(table).items()):
        ours = old_indexes.get(index_name)
        if ours is None or index_line(table, ours) != index_line(table, index):
            out.append(_INDENT + _add_index(table, index))
    old_checks = src.checks(table)
    for check_name, expression in sorted(dst.checks(table).items()):
        if old_checks.get(check_name) != expression:
            out.append(f"{_INDENT}self.add_check_constraint({table!r}, {expression!r}, "
                       f"name={check_name!r})")
    return out


def _drops(src: SchemaSide, tables: list[str]) -> list[str]:
    # Drop ``tables``, each before the tables it refers to; the foreign keys of a
    # cycle among them are removed first.
    out: list[str] = []
    left = set(tables)
    while left:
        referred = {fk.referred_table for t in left for fk in src.tables[t].foreign_keys
                    if fk.referred_table != t}
        free = sorted(t for t in left if t not in referred)
        if not free:  # a cycle: its foreign keys go, then any order will do
            for table in sorted(left):
                out += [_INDENT + _remove_foreign_key(table, fk)
                        for fk in src.tables[table].foreign_keys if fk.referred_table != table]
            free = sorted(left)
        out += [f"{_INDENT}self.drop_table({t!r})" for t in free]
        left -= set(free)
    return out


def _column_changes(src: SchemaSide, dst: SchemaSide, table: str) -> list[str]:
    # Columns added, changed and removed in a kept table; a key that differs is noted.
    old, new = src.tables[table], dst.tables[table]
    out = []
    old_key, old_key_cols = key_args(old, src.editor)
    new_key, new_key_cols = key_args(new, dst.editor)
    if (old.primary_key, old_key) != (new.primary_key, new_key):
        out.append(f"{_INDENT}# {table}: the primary key differs ({', '.join(old.primary_key)}"
                   f" -> {', '.join(new.primary_key)}): change it by hand")
    skip = old_key_cols | new_key_cols
    for col in new.columns:
        if col.name in skip:
            continue
        ours = old.column(col.name)
        if ours is None:
            out.append(f"{_INDENT}self.add_column({table!r}, {col.name!r}, {_args(col)})")
        elif column_line(ours) != column_line(col):
            out.append(f"{_INDENT}self.change_column({table!r}, {col.name!r}, "
                       f"{_args(col, change=True)})")
    out += [f"{_INDENT}self.remove_column({table!r}, {col.name!r})" for col in old.columns
            if col.name not in skip and new.column(col.name) is None]
    return out


def _args(col: ColumnInfo, change: bool = False) -> str:
    # The type and options of a column for add_column/change_column (which keeps the
    # nullability and default it is not given, as Rails': both are always given).
    kind, opts = column_type(col)
    parts = [repr(kind)]
    if not col.nullable or change:
        parts.append(f"null={col.nullable!r}")
    default = column_default(col, kind)
    if default is not ddl.NO_DEFAULT:
        parts.append(f"default={render_value(default)}")
    elif change:
        parts.append("default=None")
    parts += [f"{k}={v!r}" for k, v in opts.items()]
    return ", ".join(parts)


def _add_index(table: str, index: IndexInfo) -> str:
    line = index_line(table, index)
    assert line.startswith("t.index(")
    return f"self.add_index({table!r}, {line[len('t.index('):]}"


def _remove_foreign_key(table: str, fk: ForeignKeyInfo) -> str:
    cols = list(fk.columns)
    column = repr(cols[0]) if len(cols) == 1 else repr(cols)
    return f"self.remove_foreign_key({table!r}, {fk.referred_table!r}, column={column})"
