"""``has_many(..., through=...)``: the target's records reached through another
association of the owner (Rails' ``HasManyThroughAssociation``).

``Artist.tracks = has_many("Track", through="albums")`` reads the owner's ``albums``
association (a has_many or a belongs_to: the *through* reflection) and, on its
target (``Album``), the *source* association (``source=``, else ``tracks``, else
``track``). The reader returns a :class:`~activerecord.relation.Relation` of the
target INNER JOINed to the intermediate table and filtered on the owner's key; as
Rails, it keeps duplicates (a track reached twice appears twice) unless declared
``distinct=True``. Read-only: write through the intermediate association.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidAssociation
from ..sql import nodes as n
from . import association as a
from .reflection import Reflection

__all__ = ["HasManyThrough"]


class HasManyThrough(Reflection):
    """A ``has_many ... through:`` association (see the module doc)."""

    macro = "has_many_through"

    def __init__(self, target: Any, *, through: str, source: str | None = None,
                 distinct: bool = False) -> None:
        super().__init__(target)
        self.through, self.source, self.distinct = through, source, distinct

    # -- resolution ----------------------------------------------------------------
    @property
    def through_reflection(self) -> Reflection:
        """The owner's association named ``through``; InvalidAssociation (listing the
        owner's associations) when there is none."""
        found = self.owner._reflections.get(self.through)
        if found is None or found is self:
            known = ", ".join(sorted(k for k in self.owner._reflections if k != self.name))
            raise InvalidAssociation(f"{self!r}: through={self.through!r} is not an "
                                     f"association of {self.owner.__name__}; known "
                                     f"associations: {known or 'none'}")
        if isinstance(found, HasManyThrough):
            raise InvalidAssociation(f"{self!r}: through {found!r}, itself a through "
                                     f"association, is not supported yet")
        return found

    @property
    def source_reflection(self) -> Reflection:
        """The association of the intermediate model leading to the target: the
        ``source=`` name, else this association's name, else its singular.
        InvalidAssociation names what was looked for and what exists."""
        middle = self.through_reflection.target
        reflections = getattr(middle, "_reflections", {})
        names = [self.source] if self.source else list(dict.fromkeys(
            [self.name, self.name[:-1] if self.name.endswith("s") else self.name]))
        for name in names:
            found = reflections.get(name)
            if found is not None and not isinstance(found, HasManyThrough):
                return found
        looked = " or ".join(repr(x) for x in names)
        raise InvalidAssociation(
            f"{self!r}: no source association {looked} on {middle.__name__} (through "
            f"{self.through!r}); known associations of {middle.__name__}: "
            f"{', '.join(sorted(reflections)) or 'none'}; pass source=...")

    @property
    def target(self) -> Any:
        """The source association's target; InvalidAssociation when the declared
        class is another one."""
        found = self.source_reflection.target
        declared = self._target
        name = declared if isinstance(declared, str) else declared.__name__
        if found.__name__ != name and found is not declared:
            raise InvalidAssociation(f"{self!r}: the source {self.source_reflection!r} "
                                     f"leads to {found.__name__}, not {name}")
        return found

    def _tables(self) -> tuple[Any, Any]:
        return self.through_reflection._tables()

    @property
    def foreign_key(self) -> tuple[str, ...]:
        """The through association's foreign key."""
        return self.through_reflection.foreign_key

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The through association's primary key."""
        return self.through_reflection.primary_key

    # -- reading -------------------------------------------------------------------
    def scope(self, record: Any) -> Any:
        """The target relation of ``record``: ``target JOIN middle ON (source keys)
        WHERE middle's key = the owner's``; ``none()`` for an unsaved owner."""
        through, source, target = self.through_reflection, self.source_reflection, \
            self.target
        middle = through.target._load_schema()
        if through.macro == "belongs_to":  # the owner holds the key: middle.pk = it
            owner_cols, middle_cols = through.foreign_key, through.primary_key
        else:
            owner_cols, middle_cols = through.primary_key, through.foreign_key
        key = a.values_of(record, owner_cols)
        if None in key:
            return target.none()
        join = n.Join(middle.table_node, source.join_condition(), "INNER")
        rel = target.all()
        rel = rel._clone(_joins=rel._joins + ((join, through.target),))
        rel = rel.where(*(n.Column(c, middle.table) == v for c, v in zip(middle_cols, key)))
        return rel.distinct() if self.distinct else rel

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        return self.scope(record)

    def __set__(self, record: Any, value: Any) -> None:
        raise AttributeError(f"{type(record).__name__}.{self.name} (has_many through "
                             f"{self.through!r}) is read-only; write {self.through}")

    def join_condition(self) -> n.Node:
        """Not supported: joins() by the name of a through association."""
        raise InvalidAssociation(f"{self!r}: joins() by the name of a through "
                                 f"association is not supported yet; join the path "
                                 f"{{{self.through!r}: {self.source_reflection.name!r}}}")
