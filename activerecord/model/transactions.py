"""Transactions: the module-level :func:`transaction`, ``Model.transaction()``, and
the outermost layer of a record's writes (Rails' ``ActiveRecord::Transactions``).

``with transaction():`` commits when the block ends normally and rolls back whole when
it raises (the exception is re-raised). Nested blocks become savepoints, so an inner
failure undoes only the inner block.

:class:`TransactionsMixin` is first in ``Model``'s method resolution order
(``activerecord/base.py``): its ``save()`` and ``destroy()`` open a transaction, or
join the caller's open one (``requires_new=False``: they never commit a transaction
they did not open, sqlalchemy-mixins #109), record the record in it and run every
inner layer (``super()``: validations, callbacks, timestamps, the write) inside it, as
Rails' ``def save(**) = with_transaction_returning_status { super }``
(``transactions.rb``). So anything an inner layer raises, also after its statement
ran, rolls the whole save back. ``delete()`` sends one statement: it opens no
transaction, but joins and records itself in an open one. Checks that need no SQL
(``_check_save``, ``_check_key``) run before the transaction opens, since its BEGIN
is the first statement (sent at once, unlike Rails' lazy transactions), and a save
with nothing to write sends nothing at all.

The record side of a rollback lives here too: each write hands the record to its
Database (``Database.add_transaction_record``), which asks it for its state once per
transaction level and gives the state back when that level rolls back. As Rails'
``restore_transaction_record_state`` does, the record keeps its current values, but
``new_record``, ``destroyed``, the primary key (``None`` again when the database had
assigned it) and the dirty state relative to the last committed row come back, so a
retried ``save()`` sends its INSERT or UPDATE again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Literal

from ..connection.database import Database
from ..connection.handling import get_database
from ..errors import ActiveRecordError, Rollback
from .core import Core, _same

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["transaction", "TransactionsMixin"]


@contextmanager
def transaction(database: Database | str | None = None, requires_new: bool = True, *,
                isolation: str | None = None) -> Iterator[Database]:
    """Run the block in a transaction on ``database`` (default: the default database).

    Yields the Database. Nested blocks become savepoints unless ``requires_new=False``;
    ``isolation`` sets the outermost transaction's isolation level, and raising
    :class:`~activerecord.errors.Rollback` rolls the block's level back silently (see
    ``Database.transaction``). Raises what the block raises (after rolling back), the
    translated error of a failed COMMIT, ValueError for an unknown isolation level,
    TransactionIsolationError for ``isolation`` inside an open transaction.
    """
    db = database if isinstance(database, Database) else get_database(database)
    with db.transaction(requires_new=requires_new, isolation=isolation):
        yield db


class TransactionsMixin(Core):
    """``Model.transaction()``, and ``save``/``destroy``/``delete`` wrapped in the
    record's transaction, with the record's state given back on rollback."""

    @classmethod
    def transaction(cls, requires_new: bool = True, *,
                    isolation: str | None = None) -> AbstractContextManager[None]:
        """Return a context manager running its block in a transaction on the
        model's database (see :func:`transaction`)."""
        return cls._database().transaction(requires_new=requires_new, isolation=isolation)

    def save(self, *, validate: bool = True, raise_on_invalid: bool = False,
             **options: Any) -> bool:
        """Save the record (INSERT a new one, UPDATE the changed columns of a persisted
        one) in its transaction: validations, callbacks and the write all run in it.
        Returns True; False when the record is invalid (``record.errors`` says why)
        or a callback raised Abort, with nothing written and the transaction it
        opened rolled back.

        ``validate=False`` skips the validations (not the callbacks);
        ``raise_on_invalid=True`` (Rails' ``save!``) raises RecordInvalid
        (``.record``, ``.errors``) or RecordNotSaved instead of returning False.

        Raises, before any SQL, RecordNotSaved for a destroyed record and
        UnknownPrimaryKey / MissingAttributeError when a persisted record's changes
        cannot be told where to go (no key, key not loaded); a persisted record with
        no changes sends nothing (its callbacks and validations, if the model has
        any, still run). Otherwise it raises what the write or a callback raises (the
        translated database error: RecordNotUnique, NotNullViolation...): the
        record's own transaction is then rolled back whole (and the caller's, when the
        error propagates out of it), and the record gets its state back (new again,
        its changes pending) so a retry writes again. The record's own transaction
        sends its BEGIN with its first statement, so a save stopped by a validation
        or a callback sends no SQL at all. Inside a caller's transaction, a save
        that a callback or an associated record may halt after its write runs in a
        savepoint, so that False always means nothing was written (Rails leaves the
        rows in the caller's transaction there).
        """
        if options:  # before any SQL (the write layer refuses leftovers too)
            raise TypeError(f"save() got unknown option(s) {', '.join(sorted(options))}; "
                            "known: validate, raise_on_invalid")
        model = type(self)
        schema = model._load_schema()
        if not self._check_save(schema) and not model._saves_unchanged:
            return True  # nothing to write: no transaction, no statement (as Rails)
        db = schema.db
        if db.in_transaction:
            return self._save_joined(db, validate=validate,
                                     raise_on_invalid=raise_on_invalid)
        saved = False
        with db.transaction_manager.transaction(False, None, lazy=True):
            db.add_transaction_record(self)
            saved = super().save(validate=validate, raise_on_invalid=raise_on_invalid)
            if not saved:
                raise Rollback  # what a halted save wrote goes (as Rails)
        return saved

    def destroy(self) -> Self | Literal[False]:
        """Delete the record's row in its transaction (the caller's, or its own) and
        return the record, marked destroyed; a rollback makes it not destroyed again.
        Returns False when a callback raised Abort (nothing deleted; the transaction
        it opened rolled back). A new record sends no DELETE. Raises UnknownPrimaryKey
        / MissingAttributeError (before any SQL) when the row cannot be identified."""
        schema = type(self)._load_schema()
        self._check_key(schema, "destroy")
        db = schema.db
        if db.in_transaction:
            if not type(self)._destroy_may_halt and not self._destroys_dependents():
                db.add_transaction_record(self)
                return super().destroy()
            return self._save_in_savepoint(db, destroy=True)
        result: Self | Literal[False] = False
        result = False
        with db.transaction_manager.transaction(False, None, lazy=True):
            db.add_transaction_record(self)
            result = super().destroy()
            if result is False:
                raise Rollback
        return result

    def _save_joined(self, db: Database, **options: Any) -> bool:
        # Inside a caller's transaction: joined, unless a callback or an associated
        # record may halt the save after its write (then in a savepoint).
        model = type(self)
        if model._save_may_halt or self._association_cache and self._holds_unsaved():
            return bool(self._save_in_savepoint(db, **options))
        db.add_transaction_record(self)
        return super().save(**options)

    def _save_in_savepoint(self, db: Database, destroy: bool = False,
                           **options: Any) -> Any:
        # A save (or destroy) inside a caller's transaction that a callback or an
        # associated record may halt after its write: in a savepoint, rolled back when
        # it returns False (nothing written) or raises one of ours (a failed
        # statement: the write undone, PostgreSQL's transaction usable again;
        # RecordInvalid/RecordNotSaved from create(); StaleObjectError); another
        # exception (a callback's own) releases it and propagates: the caller's block
        # decides, as in Rails.
        failure: Exception | None = None
        result: Any = False
        with db.transaction(requires_new=True):
            db.add_transaction_record(self)
            try:
                result = super().destroy() if destroy else super().save(**options)
            except ActiveRecordError:
                raise
            except Exception as exc:  # noqa: BLE001 - re-raised after the release
                failure = exc
            else:
                if result is False:
                    raise Rollback
        if failure is not None:
            raise failure
        return result

    def _delete_instance(self) -> Self:
        # ``record.delete()``: one DELETE, so no transaction of its own; an open one
        # records it, so a rollback makes it not destroyed again.
        schema = type(self)._load_schema()
        self._check_key(schema, "delete")
        schema.db.add_transaction_record(self)
        return super()._delete_instance()

    def _remember_transaction_record_state(self) -> tuple:
        """Return what a rollback needs to give this record its state back (called by
        the Database the first time the record is written at a transaction level)."""
        schema = type(self)._load_schema()
        if schema.mutable:
            self._hand_out_mutables(schema)  # keep copies: in-place changes come later
        d = self.__dict__
        changed = d.get("_changed_from")
        assigned = d.get("_assigned")
        originals = d.get("_originals")
        return (schema, self._new_record, self._destroyed, dict(d["_attrs"]),
                dict(changed) if changed else None,
                set(assigned) if assigned is not None else None,
                dict(originals) if originals else None)

    def _restore_transaction_record_state(self, state: tuple) -> None:
        """Give the record back the state :meth:`_remember_transaction_record_state`
        took (the transaction level it was written in was rolled back)."""
        schema, new_record, destroyed, attrs_then, changed, assigned, originals = state
        d = self.__dict__
        attrs = d["_attrs"]
        if new_record and not self._new_record:
            # The INSERT is undone: what the database filled in (a key, an identity,
            # a default read back) goes back to what the record held, so a retried
            # INSERT leaves it to the database again. A column the user assigned, or
            # changed since the INSERT, keeps its value.
            mine = (assigned or set()) | set(d.get("_changed_from") or ())
            for column, value in attrs_then.items():
                if column not in mine:
                    attrs[column] = value
        # What the row held when the level began: the values then, overlaid with the
        # kept copies of mutable values and with the old values of pending changes.
        committed = {**attrs_then, **(originals or {}), **(changed or {})}
        for column in schema.pk + ((schema.lock_column,) if schema.lock_column else ()):
            if column in attrs_then:  # the key, and the lock version the row still has
                attrs[column] = attrs_then[column]
        d["_new_record"] = new_record
        d["_destroyed"] = destroyed
        generated = schema.generated  # recomputed by the database: never dirty
        dirty = d["_changed_from"] = {c: v for c, v in committed.items() if c in attrs
                                      and c not in generated and not _same(v, attrs[c])}
        d["_originals"] = {c: v for c, v in (originals or {}).items()
                           if c not in dirty} or None
        if new_record:
            # A retried INSERT sends what the user assigned and what changed since.
            d["_assigned"] = (assigned or set()) | set(dirty)
        else:
            d.pop("_assigned", None)
