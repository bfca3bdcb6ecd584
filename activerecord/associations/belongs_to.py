"""``belongs_to``: the foreign key is on the owner's table (Rails'
``BelongsToAssociation``). ``album.artist`` loads once and caches; assigning a record
sets the foreign key, ``None`` clears it."""

from __future__ import annotations

from typing import Any

from . import association as a
from .reflection import Reflection, camelize, underscore

__all__ = ["BelongsTo"]


class BelongsTo(Reflection):
    """A ``belongs_to`` association (see the module doc)."""

    macro = "belongs_to"

    def _tables(self) -> tuple[Any, Any]:
        return self.owner._load_schema(), self.target._load_schema()

    def _conventions(self) -> list[str]:
        target = self.target._load_schema()
        names = [f"{self.name}_id", camelize(self.name) + "Id",
                 f"{underscore(self.target.__name__)}_id", self.target.__name__ + "Id"]
        owner_pk = self.owner._load_schema().pk
        names += [c for c in target.pk if len(target.pk) == 1 and c not in owner_pk]
        return list(dict.fromkeys(names))

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        fk = a.values_of(record, self.foreign_key)
        value = a.cached(record, self.name, fk)
        if value is not a.MISSING:
            return value
        found = None
        if None not in fk:
            found = self.target.where(**dict(zip(self.primary_key, fk))).first()
        a.store(record, self.name, found, fk)
        inverse = self.inverse
        if found is not None and inverse is not None and inverse.macro == "has_one":
            a.store(found, inverse.name, record, a.values_of(record, inverse.primary_key))
        return found

    def __set__(self, record: Any, value: Any) -> None:
        if value is not None:
            self.check_type(value)
        keys = a.values_of(value, self.primary_key) if value is not None \
            else (None,) * len(self.foreign_key)
        for column, key in zip(self.foreign_key, keys):
            record.write_attribute(column, key)
        a.store(record, self.name, value, a.values_of(record, self.foreign_key))
