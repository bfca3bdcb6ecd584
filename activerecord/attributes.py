"""Typed attributes and dirty tracking.

Assigning a column casts the value to the column's Python type (``types.py``) and, the
first time a column changes, remembers its previous value. A column counts as changed
only while its value differs from that remembered one, compared by value (so setting a
column to what it already holds is no change: peewee #854), as in Rails'
``ActiveModel::Dirty`` (``changed``, ``changes``, ``changed_attributes``).
"""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from .errors import AttributeCastError

__all__ = ["AttributesMixin"]

_MISSING = object()


class AttributesMixin:
    """Attribute reading/writing, casting and dirty tracking for records."""

    def __init__(self, **attrs: Any):
        """Build a new (unsaved) record: every column gets its literal default, then
        ``attrs`` are assigned. Raises UnknownAttributeError for a name that is not a
        column, AttributeCastError for a value that cannot be cast."""
        schema = type(self)._load_schema()
        d = self.__dict__
        d["_attrs"] = dict(schema.defaults)
        d["_changed_from"] = {}
        d["_assigned"] = set()
        if attrs:
            self._assign_new(schema, attrs)

    def _assign_new(self, schema, attrs: dict) -> None:
        # A new record: cast and assign without per-column dirty bookkeeping beyond
        # what INSERT needs (which columns were given).
        types = schema.types
        values = self.__dict__["_attrs"]
        changed = self.__dict__["_changed_from"]
        for name, value in attrs.items():
            typ = types.get(name)
            if typ is None:
                raise schema.unknown(type(self), name)
            changed.setdefault(name, values[name])
            values[name] = _cast(self, schema, typ, name, value)
        self.__dict__["_assigned"].update(attrs)

    # -- reading and writing -------------------------------------------------------
    def read_attribute(self, name: str) -> Any:
        """Return column ``name``'s value; UnknownAttributeError if it is not a column."""
        try:
            return self._attrs[name]
        except KeyError:
            raise type(self)._load_schema().unknown(type(self), name) from None

    def write_attribute(self, name: str, value: Any) -> None:
        """Cast ``value`` to column ``name``'s type and assign it, tracking the change.

        Raises:
            UnknownAttributeError: ``name`` is not a column (the message lists them).
            AttributeCastError: ``value`` cannot be cast to the column's type.
        """
        schema = type(self)._load_schema()
        typ = schema.types.get(name)
        if typ is None:
            raise schema.unknown(type(self), name)
        value = _cast(self, schema, typ, name, value)
        d = self.__dict__
        attrs = d["_attrs"]
        changed = d.get("_changed_from")
        if changed is None:
            changed = d["_changed_from"] = {}
        if name not in changed:
            changed[name] = attrs.get(name)
        attrs[name] = value
        assigned = d.get("_assigned")
        if assigned is not None:
            assigned.add(name)

    __getitem__ = read_attribute
    __setitem__ = write_attribute

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: the schema (and its column
        # descriptors) may not be loaded yet, or the name is unknown.
        if name.startswith("__") or name in ("_attrs", "_assigned"):
            raise AttributeError(name)
        schema = type(self)._load_schema()
        attrs = self.__dict__.get("_attrs")
        if attrs is not None and name in attrs:
            return attrs[name]
        raise schema.unknown(type(self), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name[0] == "_" or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            self.write_attribute(name, value)

    def assign_attributes(self, **attrs: Any) -> None:
        """Assign several columns at once (no save); errors as :meth:`write_attribute`."""
        for name, value in attrs.items():
            self.write_attribute(name, value)

    def to_dict(self) -> dict:
        """Return ``{column: value}`` for every column, in table order."""
        return dict(self._attrs)

    # -- dirty tracking ------------------------------------------------------------
    @property
    def changed_attributes(self) -> dict:
        """``{column: value before the change}`` for each column that now differs."""
        changed = self.__dict__.get("_changed_from")
        if not changed:
            return {}
        attrs = self._attrs
        return {k: old for k, old in changed.items() if not _same(old, attrs[k])}

    @property
    def changed(self) -> list[str]:
        """The names of the columns whose value differs from the saved one."""
        return list(self.changed_attributes)

    @property
    def changes(self) -> dict:
        """``{column: (old, new)}`` for each changed column."""
        attrs = self._attrs
        return {k: (old, attrs[k]) for k, old in self.changed_attributes.items()}

    @property
    def has_changes(self) -> bool:
        """Whether any column differs from its saved value (Rails' ``changed?``)."""
        return bool(self.changed_attributes)

    def attribute_changed(self, name: str) -> bool:
        """Whether column ``name`` differs from its saved value."""
        return name in self.changed_attributes

    def _changes_applied(self) -> None:
        self.__dict__["_changed_from"] = {}

    def restore_attributes(self) -> None:
        """Undo every unsaved change (values go back to the saved ones)."""
        for name, old in self.changed_attributes.items():
            self._attrs[name] = old
        self._changes_applied()


def _cast(record, schema, typ, name: str, value):
    try:
        return typ.cast(value)
    except (TypeError, ValueError, ArithmeticError, InvalidOperation) as exc:
        raise AttributeCastError(
            f"cannot assign {value!r} to {type(record).__name__}.{name} "
            f"({schema.columns[name].sql_type}, {typ.name}): {exc}") from exc


def _same(a, b) -> bool:
    if a is b:
        return True
    if type(a) is not type(b) and (isinstance(a, bool) or isinstance(b, bool)):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False
