"""``has_one``: one record of the target's table refers to the owner (Rails'
``HasOneAssociation``). ``artist.profile`` loads once and caches.

``artist.profile = p`` (Rails' ``HasOneAssociation#replace``): on a saved owner it
sets ``p``'s foreign key and saves it at once, in the owner's transaction, after
taking the previous record away by ``dependent=`` (``"destroy"`` destroys it,
``"delete_all"`` deletes its row, otherwise its foreign key is set to NULL); on a
new owner it only remembers ``p``, which is saved with the owner
(``associations/autosave.py``). ``as_=`` makes it the other side of a polymorphic
belongs_to, as for has_many.
"""

from __future__ import annotations

from typing import Any

from . import association as a
from .has_many import TargetKeyed

__all__ = ["HasOne"]


class HasOne(TargetKeyed):
    """A ``has_one`` association (see the module doc)."""

    macro = "has_one"

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        key = a.values_of(record, self.primary_key)
        value = a.cached(record, self.name, key)
        if value is a.MISSING:
            held = a.held_while_new(record, self.name)
            if held is not None:  # a new owner mid-save: its record is still saved
                a.store(record, self.name, held, key)
                return held
            value = a.load_one(self, record, key)  # ordered by the key, if there is one
        return value

    def __set__(self, record: Any, value: Any) -> None:
        """Assign ``value`` (a target record or None; see the module doc). Raises
        AssociationTypeMismatch (before any SQL) for a record of another class,
        NotNullViolation before any write when the previous record would be
        detached over a NOT NULL key, and what the saves raise (all rolled back)."""
        if value is not None:
            self.check_type(value)
        key = a.values_of(record, self.primary_key)
        if record.new_record or None in key:
            a.store(record, self.name, value, key)  # saved with the owner
            self.set_inverse(record, [value] if value is not None else [])
            return
        current = self.__get__(record)
        other = current is not None and current is not value and \
            not (value is not None and current == value)
        if other and self.dependent not in ("destroy", "delete_all"):
            self.check_nullable("replace")
        if other or (value is not None and self._unsaved(record, value)):
            # a savepoint in a caller's transaction: a failure leaves no half-write
            with type(record)._load_schema().db.transaction(requires_new=True):
                if other and not current.destroyed:
                    self._remove(record, current)
                if value is not None:
                    for column, item in self.owner_attributes(record).items():
                        value.write_attribute(column, item)
                    value.save(raise_on_invalid=True)
        a.store(record, self.name, value, key)
        self.set_inverse(record, [value] if value is not None else [])

    def _unsaved(self, owner: Any, value: Any) -> bool:
        # Whether assigning ``value`` writes: new, changed, or not referring to owner.
        mine = self.owner_attributes(owner)
        return bool(value.new_record or value.has_changes
                    or a.values_of(value, tuple(mine)) != tuple(mine.values()))

    def _remove(self, owner: Any, current: Any) -> None:
        # Rails' remove_target!: by dependent=, destroy, delete or nullify.
        if self.dependent == "destroy":
            a.destroy(current)
        elif self.dependent == "delete_all":
            current.delete()
        elif current.persisted:
            self.nullify_record(owner, current)
