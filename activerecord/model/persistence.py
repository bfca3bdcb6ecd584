"""The write: INSERT, UPDATE, DELETE and re-reads of one record (``save``, ``create``,
``update``, ``destroy``, ``delete``, ``reload``), and building records from rows
(``_instantiate``); Rails' ``Persistence``.

This is the innermost layer of a save (``Model``'s method resolution order, in
``activerecord/base.py``): ``TransactionsMixin`` (``transactions.py``) checks the
record, opens or joins the transaction and records the record in it, then calls
``super().save()``; ``TimestampsMixin`` (``timestamps.py``) stamps ``created_at``/
``updated_at`` around ``_insert_record``/``_update_record``; this module sends the
statement. The layers in between (validations, callbacks, locking) wrap
``super()`` the same way.

* INSERT sends the columns the user assigned (so database defaults apply to the rest)
  and reads the other columns back with RETURNING where the database has it
  (``features.supports_returning``); otherwise it takes the key from ``lastrowid`` and
  re-reads only when a column has a database-computed default.
* UPDATE sends only the columns whose value changed (docs/architecture.md; peewee
  #643/#469 lost updates) and nothing at all when nothing changed. Values are already
  cast (at assignment), so writes only ``serialize`` them.
* Generated columns are never written: INSERT reads them back (RETURNING, or a
  re-read), and an UPDATE of a table that has some re-reads them by key afterwards
  (MariaDB has no ``UPDATE ... RETURNING``; one statement more, only for such tables).
* Writes and reloads of a loaded record need its primary key: a table without one
  raises ``UnknownPrimaryKey``, a record loaded without its key column
  ``MissingAttributeError``, both before any SQL (an INSERT needs no key); those
  checks are :meth:`PersistenceMixin._check_save` and ``_check_key``, which the
  outermost layer calls before its transaction opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .. import events
from ..errors import (
    MissingAttributeError,
    ReadOnlyAttributeError,
    RecordNotFound,
    RecordNotSaved,
    StaleObjectError,
)
from ..sql import nodes as n
from .core import Core
from .rows import PARTIAL_BUILDERS, row_builder

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from ..connection.database import Result
    from .schema import ModelSchema

__all__ = ["PersistenceMixin", "dualmethod"]

_INSTANTIATION = events.INSTANTIATION
_clock = time.perf_counter


def _report_instantiation(model: type, count: int, start: float) -> None:
    # The "instantiation" event (Rails' instantiation.active_record), when listened to.
    events.instrument("instantiation", events.InstantiationEvent(
        "instantiation", model.__name__, count, (_clock() - start) * 1000.0))


class dualmethod:  # noqa: N801 - used like classmethod
    """A method that is a classmethod when called on the class and an instance method
    on an instance (``Artist.delete(5)`` and ``artist.delete()``).

    It holds the two functions' names and looks them up on the class or the record,
    so a layer that overrides either (``TransactionsMixin._delete_instance``) wraps
    it through ``super()`` like any method."""

    def __init__(self, class_func: Callable[..., Any], instance_func: Callable[..., Any]):
        self.class_name = class_func.__name__
        self.instance_name = instance_func.__name__
        self.__doc__ = instance_func.__doc__

    def __get__(self, obj: object, objtype: type | None = None) -> Callable[..., Any]:
        if obj is None:
            return getattr(objtype, self.class_name)
        return getattr(obj, self.instance_name)


class PersistenceMixin(Core):
    """Instance and class methods that write records (the write only: the layers
    above wrap it, see the module doc)."""

    # -- class level ---------------------------------------------------------------
    @classmethod
    def create(cls, /, **attrs: Any) -> Self:
        """Build a record from ``attrs``, save it and return it (persisted, with the
        database's defaults and the new key). Raises RecordInvalid (``.record``,
        ``.errors``) for an invalid record and RecordNotSaved when a callback halted
        the save (Abort), nothing written (Rails' ``create!``); else what ``save()``
        raises."""
        record = cls(**attrs)
        record.save(raise_on_invalid=True)
        return record

    @classmethod
    def _instantiate(cls, row: Sequence[Any], schema: ModelSchema) -> Self:
        # One row of every column (find, reload, eager_load segments).
        builder = schema.row_builder
        if builder is None:
            builder = schema.row_builder = row_builder(schema.names, schema.loaders)
        start = _clock() if _INSTANTIATION.subscribers else None
        record = builder[1](row, cls)
        if cls._load_callbacks:  # after_find, after_initialize (callbacks.py)
            cls._after_load((record,))
        if start is not None:
            _report_instantiation(cls, 1, start)
        return record

    @classmethod
    def _instantiate_rows(cls, rows: Sequence[Sequence[Any]], schema: ModelSchema,
                          names: Sequence[str] | None = None,
                          loaders: tuple | None = None) -> list[Self]:
        # The row-loading hot path, the one place records are built from rows (no
        # __init__, one dict a record, casts only where needed). ``names``/``loaders``:
        # a select(...)'s columns, else every column.
        if names is None or loaders is None:
            builder = schema.row_builder
            if builder is None:
                builder = schema.row_builder = row_builder(schema.names, schema.loaders)
        else:
            key = (tuple(names), loaders)
            builder = schema.partial_builders.get(key)
            if builder is None:
                if len(schema.partial_builders) >= PARTIAL_BUILDERS:
                    schema.partial_builders.clear()
                builder = schema.partial_builders[key] = row_builder(names, loaders)
        start = _clock() if _INSTANTIATION.subscribers else None
        records = builder[0](rows, cls)
        if cls._load_callbacks:
            cls._after_load(records)
        if start is not None:
            _report_instantiation(cls, len(records), start)
        return records

    @classmethod
    def _instantiate_grouped(cls, rows: Sequence[Sequence[Any]], schema: ModelSchema,
                             column: str, caches: dict) -> tuple[list[Self], dict]:
        # Every column's rows, as _instantiate_rows builds them, grouped by the value
        # of ``column`` in the same loop; a record whose value is a key of ``caches``
        # gets that association cache (the preloader's shared inverse, rows.py).
        key = ("grouped", column)
        builder = schema.partial_builders.get(key)
        if builder is None:
            if len(schema.partial_builders) >= PARTIAL_BUILDERS:
                schema.partial_builders.clear()
            builder = schema.partial_builders[key] = row_builder(
                schema.names, schema.loaders, group_at=schema.names.index(column))
        start = _clock() if _INSTANTIATION.subscribers else None
        found = builder[2](rows, cls, caches)
        if cls._load_callbacks:
            cls._after_load(found[0])
        if start is not None:
            _report_instantiation(cls, len(found[0]), start)
        return found

    # -- save ----------------------------------------------------------------------
    def save(self, **options: Any) -> bool:
        """The write of ``save()``: INSERT a new record, or UPDATE the changed columns
        of a persisted one (none changed: no statement); return True (Rails'
        ``create_or_update``). ``Model.save`` is ``TransactionsMixin.save``, which
        checks (:meth:`_check_save`) and opens the transaction first; see it for what
        a save raises. The layers above take their options (``validate``,
        ``raise_on_invalid``); one left over here is a TypeError naming it."""
        if options:
            raise TypeError(f"save() got unknown option(s) {', '.join(sorted(options))}; "
                            "known: validate, raise_on_invalid")
        schema = type(self)._load_schema()
        if self._new_record:
            self._insert_record(schema)
        else:
            self._update_record(schema)
        return True

    def _check_save(self, schema: ModelSchema) -> bool:
        """Check, before any SQL, that the record can be saved; return whether saving
        has anything to write (a new record, or a persisted one with changes).

        Raises ReadOnlyRecord for a ``readonly`` model, RecordNotSaved for a
        destroyed record, UnknownPrimaryKey or MissingAttributeError for a persisted
        one whose row cannot be identified."""
        if schema.readonly:
            raise schema.read_only(type(self))
        if self._destroyed:
            raise RecordNotSaved(f"cannot save a destroyed {type(self).__name__}")
        if self._new_record:
            return True
        if not self._needs_save():
            return False
        self._require_key(schema, "save")
        return True

    def _needs_save(self) -> bool:
        """Whether saving a persisted record has anything to do (later mixins that
        run callbacks on every save extend this)."""
        return self.has_changes

    def _check_key(self, schema: ModelSchema, action: str) -> None:
        """Before any SQL: raise ReadOnlyRecord for a ``readonly`` model,
        UnknownPrimaryKey / MissingAttributeError when a persisted record's row cannot
        be identified for ``action`` (``"destroy"``, ``"delete"``); a new or destroyed
        record needs no key."""
        if schema.readonly:
            raise schema.read_only(type(self))
        if self.persisted:
            self._require_key(schema, action)

    def update(self, /, **attrs: Any) -> bool:
        """Assign ``attrs`` and save (Rails' ``update``). Returns True; raises what
        ``assign_attributes`` and ``save()`` raise."""
        self.assign_attributes(**attrs)
        return self.save()

    def update_columns(self, /, **attrs: Any) -> bool:
        """Write ``attrs`` to the record and straight to its row with one UPDATE:
        no validations, no callbacks, no ``updated_at``, no lock-version check
        (Rails' ``update_columns``). Those columns are clean afterwards; other pending
        changes stay pending. Returns whether a row was updated.

        Raises, before any SQL: ValueError with no column; RecordNotSaved for a new
        or destroyed record; UnknownAttributeError/ReadOnlyAttributeError for a name
        that is no writable column or an ``attr_readonly`` one; ReadOnlyRecord for a
        ``readonly`` model; AttributeCastError for a value the column cannot take."""
        model = type(self)
        schema = model._load_schema()
        if not attrs:
            raise ValueError("update_columns() needs at least one column=value")
        if self._new_record or self._destroyed:
            raise RecordNotSaved(f"cannot update_columns() of a "
                                 f"{'new' if self._new_record else 'destroyed'} "
                                 f"{model.__name__}", record=self)
        schema.check_writable(model, attrs)
        for name in attrs:
            if name in schema.attr_readonly:
                raise ReadOnlyAttributeError(
                    f"{model.__name__}.{name} is attr_readonly: it cannot be updated",
                    name=name)
        key = self._key_before_changes(schema)
        for name, value in attrs.items():
            self.write_attribute(name, value)
        values = self._attrs
        node = n.Update(schema.table_node, tuple(
            (c, n.Param(schema.types[c].serialize(values[c]))) for c in attrs),
            schema.key_condition(key, model))
        sql, params = schema.db.compile(node)
        count = schema.db.run(sql, params).rowcount
        d = self.__dict__
        for name in attrs:  # written: clean now
            (d.get("_changed_from") or {}).pop(name, None)
            (d.get("_originals") or {}).pop(name, None)
        return count > 0

    def update_column(self, name: str, value: Any) -> bool:
        """``update_columns(**{name: value})`` (Rails' ``update_column``)."""
        return self.update_columns(**{name: value})

    def _insert_record(self, schema: ModelSchema) -> None:
        # INSERT the assigned columns; read back what the database chose.
        d = self.__dict__
        attrs = d["_attrs"]
        assigned = d.get("_assigned") or set()
        if d.get("_originals"):
            assigned = assigned | self._changed_in_place()
        cols = tuple(c for c in schema.writable if c in assigned)
        cached = schema.sql_cache.get(("insert", cols))
        if cached is None:
            cached = _insert_statement(schema, cols)
        sql, back, loaders, returning = cached
        types = schema.types
        result = schema.db.run(sql, [types[c].serialize(attrs[c]) for c in cols])
        if returning and result.rows:
            row = result.rows[0]
            attrs.update(zip(back, schema.load_values(loaders, row) if loaders else row))
        else:
            self._read_back_key(schema, result, assigned)
        d["_new_record"] = False
        d.pop("_assigned", None)
        self._changes_applied(schema)

    def _read_back_key(self, schema: ModelSchema, result: Result,
                       assigned: set[str]) -> None:
        attrs = self._attrs
        pk = schema.pk
        if len(pk) == 1 and attrs.get(pk[0]) is None and result.lastrowid:
            attrs[pk[0]] = result.lastrowid
        # Without a key the new row cannot be found again: its computed values stay
        # unknown (None) rather than being read from some other row.
        if pk and any(c not in assigned for c in schema.db_computed if c not in pk):
            self._reload_attrs(schema)

    def _update_record(self, schema: ModelSchema) -> None:
        # UPDATE the changed columns where the key was (also when it changed).
        changes = self._dirty()
        if not changes:
            return
        attrs = self._attrs
        cols = tuple(c for c in schema.writable if c in changes)
        types = schema.types
        key_before = tuple(changes.get(c, attrs[c]) for c in schema.pk)
        guard = self._row_guard(schema, "update")
        kind = None if guard is None else guard[1] is None
        key = ("update", cols, kind)
        sql = schema.sql_cache.get(key)
        if sql is None:
            if not schema.pk:  # never ``UPDATE ... WHERE 1=1``
                raise schema.no_primary_key(type(self), "save() of a loaded record")
            where = _key_where(schema, guard)
            node = n.Update(schema.table_node, tuple((c, n.Param(None)) for c in cols), where)
            sql = schema.sql_cache[key] = schema.db.compile(node)[0]
        params = [types[c].serialize(attrs[c]) for c in cols] \
            + [types[c].serialize(v) for c, v in zip(schema.pk, key_before)]
        if guard is not None and guard[1] is not None:
            params.append(types[guard[0]].serialize(guard[1]))
        count = schema.db.run(sql, params).rowcount
        if guard is not None and count != 1:
            raise self._stale(schema, "update")
        self.__dict__["_rows_updated"] = count  # (the callbacks layer reads it)
        self._changes_applied(schema)
        if schema.generated:
            self._reload_generated(schema)

    def _reload_generated(self, schema: ModelSchema) -> None:
        # The database recomputed the generated columns: read them by the new key.
        sql_key = ("generated",)
        cached = schema.sql_cache.get(sql_key)
        if cached is None:
            names = tuple(c for c in schema.names if c in schema.generated)
            where = n.and_(*(n.Column(c, schema.table) == n.Param(None) for c in schema.pk))
            node = n.Select(schema.table_node, tuple(n.Column(c, schema.table) for c in names),
                            where=where)
            cached = schema.sql_cache[sql_key] = (schema.db.compile(node)[0], names,
                                                  schema.loaders_for(names))
        sql, names, loaders = cached
        attrs = self._attrs
        rows = schema.db.run(sql, [schema.types[c].serialize(attrs[c]) for c in schema.pk],
                             read=True).rows
        if rows:
            attrs.update(zip(names, schema.load_values(loaders, rows[0])))

    # -- destroy / delete ----------------------------------------------------------
    def destroy(self) -> Self | Literal[False]:
        """The write of ``destroy()``: DELETE the record's row (a new record sends
        nothing), mark the record destroyed and return it. ``Model.destroy`` is
        ``TransactionsMixin.destroy``, which checks the key and runs this inside the
        record's transaction; later layers (callbacks, dependent rules) wrap it."""
        self._delete_row("destroy")
        return self

    def _delete_row(self, action: str = "delete") -> int:
        schema = type(self)._load_schema()
        count = 0
        if self.persisted:  # as Rails: a new or already destroyed record sends nothing
            where = schema.key_condition(self._key_before_changes(schema), type(self))
            guard = self._row_guard(schema, action)
            if guard is not None:
                where = n.and_(where, _guard_condition(schema, guard))
            sql, params = schema.db.compile(n.Delete(schema.table_node, where))
            count = schema.db.run(sql, params).rowcount
            if guard is not None and count != 1:
                raise self._stale(schema, action)
        self.__dict__["_destroyed"] = True
        return count

    def _row_guard(self, schema: ModelSchema, action: str) -> tuple[str, Any] | None:
        """``(column, value)`` an UPDATE (``action`` "update") or DELETE ("destroy",
        "delete") of the record's row also requires, else None; the write raises
        StaleObjectError when no row matched. LockingMixin's ``lock_version``."""
        return None

    def _stale(self, schema: ModelSchema, action: str) -> StaleObjectError:
        return StaleObjectError(
            f"Attempted to {action} a stale {type(self).__name__} ({schema.pk} = "
            f"{self._key_before_changes(schema)!r}): its row changed or was deleted since "
            f"it was loaded (optimistic locking, column {schema.lock_column!r})",
            record=self, attempted_action=action)

    def _require_key(self, schema: ModelSchema, action: str) -> None:
        # Before any SQL: the row of a loaded record is found by its primary key.
        if not schema.pk:
            raise schema.no_primary_key(type(self), f"{action}() of a loaded record")
        attrs = self.__dict__["_attrs"]
        missing = [c for c in schema.pk if c not in attrs]
        if missing:
            raise MissingAttributeError(
                f"cannot {action} this {type(self).__name__}: its primary key "
                f"{', '.join(missing)} was not loaded (the query selected only "
                f"{', '.join(attrs) or 'nothing'}); select the key column(s) too")

    def _key_before_changes(self, schema: ModelSchema) -> Any:
        self._require_key(schema, "identify the row of")
        changed = self.__dict__.get("_changed_from") or {}
        values = tuple(changed.get(c, self._attrs[c]) for c in schema.pk)
        return values[0] if len(values) == 1 else values

    def _delete_instance(self) -> Self:
        """Delete the record's row at once: no callbacks, no dependents (Rails'
        ``delete``). Marks the record destroyed and returns it; inside a transaction
        that rolls back it is not destroyed again. Raises UnknownPrimaryKey /
        MissingAttributeError (before any SQL) when the row cannot be identified
        (``TransactionsMixin._delete_instance`` checks and records it first)."""
        self._delete_row()
        return self

    @classmethod
    def _delete_by_key(cls, *keys: Any) -> int:
        """Delete rows by primary key without loading them (no callbacks); return the
        number of rows deleted. ``Artist.delete(5)``, ``Artist.delete(5, 6)``,
        ``Artist.delete([5, 6])``, ``PlaylistTrack.delete((1, 3402))`` for a composite
        key. Keys are cast as ``find`` casts them (one that cannot be a key deletes
        nothing) and sent as ``pk IN (...)`` (row values for a composite key); beyond
        ``features.max_parameters`` in several DELETEs in one transaction, so all or
        none happen (Rails' ``delete``).

        Raises ReadOnlyRecord for a ``readonly`` model, UnknownPrimaryKey for a table
        without a primary key, ValueError for a composite key that is not a tuple of as
        many values (all before any SQL)."""
        schema = cls._load_schema()
        if schema.readonly:
            raise schema.read_only(cls)
        if not schema.pk:
            raise schema.no_primary_key(cls, "delete(key)")
        if len(keys) == 1 and isinstance(keys[0], list):
            keys = tuple(keys[0])
        limits = schema.db.dialect.integer_range
        found = (schema.key_values(k, limits) for k in keys)
        rows = list({nk[0]: nk[1] for nk in found if nk is not None}.values())
        statements = [schema.db.compile(n.Delete(schema.table_node, schema.keys_condition(chunk)))
                      for chunk in schema.key_chunks(rows)]
        if len(statements) <= 1:
            return sum(schema.db.run(sql, params).rowcount for sql, params in statements)
        with schema.db.transaction(requires_new=False):
            return sum(schema.db.run(sql, params).rowcount for sql, params in statements)

    delete = dualmethod(_delete_by_key, _delete_instance)

    # -- reload --------------------------------------------------------------------
    def reload(self) -> Self:
        """Read the record's row again, discarding unsaved changes; return self.
        Raises RecordNotFound when the row is gone, UnknownPrimaryKey /
        MissingAttributeError (before any SQL) when it cannot be identified."""
        schema = type(self)._load_schema()
        self._require_key(schema, "reload")
        self._reload_attrs(schema)
        self._forget_changes()
        return self

    def _reload_attrs(self, schema: ModelSchema) -> None:
        key = self._key_before_changes(schema)
        node = n.Select(schema.table_node, schema.select_columns,
                        where=schema.key_condition(key, type(self)), limit=2)
        rows = schema.db.select_rows(node)
        if not rows:
            raise RecordNotFound(
                f"{type(self).__name__} with {schema.pk} = {key!r} no longer exists in "
                f"table {schema.table!r}", model=type(self), table=schema.table, key=key)
        fresh = type(self)._instantiate(rows[0], schema)
        self._attrs.update(fresh._attrs)


def _guard_condition(schema: ModelSchema, guard: tuple[str, Any],
                     param: n.Node | None = None) -> n.Node:
    # The lock guard ``(column, value)``: ``column = value`` (``param`` for a cached
    # statement, its value then bound by the caller), or ``column IS NULL``.
    column = n.Column(guard[0], schema.table)
    if guard[1] is None:
        return n.IsNull(column)
    return n.Binary("=", column, param if param is not None else
                    n.Param(schema.types[guard[0]].serialize(guard[1])))


def _key_where(schema: ModelSchema, guard: tuple[str, Any] | None) -> n.Node:
    # ``pk = ? AND ...`` for a cached UPDATE, and the guard (its value the last
    # parameter, or IS NULL).
    conds: list[n.Node] = [n.Column(c, schema.table) == n.Param(None) for c in schema.pk]
    if guard is not None:
        conds.append(_guard_condition(schema, guard, n.Param(None)))
    return n.and_(*conds)


def _insert_statement(schema: ModelSchema, cols: tuple[str, ...]) -> tuple:
    """``(sql, back, loaders, returning)`` of the INSERT of ``cols``, cached per
    column set: it reads back only what the database chose, the other columns (the
    key, defaults), with RETURNING where the database has it."""
    db = schema.db
    back = tuple(c for c in schema.names if c not in cols)
    node = n.Insert(schema.table_node, cols, (tuple(n.Param(None) for _ in cols),),
                    returning=back)
    returning = bool(back) and db.features.supports_returning
    cached = (db.compile(node)[0], back, schema.loaders_for(back), returning)
    schema.sql_cache[("insert", cols)] = cached
    return cached
