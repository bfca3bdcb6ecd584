"""Instance state, identity, equality and ``repr`` of records.

A record keeps its column values in ``self._attrs`` (name -> Python value) and, for
dirty tracking, the value each column had before its first change in
``self._changed_from`` (created on first write; see ``attributes.py``). ``_new_record``
and ``_destroyed`` are class-level ``False``/``True`` defaults overridden per instance, so
a row loaded from the database needs only two dict entries (the row-loading hot path).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Core"]


class Core:
    """Identity, state flags, equality, hashing and ``repr`` of a record."""

    _new_record = True
    _destroyed = False
    _changed_from: dict | None = None

    @property
    def new_record(self) -> bool:
        """True until the record is saved (INSERTed) for the first time."""
        return self._new_record

    @property
    def persisted(self) -> bool:
        """True when the record exists in the database (saved and not destroyed)."""
        return not self._new_record and not self._destroyed

    @property
    def destroyed(self) -> bool:
        """True after ``destroy()`` or ``delete()``."""
        return self._destroyed

    @property
    def id(self) -> Any:
        """The primary key value (a tuple for a composite key; ``None`` when new)."""
        pk = type(self)._load_schema().pk
        attrs = self._attrs
        if len(pk) == 1:
            return attrs.get(pk[0])
        return tuple(attrs.get(c) for c in pk)

    def _identity(self):
        ident = self.id
        if ident is None or (isinstance(ident, tuple) and None in ident):
            return None
        return ident

    def __eq__(self, other: object) -> bool:
        """Records are equal when they share a class (or table) and a primary key;
        a new record equals only itself (as in Rails' ``Core#==``)."""
        if self is other:
            return True
        if not isinstance(other, Core):
            return NotImplemented
        mine = self._identity()
        if mine is None or self._new_record or other._new_record:
            return False
        related = isinstance(other, type(self)) or isinstance(self, type(other))
        return related and mine == other._identity()

    def __hash__(self) -> int:
        ident = None if self._new_record else self._identity()
        if ident is None:
            return id(self)
        return hash((type(self)._load_schema().table, ident))

    def __repr__(self) -> str:
        attrs = getattr(self, "_attrs", None)
        if attrs is None:
            return f"<{type(self).__name__} (no attributes)>"
        parts = []
        for name, value in attrs.items():
            text = repr(value)
            if len(text) > 50:
                text = text[:47] + "..."
            parts.append(f"{name}={text}")
        state = " new" if self._new_record else (" destroyed" if self._destroyed else "")
        return f"<{type(self).__name__}{state} {', '.join(parts)}>"
