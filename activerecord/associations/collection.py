"""``CollectionProxy``: what a has_many reader returns (Rails' ``CollectionProxy``).

It is a :class:`~activerecord.relation.Relation` of the target scoped to the owner's
key, so every query method chains (``artist.albums.where(...).count()``); a chained
call returns a plain Relation. Loading it caches the records on the proxy (the proxy
is cached on the owner) and sets each record's inverse to the owner without a query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import RecordNotSaved
from ..relation import Relation
from ..relation.core import RelationCore
from . import association as a

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["CollectionProxy"]


class CollectionProxy(Relation[Any]):
    """The records of one has_many association of one owner (see the module doc)."""

    __slots__ = ("_owner", "_reflection")

    _owner: Any
    _reflection: Any

    @classmethod
    def of(cls, scope: Relation[Any], owner: Any, reflection: Any) -> CollectionProxy:
        """The proxy over ``scope`` (the reflection's scope of ``owner``)."""
        proxy = cls.__new__(cls)
        for slot in RelationCore.__slots__:
            setattr(proxy, slot, getattr(scope, slot))
        proxy._owner, proxy._reflection = owner, reflection
        return proxy

    def _clone(self, **parts: Any) -> Self:
        # A chained call is a plain Relation with the same scope (Rails' scoping).
        new: Any = Relation.__new__(Relation)
        for slot in RelationCore.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._records = None
        for key, value in parts.items():
            setattr(new, key, value)
        return new  # a Relation, as each builder returns

    def load(self) -> Self:
        """Load the records once (see :meth:`Relation.load`) and set their inverse."""
        if self._records is None:
            super().load()
            assert self._records is not None
            self._reflection.set_inverse(self._owner, self._records)
        return self

    def __getitem__(self, index: Any) -> Any:
        """``artist.albums[0]``: from the loaded records (loading them first)."""
        return self._loaded()[index]

    def build(self, /, **attrs: Any) -> Any:
        """Return a new, unsaved target record with the foreign key set to the
        owner's key and its inverse set to the owner; added to the loaded records."""
        record = self.new(**attrs)
        self._reflection.set_inverse(self._owner, [record])
        if self._records is not None:
            self._records.append(record)
        return record

    def create(self, /, **attrs: Any) -> Any:
        """Like :meth:`build`, then save; RecordNotSaved when the owner is unsaved
        (its key is not known: Rails' "You cannot call create unless the parent is
        saved")."""
        if None in a.values_of(self._owner, self._reflection.primary_key):
            raise RecordNotSaved(f"cannot create {self._reflection!r} records: the "
                                 f"{type(self._owner).__name__} is not saved")
        record = self.build(**attrs)
        record.save()
        return record

    def size(self) -> int:
        """The number of records: the loaded length when loaded, else SQL COUNT."""
        if self._records is not None:
            return len(self._records)
        return int(self.count())

    def reset(self) -> Self:
        """Forget the loaded records; the next read queries again."""
        self._records = None
        return self

    def __repr__(self) -> str:
        return f"<CollectionProxy {self._reflection!r}: {super().__repr__()}>"
