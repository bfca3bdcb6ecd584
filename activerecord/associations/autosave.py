"""Saving associated records (Rails' ``AutosaveAssociation``), the belongs_to options
that act on writes (``optional=``, ``touch=``, ``counter_cache=``) and the
``dependent=`` rules; the record's ``save``/``destroy`` call these
(``model/associations.py``; docs/associations.md, docs/architecture.md).

One save, in the order Rails runs its callbacks, all but the first inside the
record's transaction (``TransactionsMixin`` opens it), so a failure anywhere rolls
back every row written:

1. before any SQL: :func:`missing_required` gives the validations
   (``model/associations.py``) each required belongs_to without a parent, the
   error "Artist must exist" (Rails' ``belongs_to`` presence validation; only a
   missing key counts, a key naming no row is not checked); :func:`check_save`
   checks that the ``counter_cache``/``touch`` columns exist (InvalidAssociation).
2. :func:`save_parents`: a new record assigned to a belongs_to is saved first and the
   foreign key set to its key (Rails' ``save_belongs_to_association``).
3. the record's own INSERT or UPDATE.
4. :func:`save_children`: has_many/has_one records kept in memory are saved with the
   owner's key (and type, ``as_=``) set (Rails' ``save_collection_association``/
   ``save_has_one_association``, autosave not declared): for a new owner every
   record of the collection (built, assigned), for a saved owner the new ones only.
5. :func:`after_write`: counter caches and touches (below).

``counter_cache``: creating a record adds 1 to its parent's counter column,
destroying it subtracts 1, moving it to another parent does both, each one ``UPDATE
parent SET c = COALESCE(c, 0) + 1 WHERE key`` (Rails' ``update_counters``); the
parent record cached on the record follows in memory. ``touch``: saving a record with
changes (or creating or destroying it) sets its parent's update timestamp to now, and
the old parent's too when it moved (Rails' ``touch_record``), with one UPDATE each;
unlike Rails, the touched parent's own touches do not cascade.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import InvalidAssociation, RecordInvalid
from ..relation import predicates as p
from ..sql import nodes as n
from . import association as a
from .belongs_to import BelongsTo
from .collection import CollectionProxy
from .habtm import HasAndBelongsToMany
from .has_many import TargetKeyed

__all__ = ["check_save", "missing_required", "supplies", "invalid_collections",
           "may_save_associated",
           "has_unsaved", "save_parents", "save_children", "before_write", "after_write",
           "destroy_dependents", "after_destroy", "belongs_to_of"]


def belongs_to_of(model: Any) -> tuple[BelongsTo, ...]:
    """The belongs_to associations of ``model`` (cached on the class while its
    associations stay the same)."""
    reflections = model._reflections
    plan = model.__dict__.get("_belongs_to_plan")
    if plan is None or plan[0] is not reflections or plan[1] != len(reflections):
        found = tuple(r for r in reflections.values() if isinstance(r, BelongsTo))
        plan = (reflections, len(reflections), found,
                tuple(r for r in found if r.touch or r.counter_cache))
        type.__setattr__(model, "_belongs_to_plan", plan)
    return plan[2]


def writers(model: Any) -> tuple[BelongsTo, ...]:
    """The belongs_to associations of ``model`` with ``touch`` or ``counter_cache``
    (what a write of a record must update besides its row)."""
    belongs_to_of(model)
    return model.__dict__["_belongs_to_plan"][3]


# -- 1. before any SQL ---------------------------------------------------------------
def check_save(record: Any) -> None:
    """Raise InvalidAssociation, before any SQL, when a ``counter_cache``/``touch``
    column of a known parent of ``record`` does not exist, or such an association's
    declaration is broken."""
    for reflection in writers(type(record)):
        columns, _ = reflection.presence()
        values = _loaded(record, columns)
        if values is not None and None not in values:
            found = reflection.parent_key(record, values)
            if found is not None:
                _columns_checked(reflection, found[0])


def missing_required(record: Any) -> list[BelongsTo]:
    """The required belongs_to associations of ``record`` (``optional=False``, the
    default as Rails 5+) without a parent: a key holding None with no new parent
    waiting (see :func:`missing_parent`), or, for a new record or a changed key, a
    key that names no row (one ``EXISTS`` query, unless the parent is loaded; Rails
    loads the association, and 7.1's ``belongs_to_required_validates_foreign_key =
    false`` skips the query for an unchanged key). Each is the validation error
    "<Association> must exist" (``model/associations.py``). A broken declaration is
    reported where it is used (as Rails)."""
    missing = []
    changed = record.__dict__.get("_changed_from") or {}
    for reflection in belongs_to_of(type(record)):
        try:
            columns, required = reflection.presence()
        except InvalidAssociation:
            continue
        if not required:
            continue
        values = _loaded(record, columns)
        if values is None:
            continue
        if None in values:
            if missing_parent(record, reflection):
                missing.append(reflection)
        elif (record.new_record or any(c in changed for c in columns)) and \
                not _parent_exists(record, reflection, values):
            missing.append(reflection)
    return missing


def _parent_exists(record: Any, reflection: BelongsTo, values: tuple) -> bool:
    # The parent is loaded for these key values (a parent loaded before the key
    # changed does not count), or a row has that key.
    cached = a.cached(record, reflection.name, values)
    if cached is not a.MISSING and cached is not None:
        return True
    found = reflection.parent_key(record, values)
    if found is None:
        return False
    parent, columns, keys = found
    return bool(parent.unscoped().where(**dict(zip(columns, keys))).exists())


def invalid_collections(record: Any) -> list[str]:
    """The names of ``record``'s has_many associations holding a new record that is
    invalid (Rails' default ``validate: true`` of has_many: the owner's error
    "Albums is invalid"). Errors on the foreign key the owner's save sets do not
    count. Only records kept in memory are validated: nothing is loaded."""
    names = []
    for reflection, value in _held(record, TargetKeyed):
        if reflection.macro != "has_many" or not isinstance(value, CollectionProxy):
            continue
        exempt = set(reflection.foreign_key)
        for child in _kept(value):
            if child.new_record and not child.destroyed and \
                    not child._valid_as_child(exempt):
                names.append(reflection.name)
                break
    return names


def supplies(record: Any, column: str) -> bool:
    """Whether a belongs_to of ``record`` whose key includes ``column`` answers for
    it: it holds a parent record (the save sets the column; a new parent is saved
    first), or it is required (its own "must exist" error reports the missing
    parent, so the column's "can't be blank" would say it twice)."""
    for reflection in belongs_to_of(type(record)):
        try:
            columns, required = reflection.presence()
        except InvalidAssociation:
            continue
        if column in columns:
            if required:
                return True
            value = a.cached(record, reflection.name)
            if value is not a.MISSING and value is not None and value.new_record:
                return True  # a new parent, saved first: the save sets the key
    return False


def _loaded(record: Any, columns: tuple[str, ...]) -> tuple | None:
    """The values of ``columns`` on ``record``, None when one was not loaded."""
    attrs = record.__dict__["_attrs"]
    try:
        return tuple([attrs[c] for c in columns])
    except KeyError:
        return None


def missing_parent(record: Any, reflection: BelongsTo) -> bool:
    """Whether ``record`` has no parent for ``reflection``: its key holds a None and
    no new parent waits to be saved with it (Rails' presence of the association;
    the error objects come with validations: keep this the one place)."""
    value = a.cached(record, reflection.name)
    return value is a.MISSING or value is None or not value.new_record


def _columns_checked(reflection: BelongsTo, parent: Any) -> None:
    if reflection.counter_cache:
        reflection.counter_column(parent)
    if reflection.touch:
        reflection.touch_columns(parent)


def may_save_associated(record: Any) -> bool:
    """Whether ``record``'s save may save associated records it holds (and so fail
    after its own write): a new parent of a belongs_to; for a new record, any record
    of its has_many/has_one; for a saved one, a new record there, or a has_one
    record that does not refer to it yet."""
    cache = record.__dict__.get("_association_cache")
    if not cache:
        return False
    reflections = type(record)._reflections
    new = record.new_record
    for name, (_, value) in cache.items():
        reflection = reflections.get(name)
        if value is None or reflection is None:
            continue
        if isinstance(reflection, BelongsTo):
            if getattr(value, "new_record", False):
                return True
        elif isinstance(value, CollectionProxy):
            kept = _kept(value)
            if kept and (new or any(r.new_record for r in kept)):
                return True
        elif isinstance(reflection, TargetKeyed) and (new or value.new_record or _moved(
                record, reflection, value)):
            return True
    return False


def _moved(owner: Any, reflection: Any, record: Any) -> bool:
    # a has_one record whose foreign key does not name the owner yet
    mine = reflection.owner_attributes(owner)
    return a.values_of(record, tuple(mine)) != tuple(mine.values())


def has_unsaved(record: Any) -> bool:
    """Whether a saved ``record`` holds associated records that its save would save
    (a new belongs_to parent, new records in a has_many or has_one), so a save
    with no change of its own still runs (Rails' ``changed_for_autosave?``)."""
    cache = record.__dict__.get("_association_cache")
    if not cache:
        return False
    for _, value in cache.values():
        if isinstance(value, CollectionProxy):
            if any(r.new_record for r in _kept(value)):
                return True
        elif value is not None and getattr(value, "new_record", False):
            return True
    return False


# -- 2. and 4. saving associated records ------------------------------------------------
def _held(record: Any, kind: type) -> list[tuple[Any, Any]]:
    """``[(reflection, value), ...]`` of the associations of ``record`` that hold a
    value (loaded or assigned, not None) and whose reflection is a ``kind``; a list
    taken before any save changes the cache."""
    cache = record.__dict__.get("_association_cache")
    if not cache:
        return []
    reflections = type(record)._reflections
    return [(reflection, value) for name, (_, value) in cache.items()
            if value is not None and isinstance(reflection := reflections.get(name), kind)]


def save_parents(record: Any) -> None:
    """Save each new record assigned to a belongs_to of ``record`` and set the
    foreign key to its new key (Rails' autosave of ``belongs_to``)."""
    for reflection, target in _held(record, BelongsTo):
        if target.new_record:
            _saved_or_invalid(record, reflection.name, target)
            reflection.__set__(record, target)


def save_children(record: Any, was_new: bool) -> None:
    """After ``record``'s own write: save the records kept in its has_many/has_one
    associations with its key set (see the module doc); ``was_new``: the record
    was INSERTed by this save."""
    for reflection, value in _held(record, TargetKeyed):
        if reflection.macro == "has_many" and isinstance(value, CollectionProxy):
            _save_collection(record, reflection, value, was_new)
        elif reflection.macro == "has_one" and not value.destroyed:
            _save_one(record, reflection, value)


def _saved_or_invalid(owner: Any, name: str, record: Any) -> None:
    """Save ``record`` (validated, as Rails' ``insert_record``) for ``owner``'s
    association ``name``; when it is invalid or a callback halts it, add
    "<Name> is invalid" to the owner and raise RecordInvalid(owner), which rolls the
    owner's save back and makes it return False (Rails' ``save_collection_
    association``)."""
    if not record.save():
        if not owner.errors.added(name, "invalid"):
            owner.errors.add(name, "invalid")
        raise RecordInvalid(owner)


def _kept(proxy: CollectionProxy) -> list:
    return [*(proxy._records or ()), *proxy._pending]


def _save_collection(owner: Any, reflection: TargetKeyed, proxy: CollectionProxy,
                     was_new: bool) -> None:
    records = _kept(proxy)
    todo = [r for r in records if not r.destroyed and (was_new or r.new_record)]
    if todo:
        values = reflection.owner_attributes(owner)
        db = type(owner)._load_schema().db
        for record in todo:
            a.keep_attributes(db, record, values)  # a rollback gives the key back too
            a.keep_cache(db, record)  # and its parent (never a row the rollback undid)
            for column, value in values.items():
                record.write_attribute(column, value)
            _saved_or_invalid(owner, reflection.name, record)
        reflection.set_inverse(owner, todo)
    if was_new:  # the scope was none() before the key was known: scope it now
        fresh = CollectionProxy.of(reflection.scope(owner), owner, reflection)
        fresh._pending = [r for r in records if not r.destroyed]  # merged on load
        a.store(owner, reflection.name, fresh, a.values_of(owner, reflection.primary_key))


def _save_one(owner: Any, reflection: TargetKeyed, record: Any) -> None:
    values = reflection.owner_attributes(owner)
    if record.new_record or a.values_of(record, tuple(values)) != tuple(values.values()):
        a.keep_attributes(type(owner)._load_schema().db, record, values)
        for column, value in values.items():
            record.write_attribute(column, value)
        _saved_or_invalid(owner, reflection.name, record)
    a.store(owner, reflection.name, record, a.values_of(owner, reflection.primary_key))
    reflection.set_inverse(owner, [record])


# -- 5. counter caches and touches ------------------------------------------------------
def before_write(record: Any) -> dict[str, Any] | None:
    """What :func:`after_write` needs from before the write: the changed columns'
    old values of a saved record whose model has ``touch``/``counter_cache``
    associations (None otherwise: nothing to do, nothing computed)."""
    if record.new_record or not writers(type(record)):
        return None
    return record._dirty()


def after_write(record: Any, was_new: bool, before: dict[str, Any] | None) -> None:
    """After ``record``'s INSERT (``was_new``) or UPDATE (``before``: the old values
    of the columns it changed): move the counters and touch the parents."""
    for reflection in writers(type(record)):
        now = _loaded(record, reflection.snapshot_columns)
        if now is None:
            continue  # loaded without its key: it did not change
        if was_new:
            if reflection.counter_cache:
                _count(reflection, record, now, 1)
            if reflection.touch:
                _touch(reflection, record, now)
            continue
        if not before:
            continue
        old = tuple(before.get(c, v) for c, v in zip(reflection.snapshot_columns, now))
        if reflection.counter_cache and old != now:
            _count(reflection, record, old, -1)
            _count(reflection, record, now, 1)
        if reflection.touch:
            _touch(reflection, record, now)
            if old != now:
                _touch(reflection, record, old)


def _key_where(schema: Any, columns: tuple[str, ...], key: tuple) -> n.Node:
    types = schema.types
    return n.and_(*(n.Binary("=", n.Column(c, schema.table),
                             p.param(types[c], types[c].bind(v)))
                    for c, v in zip(columns, key)))


def _parent_cached(record: Any, reflection: BelongsTo, values: tuple) -> Any:
    found = a.cached(record, reflection.name, values)
    return None if found is a.MISSING else found


def _count(reflection: BelongsTo, record: Any, values: tuple, by: int) -> None:
    found = reflection.parent_key(record, values)
    if found is None:
        return
    model, columns, key = found
    schema = model._load_schema()
    column = reflection.counter_column(model)
    current = n.Func("COALESCE", (n.Column(column, schema.table), n.Param(0)))
    change = n.Binary("+" if by > 0 else "-", current, n.Param(abs(by)))
    node = n.Update(schema.table_node, ((column, change),),
                    _key_where(schema, columns, key))
    schema.db.run(*schema.db.compile(node))
    parent = _parent_cached(record, reflection, values)
    if parent is not None and column in parent.__dict__["_attrs"]:
        a.keep_attributes(schema.db, parent, (column,))  # a rollback gives it back
        attrs = parent.__dict__["_attrs"]
        attrs[column] = (attrs[column] or 0) + by
        (parent.__dict__.get("_changed_from") or {}).pop(column, None)


def _touch(reflection: BelongsTo, record: Any, values: tuple) -> None:
    found = reflection.parent_key(record, values)
    if found is None:
        return
    model, columns, key = found
    schema = model._load_schema()
    now = _dt.datetime.now(_dt.timezone.utc)
    stamps = {c: schema.types[c].current(now) for c in reflection.touch_columns(model)}
    sets = tuple((c, n.Param(schema.types[c].serialize(v))) for c, v in stamps.items())
    node = n.Update(schema.table_node, sets, _key_where(schema, columns, key))
    schema.db.run(*schema.db.compile(node))
    parent = _parent_cached(record, reflection, values)
    if parent is not None:
        a.keep_attributes(schema.db, parent, stamps)  # a rollback gives them back
        parent.__dict__["_attrs"].update(stamps)
        changed = parent.__dict__.get("_changed_from") or {}
        for column in stamps:
            changed.pop(column, None)


# -- destroy --------------------------------------------------------------------------------
def destroy_dependents(record: Any) -> None:
    """Before ``record``'s DELETE, in its transaction: check every ``dependent=``
    rule of its has_many/has_one associations (``"restrict"`` raises
    DeleteRestrictionError, a nullify over a NOT NULL key NotNullViolation), then run
    each (Rails' ``dependent:``), then delete its rows in the join table of each
    has_and_belongs_to_many (the other side's records stay; Rails'
    ``destroy_associations``); nothing for a record that is not saved."""
    if not record.persisted:
        return
    reflections = type(record)._reflections.values()
    rules = [r for r in reflections if r.dependent and isinstance(r, TargetKeyed)]
    for reflection in rules:
        reflection.check_dependent(record)
    for reflection in rules:
        reflection.apply_dependent(record)
    for reflection in reflections:
        if isinstance(reflection, HasAndBelongsToMany):
            reflection.__get__(record).delete_all()


def before_destroy(record: Any) -> list[tuple[BelongsTo, tuple]] | None:
    """The parents ``record``'s destroy must update afterwards (counter caches,
    touches): each such belongs_to with the key its row holds; None when none."""
    found = writers(type(record))
    if not found or not record.persisted:
        return None
    changed = record.__dict__.get("_changed_from") or {}
    attrs = record.__dict__["_attrs"]
    return [(r, tuple(changed.get(c, attrs.get(c)) for c in r.snapshot_columns))
            for r in found]


def after_destroy(record: Any, parents: list[tuple[BelongsTo, tuple]] | None) -> None:
    """After ``record``'s DELETE: subtract 1 from each counter cache, touch each
    parent (from :func:`before_destroy`)."""
    for reflection, values in parents or ():
        if reflection.counter_cache:
            _count(reflection, record, values, -1)
        if reflection.touch:
            _touch(reflection, record, values)
