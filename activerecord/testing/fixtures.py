"""Fixture files: rows written in YAML or JSON, loaded into the test database.

A file maps a table name, or a model's class name, to its rows: a list of rows, or
(Rails' fixtures) a mapping of labels to rows::

    # tests/fixtures/library.yml
    authors:
      tolkien: {name: J. R. R. Tolkien}
    Book:                      # a model's name: its table
      hobbit: {title: The Hobbit, author: tolkien}

A row's value for a belongs_to association's name is the label of the record it
belongs to (Rails' label references). :func:`load_fixtures` inserts every table's rows
parents first (the tables' foreign keys decide), each row saved as a record without
validations, and returns the records by name and label. See docs/testing.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..base import Model
from ..connection.database import Database
from ..connection.handling import get_database

__all__ = ["FixtureError", "FixtureSet", "load_fixtures", "read_fixture_file"]

_SUFFIXES = (".yml", ".yaml", ".json")

PathLike = str | os.PathLike[str]


class FixtureError(ValueError):
    """A fixture file that cannot be loaded: unreadable or malformed, an unknown
    table, model, column or label. The message names the file and the known names."""


class FixtureSet(dict[str, dict[str, Any]]):
    """The loaded records: ``fixtures["authors"]["tolkien"]`` (the name as the file
    wrote it: table or model name, then the row's label; rows given as a list are
    labelled by their position, ``"0"``, ``"1"`` ...)."""

    def record(self, name: str, label: str | int) -> Any:
        """Return the record ``label`` of ``name``; FixtureError names the known
        labels (or names) when there is none."""
        if name not in self:
            raise FixtureError(f"no fixtures loaded for {name!r}; loaded: "
                               f"{', '.join(self) or 'none'}")
        rows = self[name]
        if str(label) not in rows:
            raise FixtureError(f"no fixture {label!r} in {name!r}; labels: "
                               f"{', '.join(rows) or 'none'}")
        return rows[str(label)]


def read_fixture_file(path: PathLike) -> dict[str, dict[str, dict[str, Any]]]:
    """Read one fixture file (``.yml``/``.yaml`` with PyYAML's safe loader, ``.json``)
    and return ``name -> label -> row`` in the file's order. Raises FixtureError
    (naming the file) for a missing or malformed file, another suffix, or a shape that
    is not ``name -> list of rows`` or ``name -> label -> row``."""
    file = Path(path)
    if file.suffix.lower() not in _SUFFIXES:
        raise FixtureError(f"{file}: a fixture file ends with one of "
                           f"{', '.join(_SUFFIXES)}")
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{file}: cannot read it ({exc.strerror or exc})") from exc
    data = _parse(file, text)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise FixtureError(f"{file}: the top level must map table or model names to "
                           f"rows, not a {type(data).__name__}")
    return {str(name): _rows(file, str(name), rows) for name, rows in data.items()}


def _parse(file: Path, text: str) -> Any:
    if file.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FixtureError(f"{file}: malformed JSON: {exc}") from exc
    import yaml  # only when a YAML file is read

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise FixtureError(f"{file}: malformed YAML: {detail}") from exc


def _rows(file: Path, name: str, rows: Any) -> dict[str, dict[str, Any]]:
    if rows is None:
        return {}
    if isinstance(rows, list):
        labelled = {str(i): row for i, row in enumerate(rows)}
    elif isinstance(rows, Mapping):
        labelled = {str(label): row for label, row in rows.items()}
    else:
        raise FixtureError(f"{file}: {name!r} must hold a list of rows or a mapping of "
                           f"labels to rows, not a {type(rows).__name__}")
    for label, row in labelled.items():
        if not isinstance(row, Mapping):
            raise FixtureError(f"{file}: row {label!r} of {name!r} must map column "
                               f"names to values, not a {type(row).__name__}")
    return {label: {str(k): v for k, v in row.items()} for label, row in labelled.items()}


class _Target:
    """One name of a file resolved: its model class and its table's columns."""

    def __init__(self, name: str, model: Any, columns: set[str]):
        self.name = name
        self.model = model
        self.table: str = model.table_name
        self.columns = columns
        self.belongs_to = {r.name: r for r in model.reflect_on_all_associations()
                           if r.macro == "belongs_to" and not r.polymorphic}


def _models() -> list[Any]:
    found, stack = [], list(Model.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        found.append(cls)
    return found


def _model_for(db: Database, name: str) -> Any:
    # A model class called ``name``, else one whose table is ``name``, on ``db``.
    candidates = []
    for cls in _models():
        try:
            if cls._database() is not db:
                continue
            table = cls.table_name
        except Exception:  # noqa: BLE001 - an abstract or unbound model: not ours
            continue
        if cls.__name__ == name:
            return cls
        if table == name:
            candidates.append(cls)
    return candidates[-1] if candidates else None


def _resolve(db: Database, file: Path, name: str, automapped: dict[str, Any]) -> _Target:
    model = _model_for(db, name)
    if model is None:
        if db.table_info(name) is None:
            known = sorted(set(db.table_names()) | {
                c.__name__ for c in _models() if _on(c, db)})
            raise FixtureError(f"{file}: {name!r} is neither a table of {db.name} nor a "
                               f"model on it; known: {', '.join(known) or 'none'}")
        if name not in automapped:
            from ..automap import automap  # a table no model maps: a model for it

            automapped[name] = automap(db, tables=[name]).tables[name]
        model = automapped[name]
    info = db.table_info(model.table_name)
    if info is None:
        raise FixtureError(f"{file}: the table {model.table_name!r} of {name!r} does not "
                           f"exist in {db.name}")
    return _Target(name, model, {c.name for c in info.columns})


def _on(cls: Any, db: Database) -> bool:
    try:
        return bool(cls._database() is db)
    except Exception:  # noqa: BLE001
        return False


def _parents_first(db: Database, targets: list[_Target]) -> list[_Target]:
    # Each table after the tables it refers to among those loaded (a cycle: as written).
    tables = {t.table for t in targets}
    needs: dict[str, set[str]] = {}
    for t in targets:
        info = db.table_info(t.table)
        refs = {fk.referred_table for fk in info.foreign_keys} if info else set()
        needs[t.name] = (refs & tables) - {t.table}
    order: list[_Target] = []
    left = list(targets)
    while left:
        placed = {t.table for t in order}
        ready = [t for t in left if needs[t.name] <= placed]
        pick = ready[0] if ready else left[0]
        order.append(pick)
        left.remove(pick)
    return order


def load_fixtures(paths: PathLike | Iterable[PathLike],
                  database: Database | str | None = None) -> FixtureSet:
    """Insert the rows of the fixture files ``paths`` (one path or several; YAML or
    JSON, see the module doc) into ``database`` (a Database, a registered name, or
    None for the default) and return the records as a :class:`FixtureSet`.

    Each name is a model's class name or a table (a table no model maps gets a model
    from ``automap``); tables are loaded parents first (their foreign keys), rows in
    the file's order, each row saved as a record without validations (its callbacks
    run; Rails' fixtures insert rows raw). A value for a belongs_to association's
    name is the label of a row loaded before it (Rails' label references). Run it in
    the test's transaction (the ``db`` fixture) so the rows go at the test's end.

    Raises FixtureError naming the file and the known names for a missing or
    malformed file, an unknown table or model, column or label; the database's
    translated error (a constraint) for a row it refuses.
    """
    db = database if isinstance(database, Database) else get_database(database)
    files = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    automapped: dict[str, Any] = {}
    plan: list[tuple[Path, _Target, dict[str, dict[str, Any]]]] = []
    for path in files:
        for name, rows in read_fixture_file(path).items():
            plan.append((Path(path), _resolve(db, Path(path), name, automapped), rows))
    for file, target, rows in plan:
        for label, row in rows.items():
            _check_row(file, target, label, row)
    by_name = {id(t): (f, t, r) for f, t, r in plan}
    loaded = FixtureSet()
    for target in _parents_first(db, [t for _, t, _ in plan]):
        file, _, rows = by_name[id(target)]
        records = loaded.setdefault(target.name, {})
        for label, row in rows.items():
            attrs = _references(file, target, label, row, loaded, plan)
            record = target.model(**attrs)
            record.save(validate=False)
            records[label] = record
    return loaded


def _check_row(file: Path, target: _Target, label: str, row: dict[str, Any]) -> None:
    unknown = [k for k in row if k not in target.columns and k not in target.belongs_to]
    if unknown:
        known = sorted(target.columns | set(target.belongs_to))
        raise FixtureError(f"{file}: row {label!r} of {target.name!r} names unknown "
                           f"column(s) {', '.join(unknown)} of {target.table!r}; known: "
                           f"{', '.join(known)}")


def _references(file: Path, target: _Target, label: str, row: dict[str, Any],
                loaded: FixtureSet, plan: list) -> dict[str, Any]:
    # A belongs_to name given a label becomes the record loaded under that label.
    attrs = dict(row)
    for name, reflection in target.belongs_to.items():
        ref = row.get(name)
        if ref is None or name in target.columns:
            continue
        table = reflection.target.table_name
        for _, other, _ in plan:
            if other.table == table and str(ref) in loaded.get(other.name, {}):
                attrs[name] = loaded[other.name][str(ref)]
                break
        else:
            labels = sorted(lb for o in plan if o[1].table == table
                            for lb in loaded.get(o[1].name, {}))
            raise FixtureError(f"{file}: row {label!r} of {target.name!r}: {name} = "
                               f"{ref!r} is no label of {table!r}; labels: "
                               f"{', '.join(labels) or 'none'}")
    return attrs
