"""Writing a has_many through a join model (Rails' ``HasManyThroughAssociation``
writers): ``playlist.tracks.add(track)`` creates the join record, ``remove`` and
``clear`` delete join rows, never the targets.

Only the one-hop shape a join model gives is writable: the through association is a
plain has_many of the owner and the source a (not polymorphic) belongs_to of the join
model (``Playlist.playlist_tracks`` -> ``PlaylistTrack.track``). Any other shape (a
nested through, a has_and_belongs_to_many on the way, a belongs_to through) is
read-only, as in Rails, and says so before any SQL. Every writer runs in the owner's
transaction and needs a saved owner (RecordNotSaved); records of another class raise
AssociationTypeMismatch, both before any SQL. ``build`` and ``destroy_all`` are not
offered (Rails builds an in-memory join record; write the join model instead).
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidAssociation
from . import association as a

__all__ = ["join_model", "add", "create", "remove", "delete_all", "replace"]


def join_model(reflection: Any, action: str) -> tuple[Any, Any]:
    """``(through, source)`` reflections of ``reflection`` (a has_many through) when
    it goes through a join model; InvalidAssociation (read-only, naming the shape)
    otherwise."""
    through, source = reflection.through_reflection, reflection.source_reflection
    if through.macro == "has_many" and source.macro == "belongs_to" \
            and not source.polymorphic and not getattr(through, "as_", None):
        return through, source
    raise InvalidAssociation(
        f"{reflection!r} (through {reflection.through!r}) is read-only: cannot "
        f"{action}; only a has_many through a join model (a has_many, then a "
        f"belongs_to) is written through; write {reflection.through} instead")


def _checked(proxy: Any, records: tuple, action: str) -> tuple[Any, Any, list]:
    """``(through, source, records as a list)`` once the shape, the records' class
    and the saved owner are checked (before any SQL)."""
    through, source = join_model(proxy._reflection, action)
    items = proxy._records_of(records)
    proxy._owner_key(action)
    return through, source, items


def add(proxy: Any, records: tuple) -> None:
    """Create one join record per record (saving a new record first), in the owner's
    transaction (Rails' ``<<``)."""
    through, source, items = _checked(proxy, records, "add")
    owner = proxy._owner
    with proxy._transaction():
        for record in items:
            if record.new_record:
                record.save(raise_on_invalid=True)
            through.__get__(owner).create(**{source.name: record})
    if proxy._records is not None:
        proxy._records.extend(items)


def create(proxy: Any, attrs: dict[str, Any]) -> Any:
    """Create a target record and its join record, in the owner's transaction."""
    join_model(proxy._reflection, "create")
    proxy._owner_key("create")
    with proxy._transaction():
        record = proxy._reflection.target.create(**attrs)
        add(proxy, (record,))
    return record


def remove(proxy: Any, records: tuple) -> list:
    """Delete the join rows between the owner and ``records`` (which stay), in the
    owner's transaction (Rails' ``delete``); return ``records``."""
    through, source, items = _checked(proxy, records, "remove")
    owner = proxy._owner
    with proxy._transaction():
        for record in items:
            if record.persisted:
                key = a.values_of(record, source.primary_key)
                through.scope(owner).where(**dict(zip(source.foreign_key, key))) \
                    .delete_all()
    a.forget(owner, through.name)  # its loaded join records are gone
    if proxy._records is not None:
        gone = {r._identity() for r in items if r.persisted}
        proxy._records = [r for r in proxy._records if r._identity() not in gone]
    return items


def delete_all(proxy: Any) -> int:
    """Delete every join row of the owner for this association (the targets stay);
    return how many. An unsaved owner has none: 0."""
    through, _ = join_model(proxy._reflection, "delete_all")
    owner = proxy._owner
    if owner.new_record:
        return 0
    proxy._keep_records()
    count: int = through.scope(owner).delete_all()
    a.forget(owner, through.name)
    proxy._records = []
    return count


def replace(proxy: Any, records: Any) -> None:
    """Make the collection exactly ``records``: the join rows of records no longer in
    it deleted, join records created for the new ones, in the owner's transaction."""
    _, _, items = _checked(proxy, (list(records),), "replace")
    current = list(proxy._loaded())  # before: a rollback gives them back
    with proxy._transaction():
        wanted = {r._identity() for r in items if r.persisted}
        had = {r._identity() for r in current}
        stale = [r for r in current if r._identity() not in wanted]
        if stale:
            remove(proxy, tuple(stale))
        add(proxy, tuple(r for r in items if r.new_record or r._identity() not in had))
    proxy._records = list(items)
