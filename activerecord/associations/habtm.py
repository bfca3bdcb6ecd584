"""``has_and_belongs_to_many``: many-to-many over a join table that has no model
(Rails' ``HasAndBelongsToManyAssociation``).

``Playlist.tracks = has_and_belongs_to_many("Track", join_table="PlaylistTrack")``:
the join table's column referring to the owner is ``foreign_key=`` and the one
referring to the target ``association_foreign_key=``, each found otherwise from the
join table's foreign-key constraints, then the convention (``playlist_id``,
``PlaylistId``, the referenced primary key's name). The reader is a
:class:`ManyToManyProxy`: a relation of the target joined to the join table; its
``add``/``remove``/``clear``/``replace`` write and delete join rows only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import InvalidAssociation
from ..sql import nodes as n
from . import association as a
from .collection import CollectionProxy
from .reflection import Reflection, _cols, refers_to, underscore

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["HasAndBelongsToMany", "ManyToManyProxy", "default_join_table"]

Keys = tuple[tuple[str, ...], tuple[str, ...]]


#: A common prefix of the two table names (ending with ``_`` or ``.``), as Rails finds it.
_COMMON_PREFIX = re.compile(r"^(.*[._])(.+)\0\1(.+)", re.S)


def default_join_table(first: str, second: str) -> str:
    """The join table Rails derives for two tables: their names sorted and joined
    with ``_``, a prefix common to both (up to a ``_`` or ``.``) written once
    (``rv_posts`` + ``rv_tags`` -> ``rv_posts_tags``; ``artists`` + ``albums`` ->
    ``albums_artists``), as Rails 4+'s ``JoinTableResolver`` does."""
    joined = "\0".join(sorted((first, second)))
    return _COMMON_PREFIX.sub(r"\1\2_\3", joined).replace("\0", "_")


class HasAndBelongsToMany(Reflection):
    """A ``has_and_belongs_to_many`` association (see the module doc)."""

    macro = "has_and_belongs_to_many"

    def __init__(self, target: Any, *, join_table: str | None = None,
                 foreign_key: Any = None, association_foreign_key: Any = None) -> None:
        super().__init__(target, foreign_key=foreign_key)
        self._join_table = join_table
        self._afk_option = _cols(association_foreign_key)
        self._join_keys: tuple[Any, Keys, Keys] | None = None

    @property
    def join_table(self) -> str:
        """The join table's name: ``join_table=``, else :func:`default_join_table` of
        the two tables."""
        if self._join_table is None:
            self._join_table = default_join_table(self.owner._load_schema().table,
                                                  self.target._load_schema().table)
        return self._join_table

    def _info(self) -> Any:
        info = self.owner._load_schema().db.table_info(self.join_table)
        if info is None:
            raise InvalidAssociation(f"{self!r}: no table named {self.join_table!r} "
                                     f"(join_table=)")
        return info

    def keys(self) -> tuple[Keys, Keys]:
        """``((join cols, owner cols), (join cols, target cols))``; raises
        InvalidAssociation (naming the join table's columns) when not found."""
        info = self._info()
        if self._join_keys is None or self._join_keys[0] is not info:
            owner, target = self.owner._load_schema(), self.target._load_schema()
            mine = self._side(info, owner, self._fk_option, self.owner.__name__)
            theirs = self._side(info, target, self._afk_option, self.target.__name__)
            if mine[0] == theirs[0]:
                raise InvalidAssociation(f"{self!r}: both sides of {self.join_table!r} "
                                         f"resolve to {mine[0]}; pass foreign_key= and "
                                         f"association_foreign_key=")
            self._join_keys = (info, mine, theirs)
        return self._join_keys[1], self._join_keys[2]

    def _side(self, info: Any, schema: Any, option: tuple[str, ...] | None,
              class_name: str) -> Keys:
        option_name = "foreign_key" if option is self._fk_option else \
            "association_foreign_key"
        names = [c.name for c in info.columns]
        links = [fk for fk in info.foreign_keys if refers_to(fk, schema)]
        if option:
            links = [fk for fk in links if fk.columns == option]
            cols = option
        elif len(links) == 1:
            cols = links[0].columns
        else:
            conventions = [f"{underscore(class_name)}_id", class_name + "Id", *schema.pk]
            cols = next(((c,) for c in conventions if c in names), ())
        missing = [c for c in cols if c not in names]
        if not cols or missing:
            raise InvalidAssociation(
                f"{self!r}: cannot tell which column of {self.join_table!r} refers to "
                f"{schema.table!r} (columns: {', '.join(names)}); pass {option_name}=")
        pk = links[0].referred_columns if links else schema.pk
        return tuple(cols), tuple(pk)

    @property
    def foreign_key(self) -> tuple[str, ...]:
        """The join table's columns referring to the owner."""
        return self.keys()[0][0]

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The owner's columns they refer to."""
        return self.keys()[0][1]

    def scope(self, record: Any) -> Any:
        """``target JOIN join_table ON afk = target pk WHERE fk = owner's key``."""
        (fk, pk), (afk, tpk) = self.keys()
        key = a.values_of(record, pk)
        if None in key:
            return self.target.none()
        table, target = n.Table(self.join_table), self.target._load_schema()
        on = n.and_(*(n.Column(c, self.join_table) == n.Column(t, target.table)
                      for c, t in zip(afk, tpk)))
        rel = self.target.all()
        rel = rel._clone(_joins=rel._joins + ((n.Join(table, on, "INNER"), None),))
        return rel.where(*(n.Column(c, self.join_table) == v for c, v in zip(fk, key)))

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        return a.collection(self, record, ManyToManyProxy)

    def __set__(self, record: Any, value: Any) -> None:
        raise AttributeError(f"{type(record).__name__}.{self.name} cannot be assigned; "
                             f"use {self.name}.replace([...])")

    def set_inverse(self, owner: Any, records: list) -> None:
        """No inverse is cached for a many-to-many association."""


class ManyToManyProxy(CollectionProxy):
    """The records of one has_and_belongs_to_many association of one owner: a
    relation of the target; the writers write and delete join rows only."""

    __slots__ = ()

    def _pairs(self, records: list) -> tuple[tuple, list[tuple]]:
        (_, pk), (_, tpk) = self._reflection.keys()
        owner = a.values_of(self._owner, pk)
        return owner, [a.values_of(r, tpk) for r in records]

    def _join_where(self, owner: tuple, target: tuple) -> n.Node:
        (fk, _), (afk, _) = self._reflection.keys()
        table = self._reflection.join_table
        return n.and_(*(n.Column(c, table) == v for c, v in
                        zip(fk + afk, owner + target)))

    def add(self, *records: Any) -> Self:
        """Insert one join row per record, saving new records first, in the owner's
        transaction (Rails' ``<<``); the records' own rows are not otherwise
        written. Returns the proxy. RecordNotSaved for an unsaved owner and
        AssociationTypeMismatch for another class, before any SQL."""
        items = self._records_of(records)
        self._owner_key("add")
        (fk, _), (afk, _) = self._reflection.keys()
        db = type(self._owner)._load_schema().db
        with self._transaction():
            for record in items:
                if record.new_record:
                    record.save(raise_on_invalid=True)
            owner, targets = self._pairs(items)
            for target in targets:
                row = tuple(n.Param(v) for v in owner + target)
                db.run(*db.compile(n.Insert(n.Table(self._reflection.join_table),
                                            fk + afk, (row,))))
        if self._records is not None:
            self._records.extend(items)
        return self

    def remove(self, *records: Any) -> list:
        """Delete the join rows between the owner and ``records`` (the records stay),
        in the owner's transaction (Rails' ``delete``). Returns ``records``."""
        items = self._records_of(records)
        self._owner_key("remove")
        db = type(self._owner)._load_schema().db
        owner, targets = self._pairs([r for r in items if r.persisted])
        with self._transaction():
            for target in targets:
                db.run(*db.compile(n.Delete(n.Table(self._reflection.join_table),
                                            self._join_where(owner, target))))
        if self._records is not None:
            gone = set(targets)
            _, (_, tpk) = self._reflection.keys()
            self._records = [r for r in self._records
                             if a.values_of(r, tpk) not in gone]
        return items

    def delete_all(self) -> int:
        """Delete every join row of the owner (the records stay); return how many."""
        if self._owner.new_record:
            return 0
        self._keep_records()
        (fk, pk), _ = self._reflection.keys()
        owner = a.values_of(self._owner, pk)
        table = self._reflection.join_table
        db = type(self._owner)._load_schema().db
        where = n.and_(*(n.Column(c, table) == v for c, v in zip(fk, owner)))
        count: int = db.run(*db.compile(n.Delete(n.Table(table), where))).rowcount
        self._records = []
        return count

    def destroy_all(self) -> list:
        """Not for many-to-many: the records may belong to other owners."""
        raise InvalidAssociation(f"{self._reflection!r}: destroy_all() of a "
                                 f"many-to-many collection is not supported; use "
                                 f"clear() to delete the join rows")

    def build(self, /, **attrs: Any) -> Any:
        """Not for many-to-many: use :meth:`create` or :meth:`add`."""
        raise InvalidAssociation(f"{self._reflection!r}: build() is not supported; "
                                 f"use create(...) or add(record)")

    def create(self, /, **attrs: Any) -> Any:
        """Create a target record and its join row, in the owner's transaction."""
        self._owner_key("create")
        with self._transaction():
            record = self._reflection.target.create(**attrs)
            self.add(record)
        return record
