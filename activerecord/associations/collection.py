"""``CollectionProxy``: what a has_many reader returns (Rails' ``CollectionProxy``).

It is a :class:`~activerecord.relation.Relation` of the target scoped to the owner's
key, so every query method chains (``artist.albums.where(...).count()``); a chained
call returns a plain Relation. Loading it caches the records on the proxy (the proxy
is cached on the owner) and sets each record's inverse to the owner without a query.

The writers (``add``, ``remove``, ``delete_all``, ``destroy_all``, ``clear``,
``replace``; Rails' ``<<``, ``delete``, ``delete_all``, ``destroy_all``, ``clear``,
``replace``) run in the owner's transaction and need a saved owner, except
``replace`` (and the writer ``artist.albums = [...]``) on a new owner, which only
keeps the records to save with it. Records built (``build``) or kept so are saved
when the owner is (``associations/autosave.py``, Rails' ``AutosaveAssociation``);
built while the collection is not loaded, they join the records when it loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, overload

from ..errors import RecordNotSaved
from ..relation import Relation
from ..relation.contract import M
from ..relation.core import RelationCore
from . import association as a

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["CollectionProxy", "AssociationRelation"]

#: The slots that hold a relation's query (all but its loaded records).
_QUERY_SLOTS = frozenset(RelationCore.__slots__) - {"_records"}


class CollectionProxy(Relation[M]):
    """The records of one has_many association of one owner (see the module doc).

    Generic over the record type, as :class:`Relation` (``CollectionProxy[Album]``:
    typed stubs, ``activerecord.stubs``); at runtime a plain subscriptable class."""

    __slots__ = ("_owner", "_reflection", "_pending")

    _owner: Any
    _reflection: Any
    #: records built while the collection was not loaded (they join it on load); the
    #: empty tuple until the first one (a preload builds no list per owner)
    _pending: list | tuple

    @classmethod
    def of(cls, scope: Relation[Any], owner: Any, reflection: Any) -> CollectionProxy[Any]:
        """The proxy over ``scope`` (the reflection's scope of ``owner``)."""
        proxy = cls.__new__(cls)
        for slot in RelationCore.__slots__:
            setattr(proxy, slot, getattr(scope, slot))
        proxy._owner, proxy._reflection, proxy._pending = owner, reflection, ()
        return proxy

    # -- copy and pickle: the owner, the association (by name) and the kept records --
    def __getstate__(self) -> dict[str, Any]:
        """The query parts (as any relation), plus the owner, the association (as its
        model and name: reflections are declarations, not data) and the records built
        or assigned and not saved yet, so a pickled or deep-copied owner keeps them."""
        state = super().__getstate__()
        state["_owner"] = self._owner
        state["_reflection"] = (self._reflection.owner, self._reflection.name)
        loaded = self._records_if_loaded()
        state["_pending"] = [*self._pending, *(r for r in loaded if r.new_record)]
        return state

    def _records_if_loaded(self) -> list:
        # The loaded records, without loading (a ``loaded()`` proxy has them set).
        try:
            return list(object.__getattribute__(self, "_records") or ())
        except AttributeError:
            return []

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        model, name = state.pop("_reflection")
        self._reflection = model._reflections[name]
        self._owner = state.pop("_owner")
        self._pending = state.pop("_pending")
        super().__setstate__(state)

    def adopt(self, before: CollectionProxy) -> None:
        """Keep the records ``before`` (this association's proxy while the owner had no
        key: a new owner just INSERTed, read in a callback) holds, built or assigned,
        so that reading the association never drops records its save still saves."""
        kept = [r for r in (*(before._records or ()), *before._pending) if not r.destroyed]
        if kept:
            self._pending = kept

    @classmethod
    def loaded(cls, owner: Any, reflection: Any, records: list) -> CollectionProxy[Any]:
        """The proxy of ``owner``'s ``records``, already loaded (a preload): its
        query parts are taken from ``reflection.scope(owner)`` only when something
        needs them (a chained query method, ``reset``), so a preload of N owners
        builds N small objects and no condition (see :meth:`__getattr__`)."""
        proxy = cls.__new__(cls)
        proxy._owner, proxy._reflection, proxy._pending = owner, reflection, ()
        proxy._records = records
        return proxy

    def __getattr__(self, name: str) -> Any:
        # Only reached for an unset slot or a scope name: a loaded() proxy's query
        # parts are filled in from the association's scope on first use.
        if name in _QUERY_SLOTS:
            scope = self._reflection.scope(self._owner)
            for slot in _QUERY_SLOTS:
                setattr(self, slot, getattr(scope, slot))
            return getattr(self, name)
        return super().__getattr__(name)

    def _clone(self, **parts: Any) -> Self:
        # A chained call is an AssociationRelation with the same scope (Rails').
        new: Any = AssociationRelation.__new__(AssociationRelation)
        for slot in RelationCore.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._records = None
        new._owner, new._reflection = self._owner, self._reflection
        for key, value in parts.items():
            setattr(new, key, value)
        return new  # a Relation, as each builder returns

    def load(self) -> Self:
        """Load the records once (see :meth:`Relation.load`) and set their inverse."""
        if self._records is None:
            a.lazy_load(self._owner, self._reflection)  # strict loading (association.py)
            super().load()
            assert self._records is not None
            self._reflection.set_inverse(self._owner, self._records)
            if self._pending:
                self._records = _merged(self._records, self._pending)
                self._pending = ()
        return self

    def __iter__(self) -> Iterator[M]:
        records = self._records  # loaded (a preload, a read before): no call
        return iter(records if records is not None else self._loaded())

    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: int | slice) -> M | list[M]:
        """``artist.albums[0]``: from the loaded records (loading them first)."""
        return self._loaded()[index]

    def build(self, /, **attrs: Any) -> M:
        """Return a new, unsaved target record with the foreign key set to the
        owner's key (and the type column, ``as_=``) and its inverse set to the
        owner; it is one of the collection's records from now on (loaded or not)
        and is saved when the owner is saved (Rails' ``build``)."""
        known = {k: v for k, v in self._reflection.owner_attributes(self._owner).items()
                 if v is not None}
        record = self.new(**{**known, **attrs})
        self._reflection.set_inverse(self._owner, [record])
        if self._records is not None:
            self._records.append(record)
        else:
            self._pending = [*self._pending, record]
        return record

    def create(self, /, **attrs: Any) -> M:
        """Like :meth:`build`, then save; RecordNotSaved when the owner is unsaved
        (its key is not known: Rails' "You cannot call create unless the parent is
        saved")."""
        if None in a.values_of(self._owner, self._reflection.primary_key):
            raise RecordNotSaved(f"cannot create {self._reflection!r} records: the "
                                 f"{type(self._owner).__name__} is not saved")
        record: Any = self.build(**attrs)  # a model record: M is any type to relations
        try:
            record.save(raise_on_invalid=True)
        except BaseException:
            self._drop(record)  # as Rails: a failed create! leaves the target as it was
            raise
        return record

    def _drop(self, record: Any) -> None:
        # Forget a record :meth:`build` added (its save failed).
        if self._records is not None:
            self._records = [r for r in self._records if r is not record]
        self._pending = [r for r in self._pending if r is not record]

    # -- writers (Rails' CollectionProxy) ------------------------------------------
    def _owner_key(self, action: str) -> tuple:
        key = a.values_of(self._owner, self._reflection.primary_key)
        if None in key or self._owner.new_record:
            raise RecordNotSaved(f"cannot {action} {self._reflection!r} records: the "
                                 f"{type(self._owner).__name__} is not saved")
        return key

    def _records_of(self, records: tuple) -> list:
        if len(records) == 1 and isinstance(records[0], (list, tuple)):
            records = tuple(records[0])
        for record in records:
            self._reflection.check_type(record)
        return list(records)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The writers' transaction: the owner's database's, a savepoint inside a
        caller's one, so a failed writer leaves none of its rows even when the caller
        goes on; its rollback (or the caller's) also gives the collection back the
        records it held (:meth:`_keep_records`)."""
        with type(self._owner)._load_schema().db.transaction(requires_new=True):
            self._keep_records()
            yield

    def _keep_records(self) -> None:
        # On rollback of the current transaction level: the records held now.
        records = None if self._records is None else list(self._records)
        pending = list(self._pending)

        def restore() -> None:
            self._records, self._pending = records, pending
        a.on_rollback(type(self._owner)._load_schema().db, restore)

    def _mine(self, items: list) -> list:
        mine = self._reflection.owner_attributes(self._owner)
        columns, values = tuple(mine), tuple(mine.values())
        return [r for r in items if r.persisted and a.values_of(r, columns) == values]

    def add(self, *records: Any) -> Self:
        """Add ``records`` (several, or one list) to the collection: set each one's
        foreign key to the owner's key and save it (a new record is inserted), in the
        owner's transaction (Rails' ``<<``). Returns the proxy. Raises RecordNotSaved
        for an unsaved owner and AssociationTypeMismatch for a record of another
        class, before any SQL."""
        items = self._records_of(records)
        self._owner_key("add")
        values = self._reflection.owner_attributes(self._owner)
        with self._transaction():
            for record in items:
                for column, value in values.items():
                    record.write_attribute(column, value)
            # the owner as each record's parent before they save: its presence is
            # known, and its counter cache follows in memory
            self._reflection.set_inverse(self._owner, items)
            for record in items:
                record.save(raise_on_invalid=True)
        if self._records is not None:
            seen = {id(r) for r in self._records}
            self._records.extend(r for r in items if id(r) not in seen)
        return self

    def remove(self, *records: Any) -> list:
        """Take ``records`` out of the collection (Rails' ``delete``): by the
        association's ``dependent=`` rule, ``"destroy"`` destroys them,
        ``"delete_all"`` deletes their rows, otherwise their foreign key is set to
        NULL (one UPDATE each, only that column, only while the row still refers to
        the owner). Records not in the collection are left alone. Returns the
        records removed. Raises NotNullViolation before any SQL when the foreign key
        is NOT NULL (nullifying it cannot work: use ``destroy_all``)."""
        items = self._records_of(records)
        self._owner_key("remove")
        mine = self._mine(items)
        rule = self._reflection.dependent
        if rule not in ("destroy", "delete_all"):
            self._reflection.check_nullable("remove records from")
        with self._transaction():
            for record in mine:
                if rule == "destroy":
                    a.destroy(record)  # the record's destroy moves the counter
                elif rule == "delete_all":
                    record.delete()
                else:
                    self._reflection.nullify_record(self._owner, record)
            if rule != "destroy":
                self._reflection.uncount(self._owner, len(mine))
        if self._records is not None:
            gone = {id(r) for r in mine}
            self._records = [r for r in self._records if id(r) not in gone]
        return mine

    def delete_all(self) -> int:
        """Empty the collection without loading it (Rails' ``delete_all``): DELETE
        the rows when ``dependent=`` is ``"destroy"`` or ``"delete_all"``, otherwise
        set their foreign key to NULL in one UPDATE (NotNullViolation, before any SQL,
        when it is NOT NULL). Returns the number of rows. An unsaved owner's
        collection is empty: 0."""
        if self._owner.new_record:
            return 0
        self._keep_records()
        if self._reflection.dependent not in ("destroy", "delete_all"):
            self._reflection.check_nullable("clear")
        if self._reflection.counted_by() is None:
            count = self._delete_or_nullify_all()
        else:
            with self._transaction():  # the rows and the counter, together
                count = self._delete_or_nullify_all()
                self._reflection.uncount(self._owner, count)
        self._records = []
        return count

    def _delete_or_nullify_all(self) -> int:
        if self._reflection.dependent in ("destroy", "delete_all"):
            return int(super().delete_all())
        return int(self.update_all(**dict.fromkeys(self._reflection.nullified_columns())))

    def destroy_all(self) -> list:
        """Load the records and destroy each, in the owner's transaction (Rails'
        ``destroy_all``); return them (each marked destroyed)."""
        records = list(self._loaded())
        with self._transaction():
            for record in records:
                a.destroy(record)
        self._records = []
        return records

    def clear(self) -> Self:
        """:meth:`delete_all`, returning the proxy (Rails' ``clear``)."""
        self.delete_all()
        return self

    def replace(self, records: Any) -> Self:
        """Make the collection exactly ``records`` (a list), in the owner's
        transaction (Rails' ``replace``): records no longer in it are removed as by
        :meth:`remove`, the new ones added as by :meth:`add`. Types are checked
        before any SQL. On a new owner nothing is written: the records are kept and
        saved with the owner (Rails)."""
        items = self._records_of((list(records),))
        if self._owner.new_record and self._reflection.macro == "has_many":
            self._reflection.set_inverse(self._owner, items)
            self._records, self._pending = list(items), ()
            return self
        self._owner_key("replace")
        keep = {id(r) for r in items}
        current: list[Any] = list(self._loaded())  # before: a rollback gives them back
        with self._transaction():
            keys = {r._identity() for r in items if r.persisted}
            had = {r._identity() for r in current}
            self.remove(*[r for r in current if id(r) not in keep
                          and r._identity() not in keys])
            self.add(*[r for r in items if not r.persisted or r._identity() not in had])
        self._records = list(items)
        return self

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


def _merged(loaded: list, kept: Sequence[Any]) -> list:
    """The loaded rows with the records kept in memory (built, or assigned to a new
    owner) put in: a kept saved record replaces the loaded one of its row; the others,
    new or saved (assigned, not yet written with this owner's key), are appended in
    their order (Rails' ``merge_target_lists``)."""
    mine = {r._identity(): r for r in kept if r.persisted and r._identity() is not None}
    out = [mine.pop(r._identity(), r) for r in loaded] if mine else list(loaded)
    return out + [r for r in kept if r.new_record or
                  r.persisted and mine.get(r._identity()) is r]


class AssociationRelation(Relation[Any]):
    """A query chained on a collection (``artist.albums.order("Title")``): a plain
    relation that remembers the owner, so the records it loads that still refer to
    the owner get it as their inverse without a query, as from the collection
    itself (Rails' ``AssociationRelation``). Chaining keeps it one."""

    __slots__ = ("_owner", "_reflection")

    _owner: Any
    _reflection: Any

    def _clone(self, **parts: Any) -> Self:
        new = super()._clone(**parts)
        new._owner, new._reflection = self._owner, self._reflection
        return new

    def load(self) -> Self:
        """Load the records (see :meth:`Relation.load`) and set the inverse of those
        whose foreign key is the owner's key (an ``unscope``/``rewhere`` may have
        let in others, which keep their own)."""
        if self._records is None:
            super().load()
            assert self._records is not None
            if getattr(self._reflection, "inverse", None) is not None:
                self._reflection.set_inverse(self._owner, _referring(
                    self._records, self._reflection, self._owner))
        return self


def _referring(records: list, reflection: Any, owner: Any) -> list:
    """The ``records`` whose foreign key holds ``owner``'s key (all of them for a
    kind without a foreign key on the target: its ``set_inverse`` does nothing)."""
    if not hasattr(reflection, "owner_attributes"):
        return records
    wanted = reflection.owner_attributes(owner)
    return [r for r in records
            if all(r.__dict__["_attrs"].get(c, _ABSENT) == v for c, v in wanted.items())]


_ABSENT = object()
