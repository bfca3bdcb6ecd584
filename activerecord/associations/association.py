"""The per-record cache of loaded associations (Rails' ``association_cache``).

A record keeps ``{association name: (key snapshot, value)}`` in
``record.__dict__["_association_cache"]``, created on first use, so records loaded
from rows pay nothing until an association is read. A cached belongs_to target is
used while the foreign key still has the snapshot's values.
"""

from __future__ import annotations

from typing import Any

__all__ = ["cached", "store", "forget", "values_of", "collection", "MISSING"]

MISSING: Any = object()


def values_of(record: Any, columns: tuple[str, ...]) -> tuple:
    """The values of ``columns`` on ``record``; MissingAttributeError (from
    ``read_attribute``) for one the query that loaded the record did not select."""
    attrs = record.__dict__["_attrs"]
    try:
        return tuple(attrs[c] for c in columns)
    except KeyError:
        return tuple(record.read_attribute(c) for c in columns)


def cached(record: Any, name: str, snapshot: tuple | None = None) -> Any:
    """The cached value of association ``name``, or MISSING (also when ``snapshot``
    is given and differs from the one stored)."""
    cache = record.__dict__.get("_association_cache")
    if not cache or name not in cache:
        return MISSING
    stored, value = cache[name]
    if snapshot is not None and stored != snapshot:
        return MISSING
    return value


def store(record: Any, name: str, value: Any, snapshot: tuple | None = None) -> None:
    """Cache ``value`` as association ``name`` of ``record``."""
    cache = record.__dict__.get("_association_cache")
    if cache is None:
        cache = record.__dict__["_association_cache"] = {}
    cache[name] = (snapshot, value)


def forget(record: Any, name: str | None = None) -> None:
    """Drop association ``name`` (every association when None) from the cache."""
    cache = record.__dict__.get("_association_cache")
    if cache:
        if name is None:
            cache.clear()
        else:
            cache.pop(name, None)


def collection(reflection: Any, record: Any, proxy: Any) -> Any:
    """Return ``record``'s collection for ``reflection`` (has_many, habtm): the cached
    one while the owner's key is unchanged, else ``proxy.of(reflection.scope(record),
    record, reflection)``, cached. ``proxy`` is the collection class to build."""
    key = values_of(record, reflection.primary_key)
    value = cached(record, reflection.name, key)
    if value is MISSING:
        value = proxy.of(reflection.scope(record), record, reflection)
        store(record, reflection.name, value, key)
    return value
