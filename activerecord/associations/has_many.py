"""``has_many``: records of the target's table refer to the owner (Rails'
``HasManyAssociation``). ``artist.albums`` is a :class:`CollectionProxy`, a relation
scoped to the owner, cached on the record until ``reset_association``/``reload``."""

from __future__ import annotations

from typing import Any

from ..errors import DeleteRestrictionError, NotNullViolation
from . import association as a
from .collection import CollectionProxy
from .reflection import Reflection, underscore

__all__ = ["HasMany", "TargetKeyed"]


class TargetKeyed(Reflection):
    """An association whose foreign key is on the target's table; it owns the
    ``dependent=`` rules run when the owner is destroyed (Rails' ``dependent:``)."""

    dependent_rules = ("destroy", "delete_all", "nullify", "restrict")

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

    def check_nullable(self, action: str) -> None:
        """Raise NotNullViolation (before any SQL) when a foreign-key column is
        NOT NULL, so the rows cannot be detached by setting it to NULL."""
        columns = self.target._load_schema().columns
        bad = [c for c in self.foreign_key if not columns[c].nullable]
        if bad:
            raise NotNullViolation(
                f"cannot {action} {self!r}: the foreign key {', '.join(bad)} of "
                f"{self.target._load_schema().table!r} is NOT NULL, so it cannot be "
                f"set to NULL; destroy the records, or declare dependent='destroy' "
                f"or 'delete_all'")

    def check_dependent(self, owner: Any) -> None:
        """Before the owner's destroy changes anything: DeleteRestrictionError when
        the rule is ``"restrict"`` and records exist (one EXISTS query),
        NotNullViolation when it is ``"nullify"`` over a NOT NULL key."""
        if self.dependent == "nullify":
            self.check_nullable("nullify")
        elif self.dependent == "restrict" and self.scope(owner).exists():
            raise DeleteRestrictionError(
                f"cannot destroy {type(owner).__name__} {owner!r}: it has dependent "
                f"{self.name} ({self.target.__name__} records)", association=self.name)

    def apply_dependent(self, owner: Any) -> None:
        """Run the ``dependent=`` rule for ``owner`` (in its destroy's transaction):
        ``"destroy"`` loads and destroys each record, ``"delete_all"`` DELETEs the
        rows, ``"nullify"`` sets their foreign key to NULL in one UPDATE."""
        scope = self.scope(owner)
        if self.dependent == "destroy":
            for record in scope.to_list():
                record.destroy()
        elif self.dependent == "delete_all":
            scope.delete_all()
        elif self.dependent == "nullify":
            scope.update_all(**{c: None for c in self.foreign_key})
        a.forget(owner, self.name)

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
        return a.collection(self, record, CollectionProxy)

    def __set__(self, record: Any, value: Any) -> None:
        raise AttributeError(f"{type(record).__name__}.{self.name} (has_many) cannot be "
                             f"assigned yet; use {self.name}.create(...) or build(...)")
