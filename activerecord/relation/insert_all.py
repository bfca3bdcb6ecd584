"""Bulk inserts and upserts: ``Model.insert_all(rows)`` and ``Model.upsert_all(rows)``
(Rails' ``InsertAll``; Django's ``bulk_create``).

* One multi-row ``INSERT`` per chunk; a chunk holds as many rows as fit under the
  database's bound-parameter limit (``features.max_parameters``: 999 or 32766 on
  SQLite, 65535 on PostgreSQL and MySQL). Several chunks run in one transaction (the
  caller's, or their own), so the insert is all-or-nothing.
* No records are built and no callbacks or validations run. Values go through the
  columns' types as ``save()`` sends them (``Type.bind``). ``created_at``/``updated_at``
  are set where those columns exist and the rows do not give them (Rails #35493), one
  instant for the whole call, as each column holds it (``Type.current``: aware, or naive
  UTC wall time, as ``save()`` stamps); ``record_timestamps=False`` turns that off. On
  an upsert, a row that updates keeps its ``created_at``.
* Every row must have the same keys (as Rails requires), each a column of the model.
* Collisions with a unique key: ``insert_all`` raises ``RecordNotUnique`` by default
  (``on_conflict="raise"``, Django's default; Rails' ``insert_all!``) or skips the row
  (``on_conflict="ignore"``: Rails' ``insert_all``). ``upsert_all`` updates the
  existing row with the new values. The SQL comes from the dialect:
  ``ON CONFLICT (unique_by) DO UPDATE SET c = excluded.c`` / ``DO NOTHING`` on SQLite
  and PostgreSQL; ``ON DUPLICATE KEY UPDATE c = VALUES(c)`` on MySQL/MariaDB, which
  has no conflict target and reacts to *any* unique key of the table.
* ``unique_by`` names the unique key (columns or an index name) and must be the
  primary key or a unique index of the table (checked before any SQL runs); the
  default is the primary key.
* ``returning`` (column names, or ``True`` for the primary key) reads values back
  with ``RETURNING`` where the database has it (SQLite >= 3.35, PostgreSQL,
  MariaDB >= 10.5) and raises ``NotSupportedError`` elsewhere (MySQL). A row skipped
  by ``on_conflict="ignore"`` is not returned on SQLite and PostgreSQL, but is
  returned with its stored values on MariaDB.

Both return the list of returned values (one value per row for one column, tuples
for several) when ``returning`` is given, else ``None``: the affected-row count is not
comparable between databases (MySQL counts an updated row twice).
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, cast

from ..errors import AttributeCastError, NotSupportedError
from ..sql import nodes as n
from ..types import CAST_ERRORS
from .contract import ModelClass, TableSchema

__all__ = ["insert_all", "upsert_all"]


def insert_all(model: type, rows: Iterable[dict[str, Any]], *, on_conflict: str = "raise",
               unique_by: Any = None, returning: Any = None,
               record_timestamps: bool = True) -> list[Any] | None:
    """INSERT ``rows`` (dicts of column values) into ``model``'s table; see the module
    doc. ``on_conflict``: ``"raise"`` or ``"ignore"``.

    Raises:
        ReadOnlyRecord: the model is ``readonly`` (before anything else).
        UnknownAttributeError: a key is not a column.
        ValueError: rows with different keys, a bad ``on_conflict``, or a
            ``unique_by`` that is not a unique key.
        AttributeCastError: a value cannot be cast to its column's type.
        NotSupportedError: ``returning`` on a database without RETURNING.
        RecordNotUnique: a duplicate with ``on_conflict="raise"``.
    """
    if on_conflict not in ("raise", "ignore"):
        raise ValueError(f"on_conflict must be 'raise' or 'ignore', not {on_conflict!r}")
    schema = _schema_of(model)
    conflict = None
    if on_conflict == "ignore":
        target = _unique_key(schema, unique_by) if unique_by is not None else ()
        conflict = n.OnConflict(target, (), (target or schema.pk or schema.names)[0])
    elif unique_by is not None:
        raise ValueError("unique_by= is for on_conflict='ignore' (or upsert_all)")
    return _run(model, schema, rows, conflict, returning, record_timestamps, None)


def upsert_all(model: type, rows: Iterable[dict[str, Any]], *, unique_by: Any = None,
               update_only: Iterable[str] | None = None, returning: Any = None,
               record_timestamps: bool = True) -> list[Any] | None:
    """INSERT ``rows``, updating the existing row where one collides on
    ``unique_by`` (default: the primary key); see the module doc. ``update_only``
    limits the columns an update writes (default: every given column except the
    unique key, the primary key and ``created_at``).

    Raises what :func:`insert_all` raises (never RecordNotUnique for ``unique_by``).
    """
    schema = _schema_of(model)
    target = _unique_key(schema, unique_by if unique_by is not None else schema.pk)
    only = None
    if update_only is not None:
        only = (update_only,) if isinstance(update_only, str) else tuple(update_only)
        schema.check_writable(model, only)
    conflict = n.OnConflict(target, (), target[0])
    return _run(model, schema, rows, conflict, returning, record_timestamps, only,
                upsert=True)


def _schema_of(model: type) -> TableSchema:
    # Any model class: relations see it through its interface (relation/contract.py).
    # A ``readonly`` model raises ReadOnlyRecord here, before anything else is checked.
    schema = cast("ModelClass[Any]", model)._load_schema()
    schema.check_writable(model, ())
    return schema


def _unique_key(schema: TableSchema, unique_by: Any) -> tuple[str, ...]:
    cols = (unique_by,) if isinstance(unique_by, str) else tuple(unique_by or ())
    keys: set[tuple[str, ...]] = {tuple(schema.pk)} if schema.pk else set()
    named: dict[str, tuple[str, ...]] = {}
    for ix in schema.info.indexes:
        if ix.unique:
            keys.add(tuple(ix.columns))
            named[ix.name] = tuple(ix.columns)
    if len(cols) == 1 and cols[0] in named and cols[0] not in schema.types:
        return named[cols[0]]
    for key in keys:
        if set(key) == set(cols) and len(key) == len(cols):
            return cols
    known = "; ".join(", ".join(k) for k in sorted(keys)) or "none"
    raise ValueError(f"unique_by={unique_by!r} is not a unique key of {schema.table!r} "
                     f"(unique keys: {known})")


def _columns(model: type, schema: TableSchema, first: object,
             record_timestamps: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(first, dict):
        raise TypeError(f"rows must be dicts of column values, not {type(first).__name__}")
    cols = tuple(first)
    schema.check_writable(model, cols)
    stamps = tuple(c for c in schema.timestamps if c not in first) if record_timestamps else ()
    return cols, stamps


def _stamp_values(schema: TableSchema, stamps: tuple[str, ...]) -> list[Any]:
    # One instant for the whole call, as each column holds it (aware, or naive UTC
    # wall time: Type.current), sent as save() sends it.
    now = _dt.datetime.now(_dt.timezone.utc)
    return [schema.types[c].serialize(schema.types[c].current(now)) for c in stamps]


def _values(model: type, schema: TableSchema, chunk: list[Any], cols: tuple[str, ...],
            extra: list[Any], first_index: int) -> list[Any]:
    types = [schema.types[c] for c in cols]
    keys = set(cols)
    flat: list = []
    for i, row in enumerate(chunk, first_index):
        if not isinstance(row, dict) or len(row) != len(keys) or not keys.issuperset(row):
            raise ValueError(f"every row must have the same keys: row {i} has "
                             f"{sorted(row) if isinstance(row, dict) else row!r}, "
                             f"row 0 has {sorted(keys)}")
        for name, typ in zip(cols, types):
            value = row[name]
            try:
                flat.append(typ.bind(value, strict=True))
            except CAST_ERRORS as exc:
                raise AttributeCastError(
                    f"cannot insert {value!r} into {model.__name__}.{name} "
                    f"({schema.columns[name].sql_type}, {typ.name}): {exc}") from exc
        flat.extend(extra)
    return flat


def _returning(schema: TableSchema, model: type, returning: Any) -> tuple[str, ...]:
    if returning is None or returning is False:
        return ()
    if returning is True:
        cols = tuple(schema.pk)
    else:
        cols = (returning,) if isinstance(returning, str) else tuple(returning)
    for name in cols:
        schema.column(model, name)  # UnknownAttributeError for a non-column
    if not schema.db.features.supports_returning:
        raise NotSupportedError(f"{schema.db.name} has no INSERT ... RETURNING; "
                                "call insert_all/upsert_all without returning=")
    return cols


def _update_columns(schema: TableSchema, target: tuple[str, ...], all_cols: tuple[str, ...],
                    update_only: tuple[str, ...] | None) -> tuple[str, ...]:
    if update_only is not None:
        return tuple(update_only)
    skip = set(target) | set(schema.pk) | {"created_at"}
    return tuple(c for c in all_cols if c not in skip)


def _run(model: type, schema: TableSchema, rows: Iterable[dict[str, Any]],
         conflict: n.OnConflict | None, returning: Any, record_timestamps: bool,
         update_only: tuple[str, ...] | None, upsert: bool = False) -> list[Any] | None:
    ret = _returning(schema, model, returning)
    given = iter(rows)  # streamed chunk by chunk: a generator of 1e6 rows stays small
    first = next(given, None)
    if first is None:
        return [] if ret else None
    cols, stamps = _columns(model, schema, first, record_timestamps)
    all_cols = cols + stamps
    if upsert and conflict is not None:
        update = _update_columns(schema, conflict.target, all_cols, update_only)
        conflict = n.OnConflict(conflict.target, update, conflict.noop)
    extra = _stamp_values(schema, stamps)
    per_chunk = max(1, schema.db.features.max_parameters // len(all_cols))
    db = schema.db
    out: list[tuple] = []
    statements: dict[int, str] = {}
    rows_: Iterator[dict[str, Any]] = itertools.chain((first,), given)
    with db.transaction(requires_new=False):
        for start in itertools.count(0, per_chunk):
            chunk = list(itertools.islice(rows_, per_chunk))
            if not chunk:
                break
            sql = statements.get(len(chunk))
            if sql is None:
                node = n.Insert(schema.table_node, all_cols,
                                tuple(tuple(n.Param(None) for _ in all_cols)
                                      for _ in chunk), ret, conflict)
                sql = statements[len(chunk)] = db.compile(node)[0]
            result = db.run(sql, _values(model, schema, chunk, cols, extra, start))
            out.extend(result.rows)
    return _load_returned(schema, ret, out) if ret else None


def _load_returned(schema: TableSchema, cols: tuple[str, ...], rows: list[tuple]) -> list[Any]:
    loaders = schema.loaders_for(cols)
    loaded = [schema.load_values(loaders, row) for row in rows]
    return [r[0] for r in loaded] if len(cols) == 1 else loaded
