"""Typed attributes and dirty tracking.

Assigning a column casts the value to the column's Python type (``types.py``) and, the
first time a column changes, remembers its previous value. A column counts as changed
only while its value differs from that remembered one, compared by value (so setting a
column to what it already holds is no change: peewee #854), as in Rails'
``ActiveModel::Dirty`` (``changed``, ``changes``, ``changed_attributes``).

Values that can change in place (JSON documents, arrays: ``Type.mutable``) are also
compared with a copy of the value as loaded or last saved (Rails' ``changed_in_place?``),
so ``record.data["k"] = v`` is a change that ``save()`` writes. To keep row loading
free, the copy is taken lazily, when the value is first handed out (the attribute,
``record[name]``, ``read_attribute``, ``to_dict``): a value nobody received cannot have
been changed in place. After a save the values the user holds are copied again.

Generated columns are read-only: assigning one raises ``ReadOnlyAttributeError``.

A column whose name the model already uses (``save``, ``update``, ``errors``,
``columns``, ``c``, ``table_name``...) is no attribute: it is read and written with
``record[name]``, ``read_attribute``/``write_attribute`` and keyword arguments
(``Model.create(save=1)``); assigning ``record.save = 1`` raises AttributeError
instead of silently hiding the method.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import (
    AttributeCastError,
    ForbiddenAttributesError,
    MissingAttributeError,
    ReadOnlyAttributeError,
)
from ..types import CAST_ERRORS, Type
from .core import Core, _same
from .schema import _ColumnDescriptor

if TYPE_CHECKING:  # pragma: no cover
    from .schema import ModelSchema

__all__ = ["AttributesMixin"]

#: Names kept in a record's ``__dict__`` (never columns accessors; see model_schema).
_STATE = frozenset({"_attrs", "_assigned", "_changed_from", "_originals"})


class AttributesMixin(Core):
    """Attribute reading/writing, casting and dirty tracking for records."""

    def __init__(self, /, **attrs: Any):
        """Build a new (unsaved) record: every column gets its literal default, then
        ``attrs`` are assigned, in order; a name of an association is assigned
        through it (``Album(artist=artist)``, as Rails). Raises UnknownAttributeError
        for a name that is neither, ReadOnlyAttributeError for a generated column,
        AttributeCastError for a value that cannot be cast. Then the model's
        ``after_initialize`` callbacks run."""
        schema = type(self)._load_schema()
        d = self.__dict__
        d["_new_record"] = True
        values = d["_attrs"] = dict(schema.defaults)
        for name in schema.mutable:  # a new record never shares a default's dict/list
            if values[name] is not None:
                values[name] = copy.deepcopy(values[name])
        d["_changed_from"] = {}
        d["_assigned"] = set()
        if attrs:
            self._assign_new(schema, attrs)
        if self._init_callbacks:  # after_initialize (callbacks.py)
            self._after_initialize()

    def _assign_new(self, schema: ModelSchema, attrs: dict[str, Any]) -> None:
        # A new record: cast and assign without per-column dirty bookkeeping beyond
        # what INSERT needs (which columns were given). A name that is no column (an
        # association's) sends the whole assignment to the slower path, in order.
        types = schema.write_types
        values = self.__dict__["_attrs"]
        changed = self.__dict__["_changed_from"]
        for name, value in attrs.items():
            typ = types.get(name)
            if typ is None:
                self._assign_new_with_associations(schema, attrs)
                return
            changed.setdefault(name, values[name])
            values[name] = _cast(self, schema, typ, name, value)
        self.__dict__["_assigned"].update(attrs)

    def _assign_new_with_associations(self, schema: ModelSchema,
                                      attrs: dict[str, Any]) -> None:
        # As _assign_new (the columns already assigned are assigned again: the same
        # values), each other name through :meth:`_assign_association`.
        types = schema.write_types
        values = self.__dict__["_attrs"]
        changed = self.__dict__["_changed_from"]
        assigned = self.__dict__["_assigned"]
        for name, value in attrs.items():
            typ = types.get(name)
            if typ is None:
                self._assign_association(name, value)
            else:
                changed.setdefault(name, values[name])
                values[name] = _cast(self, schema, typ, name, value)
                assigned.add(name)

    def _assign_association(self, name: str, value: Any) -> None:
        """Assign ``name``, which is no writable column, through the association of
        that name (AssociationsMixin); here: raise UnknownAttributeError (listing the
        columns), or ReadOnlyAttributeError for a generated column."""
        schema = type(self)._load_schema()
        raise schema.not_writable(type(self), name)

    # -- reading and writing -------------------------------------------------------
    def read_attribute(self, name: str) -> Any:
        """Return column ``name``'s value.

        Raises UnknownAttributeError if it is not a column, MissingAttributeError if
        the query that loaded the record did not select it.
        """
        try:
            value = self.__dict__["_attrs"][name]
        except KeyError:
            raise self._not_loaded(name) from None
        if value is not None and name in type(self)._load_schema().mutable:
            return self._read_mutable(name)
        return value

    def write_attribute(self, name: str, value: Any) -> None:
        """Cast ``value`` to column ``name``'s type and assign it, tracking the change.

        Raises:
            UnknownAttributeError: ``name`` is not a column (the message lists them).
            ReadOnlyAttributeError: ``name`` is a generated column, or an
                ``attr_readonly`` one of a saved record (before any SQL).
            AttributeCastError: ``value`` cannot be cast to the column's type.
        """
        schema = type(self)._load_schema()
        typ = schema.write_types.get(name)
        if typ is None:
            raise schema.not_writable(type(self), name)
        if name in schema.attr_readonly and not self._new_record:
            raise ReadOnlyAttributeError(
                f"{type(self).__name__}.{name} is read-only once the record is saved "
                f"(attr_readonly, as Rails 7.1 raises); it was {self._attrs.get(name)!r}",
                name=name)
        value = _cast(self, schema, typ, name, value)
        # (the tracking of _write_computed, inlined: one call less on every write)
        d = self.__dict__
        attrs = d["_attrs"]
        changed = d.get("_changed_from")
        if changed is None:
            changed = d["_changed_from"] = {}
        if name not in changed:
            originals = d.get("_originals")
            if originals and name in originals:
                changed[name] = originals.pop(name)  # the value before in-place changes
            else:
                changed[name] = attrs.get(name)
        attrs[name] = value
        assigned = d.get("_assigned")
        if assigned is not None:
            assigned.add(name)

    __getitem__ = read_attribute
    __setitem__ = write_attribute

    def _write_computed(self, name: str, value: Any) -> None:
        # Assign ``value``, already of the column's type, tracking the change as
        # write_attribute does (which inlines this), without the cast and the checks:
        # the timestamps layer's values.
        d = self.__dict__
        attrs = d["_attrs"]
        changed = d.get("_changed_from")
        if changed is None:
            changed = d["_changed_from"] = {}
        if name not in changed:
            originals = d.get("_originals")
            if originals and name in originals:
                changed[name] = originals.pop(name)  # the value before in-place changes
            else:
                changed[name] = attrs.get(name)
        attrs[name] = value
        assigned = d.get("_assigned")
        if assigned is not None:
            assigned.add(name)

    def _read_mutable(self, name: str) -> Any:
        # Hand out a mutable value: keep a copy first, unless one is kept already or
        # the column was assigned since the last save (its old value is kept then).
        d = self.__dict__
        value = d["_attrs"][name]
        if value is None:
            return value
        changed = d.get("_changed_from")
        if changed and name in changed:
            return value
        originals = d.get("_originals")
        if originals is None:
            originals = d["_originals"] = {}
        if name not in originals:
            originals[name] = copy.deepcopy(value)
        return value

    def _not_loaded(self, name: str) -> Exception:
        schema = type(self)._load_schema()
        if name not in schema.name_set:
            return schema.unknown(type(self), name)
        loaded = ", ".join(self.__dict__.get("_attrs") or ()) or "nothing"
        return MissingAttributeError(
            f"{type(self).__name__}.{name} was not loaded: the query that built this "
            f"record selected only {loaded}")

    if not TYPE_CHECKING:  # hidden from type checkers: typed models (activerecord.stubs)
        # have no catch-all, so a misspelt column is an error there, not an ``Any``.
        # (Runtime behaviour is the same either way.)
        def __getattr__(self, name: str) -> Any:
            # Only reached when normal lookup fails: a column without an accessor (its
            # name is used by the model), the schema not loaded yet, or an unknown name.
            if name.startswith("__") or name in _STATE:
                raise AttributeError(name)
            attrs = self.__dict__.get("_attrs")
            if attrs is None:
                raise AttributeError(name)
            if name in attrs:
                return self.read_attribute(name)
            raise self._not_loaded(name)

        # Hidden for the same reason: a class with ``__setattr__`` takes any attribute.
        def __setattr__(self, name: str, value: Any) -> None:
            if name[0] == "_":
                object.__setattr__(self, name, value)
                return
            cls = type(self)
            kinds = cls._load_schema().setters
            how = kinds.get(name)
            if how is None:
                how = kinds[name] = _setter(cls, name)
            if how is _WRITE:
                self.write_attribute(name, value)
            elif how is _OBJECT:
                object.__setattr__(self, name, value)
            else:
                raise AttributeError(how)

    def assign_attributes(self, params: Mapping[str, Any] | None = None, /, *,
                          permit: Iterable[str] | None = None, **attrs: Any) -> None:
        """Assign several columns at once (no save), or associations by name
        (``update(artist=artist)``): the ``params`` mapping, then ``attrs``.

        ``permit``: the allow-list of names mass assignment may set (web input, as
        Rails' strong parameters): a key outside it raises ForbiddenAttributesError,
        naming the keys, before anything is assigned; a name in it that is neither a
        column nor an association raises UnknownAttributeError. Other errors as
        :meth:`write_attribute` (a column named ``permit`` goes in ``params``); after
        one, no column keeps a value of this call."""
        values = {**(params or {}), **attrs}
        if permit is not None:
            self._check_permitted(values, permit)
        types = type(self)._load_schema().write_types
        d = self.__dict__
        before = (dict(d["_attrs"]), dict(d.get("_changed_from") or {}),
                  set(d["_assigned"]) if d.get("_assigned") is not None else None)
        try:
            for name, value in values.items():
                if name in types:
                    self.write_attribute(name, value)
                else:
                    self._assign_association(name, value)
        except Exception:
            # All or nothing: a value that cannot be cast leaves the columns as they
            # were (an association already assigned keeps its in-memory value).
            d["_attrs"].clear()
            d["_attrs"].update(before[0])
            d["_changed_from"] = before[1]
            if before[2] is not None:
                d["_assigned"] = before[2]
            raise

    def _check_permitted(self, values: Mapping[str, Any], permit: Iterable[str]) -> None:
        type(self)._permitted(values, permit)

    @classmethod
    def _permitted(cls, values: Mapping[str, Any], permit: Iterable[str]) -> None:
        # ForbiddenAttributesError for a key of ``values`` outside ``permit``;
        # UnknownAttributeError for a permitted name that is nothing of the model.
        if isinstance(permit, str):
            permit = (permit,)
        allowed = list(dict.fromkeys(permit))
        model = cls
        schema = model._load_schema()
        for name in allowed:
            if name not in schema.name_set and name not in model._reflections and \
                    name not in model._virtual_attributes:
                raise schema.unknown(model, name)
        forbidden = sorted(k for k in values if k not in allowed)
        if forbidden:
            raise ForbiddenAttributesError(
                f"{model.__name__}: {', '.join(map(repr, forbidden))} "
                f"{'is' if len(forbidden) == 1 else 'are'} not permitted (permit= allows "
                f"{', '.join(allowed) or 'nothing'}); nothing was assigned",
                forbidden=forbidden, permitted=allowed)

    def _hand_out_mutables(self, schema: ModelSchema) -> None:
        # Every mutable value is about to be shared: keep the copies now.
        attrs = self.__dict__["_attrs"]
        for name in schema.mutable:
            if attrs.get(name) is not None:
                self._read_mutable(name)

    # -- dirty tracking ------------------------------------------------------------
    def _dirty(self) -> dict[str, Any]:
        # {column: value before the change}, the kept copies themselves (internal).
        d = self.__dict__
        changed = d.get("_changed_from")
        originals = d.get("_originals")
        if not changed and not originals:
            return {}
        attrs = d["_attrs"]
        out = {k: old for k, old in changed.items() if not _same(old, attrs[k])} \
            if changed else {}
        if originals:
            for k, kept in originals.items():
                if k in attrs and not _same(kept, attrs[k]):
                    out[k] = kept
        return out

    @property
    def changed_attributes(self) -> dict[str, Any]:
        """``{column: value before the change}`` for each column that now differs
        (also a JSON/array value changed in place)."""
        dirty = self._dirty()
        originals = self.__dict__.get("_originals")
        if originals:
            for k, old in dirty.items():
                if originals.get(k) is old:
                    dirty[k] = copy.deepcopy(old)  # the kept copy stays private
        return dirty

    @property
    def changed(self) -> list[str]:
        """The names of the columns whose value differs from the saved one."""
        return list(self._dirty())

    @property
    def changes(self) -> dict[str, tuple[Any, Any]]:
        """``{column: (old, new)}`` for each changed column."""
        attrs = self._attrs
        return {k: (old, attrs[k]) for k, old in self.changed_attributes.items()}

    @property
    def has_changes(self) -> bool:
        """Whether any column differs from its saved value (Rails' ``changed?``)."""
        return bool(self._dirty())

    def attribute_changed(self, name: str) -> bool:
        """Whether column ``name`` differs from its saved value."""
        return name in self._dirty()

    def _changed_in_place(self) -> set[str]:
        # Mutable columns never assigned whose value differs from the kept copy.
        d = self.__dict__
        originals = d.get("_originals")
        if not originals:
            return set()
        attrs = d["_attrs"]
        return {k for k, kept in originals.items() if k in attrs and not _same(kept, attrs[k])}

    def _changes_applied(self, schema: ModelSchema) -> None:
        # After a save: nothing is dirty; the mutable values the user may hold (handed
        # out or assigned) are copied again, so later in-place changes are seen.
        d = self.__dict__
        changed = d.get("_changed_from")
        originals = d.get("_originals")
        d["_changed_from"] = {}
        if schema.mutable and (changed or originals):
            attrs = d["_attrs"]
            kept = {name: copy.deepcopy(attrs[name]) for name in schema.mutable
                    if attrs.get(name) is not None
                    and (changed and name in changed or originals and name in originals)}
            d["_originals"] = kept or None

    def _forget_changes(self) -> None:
        # After reload: the fresh values were handed to nobody yet.
        d = self.__dict__
        d["_changed_from"] = {}
        d["_originals"] = None

    def restore_attributes(self) -> None:
        """Undo every unsaved change (values go back to the saved ones, also those
        changed in place)."""
        d = self.__dict__
        attrs = d["_attrs"]
        originals = d.get("_originals")
        assigned = d.get("_assigned")
        for name, old in self._dirty().items():
            attrs[name] = old
            if originals:
                originals.pop(name, None)
            if assigned:
                assigned.discard(name)
        d["_changed_from"] = {}


_WRITE = object()
_OBJECT = object()


def _setter(cls: type[AttributesMixin], name: str) -> object:
    # How ``record.name = value`` is done, decided once per model and name: a column
    # or unknown name is written (write_attribute raises for an unknown one); a name
    # the class defines is set normally, unless it is a column the model's API hides
    # (a method, or a property without setter): that is an error naming the way out.
    attr = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), _WRITE)
    if attr is _WRITE or isinstance(attr, _ColumnDescriptor):
        return _WRITE
    settable = isinstance(attr, property) and attr.fset is not None or \
        not isinstance(attr, property) and hasattr(type(attr), "__set__")
    if settable or name not in cls._load_schema().name_set:
        return _OBJECT
    return (f"{cls.__name__}.{name} is part of the model's API, so the column {name!r} "
            f"is not an attribute: write it with record[{name!r}] = value (or "
            f"write_attribute({name!r}, value)); read it with record[{name!r}]")


def _cast(record: Core, schema: ModelSchema, typ: Type, name: str, value: Any) -> Any:
    if value.__class__ is str and typ.blank_is_none and not value.strip():
        return None  # a blank form field (Rails casts it to nil)
    try:
        return typ.cast(value)
    except CAST_ERRORS as exc:
        error = AttributeCastError(
            f"cannot assign {value!r} to {type(record).__name__}.{name} "
            f"({schema.columns[name].sql_type}, {typ.name}): {exc}")
        error.attribute = name
        raise error from exc
