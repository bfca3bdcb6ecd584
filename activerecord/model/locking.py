"""Locking of records (Rails' ``Locking``): optimistic locking by a version column,
and pessimistic locks on a record's row.

Optimistic (Rails' ``Locking::Optimistic``): when the table has a ``lock_version``
column (``locking_column = "..."`` names another; ``lock_optimistically = False``
turns it off), an INSERT writes it (0 when unset), every UPDATE that changes something
sets it to its value plus one ``WHERE`` it still holds the value the record has, and
``destroy()`` deletes ``WHERE`` it does; when no row matched, the write raises
``StaleObjectError`` and the record keeps its value and its pending changes. A value
assigned by the user (a form's hidden ``lock_version``) is the one required, as in
Rails. ``delete()``, ``update_all`` and ``update_columns`` do not check it (as Rails).
A transaction that rolls back gives the record its version back
(``TransactionsMixin``).

``record.lock()`` reads the record's row again with ``SELECT ... FOR UPDATE`` (Rails'
``lock!``), so the row stays locked until the open transaction ends;
``with record.with_lock():`` opens (or joins) that transaction around the block
(Rails' ``with_lock``). Both take the options of ``Relation.lock`` (``nowait``,
``skip_locked``, ``share``). A record with unsaved changes is refused, as Rails 7
refuses it: the read would silently discard them. On SQLite the clause is left out:
the transaction's ``BEGIN IMMEDIATE`` already holds the database's write lock, so
``with_lock`` serializes writers there too (docs/guide.md, "Locking").

"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import RecordNotFound, UnsavedChangesError
from .core import Core
from .persistence import dualmethod

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["LockingMixin"]

_UNCHECKED = object()


class LockingMixin(Core):
    """``record.lock()`` and ``record.with_lock()`` (see the module doc);
    ``Model.lock(...)`` is ``Model.all().lock(...)`` (``Relation.lock``)."""

    @classmethod
    def _lock_all(cls, value: bool = True, **options: Any) -> Any:
        return cls.all().lock(value, **options)  # type: ignore[attr-defined]

    def _lock_row(self, *, nowait: bool = False, skip_locked: bool = False,
                  share: bool = False) -> Self:
        """``record.lock()``: read the record's row again with a row lock (``FOR
        UPDATE``; ``FOR SHARE`` with ``share=True``) held until the open transaction
        ends; return self with the row's current values. Outside a transaction the
        lock ends at once: use :meth:`with_lock`.

        Raises UnsavedChangesError for a record with unsaved changes, RecordNotFound
        when the row is gone (or skipped: ``skip_locked`` and locked elsewhere),
        UnknownPrimaryKey / MissingAttributeError when the row cannot be identified,
        and the database's error for ``nowait`` on a row locked elsewhere."""
        model = type(self)
        schema = model._load_schema()
        if self._new_record:
            raise RecordNotFound(f"cannot lock a new {model.__name__}: it has no row yet",
                                 model=model, table=schema.table)
        if self.has_changes:
            raise UnsavedChangesError(
                f"cannot lock this {model.__name__}: it has unsaved changes "
                f"({', '.join(self.changed)}); save() them or reload() first")
        self._check_key(schema, "lock")
        key = self._identity_key(schema)
        rows = model.unscoped().where(**key).lock(  # type: ignore[attr-defined]
            nowait=nowait, skip_locked=skip_locked, share=share).limit(2).to_list()
        if not rows:
            raise RecordNotFound(
                f"{model.__name__} with {key} no longer exists in table {schema.table!r} "
                f"(or another transaction holds it, with skip_locked)",
                model=model, table=schema.table, key=tuple(key.values()))
        self._attrs.update(rows[0]._attrs)
        self._forget_changes()  # the row as read now: no copy of an older value left
        return self

    #: ``Model.lock(...)`` a locked relation, ``record.lock(...)`` the record's row.
    lock = dualmethod(_lock_all, _lock_row)

    # -- optimistic locking (see the module doc) ------------------------------------
    def _insert_record(self, schema: Any) -> None:
        column = schema.lock_column
        if column is not None and self._attrs.get(column) is None:
            self._attrs[column] = 0  # always written: the table may have no default
            self.__dict__.setdefault("_assigned", set()).add(column)
        super()._insert_record(schema)

    def _update_record(self, schema: Any) -> None:
        column = schema.lock_column
        if column is None or not self._dirty():
            super()._update_record(schema)
            return
        d = self.__dict__
        changed = d.setdefault("_changed_from", {})
        attrs = self._attrs
        expected = attrs[column]
        had_change, before = column in changed, changed.get(column)
        attrs[column] = (expected or 0) + 1
        changed.setdefault(column, expected)
        d["_lock_expected"] = expected
        try:
            super()._update_record(schema)
        except BaseException:
            attrs[column] = expected  # stale or failed: the version it had
            if had_change:
                changed[column] = before
            else:
                changed.pop(column, None)
            raise
        finally:
            d.pop("_lock_expected", None)

    def _row_guard(self, schema: Any, action: str) -> tuple[str, Any] | None:
        column = schema.lock_column
        if column is None or action == "delete":
            return None
        if action == "update":  # the version _update_record checked out, if it did
            expected = self.__dict__.get("_lock_expected", _UNCHECKED)
            return None if expected is _UNCHECKED else (column, expected)
        return column, self._attrs.get(column)  # destroy: the version as loaded

    @contextmanager
    def with_lock(self, *, nowait: bool = False, skip_locked: bool = False,
                  share: bool = False, requires_new: bool = False) -> Iterator[Self]:
        """Run the block in a transaction (joining an open one unless
        ``requires_new``) holding this record's row lock (:meth:`lock`); yield the
        record. Raises what :meth:`lock` raises, before the block runs."""
        with type(self)._database().transaction(requires_new=requires_new):
            self._lock_row(nowait=nowait, skip_locked=skip_locked, share=share)
            yield self

    def _identity_key(self, schema: Any) -> dict[str, Any]:
        # The primary key's columns and values (as loaded: there are no changes).
        attrs = self._attrs
        return {c: attrs[c] for c in schema.pk}
