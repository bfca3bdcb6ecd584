"""What the ``activerecord`` command line (``cli.py``) prints and writes, apart from
click: the one-line error of a failure, the SQL of a dry run, the table of
``status``, and the file ``new`` writes (docs/cli.md).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click
import inflection

from .errors import ActiveRecordError, MigrationError
from .migration.runner import FILE_NAME, MigrationStatus
from .sql import ddl

if TYPE_CHECKING:
    from .migration.runner import Migrator

__all__ = ["CommandError", "failure", "DryRunPrinter", "status_table", "MigrationTemplate",
           "NAME", "new_migration"]

#: What a migration's name must be once underscored (``CreateAlbums`` -> ``create_albums``).
NAME = re.compile(r"^[a-z0-9_]+$")
_FIELD = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)(?::(?P<type>[a-z_]+))?(?::(?P<index>index|"
                    r"unique))?$")
_REFERENCES = ("references", "belongs_to")


class CommandError(click.ClickException):
    """A failure of a command, shown as ``Error: <one line>`` (and ``details``, each
    indented below it) on stderr; exit code 1."""

    exit_code = 1

    def __init__(self, message: str, details: Sequence[str] = ()):
        super().__init__(" ".join(part.strip() for part in message.splitlines()
                                  if part.strip()))
        self.details = list(details)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the error line and its details (to stderr by default)."""
        click.echo(f"Error: {self.message}", file=file, err=file is None)
        for line in self.details:
            click.echo(f"    {line}", file=file, err=file is None)


def failure(exc: BaseException, debug: bool) -> CommandError:
    """The :class:`CommandError` for an exception a command raised: its message on one
    line (an unexpected exception's class named too); for a migration that failed
    where DDL is not transactional, the statements of it that ran, below. With
    ``debug`` the traceback is printed (to stderr) first."""
    if debug:
        click.echo("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                   err=True, nl=False)
    if isinstance(exc, (ActiveRecordError, OSError)):
        message = str(exc) or type(exc).__name__
    else:
        message = f"{type(exc).__name__}: {exc}"
        if not debug:
            message += " (--debug shows the traceback)"
    details: list[str] = []
    if isinstance(exc, MigrationError) and not exc.rolled_back and exc.statements:
        details = [f"{sql};" for sql in exc.statements]
    return CommandError(message, details)


class DryRunPrinter:
    """Prints a dry run as an SQL script: each progress line of the Migrator as an SQL
    comment, and the statements of each migration (``Migrator.statements``) as they
    come, each ending with ``;``."""

    def __init__(self, where: str):
        self.migrator: Migrator | None = None
        self.seen = 0
        click.echo(f"-- dry run on {where}: nothing is changed")

    def log(self, line: str) -> None:
        """The Migrator's ``log``: the statements so far, then ``line`` as a comment."""
        self.flush()
        click.echo(f"-- {line}")

    def flush(self, statements: Sequence[str] | None = None) -> None:
        """Print the statements not printed yet (``statements``, else the migrator's)."""
        if statements is None:
            statements = self.migrator.statements if self.migrator is not None else []
        for sql in statements[self.seen:]:
            click.echo(f"{sql};")
        self.seen = len(statements)


def status_table(where: str, rows: Sequence[MigrationStatus]) -> list[str]:
    """The lines ``activerecord status`` prints: the database, then one row per
    migration (Rails' ``db:migrate:status``); a version applied whose file is gone
    reads ``NO FILE``."""
    lines = [f"database: {where}", "", " Status   Migration ID    Migration Name",
             "-" * 50]
    for row in rows:
        name = row.name if row.name is not None else "********** NO FILE **********"
        lines.append(f"{row.status:^8}  {row.version}  {name}")
    if not rows:
        lines.append("(no migrations)")
    return lines


@dataclass(frozen=True)
class MigrationTemplate:
    """The migration file ``activerecord new`` writes: ``name`` (underscored),
    ``class_name`` and the ``fields`` (``title:string``, ``artist:references``,
    ``email:string:unique``) that fill the body of a ``create_<table>``,
    ``add_<columns>_to_<table>`` or ``remove_<columns>_from_<table>`` migration."""

    name: str
    class_name: str
    fields: tuple[tuple[str, str, str | None], ...] = ()

    @classmethod
    def parse(cls, name: str, fields: Sequence[str] = ()) -> MigrationTemplate:
        """Check ``name`` (``CreateAlbums`` or ``create_albums``) and the fields.

        Raises:
            CommandError: a name that is not ``[a-z0-9_]+`` once underscored or that
                makes no class name, an unknown field type, or fields for a name that
                says no table.
        """
        under = str(inflection.underscore(name.strip()))
        if not NAME.match(under):
            raise CommandError(f"bad migration name {name!r}: it must be letters, digits "
                               "and underscores (CreateAlbums or create_albums)")
        class_name = str(inflection.camelize(under))
        if not class_name.isidentifier() or not under[0].isalpha():
            raise CommandError(f"bad migration name {name!r}: it must start with a letter")
        return cls(under, class_name, tuple(_field(f) for f in fields))

    def body(self) -> list[str]:
        """The lines of ``change()``."""
        if not self.fields:
            return ["        # The schema statements of the change (docs/migrations.md), e.g.",
                    '        #     with self.create_table("albums") as t:',
                    '        #         t.string("title", null=False)',
                    "        ..."]
        m = re.match(r"^create_(\w+)$", self.name)
        if m:
            table = str(inflection.pluralize(m.group(1)))  # Rails: create_bar -> bars
            return [f"        with self.create_table({table!r}) as t:",
                    *(f"            {_column(name, kind, index)}"
                      for name, kind, index in self.fields),
                    "            t.timestamps()"]
        m = re.match(r"^(add|remove)_\w+_(?:to|from)_(\w+)$", self.name)
        if m is None:
            raise CommandError(f"fields (name:type) go with a migration named "
                               f"create_<table>, add_<columns>_to_<table> or "
                               f"remove_<columns>_from_<table>, not {self.name!r}")
        table = str(inflection.pluralize(m.group(2)))  # as Rails: add_x_to_bar -> bars
        return [f"        {line}" for name, kind, index in self.fields
                for line in _table_change(m.group(1), table, name, kind, index)]

    def text(self) -> str:
        """The file's source."""
        return "\n".join(["from activerecord.migration import Migration", "", "",
                          f"class {self.class_name}(Migration):",
                          "    def change(self) -> None:", *self.body()]) + "\n"


def _field(spec: str) -> tuple[str, str, str | None]:
    m = _FIELD.match(spec)
    kind = (m.group("type") or "string") if m else ""
    if m is None or (kind not in ddl.COLUMN_TYPES and kind not in _REFERENCES):
        raise CommandError(f"bad field {spec!r}: write name[:type[:index|:unique]], the "
                           f"type one of {', '.join(ddl.COLUMN_TYPES)}, references")
    return m.group("name"), kind, m.group("index")


def _column(name: str, kind: str, index: str | None) -> str:
    if kind in _REFERENCES:
        return f"t.references({name!r}, foreign_key=True)"
    option = {"index": ", index=True", "unique": ", index={'unique': True}"}.get(index or "", "")
    return f"t.{kind}({name!r}{option})"


def _table_change(verb: str, table: str, name: str, kind: str, index: str | None
                  ) -> list[str]:
    if kind in _REFERENCES:
        return [f"self.{verb}_reference({table!r}, {name!r}, foreign_key=True)"]
    if verb == "remove":
        return [f"self.remove_column({table!r}, {name!r}, {kind!r})"]
    lines = [f"self.add_column({table!r}, {name!r}, {kind!r})"]
    if index:
        lines.append(f"self.add_index({table!r}, {name!r}"
                     f"{', unique=True' if index == 'unique' else ''})")
    return lines


def new_migration(folder: str, template: MigrationTemplate,
                  now: _dt.datetime | None = None) -> str:
    """Write ``template`` as ``<folder>/<version>_<name>.py`` (the folder made when
    missing) and return its path. The version is the UTC time, or one more than the
    newest version in the folder when that is later (as Rails numbers them).

    Raises:
        CommandError: a migration of that name is in the folder already.
    """
    os.makedirs(folder, exist_ok=True)
    versions, names = [], {}
    for entry in sorted(os.listdir(folder)):
        m = FILE_NAME.match(entry)
        if m:
            versions.append(m.group(1))
            names[m.group(2)] = entry
    if template.name in names:
        raise CommandError(f"{os.path.join(folder, names[template.name])}: a migration "
                           f"named {template.name!r} exists already")
    now = now or _dt.datetime.now(_dt.timezone.utc)
    version = now.strftime("%Y%m%d%H%M%S")
    if versions and max(versions) >= version:
        version = f"{int(max(versions)) + 1:014d}"
    path = os.path.join(folder, f"{version}_{template.name}.py")
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(template.text())
    return path
