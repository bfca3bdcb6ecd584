"""The per-record cache of loaded associations (Rails' ``association_cache``), and the
strict-loading check of lazy loads (Rails 6.1's ``strict_loading``).

A record keeps ``{association name: (key snapshot, value)}`` in
``record._association_cache``, created on first use, so records loaded from rows pay
nothing until an association is read; the records of one preloaded collection share
their owner's inverse entry until one writes (:class:`SharedCache`). A cached
belongs_to target is used while the foreign key still has the snapshot's values.

Strict loading: a record's mode is ``record._strict_loading`` (True,
False or ``"warn"``; set by ``record.strict_loading(...)``, by a
``Relation.strict_loading()`` that loaded it, or by a preload from strict owners),
else its model's ``strict_loading_by_default`` (a class attribute, inherited: set on
``Model`` it is the global switch). Every reader calls :func:`lazy_load` right before
it queries an association that is not loaded; only there is the mode read (one dict
lookup, then the class attribute), never while rows are loaded. A strict record
raises :class:`~activerecord.errors.StrictLoadingViolationError`, naming the model,
the association and the file:line of the access (the first frame outside this
package); ``"warn"`` logs the same message on the ``activerecord.strict_loading``
logger (WARNING) and loads. See docs/associations.md, "Strict loading".
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..connection.pool import user_frame
from ..errors import RecordNotDestroyed, StrictLoadingViolationError
from ..relation.core import RelationCore

__all__ = ["SharedCache", "cached", "store", "forget", "values_of", "collection", "load_one",
           "first_of", "MISSING", "lazy_load", "strict_mode", "mark_strict", "set_strict",
           "caller_location", "STRICT_MODES", "on_rollback", "keep_attributes"]

#: What :func:`cached` returns for an association not cached (``None`` is a value).
MISSING: Any = object()

#: The strict-loading modes: refuse lazy loads, allow them, log them.
STRICT_MODES = (True, False, "warn")

logger = logging.getLogger("activerecord.strict_loading")


def values_of(record: Any, columns: tuple[str, ...]) -> tuple:
    """The values of ``columns`` on ``record``; MissingAttributeError (from
    ``read_attribute``) for one the query that loaded the record did not select."""
    attrs = record._attrs
    try:
        if len(columns) == 1:  # the common case, without a generator
            return (attrs[columns[0]],)
        return tuple([attrs[c] for c in columns])
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


class SharedCache(dict):
    """An association cache that several records hold until one of them changes it:
    the records of one owner's preloaded collection share ``{inverse: (key,
    owner)}`` (one dict an owner, not one a row). The writers (:func:`store`,
    :func:`forget`, the preloader's) give the record its own copy first."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        # A pickle holds a plain dict: the copy a record gets on its own.
        return dict, (dict(self),)


def store(record: Any, name: str, value: Any, snapshot: tuple | None = None) -> None:
    """Cache ``value`` as association ``name`` of ``record``."""
    cache = record.__dict__.get("_association_cache")
    if cache is None or type(cache) is SharedCache:
        cache = record.__dict__["_association_cache"] = dict(cache or ())
    cache[name] = (snapshot, value)


def forget(record: Any, name: str | None = None) -> None:
    """Drop association ``name`` (every association when None) from the cache."""
    cache = record.__dict__.get("_association_cache")
    if cache:
        if type(cache) is SharedCache:
            cache = record.__dict__["_association_cache"] = dict(cache)
        if name is None:
            cache.clear()
        else:
            cache.pop(name, None)


def destroy(record: Any) -> Any:
    """``record.destroy()``, raising RecordNotDestroyed when a callback halted it
    (Rails' ``destroy!`` in dependent rules and collection writers): a halted
    child's destroy must stop its owner's, never leave an orphan."""
    if record.destroy() is False:
        raise RecordNotDestroyed(f"Failed to destroy {type(record).__name__} "
                                 f"{record.id!r}: a callback halted it (Abort)",
                                 record=record)
    return record


def collection(reflection: Any, record: Any, proxy: Any) -> Any:
    """Return ``record``'s collection for ``reflection`` (has_many, habtm): the cached
    one while the owner's key is unchanged, else ``proxy.of(reflection.scope(record),
    record, reflection)``, cached. ``proxy`` is the collection class to build."""
    key = values_of(record, reflection.primary_key)
    value = cached(record, reflection.name, key)
    if value is MISSING:
        value = proxy.of(reflection.scope(record), record, reflection)
        before = held_while_new(record, reflection.name)
        if before is not None:
            value.adopt(before)  # a new owner mid-save: what it holds is still saved
        store(record, reflection.name, value, key)
    return value


def held_while_new(record: Any, name: str) -> Any:
    """The value association ``name`` of ``record`` held while the record had no key
    (a new owner, read during its save once the INSERT gave it one), or None."""
    cache = record.__dict__.get("_association_cache")
    if not cache or name not in cache:
        return None
    stored, value = cache[name]
    return value if stored is not None and None in stored else None


def load_one(reflection: Any, record: Any, key: tuple) -> Any:
    """Load ``record``'s has_one (or has_one through) ``reflection``, not cached yet
    for the owner's ``key`` (the values its rows are found by): None without a
    query when the key has a None, else (after :func:`lazy_load`) :func:`first_of`
    its scope; cached under ``key``, the inverse set. Returns the record or None."""
    found = None
    if None not in key:
        lazy_load(record, reflection)  # strict loading
        found = first_of(reflection.scope(record))
    store(record, reflection.name, found, key)
    reflection.set_inverse(record, [found] if found is not None else [])
    return found


def first_of(scope: Any) -> Any:
    """The one record a has_one reads from ``scope`` (a relation), or None: the first
    by its order, else by the target's primary key (as ``first()``, and as
    ``eager_load`` and the preloader choose), else, on a table without a primary key,
    any one (``take()``: ``LIMIT 1`` without ORDER BY, the query Rails' has_one
    reader sends)."""
    if scope._order or scope._schema().pk:
        return scope.first()
    return scope.take()


# -- strict loading ----------------------------------------------------------------------
def strict_mode(record: Any) -> bool | str:
    """The strict-loading mode of ``record``: its own, else its model's
    ``strict_loading_by_default``."""
    mode = record._strict_loading
    return type(record).strict_loading_by_default if mode is None else mode


def lazy_load(record: Any, reflection: Any) -> None:
    """Called by a reader right before it queries association ``reflection`` of
    ``record`` (not loaded yet). Returns when the record is not strict; raises
    StrictLoadingViolationError when it is; logs (WARNING, logger
    ``activerecord.strict_loading``) and returns in mode ``"warn"``. A new record's
    has_many/has_one/through reads no row (Rails' ``find_target?``): never refused."""
    mode = record._strict_loading
    if mode is None:
        mode = type(record).strict_loading_by_default
    if mode:
        _violation(record, reflection, mode)


def _violation(record: Any, reflection: Any, mode: bool | str) -> None:
    holds_key = getattr(reflection, "owner_holds_key", reflection.macro == "belongs_to")
    if record.new_record and not holds_key:
        return
    where = caller_location()
    model = type(record).__name__
    message = (f"{model} is marked for strict_loading: the association "
               f"{model}.{reflection.name} cannot be lazily loaded (at {where}); load it "
               f"with preload/includes/eager_load")
    if mode == "warn":
        logger.warning(message)
        return
    raise StrictLoadingViolationError(message, model=type(record),
                                      association=reflection.name, location=where)


def caller_location() -> str:
    """``file:line`` of the innermost frame outside the ORM (``pool.user_frame``: the
    user's code that made the access)."""
    frame = user_frame(sys._getframe(1))
    if frame is None:
        return "an unknown place (no caller outside activerecord)"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def set_strict(records: Iterable[Any], mode: bool | str) -> None:
    """Set the strict-loading ``mode`` of each of ``records`` (a preload's targets)."""
    for record in records:
        record.__dict__["_strict_loading"] = mode


def mark_strict(records: Iterable[Any], mode: bool | str) -> None:
    """Set the strict-loading ``mode`` of ``records`` and of every record in their
    loaded associations (an eager_load's), each once."""
    seen: set[int] = set()
    stack = list(records)
    while stack:
        record = stack.pop()
        if id(record) in seen:
            continue
        seen.add(id(record))
        record.__dict__["_strict_loading"] = mode
        cache = record.__dict__.get("_association_cache")
        for _key, value in cache.values() if cache else ():
            if isinstance(value, RelationCore):
                stack.extend(value._records or ())
            elif value is not None:
                stack.append(value)


class _Undo:
    """What a rollback calls back: registered with the transaction like a record
    (``Database.add_transaction_record`` asks for a state, then gives it back)."""

    __slots__ = ("_restore",)

    def __init__(self, restore: Callable[[], None]) -> None:
        self._restore = restore

    def _remember_transaction_record_state(self) -> None:
        return None

    def _restore_transaction_record_state(self, state: None) -> None:
        self._restore()


def on_rollback(db: Any, restore: Callable[[], None]) -> None:
    """Call ``restore()`` when the current transaction level of ``db`` (a savepoint,
    or the whole transaction, once a released savepoint hands it up) rolls back;
    nothing outside a transaction. The writers put in-memory state back with it (a
    loaded collection, a nullified key, a counter), as the transaction layer does for
    the records it wrote (``model/transactions.py``)."""
    if db.in_transaction:
        db.add_transaction_record(_Undo(restore))


def keep_cache(db: Any, record: Any) -> None:
    """Before a write that may load or replace ``record``'s associations (a child
    saved with its new owner): on rollback (see :func:`on_rollback`) give the record
    back its association cache as it is now, so no record loaded from a row that the
    rollback undid stays its parent."""
    cache = record.__dict__.get("_association_cache")
    kept = dict(cache) if cache else None

    def restore() -> None:
        record.__dict__["_association_cache"] = kept
    on_rollback(db, restore)


def keep_attributes(db: Any, record: Any, columns: Iterable[str]) -> None:
    """Before an in-memory change of ``columns`` of ``record`` that is no write of the
    record itself (a nullified key, a counter, a touch): on rollback (see
    :func:`on_rollback`) put back their values and pending changes."""
    d = record.__dict__
    attrs, changed = d["_attrs"], d.get("_changed_from") or {}
    values = {c: attrs[c] for c in columns if c in attrs}
    pending = {c: changed[c] for c in values if c in changed}

    def restore() -> None:
        attrs.update(values)
        now = record.__dict__.get("_changed_from")
        if now is not None:
            for column in values:
                now.pop(column, None)
        if pending:
            record.__dict__["_changed_from"] = {**(now or {}), **pending}
    on_rollback(db, restore)
