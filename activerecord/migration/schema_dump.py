"""The schema file (``db/schema.py``) and the schema cache file (``db/schema_cache.json``).

:func:`dump` writes the live schema as a :class:`Schema` subclass in the migration DSL
(Rails' ``db/schema.rb``): tables in name order, each column with its portable type and
options, the indexes and checks in the table's block, the foreign keys after all
tables. The text is deterministic and portable: :func:`load` makes the same schema in
any of the three databases, and records the migration versions up to the schema's, so
a later ``migrate`` has nothing to do. :func:`dump_cache` writes the schema cache file
that ``connect(url, schema_cache=path)`` boots from.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import os
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ..connection.introspection import ColumnInfo, TableInfo, parse_type_args
from ..errors import NotSupportedError, SchemaError
from ..sql import ddl
from .migration import Migration

if TYPE_CHECKING:
    from ..connection.database import Database

__all__ = ["Schema", "dump", "dump_text", "load", "load_schema_class", "dump_cache",
           "portable_expression", "schema_tables"]

_ACTIONS = {sql: name for name, sql in ddl.FK_ACTIONS.items()}
_CAST = re.compile(r"::(?:\"[^\"]+\"|[a-z_][a-z0-9_]*)(?:\s+(?:varying|precision|"
                   r"(?:with|without)\s+time\s+zone))*(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?",
                   re.IGNORECASE)
_QUOTED = re.compile(r'"([a-z_][a-z0-9_]*)"')
_STRING = re.compile(r"('(?:[^']|'')*')")
_BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
_SPELLINGS = [(re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in (
    (r"\s*=\s*ANY\s*\(\s*\(?\s*ARRAY\[([^\]]*)\]\s*\)?\s*\)", r" IN (\1)"),
    (r"\s*<>\s*ALL\s*\(\s*\(?\s*ARRAY\[([^\]]*)\]\s*\)?\s*\)", r" NOT IN (\1)"),
    (r"\s+!~~\s+", " NOT LIKE "), (r"\s+~~\s+", " LIKE "),
    (r"\blcase\s*\(", "lower("), (r"\bucase\s*\(", "upper("), (r"\s+MOD\s+", " % "))]
_NOW = re.compile(r"^\(?\s*(?:current_timestamp|now)\s*(?:\(\s*\d*\s*\))?\s*\)?$", re.I)
_TEXT_TYPES = ("text", "tinytext", "mediumtext", "longtext", "clob")
#: The byte widths of the narrower integer types (the editors map ``limit`` back).
_INT_BYTES = {"smallint": 2, "int2": 2, "tinyint": 1, "mediumint": 3}
#: The byte sizes of MySQL's wider text and blob types, written as ``limit=`` (the
#: schema editors pick the type back from it).
_SIZES = {"tinytext": 255, "mediumtext": 16777215, "longtext": 4294967295,
          "tinyblob": 255, "mediumblob": 16777215, "longblob": 4294967295}
_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "date": _dt.date.fromisoformat, "datetime": _dt.datetime.fromisoformat,
    "timestamptz": _dt.datetime.fromisoformat, "time": _dt.time.fromisoformat}


class Schema(Migration):
    """Base class of a schema file: ``version`` (the latest migration it includes) and
    ``define()``, the statements that make the schema."""

    version: ClassVar[str] = ""  # type: ignore[misc]

    def define(self) -> None:
        """The schema's statements (written by :func:`dump`)."""
        raise NotImplementedError

    def up(self) -> None:
        self.define()


def portable_expression(text: str) -> str:
    """Return a CHECK or partial-index condition as the catalog reports it, made
    portable: PostgreSQL's ``::type`` casts removed (``(price >= (0)::numeric)`` ->
    ``(price >= (0))``), MySQL's backticks and SQLite's and PostgreSQL's double quotes
    around plain lower-case names removed, and the spellings each catalog prints for
    standard SQL written back as it: PostgreSQL's ``= ANY (ARRAY[...])``/``<> ALL
    (ARRAY[...])`` as ``IN (...)``/``NOT IN (...)``, its ``~~``/``!~~`` as ``LIKE``/``NOT
    LIKE``, MySQL's ``lcase()``/``ucase()`` as ``lower()``/``upper()`` and ``MOD`` as
    ``%``. String literals are left as they are."""
    pieces = _STRING.split(text)  # odd pieces: string literals, left as they are
    for k in range(0, len(pieces), 2):
        piece = _QUOTED.sub(r"\1", _BACKTICKED.sub(r"\1", _CAST.sub("", pieces[k])))
        for pattern, replacement in _SPELLINGS[2:]:
            piece = pattern.sub(replacement, piece)
        pieces[k] = piece
    text = "".join(pieces)
    for pattern, replacement in _SPELLINGS[:2]:  # ANY/ALL (ARRAY[...]) hold literals
        text = pattern.sub(replacement, text)
    return text.strip()


def schema_tables(database: Database) -> list[TableInfo]:
    """The live tables (``schema_migrations`` left out), sorted by name, read afresh."""
    from .runner import SCHEMA_MIGRATIONS

    database.schema_cache.clear()
    out = []
    for name in database.table_names():
        if name == SCHEMA_MIGRATIONS:
            continue
        info = database.table_info(name)
        if info is not None:
            out.append(info)
    return out


def dump_text(database: Database, version: str | None = None) -> str:
    """Return the schema file's text for the live schema of ``database``."""
    from .runner import Migrator

    if version is None:
        version = Migrator(database=database, schema_path=None).current_version() or ""
    editor = database.adapter.schema_editor_class(database, dry_run=True)
    tables = schema_tables(database)
    lines = [
        "# The schema of the database, written by activerecord after each migrate and",
        "# rollback: edit the migrations, not this file. `activerecord schema load` makes",
        "# this schema in an empty database (SQLite, PostgreSQL or MySQL/MariaDB).",
        "from decimal import Decimal  # noqa: F401",
        "",
        "from activerecord.migration import Schema, SQLDefault  # noqa: F401",
        "",
        "",
        "class AppSchema(Schema):",
        f"    version = {version!r}",
        "",
        "    def define(self) -> None:",
    ]
    shared = _shared_index_names(tables)
    for k, info in enumerate(tables):
        lines.extend(table_lines(info, editor, shared)[0 if k else 1:])
    fks = [(info, fk) for info in tables for fk in info.foreign_keys]
    if fks:
        lines.append("")
    for info, fk in sorted(fks, key=lambda p: (p[0].name, p[1].columns)):
        lines.append("        " + foreign_key_line(info, fk, editor.default_fk_actions))
    if not tables:
        lines.append("        pass")
    return "\n".join(lines) + "\n"


def dump(database: Database, path: str) -> str:
    """Write the schema file ``path`` (folders made as needed); returns its text."""
    text = dump_text(database)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


def _shared_index_names(tables: list[TableInfo]) -> frozenset[str]:
    # Index names of several tables (MySQL's are per table): written as the
    # conventional name of their columns, as SQLite and PostgreSQL need one per schema.
    seen: dict[str, int] = {}
    for info in tables:
        for index in info.indexes:
            seen[index.name] = seen.get(index.name, 0) + 1
    return frozenset(name for name, count in seen.items() if count > 1)


def table_lines(info: TableInfo, editor: Any, shared: frozenset[str] = frozenset()
                 ) -> list[str]:
    """The ``create_table`` block of ``info`` as :func:`dump_text` writes it: a blank
    line first, indented for a method body, foreign keys left out (they follow all the
    tables). ``editor``: a schema editor of the database ``info`` was read from;
    ``shared``: index names several tables use, written by the convention instead."""
    args, key_cols = key_args(info, editor)
    head = f"        with self.create_table({info.name!r}{args}) as t:"
    body = []
    for col in info.columns:
        if col.name in key_cols:
            continue
        body.append("            " + column_line(col))
    fk_names = {(fk.name, fk.columns) for fk in info.foreign_keys}
    names = {c.name for c in info.columns}
    for index in sorted(info.indexes, key=lambda i: i.name):
        if (index.name, index.columns) in fk_names:
            continue  # the index MySQL makes for a foreign key of its own accord
        if not all(c in names for c in index.columns):  # over an expression
            body.append(f"            # index {index.name!r} is over an expression: "
                        "not portable, make it with execute() in a migration")
            continue
        keep = index.name not in shared and not index.name.startswith("sqlite_autoindex_")
        body.append("            " + index_line(info.name, index, keep_name=keep))
    for check in info.checks:
        body.append(f"            t.check_constraint({portable_expression(check.expression)!r}, "
                    f"name={check.name!r})")
    return ["", head, *(body or ["            pass"])]


def key_args(info: TableInfo, editor: Any) -> tuple[str, set[str]]:
    """The ``create_table`` arguments for the table's key (``", id=False"``, ...) and
    the columns they make."""
    # The create_table arguments for the table's key, and the columns they make (a
    # generated single-column key: the id); other keys are columns of the block. The
    # editor's reference_type tells a bigint key (SQLite's rowid included) from an
    # integer one.
    pk = info.primary_key
    if not pk:
        return ", id=False", set()
    col = info.column(pk[0])
    if len(pk) == 1 and col is not None and (
            col.auto_increment or (col.type == "uuid" and col.default_sql)):
        if col.type == "uuid":
            args = ", id='uuid'"
        elif editor.reference_type(col) == "bigint":
            args = ""
        else:
            args = ", id='integer'"
        if pk[0] != "id":
            args += f", primary_key={pk[0]!r}"
        return args, {pk[0]}
    return f", primary_key={list(pk)!r}", set()


def column_type(col: ColumnInfo) -> tuple[str | None, dict[str, Any]]:
    """The portable type and options of an introspected column (``None`` and
    ``sql_type=`` for a type the portable names miss)."""
    base = col.sql_type.split("(", 1)[0].strip()
    kind, opts = col.type, dict[str, Any]()
    if kind == "integer":
        if base in _INT_BYTES:  # a narrower integer keeps its width on load (limit=)
            opts["limit"] = _INT_BYTES[base]
        return ("bigint" if "big" in base else "integer"), opts
    if kind == "string":
        if base in _TEXT_TYPES:
            if base in _SIZES:  # MySQL's wider text: a limit keeps its size on load
                opts["limit"] = _SIZES[base]
            return "text", opts
        if col.length is not None and col.length != 255:
            opts["limit"] = col.length
        return "string", opts
    if kind == "decimal":
        if col.precision is not None:
            opts["precision"] = col.precision
            opts["scale"] = col.scale or 0
        return "decimal", opts
    if kind == "interval" and base == "time":
        kind = "time"  # MySQL's TIME (a duration to its driver)
    if kind in ("datetime", "time"):
        digits, _ = parse_type_args(col.sql_type)
        if digits is not None and digits != 6:
            opts["precision"] = digits
        if kind == "datetime":
            return ("timestamptz" if col.timezone else "datetime"), opts
        return "time", opts
    if kind == "binary" and base in _SIZES:
        opts["limit"] = _SIZES[base]
        return kind, opts
    if kind in ("float", "boolean", "date", "binary", "json", "uuid"):
        return kind, opts
    return None, {"sql_type": col.sql_type}


def column_default(col: ColumnInfo, kind: str | None) -> Any:
    """The default of ``col`` as a migration gives it (one spelling on every database;
    ``SQLDefault`` for an expression or a value a schema file cannot write as a Python
    literal; ``ddl.NO_DEFAULT`` for none). ``kind``: the portable type of
    :func:`column_type`."""
    if col.default is not None:
        value = col.default
        if kind == "boolean" and isinstance(value, (int, str)) and str(value) in ("0", "1"):
            return str(value) == "1"
        if kind == "float" and isinstance(value, (int, decimal.Decimal)):
            return float(value)  # SQLite reads 1.5 back as a Decimal
        if kind in _TEMPORAL and isinstance(value, str):
            return _temporal(value, kind)
        if kind == "decimal" and isinstance(value, (int, float, decimal.Decimal)):
            value = decimal.Decimal(str(value))
            if col.scale is not None:  # one spelling on every database: 5.00
                value = value.quantize(decimal.Decimal(1).scaleb(-col.scale))
        if isinstance(value, uuid.UUID):
            return str(value)
        if not isinstance(value, _RENDERED) and col.default_sql:
            return ddl.SQLDefault(col.default_sql)  # an interval, bytes...: as the SQL
        return value
    sql = col.default_sql
    if sql is None or sql.upper() == "NULL" or col.auto_increment or col.generated or \
            sql.lower().startswith("nextval("):
        return ddl.NO_DEFAULT
    if _NOW.match(sql):
        return ddl.SQLDefault("CURRENT_TIMESTAMP")
    return ddl.SQLDefault(sql)


#: Default values a schema file writes as Python literals (others: as their SQL).
_RENDERED = (str, int, float, bool, decimal.Decimal, _dt.date, _dt.time)


def _temporal(text: str, kind: str) -> Any:
    # A date/time default the catalog reports as text (SQLite, MySQL's
    # '2020-01-02 03:04:05.000000') as the value, so every database dumps one spelling.
    try:
        return _TEMPORAL[kind](text)
    except ValueError:
        return text


def render_value(value: Any) -> str:
    """A default as Python source (``Decimal('5.00')``, ``SQLDefault('...')``)."""
    if isinstance(value, ddl.SQLDefault):
        return f"SQLDefault({value.sql!r})"
    if isinstance(value, decimal.Decimal):
        return f"Decimal({str(value)!r})"
    if isinstance(value, _dt.datetime):
        return repr(value.isoformat(sep=" "))
    if isinstance(value, (_dt.date, _dt.time)):
        return repr(value.isoformat())
    return repr(value)


def column_line(col: ColumnInfo) -> str:
    """The ``t.<type>(...)`` line of one column (no indentation)."""
    kind, opts = column_type(col)
    parts = [repr(col.name)]
    if not col.nullable:
        parts.append("null=False")
    default = column_default(col, kind)
    if default is not ddl.NO_DEFAULT:
        parts.append(f"default={render_value(default)}")
    parts.extend(f"{k}={v!r}" for k, v in opts.items())
    if kind is None:
        return f"t.column({', '.join(parts[:1] + ['None'] + parts[1:])})"
    return f"t.{kind}({', '.join(parts)})"


def index_line(table: str, index: Any, keep_name: bool = True) -> str:
    """The ``t.index(...)`` line of an index of ``table`` (no indentation); its name
    is written when it is not the conventional one and ``keep_name``."""
    cols = list(index.columns)
    parts = [repr(cols)]
    if keep_name and index.name != ddl.index_name(table, cols):
        parts.append(f"name={index.name!r}")
    if index.unique:
        parts.append("unique=True")
    if index.where:
        parts.append(f"where={portable_expression(index.where)!r}")
    return f"t.index({', '.join(parts)})"


def foreign_key_line(info: TableInfo, fk: Any, defaults: frozenset[str]) -> str:
    """The ``self.add_foreign_key(...)`` line of ``fk`` (``defaults``: the actions the
    backend reports for none given, left out)."""
    parts = [repr(info.name), repr(fk.referred_table)]
    cols = list(fk.columns)
    parts.append(f"column={cols[0]!r}" if len(cols) == 1 else f"column={cols!r}")
    refs = list(fk.referred_columns)
    if refs != ["id"]:
        parts.append(f"primary_key={refs[0]!r}" if len(refs) == 1 else f"primary_key={refs!r}")
    if fk.name and fk.name != ddl.foreign_key_name(info.name, fk.columns):
        parts.append(f"name={fk.name!r}")
    for option, action in (("on_delete", fk.on_delete), ("on_update", fk.on_update)):
        if action and action.upper() not in defaults:
            parts.append(f"{option}={_ACTIONS.get(action.upper(), action.lower())!r}")
    return f"self.add_foreign_key({', '.join(parts)})"


# -- loading ------------------------------------------------------------------------------
def load_schema_class(path: str) -> type[Schema]:
    """Import a schema file and return its Schema subclass (SchemaError naming the file
    when it is missing, does not compile, or defines none)."""
    from .runner import load_subclass

    if not os.path.isfile(path):
        raise SchemaError(f"no schema file {path!r} (`activerecord schema dump` writes it)")
    found: type[Schema] = load_subclass(path, "activerecord_schema_file", Schema, "schema")
    return found


def load(database: Database, path: str, *, force: bool = False, dry_run: bool = False,
         migrations: str | None = None, log: Callable[[str], Any] | None = None
         ) -> list[str]:
    """Make the schema of file ``path`` in ``database`` and record its version and the
    versions of the migration files (in ``migrations``, by default the ``migrate``
    folder next to the schema file: ``db/migrate`` for ``db/schema.py``) up to it, so
    a later ``migrate`` has nothing to do; returns the statements (in a dry run, those
    that would run).

    Raises SchemaError, before any SQL, when the database has tables besides
    ``schema_migrations`` and ``force`` is not given (with ``force`` the schema's
    tables that exist are dropped first: their data is lost), NotSupportedError, before
    any SQL, for what the database cannot make (MySQL: a partial index), and
    MigrationError when a statement fails (rolled back where DDL is transactional)."""
    from .runner import SCHEMA_MIGRATIONS, Migrator

    schema_class = load_schema_class(path)
    existing = [t for t in database.table_names() if t != SCHEMA_MIGRATIONS]
    if existing and not force:
        raise SchemaError(f"{database.adapter.describe()} already has tables "
                          f"({', '.join(existing[:10])}{'...' if len(existing) > 10 else ''}); "
                          "load the schema into an empty database, or pass --force to "
                          "drop the schema's tables first")
    if migrations is None:
        migrations = os.path.join(os.path.dirname(os.path.abspath(path)), "migrate")
    migrator = Migrator(migrations, database, schema_path=None, log=log)
    versions = _versions_up_to(migrator, schema_class.version, migrations)
    return _load_into(migrator, schema_class, existing, versions, dry_run)


def _refuse_outside_references(database: Database, names: list[str],
                               existing: list[str]) -> None:
    # ``force`` drops the schema's tables that exist; a table the schema does not make
    # may refer to one of them (its foreign key would go, or stop the drop): refused
    # before any SQL, naming them.
    dropped = {n.lower() for n in names if n in existing}
    found = [f"{table}.{', '.join(fk.columns)} -> {fk.referred_table}"
             for table in existing if table not in names
             for fk in (database.table_info(table) or _NO_TABLE).foreign_keys
             if fk.referred_table.lower() in dropped]
    if found:
        raise SchemaError("schema load --force would drop tables that other tables refer to "
                          f"({'; '.join(found)}): drop or change those first")


_NO_TABLE = TableInfo(name="", columns=(), primary_key=())


def _versions_up_to(migrator: Any, version: str, migrations: str | None) -> list[str]:
    found = [version] if version else []
    if migrations is not None and os.path.isdir(migrations):
        found += [m.version for m in migrator.migrations() if m.version <= version]
    return sorted(set(found))


def _load_into(migrator: Any, schema_class: type[Schema], existing: list[str],
               versions: list[str], dry_run: bool) -> list[str]:
    from ..errors import MigrationError
    from .runner import record_version

    database = migrator.database
    transactional = database.features.supports_transactional_ddl
    editor = migrator.editor(dry_run and not transactional)
    schema = schema_class(editor)
    names = _created_tables(schema_class, editor)
    _refuse_outside_references(database, names, existing)

    def body() -> None:
        editor.drop_tables([t for t in names if t in existing])
        migrator.ensure_table(editor)
        applied = set(migrator.applied_versions())
        schema.run("up")
        for version in versions:
            if version not in applied:
                record_version(editor, version)
    try:
        if transactional:
            _in_transaction(database, editor, body, dry_run)
        else:
            body()
    except (SchemaError, MigrationError):
        raise
    except Exception as exc:
        raise MigrationError(f"schema load failed: {type(exc).__name__}: {exc}"
                             + ("; it was rolled back" if transactional else ""),
                             statements=editor.executed, rolled_back=transactional) from exc
    finally:
        editor.changed()
    if not dry_run:
        editor.schema_changed()
    return list(editor.executed)


def _created_tables(schema_class: type[Schema], editor: Any) -> list[str]:
    # The tables the schema makes, collected without running anything; what the
    # database cannot make (MySQL: a partial index) is refused here, before any SQL.
    probe = schema_class(None)
    probe._recorded = []
    try:
        probe.define()
        probe._flush_unentered()
    except (SchemaError, NotSupportedError):
        raise
    except Exception as exc:
        raise SchemaError(f"the schema file's define() fails: {type(exc).__name__}: "
                          f"{exc}") from exc
    for op, _ in probe._recorded:
        editor.check_supported(op)
    return [op.table for op, _ in probe._recorded if isinstance(op, ddl.CreateTable)]


def _in_transaction(database: Database, editor: Any, body: Callable[[], None],
                    dry_run: bool) -> None:
    # The load in one transaction (the editor's session: SQLite's foreign keys off),
    # the integrity checked before the COMMIT; a dry run is rolled back at its end.
    from ..errors import Rollback

    with database.transaction_manager.transaction(session=editor.session):
        body()
        editor.check_integrity()
        if dry_run:
            raise Rollback()  # swallowed by the transaction, which rolls back


def dump_cache(database: Database, path: str) -> int:
    """Write the schema cache file ``path`` (every table's columns, keys and indexes,
    keyed by the latest applied migration version); returns the number of tables."""
    from .runner import Migrator

    tables = schema_tables(database)
    version = Migrator(database=database, schema_path=None).current_version()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    database.schema_cache.dump(path, version)
    return len(tables)
