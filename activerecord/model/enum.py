"""Enum attributes (Rails' ``enum``): a column whose stored values have names.

::

    class Post(Model):
        status = enum({"draft": 0, "published": 1})   # or ["draft", "published"]
        kind = enum({"note": "n", "page": "p"})         # string values
        color = enum(Color)                             # a Python enum.Enum

``record.status`` reads the label (the member, for an ``enum.Enum``); assignment takes
a label, a member or a stored value; ``record.is_published`` is a predicate per label,
``Post.published()`` a scope per label (``Post.where(status="published")``), and
``Post.statuses`` (the pluralized name, by ``inflection``) the mapping of labels to
stored values. Conditions take labels (``where(status=["draft", "published"])``).
A column of a database ENUM type (PostgreSQL, MySQL/MariaDB) is a string enum of its
labels without a declaration (:func:`string_enum`: no predicates or scopes). An
unknown label raises ``ValueError`` naming the labels, on assignment and in
conditions (``AttributeCastError``, a ``ValueError``). A stored value that has no
label loads as it is. The column's type is wrapped (:class:`EnumType`) when the
model's schema loads, so casting, dirty tracking, conditions and row loading all go
through the labels.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import inflection

from ..errors import ConfigurationError
from ..types import Type

__all__ = ["enum", "EnumType", "enum_columns", "string_enum"]


class EnumType(Type):
    """The type of an enum column: labels in Python, ``base``'s values in the
    database (see the module doc)."""

    needs_deserialize = True
    blank_is_none = True  # a blank form field is no label: None (Rails)

    def __init__(self, base: Type, values: Mapping[str, Any],
                 members: type[_enum.Enum] | None = None):
        self.base = base
        self.values = dict(values)  # label -> stored value
        self.labels = {v: k for k, v in self.values.items()}  # stored value -> label
        self.members = members
        self.name = f"enum of {base.name}"
        self.python_type = members if members is not None else str
        self.sql_cast, self.values_cast = base.sql_cast, base.values_cast

    def _out(self, label: str) -> Any:
        return label if self.members is None else self.members[label]

    def cast(self, value: Any) -> Any:
        """A label, a member or a stored value -> the label (the member for an
        ``enum.Enum``); ValueError naming the labels for anything else."""
        if value is None:
            return None
        if self.members is not None and isinstance(value, self.members):
            return value
        if isinstance(value, str) and value in self.values:
            return self._out(value)
        try:
            label = self.labels.get(value)
        except TypeError:  # unhashable: no label
            label = None
        if label is not None and type(value) is not bool:
            return self._out(label)
        raise ValueError(f"{value!r} is not a label of this enum; labels: "
                         f"{', '.join(self.values)}")

    def serialize(self, value: Any) -> Any:
        """A label (or member) -> its stored value, as ``base`` binds it."""
        if value is None:
            return None
        label = value.name if isinstance(value, _enum.Enum) else value
        return self.base.serialize(self.values[label])

    def deserialize(self, value: Any) -> Any:
        """A stored value as the driver returned it -> its label (member); a value
        without a label stays as loaded."""
        if value is None:
            return None
        if self.base.needs_deserialize:
            value = self.base.deserialize(value)
        label = self.labels.get(value)
        return value if label is None else self._out(label)


class enum:  # noqa: N801 - declared like Rails' enum
    """Declare column ``name`` (the attribute this is assigned to) an enum: a mapping
    of labels to stored values, a list of labels (stored as 0, 1, ... as Rails), or
    an ``enum.Enum`` class (its members' names and values). See the module doc.

    ``prefix``/``suffix`` (True for the column's name, or a string) name the
    predicates and scopes ``<prefix>_<label>_<suffix>`` (``is_kind_page``,
    ``Post.kind_page()``), as Rails' ``prefix:``/``suffix:`` do, for labels that would
    clash with the model's names.

    Raises ConfigurationError for no labels, a label that is not an identifier, two
    labels for one value, or a predicate, scope or mapping name the model already
    uses (the error says which)."""

    def __init__(self, values: Any, *, prefix: bool | str = False,
                 suffix: bool | str = False):
        self.prefix, self.suffix = prefix, suffix
        self.members: type[_enum.Enum] | None = None
        if isinstance(values, type) and issubclass(values, _enum.Enum):
            self.members = values
            mapping = {m.name: m.value for m in values}
        elif isinstance(values, Mapping):
            mapping = dict(values)
        else:
            mapping = {label: i for i, label in enumerate(values)}
        if not mapping:
            raise ConfigurationError("enum(...) needs at least one label")
        for label in mapping:
            if not isinstance(label, str) or not label.isidentifier():
                raise ConfigurationError(f"enum label {label!r} is not an identifier")
        if len(set(map(repr, mapping.values()))) != len(mapping):
            raise ConfigurationError(f"enum(...) gives two labels one value: {mapping}")
        self.mapping = MappingProxyType(mapping)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        added: dict[str, Any] = {inflection.pluralize(name): self.mapping}
        prefix = name if self.prefix is True else self.prefix or ""
        suffix = name if self.suffix is True else self.suffix or ""
        for label in self.mapping:
            word = "_".join(part for part in (prefix, label, suffix) if part)
            added[f"is_{word}"] = property(_predicate(name, label),
                                           doc=f"Whether {name} is {label!r}.")
            added[word] = classmethod(_scope(name, label, word))
        for attr, value in added.items():
            if any(attr in k.__dict__ for k in owner.__mro__):
                raise ConfigurationError(
                    f"{owner.__name__}.{name} = enum(...) would define {attr!r}, which "
                    f"{owner.__name__} already has; give enum(..., prefix=True) or "
                    f"suffix=True")
            type.__setattr__(owner, attr, value)
        specs = dict(owner.__dict__.get("_enum_columns") or enum_columns(owner))
        specs[name] = self
        type.__setattr__(owner, "_enum_columns", specs)

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.read_attribute(self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.write_attribute(self.name, value)

    def type_for(self, base: Type) -> EnumType:
        """The column's type: ``base`` (the backend's type of the column) wrapped."""
        values = {label: base.cast(v) if v is not None else None
                  for label, v in self.mapping.items()}
        return EnumType(base, values, self.members)


def string_enum(base: Type, labels: Sequence[str]) -> EnumType:
    """The type of a column of a database ENUM type (PostgreSQL ``CREATE TYPE ... AS
    ENUM``, MySQL/MariaDB ``ENUM(...)``; ``ColumnInfo.enum_values``): each label is its
    own stored value, so values read and write as before and an unknown one raises
    ValueError naming the labels before any SQL."""
    return EnumType(base, {label: label for label in labels})


def enum_columns(model: type) -> dict[str, enum]:
    """``{column: enum declaration}`` of ``model`` and its bases."""
    for klass in model.__mro__:
        found = klass.__dict__.get("_enum_columns")
        if found is not None:
            return dict(found)
    return {}


def _predicate(name: str, label: str) -> Any:
    def predicate(self: Any) -> bool:
        value = self.read_attribute(name)
        return (value.name if isinstance(value, _enum.Enum) else value) == label
    predicate.__name__ = f"is_{label}"
    return predicate


def _scope(name: str, label: str, word: str) -> Any:
    def scope(cls: Any) -> Any:
        return cls.where(**{name: label})
    scope.__name__ = word
    scope.__doc__ = f"The records whose {name} is {label!r}."
    return scope
