"""Writing records: ``save``, ``create``, ``update``, ``destroy``, ``delete``, ``reload``.

* INSERT sends the columns the user assigned (so database defaults apply to the rest)
  and reads the other columns back with RETURNING where the database has it
  (``features.supports_returning``); otherwise it takes the key from ``lastrowid`` and
  re-reads only when a column has a database-computed default.
* UPDATE sends only the columns whose value changed (DESIGN.md: peewee #643/#469 lost
  updates) and nothing at all when nothing changed.
* ``created_at``/``updated_at`` are set when those columns exist, as Rails does.
* ``save()`` runs in a transaction that joins the caller's open one (it never commits a
  transaction it did not open: sqlalchemy-mixins #109) or opens and commits its own.
  Each write registers the record with the transaction, so a rollback gives it back
  its state (``transactions.py``, Rails' ``restore_transaction_record_state``).
* Generated columns are never written: INSERT reads them back (RETURNING, or a
  re-read), and an UPDATE of a table that has some re-reads them by key afterwards
  (MariaDB has no ``UPDATE ... RETURNING``; one statement more, only for such tables).
* Writes and reloads of a loaded record need its primary key: a table without one
  raises ``UnknownPrimaryKey``, a record loaded without its key column
  ``MissingAttributeError``, both before any SQL (an INSERT needs no key).

The order when saving is: transaction, then validations, then callbacks, then the
write; the later mixins (callbacks, validations) wrap ``_save`` cooperatively.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import MissingAttributeError, RecordNotFound, RecordNotSaved
from ..sql import nodes as n

__all__ = ["PersistenceMixin", "dualmethod"]


class dualmethod:
    """A method that is a classmethod when called on the class and an instance method
    on an instance (``Artist.delete(5)`` and ``artist.delete()``)."""

    def __init__(self, class_func, instance_func):
        self.class_func = class_func
        self.instance_func = instance_func
        self.__doc__ = instance_func.__doc__

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self.class_func.__get__(None, objtype)
        return self.instance_func.__get__(obj, objtype)


def _now(schema, column: str, now: _dt.datetime | None = None) -> _dt.datetime:
    now = now or _dt.datetime.now(_dt.timezone.utc)
    if not schema.columns[column].info.timezone:
        now = now.replace(tzinfo=None)  # naive columns hold UTC wall time (Rails' default)
    return now


class PersistenceMixin:
    """Instance and class methods that write records."""

    # -- class level ---------------------------------------------------------------
    @classmethod
    def create(cls, /, **attrs: Any):
        """Build a record from ``attrs``, save it and return it (persisted, with the
        database's defaults and the new key). Raises what ``save()`` raises."""
        record = cls(**attrs)
        record.save()
        return record

    @classmethod
    def _instantiate(cls, row, schema):
        # The row-loading hot path: no __init__, one dict, casts only where needed.
        record = cls.__new__(cls)
        attrs = dict(zip(schema.names, row))
        for i, name, load in schema.loaders:
            value = row[i]
            if value is not None:
                attrs[name] = load(value)
        d = record.__dict__
        d["_attrs"] = attrs
        d["_new_record"] = False
        return record

    # -- save ----------------------------------------------------------------------
    def save(self) -> bool:
        """INSERT a new record or UPDATE the changed columns of a persisted one.

        Returns True. Raises RecordNotSaved for a destroyed record, UnknownPrimaryKey
        or MissingAttributeError when a persisted record's changes cannot be told
        where to go (no key, key not loaded; before any SQL), and the translated
        database error (RecordNotUnique, NotNullViolation, ...) when the write fails;
        the record's own transaction is then rolled back whole, and the record gets
        its state back (new again, its changes pending) so a retry writes again.
        """
        if self._destroyed:
            raise RecordNotSaved(f"cannot save a destroyed {type(self).__name__}")
        schema = type(self)._load_schema()
        if not self._new_record:
            if not self._needs_save():
                return True  # nothing changed: no transaction, no statement (as Rails)
            self._require_key(schema, "save")
        db = schema.db
        with db.transaction(requires_new=False):
            db.add_transaction_record(self)
            self._save()
        return True

    def _needs_save(self) -> bool:
        """Whether saving a persisted record has anything to do (later mixins that
        run callbacks on every save extend this)."""
        return bool(self.changed_attributes)

    def _save(self) -> None:
        if self._new_record:
            self._insert_record()
        else:
            self._update_record()

    def update(self, /, **attrs: Any) -> bool:
        """Assign ``attrs`` and save (Rails' ``update``). Returns True."""
        self.assign_attributes(**attrs)
        return self.save()

    def _insert_record(self) -> None:
        cls = type(self)
        schema = cls._load_schema()
        db = schema.db
        attrs = self._attrs
        if schema.timestamps:
            now = _dt.datetime.now(_dt.timezone.utc)  # one instant for both (as Rails)
            for col in schema.timestamps:
                if attrs.get(col) is None:
                    self.write_attribute(col, _now(schema, col, now))
        assigned = self.__dict__.get("_assigned") or set()
        if self.__dict__.get("_originals"):
            assigned = assigned | self._changed_in_place()
        cols = tuple(c for c in schema.writable if c in assigned)
        types = schema.types
        values = [types[c].serialize(attrs[c]) for c in cols]
        key = ("insert", cols)
        cached = schema.sql_cache.get(key)
        if cached is None:
            # Read back only what the database chose: the columns not assigned (the
            # key, defaults); assigned values are already in the record.
            back = tuple(c for c in schema.names if c not in assigned)
            node = n.Insert(schema.table_node, cols, (tuple(n.Param(None) for _ in cols),),
                            returning=back)
            loaders = tuple((i, c, schema.types[c].deserialize) for i, c in enumerate(back)
                            if schema.types[c].needs_deserialize)
            returning = bool(back) and db.features.supports_returning
            cached = schema.sql_cache[key] = (db.compile(node)[0], back, loaders, returning)
        sql, back, loaders, returning = cached
        result = db.run(sql, values)
        if returning and result.rows:
            row = result.rows[0]
            attrs.update(zip(back, row))
            for i, name, load in loaders:
                if row[i] is not None:
                    attrs[name] = load(row[i])
        else:
            self._read_back_key(schema, result, assigned)
        self.__dict__["_new_record"] = False
        self.__dict__.pop("_assigned", None)
        self._changes_applied(schema)

    def _read_back_key(self, schema, result, assigned) -> None:
        attrs = self._attrs
        pk = schema.pk
        if len(pk) == 1 and attrs.get(pk[0]) is None and result.lastrowid:
            attrs[pk[0]] = result.lastrowid
        # Without a key the new row cannot be found again: its computed values stay
        # unknown (None) rather than being read from some other row.
        if pk and any(c not in assigned for c in schema.db_computed if c not in pk):
            self._reload_attrs(schema)

    def _update_record(self) -> None:
        schema = type(self)._load_schema()
        changes = self._dirty()
        if not changes:
            return
        if "updated_at" in schema.timestamps and "updated_at" not in changes:
            self.write_attribute("updated_at", _now(schema, "updated_at"))
            changes = self._dirty()
        attrs = self._attrs
        cols = tuple(c for c in schema.writable if c in changes)
        types = schema.types
        key_before = tuple(changes.get(c, attrs[c]) for c in schema.pk)
        key = ("update", cols)
        sql = schema.sql_cache.get(key)
        if sql is None:
            if not schema.pk:  # never ``UPDATE ... WHERE 1=1``
                raise schema.no_primary_key(type(self), "save() of a loaded record")
            where = n.and_(*(n.Column(c, schema.table) == n.Param(None) for c in schema.pk))
            node = n.Update(schema.table_node, tuple((c, n.Param(None)) for c in cols), where)
            sql = schema.sql_cache[key] = schema.db.compile(node)[0]
        schema.db.run(sql, [types[c].serialize(attrs[c]) for c in cols]
                      + [types[c].serialize(v) for c, v in zip(schema.pk, key_before)])
        self._changes_applied(schema)
        if schema.generated:
            self._reload_generated(schema)

    def _reload_generated(self, schema) -> None:
        # The database recomputed the generated columns: read them by the new key.
        sql_key = ("generated",)
        cached = schema.sql_cache.get(sql_key)
        if cached is None:
            names = tuple(c for c in schema.names if c in schema.generated)
            where = n.and_(*(n.Column(c, schema.table) == n.Param(None) for c in schema.pk))
            node = n.Select(schema.table_node, tuple(n.Column(c, schema.table) for c in names),
                            where=where)
            cached = schema.sql_cache[sql_key] = (schema.db.compile(node)[0], names)
        sql, names = cached
        attrs = self._attrs
        rows = schema.db.run(sql, [schema.types[c].serialize(attrs[c]) for c in schema.pk],
                             read=True).rows
        if rows:
            for name, value in zip(names, rows[0]):
                typ = schema.types[name]
                attrs[name] = typ.deserialize(value) if value is not None and \
                    typ.needs_deserialize else value

    # -- destroy / delete ----------------------------------------------------------
    def destroy(self):
        """Delete the record's row, running callbacks and dependent rules; mark the
        record destroyed and return it. Inside a transaction (its own or the caller's);
        a rollback makes the record not destroyed again. Raises UnknownPrimaryKey /
        MissingAttributeError (before any SQL) when the row cannot be identified."""
        schema = type(self)._load_schema()
        if self.persisted:
            self._require_key(schema, "destroy")
        db = schema.db
        with db.transaction(requires_new=False):
            db.add_transaction_record(self)
            self._destroy()
        return self

    def _destroy(self) -> None:
        self._delete_row()

    def _delete_row(self) -> int:
        schema = type(self)._load_schema()
        count = 0
        if self.persisted:  # as Rails: a new or already destroyed record sends nothing
            where = schema.key_condition(self._key_before_changes(schema), type(self))
            sql, params = schema.db.compile(n.Delete(schema.table_node, where))
            count = schema.db.run(sql, params).rowcount
        self.__dict__["_destroyed"] = True
        return count

    def _require_key(self, schema, action: str) -> None:
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

    def _key_before_changes(self, schema):
        self._require_key(schema, "identify the row of")
        changed = self.__dict__.get("_changed_from") or {}
        values = tuple(changed.get(c, self._attrs[c]) for c in schema.pk)
        return values[0] if len(values) == 1 else values

    def _delete_instance(self):
        """Delete the record's row at once: no callbacks, no dependents (Rails'
        ``delete``). Marks the record destroyed and returns it; inside a transaction
        that rolls back it is not destroyed again. Raises UnknownPrimaryKey /
        MissingAttributeError (before any SQL) when the row cannot be identified."""
        schema = type(self)._load_schema()
        if self.persisted:
            self._require_key(schema, "delete")
        schema.db.add_transaction_record(self)
        self._delete_row()
        return self

    @classmethod
    def _delete_by_key(cls, *keys) -> int:
        """Delete rows by primary key without loading them (no callbacks); return the
        number of rows deleted. ``Artist.delete(5)``, ``Artist.delete(5, 6)``,
        ``Artist.delete([5, 6])``, ``PlaylistTrack.delete((1, 3402))`` for a composite
        key. Keys are cast as ``find`` casts them (one that cannot be a key deletes
        nothing) and sent as ``pk IN (...)`` (row values for a composite key); beyond
        ``features.max_parameters`` in several DELETEs in one transaction, so all or
        none happen (Rails' ``delete``).

        Raises UnknownPrimaryKey for a table without a primary key, ValueError for a
        composite key that is not a tuple of as many values (both before any SQL)."""
        schema = cls._load_schema()
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
    def reload(self):
        """Read the record's row again, discarding unsaved changes; return self.
        Raises RecordNotFound when the row is gone, UnknownPrimaryKey /
        MissingAttributeError (before any SQL) when it cannot be identified."""
        schema = type(self)._load_schema()
        self._require_key(schema, "reload")
        self._reload_attrs(schema)
        self._forget_changes()
        return self

    def _reload_attrs(self, schema) -> None:
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
