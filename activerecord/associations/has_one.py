"""``has_one``: one record of the target's table refers to the owner (Rails'
``HasOneAssociation``). ``artist.profile`` loads once and caches; it is read-only
for now (assign the belongs_to side)."""

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
        if value is not a.MISSING:
            return value
        found = None
        if None not in key:
            found = self.target.where(**dict(zip(self.foreign_key, key))).first()
        a.store(record, self.name, found, key)
        self.set_inverse(record, [found] if found is not None else [])
        return found

    def __set__(self, record: Any, value: Any) -> None:
        raise AttributeError(
            f"{type(record).__name__}.{self.name} (has_one) cannot be assigned yet; "
            f"assign the other side ({self.target.__name__}'s belongs_to) and save it")
