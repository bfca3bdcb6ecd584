"""Reflections: what one declared association is (Rails' ``Reflection``): its name,
owner and target classes, its keys and its inverse, resolved lazily on first use.

Class names resolve among the models registered by ``register_model`` (every model
class, at definition): first the declaring class's siblings (same module and scope),
then the module, then all models; two candidates at one step raise naming both. A
redefinition (same module and qualified name) replaces the earlier class.

Keys come from the introspected foreign-key constraints (``TableInfo.foreign_keys``),
then from the naming convention (``artist_id``, ``ArtistId``), unless given.
"""

from __future__ import annotations

from typing import Any

import inflection

from ..connection import handling as _registry
from ..errors import AssociationTypeMismatch, InvalidAssociation
from ..sql import nodes as n

__all__ = ["Reflection", "register_model", "model_classes", "camelize", "underscore"]

#: name -> {(module, qualname): model class}: the models a class name may mean.
_MODELS: dict[str, dict[tuple[str, str], type]] = {}


def register_model(cls: type) -> None:
    """Record ``cls`` as a candidate for its class name (called for every model)."""
    _MODELS.setdefault(cls.__name__, {})[(cls.__module__, cls.__qualname__)] = cls


def model_classes() -> dict[str, type]:
    """Every model class defined so far that is not abstract, by class name (a name
    defined in several modules maps to the one defined last). What ``flask shell`` and
    the console offer by name."""
    found: dict[str, type] = {}
    for name, classes in list(_MODELS.items()):
        concrete = [c for c in classes.values() if not c.__dict__.get("abstract")]
        if concrete:
            found[name] = concrete[-1]
    return found


def camelize(name: str) -> str:
    """``artist_profile`` -> ``ArtistProfile`` (``inflection.camelize``, Rails')."""
    return inflection.camelize(name)


def underscore(name: str) -> str:
    """``ArtistProfile`` -> ``artist_profile``, ``HTTPLog`` -> ``http_log``
    (``inflection.underscore``, Rails')."""
    return inflection.underscore(name)


def _scope(cls: type) -> str:
    return cls.__qualname__.rpartition(".")[0]


def resolve_class(owner: type, name: str) -> type:
    """The model class ``name`` means for ``owner`` (see the module doc). Raises
    InvalidAssociation when none or two match."""
    found = [c for c in _MODELS.get(name, {}).values() if not c.__dict__.get("abstract")]
    steps = ([c for c in found if c.__module__ == owner.__module__
              and _scope(c) == _scope(owner)],
             [c for c in found if c.__module__ == owner.__module__], found)
    for step in steps:
        if len(step) == 1:
            return step[0]
        if len(step) > 1:
            names = " and ".join(f"{c.__module__}.{c.__qualname__}" for c in step[:2])
            raise InvalidAssociation(f"{owner.__name__}: the class name {name!r} is "
                                     f"ambiguous: {names}; pass the class itself")
    raise InvalidAssociation(f"{owner.__name__}: no model class named {name!r}")


def _cols(value: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    return (value,) if isinstance(value, str) else (tuple(value) if value else None)


def refers_to(fk: Any, schema: Any) -> bool:
    """Whether constraint ``fk`` refers to the table of ``schema`` (a ModelSchema)."""
    return fk.referred_table in (schema.table, schema.key)


class Reflection:
    """One association of ``owner`` (set by ``__set_name__``) named ``name``. The
    record side reads it through ``__get__``/``__set__``; subclasses say where the
    foreign key lives (``macro``) and how to read and write.

    Resolved on first use: ``target`` (the model class), ``foreign_key`` (columns on
    the table that holds the key) and ``primary_key`` (the referenced columns)."""

    macro = ""
    #: True for a polymorphic belongs_to (its target class is read from a type column
    #: per record), which cannot be joined or eager_loaded (Rails).
    polymorphic = False
    #: the ``dependent=`` values this kind of association takes (Rails' options).
    dependent_rules: tuple[str, ...] = ()

    def __init__(self, target: Any, *, foreign_key: Any = None, primary_key: Any = None,
                 inverse_of: str | None = None, dependent: str | None = None) -> None:
        if dependent is not None and dependent not in self.dependent_rules:
            rules = ", ".join(repr(r) for r in self.dependent_rules) or "none"
            raise InvalidAssociation(f"{type(self).__name__}: dependent={dependent!r} is "
                                     f"not one of {rules}")
        self.dependent = dependent
        if not isinstance(target, (str, type)):
            raise TypeError(f"an association takes a model class or its name, "
                            f"not {target!r}")
        self._target = target
        self._fk_option = _cols(foreign_key)
        self._pk_option = _cols(primary_key)
        self._inverse_option = inverse_of
        self.name = ""
        self.owner: Any = None
        # (holder schema, referred schema, (fk, pk), holder model, referred model)
        self._keys: tuple[Any, ...] | None = None
        self._inverse: Reflection | None | bool = False

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.owner = name, owner
        if "_reflections" not in owner.__dict__:
            inherited = dict(getattr(owner, "_reflections", {}))
            type.__setattr__(owner, "_reflections", inherited)
        owner.__dict__["_reflections"][name] = self

    def __repr__(self) -> str:
        owner = self.owner.__name__ if self.owner else "?"
        return f"<{type(self).__name__} {owner}.{self.name}>"

    @property
    def target(self) -> Any:
        """The target model class (a name is resolved on first use)."""
        if isinstance(self._target, str):
            self._target = resolve_class(self.owner, self._target)
        return self._target

    # -- keys ----------------------------------------------------------------------
    @property
    def foreign_key(self) -> tuple[str, ...]:
        """The foreign-key columns (on the owner's table for belongs_to, on the
        target's for has_many/has_one)."""
        return self._resolved()[0]

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The columns the foreign key refers to."""
        return self._resolved()[1]

    def _resolved(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        # Resolved again when either table's schema was reloaded (another database,
        # reset_column_information): the keys follow the schemas they were read from.
        # Hot path (every reader): the models' cached schemas are checked in place,
        # as ``_load_schema`` checks them, before asking the models for them.
        keys = self._keys
        if keys is not None:
            holder, referred, resolved, holder_model, referred_model = keys
            if holder.epoch == _registry._epoch[0] \
                    and holder_model.__dict__.get("_schema") is holder \
                    and referred_model.__dict__.get("_schema") is referred:
                return resolved
        holder_model, referred_model = self._models()
        holder, referred = holder_model._load_schema(), referred_model._load_schema()
        if keys is None or keys[0] is not holder or keys[1] is not referred:
            keys = (holder, referred, self._resolve_keys(holder, referred))
        else:
            keys = keys[:3]
        self._keys = (*keys, holder_model, referred_model)
        return keys[2]

    def _models(self) -> tuple[Any, Any]:
        """(the model of the table holding the key, the model of the referenced
        table)."""
        raise NotImplementedError

    def _conventions(self) -> list[str]:
        raise NotImplementedError

    def _resolve_keys(self, holder: Any,
                      referred: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        links = [fk for fk in holder.info.foreign_keys if refers_to(fk, referred)]
        if self._fk_option:
            fks = [fk for fk in links if fk.columns == self._fk_option]
            pk = self._pk_option or (fks[0].referred_columns if fks else referred.pk)
            return self._checked(holder, referred, self._fk_option, pk)
        names = self._conventions()
        if len(links) > 1:
            links = [fk for fk in links if len(fk.columns) == 1
                     and fk.columns[0] in names] or links
        if len(links) > 1:
            cols = " and ".join(sorted(", ".join(fk.columns) for fk in links))
            raise InvalidAssociation(
                f"{self!r}: {len(links)} foreign keys of {holder.table!r} refer to "
                f"{referred.table!r} ({cols}); pass foreign_key=...")
        if links:
            pk = self._pk_option or links[0].referred_columns
            return self._checked(holder, referred, links[0].columns, pk)
        found = [c for c in names if c in holder.name_set]
        if not found:
            raise InvalidAssociation(
                f"{self!r}: no foreign key of {holder.table!r} refers to "
                f"{referred.table!r} and none of the columns {', '.join(names)} "
                f"exists; pass foreign_key=...")
        return self._checked(holder, referred, (found[0],), self._pk_option or referred.pk)

    def _checked(self, holder: Any, referred: Any, fk: tuple[str, ...],
                 pk: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        for schema, cols in ((holder, fk), (referred, pk)):
            missing = [c for c in cols if c not in schema.name_set]
            if missing:
                raise InvalidAssociation(
                    f"{self!r}: {schema.table!r} has no column {missing[0]!r}; known "
                    f"columns: {', '.join(schema.names)}")
        if not pk or len(fk) != len(pk):
            raise InvalidAssociation(f"{self!r}: foreign key {fk} and primary key {pk} "
                                     f"differ in length")
        return fk, pk

    # -- inverse -------------------------------------------------------------------
    @property
    def inverse(self) -> Reflection | None:
        """The target's association back to the owner over the same key, or None: the
        ``inverse_of`` name, else the one found automatically (Rails)."""
        if self._inverse is False:
            self._inverse = self._find_inverse()
        return self._inverse if isinstance(self._inverse, Reflection) else None

    def _find_inverse(self) -> Reflection | None:
        reflections = getattr(self.target, "_reflections", {})
        if self._inverse_option:
            if self._inverse_option not in reflections:
                raise InvalidAssociation(f"{self!r}: inverse_of={self._inverse_option!r}"
                                         f" is not an association of {self.target.__name__}")
            found: Reflection = reflections[self._inverse_option]
            return found
        matches = []
        for other in reflections.values():
            if other is self or (other.macro == "belongs_to") == (self.macro == "belongs_to"):
                continue
            try:
                if other.target is self.owner and other.foreign_key == self.foreign_key \
                        and other.primary_key == self.primary_key:
                    matches.append(other)
            except InvalidAssociation:
                continue  # a broken declaration of the target is reported when used
        return matches[0] if len(matches) == 1 else None

    # -- joins ---------------------------------------------------------------------
    def extra_join_conditions(self, table: str) -> list[n.Node]:
        """Conditions on the target's table (named ``table``, or its alias) that a
        join or preload of this association adds to its key condition
        (``associations/join_dependency.py``, ``preloader.py``): none for a plain
        association; the type column for ``has_many(as_=...)``
        (``associations/has_many.py``)."""
        return []

    def check_type(self, value: Any) -> None:
        """Raise AssociationTypeMismatch unless ``value`` is a ``target`` record."""
        if not isinstance(value, self.target):
            raise AssociationTypeMismatch(
                f"{self.owner.__name__}.{self.name} takes a {self.target.__name__} "
                f"record, not {type(value).__name__} {value!r}")
