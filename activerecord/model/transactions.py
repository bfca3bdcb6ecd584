"""Transactions: the module-level :func:`transaction` and ``Model.transaction()``.

``with transaction():`` commits when the block ends normally and rolls back whole when
it raises (the exception is re-raised). Nested blocks become savepoints, so an inner
failure undoes only the inner block. ``save()``/``destroy()`` join an open transaction
and never commit it (see ``Database.transaction``).

The record side of a rollback lives here (Rails' ``ActiveRecord::Transactions``): each
write hands the record to its Database (``Database.add_transaction_record``), which
asks it for its state once per transaction level and gives the state back when that
level rolls back. As Rails' ``restore_transaction_record_state`` does, the record keeps
its current values, but ``new_record``, ``destroyed``, the primary key (``None`` again
when the database had assigned it) and the dirty state relative to the last committed
row come back, so a retried ``save()`` sends its INSERT or UPDATE again.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .attributes import _same
from ..connection.database import Database, get_database

__all__ = ["transaction", "TransactionsMixin"]


@contextmanager
def transaction(database: Database | str | None = None,
                requires_new: bool = True) -> Iterator[Database]:
    """Run the block in a transaction on ``database`` (default: the default database).

    Yields the Database. Nested blocks become savepoints unless ``requires_new=False``.
    Raises what the block raises (after rolling back), or the translated error of a
    failed COMMIT.
    """
    db = database if isinstance(database, Database) else get_database(database)
    with db.transaction(requires_new=requires_new):
        yield db


class TransactionsMixin:
    """``Model.transaction()``: a transaction on the model's database."""

    @classmethod
    def transaction(cls, requires_new: bool = True):
        """Return a context manager running its block in a transaction on the
        model's database (see :func:`transaction`)."""
        return cls._database().transaction(requires_new=requires_new)

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
        # What the row held when the level began: the values then, overlaid with the
        # kept copies of mutable values and with the old values of pending changes.
        committed = {**attrs_then, **(originals or {}), **(changed or {})}
        for column in schema.pk:
            if column in attrs_then:
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
