"""``has_many``: records of the target's table refer to the owner (Rails'
``HasManyAssociation``). ``artist.albums`` is a :class:`CollectionProxy`, a relation
scoped to the owner, cached on the record until ``reset_association``/``reload``."""

from __future__ import annotations

from typing import Any

from . import association as a
from .collection import CollectionProxy
from .reflection import Reflection, underscore

__all__ = ["HasMany", "TargetKeyed"]


class TargetKeyed(Reflection):
    """An association whose foreign key is on the target's table."""

    def _tables(self) -> tuple[Any, Any]:
        return self.target._load_schema(), self.owner._load_schema()

    def _conventions(self) -> list[str]:
        owner = self.owner._load_schema()
        target_pk = self.target._load_schema().pk
        names = [f"{underscore(self.owner.__name__)}_id", self.owner.__name__ + "Id"]
        names += [c for c in owner.pk if len(owner.pk) == 1 and c not in target_pk]
        return list(dict.fromkeys(names))

    def set_inverse(self, owner: Any, records: list) -> None:
        """Cache ``owner`` as the inverse belongs_to of each of ``records``."""
        inverse = self.inverse
        if inverse is None:
            return
        for record in records:
            a.store(record, inverse.name, owner, a.values_of(record, self.foreign_key))

    def scope(self, record: Any) -> Any:
        """The target relation of ``record``'s associated rows (none for an unsaved
        owner, whose key is not known yet)."""
        key = a.values_of(record, self.primary_key)
        if None in key:
            return self.target.none()
        return self.target.where(**dict(zip(self.foreign_key, key)))


class HasMany(TargetKeyed):
    """A ``has_many`` association (see the module doc)."""

    macro = "has_many"

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        key = a.values_of(record, self.primary_key)
        value = a.cached(record, self.name, key)
        if value is a.MISSING:
            value = CollectionProxy.of(self.scope(record), record, self)
            a.store(record, self.name, value, key)
        return value

    def __set__(self, record: Any, value: Any) -> None:
        raise AttributeError(f"{type(record).__name__}.{self.name} (has_many) cannot be "
                             f"assigned yet; use {self.name}.create(...) or build(...)")
